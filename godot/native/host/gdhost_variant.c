/* Values of any builtin type, Variant (copy, compare, repr) and the variant/constructor functions. */
#include "gdhost.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ generic values */

void gd_val_default(int t, void *dst) {
    switch (t) {
    case VT_NIL: break;
    case VT_BOOL: *(uint8_t *)dst = 0; break;
    case VT_INT: *(int64_t *)dst = 0; break;
    case VT_FLOAT: *(double *)dst = 0.0; break;
    case VT_STRING:
    case VT_STRING_NAME:
    case VT_OBJECT: *(void **)dst = NULL; break;
    case VT_ARRAY: *(HArr **)dst = gd_arr_alloc(); break;
    case VT_DICTIONARY: *(HDict **)dst = gd_dict_alloc(); break;
    default:
        if (gd_is_packed(t)) { ((void **)dst)[0] = NULL; ((void **)dst)[1] = NULL; break; }
        gd_fatal("gdhost: default construction of unsupported type %d", t);
    }
}

void gd_val_copy(int t, void *dst, const void *src) {
    switch (t) {
    case VT_NIL: break;
    case VT_BOOL: *(uint8_t *)dst = *(const uint8_t *)src; break;
    case VT_INT: *(int64_t *)dst = *(const int64_t *)src; break;
    case VT_FLOAT: *(double *)dst = *(const double *)src; break;
    case VT_STRING:
    case VT_STRING_NAME: *(HStr **)dst = gd_str_retain(gd_str_get(src, t)); break;
    case VT_OBJECT: *(void **)dst = *(void *const *)src; break;
    case VT_ARRAY: { HArr *a = gd_arr_get(src); a->refs++; *(HArr **)dst = a; break; }
    case VT_DICTIONARY: { HDict *d = gd_dict_get(src); d->refs++; *(HDict **)dst = d; break; }
    default:
        if (gd_is_packed(t)) {
            HPacked *p = gd_packed_get(src, t);
            if (p) p->refs++;
            ((void **)dst)[0] = p;
            ((void **)dst)[1] = NULL;
            break;
        }
        gd_fatal("gdhost: copy of unsupported type %d", t);
    }
}

void gd_val_destroy(int t, void *p) {
    switch (t) {
    case VT_STRING:
    case VT_STRING_NAME: gd_str_release(gd_str_get(p, t)); *(void **)p = NULL; break;
    case VT_ARRAY: gd_arr_release(gd_arr_get(p)); *(void **)p = NULL; break;
    case VT_DICTIONARY: gd_dict_release(gd_dict_get(p)); *(void **)p = NULL; break;
    default:
        if (gd_is_packed(t)) { gd_packed_release(gd_packed_get(p, t)); ((void **)p)[0] = NULL; }
        break;
    }
}

/* ------------------------------------------------------------------ Variant */

void gd_var_nil(HVariant *v) { memset(v, 0, sizeof *v); }

HVariant *gd_var_check(const void *p) {
    HVariant *v = (HVariant *)p;
    if (!v) gd_fatal("NULL Variant pointer");
    if (!gd_type_supported(v->type)) gd_fatal("Variant with unsupported or garbage type %d (uninitialized?)", v->type);
    return v;
}

void gd_var_copy(HVariant *dst, const HVariant *src) {
    gd_var_check(src);
    int t = src->type;
    gd_var_nil(dst);
    dst->type = t;
    gd_val_copy(t, &dst->u, &src->u);
}

void gd_var_destroy(HVariant *v) {
    gd_var_check(v);
    gd_val_destroy(v->type, &v->u);
    gd_var_nil(v);
}

void gd_var_from_val(HVariant *dst, int t, const void *val) {
    gd_var_nil(dst);
    dst->type = t;
    gd_val_copy(t, &dst->u, val);
}

static int feq(double a, double b, int approx) {
    if (!approx) return a == b || (isnan(a) && isnan(b));
    double m = fmax(1.0, fmax(fabs(a), fabs(b)));
    return fabs(a - b) <= 1e-5 * m;
}

