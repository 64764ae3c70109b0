/* Internal declarations shared by the gdhost sources. */
#ifndef GDHOST_H
#define GDHOST_H
#include "builtin_hashes.h"
#include "gdabi.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define GDHOST_EXIT_FAIL 1
#define GDHOST_EXIT_LOAD 2
#define GDHOST_EXIT_UNIMPLEMENTED 3
#define GDHOST_EXIT_CLASSES_LEFT 4

extern int g_library_token;
#define GDHOST_LIBRARY ((void *)&g_library_token)
extern const char *g_lib_path;

#define MAGIC_STR 0x53545231u
#define MAGIC_ARR 0x41525231u
#define MAGIC_DICT 0x44494331u
#define MAGIC_PACKED 0x50434b31u
#define MAGIC_OBJ 0x4f424a31u

/* Variant: 24 bytes, int32 type at offset 0, 16-byte payload at offset 8. The payload
 * holds the builtin value blob itself (same bytes as the typed value). */
typedef struct {
    int32_t type;
    int32_t pad;
    union {
        uint8_t b;
        int64_t i;
        double f;
        void *p;
        unsigned char raw[16];
    } u;
} HVariant;
_Static_assert(sizeof(HVariant) == GD_VARIANT_SIZE, "Variant must be 24 bytes");

/* String / StringName: the 8-byte value holds HStr* (NULL == empty). Immutable, refcounted. */
typedef struct {
    uint32_t magic;
    int32_t kind; /* VT_STRING or VT_STRING_NAME */
    int64_t refs;
    size_t len;   /* bytes of UTF-8 */
    char data[];
} HStr;

/* Packed arrays: 16-byte value, first 8 bytes HPacked* (NULL == empty), copy-on-write. */
typedef struct {
    uint32_t magic;
    int32_t kind;
    int64_t refs;
    int64_t len, cap;
    void *data;
} HPacked;

/* Array: 8-byte value holding HArr* (never NULL), shared by reference. */
typedef struct {
    uint32_t magic;
    int64_t refs;
    int64_t len, cap;
    HVariant *items;
} HArr;

/* Dictionary: 8-byte value holding HDict* (never NULL), shared, insertion ordered.
 * Entries are individually allocated so Variant pointers handed out stay valid. */
typedef struct {
    HVariant k, v;
} DEntry;
typedef struct {
    uint32_t magic;
    int64_t refs;
    int64_t len, cap;
    DEntry **e;
} HDict;

typedef struct {
    char *p;
    size_t n, cap;
} Buf;

extern long g_live[VT_MAX];
extern long g_live_objects;
extern long g_live_mem;
extern long g_error_count;
extern long g_warning_count;
extern const char *g_cur_file; /* location reported by host-side errors */
extern int g_cur_line;

