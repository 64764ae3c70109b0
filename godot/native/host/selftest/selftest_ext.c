/* Tiny GDExtension written in C against gdhost's own ABI declarations, used to
 * self-test the harness. Registers Adder (extends RefCounted), Note (a Resource),
 * FileProbe (drives FileAccess through engine method binds, as godot-cpp's Ref<FileAccess>
 * would) and two ResourceFormatSavers, NoteSaver and FrontSaver, which it adds to the
 * ResourceSaver singleton. At the EDITOR level, SelfEditorPlugin (editor_add_plugin) adds the
 * export plugin SelfExporter, which asks an export for a file, a folder and a generated file. */
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
static void (*register_subgroup)(void *lib, const void *cls, const void *group, const void *prefix);
static void (*register_signal)(void *lib, const void *cls, const void *name, const GDPropertyInfo *args, gd_int argc);
static void (*unregister_class)(void *lib, const void *cls);
static void (*print_warning)(const char *d, const char *f, const char *file, int32_t line, gd_bool notify);
static void (*get_godot_version)(GDGodotVersion *v);
static void (*get_library_path)(void *lib, void *r_path);
static void (*string_new_len)(void *dst, const char *s, gd_int len);
static void *(*get_method_bind)(const void *cls, const void *name, gd_int hash);
static void (*bind_ptrcall)(void *mb, void *obj, const void *const *args, void *ret);
static void (*bind_call)(void *mb, void *obj, const void *const *args, gd_int argc, void *ret, GDCallError *err);
static void (*object_destroy)(void *obj);
static void *(*global_get_singleton)(const void *name);
static void *(*object_get_instance_binding)(void *obj, void *token, const GDInstanceBindingCallbacks *cb);
static gd_bool (*object_get_class_name)(const void *obj, void *lib, void *r_class_name);
static void (*editor_add_plugin)(const void *cls);
static void (*editor_remove_plugin)(const void *cls);
static uint8_t *(*pba_index)(void *p, gd_int i);
static const uint8_t *(*pba_index_const)(const void *p, gd_int i);

static GDVariantFromType from_type[VT_MAX];
static GDTypeFromVariant to_type[VT_MAX];
static GDPtrConstructor ctor0[VT_MAX], ctor1[VT_MAX];
static GDPtrDestructor dtor[VT_MAX];
static GDPtrBuiltInMethod dict_keys, dict_size, dict_has, dict_clear, arr_size, arr_append, arr_resize, arr_clear;
static GDPtrBuiltInMethod pf32_size, pf32_resize, str_length, pba_size_m, pba_resize_m, psa_push_back;
static GDPtrConstructor string_from_string_name;

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

/* One instance struct for every class here (most fields are Adder's or Note's). */
typedef struct {
    void *object;
    double factor;
    int64_t size;
    char text[256];
} Adder;

typedef struct {
    const char *name, *parent;
} ClassDesc;
static const ClassDesc C_ADDER = { "Adder", "RefCounted" }, C_NOTE = { "Note", "Resource" },
                       C_PROBE = { "FileProbe", "RefCounted" }, C_NOTE_SAVER = { "NoteSaver", "ResourceFormatSaver" },
                       C_FRONT_SAVER = { "FrontSaver", "ResourceFormatSaver" },
                       C_EDITOR = { "SelfEditorPlugin", "EditorPlugin" }, C_EXPORTER = { "SelfExporter", "EditorExportPlugin" };

static int binding_token;
static const GDInstanceBindingCallbacks binding_callbacks = { NULL, NULL, NULL };

