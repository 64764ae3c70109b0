/* Tiny GDExtension written in C against gdhost's own ABI declarations, used to
 * self-test the harness. Registers class Adder (extends RefCounted). */
#include "../gdabi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { _Alignas(8) unsigned char b[24]; } Var;   /* Variant */
typedef struct { _Alignas(8) unsigned char b[8]; } Str;    /* String / StringName / Array / Dictionary */
typedef struct { _Alignas(8) unsigned char b[16]; } Packed; /* Packed*Array */

static GDGetProcAddress gpa;
static void *library;
static int leave_classes_registered;

/* interface functions */
static void (*string_name_new)(void *dst, const char *s);
static void (*string_new)(void *dst, const char *s);
static gd_int (*string_to_utf8)(const void *s, char *buf, gd_int max);
static void (*variant_new_copy)(void *dst, const void *src);
static void (*variant_destroy)(void *v);
static int32_t (*variant_get_type)(const void *v);
static void (*variant_stringify)(const void *v, void *r_str);
static GDVariantFromType (*get_from_type)(int32_t t);
static GDTypeFromVariant (*get_to_type)(int32_t t);
static GDPtrConstructor (*get_ctor)(int32_t t, int32_t idx);
static GDPtrDestructor (*get_dtor)(int32_t t);
static GDPtrBuiltInMethod (*get_builtin)(int32_t t, const void *name, gd_int hash);
static void *(*array_index_const)(const void *a, gd_int i);
static void *(*dictionary_index)(void *d, const void *key);
static float *(*pf32_index)(void *p, gd_int i);
static const float *(*pf32_index_const)(const void *p, gd_int i);
static void *(*construct_object)(const void *cls);
static void (*object_set_instance)(void *o, const void *cls, void *inst);
static void (*object_set_instance_binding)(void *o, void *token, void *binding, const GDInstanceBindingCallbacks *cb);
static void (*register_class3)(void *lib, const void *name, const void *parent, const GDClassCreationInfo3 *info);
static void (*register_method)(void *lib, const void *cls, const GDClassMethodInfo *mi);
static void (*register_constant)(void *lib, const void *cls, const void *en, const void *cn, gd_int v, gd_bool bf);
static void (*register_property)(void *lib, const void *cls, const GDPropertyInfo *pi, const void *setter, const void *getter);
static void (*register_group)(void *lib, const void *cls, const void *group, const void *prefix);
static void (*register_signal)(void *lib, const void *cls, const void *name, const GDPropertyInfo *args, gd_int argc);
static void (*unregister_class)(void *lib, const void *cls);
static void (*print_warning)(const char *d, const char *f, const char *file, int32_t line, gd_bool notify);
static void (*get_godot_version)(GDGodotVersion *v);
static void (*get_library_path)(void *lib, void *r_path);

static GDVariantFromType from_type[VT_MAX];
static GDTypeFromVariant to_type[VT_MAX];
static GDPtrConstructor ctor0[VT_MAX], ctor1[VT_MAX];
static GDPtrDestructor dtor[VT_MAX];
static GDPtrBuiltInMethod dict_keys, dict_size, dict_has, dict_clear, arr_size, arr_append, arr_resize, arr_clear;
static GDPtrBuiltInMethod pf32_size, pf32_resize, str_length;

static void destroy(int t, void *p) { if (dtor[t]) dtor[t](p); }
static size_t type_size(int t) { return t >= VT_PACKED_BYTE_ARRAY && t <= VT_PACKED_STRING_ARRAY ? 16 : t == VT_BOOL ? 1 : 8; }
static void assign_move(int t, void *dst, void *src) { destroy(t, dst); memcpy(dst, src, type_size(t)); }

static GDPtrBuiltInMethod builtin(int t, const char *name, gd_int hash) {
    Str sn;
    string_name_new(&sn, name);
    GDPtrBuiltInMethod f = get_builtin(t, &sn, hash);
    destroy(VT_STRING_NAME, &sn);
    return f;
}

/* ------------------------------------------------------------------ instance */

typedef struct {
    void *object;
    double factor;
} Adder;

