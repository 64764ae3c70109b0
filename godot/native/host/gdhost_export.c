/* Scenario commands expect_editor_plugins and export (Godot 4.3's EditorNode, EditorExportPlatformPC). */
#include "gdhost_scenario.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* expect_editor_plugins NAME... : exactly these classes were handed to editor_add_plugin. */
void cmd_expect_editor_plugins(Cur *c) {
    char names[16][128];
    int n = 0;
    while (!at_end(c) && n < 16)
        if (!parse_word(c, names[n++], sizeof names[0])) { FAIL("expect_editor_plugins: %s", c->err); return; }
    printf("editor plugins:");
    for (int i = 0; i < gd_neditor_plugins; i++) printf(" %s", gd_editor_plugins[i]);
    printf("\n");
    int ok = n == gd_neditor_plugins;
    for (int i = 0; ok && i < n; i++) ok = !strcmp(names[i], gd_editor_plugins[i]);
    if (!ok) FAIL("expect_editor_plugins: the extension added %d editor plugin class(es), not the %d expected", gd_neditor_plugins, n);
}

static int mkdirs(const char *path) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* DirAccess::copy: the bytes only (no permission bits are carried over). */
static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb");
    if (!in) return -1;
    FILE *out = fopen(to, "wb");
    if (!out) { fclose(in); return -1; }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) { rc = -1; break; }
    if (ferror(in)) rc = -1;
    fclose(in);
    if (fclose(out) != 0) rc = -1;
    return rc;
}

/* DirAccess::copy_dir(from, to, -1, copy_links = true): recursive; symbolic links inside
 * stay links. Returns the number of files copied, or -1. */
static long copy_dir(const char *from, const char *to) {
    DIR *d = opendir(from);
    if (!d || mkdirs(to) != 0) { if (d) closedir(d); return -1; }
    long files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char src[PATH_MAX], dst[PATH_MAX];
        snprintf(src, sizeof src, "%s/%s", from, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
        struct stat st;
        if (lstat(src, &st) != 0) { files = -1; break; }
        if (S_ISLNK(st.st_mode)) {
            char link[PATH_MAX];
            ssize_t n = readlink(src, link, sizeof link - 1);
            if (n < 0) { files = -1; break; }
            link[n] = 0;
            if (symlink(link, dst) != 0) { files = -1; break; }
            files++;
        } else if (S_ISDIR(st.st_mode)) {
            long sub = copy_dir(src, dst);
            if (sub < 0) { files = -1; break; }
            files += sub;
        } else {
            if (copy_file(src, dst) != 0) { files = -1; break; }
            files++;
        }
    }
    closedir(d);
    return files;
}

/* EditorExportPlatformPC::export_project_data for one shared object: <export dir>/<target>/<file>;
 * a folder is copied recursively. */
static void export_shared_object(const char *path, const char *target, const char *export_dir) {
    char src[8192], dst[2 * 8192 + 2 * PATH_MAX];
    if (!strncmp(path, "res://", 6)) {
        GdLocation loc;
        if (gd_res_locate(path, 0, &loc) != GD_OK || loc.in_pack) { FAIL("export: cannot globalize %s", path); return; }
        snprintf(src, sizeof src, "%s", loc.os_path);
    } else {
        snprintf(src, sizeof src, "%s", path);
    }
    const char *file = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    if (*target) snprintf(dst, sizeof dst, "%s/%s", export_dir, target);
    else snprintf(dst, sizeof dst, "%s", export_dir);
    if (mkdirs(dst) != 0) { FAIL("export: cannot make %s", dst); return; }
    snprintf(dst + strlen(dst), sizeof dst - strlen(dst), "/%s", file);
    struct stat st;
    if (stat(src, &st) != 0) { gd_host_error("export_project_data", "Cannot copy '%s': no such file or folder.", src); return; }
    if (S_ISDIR(st.st_mode)) {
        long n = copy_dir(src, dst);
        if (n < 0) FAIL("export: copying the folder %s to %s failed", src, dst);
        else printf("  copied folder -> %s (%ld files)\n", dst, n);
    } else if (copy_file(src, dst) != 0) {
        FAIL("export: copying %s to %s failed", src, dst);
    } else {
        printf("  copied -> %s\n", dst);
    }
}

/* export "OS_NAME" FEATURES DEBUG "PATH": what Godot 4.3's editor does for an export to PATH,
 * for the parts an extension takes part in: the editor instantiates each class handed to
 * editor_add_plugin and it enters the tree (_enter_tree); ExportNotifier calls every export
 * plugin's _export_begin(features, is_debug, path, flags = 0) (whatever _supports_platform
 * says, printed for the record; _get_name is required); the shared objects they add are copied
 * as EditorExportPlatformPC::export_project_data does, after the GDExtension library itself
 * (Godot's GDExtensionExportPlugin adds it with an empty target: beside the executable); then
 * _export_end, and the plugins leave the tree (_exit_tree) and are freed. */
