/* String and StringName values (immutable, refcounted UTF-8) and their interface functions. */
#include "gdhost.h"

#include <stdlib.h>
#include <string.h>

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

HStr *gd_str_retain(HStr *h) { if (h) h->refs++; return h; }

/* Convenience: C string of a String/StringName slot. */
const char *gd_sn(const void *slot) { return gd_str_cstr(gd_str_get(slot, VT_STRING_NAME)); }
const char *gd_s(const void *slot) { return gd_str_cstr(gd_str_get(slot, VT_STRING)); }

int64_t gd_utf8_count(const char *s, size_t n) {
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

static const GdProc strings_iface[] = {
    GD_PROC(string_new_with_latin1_chars) GD_PROC(string_new_with_utf8_chars) GD_PROC(string_new_with_utf8_chars_and_len)
    GD_PROC(string_new_with_utf8_chars_and_len2) GD_PROC(string_to_utf8_chars) GD_PROC(string_to_latin1_chars)
    GD_PROC(string_name_new_with_latin1_chars) GD_PROC(string_name_new_with_utf8_chars)
    GD_PROC(string_name_new_with_utf8_chars_and_len)
};

GDAnyFunc gd_strings_proc(const char *name) { return GD_PROC_FIND(strings_iface, name); }
