/* Scenario commands load, save (ResourceLoader/Saver), write_pack, read_log, expect_streamed. */
#include "gdhost_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- ResourceLoader.load as Godot does it: ask each registered format loader
 * for its extensions (virtual _get_recognized_extensions), then call its _load
 * virtual; results are cached by path while the object lives (CACHE_MODE_REUSE). */
static struct { char *path; HObj *obj; } g_cache[64];
static int g_ncache;

CallVirtual find_virtual(HObj *loader, const char *name) {
    GetVirtual get = (GetVirtual)loader->ext->info.get_virtual_func;
    if (!get) return NULL;
    HStr *sn = gd_str_new(VT_STRING_NAME, name, strlen(name));
    CallVirtual fn = get(loader->ext->info.class_userdata, &sn);
    gd_str_release(sn);
    return fn;
}

/* String::get_extension(): after the last '.', if that is in the file name. */
static const char *path_extension(const char *path) {
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* _get_recognized_extensions (args: none for a loader, the resource for a saver), matched
 * case-insensitively as ResourceFormatLoader/Saver::recognize_path do. */
static int recognizes(HObj *fmt, const void *const *args, const char *ext) {
    CallVirtual fn = find_virtual(fmt, "_get_recognized_extensions");
    if (!fn) return 0;
    unsigned char list[16];
    gd_val_default(VT_PACKED_STRING_ARRAY, list);
    fn(fmt->instance, args, list);
    int found = 0;
    HPacked *p = gd_packed_get(list, VT_PACKED_STRING_ARRAY);
    for (int64_t i = 0; p && i < gd_packed_len(p) && !found; i++)
        found = !strcasecmp(gd_s(gd_packed_at(list, VT_PACKED_STRING_ARRAY, i, 0)), ext);
    gd_val_destroy(VT_PACKED_STRING_ARRAY, list);
    return found;
}

void cmd_load(Cur *c) {
    char var[128];
    HVariant pathv;
    if (!parse_word(c, var, sizeof var) || !parse_value(c, &pathv)) { FAIL("load: %s", c->err); return; }
    if (pathv.type != VT_STRING) { FAIL("load: the path must be a string"); gd_var_destroy(&pathv); return; }
    const char *path = gd_s(pathv.u.raw);
    HObj *obj = NULL;
    for (int i = 0; i < g_ncache; i++)
        if (!strcmp(g_cache[i].path, path)) obj = g_cache[i].obj;
    if (obj) {
        printf("=> (cached) ");
    } else {
        const char *ext = path_extension(path);
        HObj *loader = NULL;
        for (int i = 0; i < gd_nformat_loaders && !loader; i++)
            if (*ext && recognizes(gd_format_loaders[i], NULL, ext)) loader = gd_format_loaders[i];
        CallVirtual load = loader ? find_virtual(loader, "_load") : NULL;
        if (!load) {
            gd_host_error("ResourceLoader::load", "No loader found for resource: %s", path);
        } else {
            HStr *p1 = gd_str_new(VT_STRING, path, strlen(path)), *p2 = gd_str_new(VT_STRING, path, strlen(path));
            uint8_t threads = 0;
            int64_t cache_mode = 1;
            const void *argv[4] = { &p1, &p2, &threads, &cache_mode };
            HVariant ret;
            gd_var_nil(&ret);
            load(loader->instance, argv, &ret);
            gd_str_release(p1);
            gd_str_release(p2);
            if (ret.type == VT_OBJECT && ret.u.p) {
                obj = gd_obj_check(ret.u.p);
                if (g_ncache < 64) g_cache[g_ncache++].path = gd_xstrdup(path), g_cache[g_ncache - 1].obj = obj;
            } else {
                char *r = gd_repr(&ret);
                gd_host_error("ResourceLoader::load", "Failed loading resource: %s (loader returned %s)", path, r);
                free(r);
            }
            gd_var_destroy(&ret);
        }
    }
    gd_var_destroy(&pathv);
    if (!obj) { printf("=> null\n"); return; }
    bind_var(var, obj);
    print_object(obj);
}

void forget_cached(HObj *o) {
    for (int i = 0; i < g_ncache; i++)
        if (g_cache[i].obj == o) {
            free(g_cache[i].path);
            g_cache[i] = g_cache[--g_ncache];
            i--;
        }
}

/* save VAR "path" == ERR: ResourceSaver::save(resource, path, flags = 0) of Godot 4.3 with
 * the registered savers: the first one that _recognize()s the resource and recognizes the
 * path (_recognize_path if the saver has it, else its extensions, case-insensitively) gets
 * _save(); a failing _save lets the next saver try; the last error is returned. */
void cmd_save(Cur *c) {
    char var[128];
    HVariant pathv, want;
    if (!parse_word(c, var, sizeof var) || !parse_value(c, &pathv)) { FAIL("save: %s", c->err); return; }
    if (pathv.type != VT_STRING) { FAIL("save: the path must be a string"); gd_var_destroy(&pathv); return; }
    skip_ws(c);
    if (c->s[0] != '=' || c->s[1] != '=') { FAIL("save: missing '== ERR'"); gd_var_destroy(&pathv); return; }
    c->s += 2;
    if (!parse_value(c, &want) || want.type != VT_INT) { FAIL("save: expected an Error number after '=='"); gd_var_destroy(&pathv); return; }
    Var *v = find_var(var);
    if (!v) { FAIL("unknown variable '%s'", var); gd_var_destroy(&pathv); return; }
    if (!gd_class_inherits(v->obj, "Resource")) { FAIL("save: %s is a %s, not a Resource", var, gd_obj_class_name(v->obj)); gd_var_destroy(&pathv); return; }
    const char *path = gd_s(pathv.u.raw);
    if (!*path) /* Godot falls back to resource_path: the path the resource was loaded from */
        for (int i = 0; i < g_ncache; i++)
            if (g_cache[i].obj == v->obj) path = g_cache[i].path;
    int64_t err = GD_ERR_FILE_UNRECOGNIZED;
    int tried = 0;
    if (!*path) {
        gd_host_error("ResourceSaver::save", "Can't save resource to empty path. Provide non-empty path or a Resource with non-empty resource_path.");
        err = GD_ERR_INVALID_PARAMETER;
    }
    void *res = v->obj; /* a Ref<Resource> argument: a slot holding the Object* */
    HStr *pstr = gd_str_new(VT_STRING, path, strlen(path));
    const char *ext = path_extension(path);
    for (int i = 0; *path && i < gd_nformat_savers; i++) {
        HObj *s = gd_format_savers[i];
        const void *a1[1] = { &res };
        uint8_t yes = 0; /* GDVIRTUAL_CALL leaves the default when the virtual is missing */
        CallVirtual fn = find_virtual(s, "_recognize");
        if (fn) fn(s->instance, a1, &yes);
        if (!yes) continue;
        fn = find_virtual(s, "_recognize_path");
        if (fn) {
            const void *a2[2] = { &res, &pstr };
            yes = 0;
            fn(s->instance, a2, &yes);
        } else {
            yes = *ext && recognizes(s, a1, ext);
        }
        if (!yes) continue;
        tried = 1;
        fn = find_virtual(s, "_save");
        int64_t flags = 0, r = GD_ERR_METHOD_NOT_FOUND;
        const void *a3[3] = { &res, &pstr, &flags };
        if (fn) fn(s->instance, a3, &r);
        err = r;
        if (err == GD_OK) break;
    }
    if (*path && !tried)
        gd_host_error("ResourceSaver::save", "Can't save resource %s to '%s': file format unrecognized (no ResourceFormatSaver takes it).",
                      gd_obj_class_name(v->obj), path);
    gd_str_release(pstr);
    printf("=> %lld\n", (long long)err);
    if (err != want.u.i) FAIL("save %s \"%s\" returned %lld, expected %lld", var, path, (long long)err, (long long)want.u.i);
    gd_var_destroy(&pathv);
}

/* write_pack "<out.pck>" VERSION "res://dest" "<src>" ... ; a source of `removal` makes a
 * PACK_FILE_REMOVAL entry (format 3). */
void cmd_write_pack(Cur *c) {
    HVariant out;
    if (!parse_value(c, &out) || out.type != VT_STRING) { FAIL("write_pack: expected the output path string"); return; }
    int ok;
    long version = parse_long(c, &ok);
    char *dest[64], *src[64];
    int n = 0;
    if (!ok) FAIL("write_pack: expected the format version (2 or 3)");
    while (ok && !at_end(c)) {
        if (n == 64) { FAIL("write_pack: at most 64 files"); ok = 0; break; }
        HVariant d;
        if (!parse_value(c, &d) || d.type != VT_STRING) { FAIL("write_pack: expected a \"res://dest\" string"); ok = 0; break; }
        dest[n] = gd_xstrdup(gd_s(d.u.raw));
        gd_var_destroy(&d);
        skip_ws(c);
        if (!strncmp(c->s, "removal", 7)) {
            c->s += 7;
            src[n++] = NULL;
        } else if (parse_value(c, &d) && d.type == VT_STRING) {
            src[n++] = gd_xstrdup(gd_s(d.u.raw));
            gd_var_destroy(&d);
        } else {
            if (d.type != VT_NIL) gd_var_destroy(&d);
            FAIL("write_pack: expected a source file string or `removal` after \"%s\"", dest[n]);
            free(dest[n]);
            ok = 0;
        }
    }
    if (ok) {
        if (gd_pck_write(gd_s(out.u.raw), (int)version, n, (const char *const *)dest, (const char *const *)src))
            printf("=> wrote %s (format %ld, %d files)\n", gd_s(out.u.raw), version, n);
        else
            FAIL("write_pack %s failed", gd_s(out.u.raw));
    }
    for (int i = 0; i < n; i++) { free(dest[i]); free(src[i]); }
    gd_var_destroy(&out);
}

/* read_log / expect_streamed "res://x" */
void cmd_read_log(Cur *c, int check) {
    HVariant p;
    if (!parse_value(c, &p) || p.type != VT_STRING) { FAIL("%s: expected a path string", check ? "expect_streamed" : "read_log"); return; }
    char why[512];
    if (!gd_read_log_report(gd_s(p.u.raw), check, why, sizeof why)) FAIL("expect_streamed %s: %s", gd_s(p.u.raw), why);
    else if (check) printf("ok: %s was streamed\n", gd_s(p.u.raw));
    gd_var_destroy(&p);
}