static int packed_equal(int t, const void *a, const void *b, int approx) {
    HPacked *x = gd_packed_get(a, t), *y = gd_packed_get(b, t);
    int64_t n = gd_packed_len(x);
    if (n != gd_packed_len(y)) return 0;
    for (int64_t i = 0; i < n; i++) {
        switch (t) {
        case VT_PACKED_BYTE_ARRAY: if (((uint8_t *)x->data)[i] != ((uint8_t *)y->data)[i]) return 0; break;
        case VT_PACKED_INT32_ARRAY: if (((int32_t *)x->data)[i] != ((int32_t *)y->data)[i]) return 0; break;
        case VT_PACKED_INT64_ARRAY: if (((int64_t *)x->data)[i] != ((int64_t *)y->data)[i]) return 0; break;
        case VT_PACKED_FLOAT32_ARRAY: if (!feq(((float *)x->data)[i], ((float *)y->data)[i], approx)) return 0; break;
        case VT_PACKED_FLOAT64_ARRAY: if (!feq(((double *)x->data)[i], ((double *)y->data)[i], approx)) return 0; break;
        case VT_PACKED_STRING_ARRAY:
            if (strcmp(gd_str_cstr(((HStr **)x->data)[i]), gd_str_cstr(((HStr **)y->data)[i]))) return 0;
            break;
        }
    }
    return 1;
}

static int is_stringish(int t) { return t == VT_STRING || t == VT_STRING_NAME; }

int gd_var_equal(const HVariant *a, const HVariant *b, int stringlike, int approx) {
    if (a->type != b->type) {
        if (stringlike && is_stringish(a->type) && is_stringish(b->type))
            return !strcmp(gd_str_cstr(gd_str_get(&a->u, a->type)), gd_str_cstr(gd_str_get(&b->u, b->type)));
        return 0;
    }
    switch (a->type) {
    case VT_NIL: return 1;
    case VT_BOOL: return a->u.b == b->u.b;
    case VT_INT: return a->u.i == b->u.i;
    case VT_FLOAT: return feq(a->u.f, b->u.f, approx);
    case VT_STRING:
    case VT_STRING_NAME:
        return !strcmp(gd_str_cstr(gd_str_get(&a->u, a->type)), gd_str_cstr(gd_str_get(&b->u, b->type)));
    case VT_OBJECT: return a->u.p == b->u.p;
    case VT_ARRAY: {
        HArr *x = gd_arr_get(&a->u), *y = gd_arr_get(&b->u);
        if (x == y) return 1;
        if (x->len != y->len) return 0;
        for (int64_t i = 0; i < x->len; i++)
            if (!gd_var_equal(&x->items[i], &y->items[i], stringlike, approx)) return 0;
        return 1;
    }
    case VT_DICTIONARY: {
        HDict *x = gd_dict_get(&a->u), *y = gd_dict_get(&b->u);
        if (x == y) return 1;
        if (x->len != y->len) return 0;
        for (int64_t i = 0; i < x->len; i++) {
            int64_t j = gd_dict_find(y, &x->e[i]->k);
            if (j < 0 || !gd_var_equal(&x->e[i]->v, &y->e[j]->v, stringlike, approx)) return 0;
        }
        return 1;
    }
    default: return packed_equal(a->type, &a->u, &b->u, approx);
    }
}

/* ---- repr */

void gd_buf_printf(Buf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0) gd_fatal("vsnprintf");
        if (b->p && (size_t)k < room) { b->n += (size_t)k; return; }
        b->cap = (b->cap + (size_t)k + 64) * 2;
        b->p = gd_xrealloc(b->p, b->cap);
    }
}

static void repr_str(Buf *b, const char *s, int quote) {
    if (!quote) { gd_buf_printf(b, "%s", s); return; }
    gd_buf_printf(b, "\"");
    for (; *s; s++) {
        switch (*s) {
        case '"': gd_buf_printf(b, "\\\""); break;
        case '\\': gd_buf_printf(b, "\\\\"); break;
        case '\n': gd_buf_printf(b, "\\n"); break;
        case '\t': gd_buf_printf(b, "\\t"); break;
        default: gd_buf_printf(b, "%c", *s);
        }
    }
    gd_buf_printf(b, "\"");
}