void gd_die_unimplemented(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void gd_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void gd_host_error(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *gd_type_name(int t);
int gd_type_supported(int t);
int gd_is_packed(int t);

void *gd_xmalloc(size_t n);
void *gd_xrealloc(void *p, size_t n);
char *gd_xstrdup(const char *s);

HStr *gd_str_new(int kind, const char *s, size_t n);
HStr *gd_str_get(const void *slot, int kind);
HStr *gd_str_retain(HStr *h);
int64_t gd_utf8_count(const char *s, size_t n); /* code points, as String.length() */
const char *gd_str_cstr(const HStr *h);
size_t gd_str_len(const HStr *h);
void gd_str_release(HStr *h);
const char *gd_sn(const void *string_name_slot);
const char *gd_s(const void *string_slot);

size_t gd_packed_esize(int kind);
HPacked *gd_packed_get(const void *slot, int kind);
int64_t gd_packed_len(const HPacked *p);
void gd_packed_release(HPacked *p);
HPacked *gd_packed_unique(void *slot, int kind);
int64_t gd_packed_resize(void *slot, int kind, int64_t n);
void *gd_packed_at(void *slot, int kind, int64_t i, int writable);

HArr *gd_arr_alloc(void);
HArr *gd_arr_get(const void *slot);
void gd_arr_release(HArr *a);
void gd_arr_resize(HArr *a, int64_t n);
void gd_arr_append(HArr *a, const HVariant *v);

HDict *gd_dict_alloc(void);
HDict *gd_dict_get(const void *slot);
void gd_dict_clear(HDict *d);
void gd_dict_release(HDict *d);
int64_t gd_dict_find(const HDict *d, const HVariant *key);
HVariant *gd_dict_set(HDict *d, const HVariant *key, const HVariant *val);
int gd_dict_erase(HDict *d, const HVariant *key);

void gd_val_default(int t, void *dst);
void gd_val_copy(int t, void *dst, const void *src);
void gd_val_destroy(int t, void *p);

void gd_var_nil(HVariant *v);
HVariant *gd_var_check(const void *p);
void gd_var_copy(HVariant *dst, const HVariant *src);
void gd_var_destroy(HVariant *v);
void gd_var_from_val(HVariant *dst, int t, const void *val);
int gd_var_equal(const HVariant *a, const HVariant *b, int stringlike, int approx);

void gd_buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gd_repr_val(Buf *b, int t, const void *val, int quote);
char *gd_repr(const HVariant *v);
void gd_repr_object(Buf *b, void *obj);

/* get_proc_address (gdhost_core.c) asks each source's table of the interface functions it implements. */
typedef struct {
    const char *name;
    GDAnyFunc fn;
} GdProc;
#define GD_PROC(n) { #n, (GDAnyFunc)gdi_##n },
#define GD_PROC_FIND(table, name) gd_proc_find(table, sizeof table / sizeof table[0], name)
GDAnyFunc gd_proc_find(const GdProc *table, size_t n, const char *name); /* NULL if not there */
GDAnyFunc gd_get_proc_address(const char *name);
GDAnyFunc gd_variant_proc(const char *name);
GDAnyFunc gd_builtins_proc(const char *name);
GDAnyFunc gd_strings_proc(const char *name);
GDAnyFunc gd_containers_proc(const char *name);
GDAnyFunc gd_classdb_proc(const char *name);
GDAnyFunc gd_objects_proc(const char *name);
GDAnyFunc gd_binds_proc(const char *name);
GDAnyFunc gd_editor_proc(const char *name);
void gd_print_leaks(void);
long gd_live_total(void);

/* ---- ClassDB (gdhost_classdb.c), objects (gdhost_objects.c), engine method binds (gdhost_binds.c)
 * and the editor (gdhost_editor.c) */

typedef struct {
    int32_t type;
    char *name, *class_name, *hint_string;
    uint32_t hint, usage;
} PInfo;

typedef struct {
    char *name;
    void *userdata;
    GDMethodCall call;
    GDMethodPtrCall ptrcall;
    uint32_t flags;
    int has_ret;
    PInfo ret;
    int32_t ret_meta;
    uint32_t argc;
    PInfo *args;
    int32_t *arg_meta;
    uint32_t ndef;
    HVariant *defs;
} HMethod;

enum { PROP_PROPERTY = 0, PROP_GROUP = 1, PROP_SUBGROUP = 2 };
typedef struct {
    int kind;
    PInfo info;         /* for groups: info.name = group name, info.hint_string = prefix */
    char *setter, *getter;
} HProp;

typedef struct {
    char *enum_name, *name;
    int64_t value;
    int bitfield;
} HConst;

typedef struct {
    char *name;
    int argc;
    PInfo *args;
} HSignal;

typedef struct HClass {
    char *name, *parent;
    int native; /* Object / RefCounted / Resource */
    GDClassCreationInfo3 info;
    HMethod *methods; int nmethods, cmethods;
    HProp *props; int nprops, cprops;
    HConst *consts; int nconsts, cconsts;
    HSignal *signals; int nsignals, csignals;
} HClass;

typedef struct {
    void *token, *binding;
    GDInstanceBindingCallbacks cb;
} Binding;

typedef struct HObj {
    uint32_t magic;
    const char *native_class;
    HClass *ext;
    void *instance;
    uint64_t id;
    Binding *bindings; int nbindings;
    int64_t refcount;    /* RefCounted count of host-made RefCounted objects (FileAccess) */
    struct HFile *file;  /* FileAccess state (gdhost_res.c); NULL for every other object */
    char *os_name;       /* EditorExportPlatform objects the host makes: get_os_name() */
    struct HObj *next;
} HObj;

/* A call_deferred() queued by the extension (possibly from another thread). */
typedef struct Deferred {
    HObj *obj;
    char *method;
    int argc;
    HVariant args[8];
    struct Deferred *next;
} Deferred;

/* A signal the extension emitted. */
typedef struct Emitted {
    HObj *obj;
    HVariant name;
    int argc;
    HVariant args[8];
    struct Emitted *next;
} Emitted;

extern pthread_t gd_main_thread;
/* ResourceLoader / ResourceSaver format lists, in Godot's order (first match wins). */
#define GD_MAX_FORMATS 64
extern HObj *gd_format_loaders[GD_MAX_FORMATS];
extern int gd_nformat_loaders;
extern HObj *gd_format_savers[GD_MAX_FORMATS];
extern int gd_nformat_savers;

/* The editor: plugin classes handed over with editor_add_plugin, export plugins added with
 * EditorPlugin.add_export_plugin, and the shared objects / files export plugins asked for. */
extern char *gd_editor_plugins[GD_MAX_FORMATS];
extern int gd_neditor_plugins;
extern HObj *gd_export_plugins[GD_MAX_FORMATS];
extern int gd_nexport_plugins;
typedef struct {
    HObj *owner;
    char *path, *target;   /* add_file: path only */
    unsigned char tags[16]; /* PackedStringArray (add_shared_object) */
    int64_t size;          /* add_file: the byte count */
    int is_file;
} GdExported;
#define GD_MAX_EXPORTED 256
extern GdExported gd_exported[GD_MAX_EXPORTED];
extern int gd_nexported;

/* Godot 4.3 Error values used by the host. */
enum {
    GD_OK = 0, GD_ERR_UNAVAILABLE = 2, GD_ERR_FILE_NOT_FOUND = 7, GD_ERR_FILE_CANT_OPEN = 12,
    GD_ERR_FILE_UNRECOGNIZED = 15, GD_ERR_FILE_EOF = 18, GD_ERR_INVALID_PARAMETER = 31,
    GD_ERR_METHOD_NOT_FOUND = 37
};

/* ---- res:// and user:// (gdhost_res.c): mounted packs first, then the res root folder. */
int gd_res_set_root(const char *dir);
int gd_user_set_root(const char *dir);
/* Where a path lives: a pack entry (byte range of the pack file) or an OS file. */
typedef struct {
    int in_pack;
    char os_path[8192]; /* the OS file: the pack file itself for a pack entry */
    uint64_t offset, size; /* pack entries only */
} GdLocation;
int gd_res_locate(const char *path, int write, GdLocation *r); /* returns a Godot Error */
unsigned char *gd_res_read(const char *path, size_t *r_size, int64_t *r_error); /* get_file_as_bytes */
int64_t gd_res_file_size(const char *path); /* -1 when it cannot be opened */

/* FileAccess objects (Ref<FileAccess>, refcount 1 when made). */
HObj *gd_file_open(const char *path, int64_t mode, int64_t *r_error);
int gd_file_exists(const char *path);
uint64_t gd_file_get_length(HObj *o);
uint64_t gd_file_get_position(HObj *o);
void gd_file_seek(HObj *o, int64_t pos);
void gd_file_get_buffer(HObj *o, int64_t length, void *r_packed);
void gd_file_store_buffer(HObj *o, const void *packed);
void gd_file_close(HObj *o);
int64_t gd_file_get_error(HObj *o);
void gd_file_free(HObj *o); /* from gd_obj_delete */
extern long g_live_files;

/* Read log: every get_buffer of a file opened for READ, and every get_file_as_bytes. */
void gd_read_log_add(const char *path, uint64_t offset, uint64_t size, uint64_t file_size);
void gd_read_log_clear(void);
/* Prints the reads of path and their summary; returns 0 if streamed-check fails (why in r_why). */
int gd_read_log_report(const char *path, int check_streamed, char *r_why, size_t why_len);

/* ---- PCK packs (gdhost_pck.c) */
int gd_pck_mount(const char *pck_path);
int gd_pck_find(const char *res_path, const char **r_pack, uint64_t *r_offset, uint64_t *r_size);
/* Writes a pack like Godot's PCKPacker: version 2 (4.3) or 3 (4.4+). src NULL = removal entry (v3). */
int gd_pck_write(const char *out, int version, int n, const char *const *dest, const char *const *src);
void gd_md5(const unsigned char *data, size_t n, unsigned char out[16]);
void gd_pck_unmount_all(void);

/* The engine method binds (gdhost_binds.c); the editor's (gdhost_editor.c) take Variant args. */
enum {
    MB_EMIT_SIGNAL, MB_CALL_DEFERRED, MB_ADD_LOADER, MB_REMOVE_LOADER, MB_ADD_SAVER, MB_REMOVE_SAVER,
    MB_FILE_AS_BYTES, MB_FILE_OPEN, MB_FILE_EXISTS, MB_FILE_OPEN_ERROR, MB_FILE_GET_LENGTH, MB_FILE_GET_POSITION,
    MB_FILE_SEEK, MB_FILE_GET_BUFFER, MB_FILE_STORE_BUFFER, MB_FILE_CLOSE, MB_FILE_GET_ERROR, MB_REFERENCE,
    MB_UNREFERENCE, MB_ADD_EXPORT_PLUGIN, MB_REMOVE_EXPORT_PLUGIN, MB_ADD_SHARED_OBJECT, MB_ADD_FILE, MB_GET_OS_NAME
};
void gd_editor_bind_call(int id, HObj *o, const void *const *args, gd_int argc, GDCallError *r_error);

Deferred *gd_deferred_take(void);
Emitted *gd_emitted_take(void);

HObj *gd_obj_check(void *p);
HObj *gd_obj_new_native(const char *class_name); /* a host-made object of a native class */
HObj *gd_obj_new_singleton(const char *class_name); /* engine-owned for the whole run */
void gd_obj_delete(HObj *o);
int gd_class_inherits(const HObj *o, const char *native_name);
const char *gd_obj_class_name(const HObj *o);
HClass *gd_find_class(const char *name);
HMethod *gd_find_method(HClass *c, const char *name);
HProp *gd_find_property(HClass *c, const char *name);
int gd_registered_class_count(void);
void gd_report_left_classes(void);
void gd_print_classinfo(HClass *c);
const char *gd_pinfo_type_name(const PInfo *p);

#endif
