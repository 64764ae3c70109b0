/* gdhost core: builtin values (String, StringName, Array, Dictionary, Packed*Array),
 * Variant, and the GDExtension interface functions that manipulate them.
 * Semantics follow Godot 4.3; internal representation is gdhost's own. */
#include "gdhost.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long g_live[VT_MAX];
long g_live_objects;
long g_live_mem;
long g_error_count;
long g_warning_count;
const char *g_cur_file = "gdhost";
int g_cur_line;

/* ------------------------------------------------------------------ diagnostics */

void gd_die_unimplemented(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    _exit(GDHOST_EXIT_UNIMPLEMENTED);
}

void gd_fatal(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("FATAL: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

static void report(int is_error, const char *kind, const char *desc, const char *msg,
                   const char *func, const char *file, int32_t line) {
    const char *text = (msg && *msg) ? msg : (desc ? desc : "");
    printf("%s: %s (at %s %s:%d)\n", kind, text, func ? func : "?", file ? file : "?", (int)line);
    fflush(stdout);
    if (is_error) g_error_count++;
    else g_warning_count++;
}

void gd_host_error(const char *where, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    report(1, "ERROR", buf, NULL, where, g_cur_file, g_cur_line);
}

static void gdi_print_error(const char *d, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(1, "ERROR", d, NULL, f, file, l);
}
static void gdi_print_error_with_message(const char *d, const char *m, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(1, "ERROR", d, m, f, file, l);
}
static void gdi_print_warning(const char *d, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(0, "WARNING", d, NULL, f, file, l);
}
static void gdi_print_warning_with_message(const char *d, const char *m, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(0, "WARNING", d, m, f, file, l);
}
static void gdi_print_script_error(const char *d, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(1, "SCRIPT ERROR", d, NULL, f, file, l);
}
static void gdi_print_script_error_with_message(const char *d, const char *m, const char *f, const char *file, int32_t l, gd_bool n) {
    (void)n; report(1, "SCRIPT ERROR", d, m, f, file, l);
}

const char *gd_type_name(int t) {
    switch (t) {
    case VT_NIL: return "Nil";
    case VT_BOOL: return "bool";
    case VT_INT: return "int";
    case VT_FLOAT: return "float";
    case VT_STRING: return "String";
    case VT_STRING_NAME: return "StringName";
    case VT_OBJECT: return "Object";
    case VT_DICTIONARY: return "Dictionary";
    case VT_ARRAY: return "Array";
    case VT_PACKED_BYTE_ARRAY: return "PackedByteArray";
    case VT_PACKED_INT32_ARRAY: return "PackedInt32Array";
    case VT_PACKED_INT64_ARRAY: return "PackedInt64Array";
    case VT_PACKED_FLOAT32_ARRAY: return "PackedFloat32Array";
    case VT_PACKED_FLOAT64_ARRAY: return "PackedFloat64Array";
    case VT_PACKED_STRING_ARRAY: return "PackedStringArray";
    default: return "<unsupported type>";
    }
}

int gd_type_supported(int t) {
    return t == VT_NIL || t == VT_BOOL || t == VT_INT || t == VT_FLOAT || t == VT_STRING ||
           t == VT_STRING_NAME || t == VT_OBJECT || t == VT_DICTIONARY || t == VT_ARRAY ||
           gd_is_packed(t);
}

int gd_is_packed(int t) { return t >= VT_PACKED_BYTE_ARRAY && t <= VT_PACKED_STRING_ARRAY; }

/* ------------------------------------------------------------------ memory */

static void *gdi_mem_alloc(size_t n) { g_live_mem++; return malloc(n ? n : 1); }
static void *gdi_mem_realloc(void *p, size_t n) {
    if (!p) g_live_mem++;
    return realloc(p, n ? n : 1);
}
static void gdi_mem_free(void *p) { if (p) { g_live_mem--; free(p); } }

void *gd_xmalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) gd_fatal("out of memory");
    return p;
}
void *gd_xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) gd_fatal("out of memory");
    return p;
}
char *gd_xstrdup(const char *s) {
    size_t n = strlen(s);
    char *r = gd_xmalloc(n + 1);
    memcpy(r, s, n + 1);
    return r;
}

/* ------------------------------------------------------------------ strings */

HStr *gd_str_new(int kind, const char *s, size_t n) {
    if (n == 0) return NULL; /* NULL handle == empty string */
    HStr *h = gd_xmalloc(sizeof(HStr) + n + 1);
    h->magic = MAGIC_STR;
    h->kind = kind;
    h->refs = 1;
    h->len = n;
    memcpy(h->data, s, n);
    h->data[n] = 0;
    g_live[kind]++;
    return h;
}

