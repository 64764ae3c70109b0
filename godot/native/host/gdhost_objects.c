/* Objects: construction, instances and instance bindings, ids, destruction. */
#include "gdhost.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HObj *objects;
static uint64_t next_id = 1;
/* FileAccess objects may be made and freed on the extension's worker threads. */
static pthread_mutex_t g_objects_lock = PTHREAD_MUTEX_INITIALIZER;

HObj *gd_obj_check(void *p) {
    HObj *o = p;
    if (!o || o->magic != MAGIC_OBJ) gd_fatal("invalid Object pointer %p", p);
    return o;
}

const char *gd_obj_class_name(const HObj *o) { return o->ext ? o->ext->name : o->native_class; }

/* Whether the object's class is native_name or derives from it (extension or native). */
int gd_class_inherits(const HObj *o, const char *native_name) {
    for (HClass *c = o->ext ? o->ext : gd_find_class(o->native_class); c; c = c->parent ? gd_find_class(c->parent) : NULL)
        if (!strcmp(c->name, native_name)) return 1;
    return 0;
}

void gd_repr_object(Buf *b, void *obj) {
    if (!obj) { gd_buf_printf(b, "<Object#null>"); return; }
    HObj *o = gd_obj_check(obj);
    gd_buf_printf(b, "<%s#%llu>", gd_obj_class_name(o), (unsigned long long)o->id);
}

HObj *gd_obj_new_native(const char *class_name) {
    HClass *c = gd_find_class(class_name);
    if (!c || !c->native) gd_fatal("gd_obj_new_native: '%s' is not a native class", class_name);
    HObj *o = gd_xmalloc(sizeof *o);
    memset(o, 0, sizeof *o);
    o->magic = MAGIC_OBJ;
    o->native_class = c->name;
    pthread_mutex_lock(&g_objects_lock);
    o->id = next_id++;
    o->next = objects;
    objects = o;
    g_live_objects++;
    pthread_mutex_unlock(&g_objects_lock);
    return o;
}


HObj *gd_obj_new_singleton(const char *cls) {
    HObj *o = gd_xmalloc(sizeof *o);
    o->magic = MAGIC_OBJ;
    o->native_class = gd_find_class(cls)->name;
    o->id = next_id++;
    return o; /* engine-owned for the whole run: not in the object list */
}

static void *gdi_classdb_construct_object(const void *class_name) {
    const char *name = gd_sn(class_name);
    HClass *c = gd_find_class(name);
    if (c && !c->native && c->info.create_instance_func) {
        /* An extension class: Godot's ClassDB::instantiate calls its creation function. */
        return c->info.create_instance_func(c->info.class_userdata);
    }
    /* FileAccess is abstract (FileAccess.open makes them); the loader/saver are singletons;
     * export platforms are the editor's (the export command makes one); Node is not needed. */
    if (!c || !c->native || !strcmp(name, "FileAccess") || !strcmp(name, "ResourceLoader") || !strcmp(name, "ResourceSaver") ||
        !strcmp(name, "EditorExportPlatform") || !strcmp(name, "Node"))
        gd_die_unimplemented("UNIMPLEMENTED: classdb_construct_object(%s)", name);
    return gd_obj_new_native(name);
}

static void gdi_object_set_instance(void *obj, const void *class_name, void *instance) {
    HObj *o = gd_obj_check(obj);
    const char *name = gd_sn(class_name);
    HClass *c = gd_find_class(name);
    if (!c || c->native) {
        gd_host_error("object_set_instance", "Class '%s' is not a registered extension class.", name);
        return;
    }
    if (o->ext) gd_host_error("object_set_instance", "Object already has an extension instance.");
    o->ext = c;
    o->instance = instance;
}

static Binding *find_binding(HObj *o, void *token) {
    for (int i = 0; i < o->nbindings; i++)
        if (o->bindings[i].token == token) return &o->bindings[i];
    return NULL;
}

