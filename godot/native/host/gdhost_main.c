/* gdhost: loads a GDExtension like Godot 4.3 and drives it from a scenario file: loading, the
 * initialization levels, the scenario runner and its small commands, exit codes.
 * Usage: gdhost LIB.so ENTRY_SYMBOL SCENARIO_FILE */
#include "gdhost_scenario.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int g_library_token;
const char *g_lib_path = "";

const char *scn_path;
int scn_line;
int g_failed;

Var *vars;
int nvars;

/* The extension's initialization callbacks, for the init/deinit commands. */
static GDInitialization g_init;
static int g_minlvl;
static int g_initialized;

/* The highest level run: EDITOR(3) as in the editor, or SCENE(2) with GDHOST_MAX_LEVEL=2 as in
 * an exported game (export templates are built without the editor and never reach EDITOR). */
static int g_maxlvl = 3;

static void init_levels(void) {
    for (int l = g_minlvl; l <= g_maxlvl; l++) g_init.initialize(g_init.userdata, l);
    g_initialized = 1;
}

static void deinit_levels(void) {
    for (int l = g_maxlvl; l >= g_minlvl; l--) g_init.deinitialize(g_init.userdata, l);
    g_initialized = 0;
}

Var *find_var(const char *name) {
    for (int i = 0; i < nvars; i++)
        if (!strcmp(vars[i].name, name)) return &vars[i];
    return NULL;
}

void remove_var(Var *v) {
    free(v->name);
    *v = vars[--nvars];
}

Var *bind_var(const char *name, HObj *obj) {
    Var *v = find_var(name);
    if (v) {
        v->obj = obj;
        return v;
    }
    vars = gd_xrealloc(vars, sizeof(Var) * (size_t)(nvars + 1));
    vars[nvars] = (Var){ gd_xstrdup(name), obj };
    return &vars[nvars++];
}

