/* Engine method binds: singletons and format lists, call_deferred, emit_signal, FileAccess ptrcalls. */
#include "gdhost.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine methods an extension may bind, looked up by class, name and the Godot 4.3
 * hash (extension_api.json); any other bind is unimplemented. Object.call_deferred is
 * thread-safe (queued for the main thread's idle time), Object.emit_signal is main-thread
 * only. The loader/saver binds take Variants (object_method_bind_call); FileAccess and
 * RefCounted take ptrcall arguments (object_method_bind_ptrcall). */
typedef struct {
    int id;
    const char *cls, *name;
    int64_t hash;
    int ptrcall; /* 1: object_method_bind_ptrcall, 0: object_method_bind_call */
} BindDef;
static const BindDef g_binds[] = {
    { MB_EMIT_SIGNAL, "Object", "emit_signal", 4047867050LL, 0 },
    { MB_CALL_DEFERRED, "Object", "call_deferred", 3400424181LL, 0 },
    { MB_ADD_LOADER, "ResourceLoader", "add_resource_format_loader", 2896595483LL, 0 },
    { MB_REMOVE_LOADER, "ResourceLoader", "remove_resource_format_loader", 405397102LL, 0 },
    { MB_ADD_SAVER, "ResourceSaver", "add_resource_format_saver", 362894272LL, 0 },
    { MB_REMOVE_SAVER, "ResourceSaver", "remove_resource_format_saver", 3373026878LL, 0 },
    { MB_FILE_AS_BYTES, "FileAccess", "get_file_as_bytes", 659035735LL, 1 },
    { MB_FILE_OPEN, "FileAccess", "open", 1247358404LL, 1 },
    { MB_FILE_EXISTS, "FileAccess", "file_exists", 2323990056LL, 1 },
    { MB_FILE_OPEN_ERROR, "FileAccess", "get_open_error", 166280745LL, 1 },
    { MB_FILE_GET_LENGTH, "FileAccess", "get_length", 3905245786LL, 1 },
    { MB_FILE_GET_POSITION, "FileAccess", "get_position", 3905245786LL, 1 },
    { MB_FILE_SEEK, "FileAccess", "seek", 1286410249LL, 1 },
    { MB_FILE_GET_BUFFER, "FileAccess", "get_buffer", 4131300905LL, 1 },
    { MB_FILE_STORE_BUFFER, "FileAccess", "store_buffer", 2971499966LL, 1 },
    { MB_FILE_CLOSE, "FileAccess", "close", 3218959716LL, 1 },
    { MB_FILE_GET_ERROR, "FileAccess", "get_error", 3185525595LL, 1 },
    { MB_REFERENCE, "RefCounted", "reference", 2240911060LL, 1 }, /* same hash in 4.3, */
    { MB_UNREFERENCE, "RefCounted", "unreference", 2240911060LL, 1 }, /* different binds */
    { MB_ADD_EXPORT_PLUGIN, "EditorPlugin", "add_export_plugin", 4095952207LL, 0 },
    { MB_REMOVE_EXPORT_PLUGIN, "EditorPlugin", "remove_export_plugin", 4095952207LL, 0 },
    { MB_ADD_SHARED_OBJECT, "EditorExportPlugin", "add_shared_object", 3098291045LL, 0 },
    { MB_ADD_FILE, "EditorExportPlugin", "add_file", 527928637LL, 0 },
    { MB_GET_OS_NAME, "EditorExportPlatform", "get_os_name", 201670096LL, 1 },
};
#define NBINDS ((int)(sizeof g_binds / sizeof g_binds[0]))

static const BindDef *bind_check(void *mb, const char *fn) {
    for (int i = 0; i < NBINDS; i++)
        if (mb == &g_binds[i]) return &g_binds[i];
    gd_fatal("%s: unknown method bind %p", fn, mb);
}

/* The ResourceLoader / ResourceSaver singletons and the format loaders/savers registered
 * with them, in order: Godot tries them first to last. */
static HObj *g_resource_loader, *g_resource_saver;
HObj *gd_format_loaders[GD_MAX_FORMATS];
int gd_nformat_loaders;
HObj *gd_format_savers[GD_MAX_FORMATS];
int gd_nformat_savers;

static void *gdi_global_get_singleton(const void *name) {
    const char *n = gd_sn(name);
    if (!strcmp(n, "ResourceLoader")) {
        if (!g_resource_loader) g_resource_loader = gd_obj_new_singleton("ResourceLoader");
        return g_resource_loader;
    }
    if (!strcmp(n, "ResourceSaver")) {
        if (!g_resource_saver) g_resource_saver = gd_obj_new_singleton("ResourceSaver");
        return g_resource_saver;
    }
    gd_die_unimplemented("UNIMPLEMENTED singleton %s", n);
}

static pthread_mutex_t g_deferred_lock = PTHREAD_MUTEX_INITIALIZER;
static Deferred *g_deferred_head, *g_deferred_tail;
static Emitted *g_emitted_head, *g_emitted_tail;
pthread_t gd_main_thread;

static void *gdi_classdb_get_method_bind(const void *class_name, const void *method_name, gd_int hash) {
    const char *c = gd_sn(class_name), *m = gd_sn(method_name);
    for (int i = 0; i < NBINDS; i++)
        if (!strcmp(c, g_binds[i].cls) && !strcmp(m, g_binds[i].name) && hash == g_binds[i].hash) return (void *)&g_binds[i];
    gd_die_unimplemented("UNIMPLEMENTED method bind %s.%s hash %lld", c, m, (long long)hash);
}

/* add_resource_format_loader(loader, at_front = false) and its saver twin, with Godot's
 * ordering; remove keeps the order of the others. */
static void format_list_add(HObj **list, int *n, HObj *o, int at_front, const char *fn) {
    if (*n >= GD_MAX_FORMATS) { gd_host_error(fn, "Condition \"count >= MAX\" is true."); return; }
    if (at_front) {
        memmove(&list[1], &list[0], (size_t)*n * sizeof *list);
        list[0] = o;
        (*n)++;
    } else {
        list[(*n)++] = o;
    }
}

static void format_list_remove(HObj **list, int *n, HObj *o, const char *fn) {
    for (int i = 0; i < *n; i++)
        if (list[i] == o) {
            memmove(&list[i], &list[i + 1], (size_t)(*n - i - 1) * sizeof *list);
            (*n)--;
            return;
        }
    gd_host_error(fn, "%s was not registered", gd_obj_class_name(o));
}

static void format_bind_call(int id, HObj *o, const void *const *args, gd_int argc, GDCallError *r_error) {
    int saver = id == MB_ADD_SAVER || id == MB_REMOVE_SAVER, add = id == MB_ADD_LOADER || id == MB_ADD_SAVER;
    const char *fn = saver ? (add ? "add_resource_format_saver" : "remove_resource_format_saver")
                           : (add ? "add_resource_format_loader" : "remove_resource_format_loader");
    const char *base = saver ? "ResourceFormatSaver" : "ResourceFormatLoader";
    if (o != (saver ? g_resource_saver : g_resource_loader)) gd_fatal("%s called on %s, not the singleton", fn, gd_obj_class_name(o));
    if (argc < 1 || argc > (add ? 2 : 1)) {
        r_error->error = argc < 1 ? CALL_ERROR_TOO_FEW_ARGUMENTS : CALL_ERROR_TOO_MANY_ARGUMENTS;
        r_error->expected = add ? 2 : 1;
        return;
    }
    const HVariant *arg = gd_var_check(args[0]);
    if (arg->type != VT_OBJECT && arg->type != VT_NIL) {
        r_error->error = CALL_ERROR_INVALID_ARGUMENT;
        r_error->argument = 0;
        r_error->expected = VT_OBJECT;
        return;
    }
    HObj *fmt = arg->type == VT_OBJECT && arg->u.p ? gd_obj_check(arg->u.p) : NULL;
    if (!fmt || !gd_class_inherits(fmt, base)) { /* the Ref<ResourceFormat*> conversion gives null */
        gd_host_error(fn, "It's not a reference to a valid %s object.", base);
        return;
    }
    int at_front = 0;
    if (argc == 2) {
        const HVariant *b = gd_var_check(args[1]);
        if (b->type != VT_BOOL) {
            r_error->error = CALL_ERROR_INVALID_ARGUMENT;
            r_error->argument = 1;
            r_error->expected = VT_BOOL;
            return;
        }
        at_front = b->u.b != 0;
    }
    HObj **list = saver ? gd_format_savers : gd_format_loaders;
    int *n = saver ? &gd_nformat_savers : &gd_nformat_loaders;
    if (add) format_list_add(list, n, fmt, at_front, fn);
    else format_list_remove(list, n, fmt, fn);
}

static void gdi_object_method_bind_call(void *mb, void *obj, const void *const *args, gd_int argc, void *r_ret,
                                        GDCallError *r_error) {
    const BindDef *b = bind_check(mb, "object_method_bind_call");
    if (b->ptrcall) gd_die_unimplemented("UNIMPLEMENTED: object_method_bind_call of %s.%s (gdhost takes it through object_method_bind_ptrcall only)", b->cls, b->name);
    HObj *o = gd_obj_check(obj);
    r_error->error = 0;
    if (b->id == MB_ADD_LOADER || b->id == MB_REMOVE_LOADER || b->id == MB_ADD_SAVER || b->id == MB_REMOVE_SAVER) {
        format_bind_call(b->id, o, args, argc, r_error);
        gd_var_nil((HVariant *)r_ret);
        return;
    }
    if (b->id == MB_ADD_EXPORT_PLUGIN || b->id == MB_REMOVE_EXPORT_PLUGIN || b->id == MB_ADD_SHARED_OBJECT || b->id == MB_ADD_FILE) {
        gd_editor_bind_call(b->id, o, args, argc, r_error);
        gd_var_nil((HVariant *)r_ret);
        return;
    }
    if (argc < 1 || gd_var_check(args[0])->type != VT_STRING_NAME) {
        r_error->error = 2; /* the first argument of both is a StringName */
        gd_var_nil((HVariant *)r_ret);
        return;
    }
    if (b->id == MB_EMIT_SIGNAL) {
        if (!pthread_equal(pthread_self(), gd_main_thread))
            gd_host_error("emit_signal", "signal emitted off the main thread");
        Emitted *e = gd_xmalloc(sizeof *e);
        memset(e, 0, sizeof *e);
        e->obj = o;
        e->argc = (int)argc - 1;
        gd_var_copy(&e->name, gd_var_check(args[0]));
        for (int i = 1; i < argc && i <= 8; i++) gd_var_copy(&e->args[i - 1], gd_var_check(args[i]));
        if (g_emitted_tail) g_emitted_tail->next = e; else g_emitted_head = e;
        g_emitted_tail = e;
        int64_t ok = 0;
        gd_var_from_val((HVariant *)r_ret, VT_INT, &ok);
        return;
    }
    /* MB_CALL_DEFERRED */
    Deferred *d = gd_xmalloc(sizeof *d);
    memset(d, 0, sizeof *d);
    d->obj = o;
    d->argc = (int)argc - 1;
    d->method = gd_xstrdup(gd_sn(gd_var_check(args[0])->u.raw));
    for (int i = 1; i < argc && i <= 8; i++) gd_var_copy(&d->args[i - 1], gd_var_check(args[i]));
    pthread_mutex_lock(&g_deferred_lock);
    if (g_deferred_tail) g_deferred_tail->next = d; else g_deferred_head = d;
    g_deferred_tail = d;
    pthread_mutex_unlock(&g_deferred_lock);
    gd_var_nil((HVariant *)r_ret);
}

/* FileAccess.open's error, as Godot's thread_local last_file_open_error. */
static _Thread_local int64_t g_last_open_error;

/* RefCounted::reference/unreference: binding reference callbacks run when the count
 * crosses 1<->2, as in Godot; unreference returns true when the object must be deleted. */
static uint8_t refcount_change(HObj *o, int up) {
    if (!o->file)
        gd_die_unimplemented("UNIMPLEMENTED: RefCounted.%s on %s (gdhost counts references of FileAccess objects only)",
                             up ? "reference" : "unreference", gd_obj_class_name(o));
    if (up) {
        if (o->refcount == 0) return 0; /* refval() of a dead count fails */
        int64_t rc = ++o->refcount;
        if (rc <= 2)
            for (int i = 0; i < o->nbindings; i++)
                if (o->bindings[i].cb.reference_callback) o->bindings[i].cb.reference_callback(o->bindings[i].token, o->bindings[i].binding, 1);
        return 1;
    }
    if (o->refcount == 0) {
        gd_host_error("unreference", "%s#%llu unreferenced below zero.", gd_obj_class_name(o), (unsigned long long)o->id);
        return 0;
    }
    int64_t rc = --o->refcount;
    int die = rc == 0;
    if (rc <= 1)
        for (int i = 0; i < o->nbindings; i++)
            if (o->bindings[i].cb.reference_callback &&
                !o->bindings[i].cb.reference_callback(o->bindings[i].token, o->bindings[i].binding, 0))
                die = 0;
    return (uint8_t)die;
}

static void need_ret(const BindDef *b, void *r_ret) {
    if (!r_ret) gd_fatal("%s.%s: ptrcall without a return slot", b->cls, b->name);
}

static HObj *file_instance(const BindDef *b, void *obj) {
    HObj *o = gd_obj_check(obj);
    if (b->id != MB_REFERENCE && b->id != MB_UNREFERENCE && !o->file)
        gd_fatal("%s.%s called on a %s", b->cls, b->name, gd_obj_class_name(o));
    return o;
}

static void gdi_object_method_bind_ptrcall(void *mb, void *obj, const void *const *args, void *r_ret) {
    const BindDef *b = bind_check(mb, "object_method_bind_ptrcall");
    if (!b->ptrcall) gd_die_unimplemented("UNIMPLEMENTED: object_method_bind_ptrcall of %s.%s (gdhost takes it through object_method_bind_call only)", b->cls, b->name);
    int is_static = b->id == MB_FILE_AS_BYTES || b->id == MB_FILE_OPEN || b->id == MB_FILE_EXISTS || b->id == MB_FILE_OPEN_ERROR;
    if (is_static) {
        if (obj != NULL) gd_host_error(b->name, "static method FileAccess.%s called with an instance", b->name);
        need_ret(b, r_ret);
    }
    switch (b->id) {
    case MB_FILE_AS_BYTES: {
        /* FileAccess.get_file_as_bytes(path): r_ret stays empty on failure, as in Godot */
        const char *path = gd_s(args[0]);
        size_t n = 0;
        unsigned char *bytes = gd_res_read(path, &n, &g_last_open_error);
        if (!bytes) {
            gd_host_error("FileAccess.get_file_as_bytes", "Can't open file from path '%s'.", path);
            return;
        }
        gd_packed_resize(r_ret, VT_PACKED_BYTE_ARRAY, (int64_t)n);
        if (n) memcpy(gd_packed_at(r_ret, VT_PACKED_BYTE_ARRAY, 0, 1), bytes, n);
        free(bytes);
        return;
    }
    case MB_FILE_OPEN: {
        /* PtrToArg<Ref<FileAccess>>::encode: r_ret is a Ref slot (an Object*), NULL on failure;
         * like Godot 4.3, a failed open prints nothing and leaves the error for get_open_error. */
        if (*(void **)r_ret) gd_die_unimplemented("UNIMPLEMENTED: FileAccess.open into a Ref slot that already holds an object");
        *(void **)r_ret = gd_file_open(gd_s(args[0]), *(const int64_t *)args[1], &g_last_open_error);
        return;
    }
    case MB_FILE_EXISTS: *(uint8_t *)r_ret = (uint8_t)gd_file_exists(gd_s(args[0])); return;
    case MB_FILE_OPEN_ERROR: *(int64_t *)r_ret = g_last_open_error; return;
    default: break;
    }
    if (b->id == MB_GET_OS_NAME) {
        HObj *p = gd_obj_check(obj);
        if (!p->os_name) gd_fatal("EditorExportPlatform.get_os_name called on a %s", gd_obj_class_name(p));
        need_ret(b, r_ret);
        gd_val_destroy(VT_STRING, r_ret); /* an initialized String, as PtrToArg<String>::encode replaces it */
        *(HStr **)r_ret = gd_str_new(VT_STRING, p->os_name, strlen(p->os_name));
        return;
    }
    HObj *o = file_instance(b, obj);
    switch (b->id) {
    case MB_FILE_GET_LENGTH: need_ret(b, r_ret); *(int64_t *)r_ret = (int64_t)gd_file_get_length(o); return;
    case MB_FILE_GET_POSITION: need_ret(b, r_ret); *(int64_t *)r_ret = (int64_t)gd_file_get_position(o); return;
    case MB_FILE_SEEK: gd_file_seek(o, *(const int64_t *)args[0]); return;
    case MB_FILE_GET_BUFFER: need_ret(b, r_ret); gd_file_get_buffer(o, *(const int64_t *)args[0], r_ret); return;
    case MB_FILE_STORE_BUFFER: gd_file_store_buffer(o, args[0]); return;
    case MB_FILE_CLOSE: gd_file_close(o); return;
    case MB_FILE_GET_ERROR: need_ret(b, r_ret); *(int64_t *)r_ret = gd_file_get_error(o); return;
    case MB_REFERENCE: need_ret(b, r_ret); *(uint8_t *)r_ret = refcount_change(o, 1); return;
    case MB_UNREFERENCE: need_ret(b, r_ret); *(uint8_t *)r_ret = refcount_change(o, 0); return;
    default: gd_fatal("object_method_bind_ptrcall: bind %s.%s not handled", b->cls, b->name);
    }
}

Deferred *gd_deferred_take(void) {
    pthread_mutex_lock(&g_deferred_lock);
    Deferred *d = g_deferred_head;
    if (d) {
        g_deferred_head = d->next;
        if (!g_deferred_head) g_deferred_tail = NULL;
    }
    pthread_mutex_unlock(&g_deferred_lock);
    return d;
}

Emitted *gd_emitted_take(void) {
    Emitted *e = g_emitted_head;
    if (e) {
        g_emitted_head = e->next;
        if (!g_emitted_head) g_emitted_tail = NULL;
    }
    return e;
}


static const GdProc binds_iface[] = {
    GD_PROC(classdb_get_method_bind) GD_PROC(object_method_bind_call) GD_PROC(object_method_bind_ptrcall) GD_PROC(global_get_singleton)
};

GDAnyFunc gd_binds_proc(const char *name) { return GD_PROC_FIND(binds_iface, name); }