static int binding_token;
static const GDInstanceBindingCallbacks binding_callbacks = { NULL, NULL, NULL };

static void *adder_create(void *class_userdata) {
    (void)class_userdata;
    Str cls, base;
    string_name_new(&base, "RefCounted");
    string_name_new(&cls, "Adder");
    void *obj = construct_object(&base);
    Adder *a = calloc(1, sizeof *a);
    a->object = obj;
    a->factor = 1.0;
    object_set_instance(obj, &cls, a);
    object_set_instance_binding(obj, &binding_token, a, &binding_callbacks);
    destroy(VT_STRING_NAME, &cls);
    destroy(VT_STRING_NAME, &base);
    return obj;
}

static void adder_free(void *class_userdata, void *instance) {
    (void)class_userdata;
    free(instance);
}

/* ------------------------------------------------------------------ methods (ptr style) */

typedef void (*Impl)(Adder *self, const void *const *args, void *ret);

static void m_add(Adder *self, const void *const *args, void *ret) {
    (void)self;
    *(int64_t *)ret = *(const int64_t *)args[0] + *(const int64_t *)args[1];
}

static void m_scale(Adder *self, const void *const *args, void *ret) {
    (void)self;
    const void *v = args[0];
    double k = *(const double *)args[1];
    int64_t n;
    pf32_size((void *)v, NULL, &n, 0);
    Packed out;
    ctor0[VT_PACKED_FLOAT32_ARRAY](&out, NULL);
    int64_t err;
    const void *rargs[1] = { &n };
    pf32_resize(&out, rargs, &err, 1);
    for (int64_t i = 0; i < n; i++) *pf32_index(&out, i) = (float)(*pf32_index_const(v, i) * k * self->factor);
    assign_move(VT_PACKED_FLOAT32_ARRAY, ret, &out);
}

static void m_describe(Adder *self, const void *const *args, void *ret) {
    (void)self;
    const void *d = args[0];
    int64_t n;
    dict_size((void *)d, NULL, &n, 0);
    Str keys;
    ctor0[VT_ARRAY](&keys, NULL);
    dict_keys((void *)d, NULL, &keys, 0);
    char text[512];
    int off = snprintf(text, sizeof text, "size=%lld keys=", (long long)n);
    for (int64_t i = 0; i < n; i++) {
        const void *key = array_index_const(&keys, i);
        Str s;
        ctor0[VT_STRING](&s, NULL);
        variant_stringify(key, &s);
        char buf[64];
        gd_int len = string_to_utf8(&s, buf, sizeof buf - 1);
        buf[len < (gd_int)sizeof buf - 1 ? len : (gd_int)sizeof buf - 1] = 0;
        off += snprintf(text + off, sizeof text - (size_t)off, "%s%s", i ? "," : "", buf);
        destroy(VT_STRING, &s);
    }
    destroy(VT_ARRAY, &keys);
    Str result;
    string_new(&result, text);
    assign_move(VT_STRING, ret, &result);
}

static void m_set_factor(Adder *self, const void *const *args, void *ret) {
    (void)ret;
    self->factor = *(const double *)args[0];
}
static void m_get_factor(Adder *self, const void *const *args, void *ret) {
    (void)args;
    *(double *)ret = self->factor;
}

/* echo(v: Variant) -> Variant */
static void m_echo(Adder *self, const void *const *args, void *ret) {
    (void)self;
    variant_destroy(ret);
    variant_new_copy(ret, args[0]);
}

/* make_array(n: int) -> Array: [0, 1, ..., n-1] built with append, then resize/size checks */
static void m_make_array(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t n = *(const int64_t *)args[0];
    Str arr;
    ctor0[VT_ARRAY](&arr, NULL);
    arr_resize(&arr, (const void *const[]){ &(int64_t){ 5 } }, NULL, 1);
    arr_clear(&arr, NULL, NULL, 0);
    for (int64_t i = 0; i < n; i++) {
        Var v;
        from_type[VT_INT](&v, &i);
        arr_append(&arr, (const void *const[]){ &v }, NULL, 1);
        variant_destroy(&v);
    }
    assign_move(VT_ARRAY, ret, &arr);
}