static void *instance_create(void *class_userdata) {
    const ClassDesc *d = class_userdata;
    Str cls, base;
    string_name_new(&base, d->parent);
    string_name_new(&cls, d->name);
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

static void instance_free(void *class_userdata, void *instance) {
    (void)class_userdata;
    free(instance);
}

/* Our instance behind an Object* (through the binding set at creation). */
static Adder *instance_of(void *obj) { return object_get_instance_binding(obj, &binding_token, NULL); }

/* ------------------------------------------------------------------ engine method binds */

/* hashes from the Godot 4.3 extension_api.json */
static void *mb_open, *mb_exists, *mb_open_error, *mb_length, *mb_position, *mb_seek, *mb_get_buffer,
    *mb_store_buffer, *mb_close, *mb_get_error, *mb_reference, *mb_unreference, *mb_as_bytes, *mb_add_saver,
    *mb_remove_saver;

static void *bind(const char *cls, const char *name, gd_int hash) {
    Str c, n;
    string_name_new(&c, cls);
    string_name_new(&n, name);
    void *mb = get_method_bind(&c, &n, hash);
    destroy(VT_STRING_NAME, &c);
    destroy(VT_STRING_NAME, &n);
    return mb;
}

static void load_binds(void) {
    mb_open = bind("FileAccess", "open", 1247358404);
    mb_exists = bind("FileAccess", "file_exists", 2323990056);
    mb_open_error = bind("FileAccess", "get_open_error", 166280745);
    mb_length = bind("FileAccess", "get_length", 3905245786);
    mb_position = bind("FileAccess", "get_position", 3905245786);
    mb_seek = bind("FileAccess", "seek", 1286410249);
    mb_get_buffer = bind("FileAccess", "get_buffer", 4131300905);
    mb_store_buffer = bind("FileAccess", "store_buffer", 2971499966);
    mb_close = bind("FileAccess", "close", 3218959716);
    mb_get_error = bind("FileAccess", "get_error", 3185525595);
    mb_reference = bind("RefCounted", "reference", 2240911060);
    mb_unreference = bind("RefCounted", "unreference", 2240911060);
    mb_as_bytes = bind("FileAccess", "get_file_as_bytes", 659035735);
    mb_add_saver = bind("ResourceSaver", "add_resource_format_saver", 362894272);
    mb_remove_saver = bind("ResourceSaver", "remove_resource_format_saver", 3373026878);
}

static void *mb_add_export_plugin, *mb_remove_export_plugin, *mb_add_shared_object, *mb_add_file, *mb_get_os_name;
static void load_editor_binds(void) {
    mb_add_export_plugin = bind("EditorPlugin", "add_export_plugin", 4095952207);
    mb_remove_export_plugin = bind("EditorPlugin", "remove_export_plugin", 4095952207);
    mb_add_shared_object = bind("EditorExportPlugin", "add_shared_object", 3098291045);
    mb_add_file = bind("EditorExportPlugin", "add_file", 527928637);
    mb_get_os_name = bind("EditorExportPlatform", "get_os_name", 201670096);
}

/* Ref<FileAccess> FileAccess.open(path, mode): the Ref slot starts NULL. */
static void *fa_open(const void *path, int64_t mode) {
    void *ref = NULL;
    const void *args[2] = { path, &mode };
    bind_ptrcall(mb_open, NULL, args, &ref);
    return ref;
}
static int64_t fa_int(void *mb, void *f) {
    int64_t v = -1;
    bind_ptrcall(mb, f, NULL, &v);
    return v;
}
static int64_t fa_open_error(void) { return fa_int(mb_open_error, NULL); }
static void fa_seek(void *f, int64_t pos) { bind_ptrcall(mb_seek, f, (const void *const[]){ &pos }, NULL); }
static void fa_close(void *f) { bind_ptrcall(mb_close, f, NULL, NULL); }
/* r_ret of get_buffer is an initialized PackedByteArray the engine fills */
static void fa_get_buffer(void *f, int64_t n, Packed *out) {
    ctor0[VT_PACKED_BYTE_ARRAY](out, NULL);
    bind_ptrcall(mb_get_buffer, f, (const void *const[]){ &n }, out);
}
static void fa_store(void *f, const Packed *data) { bind_ptrcall(mb_store_buffer, f, (const void *const[]){ data }, NULL); }
static uint8_t fa_reference(void *f) {
    uint8_t ok = 0;
    bind_ptrcall(mb_reference, f, NULL, &ok);
    return ok;
}
/* What godot-cpp's Ref does when it lets go: unreference, object_destroy at zero. */
static uint8_t fa_release(void *f) {
    uint8_t last = 0;
    bind_ptrcall(mb_unreference, f, NULL, &last);
    if (last) object_destroy(f);
    return last;
}

static int64_t pba_size(const Packed *p) {
    int64_t n = 0;
    pba_size_m((void *)p, NULL, &n, 0);
    return n;
}
static void pba_append(Packed *dst, const uint8_t *src, int64_t n) {
    int64_t old = pba_size(dst), len = old + n, err;
    pba_resize_m(dst, (const void *const[]){ &len }, &err, 1);
    for (int64_t i = 0; i < n; i++) *pba_index(dst, old + i) = src[i];
}

/* ------------------------------------------------------------------ methods (ptr style) */

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

/* Adder: get_label / get_size / set_size back the "Text" group's properties. */
static void m_get_label(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    Str s;
    string_new(&s, "adder");
    assign_move(VT_STRING, ret, &s);
}
static void m_get_size(Adder *self, const void *const *args, void *ret) { (void)args; *(int64_t *)ret = self->size; }
static void m_set_size(Adder *self, const void *const *args, void *ret) { (void)ret; self->size = *(const int64_t *)args[0]; }

/* Note: text */
static void utf8_of(const void *str, char *buf, size_t cap) {
    gd_int len = string_to_utf8(str, buf, (gd_int)cap - 1);
    buf[len < (gd_int)cap - 1 ? len : (gd_int)cap - 1] = 0;
}
static void m_set_text(Adder *self, const void *const *args, void *ret) { (void)ret; utf8_of(args[0], self->text, sizeof self->text); }
static void m_get_text(Adder *self, const void *const *args, void *ret) {
    (void)args;
    Str s;
    string_new(&s, self->text);
    assign_move(VT_STRING, ret, &s);
}

/* FileProbe: each method opens its own Ref<FileAccess> and releases it. */
static const char *g_last_saver = "";

/* read_chunks(path, chunk) -> PackedByteArray: the whole file by seek + get_buffer(chunk),
 * like a streaming reader; empty if it cannot be opened. */
static void m_read_chunks(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t chunk = *(const int64_t *)args[1];
    Packed out;
    ctor0[VT_PACKED_BYTE_ARRAY](&out, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        int64_t len = fa_int(mb_length, f);
        for (int64_t pos = fa_int(mb_position, f); pos < len; pos = fa_int(mb_position, f)) {
            Packed part;
            fa_seek(f, pos);
            fa_get_buffer(f, chunk, &part);
            int64_t n = pba_size(&part);
            if (n) pba_append(&out, pba_index_const(&part, 0), n);
            destroy(VT_PACKED_BYTE_ARRAY, &part);
            if (n == 0) break;
        }
        fa_close(f);
        fa_release(f);
    }
    assign_move(VT_PACKED_BYTE_ARRAY, ret, &out);
}

/* read_at(path, offset, n) -> PackedByteArray */
static void m_read_at(Adder *self, const void *const *args, void *ret) {
    (void)self;
    Packed out;
    ctor0[VT_PACKED_BYTE_ARRAY](&out, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        destroy(VT_PACKED_BYTE_ARRAY, &out);
        fa_seek(f, *(const int64_t *)args[1]);
        fa_get_buffer(f, *(const int64_t *)args[2], &out);
        fa_release(f); /* object_destroy closes it */
    }
    assign_move(VT_PACKED_BYTE_ARRAY, ret, &out);
}

/* read_text(path) -> String: the file read with one get_buffer(get_length()) */
static void m_read_text(Adder *self, const void *const *args, void *ret) {
    (void)self;
    char buf[4096] = { 0 };
    int64_t n = 0;
    void *f = fa_open(args[0], 1);
    if (f) {
        Packed data;
        fa_get_buffer(f, fa_int(mb_length, f), &data);
        n = pba_size(&data);
        if (n > (int64_t)sizeof buf) n = sizeof buf;
        for (int64_t i = 0; i < n; i++) buf[i] = (char)*pba_index_const(&data, i);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        fa_close(f);
        fa_release(f);
    }
    Str s;
    string_new_len(&s, buf, n);
    assign_move(VT_STRING, ret, &s);
}

/* errors(path) -> [get_error after reading exactly the length, bytes got by reading on,
 * get_error after that over-read, get_error after seek(0)] */
static void m_errors(Adder *self, const void *const *args, void *ret) {
    (void)self;
    Str arr;
    ctor0[VT_ARRAY](&arr, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        int64_t v[4];
        Packed data;
        fa_get_buffer(f, fa_int(mb_length, f), &data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        v[0] = fa_int(mb_get_error, f);
        fa_get_buffer(f, 10, &data);
        v[1] = pba_size(&data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        v[2] = fa_int(mb_get_error, f);
        fa_seek(f, 0);
        v[3] = fa_int(mb_get_error, f);
        for (int i = 0; i < 4; i++) {
            Var e;
            from_type[VT_INT](&e, &v[i]);
            arr_append(&arr, (const void *const[]){ &e }, NULL, 1);
            variant_destroy(&e);
        }
        fa_close(f);
        fa_release(f);
    }
    assign_move(VT_ARRAY, ret, &arr);
}

/* open_error(path, mode) -> int: FileAccess.get_open_error() after open */
static void m_open_error(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], *(const int64_t *)args[1]);
    int64_t err = fa_open_error();
    if (f) fa_release(f);
    *(int64_t *)ret = err;
}

static void m_exists(Adder *self, const void *const *args, void *ret) {
    (void)self;
    bind_ptrcall(mb_exists, NULL, args, ret);
}

/* length(path) -> int: get_length, checking get_position follows seek */
static void m_length(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t len = -1;
    void *f = fa_open(args[0], 1);
    if (f) {
        len = fa_int(mb_length, f);
        fa_seek(f, 2);
        if (fa_int(mb_position, f) != 2) len = -2;
        fa_release(f);
    }
    *(int64_t *)ret = len;
}

/* write(path, data, chunk) -> int: WRITE + store_buffer in chunks; the open error, or -1
 * if get_length/get_position do not follow the writes */
static void m_write(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 2);
    if (!f) { *(int64_t *)ret = fa_open_error(); return; }
    const Packed *data = args[1];
    int64_t chunk = *(const int64_t *)args[2], n = pba_size(data), bad = 0;
    for (int64_t at = 0; at < n; at += chunk) {
        int64_t k = n - at < chunk ? n - at : chunk;
        Packed part;
        ctor0[VT_PACKED_BYTE_ARRAY](&part, NULL);
        pba_append(&part, pba_index_const(data, at), k);
        fa_store(f, &part);
        destroy(VT_PACKED_BYTE_ARRAY, &part);
        if (fa_int(mb_position, f) != at + k || fa_int(mb_length, f) != at + k) bad = 1;
    }
    fa_close(f);
    fa_release(f);
    *(int64_t *)ret = bad ? -1 : 0;
}

