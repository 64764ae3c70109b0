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

HObj *gd_obj_check(void *p) {
    HObj *o = p;
    if (!o || o->magic != MAGIC_OBJ) gd_fatal("invalid Object pointer %p", p);
    return o;
}

void gd_repr_object(Buf *b, void *obj) {
    if (!obj) { gd_buf_printf(b, "<Object#null>"); return; }
    HObj *o = gd_obj_check(obj);
    gd_buf_printf(b, "<%s#%llu>", o->ext ? o->ext->name : o->native_class, (unsigned long long)o->id);
}

static void *gdi_classdb_construct_object(const void *class_name) {
    const char *name = gd_sn(class_name);
    HClass *c = gd_find_class(name);
    if (c && !c->native && c->info.create_instance_func) {
        /* An extension class: Godot's ClassDB::instantiate calls its creation function. */
        return c->info.create_instance_func(c->info.class_userdata);
    }
    if (!c || !c->native) gd_die_unimplemented("UNIMPLEMENTED: classdb_construct_object(%s)", name);
    HObj *o = gd_xmalloc(sizeof *o);
    o->magic = MAGIC_OBJ;
    o->native_class = c->name;
    o->id = next_id++;
    o->next = objects;
    objects = o;
    g_live_objects++;
    return o;
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
    for (HObj **pp = &objects; *pp; pp = &(*pp)->next)
        if (*pp == o) { *pp = o->next; break; }
    o->magic = 0;
    free(o);
    g_live_objects--;
}

static void gdi_object_destroy(void *obj) { gd_obj_delete(gd_obj_check(obj)); }

static uint64_t gdi_object_get_instance_id(const void *obj) { return gd_obj_check((void *)obj)->id; }

static void *gdi_object_get_instance_from_id(uint64_t id) {
    for (HObj *o = objects; o; o = o->next)
        if (o->id == id) return o;
    return NULL;
}

