/* gdhost core: diagnostics and printing, memory, version, get_proc_address, leak counts. */
/* The builtin values live in gdhost_strings.c, gdhost_containers.c, gdhost_variant.c and
 * gdhost_builtins.c (Godot 4.3 semantics, gdhost's own representation). */
#include "gdhost.h"

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

GDAnyFunc gd_proc_find(const GdProc *table, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(table[i].name, name)) return table[i].fn;
    return NULL;
}

static const GdProc core_iface[] = {
    GD_PROC(get_godot_version) GD_PROC(mem_alloc) GD_PROC(mem_realloc) GD_PROC(mem_free) GD_PROC(get_library_path)
    GD_PROC(print_error) GD_PROC(print_error_with_message) GD_PROC(print_warning) GD_PROC(print_warning_with_message)
    GD_PROC(print_script_error) GD_PROC(print_script_error_with_message)
};

GDAnyFunc gd_get_proc_address(const char *name) {
    static GDAnyFunc (*const lookups[])(const char *) = {
        gd_variant_proc, gd_builtins_proc, gd_strings_proc, gd_containers_proc,
        gd_classdb_proc, gd_objects_proc, gd_binds_proc, gd_editor_proc,
    };
    static int trace = -1;
    if (trace < 0) trace = getenv("GDHOST_TRACE") != NULL;
    if (trace) fprintf(stderr, "gdhost: get_proc_address(%s)\n", name ? name : "(null)");
    if (!name) gd_die_unimplemented("UNIMPLEMENTED: get_proc_address(NULL)");
    GDAnyFunc f = GD_PROC_FIND(core_iface, name);
    for (size_t i = 0; !f && i < sizeof lookups / sizeof lookups[0]; i++) f = lookups[i](name);
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
