/* The selftest's instances, the Variant calls every method goes through, registration helpers. */
#include "selftest.h"

#include <stdlib.h>
#include <string.h>

const ClassDesc C_ADDER = { "Adder", "RefCounted" }, C_NOTE = { "Note", "Resource" },
                C_PROBE = { "FileProbe", "RefCounted" }, C_NOTE_SAVER = { "NoteSaver", "ResourceFormatSaver" },
                C_FRONT_SAVER = { "FrontSaver", "ResourceFormatSaver" },
                C_EDITOR = { "SelfEditorPlugin", "EditorPlugin" }, C_EXPORTER = { "SelfExporter", "EditorExportPlugin" };

static int binding_token;
static const GDInstanceBindingCallbacks binding_callbacks = { NULL, NULL, NULL };

void *instance_create(void *class_userdata) {
    const ClassDesc *d = class_userdata;
    Str cls, base;
    string_name_new(&base, d->parent);
    string_name_new(&cls, d->name);
    void *obj = construct_object(&base);
    Adder *a = calloc(1, sizeof *a);
    a->object = obj;
    a->factor = 1.0;
    object_set_instance(obj, &cls, a);
    object_set_instance_binding(obj, &binding_token, a, &binding_callbacks);
    destroy(VT_STRING_NAME, &cls);
    destroy(VT_STRING_NAME, &base);
    return obj;
}

void instance_free(void *class_userdata, void *instance) {
    (void)class_userdata;
    free(instance);
}

/* Our instance behind an Object* (through the binding set at creation). */
Adder *instance_of(void *obj) { return object_get_instance_binding(obj, &binding_token, NULL); }


/* Variant call: convert arguments (like godot-cpp), fill defaults, run the ptr-style impl. */
static void call_func(void *ud, void *inst, const void *const *args, gd_int argc, void *r_ret, GDCallError *err) {
    const MDesc *m = ud;
    if (argc > m->argc) { err->error = CALL_ERROR_TOO_MANY_ARGUMENTS; err->expected = m->argc; return; }
    if (argc < m->argc - m->ndef) { err->error = CALL_ERROR_TOO_FEW_ARGUMENTS; err->expected = m->argc - m->ndef; return; }
    _Alignas(8) unsigned char slots[3][16];
    const void *argv[3];
    int built = 0;
    for (int i = 0; i < m->argc; i++) {
        int t = m->types[i];
        if (i >= argc) { /* default (int) */
            memcpy(slots[i], &m->def_int, 8);
            argv[i] = slots[i];
            built = i + 1;
            continue;
        }
        if (t == VARIANT_ARG) { argv[i] = args[i]; built = i + 1; continue; }
        int vt = variant_get_type(args[i]);
        if (vt == t) to_type[t](slots[i], (void *)args[i]);
        else if (t == VT_FLOAT && vt == VT_INT) {
            int64_t iv;
            to_type[VT_INT](&iv, (void *)args[i]);
            *(double *)slots[i] = (double)iv;
        } else {
            for (int j = 0; j < built; j++)
                if (m->types[j] != VARIANT_ARG) destroy(m->types[j], slots[j]);
            err->error = CALL_ERROR_INVALID_ARGUMENT;
            err->argument = i;
            err->expected = t;
            return;
        }
        argv[i] = slots[i];
        built = i + 1;
    }
    if (m->has_ret && m->ret == VARIANT_ARG) {
        m->impl(inst, argv, r_ret);
    } else if (m->has_ret) {
        _Alignas(8) unsigned char rslot[16];
        ctor0[m->ret](rslot, NULL);
        m->impl(inst, argv, rslot);
        from_type[m->ret](r_ret, rslot);
        destroy(m->ret, rslot);
    } else {
        m->impl(inst, argv, NULL);
    }
    for (int j = 0; j < built; j++)
        if (m->types[j] != VARIANT_ARG && j < argc) destroy(m->types[j], slots[j]);
}

static void ptrcall_func(void *ud, void *inst, const void *const *args, void *r_ret) {
    const MDesc *m = ud;
    m->impl(inst, args, r_ret);
}

/* ------------------------------------------------------------------ registration */