/* info() -> Dictionary {"version": ..., "library_ok": bool, "name_len": String.length("héllo")} */
static void m_info(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    Str d;
    ctor0[VT_DICTIONARY](&d, NULL);
    GDGodotVersion ver;
    get_godot_version(&ver);
    Str s, key;
    Var kv;
    string_new(&s, ver.string);
    string_new(&key, "version");
    from_type[VT_STRING](&kv, &key);
    from_type[VT_STRING](dictionary_index(&d, &kv), &s); /* slot is a fresh NIL */
    variant_destroy(&kv);
    destroy(VT_STRING, &key);
    destroy(VT_STRING, &s);

    Str path;
    get_library_path(library, &path);
    char buf[4096];
    gd_int len = string_to_utf8(&path, buf, sizeof buf - 1);
    buf[len] = 0;
    uint8_t ok = strstr(buf, "gdhost_selftest") != NULL;
    destroy(VT_STRING, &path);
    string_new(&key, "library_ok");
    from_type[VT_STRING](&kv, &key);
    from_type[VT_BOOL](dictionary_index(&d, &kv), &ok);
    variant_destroy(&kv);
    destroy(VT_STRING, &key);

    string_new(&s, "h\xc3\xa9llo");
    int64_t n;
    str_length(&s, NULL, &n, 0);
    destroy(VT_STRING, &s);
    string_new(&key, "name_len");
    from_type[VT_STRING](&kv, &key);
    from_type[VT_INT](dictionary_index(&d, &kv), &n);
    uint8_t has;
    dict_has(&d, (const void *const[]){ &kv }, &has, 1);
    variant_destroy(&kv);
    destroy(VT_STRING, &key);
    if (!has) fprintf(stderr, "selftest: Dictionary.has failed\n");
    assign_move(VT_DICTIONARY, ret, &d);
}

/* clear_dict(d: Dictionary) -> int: clears d (shared with caller) and returns the old size */
static void m_clear_dict(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t n;
    dict_size((void *)args[0], NULL, &n, 0);
    dict_clear((void *)args[0], NULL, NULL, 0);
    *(int64_t *)ret = n;
}

/* static leave_registered(): next deinit skips classdb_unregister_extension_class */
static void m_leave_registered(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args; (void)ret;
    leave_classes_registered = 1;
}

/* probe(name: String): asks get_proc_address for an arbitrary interface function */
static void m_probe(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)ret;
    char buf[256];
    gd_int len = string_to_utf8(args[0], buf, sizeof buf - 1);
    buf[len] = 0;
    gpa(buf);
}

#define VARIANT_ARG (-1)
typedef struct {
    const char *name;
    Impl impl;
    int argc;
    int types[3]; /* VARIANT_ARG = Variant */
    const char *argnames[3];
    int has_ret;
    int ret;      /* VARIANT_ARG = Variant */
    int ndef;
    int64_t def_int; /* default for the last argument (int) */
    uint32_t flags;
} MDesc;

