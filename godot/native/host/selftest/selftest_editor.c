/* The editor side: SelfEditorPlugin adds the export plugin SelfExporter. */
/* Both extend the editor's classes; SelfExporter asks an export for a file, a folder and a generated file. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

static void *mb_add_export_plugin, *mb_remove_export_plugin, *mb_add_shared_object, *mb_add_file, *mb_get_os_name;
void load_editor_binds(void) {
    mb_add_export_plugin = method_bind("EditorPlugin", "add_export_plugin", 4095952207);
    mb_remove_export_plugin = method_bind("EditorPlugin", "remove_export_plugin", 4095952207);
    mb_add_shared_object = method_bind("EditorExportPlugin", "add_shared_object", 3098291045);
    mb_add_file = method_bind("EditorExportPlugin", "add_file", 527928637);
    mb_get_os_name = method_bind("EditorExportPlatform", "get_os_name", 201670096);
}

static void *g_exporter;

/* A vararg-style engine call with Variant arguments; reports a call error on stderr. */
static void call_bind(void *mb, void *obj, Var *args, int argc) {
    const void *argv[4];
    for (int i = 0; i < argc; i++) argv[i] = &args[i];
    Var ret;
    GDCallError err = { 0, 0, 0 };
    bind_call(mb, obj, argv, argc, &ret, &err);
    if (err.error) fprintf(stderr, "selftest: editor bind call error %d\n", err.error);
    variant_destroy(&ret);
}

/* SelfEditorPlugin._enter_tree / _exit_tree: add and remove the export plugin */
static void v_editor_enter_tree(void *inst, const void *const *args, void *ret) {
    (void)args; (void)ret;
    Adder *self = inst;
    g_exporter = instance_create((void *)&C_EXPORTER);
    Var a;
    from_type[VT_OBJECT](&a, &g_exporter);
    call_bind(mb_add_export_plugin, self->object, &a, 1);
    variant_destroy(&a);
}
static void v_editor_exit_tree(void *inst, const void *const *args, void *ret) {
    (void)args; (void)ret;
    Adder *self = inst;
    Var a;
    from_type[VT_OBJECT](&a, &g_exporter);
    call_bind(mb_remove_export_plugin, self->object, &a, 1);
    variant_destroy(&a);
    object_destroy(g_exporter); /* the last reference (gdhost does not count RefCounted's) */
    g_exporter = NULL;
}
static GDAnyFunc editor_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_enter_tree")) return (GDAnyFunc)v_editor_enter_tree;
    if (sn_is(name, "_exit_tree")) return (GDAnyFunc)v_editor_exit_tree;
    return NULL;
}

/* SelfExporter: _get_name, _supports_platform (get_os_name is "Linux"), _export_begin */
static void v_exporter_name(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    Str name;
    string_new(&name, "SelfExporter");
    assign_move(VT_STRING, ret, &name);
}
static void v_exporter_supports(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Str os;
    ctor0[VT_STRING](&os, NULL);
    bind_ptrcall(mb_get_os_name, arg_object(args[0]), NULL, &os);
    char buf[64];
    utf8_of(&os, buf, sizeof buf);
    destroy(VT_STRING, &os);
    *(uint8_t *)ret = strcmp(buf, "Linux") == 0;
}
/* res://out/hello.note beside the executable, res://out as a folder in data/, the features as
 * its tags, and a generated file */
static void v_exporter_begin(void *inst, const void *const *args, void *ret) {
    (void)ret;
    Adder *self = inst;
    Var a[3];
    Str s;
    string_new(&s, "res://out/hello.note");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    from_type[VT_PACKED_STRING_ARRAY](&a[1], (void *)args[0]);
    string_new(&s, "");
    from_type[VT_STRING](&a[2], &s);
    destroy(VT_STRING, &s);
    call_bind(mb_add_shared_object, self->object, a, 3);
    variant_destroy(&a[0]);
    variant_destroy(&a[2]);
    string_new(&s, "res://out");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    string_new(&s, "data");
    from_type[VT_STRING](&a[2], &s);
    destroy(VT_STRING, &s);
    call_bind(mb_add_shared_object, self->object, a, 3);
    for (int i = 0; i < 3; i++) variant_destroy(&a[i]);
    Packed bytes;
    ctor0[VT_PACKED_BYTE_ARRAY](&bytes, NULL);
    pba_append(&bytes, (const uint8_t *)"abc", 3);
    uint8_t remap = 0;
    string_new(&s, "res://generated.bin");
    from_type[VT_STRING](&a[0], &s);
    destroy(VT_STRING, &s);
    from_type[VT_PACKED_BYTE_ARRAY](&a[1], &bytes);
    destroy(VT_PACKED_BYTE_ARRAY, &bytes);
    from_type[VT_BOOL](&a[2], &remap);
    call_bind(mb_add_file, self->object, a, 3);
    for (int i = 0; i < 3; i++) variant_destroy(&a[i]);
}
static GDAnyFunc exporter_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_get_name")) return (GDAnyFunc)v_exporter_name;
    if (sn_is(name, "_supports_platform")) return (GDAnyFunc)v_exporter_supports;
    if (sn_is(name, "_export_begin")) return (GDAnyFunc)v_exporter_begin;
    return NULL;
}

/* At EDITOR: both classes, and the plugin handed to the editor */
void register_editor(void) {
    load_editor_binds();
    register_class(&C_EXPORTER, NULL, 0, (GDAnyFunc)exporter_virtual);
    register_class(&C_EDITOR, NULL, 0, (GDAnyFunc)editor_virtual);
    Str cls;
    string_name_new(&cls, C_EDITOR.name);
    editor_add_plugin(&cls);
    destroy(VT_STRING_NAME, &cls);
}

void unregister_editor(void) {
    Str cls;
    string_name_new(&cls, C_EDITOR.name);
    editor_remove_plugin(&cls);
    unregister_class(library, &cls);
    destroy(VT_STRING_NAME, &cls);
    string_name_new(&cls, C_EXPORTER.name);
    unregister_class(library, &cls);
    destroy(VT_STRING_NAME, &cls);
}