HStr *gd_str_get(const void *slot, int kind) {
    if (!slot) gd_fatal("NULL %s pointer", gd_type_name(kind));
    HStr *h = *(HStr *const *)slot;
    if (h && h->magic != MAGIC_STR) gd_fatal("invalid %s handle %p (uninitialized or freed?)", gd_type_name(kind), (void *)h);
    if (h && h->kind != kind) gd_fatal("a %s was passed where a %s was expected", gd_type_name(h->kind), gd_type_name(kind));
    return h;
}

const char *gd_str_cstr(const HStr *h) { return h ? h->data : ""; }
size_t gd_str_len(const HStr *h) { return h ? h->len : 0; }

void gd_str_release(HStr *h) {
    if (h && --h->refs == 0) {
        g_live[h->kind]--;
        h->magic = 0;
        free(h);
    }
}

static HStr *str_retain(HStr *h) { if (h) h->refs++; return h; }

/* Convenience: C string of a String/StringName slot. */
const char *gd_sn(const void *slot) { return gd_str_cstr(gd_str_get(slot, VT_STRING_NAME)); }
const char *gd_s(const void *slot) { return gd_str_cstr(gd_str_get(slot, VT_STRING)); }

static int64_t utf8_count(const char *s, size_t n) {
    int64_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

static void str_set_latin1(void *dst, int kind, const char *s) {
    size_t n = strlen(s);
    char *tmp = gd_xmalloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) tmp[o++] = (char)ch;
        else { tmp[o++] = (char)(0xC0 | (ch >> 6)); tmp[o++] = (char)(0x80 | (ch & 0x3F)); }
    }
    *(HStr **)dst = gd_str_new(kind, tmp, o);
    free(tmp);
}

static void gdi_string_new_with_latin1_chars(void *dst, const char *s) { str_set_latin1(dst, VT_STRING, s ? s : ""); }
static void gdi_string_new_with_utf8_chars(void *dst, const char *s) {
    *(HStr **)dst = gd_str_new(VT_STRING, s ? s : "", s ? strlen(s) : 0);
}
static size_t clamp_len(const char *s, gd_int size) {
    if (!s) return 0;
    if (size < 0) return strlen(s);
    return strnlen(s, (size_t)size); /* Godot's UTF-8 parser stops at NUL */
}
static void gdi_string_new_with_utf8_chars_and_len(void *dst, const char *s, gd_int size) {
    *(HStr **)dst = gd_str_new(VT_STRING, s, clamp_len(s, size));
}
static gd_int gdi_string_new_with_utf8_chars_and_len2(void *dst, const char *s, gd_int size) {
    *(HStr **)dst = gd_str_new(VT_STRING, s, clamp_len(s, size));
    return 0;
}
static gd_int gdi_string_to_utf8_chars(const void *self, char *buf, gd_int max) {
    HStr *h = gd_str_get(self, VT_STRING);
    gd_int n = (gd_int)gd_str_len(h);
    if (buf && max > 0) memcpy(buf, gd_str_cstr(h), (size_t)(n < max ? n : max));
    return n;
}
static gd_int gdi_string_to_latin1_chars(const void *self, char *buf, gd_int max) {
    HStr *h = gd_str_get(self, VT_STRING);
    const unsigned char *s = (const unsigned char *)gd_str_cstr(h);
    size_t n = gd_str_len(h);
    gd_int o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = s[i];
        size_t k = 1;
        if (cp >= 0xF0) { cp &= 0x07; k = 4; }
        else if (cp >= 0xE0) { cp &= 0x0F; k = 3; }
        else if (cp >= 0xC0) { cp &= 0x1F; k = 2; }
        for (size_t j = 1; j < k && i + j < n; j++) cp = (cp << 6) | (s[i + j] & 0x3F);
        if (buf && o < max) buf[o] = (char)(cp > 0xFF ? '?' : cp);
        o++;
        i += k;
    }
    return o;
}
static void gdi_string_name_new_with_latin1_chars(void *dst, const char *s, gd_bool is_static) {
    (void)is_static;
    str_set_latin1(dst, VT_STRING_NAME, s ? s : "");
}
static void gdi_string_name_new_with_utf8_chars(void *dst, const char *s) {
    *(HStr **)dst = gd_str_new(VT_STRING_NAME, s ? s : "", s ? strlen(s) : 0);
}
static void gdi_string_name_new_with_utf8_chars_and_len(void *dst, const char *s, gd_int size) {
    *(HStr **)dst = gd_str_new(VT_STRING_NAME, s, clamp_len(s, size));
}

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
            for (int64_t i = 0; i < q->len; i++) str_retain(((HStr **)q->data)[i]);
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
    case VT_STRING_NAME: *(HStr **)dst = str_retain(gd_str_get(src, t)); break;
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

/* ------------------------------------------------------------------ builtin methods */

