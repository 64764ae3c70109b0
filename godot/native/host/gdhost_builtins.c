/* Builtin methods of String, Dictionary, Array and Packed*Array (variant_get_ptr_builtin_method). */
#include "gdhost.h"

#include <string.h>

#define ARG_I64(i) (*(const int64_t *)args[i])
#define RET(T, v) do { if (r) *(T *)r = (v); } while (0)

static void bm_String_length(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc;
    HStr *h = gd_str_get(base, VT_STRING);
    RET(int64_t, gd_utf8_count(gd_str_cstr(h), gd_str_len(h)));
}

static void bm_Dictionary_size(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; RET(int64_t, gd_dict_get(base)->len);
}
static void bm_Dictionary_is_empty(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; RET(uint8_t, gd_dict_get(base)->len == 0);
}
static void bm_Dictionary_clear(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; (void)r; gd_dict_clear(gd_dict_get(base));
}
static void bm_Dictionary_has(void *base, const void *const *args, void *r, int32_t argc) {
    (void)argc; RET(uint8_t, gd_dict_find(gd_dict_get(base), gd_var_check(args[0])) >= 0);
}
static void bm_Dictionary_erase(void *base, const void *const *args, void *r, int32_t argc) {
    (void)argc; RET(uint8_t, (uint8_t)gd_dict_erase(gd_dict_get(base), gd_var_check(args[0])));
}
static void dict_collect(void *base, void *r, int values) {
    HDict *d = gd_dict_get(base);
    HArr *a = gd_arr_alloc();
    for (int64_t i = 0; i < d->len; i++) gd_arr_append(a, values ? &d->e[i]->v : &d->e[i]->k);
    if (!r) { gd_arr_release(a); return; }
    HArr *old = gd_arr_get(r); /* r_return is an initialized Array (assignment semantics) */
    *(HArr **)r = a;
    gd_arr_release(old);
}
static void bm_Dictionary_keys(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; dict_collect(base, r, 0);
}
static void bm_Dictionary_values(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; dict_collect(base, r, 1);
}

static void bm_Array_size(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; RET(int64_t, gd_arr_get(base)->len);
}
static void bm_Array_is_empty(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; RET(uint8_t, gd_arr_get(base)->len == 0);
}
static void bm_Array_clear(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc; (void)r; gd_arr_resize(gd_arr_get(base), 0);
}
static void bm_Array_resize(void *base, const void *const *args, void *r, int32_t argc) {
    (void)argc;
    int64_t n = ARG_I64(0);
    if (n < 0) { RET(int64_t, 31); return; }
    gd_arr_resize(gd_arr_get(base), n);
    RET(int64_t, 0);
}
static void bm_Array_append(void *base, const void *const *args, void *r, int32_t argc) {
    (void)argc; (void)r; gd_arr_append(gd_arr_get(base), gd_var_check(args[0]));
}
static void bm_Array_push_back(void *base, const void *const *args, void *r, int32_t argc) {
    bm_Array_append(base, args, r, argc);
}

static void packed_push(void *base, int kind, const void *arg) {
    HPacked *p = gd_packed_unique(base, kind);
    gd_packed_resize(base, kind, p->len + 1);
    void *at = (char *)p->data + (size_t)(p->len - 1) * gd_packed_esize(kind);
    switch (kind) {
    case VT_PACKED_BYTE_ARRAY: *(uint8_t *)at = (uint8_t)*(const int64_t *)arg; break;
    case VT_PACKED_INT32_ARRAY: *(int32_t *)at = (int32_t)*(const int64_t *)arg; break;
    case VT_PACKED_INT64_ARRAY: *(int64_t *)at = *(const int64_t *)arg; break;
    case VT_PACKED_FLOAT32_ARRAY: *(float *)at = (float)*(const double *)arg; break;
    case VT_PACKED_FLOAT64_ARRAY: *(double *)at = *(const double *)arg; break;
    case VT_PACKED_STRING_ARRAY: *(HStr **)at = gd_str_retain(gd_str_get(arg, VT_STRING)); break;
    }
}

#define PACKED_METHODS(T, KIND)                                                               \
    static void bm_##T##_size(void *base, const void *const *args, void *r, int32_t argc) {   \
        (void)args; (void)argc; RET(int64_t, gd_packed_len(gd_packed_get(base, KIND)));       \
    }                                                                                         \
    static void bm_##T##_is_empty(void *base, const void *const *args, void *r, int32_t argc) { \
        (void)args; (void)argc; RET(uint8_t, gd_packed_len(gd_packed_get(base, KIND)) == 0);  \
    }                                                                                         \
    static void bm_##T##_resize(void *base, const void *const *args, void *r, int32_t argc) { \
        (void)argc; RET(int64_t, gd_packed_resize(base, KIND, ARG_I64(0)));                   \
    }                                                                                         \
    static void bm_##T##_append(void *base, const void *const *args, void *r, int32_t argc) { \
        (void)argc; packed_push(base, KIND, args[0]); RET(uint8_t, 0); /* false = success */  \
    }                                                                                         \
    static void bm_##T##_push_back(void *base, const void *const *args, void *r, int32_t argc) { \
        bm_##T##_append(base, args, r, argc);                                                 \
    }
PACKED_METHODS(PackedByteArray, VT_PACKED_BYTE_ARRAY)
PACKED_METHODS(PackedInt32Array, VT_PACKED_INT32_ARRAY)
PACKED_METHODS(PackedInt64Array, VT_PACKED_INT64_ARRAY)
PACKED_METHODS(PackedFloat32Array, VT_PACKED_FLOAT32_ARRAY)
PACKED_METHODS(PackedFloat64Array, VT_PACKED_FLOAT64_ARRAY)
PACKED_METHODS(PackedStringArray, VT_PACKED_STRING_ARRAY)

#define VT_OF_String VT_STRING
#define VT_OF_Dictionary VT_DICTIONARY
#define VT_OF_Array VT_ARRAY
#define VT_OF_PackedByteArray VT_PACKED_BYTE_ARRAY
#define VT_OF_PackedInt32Array VT_PACKED_INT32_ARRAY
#define VT_OF_PackedInt64Array VT_PACKED_INT64_ARRAY
#define VT_OF_PackedFloat32Array VT_PACKED_FLOAT32_ARRAY
#define VT_OF_PackedFloat64Array VT_PACKED_FLOAT64_ARRAY
#define VT_OF_PackedStringArray VT_PACKED_STRING_ARRAY

typedef struct {
    int type;
    const char *name;
    uint32_t hash;
    GDPtrBuiltInMethod fn;
} BuiltinEntry;

#define BX(C, M, H) { VT_OF_##C, #M, H, bm_##C##_##M },
static const BuiltinEntry builtin_table[] = { GDHOST_BUILTIN_METHODS(BX) };

static GDPtrBuiltInMethod gdi_variant_get_ptr_builtin_method(int32_t t, const void *method, gd_int hash) {
    const char *name = gd_sn(method);
    for (size_t i = 0; i < sizeof builtin_table / sizeof builtin_table[0]; i++) {
        const BuiltinEntry *e = &builtin_table[i];
        if (e->type == t && !strcmp(e->name, name) && (gd_int)e->hash == hash) return e->fn;
    }
    gd_die_unimplemented("UNIMPLEMENTED builtin %s.%s hash %lld", gd_type_name(t), name, (long long)hash);
    return NULL;
}

static const GdProc builtins_iface[] = {
    GD_PROC(variant_get_ptr_builtin_method)
};

GDAnyFunc gd_builtins_proc(const char *name) { return GD_PROC_FIND(builtins_iface, name); }