/* copy_prefix(src, dst, n) -> int: the first n bytes of src written to dst */
static void m_copy_prefix(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *in = fa_open(args[0], 1);
    if (!in) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    fa_get_buffer(in, *(const int64_t *)args[2], &data);
    fa_release(in);
    void *out = fa_open(args[1], 2);
    int64_t err = fa_open_error();
    if (out) {
        fa_store(out, &data);
        fa_close(out);
        fa_release(out);
    }
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    *(int64_t *)ret = err;
}

/* patch(path, offset, bytes) -> int: overwrites bytes at offset (read all, write back) */
static void m_patch(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *in = fa_open(args[0], 1);
    if (!in) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    fa_get_buffer(in, fa_int(mb_length, in), &data);
    fa_release(in);
    int64_t at = *(const int64_t *)args[1], n = pba_size(args[2]);
    for (int64_t i = 0; i < n && at + i < pba_size(&data); i++) *pba_index(&data, at + i) = *pba_index_const(args[2], i);
    void *out = fa_open(args[0], 2);
    int64_t err = fa_open_error();
    if (out) {
        fa_store(out, &data);
        fa_release(out);
    }
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    *(int64_t *)ret = err;
}

/* hold(path) / release_held(): a Ref kept across scenario lines (a leak until released) */
static void *g_held;
static void m_hold(Adder *self, const void *const *args, void *ret) {
    (void)self;
    g_held = fa_open(args[0], 1);
    *(int64_t *)ret = fa_open_error();
}
static void m_release_held(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    *(uint8_t *)ret = g_held ? fa_release(g_held) : 0;
    g_held = NULL;
}

