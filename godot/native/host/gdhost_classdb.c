#include <pthread.h>
/* gdhost: objects and ClassDB registration (Godot 4.3 semantics). */
#include "gdhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUSH(arr, n, cap)                                                      \
    (((n) == (cap) ? ((cap) = (cap) ? (cap) * 2 : 4,                            \
                      (arr) = gd_xrealloc((arr), (size_t)(cap) * sizeof *(arr))) \
                   : 0),                                                       \
     memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

/* ------------------------------------------------------------------ classes */

static HClass native_classes[] = {
    { .name = "Object", .parent = NULL, .native = 1 },
    { .name = "RefCounted", .parent = "Object", .native = 1 },
    { .name = "Resource", .parent = "RefCounted", .native = 1 },
    { .name = "ResourceFormatLoader", .parent = "RefCounted", .native = 1 },
    { .name = "ResourceLoader", .parent = "Object", .native = 1 },
    { .name = "ResourceFormatSaver", .parent = "RefCounted", .native = 1 },
    { .name = "ResourceSaver", .parent = "Object", .native = 1 },
    { .name = "FileAccess", .parent = "RefCounted", .native = 1 },
    { .name = "Node", .parent = "Object", .native = 1 },
    { .name = "EditorPlugin", .parent = "Node", .native = 1 },
    { .name = "EditorExportPlugin", .parent = "RefCounted", .native = 1 },
    { .name = "EditorExportPlatform", .parent = "RefCounted", .native = 1 },
};
#define NNATIVE ((int)(sizeof native_classes / sizeof native_classes[0]))

static HClass **classes;
static int nclasses, cclasses;

HClass *gd_find_class(const char *name) {
    for (int i = 0; i < NNATIVE; i++)
        if (!strcmp(native_classes[i].name, name)) return &native_classes[i];
    for (int i = 0; i < nclasses; i++)
        if (!strcmp(classes[i]->name, name)) return classes[i];
    return NULL;
}

int gd_registered_class_count(void) { return nclasses; }

void gd_report_left_classes(void) {
    for (int i = 0; i < nclasses; i++)
        gd_host_error("deinitialize", "Extension class '%s' is still registered after deinitialization (missing classdb_unregister_extension_class).", classes[i]->name);
}

HMethod *gd_find_method(HClass *c, const char *name) {
    for (; c; c = c->parent ? gd_find_class(c->parent) : NULL)
        for (int i = 0; i < c->nmethods; i++)
            if (!strcmp(c->methods[i].name, name)) return &c->methods[i];
    return NULL;
}

HProp *gd_find_property(HClass *c, const char *name) {
    for (; c; c = c->parent ? gd_find_class(c->parent) : NULL)
        for (int i = 0; i < c->nprops; i++)
            if (c->props[i].kind == PROP_PROPERTY && !strcmp(c->props[i].info.name, name)) return &c->props[i];
    return NULL;
}

static char *sn_dup(const void *sn) { return gd_xstrdup(sn ? gd_sn(sn) : ""); }

static void pinfo_copy(PInfo *dst, const GDPropertyInfo *src) {
    dst->type = src->type;
    dst->name = sn_dup(src->name);
    dst->class_name = sn_dup(src->class_name);
    dst->hint = src->hint;
    dst->hint_string = gd_xstrdup(src->hint_string ? gd_s(src->hint_string) : "");
    dst->usage = src->usage;
    if (!gd_type_supported(src->type))
        gd_host_error("classdb", "PropertyInfo '%s' uses variant type %d which gdhost does not support", dst->name, src->type);
}

static void pinfo_free(PInfo *p) {
    free(p->name);
    free(p->class_name);
    free(p->hint_string);
}

const char *gd_pinfo_type_name(const PInfo *p) {
    if (p->type == VT_NIL) return (p->usage & PROPERTY_USAGE_NIL_IS_VARIANT) ? "Variant" : "void";
    if (p->type == VT_OBJECT && p->class_name && *p->class_name) return p->class_name;
    return gd_type_name(p->type);
}

static HClass *ext_class_for(void *library, const void *class_name, const char *fn) {
    if (library != GDHOST_LIBRARY) gd_host_error(fn, "unknown GDExtensionClassLibraryPtr %p", library);
    const char *name = gd_sn(class_name);
    HClass *c = gd_find_class(name);
    if (!c || c->native) {
        gd_host_error(fn, "Attempt to register to unexisting extension class '%s'.", name);
        return NULL;
    }
    return c;
}

static void gdi_classdb_register_extension_class3(void *library, const void *class_name, const void *parent_name,
                                                  const GDClassCreationInfo3 *info) {
    const char *name = gd_sn(class_name), *parent = gd_sn(parent_name);
    if (library != GDHOST_LIBRARY) gd_host_error("classdb_register_extension_class3", "unknown library pointer %p", library);
    if (gd_find_class(name)) {
        gd_host_error("classdb_register_extension_class3", "Class '%s' already registered.", name);
        return;
    }
    if (!gd_find_class(parent)) {
        gd_host_error("classdb_register_extension_class3", "Parent class name for extension class not found: '%s' (parent '%s').", name, parent);
        return;
    }
    HClass *c = gd_xmalloc(sizeof *c);
    c->name = gd_xstrdup(name);
    c->parent = gd_xstrdup(parent);
    c->info = *info;
    *PUSH(classes, nclasses, cclasses) = c;
}

static void free_class(HClass *c) {
    for (int i = 0; i < c->nmethods; i++) {
        HMethod *m = &c->methods[i];
        free(m->name);
        pinfo_free(&m->ret);
        for (uint32_t j = 0; j < m->argc; j++) pinfo_free(&m->args[j]);
        free(m->args);
        free(m->arg_meta);
        for (uint32_t j = 0; j < m->ndef; j++) gd_var_destroy(&m->defs[j]);
        free(m->defs);
    }
    free(c->methods);
    for (int i = 0; i < c->nprops; i++) {
        pinfo_free(&c->props[i].info);
        free(c->props[i].setter);
        free(c->props[i].getter);
    }
    free(c->props);
    for (int i = 0; i < c->nconsts; i++) { free(c->consts[i].enum_name); free(c->consts[i].name); }
    free(c->consts);
    for (int i = 0; i < c->nsignals; i++) {
        free(c->signals[i].name);
        for (int j = 0; j < c->signals[i].argc; j++) pinfo_free(&c->signals[i].args[j]);
        free(c->signals[i].args);
    }
    free(c->signals);
    free(c->name);
    free(c->parent);
    free(c);
}

static void gdi_classdb_unregister_extension_class(void *library, const void *class_name) {
    const char *name = gd_sn(class_name);
    if (library != GDHOST_LIBRARY) gd_host_error("classdb_unregister_extension_class", "unknown library pointer %p", library);
    for (int i = 0; i < nclasses; i++) {
        if (strcmp(classes[i]->name, name)) continue;
        for (int j = 0; j < nclasses; j++)
            if (!strcmp(classes[j]->parent, name)) {
                gd_host_error("classdb_unregister_extension_class", "Attempt to unregister class '%s' while other extension classes inherit from it.", name);
                return;
            }
        free_class(classes[i]);
        memmove(&classes[i], &classes[i + 1], (size_t)(nclasses - i - 1) * sizeof *classes);
        nclasses--;
        return;
    }
    gd_host_error("classdb_unregister_extension_class", "Attempt to unregister unexisting extension class '%s'.", name);
}

static void gdi_classdb_register_extension_class_method(void *library, const void *class_name, const GDClassMethodInfo *mi) {
    HClass *c = ext_class_for(library, class_name, "classdb_register_extension_class_method");
    if (!c) return;
    const char *name = gd_sn(mi->name);
    for (int i = 0; i < c->nmethods; i++)
        if (!strcmp(c->methods[i].name, name)) {
            gd_host_error("classdb_register_extension_class_method", "Method already bound '%s::%s'.", c->name, name);
            return;
        }
    if (!mi->call_func) gd_host_error("classdb_register_extension_class_method", "Method '%s::%s' has no call_func.", c->name, name);
    if (mi->default_argument_count > mi->argument_count) {
        gd_host_error("classdb_register_extension_class_method", "Method '%s::%s': more default arguments than arguments.", c->name, name);
        return;
    }
    HMethod *m = PUSH(c->methods, c->nmethods, c->cmethods);
    m->name = gd_xstrdup(name);
    m->userdata = mi->method_userdata;
    m->call = mi->call_func;
    m->ptrcall = mi->ptrcall_func;
    m->flags = mi->method_flags;
    m->has_ret = mi->has_return_value != 0;
    if (m->has_ret && mi->return_value_info) pinfo_copy(&m->ret, mi->return_value_info);
    else {
        static const GDPropertyInfo none = {0};
        pinfo_copy(&m->ret, &none);
    }
    m->ret_meta = mi->return_value_metadata;
    m->argc = mi->argument_count;
    m->args = gd_xmalloc(sizeof(PInfo) * (m->argc + 1));
    m->arg_meta = gd_xmalloc(sizeof(int32_t) * (m->argc + 1));
    for (uint32_t i = 0; i < m->argc; i++) {
        pinfo_copy(&m->args[i], &mi->arguments_info[i]);
        m->arg_meta[i] = mi->arguments_metadata ? mi->arguments_metadata[i] : 0;
    }
    m->ndef = mi->default_argument_count;
    m->defs = gd_xmalloc(sizeof(HVariant) * (m->ndef + 1));
    for (uint32_t i = 0; i < m->ndef; i++) gd_var_copy(&m->defs[i], gd_var_check(mi->default_arguments[i]));
}

static void gdi_classdb_register_extension_class_integer_constant(void *library, const void *class_name, const void *enum_name,
                                                                  const void *constant_name, gd_int value, gd_bool is_bitfield) {
    HClass *c = ext_class_for(library, class_name, "classdb_register_extension_class_integer_constant");
    if (!c) return;
    const char *cn = gd_sn(constant_name);
    for (int i = 0; i < c->nconsts; i++)
        if (!strcmp(c->consts[i].name, cn)) {
            gd_host_error("classdb_register_extension_class_integer_constant", "Constant '%s::%s' already registered.", c->name, cn);
            return;
        }
    HConst *k = PUSH(c->consts, c->nconsts, c->cconsts);
    k->enum_name = sn_dup(enum_name);
    k->name = gd_xstrdup(cn);
    k->value = value;
    k->bitfield = is_bitfield != 0;
}

static void gdi_classdb_register_extension_class_property(void *library, const void *class_name, const GDPropertyInfo *info,
                                                          const void *setter, const void *getter) {
    HClass *c = ext_class_for(library, class_name, "classdb_register_extension_class_property");
    if (!c) return;
    const char *sname = setter ? gd_sn(setter) : "", *gname = getter ? gd_sn(getter) : "";
    const char *pname = gd_sn(info->name);
    if (gd_find_property(c, pname)) {
        gd_host_error("classdb_register_extension_class_property", "Property '%s::%s' already exists.", c->name, pname);
        return;
    }
    if (*sname) {
        HMethod *m = gd_find_method(c, sname);
        if (!m) {
            gd_host_error("classdb_register_extension_class_property", "Invalid setter '%s::%s' for property '%s'.", c->name, sname, pname);
            return;
        }
        if (m->argc != 1) {
            gd_host_error("classdb_register_extension_class_property", "Invalid function for setter '%s::%s' for property '%s'.", c->name, sname, pname);
            return;
        }
    }
    if (*gname) {
        HMethod *m = gd_find_method(c, gname);
        if (!m) {
            gd_host_error("classdb_register_extension_class_property", "Invalid getter '%s::%s' for property '%s'.", c->name, gname, pname);
            return;
        }
        if (m->argc != 0) {
            gd_host_error("classdb_register_extension_class_property", "Invalid function for getter '%s::%s' for property '%s'.", c->name, gname, pname);
            return;
        }
    }
    HProp *p = PUSH(c->props, c->nprops, c->cprops);
    p->kind = PROP_PROPERTY;
    pinfo_copy(&p->info, info);
    p->setter = gd_xstrdup(sname);
    p->getter = gd_xstrdup(gname);
}

static void add_group(void *library, const void *class_name, const void *name, const void *prefix, int kind, const char *fn) {
    HClass *c = ext_class_for(library, class_name, fn);
    if (!c) return;
    HProp *p = PUSH(c->props, c->nprops, c->cprops);
    p->kind = kind;
    p->info.name = gd_xstrdup(gd_s(name));
    p->info.class_name = gd_xstrdup("");
    p->info.hint_string = gd_xstrdup(prefix ? gd_s(prefix) : "");
    p->setter = gd_xstrdup("");
    p->getter = gd_xstrdup("");
}
static void gdi_classdb_register_extension_class_property_group(void *library, const void *class_name, const void *group, const void *prefix) {
    add_group(library, class_name, group, prefix, PROP_GROUP, "classdb_register_extension_class_property_group");
}
static void gdi_classdb_register_extension_class_property_subgroup(void *library, const void *class_name, const void *group, const void *prefix) {
    add_group(library, class_name, group, prefix, PROP_SUBGROUP, "classdb_register_extension_class_property_subgroup");
}

static void gdi_classdb_register_extension_class_signal(void *library, const void *class_name, const void *signal_name,
                                                        const GDPropertyInfo *args, gd_int argc) {
    HClass *c = ext_class_for(library, class_name, "classdb_register_extension_class_signal");
    if (!c) return;
    const char *sname = gd_sn(signal_name);
    for (int i = 0; i < c->nsignals; i++)
        if (!strcmp(c->signals[i].name, sname)) {
            gd_host_error("classdb_register_extension_class_signal", "Class '%s' already has signal '%s'.", c->name, sname);
            return;
        }
    HSignal *s = PUSH(c->signals, c->nsignals, c->csignals);
    s->name = gd_xstrdup(sname);
    s->argc = (int)argc;
    s->args = gd_xmalloc(sizeof(PInfo) * (size_t)(argc + 1));
    for (gd_int i = 0; i < argc; i++) pinfo_copy(&s->args[i], &args[i]);
}

static void *gdi_classdb_get_class_tag(const void *class_name) {
    return gd_find_class(gd_sn(class_name)); /* a stable, unique pointer per class */
}

/* ------------------------------------------------------------------ objects */

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

/* ------------------------------------------------------------------ classinfo */

static const char *flags_text(uint32_t f, char *buf, size_t n) {
    static const struct { uint32_t bit; const char *name; } names[] = {
        { METHOD_FLAG_NORMAL, "NORMAL" }, { METHOD_FLAG_EDITOR, "EDITOR" }, { METHOD_FLAG_CONST, "CONST" },
        { METHOD_FLAG_VIRTUAL, "VIRTUAL" }, { METHOD_FLAG_VARARG, "VARARG" }, { METHOD_FLAG_STATIC, "STATIC" },
    };
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (f & names[i].bit) {
            if (buf[0]) strncat(buf, "|", n - strlen(buf) - 1);
            strncat(buf, names[i].name, n - strlen(buf) - 1);
        }
    if (!buf[0]) snprintf(buf, n, "0");
    return buf;
}

void gd_print_classinfo(HClass *c) {
    char fb[128];
    printf("class %s extends %s virtual=%d abstract=%d exposed=%d runtime=%d\n", c->name, c->parent ? c->parent : "-",
           c->info.is_virtual, c->info.is_abstract, c->info.is_exposed, c->info.is_runtime);
    for (int i = 0; i < c->nmethods; i++) {
        HMethod *m = &c->methods[i];
        Buf b = {0};
        gd_buf_printf(&b, "  method %s(", m->name);
        for (uint32_t j = 0; j < m->argc; j++) {
            gd_buf_printf(&b, "%s%s: %s", j ? ", " : "", m->args[j].name, gd_pinfo_type_name(&m->args[j]));
            if (m->arg_meta[j]) gd_buf_printf(&b, " /*meta %d*/", m->arg_meta[j]);
            uint32_t first_def = m->argc - m->ndef;
            if (j >= first_def) {
                char *r = gd_repr(&m->defs[j - first_def]);
                gd_buf_printf(&b, " = %s", r);
                free(r);
            }
        }
        gd_buf_printf(&b, ") -> %s", m->has_ret ? gd_pinfo_type_name(&m->ret) : "void");
        if (m->has_ret && m->ret_meta) gd_buf_printf(&b, " /*meta %d*/", m->ret_meta);
        gd_buf_printf(&b, " flags=%s%s", flags_text(m->flags, fb, sizeof fb), m->ptrcall ? "" : " (no ptrcall)");
        printf("%s\n", b.p);
        free(b.p);
    }
    for (int i = 0; i < c->nprops; i++) {
        HProp *p = &c->props[i];
        if (p->kind == PROP_GROUP) printf("  group \"%s\" prefix \"%s\"\n", p->info.name, p->info.hint_string);
        else if (p->kind == PROP_SUBGROUP) printf("  subgroup \"%s\" prefix \"%s\"\n", p->info.name, p->info.hint_string);
        else
            printf("  property %s %s hint=%u hint_string=\"%s\" usage=%u setter=%s getter=%s\n", gd_pinfo_type_name(&p->info),
                   p->info.name, p->info.hint, p->info.hint_string, p->info.usage, *p->setter ? p->setter : "-",
                   *p->getter ? p->getter : "-");
    }
    for (int i = 0; i < c->nconsts; i++)
        printf("  constant %s%s%s = %lld%s\n", c->consts[i].enum_name, *c->consts[i].enum_name ? "." : "", c->consts[i].name,
               (long long)c->consts[i].value, c->consts[i].bitfield ? " (bitfield)" : "");
    for (int i = 0; i < c->nsignals; i++) {
        HSignal *s = &c->signals[i];
        printf("  signal %s(", s->name);
        for (int j = 0; j < s->argc; j++) printf("%s%s: %s", j ? ", " : "", s->args[j].name, gd_pinfo_type_name(&s->args[j]));
        printf(")\n");
    }
}

/* ------------------------------------------------------------------ engine method binds */

/* The engine methods an extension may bind, looked up by class, name and the Godot 4.3
 * hash (extension_api.json); any other bind is unimplemented. Object.call_deferred is
 * thread-safe (queued for the main thread's idle time), Object.emit_signal is main-thread
 * only. The loader/saver binds take Variants (object_method_bind_call); FileAccess and
 * RefCounted take ptrcall arguments (object_method_bind_ptrcall). */
enum {
    MB_EMIT_SIGNAL, MB_CALL_DEFERRED, MB_ADD_LOADER, MB_REMOVE_LOADER, MB_ADD_SAVER, MB_REMOVE_SAVER,
    MB_FILE_AS_BYTES, MB_FILE_OPEN, MB_FILE_EXISTS, MB_FILE_OPEN_ERROR, MB_FILE_GET_LENGTH, MB_FILE_GET_POSITION,
    MB_FILE_SEEK, MB_FILE_GET_BUFFER, MB_FILE_STORE_BUFFER, MB_FILE_CLOSE, MB_FILE_GET_ERROR, MB_REFERENCE,
    MB_UNREFERENCE, MB_ADD_EXPORT_PLUGIN, MB_REMOVE_EXPORT_PLUGIN, MB_ADD_SHARED_OBJECT, MB_ADD_FILE, MB_GET_OS_NAME
};
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

static HObj *make_singleton(const char *cls) {
    HObj *o = gd_xmalloc(sizeof *o);
    o->magic = MAGIC_OBJ;
    o->native_class = gd_find_class(cls)->name;
    o->id = next_id++;
    return o; /* engine-owned for the whole run: not in the object list */
}

static void *gdi_global_get_singleton(const void *name) {
    const char *n = gd_sn(name);
    if (!strcmp(n, "ResourceLoader")) {
        if (!g_resource_loader) g_resource_loader = make_singleton("ResourceLoader");
        return g_resource_loader;
    }
    if (!strcmp(n, "ResourceSaver")) {
        if (!g_resource_saver) g_resource_saver = make_singleton("ResourceSaver");
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


/* ---- the editor's side: editor_add_plugin, EditorPlugin.add/remove_export_plugin,
 * EditorExportPlugin.add_shared_object/add_file (Godot 4.3's GDExtensionEditorPlugins,
 * EditorNode::add_extension_editor_plugin and EditorExport). */
char *gd_editor_plugins[GD_MAX_FORMATS];
int gd_neditor_plugins;
HObj *gd_export_plugins[GD_MAX_FORMATS];
int gd_nexport_plugins;
GdExported gd_exported[GD_MAX_EXPORTED];
int gd_nexported;

static void gdi_editor_add_plugin(const void *class_name) {
    const char *name = gd_sn(class_name);
    HClass *c = gd_find_class(name);
    if (!c) { gd_host_error("add_extension_editor_plugin", "No such editor plugin registered: %s", name); return; }
    int is_plugin = 0;
    for (HClass *k = c; k; k = k->parent ? gd_find_class(k->parent) : NULL)
        if (!strcmp(k->name, "EditorPlugin")) is_plugin = 1;
    if (!is_plugin) { gd_host_error("add_extension_editor_plugin", "Class is not an editor plugin: %s", name); return; }
    for (int i = 0; i < gd_neditor_plugins; i++)
        if (!strcmp(gd_editor_plugins[i], name)) {
            gd_host_error("add_extension_editor_plugin", "Editor plugin already added for class: %s", name);
            return;
        }
    if (gd_neditor_plugins == GD_MAX_FORMATS) { gd_host_error("editor_add_plugin", "too many editor plugins"); return; }
    gd_editor_plugins[gd_neditor_plugins++] = gd_xstrdup(name);
}

static void gdi_editor_remove_plugin(const void *class_name) {
    const char *name = gd_sn(class_name);
    for (int i = 0; i < gd_neditor_plugins; i++)
        if (!strcmp(gd_editor_plugins[i], name)) {
            free(gd_editor_plugins[i]);
            memmove(&gd_editor_plugins[i], &gd_editor_plugins[i + 1], (size_t)(gd_neditor_plugins - i - 1) * sizeof(char *));
            gd_neditor_plugins--;
            return;
        }
    gd_host_error("remove_extension_editor_plugin", "No editor plugin registered for class: %s", name);
}

static int arg_type(const void *const *args, gd_int i, int type, GDCallError *r_error) {
    const HVariant *v = gd_var_check(args[i]);
    if (v->type == type) return 1;
    r_error->error = CALL_ERROR_INVALID_ARGUMENT;
    r_error->argument = (int32_t)i;
    r_error->expected = type;
    return 0;
}

static int argc_is(gd_int argc, gd_int want, GDCallError *r_error) {
    if (argc == want) return 1;
    r_error->error = argc < want ? CALL_ERROR_TOO_FEW_ARGUMENTS : CALL_ERROR_TOO_MANY_ARGUMENTS;
    r_error->expected = (int32_t)want;
    return 0;
}

static void editor_bind_call(int id, HObj *o, const void *const *args, gd_int argc, GDCallError *r_error) {
    if (id == MB_ADD_EXPORT_PLUGIN || id == MB_REMOVE_EXPORT_PLUGIN) {
        const char *fn = id == MB_ADD_EXPORT_PLUGIN ? "add_export_plugin" : "remove_export_plugin";
        if (!gd_class_inherits(o, "EditorPlugin")) gd_fatal("EditorPlugin.%s called on a %s", fn, gd_obj_class_name(o));
        if (!argc_is(argc, 1, r_error) || !arg_type(args, 0, VT_OBJECT, r_error)) return;
        const HVariant *v = gd_var_check(args[0]);
        HObj *p = v->u.p ? gd_obj_check(v->u.p) : NULL;
        if (!p || !gd_class_inherits(p, "EditorExportPlugin")) { /* Ref<EditorExportPlugin> conversion gives null */
            gd_host_error(fn, "Parameter \"p_plugin\" is null (not an EditorExportPlugin).");
            return;
        }
        int at = -1;
        for (int i = 0; i < gd_nexport_plugins; i++)
            if (gd_export_plugins[i] == p) at = i;
        if (id == MB_ADD_EXPORT_PLUGIN) {
            if (at < 0 && gd_nexport_plugins < GD_MAX_FORMATS) gd_export_plugins[gd_nexport_plugins++] = p;
        } else if (at >= 0) {
            memmove(&gd_export_plugins[at], &gd_export_plugins[at + 1], (size_t)(gd_nexport_plugins - at - 1) * sizeof(HObj *));
            gd_nexport_plugins--;
        }
        return;
    }
    /* add_shared_object(path, tags, target) / add_file(path, file, remap) */
    const char *fn = id == MB_ADD_SHARED_OBJECT ? "add_shared_object" : "add_file";
    if (!gd_class_inherits(o, "EditorExportPlugin")) gd_fatal("EditorExportPlugin.%s called on a %s", fn, gd_obj_class_name(o));
    if (!argc_is(argc, 3, r_error) || !arg_type(args, 0, VT_STRING, r_error)) return;
    if (id == MB_ADD_SHARED_OBJECT && (!arg_type(args, 1, VT_PACKED_STRING_ARRAY, r_error) || !arg_type(args, 2, VT_STRING, r_error))) return;
    if (id == MB_ADD_FILE && (!arg_type(args, 1, VT_PACKED_BYTE_ARRAY, r_error) || !arg_type(args, 2, VT_BOOL, r_error))) return;
    if (gd_nexported == GD_MAX_EXPORTED) { gd_host_error(fn, "too many exported files"); return; }
    GdExported *e = &gd_exported[gd_nexported++];
    memset(e, 0, sizeof *e);
    e->owner = o;
    e->path = gd_xstrdup(gd_s(gd_var_check(args[0])->u.raw));
    if (id == MB_ADD_SHARED_OBJECT) {
        gd_val_copy(VT_PACKED_STRING_ARRAY, e->tags, gd_var_check(args[1])->u.raw);
        e->target = gd_xstrdup(gd_s(gd_var_check(args[2])->u.raw));
    } else {
        HPacked *b = gd_packed_get(gd_var_check(args[1])->u.raw, VT_PACKED_BYTE_ARRAY);
        e->size = b ? gd_packed_len(b) : 0;
        e->is_file = 1;
        gd_val_default(VT_PACKED_STRING_ARRAY, e->tags);
    }
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
        editor_bind_call(b->id, o, args, argc, r_error);
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

/* ------------------------------------------------------------------ proc table */

static const GdProc classdb_iface[] = {
    GD_PROC(classdb_construct_object) GD_PROC(classdb_get_class_tag)
    GD_PROC(classdb_register_extension_class3) GD_PROC(classdb_register_extension_class_method)
    GD_PROC(classdb_register_extension_class_integer_constant) GD_PROC(classdb_register_extension_class_property)
    GD_PROC(classdb_register_extension_class_property_group) GD_PROC(classdb_register_extension_class_property_subgroup)
    GD_PROC(classdb_register_extension_class_signal) GD_PROC(classdb_unregister_extension_class)
    GD_PROC(object_set_instance) GD_PROC(object_get_instance_binding) GD_PROC(object_set_instance_binding) GD_PROC(object_destroy)
    GD_PROC(object_get_instance_id) GD_PROC(object_get_instance_from_id) GD_PROC(object_get_class_name)
    GD_PROC(classdb_get_method_bind) GD_PROC(object_method_bind_call) GD_PROC(object_method_bind_ptrcall) GD_PROC(global_get_singleton)
    GD_PROC(editor_add_plugin) GD_PROC(editor_remove_plugin)
};

GDAnyFunc gd_classdb_proc(const char *name) { return GD_PROC_FIND(classdb_iface, name); }