void make_pinfo(GDPropertyInfo *pi, Str *name, Str *cls, Str *hint, int type, const char *n, uint32_t hint_kind, const char *hint_text) {
    string_name_new(name, n ? n : "");
    string_name_new(cls, "");
    string_new(hint, hint_text ? hint_text : "");
    pi->type = type == VARIANT_ARG ? VT_NIL : type;
    pi->name = name;
    pi->class_name = cls;
    pi->hint = hint_kind;
    pi->hint_string = hint;
    pi->usage = PROPERTY_USAGE_DEFAULT | (type == VARIANT_ARG ? PROPERTY_USAGE_NIL_IS_VARIANT : 0);
}

void free_pinfo(GDPropertyInfo *pi) {
    destroy(VT_STRING_NAME, pi->name);
    destroy(VT_STRING_NAME, pi->class_name);
    destroy(VT_STRING, pi->hint_string);
}

/* Registers a class and its methods; get_virtual may be NULL. */
void register_class(const ClassDesc *desc, const MDesc *table, int n, GDAnyFunc get_virtual) {
    Str cls, parent;
    string_name_new(&cls, desc->name);
    string_name_new(&parent, desc->parent);
    GDClassCreationInfo3 info;
    memset(&info, 0, sizeof info);
    info.is_exposed = 1;
    info.create_instance_func = instance_create;
    info.free_instance_func = instance_free;
    info.get_virtual_func = get_virtual;
    info.class_userdata = (void *)desc;
    register_class3(library, &cls, &parent, &info);

    for (int i = 0; i < n; i++) {
        const MDesc *d = &table[i];
        Str mname, nm[4], cn[4], hs[4];
        GDPropertyInfo args[3], ret;
        int32_t meta[3] = { 0, 0, 0 };
        Var defv;
        void *defs[1] = { &defv };
        string_name_new(&mname, d->name);
        for (int j = 0; j < d->argc; j++) make_pinfo(&args[j], &nm[j], &cn[j], &hs[j], d->types[j], d->argnames[j], 0, NULL);
        make_pinfo(&ret, &nm[3], &cn[3], &hs[3], d->ret, NULL, 0, NULL);
        if (d->ndef) from_type[VT_INT](&defv, (void *)&d->def_int);
        GDClassMethodInfo mi = {
            .name = &mname, .method_userdata = (void *)d, .call_func = call_func, .ptrcall_func = ptrcall_func,
            .method_flags = d->flags, .has_return_value = (gd_bool)d->has_ret, .return_value_info = &ret,
            .return_value_metadata = d->ret == VT_FLOAT ? 10 /* REAL_IS_DOUBLE */ : 0,
            .argument_count = (uint32_t)d->argc, .arguments_info = args, .arguments_metadata = meta,
            .default_argument_count = (uint32_t)d->ndef, .default_arguments = d->ndef ? defs : NULL,
        };
        register_method(library, &cls, &mi);
        /* The host must have copied everything: destroy our temporaries right away. */
        if (d->ndef) variant_destroy(&defv);
        for (int j = 0; j < d->argc; j++) free_pinfo(&args[j]);
        free_pinfo(&ret);
        destroy(VT_STRING_NAME, &mname);
    }
    destroy(VT_STRING_NAME, &cls);
    destroy(VT_STRING_NAME, &parent);
}

void add_group(const char *cls_name, int sub, const char *name, const char *prefix_text) {
    Str cls, grp, prefix;
    string_name_new(&cls, cls_name);
    string_new(&grp, name);
    string_new(&prefix, prefix_text);
    (sub ? register_subgroup : register_group)(library, &cls, &grp, &prefix);
    destroy(VT_STRING, &grp);
    destroy(VT_STRING, &prefix);
    destroy(VT_STRING_NAME, &cls);
}

void add_property(const char *cls_name, int type, const char *name, uint32_t hint, const char *hint_text,
                         const char *setter_name, const char *getter_name) {
    Str cls, n1, c1, h1, setter, getter;
    GDPropertyInfo pi;
    string_name_new(&cls, cls_name);
    make_pinfo(&pi, &n1, &c1, &h1, type, name, hint, hint_text);
    string_name_new(&setter, setter_name);
    string_name_new(&getter, getter_name);
    register_property(library, &cls, &pi, &setter, &getter);
    free_pinfo(&pi);
    destroy(VT_STRING_NAME, &setter);
    destroy(VT_STRING_NAME, &getter);
    destroy(VT_STRING_NAME, &cls);
}