static void run_line(char *line) {
    Cur c = { line, "" };
    char cmd[64];
    if (at_end(&c)) return;
    printf("> %s\n", line);
    parse_word(&c, cmd, sizeof cmd);
    if (!strcmp(cmd, "new")) cmd_new(&c);
    else if (!strcmp(cmd, "call")) cmd_call(&c, 0, 0);
    else if (!strcmp(cmd, "ptrcall")) cmd_call(&c, 1, 0);
    else if (!strcmp(cmd, "expect")) cmd_call(&c, 0, 1);
    else if (!strcmp(cmd, "get")) cmd_prop(&c, 0);
    else if (!strcmp(cmd, "set")) cmd_prop(&c, 1);
    else if (!strcmp(cmd, "free")) cmd_free(&c);
    else if (!strcmp(cmd, "classinfo")) {
        char cls[128];
        if (!parse_word(&c, cls, sizeof cls)) { FAIL("classinfo: %s", c.err); return; }
        HClass *k = gd_find_class(cls);
        if (!k || k->native) FAIL("classinfo: '%s' is not a registered extension class", cls);
        else gd_print_classinfo(k);
    } else if (!strcmp(cmd, "errors")) {
        printf("errors: %ld\n", g_error_count);
        g_error_count = 0;
    } else if (!strcmp(cmd, "warnings")) {
        printf("warnings: %ld\n", g_warning_count);
        g_warning_count = 0;
    } else if (!strcmp(cmd, "expect_errors") || !strcmp(cmd, "expect_warnings")) {
        int ok;
        long want = parse_long(&c, &ok);
        long *counter = cmd[7] == 'e' ? &g_error_count : &g_warning_count;
        if (!ok) FAIL("%s: expected a number", cmd);
        else if (*counter != want) FAIL("%s %ld: got %ld", cmd, want, *counter);
        else printf("ok: %s %ld\n", cmd + 7, want);
        *counter = 0;
    } else if (!strcmp(cmd, "leaks")) {
        gd_print_leaks();
    } else if (!strcmp(cmd, "expect_leaks")) {
        int ok;
        long want = parse_long(&c, &ok);
        if (!ok) FAIL("expect_leaks: expected a number");
        else if (gd_live_total() != want) { gd_print_leaks(); FAIL("expect_leaks %ld: got %ld", want, gd_live_total()); }
        else printf("ok: leaks %ld\n", want);
    } else if (!strcmp(cmd, "idle")) {
        /* The main loop's idle time: run deferred calls on this (the main) thread until N
         * have run, waiting up to 10 s for worker threads to queue them. */
        int ok;
        long want = parse_long(&c, &ok);
        if (!ok) want = 1;
        long ran = 0;
        for (int waited = 0; ran < want && waited < 10000;) {
            Deferred *d = gd_deferred_take();
            if (!d) { usleep(1000); waited++; continue; }
            HMethod *m = d->obj->ext ? gd_find_method(d->obj->ext, d->method) : NULL;
            if (!m) {
                FAIL("deferred call to unknown method '%s'", d->method);
            } else {
                HVariant ret;
                printf("deferred %s(%d args)\n", d->method, d->argc);
                if (do_call(d->obj, m, d->args, d->argc, &ret)) gd_var_destroy(&ret);
            }
            for (int i = 0; i < d->argc; i++) gd_var_destroy(&d->args[i]);
            free(d->method);
            free(d);
            ran++;
        }
        if (ran < want) FAIL("idle: %ld deferred call(s) ran, expected %ld within 10 s", ran, want);
        else printf("ok: %ld deferred call(s) ran on the main thread\n", ran);
    } else if (!strcmp(cmd, "expect_signal")) {
        /* expect_signal VAR NAME ARGS...: the oldest signal not yet checked. */
        char var[128], name[128];
        HVariant args[8];
        if (!parse_word(&c, var, sizeof var) || !parse_word(&c, name, sizeof name)) { FAIL("%s", c.err); return; }
        int argc = parse_args(&c, args, 8, 0);
        Var *v = find_var(var);
        Emitted *e = gd_emitted_take();
        if (!v) FAIL("unknown variable '%s'", var);
        else if (!e) FAIL("expect_signal: no signal was emitted");
        else {
            char *got = gd_repr(&e->name);
            printf("signal %s", got);
            for (int i = 0; i < e->argc; i++) { char *a = gd_repr(&e->args[i]); printf(" %s", a); free(a); }
            printf("\n");
            if (e->obj != v->obj) FAIL("signal from another object");
            else if (strcmp(gd_sn(e->name.u.raw), name)) FAIL("signal %s, expected %s", got, name);
            else if (e->argc != argc) FAIL("signal %s has %d args, expected %d", name, e->argc, argc);
            else for (int i = 0; i < argc; i++)
                if (!gd_var_equal(&e->args[i], &args[i], 0, 1)) FAIL("signal %s argument %d differs", name, i);
            free(got);
        }
        if (e) {
            gd_var_destroy(&e->name);
            for (int i = 0; i < e->argc; i++) gd_var_destroy(&e->args[i]);
            free(e);
        }
        for (int i = 0; i < argc && argc > 0; i++) gd_var_destroy(&args[i]);
    } else if (!strcmp(cmd, "load")) {
        cmd_load(&c);
    } else if (!strcmp(cmd, "res_root")) {
        HVariant d;
        if (!parse_value(&c, &d) || d.type != VT_STRING) { FAIL("res_root: expected a path string"); return; }
        gd_res_set_root(gd_s(d.u.raw));
        gd_var_destroy(&d);
    } else if (!strcmp(cmd, "user_root")) {
        HVariant d;
        if (!parse_value(&c, &d) || d.type != VT_STRING) { FAIL("user_root: expected a path string"); return; }
        gd_user_set_root(gd_s(d.u.raw));
        gd_var_destroy(&d);
    } else if (!strcmp(cmd, "write_pack")) {
        cmd_write_pack(&c);
    } else if (!strcmp(cmd, "clear_read_log")) {
        gd_read_log_clear();
    } else if (!strcmp(cmd, "read_log")) {
        cmd_read_log(&c, 0);
    } else if (!strcmp(cmd, "expect_streamed")) {
        cmd_read_log(&c, 1);
    } else if (!strcmp(cmd, "save")) {
        cmd_save(&c);
    } else if (!strcmp(cmd, "property_list")) {
        cmd_property_list(&c);
    } else if (!strcmp(cmd, "mount_pack")) {
        HVariant d;
        if (!parse_value(&c, &d) || d.type != VT_STRING) { FAIL("mount_pack: expected a path string"); return; }
        int mounted = gd_pck_mount(gd_s(d.u.raw));
        printf("=> %s\n", mounted ? "true" : "false");
        skip_ws(&c);
        if (c.s[0] == '=' && c.s[1] == '=') { /* optional: mount_pack "x.pck" == true|false */
            HVariant want;
            c.s += 2;
            if (!parse_value(&c, &want) || want.type != VT_BOOL) FAIL("mount_pack: expected true or false after '=='");
            else if (want.u.b != mounted) FAIL("mount_pack %s returned %s", gd_s(d.u.raw), mounted ? "true" : "false");
        }
        gd_var_destroy(&d);
    } else if (!strcmp(cmd, "expect_same")) {
        char a[128], b2[128];
        if (!parse_word(&c, a, sizeof a) || !parse_word(&c, b2, sizeof b2)) { FAIL("%s", c.err); return; }
        Var *va = find_var(a), *vb = find_var(b2);
        if (!va || !vb || va->obj != vb->obj) FAIL("%s and %s are not the same object", a, b2);
        else printf("ok: same object\n");
    } else if (!strcmp(cmd, "deinit")) {
        /* As Godot at shutdown: every level in reverse; no extension class may be left. */
        if (!g_initialized) { FAIL("deinit: not initialized"); return; }
        deinit_levels();
        if (gd_registered_class_count() > 0) { gd_report_left_classes(); FAIL("deinit left classes registered"); }
        else if (gd_nformat_loaders > 0) FAIL("deinit left %d format loader(s) registered", gd_nformat_loaders);
        else if (gd_nformat_savers > 0) FAIL("deinit left %d format saver(s) registered", gd_nformat_savers);
        else if (gd_neditor_plugins > 0) FAIL("deinit left %d editor plugin(s) added (editor_remove_plugin)", gd_neditor_plugins);
        else printf("ok: deinitialized, no classes registered\n");
    } else if (!strcmp(cmd, "init")) {
        if (g_initialized) { FAIL("init: already initialized"); return; }
        init_levels();
        printf("ok: initialized again\n");
    } else if (!strcmp(cmd, "expect_editor_plugins")) {
        cmd_expect_editor_plugins(&c);
    } else if (!strcmp(cmd, "export")) {
        cmd_export(&c);
    } else if (!strcmp(cmd, "print")) {
        skip_ws(&c);
        printf("%s\n", c.s);
    } else {
        FAIL("unknown command '%s'", cmd);
    }
    fflush(stdout);
}