void cmd_export(Cur *c) {
    HVariant osv, featv, dbgv, pathv;
    if (!parse_value(c, &osv) || osv.type != VT_STRING) { FAIL("export: expected the platform's OS name (\"Linux\")"); return; }
    if (!parse_value(c, &featv) || featv.type != VT_PACKED_STRING_ARRAY) { FAIL("export: expected the features as a PackedStringArray"); gd_var_destroy(&osv); return; }
    if (!parse_value(c, &dbgv) || dbgv.type != VT_BOOL) { FAIL("export: expected true|false (debug)"); gd_var_destroy(&osv); gd_var_destroy(&featv); return; }
    if (!parse_value(c, &pathv) || pathv.type != VT_STRING) { FAIL("export: expected the export path"); gd_var_destroy(&osv); gd_var_destroy(&featv); return; }
    const char *export_path = gd_s(pathv.u.raw);
    char export_dir[PATH_MAX];
    snprintf(export_dir, sizeof export_dir, "%s", export_path);
    char *slash = strrchr(export_dir, '/');
    if (slash) *slash = 0; else snprintf(export_dir, sizeof export_dir, ".");

    HObj *plugins[GD_MAX_FORMATS];
    int np = 0;
    for (int i = 0; i < gd_neditor_plugins; i++) {
        HClass *k = gd_find_class(gd_editor_plugins[i]);
        if (!k || k->native || !k->info.create_instance_func) { FAIL("export: editor plugin class %s cannot be instantiated", gd_editor_plugins[i]); continue; }
        HObj *o = gd_obj_check(k->info.create_instance_func(k->info.class_userdata));
        if (o->ext != k || !o->instance) { FAIL("export: create_instance_func of %s did not set the instance", k->name); continue; }
        plugins[np++] = o;
        CallVirtual enter = find_virtual(o, "_enter_tree");
        if (enter) enter(o->instance, NULL, NULL);
    }
    printf("editor: %d plugin(s) in the tree, %d export plugin(s)\n", np, gd_nexport_plugins);

    HObj *platform = gd_obj_new_native("EditorExportPlatform");
    platform->os_name = gd_xstrdup(gd_s(osv.u.raw));
    HStr *pstr = gd_str_new(VT_STRING, export_path, strlen(export_path));
    uint8_t debug = dbgv.u.b;
    int64_t flags = 0;
    for (int i = 0; i < gd_nexport_plugins; i++) {
        HObj *ep = gd_export_plugins[i];
        CallVirtual fn = ep->ext ? find_virtual(ep, "_get_name") : NULL;
        HStr *name = NULL;
        if (!fn) gd_host_error("EditorExportPlugin::get_name", "Required virtual method %s::_get_name must be overridden before calling.", gd_obj_class_name(ep));
        else fn(ep->instance, NULL, &name);
        uint8_t supports = 1;
        fn = ep->ext ? find_virtual(ep, "_supports_platform") : NULL;
        if (fn) {
            void *ref = platform;
            const void *a[1] = { &ref };
            supports = 0;
            fn(ep->instance, a, &supports);
        }
        printf("export plugin %s name \"%s\" supports %s: %s\n", gd_obj_class_name(ep), name ? gd_str_cstr(name) : "",
               platform->os_name, supports ? "true" : "false");
        gd_str_release(name);
        fn = ep->ext ? find_virtual(ep, "_export_begin") : NULL;
        if (fn) {
            const void *a[4] = { featv.u.raw, &debug, &pstr, &flags };
            fn(ep->instance, a, NULL);
        }
    }
    printf("shared_object \"%s\" target \"\" (the GDExtension library)\n", g_lib_path);
    export_shared_object(g_lib_path, "", export_dir);
    for (int i = 0; i < gd_nexported; i++) {
        GdExported *e = &gd_exported[i];
        if (e->is_file) {
            printf("file \"%s\" %lld bytes (from %s)\n", e->path, (long long)e->size, gd_obj_class_name(e->owner));
        } else {
            Buf b = {0};
            gd_repr_val(&b, VT_PACKED_STRING_ARRAY, e->tags, 1);
            printf("shared_object \"%s\" tags %s target \"%s\"\n", e->path, b.p, e->target);
            free(b.p);
            export_shared_object(e->path, e->target, export_dir);
        }
        free(e->path);
        free(e->target);
        gd_val_destroy(VT_PACKED_STRING_ARRAY, e->tags);
    }
    printf("=> %d shared object(s) and file(s) from export plugins\n", gd_nexported);
    gd_nexported = 0;
    for (int i = 0; i < gd_nexport_plugins; i++) {
        HObj *ep = gd_export_plugins[i];
        CallVirtual fn = ep->ext ? find_virtual(ep, "_export_end") : NULL;
        if (fn) fn(ep->instance, NULL, NULL);
    }
    for (int i = 0; i < np; i++) {
        CallVirtual exit_tree = find_virtual(plugins[i], "_exit_tree");
        if (exit_tree) exit_tree(plugins[i]->instance, NULL, NULL);
        gd_obj_delete(plugins[i]); /* EditorNode frees its plugins */
    }
    if (gd_nexport_plugins > 0) FAIL("export: %d export plugin(s) still added after every editor plugin left the tree", gd_nexport_plugins);
    gd_str_release(pstr);
    gd_obj_delete(platform);
    gd_var_destroy(&osv);
    gd_var_destroy(&featv);
    gd_var_destroy(&pathv);
}