#define ARG_I64(i) (*(const int64_t *)args[i])
#define RET(T, v) do { if (r) *(T *)r = (v); } while (0)

static void bm_String_length(void *base, const void *const *args, void *r, int32_t argc) {
    (void)args; (void)argc;
    HStr *h = gd_str_get(base, VT_STRING);
    RET(int64_t, utf8_count(gd_str_cstr(h), gd_str_len(h)));
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
    case VT_PACKED_STRING_ARRAY: *(HStr **)at = str_retain(gd_str_get(arg, VT_STRING)); break;
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

/* ------------------------------------------------------------------ misc */

static void gdi_get_godot_version(GDGodotVersion *v) {
    v->major = 4;
    v->minor = 3;
    v->patch = 0;
    v->string = "Godot Engine v4.3.stable.gdhost";
}

static void gdi_get_library_path(void *library, void *r_path) {
    if (library != GDHOST_LIBRARY) gd_host_error("get_library_path", "unknown library pointer %p", library);
    *(HStr **)r_path = gd_str_new(VT_STRING, g_lib_path, strlen(g_lib_path));
}

/* ------------------------------------------------------------------ get_proc_address */

#define F(n) { #n, (GDAnyFunc)gdi_##n },
static const struct {
    const char *name;
    GDAnyFunc fn;
} core_iface[] = {
    F(get_godot_version) F(mem_alloc) F(mem_realloc) F(mem_free) F(get_library_path)
    F(print_error) F(print_error_with_message) F(print_warning) F(print_warning_with_message)
    F(print_script_error) F(print_script_error_with_message)
    F(variant_new_copy) F(variant_new_nil) F(variant_destroy) F(variant_get_type)
    F(variant_stringify) F(variant_booleanize) F(variant_hash)
    F(get_variant_from_type_constructor) F(get_variant_to_type_constructor)
    F(variant_get_ptr_constructor) F(variant_get_ptr_destructor) F(variant_get_ptr_builtin_method)
    F(string_new_with_latin1_chars) F(string_new_with_utf8_chars) F(string_new_with_utf8_chars_and_len)
    F(string_new_with_utf8_chars_and_len2) F(string_to_utf8_chars) F(string_to_latin1_chars)
    F(string_name_new_with_latin1_chars) F(string_name_new_with_utf8_chars)
    F(string_name_new_with_utf8_chars_and_len)
    F(array_operator_index) F(array_operator_index_const)
    F(dictionary_operator_index) F(dictionary_operator_index_const)
    F(packed_byte_array_operator_index) F(packed_byte_array_operator_index_const)
    F(packed_int32_array_operator_index) F(packed_int32_array_operator_index_const)
    F(packed_int64_array_operator_index) F(packed_int64_array_operator_index_const)
    F(packed_float32_array_operator_index) F(packed_float32_array_operator_index_const)
    F(packed_float64_array_operator_index) F(packed_float64_array_operator_index_const)
    F(packed_string_array_operator_index) F(packed_string_array_operator_index_const)
};

GDAnyFunc gd_get_proc_address(const char *name) {
    static int trace = -1;
    if (trace < 0) trace = getenv("GDHOST_TRACE") != NULL;
    if (trace) fprintf(stderr, "gdhost: get_proc_address(%s)\n", name ? name : "(null)");
    if (!name) gd_die_unimplemented("UNIMPLEMENTED: get_proc_address(NULL)");
    for (size_t i = 0; i < sizeof core_iface / sizeof core_iface[0]; i++)
        if (!strcmp(core_iface[i].name, name)) return core_iface[i].fn;
    GDAnyFunc f = gd_classdb_proc(name);
    if (f) return f;
    gd_die_unimplemented("UNIMPLEMENTED: %s", name);
    return NULL;
}

void gd_print_leaks(void) {
    long packed = 0;
    for (int t = VT_PACKED_BYTE_ARRAY; t <= VT_PACKED_STRING_ARRAY; t++) packed += g_live[t];
    long total = gd_live_total();
    printf("leaks: String=%ld StringName=%ld Array=%ld Dictionary=%ld Packed=%ld Object=%ld FileAccess=%ld mem_alloc=%ld total=%ld\n",
           g_live[VT_STRING], g_live[VT_STRING_NAME], g_live[VT_ARRAY], g_live[VT_DICTIONARY], packed,
           g_live_objects, g_live_files, g_live_mem, total);
}

long gd_live_total(void) {
    long total = g_live[VT_STRING] + g_live[VT_STRING_NAME] + g_live[VT_ARRAY] + g_live[VT_DICTIONARY];
    for (int t = VT_PACKED_BYTE_ARRAY; t <= VT_PACKED_STRING_ARRAY; t++) total += g_live[t];
    return total + g_live_files; /* a FileAccess never released is a leak too */
}