static void repr_f(Buf *b, double f) { gd_buf_printf(b, "%.9g", f); }

void gd_repr_val(Buf *b, int t, const void *val, int quote) {
    switch (t) {
    case VT_NIL: gd_buf_printf(b, "null"); break;
    case VT_BOOL: gd_buf_printf(b, *(const uint8_t *)val ? "true" : "false"); break;
    case VT_INT: gd_buf_printf(b, "%lld", (long long)*(const int64_t *)val); break;
    case VT_FLOAT: repr_f(b, *(const double *)val); break;
    case VT_STRING: repr_str(b, gd_str_cstr(gd_str_get(val, t)), quote); break;
    case VT_STRING_NAME:
        if (quote) gd_buf_printf(b, "&");
        repr_str(b, gd_str_cstr(gd_str_get(val, t)), quote);
        break;
    case VT_OBJECT: gd_repr_object(b, *(void *const *)val); break;
    case VT_ARRAY: {
        HArr *a = gd_arr_get(val);
        gd_buf_printf(b, "[");
        for (int64_t i = 0; i < a->len; i++) {
            if (i) gd_buf_printf(b, ", ");
            gd_repr_val(b, a->items[i].type, &a->items[i].u, 1);
        }
        gd_buf_printf(b, "]");
        break;
    }
    case VT_DICTIONARY: {
        HDict *d = gd_dict_get(val);
        gd_buf_printf(b, "{");
        for (int64_t i = 0; i < d->len; i++) {
            if (i) gd_buf_printf(b, ", ");
            gd_repr_val(b, d->e[i]->k.type, &d->e[i]->k.u, 1);
            gd_buf_printf(b, ": ");
            gd_repr_val(b, d->e[i]->v.type, &d->e[i]->v.u, 1);
        }
        gd_buf_printf(b, "}");
        break;
    }
    default: {
        if (!gd_is_packed(t)) { gd_buf_printf(b, "<unsupported type %d>", t); break; }
        HPacked *p = gd_packed_get(val, t);
        gd_buf_printf(b, "%s(", gd_type_name(t));
        for (int64_t i = 0; i < gd_packed_len(p); i++) {
            if (i) gd_buf_printf(b, ", ");
            switch (t) {
            case VT_PACKED_BYTE_ARRAY: gd_buf_printf(b, "%u", ((uint8_t *)p->data)[i]); break;
            case VT_PACKED_INT32_ARRAY: gd_buf_printf(b, "%d", ((int32_t *)p->data)[i]); break;
            case VT_PACKED_INT64_ARRAY: gd_buf_printf(b, "%lld", (long long)((int64_t *)p->data)[i]); break;
            case VT_PACKED_FLOAT32_ARRAY: repr_f(b, ((float *)p->data)[i]); break;
            case VT_PACKED_FLOAT64_ARRAY: repr_f(b, ((double *)p->data)[i]); break;
            case VT_PACKED_STRING_ARRAY: repr_str(b, gd_str_cstr(((HStr **)p->data)[i]), 1); break;
            }
        }
        gd_buf_printf(b, ")");
    }
    }
}

char *gd_repr(const HVariant *v) {
    Buf b = {0};
    gd_repr_val(&b, v->type, &v->u, 1);
    if (!b.p) gd_buf_printf(&b, "%s", "");
    return b.p;
}

/* ---- variant interface functions */

