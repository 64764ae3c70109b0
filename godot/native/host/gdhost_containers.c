/* Packed*Array (copy-on-write), Array and Dictionary values and their operator_index functions. */
#include "gdhost.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ packed arrays */

size_t gd_packed_esize(int kind) {
    switch (kind) {
    case VT_PACKED_BYTE_ARRAY: return 1;
    case VT_PACKED_INT32_ARRAY: return 4;
    case VT_PACKED_FLOAT32_ARRAY: return 4;
    case VT_PACKED_INT64_ARRAY: return 8;
    case VT_PACKED_FLOAT64_ARRAY: return 8;
    case VT_PACKED_STRING_ARRAY: return sizeof(HStr *);
    default: gd_fatal("not a packed array type %d", kind);
    }
    return 0;
}

static HPacked *packed_alloc(int kind) {
    HPacked *p = gd_xmalloc(sizeof *p);
    p->magic = MAGIC_PACKED;
    p->kind = kind;
    p->refs = 1;
    g_live[kind]++;
    return p;
}

HPacked *gd_packed_get(const void *slot, int kind) {
    if (!slot) gd_fatal("NULL %s pointer", gd_type_name(kind));
    HPacked *p = *(HPacked *const *)slot;
    if (p && p->magic != MAGIC_PACKED) gd_fatal("invalid %s handle %p (uninitialized or freed?)", gd_type_name(kind), (void *)p);
    if (p && p->kind != kind) gd_fatal("a %s was passed where a %s was expected", gd_type_name(p->kind), gd_type_name(kind));
    return p;
}

int64_t gd_packed_len(const HPacked *p) { return p ? p->len : 0; }

void gd_packed_release(HPacked *p) {
    if (p && --p->refs == 0) {
        if (p->kind == VT_PACKED_STRING_ARRAY)
            for (int64_t i = 0; i < p->len; i++) gd_str_release(((HStr **)p->data)[i]);
        g_live[p->kind]--;
        p->magic = 0;
        free(p->data);
        free(p);
    }
}

/* Copy-on-write: make the slot's buffer exclusively owned (allocating if empty). */
HPacked *gd_packed_unique(void *slot, int kind) {
    HPacked *p = gd_packed_get(slot, kind);
    if (!p) {
        p = packed_alloc(kind);
        *(HPacked **)slot = p;
        return p;
    }
    if (p->refs > 1) {
        size_t es = gd_packed_esize(kind);
        HPacked *q = packed_alloc(kind);
        q->len = q->cap = p->len;
        q->data = gd_xmalloc((size_t)p->len * es);
        memcpy(q->data, p->data, (size_t)p->len * es);
        if (kind == VT_PACKED_STRING_ARRAY)
            for (int64_t i = 0; i < q->len; i++) gd_str_retain(((HStr **)q->data)[i]);
        p->refs--;
        *(HPacked **)slot = q;
        p = q;
    }
    return p;
}

int64_t gd_packed_resize(void *slot, int kind, int64_t n) {
    if (n < 0) return 31; /* ERR_INVALID_PARAMETER */
    HPacked *p = gd_packed_unique(slot, kind);
    size_t es = gd_packed_esize(kind);
    if (n > p->cap) {
        int64_t cap = p->cap ? p->cap : 4;
        while (cap < n) cap *= 2;
        p->data = gd_xrealloc(p->data, (size_t)cap * es);
        p->cap = cap;
    }
    if (n < p->len && kind == VT_PACKED_STRING_ARRAY)
        for (int64_t i = n; i < p->len; i++) gd_str_release(((HStr **)p->data)[i]);
    if (n > p->len) memset((char *)p->data + (size_t)p->len * es, 0, (size_t)(n - p->len) * es);
    p->len = n;
    return 0;
}

void *gd_packed_at(void *slot, int kind, int64_t i, int writable) {
    HPacked *p = writable ? gd_packed_get(slot, kind) : gd_packed_get(slot, kind);
    if (i < 0 || i >= gd_packed_len(p)) {
        gd_host_error(gd_type_name(kind), "Index p_index = %lld is out of bounds (size() = %lld).", (long long)i, (long long)gd_packed_len(p));
        return NULL;
    }
    if (writable) p = gd_packed_unique(slot, kind);
    return (char *)p->data + (size_t)i * gd_packed_esize(kind);
}

#define PACKED_INDEX(name, KIND, T)                                                         \
    static T *gdi_##name##_operator_index(void *self, gd_int i) { return gd_packed_at(self, KIND, i, 1); } \
    static const T *gdi_##name##_operator_index_const(const void *self, gd_int i) {        \
        return gd_packed_at((void *)self, KIND, i, 0);                                       \
    }
PACKED_INDEX(packed_byte_array, VT_PACKED_BYTE_ARRAY, uint8_t)
PACKED_INDEX(packed_int32_array, VT_PACKED_INT32_ARRAY, int32_t)
PACKED_INDEX(packed_int64_array, VT_PACKED_INT64_ARRAY, int64_t)
PACKED_INDEX(packed_float32_array, VT_PACKED_FLOAT32_ARRAY, float)
PACKED_INDEX(packed_float64_array, VT_PACKED_FLOAT64_ARRAY, double)
PACKED_INDEX(packed_string_array, VT_PACKED_STRING_ARRAY, void)

/* ------------------------------------------------------------------ Array / Dictionary */

HArr *gd_arr_alloc(void) {
    HArr *a = gd_xmalloc(sizeof *a);
    a->magic = MAGIC_ARR;
    a->refs = 1;
    g_live[VT_ARRAY]++;
    return a;
}