static void *gdi_object_get_instance_binding(void *obj, void *token, const GDInstanceBindingCallbacks *cb) {
    HObj *o = gd_obj_check(obj);
    Binding *b = find_binding(o, token);
    if (b) return b->binding;
    if (!cb || !cb->create_callback) return NULL;
    void *binding = cb->create_callback(token, o);
    o->bindings = gd_xrealloc(o->bindings, sizeof(Binding) * (size_t)(o->nbindings + 1));
    o->bindings[o->nbindings++] = (Binding){ token, binding, *cb };
    return binding;
}

static void gdi_object_set_instance_binding(void *obj, void *token, void *binding, const GDInstanceBindingCallbacks *cb) {
    HObj *o = gd_obj_check(obj);
    Binding *b = find_binding(o, token);
    if (b) {
        gd_host_error("object_set_instance_binding", "Instance binding for this token already set.");
        return;
    }
    o->bindings = gd_xrealloc(o->bindings, sizeof(Binding) * (size_t)(o->nbindings + 1));
    GDInstanceBindingCallbacks none = {0};
    o->bindings[o->nbindings++] = (Binding){ token, binding, cb ? *cb : none };
}

/* Like Godot's predelete + memdelete: NOTIFICATION_PREDELETE, extension free_instance,
 * then instance-binding free callbacks. */
void gd_obj_delete(HObj *o) {
    if (o->ext && o->instance && o->ext->info.notification_func)
        o->ext->info.notification_func(o->instance, 1 /* NOTIFICATION_PREDELETE */, 1);
    if (o->ext && o->instance && o->ext->info.free_instance_func)
        o->ext->info.free_instance_func(o->ext->info.class_userdata, o->instance);
    for (int i = 0; i < o->nbindings; i++)
        if (o->bindings[i].cb.free_callback) o->bindings[i].cb.free_callback(o->bindings[i].token, o, o->bindings[i].binding);
    free(o->bindings);
    if (o->file) gd_file_free(o);
    free(o->os_name);
    pthread_mutex_lock(&g_objects_lock);
    for (HObj **pp = &objects; *pp; pp = &(*pp)->next)
        if (*pp == o) { *pp = o->next; break; }
    g_live_objects--;
    pthread_mutex_unlock(&g_objects_lock);
    o->magic = 0;
    free(o);
}

static void gdi_object_destroy(void *obj) {
    HObj *o = gd_obj_check(obj);
    /* Godot would memdelete it anyway, leaving the remaining Refs dangling. */
    if (o->file && o->refcount > 0)
        gd_host_error("object_destroy", "%s#%llu destroyed while %lld reference(s) to it are held (unreference it to 0 first).",
                      gd_obj_class_name(o), (unsigned long long)o->id, (long long)o->refcount);
    gd_obj_delete(o);
}

static uint64_t gdi_object_get_instance_id(const void *obj) { return gd_obj_check((void *)obj)->id; }

static void *gdi_object_get_instance_from_id(uint64_t id) {
    HObj *found = NULL;
    pthread_mutex_lock(&g_objects_lock);
    for (HObj *o = objects; o && !found; o = o->next)
        if (o->id == id) found = o;
    pthread_mutex_unlock(&g_objects_lock);
    return found;
}

static gd_bool gdi_object_get_class_name(const void *obj, void *library, void *r_class_name) {
    if (!obj) return 0;
    HObj *o = gd_obj_check((void *)obj);
    (void)library;
    const char *n = gd_obj_class_name(o);
    *(HStr **)r_class_name = gd_str_new(VT_STRING_NAME, n, strlen(n));
    return 1;
}

static const GdProc objects_iface[] = {
    GD_PROC(classdb_construct_object)
    GD_PROC(object_set_instance) GD_PROC(object_get_instance_binding) GD_PROC(object_set_instance_binding) GD_PROC(object_destroy)
    GD_PROC(object_get_instance_id) GD_PROC(object_get_instance_from_id) GD_PROC(object_get_class_name)
};

GDAnyFunc gd_objects_proc(const char *name) { return GD_PROC_FIND(objects_iface, name); }
