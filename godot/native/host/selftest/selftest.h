/* Declarations shared by the selftest extension's sources. */
#ifndef SELFTEST_H
#define SELFTEST_H
#include "../gdabi.h"

#include <stddef.h>
#include <stdint.h>

typedef struct { _Alignas(8) unsigned char b[24]; } Var;   /* Variant */
typedef struct { _Alignas(8) unsigned char b[8]; } Str;    /* String / StringName / Array / Dictionary */
typedef struct { _Alignas(8) unsigned char b[16]; } Packed; /* Packed*Array */

extern GDGetProcAddress gpa;
extern void *library;
extern int leave_classes_registered;

/* interface functions (selftest_ext.c loads them) */
extern void (*string_name_new)(void *dst, const char *s);
extern void (*string_new)(void *dst, const char *s);
extern gd_int (*string_to_utf8)(const void *s, char *buf, gd_int max);
extern void (*variant_new_copy)(void *dst, const void *src);
extern void (*variant_destroy)(void *v);
extern int32_t (*variant_get_type)(const void *v);
extern void (*variant_stringify)(const void *v, void *r_str);
extern GDVariantFromType (*get_from_type)(int32_t t);
extern GDTypeFromVariant (*get_to_type)(int32_t t);
extern GDPtrConstructor (*get_ctor)(int32_t t, int32_t idx);
extern GDPtrDestructor (*get_dtor)(int32_t t);
extern GDPtrBuiltInMethod (*get_builtin)(int32_t t, const void *name, gd_int hash);
extern void *(*array_index_const)(const void *a, gd_int i);
extern void *(*dictionary_index)(void *d, const void *key);
extern float *(*pf32_index)(void *p, gd_int i);
extern const float *(*pf32_index_const)(const void *p, gd_int i);
extern void *(*construct_object)(const void *cls);
extern void (*object_set_instance)(void *o, const void *cls, void *inst);
extern void (*object_set_instance_binding)(void *o, void *token, void *binding, const GDInstanceBindingCallbacks *cb);
extern void (*register_class3)(void *lib, const void *name, const void *parent, const GDClassCreationInfo3 *info);
extern void (*register_method)(void *lib, const void *cls, const GDClassMethodInfo *mi);
extern void (*register_constant)(void *lib, const void *cls, const void *en, const void *cn, gd_int v, gd_bool bf);
extern void (*register_property)(void *lib, const void *cls, const GDPropertyInfo *pi, const void *setter, const void *getter);
extern void (*register_group)(void *lib, const void *cls, const void *group, const void *prefix);
extern void (*register_subgroup)(void *lib, const void *cls, const void *group, const void *prefix);
extern void (*register_signal)(void *lib, const void *cls, const void *name, const GDPropertyInfo *args, gd_int argc);
extern void (*unregister_class)(void *lib, const void *cls);
extern void (*print_warning)(const char *d, const char *f, const char *file, int32_t line, gd_bool notify);
extern void (*get_godot_version)(GDGodotVersion *v);
extern void (*get_library_path)(void *lib, void *r_path);
extern void (*string_new_len)(void *dst, const char *s, gd_int len);
extern void *(*get_method_bind)(const void *cls, const void *name, gd_int hash);
extern void (*bind_ptrcall)(void *mb, void *obj, const void *const *args, void *ret);
extern void (*bind_call)(void *mb, void *obj, const void *const *args, gd_int argc, void *ret, GDCallError *err);
extern void (*object_destroy)(void *obj);
extern void *(*global_get_singleton)(const void *name);
extern void *(*object_get_instance_binding)(void *obj, void *token, const GDInstanceBindingCallbacks *cb);
extern gd_bool (*object_get_class_name)(const void *obj, void *lib, void *r_class_name);
extern void (*editor_add_plugin)(const void *cls);
extern void (*editor_remove_plugin)(const void *cls);
extern uint8_t *(*pba_index)(void *p, gd_int i);
extern const uint8_t *(*pba_index_const)(const void *p, gd_int i);
extern GDVariantFromType from_type[VT_MAX];
extern GDTypeFromVariant to_type[VT_MAX];
extern GDPtrConstructor ctor0[VT_MAX], ctor1[VT_MAX];
extern GDPtrDestructor dtor[VT_MAX];
extern GDPtrBuiltInMethod dict_keys, dict_size, dict_has, dict_clear, arr_size, arr_append, arr_resize, arr_clear;
extern GDPtrBuiltInMethod pf32_size, pf32_resize, str_length, pba_size_m, pba_resize_m, psa_push_back;
extern GDPtrConstructor string_from_string_name;

/* ---- helpers (selftest_ext.c) */
void destroy(int t, void *p);
size_t type_size(int t);
void assign_move(int t, void *dst, void *src);
void *method_bind(const char *cls, const char *name, gd_int hash); /* an engine method bind */
void utf8_of(const void *str, char *buf, size_t cap);
int sn_is(const void *sn, const char *text);
void *arg_object(const void *arg);

/* ---- classes (selftest_classes.c) */
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
extern const ClassDesc C_ADDER, C_NOTE, C_PROBE, C_NOTE_SAVER, C_FRONT_SAVER, C_EDITOR, C_EXPORTER;
void *instance_create(void *class_userdata);
void instance_free(void *class_userdata, void *instance);
Adder *instance_of(void *obj);

typedef void (*Impl)(Adder *self, const void *const *args, void *ret);

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

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

void make_pinfo(GDPropertyInfo *pi, Str *name, Str *cls, Str *hint, int type, const char *n, uint32_t hint_kind, const char *hint_text);
void free_pinfo(GDPropertyInfo *pi);
void register_class(const ClassDesc *desc, const MDesc *table, int n, GDAnyFunc get_virtual);
void add_group(const char *cls_name, int sub, const char *name, const char *prefix_text);
void add_property(const char *cls_name, int type, const char *name, uint32_t hint, const char *hint_text,
                  const char *setter_name, const char *getter_name);

/* ---- Adder and Note (selftest_adder.c) */
void register_adder(void);
void register_note(void);

/* ---- FileProbe and the FileAccess binds (selftest_files.c) */
extern void *mb_add_saver, *mb_remove_saver;
void load_binds(void);
void register_probe(void);
void *fa_open(const void *path, int64_t mode);
int64_t fa_open_error(void);
void fa_close(void *f);
void fa_store(void *f, const Packed *data);
uint8_t fa_release(void *f);
void pba_append(Packed *dst, const uint8_t *src, int64_t n);

/* ---- the savers (selftest_savers.c) */
extern const char *g_last_saver; /* the saver that last ran _save, for FileProbe.last_saver */
void register_savers(void);
void remove_savers(void);

/* ---- the editor side (selftest_editor.c) */
void register_editor(void);
void unregister_editor(void);

#endif