static void gdi_variant_new_copy(void *dst, const void *src) { gd_var_copy(dst, gd_var_check(src)); }
static void gdi_variant_new_nil(void *dst) { gd_var_nil(dst); }
static void gdi_variant_destroy(void *v) { gd_var_destroy(gd_var_check(v)); }
static int32_t gdi_variant_get_type(const void *v) { return gd_var_check(v)->type; }
static void gdi_variant_stringify(const void *v, void *r_str) {
    HVariant *hv = gd_var_check(v);
    Buf b = {0};
    gd_repr_val(&b, hv->type, &hv->u, 0);
    /* Godot: r_ret is an initialized String that gets assigned. */
    HStr *old = gd_str_get(r_str, VT_STRING);
    *(HStr **)r_str = gd_str_new(VT_STRING, b.p ? b.p : "", b.n);
    gd_str_release(old);
    free(b.p);
}
static gd_bool gdi_variant_booleanize(const void *p) {
    HVariant *v = gd_var_check(p);
    switch (v->type) {
    case VT_NIL: return 0;
    case VT_BOOL: return v->u.b != 0;
    case VT_INT: return v->u.i != 0;
    case VT_FLOAT: return v->u.f != 0.0;
    case VT_STRING:
    case VT_STRING_NAME: return gd_str_len(gd_str_get(&v->u, v->type)) != 0;
    case VT_OBJECT: return v->u.p != NULL;
    case VT_ARRAY: return gd_arr_get(&v->u)->len != 0;
    case VT_DICTIONARY: return gd_dict_get(&v->u)->len != 0;
    default: return gd_packed_len(gd_packed_get(&v->u, v->type)) != 0;
    }
}
static gd_int gdi_variant_hash(const void *p) {
    HVariant *v = gd_var_check(p);
    char *s = gd_repr(v);
    uint32_t h = 2166136261u; /* FNV-1a of the repr: stable, equal values hash equal */
    for (char *c = s; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    free(s);
    return (gd_int)h;
}

/* ---- per-type constructors, destructors, variant<->type converters */

#define TYPE_FUNCS(T, VT)                                                                     \
    static void ctor0_##T(void *base, const void *const *args) { (void)args; gd_val_default(VT, base); } \
    static void ctor1_##T(void *base, const void *const *args) { gd_val_copy(VT, base, args[0]); } \
    static void dtor_##T(void *base) { gd_val_destroy(VT, base); }                           \
    static void from_##T(void *r_variant, void *value) { gd_var_from_val(r_variant, VT, value); } \
    static void to_##T(void *r_value, void *variant) {                                        \
        HVariant *v = gd_var_check(variant);                                                  \
        if (v->type != VT && !(VT == VT_OBJECT && v->type == VT_NIL)) {                       \
            gd_host_error("get_variant_to_type_constructor", "Variant of type %s converted to %s", \
                          gd_type_name(v->type), gd_type_name(VT));                           \
            gd_val_default(VT, r_value);                                                      \
            return;                                                                           \
        }                                                                                     \
        if (v->type == VT_NIL) { *(void **)r_value = NULL; return; }                          \
        gd_val_copy(VT, r_value, &v->u);                                                      \
    }

TYPE_FUNCS(bool, VT_BOOL)
TYPE_FUNCS(int, VT_INT)
TYPE_FUNCS(float, VT_FLOAT)
TYPE_FUNCS(String, VT_STRING)
TYPE_FUNCS(StringName, VT_STRING_NAME)
TYPE_FUNCS(Object, VT_OBJECT)
TYPE_FUNCS(Dictionary, VT_DICTIONARY)
TYPE_FUNCS(Array, VT_ARRAY)
TYPE_FUNCS(PackedByteArray, VT_PACKED_BYTE_ARRAY)
TYPE_FUNCS(PackedInt32Array, VT_PACKED_INT32_ARRAY)
TYPE_FUNCS(PackedInt64Array, VT_PACKED_INT64_ARRAY)
TYPE_FUNCS(PackedFloat32Array, VT_PACKED_FLOAT32_ARRAY)
TYPE_FUNCS(PackedFloat64Array, VT_PACKED_FLOAT64_ARRAY)
TYPE_FUNCS(PackedStringArray, VT_PACKED_STRING_ARRAY)

/* String(StringName) and StringName(String): constructor index 2 of each. */
static void ctor2_String(void *base, const void *const *args) {
    HStr *h = gd_str_get(args[0], VT_STRING_NAME);
    *(HStr **)base = gd_str_new(VT_STRING, gd_str_cstr(h), gd_str_len(h));
}
static void ctor2_StringName(void *base, const void *const *args) {
    HStr *h = gd_str_get(args[0], VT_STRING);
    *(HStr **)base = gd_str_new(VT_STRING_NAME, gd_str_cstr(h), gd_str_len(h));
}