static void run_scenario(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("FAIL: cannot open scenario %s: %s\n", path, strerror(errno));
        g_failed = 1;
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        scn_line++;
        g_cur_file = path;
        g_cur_line = scn_line;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (!*s || *s == '#') continue;
        run_line(s);
    }
    free(line);
    fclose(f);
    g_cur_file = "gdhost";
    g_cur_line = 0;
}

/* ------------------------------------------------------------------ main */

static const char *level_name(int l) {
    static const char *n[] = { "CORE", "SERVERS", "SCENE", "EDITOR" };
    return l >= 0 && l < 4 ? n[l] : "?";
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LIB.so ENTRY_SYMBOL SCENARIO_FILE\n", argv[0]);
        return GDHOST_EXIT_LOAD;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    gd_main_thread = pthread_self();
    static char abs_path[PATH_MAX];
    g_lib_path = realpath(argv[1], abs_path) ? abs_path : argv[1];
    scn_path = argv[3];

    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "gdhost: load failure: %s\n", dlerror());
        return GDHOST_EXIT_LOAD;
    }
    GDEntry entry = (GDEntry)dlsym(h, argv[2]);
    if (!entry) {
        fprintf(stderr, "gdhost: load failure: entry symbol '%s' not found: %s\n", argv[2], dlerror());
        return GDHOST_EXIT_LOAD;
    }
    GDInitialization init;
    memset(&init, 0, sizeof init);
    if (!entry(gd_get_proc_address, GDHOST_LIBRARY, &init)) {
        fprintf(stderr, "gdhost: load failure: GDExtension initialization function '%s' returned an error.\n", argv[2]);
        return GDHOST_EXIT_LOAD;
    }
    if (!init.initialize || !init.deinitialize) {
        fprintf(stderr, "gdhost: load failure: entry '%s' left initialize/deinitialize NULL\n", argv[2]);
        return GDHOST_EXIT_LOAD;
    }
    int minlvl = init.minimum_initialization_level;
    if (minlvl < 0 || minlvl > 3) {
        fprintf(stderr, "gdhost: load failure: bad minimum_initialization_level %d\n", minlvl);
        return GDHOST_EXIT_LOAD;
    }
    const char *max_env = getenv("GDHOST_MAX_LEVEL");
    if (max_env && *max_env) {
        g_maxlvl = atoi(max_env);
        if (g_maxlvl < minlvl || g_maxlvl > 3) {
            fprintf(stderr, "gdhost: GDHOST_MAX_LEVEL=%s is not a level from %d to 3\n", max_env, minlvl);
            return GDHOST_EXIT_LOAD;
        }
    }
    printf("gdhost: loaded %s (%s), minimum level %s, up to %s\n", g_lib_path, argv[2], level_name(minlvl), level_name(g_maxlvl));
    g_init = init;
    g_minlvl = minlvl;
    init_levels();

    run_scenario(argv[3]);

    while (nvars > 0) {
        printf("note: freeing '%s' still alive at end of scenario\n", vars[0].name);
        HObj *o = vars[0].obj;
        for (int i = nvars - 1; i >= 0; i--)
            if (vars[i].obj == o) remove_var(&vars[i]);
        gd_obj_delete(o);
    }
    free(vars);
    if (g_initialized) deinit_levels();
    /* No dlclose: a JVM cannot be unloaded. */

    gd_print_leaks();
    int rc = 0;
    if (g_failed) rc = GDHOST_EXIT_FAIL;
    if (gd_registered_class_count() > 0) {
        gd_report_left_classes();
        rc = GDHOST_EXIT_CLASSES_LEFT;
    }
    if (gd_nformat_loaders > 0) {
        printf("ERROR: %d resource format loader(s) still registered with ResourceLoader after deinitialization\n",
               gd_nformat_loaders);
        rc = GDHOST_EXIT_CLASSES_LEFT;
    }
    if (gd_nformat_savers > 0) {
        printf("ERROR: %d resource format saver(s) still registered with ResourceSaver after deinitialization\n",
               gd_nformat_savers);
        rc = GDHOST_EXIT_CLASSES_LEFT;
    }
    if (gd_neditor_plugins > 0) {
        printf("ERROR: %d editor plugin class(es) still added with editor_add_plugin after deinitialization\n", gd_neditor_plugins);
        rc = GDHOST_EXIT_CLASSES_LEFT;
    }
    if (g_live_files > 0) /* as Godot at exit; the leaks line above counts them */
        printf("WARNING: ObjectDB instances leaked at exit: %ld FileAccess never released (unreference + object_destroy).\n", g_live_files);
    gd_read_log_clear();
    gd_pck_unmount_all();
    printf("gdhost: %s (exit %d)\n", rc == 0 ? "OK" : "FAILED", rc);
    return rc;
}