static const MDesc methods[] = {
    { "add", m_add, 2, { VT_INT, VT_INT }, { "a", "b" }, 1, VT_INT, 1, 10, METHOD_FLAG_NORMAL },
    { "scale", m_scale, 2, { VT_PACKED_FLOAT32_ARRAY, VT_FLOAT }, { "v", "k" }, 1, VT_PACKED_FLOAT32_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "describe", m_describe, 1, { VT_DICTIONARY }, { "d" }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "set_factor", m_set_factor, 1, { VT_FLOAT }, { "value" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
    { "get_factor", m_get_factor, 0, { 0 }, { 0 }, 1, VT_FLOAT, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "echo", m_echo, 1, { VARIANT_ARG }, { "v" }, 1, VARIANT_ARG, 0, 0, METHOD_FLAG_NORMAL },
    { "make_array", m_make_array, 1, { VT_INT }, { "n" }, 1, VT_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "info", m_info, 0, { 0 }, { 0 }, 1, VT_DICTIONARY, 0, 0, METHOD_FLAG_NORMAL },
    { "clear_dict", m_clear_dict, 1, { VT_DICTIONARY }, { "d" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "leave_registered", m_leave_registered, 0, { 0 }, { 0 }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_STATIC },
    { "probe", m_probe, 1, { VT_STRING }, { "name" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

/* Variant call: convert arguments (like godot-cpp), fill defaults, run the ptr-style impl. */
static void call_func(void *ud, void *inst, const void *const *args, gd_int argc, void *r_ret, GDCallError *err) {
    const MDesc *m = ud;
    if (argc > m->argc) { err->error = CALL_ERROR_TOO_MANY_ARGUMENTS; err->expected = m->argc; return; }
    if (argc < m->argc - m->ndef) { err->error = CALL_ERROR_TOO_FEW_ARGUMENTS; err->expected = m->argc - m->ndef; return; }
    _Alignas(8) unsigned char slots[3][16];
    const void *argv[3];
    int built = 0;
    for (int i = 0; i < m->argc; i++) {
        int t = m->types[i];
        if (i >= argc) { /* default (int) */
            memcpy(slots[i], &m->def_int, 8);
            argv[i] = slots[i];
            built = i + 1;
            continue;
        }
        if (t == VARIANT_ARG) { argv[i] = args[i]; built = i + 1; continue; }
        int vt = variant_get_type(args[i]);
        if (vt == t) to_type[t](slots[i], (void *)args[i]);
        else if (t == VT_FLOAT && vt == VT_INT) {
            int64_t iv;
            to_type[VT_INT](&iv, (void *)args[i]);
            *(double *)slots[i] = (double)iv;
        } else {
            for (int j = 0; j < built; j++)
                if (m->types[j] != VARIANT_ARG) destroy(m->types[j], slots[j]);
            err->error = CALL_ERROR_INVALID_ARGUMENT;
            err->argument = i;
            err->expected = t;
            return;
        }
        argv[i] = slots[i];
        built = i + 1;
    }
    if (m->has_ret && m->ret == VARIANT_ARG) {
        m->impl(inst, argv, r_ret);
    } else if (m->has_ret) {
        _Alignas(8) unsigned char rslot[16];
        ctor0[m->ret](rslot, NULL);
        m->impl(inst, argv, rslot);
        from_type[m->ret](r_ret, rslot);
        destroy(m->ret, rslot);
    } else {
        m->impl(inst, argv, NULL);
    }
    for (int j = 0; j < built; j++)
        if (m->types[j] != VARIANT_ARG && j < argc) destroy(m->types[j], slots[j]);
}

static void ptrcall_func(void *ud, void *inst, const void *const *args, void *r_ret) {
    const MDesc *m = ud;
    m->impl(inst, args, r_ret);
}

/* ------------------------------------------------------------------ registration */

static void make_pinfo(GDPropertyInfo *pi, Str *name, Str *cls, Str *hint, int type, const char *n, uint32_t hint_kind, const char *hint_text) {
    string_name_new(name, n ? n : "");
    string_name_new(cls, "");
    string_new(hint, hint_text ? hint_text : "");
    pi->type = type == VARIANT_ARG ? VT_NIL : type;
    pi->name = name;
    pi->class_name = cls;
    pi->hint = hint_kind;
    pi->hint_string = hint;
    pi->usage = PROPERTY_USAGE_DEFAULT | (type == VARIANT_ARG ? PROPERTY_USAGE_NIL_IS_VARIANT : 0);
}

static void free_pinfo(GDPropertyInfo *pi) {
    destroy(VT_STRING_NAME, pi->name);
    destroy(VT_STRING_NAME, pi->class_name);
    destroy(VT_STRING, pi->hint_string);
}

static void register_adder(void) {
    Str cls, parent;
    string_name_new(&cls, "Adder");
    string_name_new(&parent, "RefCounted");
    GDClassCreationInfo3 info;
    memset(&info, 0, sizeof info);
    info.is_exposed = 1;
    info.create_instance_func = adder_create;
    info.free_instance_func = adder_free;
    info.class_userdata = (void *)"Adder";
    register_class3(library, &cls, &parent, &info);

    for (int i = 0; i < NMETHODS; i++) {
        const MDesc *d = &methods[i];
        Str mname, nm[4], cn[4], hs[4];
        GDPropertyInfo args[3], ret;
        int32_t meta[3] = { 0, 0, 0 };
        Var defv;
        void *defs[1] = { &defv };
        string_name_new(&mname, d->name);
        for (int j = 0; j < d->argc; j++) make_pinfo(&args[j], &nm[j], &cn[j], &hs[j], d->types[j], d->argnames[j], 0, NULL);
        make_pinfo(&ret, &nm[3], &cn[3], &hs[3], d->ret, NULL, 0, NULL);
        if (d->ndef) from_type[VT_INT](&defv, (void *)&d->def_int);
        GDClassMethodInfo mi = {
            .name = &mname, .method_userdata = (void *)d, .call_func = call_func, .ptrcall_func = ptrcall_func,
            .method_flags = d->flags, .has_return_value = (gd_bool)d->has_ret, .return_value_info = &ret,
            .return_value_metadata = d->ret == VT_FLOAT ? 10 /* REAL_IS_DOUBLE */ : 0,
            .argument_count = (uint32_t)d->argc, .arguments_info = args, .arguments_metadata = meta,
            .default_argument_count = (uint32_t)d->ndef, .default_arguments = d->ndef ? defs : NULL,
        };
        register_method(library, &cls, &mi);
        /* The host must have copied everything: destroy our temporaries right away. */
        if (d->ndef) variant_destroy(&defv);
        for (int j = 0; j < d->argc; j++) free_pinfo(&args[j]);
        free_pinfo(&ret);
        destroy(VT_STRING_NAME, &mname);
    }

    Str grp, prefix;
    string_new(&grp, "Scaling");
    string_new(&prefix, "");
    register_group(library, &cls, &grp, &prefix);
    destroy(VT_STRING, &grp);
    destroy(VT_STRING, &prefix);

    Str n1, c1, h1, setter, getter, bogus;
    GDPropertyInfo pi;
    make_pinfo(&pi, &n1, &c1, &h1, VT_FLOAT, "factor", 1 /* PROPERTY_HINT_RANGE */, "0,10,0.5");
    string_name_new(&setter, "set_factor");
    string_name_new(&getter, "get_factor");
    register_property(library, &cls, &pi, &setter, &getter);
    free_pinfo(&pi);
    /* Deliberately broken property: getter does not exist -> host must print an error. */
    make_pinfo(&pi, &n1, &c1, &h1, VT_INT, "broken", 0, NULL);
    string_name_new(&bogus, "get_missing");
    register_property(library, &cls, &pi, &setter, &bogus);
    free_pinfo(&pi);
    destroy(VT_STRING_NAME, &setter);
    destroy(VT_STRING_NAME, &getter);
    destroy(VT_STRING_NAME, &bogus);

    Str en, cn;
    string_name_new(&en, "Mode");
    string_name_new(&cn, "MODE_A");
    register_constant(library, &cls, &en, &cn, 1, 0);
    destroy(VT_STRING_NAME, &en);
    destroy(VT_STRING_NAME, &cn);

    Str sig, an, ac, ah;
    GDPropertyInfo sarg;
    string_name_new(&sig, "added");
    make_pinfo(&sarg, &an, &ac, &ah, VT_INT, "result", 0, NULL);
    register_signal(library, &cls, &sig, &sarg, 1);
    free_pinfo(&sarg);
    destroy(VT_STRING_NAME, &sig);

    destroy(VT_STRING_NAME, &cls);
    destroy(VT_STRING_NAME, &parent);
}

static void initialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level != 2 /* SCENE */) return;
    GDGodotVersion v;
    get_godot_version(&v);
    char msg[256];
    snprintf(msg, sizeof msg, "selftest loaded into %u.%u.%u (%s)", v.major, v.minor, v.patch, v.string);
    print_warning(msg, "initialize", __FILE__, __LINE__, 0);
    register_adder();
}

static void deinitialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level != 2 || leave_classes_registered) return;
    Str cls;
    string_name_new(&cls, "Adder");
    unregister_class(library, &cls);
    destroy(VT_STRING_NAME, &cls);
}

#define LOAD(var, name) do { GDAnyFunc f_ = gpa(name); memcpy(&(var), &f_, sizeof f_); } while (0)

__attribute__((visibility("default"))) gd_bool selftest_init(GDGetProcAddress p_gpa, void *p_library, GDInitialization *init) {
    gpa = p_gpa;
    library = p_library;
    LOAD(string_name_new, "string_name_new_with_utf8_chars");
    LOAD(string_new, "string_new_with_utf8_chars");
    LOAD(string_to_utf8, "string_to_utf8_chars");
    LOAD(variant_new_copy, "variant_new_copy");
    LOAD(variant_destroy, "variant_destroy");
    LOAD(variant_get_type, "variant_get_type");
    LOAD(variant_stringify, "variant_stringify");
    LOAD(get_from_type, "get_variant_from_type_constructor");
    LOAD(get_to_type, "get_variant_to_type_constructor");
    LOAD(get_ctor, "variant_get_ptr_constructor");
    LOAD(get_dtor, "variant_get_ptr_destructor");
    LOAD(get_builtin, "variant_get_ptr_builtin_method");
    LOAD(array_index_const, "array_operator_index_const");
    LOAD(dictionary_index, "dictionary_operator_index");
    LOAD(pf32_index, "packed_float32_array_operator_index");
    LOAD(pf32_index_const, "packed_float32_array_operator_index_const");
    LOAD(construct_object, "classdb_construct_object");
    LOAD(object_set_instance, "object_set_instance");
    LOAD(object_set_instance_binding, "object_set_instance_binding");
    LOAD(register_class3, "classdb_register_extension_class3");
    LOAD(register_method, "classdb_register_extension_class_method");
    LOAD(register_constant, "classdb_register_extension_class_integer_constant");
    LOAD(register_property, "classdb_register_extension_class_property");
    LOAD(register_group, "classdb_register_extension_class_property_group");
    LOAD(register_signal, "classdb_register_extension_class_signal");
    LOAD(unregister_class, "classdb_unregister_extension_class");
    LOAD(print_warning, "print_warning");
    LOAD(get_godot_version, "get_godot_version");
    LOAD(get_library_path, "get_library_path");

    static const int types[] = { VT_BOOL, VT_INT, VT_FLOAT, VT_STRING, VT_STRING_NAME, VT_DICTIONARY, VT_ARRAY,
                                 VT_PACKED_FLOAT32_ARRAY, VT_PACKED_BYTE_ARRAY };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int t = types[i];
        from_type[t] = get_from_type(t);
        to_type[t] = get_to_type(t);
        ctor0[t] = get_ctor(t, 0);
        ctor1[t] = get_ctor(t, 1);
        dtor[t] = get_dtor(t); /* NULL for bool/int/float, like Godot */
    }
    /* hashes from the Godot 4.3 extension_api.json */
    dict_keys = builtin(VT_DICTIONARY, "keys", 4144163970u);
    dict_size = builtin(VT_DICTIONARY, "size", 3173160232u);
    dict_has = builtin(VT_DICTIONARY, "has", 3680194679u);
    dict_clear = builtin(VT_DICTIONARY, "clear", 3218959716u);
    arr_size = builtin(VT_ARRAY, "size", 3173160232u);
    arr_append = builtin(VT_ARRAY, "append", 3316032543u);
    arr_resize = builtin(VT_ARRAY, "resize", 848867239u);
    arr_clear = builtin(VT_ARRAY, "clear", 3218959716u);
    pf32_size = builtin(VT_PACKED_FLOAT32_ARRAY, "size", 3173160232u);
    pf32_resize = builtin(VT_PACKED_FLOAT32_ARRAY, "resize", 848867239u);
    str_length = builtin(VT_STRING, "length", 3173160232u);
    (void)arr_size;

    init->minimum_initialization_level = 2; /* SCENE */
    init->userdata = NULL;
    init->initialize = initialize;
    init->deinitialize = deinitialize;
    return 1;
}

/* Entry point that refuses to load (exit code 2 test). */
__attribute__((visibility("default"))) gd_bool selftest_init_fail(GDGetProcAddress p_gpa, void *p_library, GDInitialization *init) {
    (void)p_gpa; (void)p_library; (void)init;
    return 0;
}
