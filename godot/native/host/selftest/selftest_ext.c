/* The selftest extension's entry: interface functions, shared helpers, initialization levels. */
/* The extension is a tiny GDExtension written in C against gdhost's own ABI declarations, to
 * self-test the harness: Adder (extends RefCounted), Note (a Resource), FileProbe, the
 * ResourceFormatSavers NoteSaver and FrontSaver (added to the ResourceSaver singleton), and at
 * the EDITOR level SelfEditorPlugin (editor_add_plugin) with the export plugin SelfExporter. */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GDGetProcAddress gpa;
void *library;
int leave_classes_registered;

/* interface functions */
void (*string_name_new)(void *dst, const char *s);
void (*string_new)(void *dst, const char *s);
gd_int (*string_to_utf8)(const void *s, char *buf, gd_int max);
void (*variant_new_copy)(void *dst, const void *src);
void (*variant_destroy)(void *v);
int32_t (*variant_get_type)(const void *v);
void (*variant_stringify)(const void *v, void *r_str);
GDVariantFromType (*get_from_type)(int32_t t);
GDTypeFromVariant (*get_to_type)(int32_t t);
GDPtrConstructor (*get_ctor)(int32_t t, int32_t idx);
GDPtrDestructor (*get_dtor)(int32_t t);
GDPtrBuiltInMethod (*get_builtin)(int32_t t, const void *name, gd_int hash);
void *(*array_index_const)(const void *a, gd_int i);
void *(*dictionary_index)(void *d, const void *key);
float *(*pf32_index)(void *p, gd_int i);
const float *(*pf32_index_const)(const void *p, gd_int i);
void *(*construct_object)(const void *cls);
void (*object_set_instance)(void *o, const void *cls, void *inst);
void (*object_set_instance_binding)(void *o, void *token, void *binding, const GDInstanceBindingCallbacks *cb);
void (*register_class3)(void *lib, const void *name, const void *parent, const GDClassCreationInfo3 *info);
void (*register_method)(void *lib, const void *cls, const GDClassMethodInfo *mi);
void (*register_constant)(void *lib, const void *cls, const void *en, const void *cn, gd_int v, gd_bool bf);
void (*register_property)(void *lib, const void *cls, const GDPropertyInfo *pi, const void *setter, const void *getter);
void (*register_group)(void *lib, const void *cls, const void *group, const void *prefix);
void (*register_subgroup)(void *lib, const void *cls, const void *group, const void *prefix);
void (*register_signal)(void *lib, const void *cls, const void *name, const GDPropertyInfo *args, gd_int argc);
void (*unregister_class)(void *lib, const void *cls);
void (*print_warning)(const char *d, const char *f, const char *file, int32_t line, gd_bool notify);
void (*get_godot_version)(GDGodotVersion *v);
void (*get_library_path)(void *lib, void *r_path);
void (*string_new_len)(void *dst, const char *s, gd_int len);
void *(*get_method_bind)(const void *cls, const void *name, gd_int hash);
void (*bind_ptrcall)(void *mb, void *obj, const void *const *args, void *ret);
void (*bind_call)(void *mb, void *obj, const void *const *args, gd_int argc, void *ret, GDCallError *err);
void (*object_destroy)(void *obj);
void *(*global_get_singleton)(const void *name);
void *(*object_get_instance_binding)(void *obj, void *token, const GDInstanceBindingCallbacks *cb);
gd_bool (*object_get_class_name)(const void *obj, void *lib, void *r_class_name);
void (*editor_add_plugin)(const void *cls);
void (*editor_remove_plugin)(const void *cls);
uint8_t *(*pba_index)(void *p, gd_int i);
const uint8_t *(*pba_index_const)(const void *p, gd_int i);
GDVariantFromType from_type[VT_MAX];
GDTypeFromVariant to_type[VT_MAX];
GDPtrConstructor ctor0[VT_MAX], ctor1[VT_MAX];
GDPtrDestructor dtor[VT_MAX];
GDPtrBuiltInMethod dict_keys, dict_size, dict_has, dict_clear, arr_size, arr_append, arr_resize, arr_clear;
GDPtrBuiltInMethod pf32_size, pf32_resize, str_length, pba_size_m, pba_resize_m, psa_push_back;
GDPtrConstructor string_from_string_name;

void destroy(int t, void *p) { if (dtor[t]) dtor[t](p); }
size_t type_size(int t) { return t >= VT_PACKED_BYTE_ARRAY && t <= VT_PACKED_STRING_ARRAY ? 16 : t == VT_BOOL ? 1 : 8; }
void assign_move(int t, void *dst, void *src) { destroy(t, dst); memcpy(dst, src, type_size(t)); }

static GDPtrBuiltInMethod builtin(int t, const char *name, gd_int hash) {
    Str sn;
    string_name_new(&sn, name);
    GDPtrBuiltInMethod f = get_builtin(t, &sn, hash);
    destroy(VT_STRING_NAME, &sn);
    return f;
}

void *method_bind(const char *cls, const char *name, gd_int hash) {
    Str c, n;
    string_name_new(&c, cls);
    string_name_new(&n, name);
    void *mb = get_method_bind(&c, &n, hash);
    destroy(VT_STRING_NAME, &c);
    destroy(VT_STRING_NAME, &n);
    return mb;
}

void utf8_of(const void *str, char *buf, size_t cap) {
    gd_int len = string_to_utf8(str, buf, (gd_int)cap - 1);
    buf[len < (gd_int)cap - 1 ? len : (gd_int)cap - 1] = 0;
}

int sn_is(const void *sn, const char *text) {
    Str s;
    char buf[128];
    string_from_string_name(&s, (const void *const[]){ sn });
    utf8_of(&s, buf, sizeof buf);
    destroy(VT_STRING, &s);
    return !strcmp(buf, text);
}

/* A Ref<Resource> virtual argument: a slot holding the Object*. */
void *arg_object(const void *arg) { return *(void *const *)arg; }

static const ClassDesc *const all_classes[] = { &C_ADDER, &C_NOTE, &C_PROBE, &C_NOTE_SAVER, &C_FRONT_SAVER };

static void initialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level == 3 /* EDITOR */) {
        register_editor();
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
    register_note();
    register_probe();
    register_savers();
}

static void deinitialize(void *userdata, int32_t level) {
    (void)userdata;
    if (level == 3 && !leave_classes_registered) {
        unregister_editor();
        return;
    }
    if (level != 2 || leave_classes_registered) return;
    remove_savers();
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