/* destroy_referenced(path) -> bool: reference() twice held, one unreference, then
 * object_destroy with a reference left (the host reports it) */
static void m_destroy_referenced(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 1);
    uint8_t ok = 0;
    if (f) {
        ok = fa_reference(f);
        uint8_t last = 0;
        bind_ptrcall(mb_unreference, f, NULL, &last);
        ok = ok && !last;
        object_destroy(f);
    }
    *(uint8_t *)ret = ok;
}

/* misuse(path) -> int: store_buffer on a READ file, then get_length after close (two
 * host errors); returns that get_length */
static void m_misuse(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 1);
    int64_t len = -1;
    if (f) {
        Packed data;
        ctor0[VT_PACKED_BYTE_ARRAY](&data, NULL);
        pba_append(&data, (const uint8_t *)"x", 1);
        fa_store(f, &data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        fa_close(f);
        len = fa_int(mb_length, f);
        fa_release(f);
    }
    *(int64_t *)ret = len;
}

/* as_bytes(path) -> PackedByteArray: FileAccess.get_file_as_bytes */
static void m_as_bytes(Adder *self, const void *const *args, void *ret) {
    (void)self;
    bind_ptrcall(mb_as_bytes, NULL, args, ret);
}

static void m_last_saver(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    Str s;
    string_new(&s, g_last_saver);
    assign_move(VT_STRING, ret, &s);
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
    { "get_label", m_get_label, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "get_size", m_get_size, 0, { 0 }, { 0 }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
    { "set_size", m_set_size, 1, { VT_INT }, { "value" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
};
#define NMETHODS ((int)(sizeof methods / sizeof methods[0]))

static const MDesc note_methods[] = {
    { "set_text", m_set_text, 1, { VT_STRING }, { "text" }, 0, VT_NIL, 0, 0, METHOD_FLAG_NORMAL },
    { "get_text", m_get_text, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL | METHOD_FLAG_CONST },
};

static const MDesc probe_methods[] = {
    { "read_chunks", m_read_chunks, 2, { VT_STRING, VT_INT }, { "path", "chunk" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "read_at", m_read_at, 3, { VT_STRING, VT_INT, VT_INT }, { "path", "offset", "n" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "read_text", m_read_text, 1, { VT_STRING }, { "path" }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL },
    { "errors", m_errors, 1, { VT_STRING }, { "path" }, 1, VT_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "open_error", m_open_error, 2, { VT_STRING, VT_INT }, { "path", "mode" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "exists", m_exists, 1, { VT_STRING }, { "path" }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "length", m_length, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "write", m_write, 3, { VT_STRING, VT_PACKED_BYTE_ARRAY, VT_INT }, { "path", "data", "chunk" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "copy_prefix", m_copy_prefix, 3, { VT_STRING, VT_STRING, VT_INT }, { "src", "dst", "n" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "patch", m_patch, 3, { VT_STRING, VT_INT, VT_PACKED_BYTE_ARRAY }, { "path", "offset", "bytes" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "hold", m_hold, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "release_held", m_release_held, 0, { 0 }, { 0 }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "destroy_referenced", m_destroy_referenced, 1, { VT_STRING }, { "path" }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "misuse", m_misuse, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "as_bytes", m_as_bytes, 1, { VT_STRING }, { "path" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "last_saver", m_last_saver, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL },
};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

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

/* Registers a class and its methods; get_virtual may be NULL. */
static void register_class(const ClassDesc *desc, const MDesc *table, int n, GDAnyFunc get_virtual) {
    Str cls, parent;
    string_name_new(&cls, desc->name);
    string_name_new(&parent, desc->parent);
    GDClassCreationInfo3 info;
    memset(&info, 0, sizeof info);
    info.is_exposed = 1;
    info.create_instance_func = instance_create;
    info.free_instance_func = instance_free;
    info.get_virtual_func = get_virtual;
    info.class_userdata = (void *)desc;
    register_class3(library, &cls, &parent, &info);

    for (int i = 0; i < n; i++) {
        const MDesc *d = &table[i];
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
    destroy(VT_STRING_NAME, &cls);
    destroy(VT_STRING_NAME, &parent);
}

static void add_group(const char *cls_name, int sub, const char *name, const char *prefix_text) {
    Str cls, grp, prefix;
    string_name_new(&cls, cls_name);
    string_new(&grp, name);
    string_new(&prefix, prefix_text);
    (sub ? register_subgroup : register_group)(library, &cls, &grp, &prefix);
    destroy(VT_STRING, &grp);
    destroy(VT_STRING, &prefix);
    destroy(VT_STRING_NAME, &cls);
}

static void add_property(const char *cls_name, int type, const char *name, uint32_t hint, const char *hint_text,
                         const char *setter_name, const char *getter_name) {
    Str cls, n1, c1, h1, setter, getter;
    GDPropertyInfo pi;
    string_name_new(&cls, cls_name);
    make_pinfo(&pi, &n1, &c1, &h1, type, name, hint, hint_text);
    string_name_new(&setter, setter_name);
    string_name_new(&getter, getter_name);
    register_property(library, &cls, &pi, &setter, &getter);
    free_pinfo(&pi);
    destroy(VT_STRING_NAME, &setter);
    destroy(VT_STRING_NAME, &getter);
    destroy(VT_STRING_NAME, &cls);
}

static void register_adder(void) {
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

/* ------------------------------------------------------------------ savers */

typedef void (*CallVirtual)(void *instance, const void *const *args, void *ret);

static int sn_is(const void *sn, const char *text) {
    Str s;
    char buf[128];
    string_from_string_name(&s, (const void *const[]){ sn });
    utf8_of(&s, buf, sizeof buf);
    destroy(VT_STRING, &s);
    return !strcmp(buf, text);
}

/* A Ref<Resource> virtual argument: a slot holding the Object*. */
static void *arg_object(const void *arg) { return *(void *const *)arg; }

static void v_note_recognize(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Str cn;
    object_get_class_name(arg_object(args[0]), library, &cn);
    *(uint8_t *)ret = (uint8_t)sn_is(&cn, "Note");
    destroy(VT_STRING_NAME, &cn);
}
static void v_note_extensions(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    Str ext;
    string_new(&ext, "note");
    psa_push_back(ret, (const void *const[]){ &ext }, NULL, 1);
    destroy(VT_STRING, &ext);
}
/* NoteSaver._save: the Note's text, written through FileAccess */
static void v_note_save(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Adder *note = instance_of(arg_object(args[0]));
    g_last_saver = "note";
    void *f = fa_open(args[1], 2);
    if (!f) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    ctor0[VT_PACKED_BYTE_ARRAY](&data, NULL);
    pba_append(&data, (const uint8_t *)note->text, (int64_t)strlen(note->text));
    fa_store(f, &data);
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    fa_close(f);
    fa_release(f);
    *(int64_t *)ret = 0;
}
static GDAnyFunc note_saver_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_recognize")) return (GDAnyFunc)v_note_recognize;
    if (sn_is(name, "_get_recognized_extensions")) return (GDAnyFunc)v_note_extensions;
    if (sn_is(name, "_save")) return (GDAnyFunc)v_note_save;
    return NULL;
}

/* FrontSaver (added at_front): takes every resource, but only paths containing "locked" */
static void v_front_recognize(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    *(uint8_t *)ret = 1;
}
static void v_front_recognize_path(void *inst, const void *const *args, void *ret) {
    (void)inst;
    char buf[512];
    utf8_of(args[1], buf, sizeof buf);
    *(uint8_t *)ret = strstr(buf, "locked") != NULL;
}
static void v_front_save(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    g_last_saver = "front";
    *(int64_t *)ret = 0;
}
static GDAnyFunc front_saver_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_recognize")) return (GDAnyFunc)v_front_recognize;
    if (sn_is(name, "_get_recognized_extensions")) return (GDAnyFunc)v_note_extensions;
    if (sn_is(name, "_recognize_path")) return (GDAnyFunc)v_front_recognize_path;
    if (sn_is(name, "_save")) return (GDAnyFunc)v_front_save;
    return NULL;
}

static void *g_note_saver, *g_front_saver;

/* ResourceSaver.add/remove_resource_format_saver through object_method_bind_call */
static void saver_bind(void *mb, void *saver, int at_front, int argc) {
    Str sn;
    string_name_new(&sn, "ResourceSaver");
    void *rs = global_get_singleton(&sn);
    destroy(VT_STRING_NAME, &sn);
    Var a0, a1, ret;
    uint8_t front = (uint8_t)at_front;
    from_type[VT_OBJECT](&a0, &saver);
    from_type[VT_BOOL](&a1, &front);
    GDCallError err = { 0, 0, 0 };
    bind_call(mb, rs, (const void *const[]){ &a0, &a1 }, argc, &ret, &err);
    if (err.error) fprintf(stderr, "selftest: saver bind call error %d\n", err.error);
    variant_destroy(&ret);
    variant_destroy(&a0);
    variant_destroy(&a1);
}


/* ------------------------------------------------------------------ the editor side */

static void *g_exporter;

/* A vararg-style engine call with Variant arguments; reports a call error on stderr. */
static void call_bind(void *mb, void *obj, Var *args, int argc) {
    const void *argv[4];
    for (int i = 0; i < argc; i++) argv[i] = &args[i];
    Var ret;
    GDCallError err = { 0, 0, 0 };
    bind_call(mb, obj, argv, argc, &ret, &err);
    if (err.error) fprintf(stderr, "selftest: editor bind call error %d\n", err.error);
    variant_destroy(&ret);
}

/* SelfEditorPlugin._enter_tree / _exit_tree: add and remove the export plugin */
static void v_editor_enter_tree(void *inst, const void *const *args, void *ret) {
    (void)args; (void)ret;
    Adder *self = inst;
    g_exporter = instance_create((void *)&C_EXPORTER);
    Var a;
    from_type[VT_OBJECT](&a, &g_exporter);
    call_bind(mb_add_export_plugin, self->object, &a, 1);
    variant_destroy(&a);
}
static void v_editor_exit_tree(void *inst, const void *const *args, void *ret) {
    (void)args; (void)ret;
    Adder *self = inst;
    Var a;
    from_type[VT_OBJECT](&a, &g_exporter);
    call_bind(mb_remove_export_plugin, self->object, &a, 1);
    variant_destroy(&a);
    object_destroy(g_exporter); /* the last reference (gdhost does not count RefCounted's) */
    g_exporter = NULL;
}
static GDAnyFunc editor_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_enter_tree")) return (GDAnyFunc)v_editor_enter_tree;
    if (sn_is(name, "_exit_tree")) return (GDAnyFunc)v_editor_exit_tree;
    return NULL;
}

/* SelfExporter: _get_name, _supports_platform (get_os_name is "Linux"), _export_begin */
static void v_exporter_name(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    Str name;
    string_new(&name, "SelfExporter");
    assign_move(VT_STRING, ret, &name);
}
static void v_exporter_supports(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Str os;
    ctor0[VT_STRING](&os, NULL);
    bind_ptrcall(mb_get_os_name, arg_object(args[0]), NULL, &os);
    char buf[64];
    utf8_of(&os, buf, sizeof buf);
    destroy(VT_STRING, &os);
    *(uint8_t *)ret = strcmp(buf, "Linux") == 0;
}
/* res://out/hello.note beside the executable, res://out as a folder in data/, the features as
 * its tags, and a generated file */
static void v_exporter_begin(void *inst, const void *const *args, void *ret) {
    (void)ret;
    Adder *self = inst;
    Var a[3];
    Str s;
    string_new(&s, "res://out/hello.note");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    from_type[VT_PACKED_STRING_ARRAY](&a[1], (void *)args[0]);
    string_new(&s, "");
    from_type[VT_STRING](&a[2], &s);
    destroy(VT_STRING, &s);
    call_bind(mb_add_shared_object, self->object, a, 3);
    variant_destroy(&a[0]);
    variant_destroy(&a[2]);
    string_new(&s, "res://out");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    string_new(&s, "data");
    from_type[VT_STRING](&a[2], &s);
    destroy(VT_STRING, &s);
    call_bind(mb_add_shared_object, self->object, a, 3);
    for (int i = 0; i < 3; i++) variant_destroy(&a[i]);
    Packed bytes;
    ctor0[VT_PACKED_BYTE_ARRAY](&bytes, NULL);
    pba_append(&bytes, (const uint8_t *)"abc", 3);
    uint8_t remap = 0;
    string_new(&s, "res://generated.bin");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    from_type[VT_PACKED_BYTE_ARRAY](&a[1], &bytes);
    destroy(VT_PACKED_BYTE_ARRAY, &bytes);
    from_type[VT_BOOL](&a[2], &remap);
    call_bind(mb_add_file, self->object, a, 3);
    for (int i = 0; i < 3; i++) variant_destroy(&a[i]);
}
static GDAnyFunc exporter_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_get_name")) return (GDAnyFunc)v_exporter_name;
    if (sn_is(name, "_supports_platform")) return (GDAnyFunc)v_exporter_supports;
    if (sn_is(name, "_export_begin")) return (GDAnyFunc)v_exporter_begin;
    return NULL;
}

static const ClassDesc *const all_classes[] = { &C_ADDER, &C_NOTE, &C_PROBE, &C_NOTE_SAVER, &C_FRONT_SAVER };

static void initialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level == 3 /* EDITOR */) {
        load_editor_binds();
        register_class(&C_EXPORTER, NULL, 0, (GDAnyFunc)exporter_virtual);
        register_class(&C_EDITOR, NULL, 0, (GDAnyFunc)editor_virtual);
        Str cls;
        string_name_new(&cls, C_EDITOR.name);
        editor_add_plugin(&cls);
        destroy(VT_STRING_NAME, &cls);
        return;
    }
    if (level != 2 /* SCENE */) return;
    GDGodotVersion v;
    get_godot_version(&v);
    char msg[256];
    snprintf(msg, sizeof msg, "selftest loaded into %u.%u.%u (%s)", v.major, v.minor, v.patch, v.string);
    print_warning(msg, "initialize", __FILE__, __LINE__, 0);
    load_binds();
    register_adder();
    register_class(&C_NOTE, note_methods, COUNT(note_methods), NULL);
    add_property("Note", VT_STRING, "text", 0, "", "set_text", "get_text");
    register_class(&C_PROBE, probe_methods, COUNT(probe_methods), NULL);
    register_class(&C_NOTE_SAVER, NULL, 0, (GDAnyFunc)note_saver_virtual);
    register_class(&C_FRONT_SAVER, NULL, 0, (GDAnyFunc)front_saver_virtual);
    /* NoteSaver first, FrontSaver at_front: FrontSaver must be asked first */
    g_note_saver = instance_create((void *)&C_NOTE_SAVER);
    g_front_saver = instance_create((void *)&C_FRONT_SAVER);
    saver_bind(mb_add_saver, g_note_saver, 0, 2);
    saver_bind(mb_add_saver, g_front_saver, 1, 2);
}

static void deinitialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level == 3 && !leave_classes_registered) {
        Str cls;
        string_name_new(&cls, C_EDITOR.name);
        editor_remove_plugin(&cls);
        unregister_class(library, &cls);
        destroy(VT_STRING_NAME, &cls);
        string_name_new(&cls, C_EXPORTER.name);
        unregister_class(library, &cls);
        destroy(VT_STRING_NAME, &cls);
        return;
    }
    if (level != 2 || leave_classes_registered) return;
    saver_bind(mb_remove_saver, g_front_saver, 0, 1);
    saver_bind(mb_remove_saver, g_note_saver, 0, 1);
    object_destroy(g_front_saver);
    object_destroy(g_note_saver);
    for (size_t i = 0; i < sizeof all_classes / sizeof all_classes[0]; i++) {
        Str cls;
        string_name_new(&cls, all_classes[i]->name);
        unregister_class(library, &cls);
        destroy(VT_STRING_NAME, &cls);
    }
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
    LOAD(register_subgroup, "classdb_register_extension_class_property_subgroup");
    LOAD(register_signal, "classdb_register_extension_class_signal");
    LOAD(unregister_class, "classdb_unregister_extension_class");
    LOAD(print_warning, "print_warning");
    LOAD(get_godot_version, "get_godot_version");
    LOAD(get_library_path, "get_library_path");
    LOAD(string_new_len, "string_new_with_utf8_chars_and_len");
    LOAD(get_method_bind, "classdb_get_method_bind");
    LOAD(bind_ptrcall, "object_method_bind_ptrcall");
    LOAD(bind_call, "object_method_bind_call");
    LOAD(object_destroy, "object_destroy");
    LOAD(global_get_singleton, "global_get_singleton");
    LOAD(object_get_instance_binding, "object_get_instance_binding");
    LOAD(object_get_class_name, "object_get_class_name");
    LOAD(pba_index, "packed_byte_array_operator_index");
    LOAD(editor_add_plugin, "editor_add_plugin");
    LOAD(editor_remove_plugin, "editor_remove_plugin");
    LOAD(pba_index_const, "packed_byte_array_operator_index_const");

    static const int types[] = { VT_BOOL, VT_INT, VT_FLOAT, VT_STRING, VT_STRING_NAME, VT_DICTIONARY, VT_ARRAY,
                                 VT_PACKED_FLOAT32_ARRAY, VT_PACKED_BYTE_ARRAY, VT_PACKED_STRING_ARRAY, VT_OBJECT };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int t = types[i];
        from_type[t] = get_from_type(t);
        to_type[t] = get_to_type(t);
        if (t == VT_OBJECT) continue; /* Object has no pointer constructors */
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
    pba_size_m = builtin(VT_PACKED_BYTE_ARRAY, "size", 3173160232u);
    pba_resize_m = builtin(VT_PACKED_BYTE_ARRAY, "resize", 848867239u);
    psa_push_back = builtin(VT_PACKED_STRING_ARRAY, "push_back", 816187996u);
    string_from_string_name = get_ctor(VT_STRING, 2);
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