static gd_bool gdi_object_get_class_name(const void *obj, void *library, void *r_class_name) {
    if (!obj) return 0;
    HObj *o = gd_obj_check((void *)obj);
    (void)library;
    const char *n = o->ext ? o->ext->name : o->native_class;
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

/* The two engine methods an extension needs to talk back from a worker thread:
 * Object.call_deferred (thread-safe: queued for the main thread's idle time) and
 * Object.emit_signal (main thread). Looked up by name and the 4.3 hash, like
 * every other bind; any other bind is unimplemented. */
#define HASH_EMIT_SIGNAL 4047867050LL
#define HASH_CALL_DEFERRED 3400424181LL
#define HASH_ADD_FORMAT_LOADER 2896595483LL
#define HASH_REMOVE_FORMAT_LOADER 405397102LL
#define HASH_GET_FILE_AS_BYTES 659035735LL
static char MB_EMIT_SIGNAL, MB_CALL_DEFERRED, MB_ADD_LOADER, MB_REMOVE_LOADER, MB_FILE_AS_BYTES;

/* ResourceLoader: the singleton and the format loaders registered with it. */
static HObj *g_resource_loader;
HObj *gd_format_loaders[16];
int gd_nformat_loaders;

static void *gdi_global_get_singleton(const void *name) {
    const char *n = gd_sn(name);
    if (strcmp(n, "ResourceLoader")) gd_die_unimplemented("UNIMPLEMENTED singleton %s", n);
    if (!g_resource_loader) {
        HObj *o = gd_xmalloc(sizeof *o);
        memset(o, 0, sizeof *o);
        o->magic = MAGIC_OBJ;
        o->native_class = gd_find_class("ResourceLoader")->name;
        o->id = next_id++;
        g_resource_loader = o; /* engine-owned for the whole run: not in the object list */
    }
    return g_resource_loader;
}

static pthread_mutex_t g_deferred_lock = PTHREAD_MUTEX_INITIALIZER;
static Deferred *g_deferred_head, *g_deferred_tail;
static Emitted *g_emitted_head, *g_emitted_tail;
pthread_t gd_main_thread;

static void *gdi_classdb_get_method_bind(const void *class_name, const void *method_name, gd_int hash) {
    const char *c = gd_sn(class_name), *m = gd_sn(method_name);
    if (!strcmp(c, "Object") && !strcmp(m, "emit_signal") && hash == HASH_EMIT_SIGNAL) return &MB_EMIT_SIGNAL;
    if (!strcmp(c, "Object") && !strcmp(m, "call_deferred") && hash == HASH_CALL_DEFERRED) return &MB_CALL_DEFERRED;
    if (!strcmp(c, "ResourceLoader") && !strcmp(m, "add_resource_format_loader") && hash == HASH_ADD_FORMAT_LOADER)
        return &MB_ADD_LOADER;
    if (!strcmp(c, "ResourceLoader") && !strcmp(m, "remove_resource_format_loader") && hash == HASH_REMOVE_FORMAT_LOADER)
        return &MB_REMOVE_LOADER;
    if (!strcmp(c, "FileAccess") && !strcmp(m, "get_file_as_bytes") && hash == HASH_GET_FILE_AS_BYTES)
        return &MB_FILE_AS_BYTES;
    gd_die_unimplemented("UNIMPLEMENTED method bind %s.%s hash %lld", c, m, (long long)hash);
}

static void gdi_object_method_bind_call(void *mb, void *obj, const void *const *args, gd_int argc, void *r_ret,
                                        GDCallError *r_error) {
    HObj *o = gd_obj_check(obj);
    r_error->error = 0;
    if (mb == &MB_ADD_LOADER || mb == &MB_REMOVE_LOADER) {
        const HVariant *arg = argc >= 1 ? gd_var_check(args[0]) : NULL;
        if (o != g_resource_loader || !arg || arg->type != VT_OBJECT || !arg->u.p) {
            r_error->error = 2;
            gd_var_nil((HVariant *)r_ret);
            return;
        }
        HObj *loader = gd_obj_check(arg->u.p);
        if (mb == &MB_ADD_LOADER) {
            if (gd_nformat_loaders < 16) gd_format_loaders[gd_nformat_loaders++] = loader;
        } else {
            int found = 0;
            for (int i = 0; i < gd_nformat_loaders; i++)
                if (gd_format_loaders[i] == loader) {
                    gd_format_loaders[i] = gd_format_loaders[--gd_nformat_loaders];
                    found = 1;
                    break;
                }
            if (!found) gd_host_error("remove_resource_format_loader", "loader was not registered");
        }
        gd_var_nil((HVariant *)r_ret);
        return;
    }
    if (argc < 1 || gd_var_check(args[0])->type != VT_STRING_NAME) {
        r_error->error = 2; /* the first argument of both is a StringName */
        gd_var_nil((HVariant *)r_ret);
        return;
    }
    if (mb == &MB_EMIT_SIGNAL) {
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
    if (mb == &MB_CALL_DEFERRED) {
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
        return;
    }
    gd_fatal("object_method_bind_call: unknown method bind %p", mb);
}

/* FileAccess.get_file_as_bytes(path): res:// from mounted packs, then the res root. */
static void gdi_object_method_bind_ptrcall(void *mb, void *obj, const void *const *args, void *r_ret) {
    if (mb != &MB_FILE_AS_BYTES) gd_fatal("object_method_bind_ptrcall: unknown method bind %p", mb);
    if (obj != NULL) gd_host_error("FileAccess.get_file_as_bytes", "static method called with an instance");
    const char *path = gd_s(args[0]);
    size_t n = 0;
    unsigned char *bytes = gd_res_read(path, &n);
    if (!bytes) {
        gd_host_error("FileAccess.get_file_as_bytes", "Can't open file from path '%s'.", path);
        return; /* r_ret stays the empty array, as in Godot */
    }
    gd_packed_resize(r_ret, VT_PACKED_BYTE_ARRAY, (int64_t)n);
    if (n) memcpy(gd_packed_at(r_ret, VT_PACKED_BYTE_ARRAY, 0, 1), bytes, n);
    free(bytes);
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

#define F(n) { #n, (GDAnyFunc)gdi_##n },
static const struct {
    const char *name;
    GDAnyFunc fn;
} classdb_iface[] = {
    F(classdb_construct_object) F(classdb_get_class_tag)
    F(classdb_register_extension_class3) F(classdb_register_extension_class_method)
    F(classdb_register_extension_class_integer_constant) F(classdb_register_extension_class_property)
    F(classdb_register_extension_class_property_group) F(classdb_register_extension_class_property_subgroup)
    F(classdb_register_extension_class_signal) F(classdb_unregister_extension_class)
    F(object_set_instance) F(object_get_instance_binding) F(object_set_instance_binding) F(object_destroy)
    F(object_get_instance_id) F(object_get_instance_from_id) F(object_get_class_name)
    F(classdb_get_method_bind) F(object_method_bind_call) F(object_method_bind_ptrcall) F(global_get_singleton)
};

GDAnyFunc gd_classdb_proc(const char *name) {
    for (size_t i = 0; i < sizeof classdb_iface / sizeof classdb_iface[0]; i++)
        if (!strcmp(classdb_iface[i].name, name)) return classdb_iface[i].fn;
    return NULL;
}