typedef struct {
    int type;
    GDPtrConstructor c0, c1, c2;
    GDPtrDestructor d; /* NULL for trivially destructible types, as in Godot */
    GDVariantFromType from;
    GDTypeFromVariant to;
} TypeEntry;

#define TE(T, VT, C2, D) { VT, ctor0_##T, ctor1_##T, C2, D, from_##T, to_##T }
static const TypeEntry type_table[] = {
    TE(bool, VT_BOOL, NULL, NULL),
    TE(int, VT_INT, NULL, NULL),
    TE(float, VT_FLOAT, NULL, NULL),
    TE(String, VT_STRING, ctor2_String, dtor_String),
    TE(StringName, VT_STRING_NAME, ctor2_StringName, dtor_StringName),
    TE(Object, VT_OBJECT, NULL, NULL),
    TE(Dictionary, VT_DICTIONARY, NULL, dtor_Dictionary),
    TE(Array, VT_ARRAY, NULL, dtor_Array),
    TE(PackedByteArray, VT_PACKED_BYTE_ARRAY, NULL, dtor_PackedByteArray),
    TE(PackedInt32Array, VT_PACKED_INT32_ARRAY, NULL, dtor_PackedInt32Array),
    TE(PackedInt64Array, VT_PACKED_INT64_ARRAY, NULL, dtor_PackedInt64Array),
    TE(PackedFloat32Array, VT_PACKED_FLOAT32_ARRAY, NULL, dtor_PackedFloat32Array),
    TE(PackedFloat64Array, VT_PACKED_FLOAT64_ARRAY, NULL, dtor_PackedFloat64Array),
    TE(PackedStringArray, VT_PACKED_STRING_ARRAY, NULL, dtor_PackedStringArray),
};
static void silence_unused(void) { (void)dtor_bool; (void)dtor_int; (void)dtor_float; (void)dtor_Object; }

static const TypeEntry *type_entry(int t) {
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++)
        if (type_table[i].type == t) return &type_table[i];
    return NULL;
}

static GDVariantFromType gdi_get_variant_from_type_constructor(int32_t t) {
    const TypeEntry *e = type_entry(t);
    if (!e) gd_die_unimplemented("UNIMPLEMENTED: get_variant_from_type_constructor(%s)", gd_type_name(t));
    return e->from;
}
static GDTypeFromVariant gdi_get_variant_to_type_constructor(int32_t t) {
    const TypeEntry *e = type_entry(t);
    if (!e) gd_die_unimplemented("UNIMPLEMENTED: get_variant_to_type_constructor(%s)", gd_type_name(t));
    return e->to;
}
static GDPtrConstructor gdi_variant_get_ptr_constructor(int32_t t, int32_t idx) {
    const TypeEntry *e = type_entry(t);
    silence_unused();
    if (e && t != VT_OBJECT) {
        if (idx == 0) return e->c0;
        if (idx == 1) return e->c1;
        if (idx == 2 && e->c2) return e->c2;
    }
    gd_die_unimplemented("UNIMPLEMENTED: variant_get_ptr_constructor(%s, %d)", gd_type_name(t), idx);
    return NULL;
}
static GDPtrDestructor gdi_variant_get_ptr_destructor(int32_t t) {
    const TypeEntry *e = type_entry(t);
    if (!e || t == VT_OBJECT) gd_die_unimplemented("UNIMPLEMENTED: variant_get_ptr_destructor(%s)", gd_type_name(t));
    return e->d;
}

static const GdProc variant_iface[] = {
    GD_PROC(variant_new_copy) GD_PROC(variant_new_nil) GD_PROC(variant_destroy) GD_PROC(variant_get_type)
    GD_PROC(variant_stringify) GD_PROC(variant_booleanize) GD_PROC(variant_hash)
    GD_PROC(get_variant_from_type_constructor) GD_PROC(get_variant_to_type_constructor)
    GD_PROC(variant_get_ptr_constructor) GD_PROC(variant_get_ptr_destructor)
};

GDAnyFunc gd_variant_proc(const char *name) { return GD_PROC_FIND(variant_iface, name); }
