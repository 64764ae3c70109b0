/* Adder (a RefCounted) and Note (a Resource): methods, properties, constant, signal. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

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

/* Adder: get_label / get_size / set_size back the "Text" group's properties. */
static void m_get_label(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    Str s;
    string_new(&s, "adder");
    assign_move(VT_STRING, ret, &s);
}
static void m_get_size(Adder *self, const void *const *args, void *ret) { (void)args; *(int64_t *)ret = self->size; }
static void m_set_size(Adder *self, const void *const *args, void *ret) { (void)ret; self->size = *(const int64_t *)args[0]; }

static void m_set_text(Adder *self, const void *const *args, void *ret) { (void)ret; utf8_of(args[0], self->text, sizeof self->text); }
static void m_get_text(Adder *self, const void *const *args, void *ret) {
    (void)args;
    Str s;
    string_new(&s, self->text);
    assign_move(VT_STRING, ret, &s);
}

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
    { "get_label", m_get_label, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "get_size", m_get_size, 0, { 0 }, { 0 }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "set_size", m_set_size, 1, { VT_INT }, { "value" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

static const MDesc note_methods[] = {
    { "set_text", m_set_text, 1, { VT_STRING }, { "text" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
    { "get_text", m_get_text, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
};

void register_adder(void) {
    register_class(&C_ADDER, methods, NMETHODS, NULL);
    Str cls;
    string_name_new(&cls, "Adder");

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

    /* For property_list: a group with a prefix, a read-only property (no setter), a
     * subgroup, and a write-only property (no getter). */
    add_group("Adder", 0, "Text", "text_");
    add_property("Adder", VT_STRING, "text_label", 0, "", "", "get_label");
    add_group("Adder", 1, "Details", "text_details_");
    add_property("Adder", VT_INT, "text_details_size", 1 /* PROPERTY_HINT_RANGE */, "0,100", "set_size", "get_size");
    add_property("Adder", VT_INT, "text_details_sink", 0, "", "set_size", "");

    destroy(VT_STRING_NAME, &cls);
}

void register_note(void) {
    register_class(&C_NOTE, note_methods, COUNT(note_methods), NULL);
    add_property("Note", VT_STRING, "text", 0, "", "set_text", "get_text");
}
