/* The editor: editor_add/remove_plugin and the EditorPlugin/EditorExportPlugin binds (Godot 4.3). */
#include "gdhost.h"

#include <stdlib.h>
#include <string.h>

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

void gd_editor_bind_call(int id, HObj *o, const void *const *args, gd_int argc, GDCallError *r_error) {
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

static const GdProc editor_iface[] = {
    GD_PROC(editor_add_plugin) GD_PROC(editor_remove_plugin)
};

GDAnyFunc gd_editor_proc(const char *name) { return GD_PROC_FIND(editor_iface, name); }
