/* ClassDB: the native classes, extension class registration (Godot 4.3 semantics), classinfo. */
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


static const GdProc classdb_iface[] = {
    GD_PROC(classdb_get_class_tag)
    GD_PROC(classdb_register_extension_class3) GD_PROC(classdb_register_extension_class_method)
    GD_PROC(classdb_register_extension_class_integer_constant) GD_PROC(classdb_register_extension_class_property)
    GD_PROC(classdb_register_extension_class_property_group) GD_PROC(classdb_register_extension_class_property_subgroup)
    GD_PROC(classdb_register_extension_class_signal) GD_PROC(classdb_unregister_extension_class)
};

GDAnyFunc gd_classdb_proc(const char *name) { return GD_PROC_FIND(classdb_iface, name); }