HArr *gd_arr_get(const void *slot) {
    if (!slot) gd_fatal("NULL Array pointer");
    HArr *a = *(HArr *const *)slot;
    if (!a || a->magic != MAGIC_ARR) gd_fatal("invalid Array handle %p (uninitialized or freed?)", (void *)a);
    return a;
}

void gd_arr_release(HArr *a) {
    if (--a->refs == 0) {
        for (int64_t i = 0; i < a->len; i++) gd_var_destroy(&a->items[i]);
        free(a->items);
        a->magic = 0;
        free(a);
        g_live[VT_ARRAY]--;
    }
}

void gd_arr_resize(HArr *a, int64_t n) {
    if (n > a->cap) {
        int64_t cap = a->cap ? a->cap : 4;
        while (cap < n) cap *= 2;
        a->items = gd_xrealloc(a->items, (size_t)cap * sizeof(HVariant));
        a->cap = cap;
    }
    for (int64_t i = n; i < a->len; i++) gd_var_destroy(&a->items[i]);
    for (int64_t i = a->len; i < n; i++) gd_var_nil(&a->items[i]);
    a->len = n;
}

void gd_arr_append(HArr *a, const HVariant *v) {
    gd_arr_resize(a, a->len + 1);
    gd_var_copy(&a->items[a->len - 1], v);
}

HDict *gd_dict_alloc(void) {
    HDict *d = gd_xmalloc(sizeof *d);
    d->magic = MAGIC_DICT;
    d->refs = 1;
    g_live[VT_DICTIONARY]++;
    return d;
}

HDict *gd_dict_get(const void *slot) {
    if (!slot) gd_fatal("NULL Dictionary pointer");
    HDict *d = *(HDict *const *)slot;
    if (!d || d->magic != MAGIC_DICT) gd_fatal("invalid Dictionary handle %p (uninitialized or freed?)", (void *)d);
    return d;
}

void gd_dict_clear(HDict *d) {
    for (int64_t i = 0; i < d->len; i++) {
        gd_var_destroy(&d->e[i]->k);
        gd_var_destroy(&d->e[i]->v);
        free(d->e[i]);
    }
    d->len = 0;
}

void gd_dict_release(HDict *d) {
    if (--d->refs == 0) {
        gd_dict_clear(d);
        free(d->e);
        d->magic = 0;
        free(d);
        g_live[VT_DICTIONARY]--;
    }
}

int64_t gd_dict_find(const HDict *d, const HVariant *key) {
    for (int64_t i = 0; i < d->len; i++)
        if (gd_var_equal(&d->e[i]->k, key, 1, 0)) return i;
    return -1;
}

HVariant *gd_dict_set(HDict *d, const HVariant *key, const HVariant *val) {
    int64_t i = gd_dict_find(d, key);
    if (i < 0) {
        if (d->len == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 4;
            d->e = gd_xrealloc(d->e, (size_t)d->cap * sizeof(DEntry *));
        }
        DEntry *e = gd_xmalloc(sizeof *e);
        gd_var_copy(&e->k, key);
        gd_var_nil(&e->v);
        i = d->len++;
        d->e[i] = e;
    }
    if (val) {
        gd_var_destroy(&d->e[i]->v);
        gd_var_copy(&d->e[i]->v, val);
    }
    return &d->e[i]->v;
}

int gd_dict_erase(HDict *d, const HVariant *key) {
    int64_t i = gd_dict_find(d, key);
    if (i < 0) return 0;
    gd_var_destroy(&d->e[i]->k);
    gd_var_destroy(&d->e[i]->v);
    free(d->e[i]);
    memmove(&d->e[i], &d->e[i + 1], (size_t)(d->len - i - 1) * sizeof(DEntry *));
    d->len--;
    return 1;
}

static void *gdi_array_operator_index(void *self, gd_int i) {
    HArr *a = gd_arr_get(self);
    if (i < 0 || i >= a->len) {
        gd_host_error("array_operator_index", "Index p_index = %lld is out of bounds (size() = %lld).", (long long)i, (long long)a->len);
        return NULL;
    }
    return &a->items[i];
}
static void *gdi_array_operator_index_const(const void *self, gd_int i) { return gdi_array_operator_index((void *)self, i); }

static void *gdi_dictionary_operator_index(void *self, const void *key) {
    return gd_dict_set(gd_dict_get(self), gd_var_check(key), NULL);
}
static void *gdi_dictionary_operator_index_const(const void *self, const void *key) {
    HDict *d = gd_dict_get(self);
    int64_t i = gd_dict_find(d, gd_var_check(key));
    return i < 0 ? NULL : &d->e[i]->v;
}

static const GdProc containers_iface[] = {
    GD_PROC(array_operator_index) GD_PROC(array_operator_index_const)
    GD_PROC(dictionary_operator_index) GD_PROC(dictionary_operator_index_const)
    GD_PROC(packed_byte_array_operator_index) GD_PROC(packed_byte_array_operator_index_const)
    GD_PROC(packed_int32_array_operator_index) GD_PROC(packed_int32_array_operator_index_const)
    GD_PROC(packed_int64_array_operator_index) GD_PROC(packed_int64_array_operator_index_const)
    GD_PROC(packed_float32_array_operator_index) GD_PROC(packed_float32_array_operator_index_const)
    GD_PROC(packed_float64_array_operator_index) GD_PROC(packed_float64_array_operator_index_const)
    GD_PROC(packed_string_array_operator_index) GD_PROC(packed_string_array_operator_index_const)
};

GDAnyFunc gd_containers_proc(const char *name) { return GD_PROC_FIND(containers_iface, name); }
