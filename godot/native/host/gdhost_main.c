#include <unistd.h>
/* gdhost: loads a GDExtension like Godot 4.3 and drives it from a scenario file.
 * Usage: gdhost LIB.so ENTRY_SYMBOL SCENARIO_FILE */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "gdhost.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

int g_library_token;
const char *g_lib_path = "";

static const char *scn_path;
static int scn_line;
static int g_failed;

#define FAIL(...)                                               \
    do {                                                        \
        printf("FAIL: %s:%d: ", scn_path, scn_line);            \
        printf(__VA_ARGS__);                                    \
        printf("\n");                                           \
        g_failed = 1;                                           \
    } while (0)

/* ------------------------------------------------------------------ variables */

typedef struct {
    char *name;
    HObj *obj;
} Var;
static Var *vars;
static int nvars;
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

static Var *find_var(const char *name) {
    for (int i = 0; i < nvars; i++)
        if (!strcmp(vars[i].name, name)) return &vars[i];
    return NULL;
}

static void remove_var(Var *v) {
    free(v->name);
    *v = vars[--nvars];
}

/* ------------------------------------------------------------------ literal parser */

typedef struct {
    const char *s;
    char err[256];
} Cur;

static void skip_ws(Cur *c) {
    while (*c->s == ' ' || *c->s == '\t' || *c->s == '\r') c->s++;
}

static int at_end(Cur *c) {
    skip_ws(c);
    return *c->s == 0 || *c->s == '\n' || *c->s == '#';
}

/* Bare word: identifiers, var names, class/method names. */
static int parse_word(Cur *c, char *out, size_t n) {
    skip_ws(c);
    size_t k = 0;
    while (*c->s && !isspace((unsigned char)*c->s) && k + 1 < n) out[k++] = *c->s++;
    out[k] = 0;
    if (!k) snprintf(c->err, sizeof c->err, "expected a name");
    return k > 0;
}

static int parse_value(Cur *c, HVariant *out);

static int parse_quoted(Cur *c, Buf *b) {
    if (*c->s != '"') { snprintf(c->err, sizeof c->err, "expected '\"'"); return 0; }
    c->s++;
    gd_buf_printf(b, "%s", "");
    while (*c->s && *c->s != '"') {
        char ch = *c->s++;
        if (ch == '\\') {
            char e = *c->s++;
            ch = e == 'n' ? '\n' : e == 't' ? '\t' : e == '0' ? '\0' : e;
            if (!e) break;
        }
        gd_buf_printf(b, "%c", ch);
    }
    if (*c->s != '"') { snprintf(c->err, sizeof c->err, "unterminated string"); free(b->p); return 0; }
    c->s++;
    return 1;
}

static void var_string(HVariant *v, int kind, const char *s, size_t n) {
    gd_var_nil(v);
    v->type = kind;
    v->u.p = gd_str_new(kind, s, n);
}

/* Parses "(v, v, ...)" / "[v, ...]" element lists into an Array. */
static int parse_list(Cur *c, char close, HArr *a) {
    c->s++; /* opening bracket */
    skip_ws(c);
    if (*c->s == close) { c->s++; return 1; }
    for (;;) {
        HVariant v;
        if (!parse_value(c, &v)) return 0;
        gd_arr_append(a, &v);
        gd_var_destroy(&v);
        skip_ws(c);
        if (*c->s == ',') { c->s++; continue; }
        if (*c->s == close) { c->s++; return 1; }
        snprintf(c->err, sizeof c->err, "expected ',' or '%c'", close);
        return 0;
    }
}

static int packed_kind(const char *name) {
    static const struct { const char *n; int t; } k[] = {
        { "PackedByteArray", VT_PACKED_BYTE_ARRAY }, { "PackedInt32Array", VT_PACKED_INT32_ARRAY },
        { "PackedInt64Array", VT_PACKED_INT64_ARRAY }, { "PackedFloat32Array", VT_PACKED_FLOAT32_ARRAY },
        { "PackedFloat64Array", VT_PACKED_FLOAT64_ARRAY }, { "PackedStringArray", VT_PACKED_STRING_ARRAY },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(k[i].n, name)) return k[i].t;
    return -1;
}

static int make_packed(Cur *c, int kind, HArr *a, HVariant *out) {
    gd_var_nil(out);
    out->type = kind;
    gd_packed_resize(&out->u, kind, a->len);
    for (int64_t i = 0; i < a->len; i++) {
        HVariant *e = &a->items[i];
        void *at = gd_packed_at(&out->u, kind, i, 1);
        int ok = 1;
        switch (kind) {
        case VT_PACKED_BYTE_ARRAY:
            ok = e->type == VT_INT && e->u.i >= 0 && e->u.i <= 255;
            if (ok) *(uint8_t *)at = (uint8_t)e->u.i;
            break;
        case VT_PACKED_INT32_ARRAY:
            ok = e->type == VT_INT && e->u.i >= INT32_MIN && e->u.i <= INT32_MAX;
            if (ok) *(int32_t *)at = (int32_t)e->u.i;
            break;
        case VT_PACKED_INT64_ARRAY:
            ok = e->type == VT_INT;
            if (ok) *(int64_t *)at = e->u.i;
            break;
        case VT_PACKED_FLOAT32_ARRAY:
        case VT_PACKED_FLOAT64_ARRAY: {
            ok = e->type == VT_INT || e->type == VT_FLOAT;
            double d = e->type == VT_INT ? (double)e->u.i : e->u.f;
            if (ok && kind == VT_PACKED_FLOAT32_ARRAY) *(float *)at = (float)d;
            else if (ok) *(double *)at = d;
            break;
        }
        case VT_PACKED_STRING_ARRAY:
            ok = e->type == VT_STRING;
            if (ok) gd_val_copy(VT_STRING, at, &e->u);
            break;
        }
        if (!ok) {
            snprintf(c->err, sizeof c->err, "element %lld does not fit %s", (long long)i, gd_type_name(kind));
            gd_var_destroy(out);
            return 0;
        }
    }
    return 1;
}

static int parse_value(Cur *c, HVariant *out) {
    skip_ws(c);
    gd_var_nil(out);
    const char *s = c->s;
    if (*s == '"' || (*s == '&' && s[1] == '"')) {
        int kind = VT_STRING;
        if (*s == '&') { kind = VT_STRING_NAME; c->s++; }
        Buf b = {0};
        if (!parse_quoted(c, &b)) return 0;
        var_string(out, kind, b.p, b.n);
        free(b.p);
        return 1;
    }
    if (*s == '[') {
        out->type = VT_ARRAY;
        HArr *a = gd_arr_alloc();
        out->u.p = a;
        if (!parse_list(c, ']', a)) { gd_var_destroy(out); return 0; }
        return 1;
    }
    if (*s == '{') {
        out->type = VT_DICTIONARY;
        HDict *d = gd_dict_alloc();
        out->u.p = d;
        c->s++;
        skip_ws(c);
        if (*c->s == '}') { c->s++; return 1; }
        for (;;) {
            HVariant k, v;
            if (!parse_value(c, &k)) { gd_var_destroy(out); return 0; }
            skip_ws(c);
            if (*c->s != ':') { snprintf(c->err, sizeof c->err, "expected ':'"); gd_var_destroy(&k); gd_var_destroy(out); return 0; }
            c->s++;
            if (!parse_value(c, &v)) { gd_var_destroy(&k); gd_var_destroy(out); return 0; }
            gd_dict_set(d, &k, &v);
            gd_var_destroy(&k);
            gd_var_destroy(&v);
            skip_ws(c);
            if (*c->s == ',') { c->s++; continue; }
            if (*c->s == '}') { c->s++; return 1; }
            snprintf(c->err, sizeof c->err, "expected ',' or '}'");
            gd_var_destroy(out);
            return 0;
        }
    }
    if (*s == '-' || *s == '+' || isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        char *end;
        errno = 0;
        long long i = strtoll(s, &end, 10);
        if (*end == '.' || *end == 'e' || *end == 'E') {
            double d = strtod(s, &end);
            out->type = VT_FLOAT;
            out->u.f = d;
        } else {
            if (errno) { snprintf(c->err, sizeof c->err, "integer out of range"); return 0; }
            out->type = VT_INT;
            out->u.i = i;
        }
        if (end == s) { snprintf(c->err, sizeof c->err, "bad number"); return 0; }
        c->s = end;
        return 1;
    }
    if (isalpha((unsigned char)*s)) {
        char word[64];
        size_t k = 0;
        while ((isalnum((unsigned char)*c->s) || *c->s == '_') && k + 1 < sizeof word) word[k++] = *c->s++;
        word[k] = 0;
        if (!strcmp(word, "null")) return 1;
        if (!strcmp(word, "true") || !strcmp(word, "false")) {
            out->type = VT_BOOL;
            out->u.b = word[0] == 't';
            return 1;
        }
        if (!strcmp(word, "inf") || !strcmp(word, "nan")) {
            out->type = VT_FLOAT;
            out->u.f = word[0] == 'i' ? 1.0 / 0.0 : 0.0 / 0.0;
            return 1;
        }
        skip_ws(c);
        if (*c->s != '(') { snprintf(c->err, sizeof c->err, "unknown literal '%s'", word); return 0; }
        if (!strcmp(word, "file")) {
            c->s++;
            skip_ws(c);
            Buf b = {0};
            if (!parse_quoted(c, &b)) return 0;
            skip_ws(c);
            if (*c->s != ')') { free(b.p); snprintf(c->err, sizeof c->err, "expected ')'"); return 0; }
            c->s++;
            FILE *f = fopen(b.p, "rb");
            if (!f) { snprintf(c->err, sizeof c->err, "cannot open file \"%s\": %s", b.p, strerror(errno)); free(b.p); return 0; }
            free(b.p);
            out->type = VT_PACKED_BYTE_ARRAY;
            unsigned char chunk[65536];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
                int64_t old = gd_packed_len(gd_packed_get(&out->u, VT_PACKED_BYTE_ARRAY));
                gd_packed_resize(&out->u, VT_PACKED_BYTE_ARRAY, old + (int64_t)n);
                memcpy(gd_packed_at(&out->u, VT_PACKED_BYTE_ARRAY, old, 1), chunk, n);
            }
            fclose(f);
            return 1;
        }
        int kind = packed_kind(word);
        if (kind < 0) { snprintf(c->err, sizeof c->err, "unknown constructor '%s'", word); return 0; }
        HArr *a = gd_arr_alloc();
        int ok = parse_list(c, ')', a) && make_packed(c, kind, a, out);
        gd_arr_release(a);
        return ok;
    }
    snprintf(c->err, sizeof c->err, "cannot parse value at '%.20s'", s);
    return 0;
}

/* Parses values until end of line, "==" or "~=". Returns count, -1 on error. */
static int parse_args(Cur *c, HVariant *args, int max, int stop_at_eq) {
    int n = 0;
    for (;;) {
        if (at_end(c)) return n;
        if (stop_at_eq && (c->s[0] == '=' || c->s[0] == '~') && c->s[1] == '=') return n;
        if (n == max) { snprintf(c->err, sizeof c->err, "too many arguments"); goto fail; }
        if (!parse_value(c, &args[n])) goto fail;
        n++;
        skip_ws(c);
        if (*c->s == ',') c->s++;
    }
fail:
    for (int i = 0; i < n; i++) gd_var_destroy(&args[i]);
    return -1;
}

/* ------------------------------------------------------------------ calls */

static const char *call_error_text(int e) {
    switch (e) {
    case CALL_ERROR_INVALID_METHOD: return "invalid method";
    case CALL_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case CALL_ERROR_TOO_MANY_ARGUMENTS: return "too many arguments";
    case CALL_ERROR_TOO_FEW_ARGUMENTS: return "too few arguments";
    case CALL_ERROR_INSTANCE_IS_NULL: return "instance is null";
    case CALL_ERROR_METHOD_NOT_CONST: return "method not const";
    default: return "unknown call error";
    }
}

static void call_error(HObj *o, HMethod *m, int err, int argument, int expected) {
    gd_host_error("call", "Error calling method '%s.%s': %s (argument %d, expected %d) [CALL_ERROR %d]",
                  o->ext ? o->ext->name : o->native_class, m->name, call_error_text(err), argument, expected, err);
}

static int resolve(const char *var, const char *method, HObj **ro, HMethod **rm) {
    Var *v = find_var(var);
    if (!v) { FAIL("unknown variable '%s'", var); return 0; }
    HMethod *m = v->obj->ext ? gd_find_method(v->obj->ext, method) : NULL;
    if (!m) { FAIL("class %s has no extension method '%s'", gd_obj_class_name(v->obj), method); return 0; }
    *ro = v->obj;
    *rm = m;
    return 1;
}

static int check_argc(HObj *o, HMethod *m, int argc) {
    if (m->flags & METHOD_FLAG_VARARG) return 1;
    if ((uint32_t)argc > m->argc) { call_error(o, m, CALL_ERROR_TOO_MANY_ARGUMENTS, 0, (int)m->argc); return 0; }
    if ((uint32_t)argc < m->argc - m->ndef) { call_error(o, m, CALL_ERROR_TOO_FEW_ARGUMENTS, 0, (int)(m->argc - m->ndef)); return 0; }
    return 1;
}

static void *instance_of(HObj *o, HMethod *m) { return (m->flags & METHOD_FLAG_STATIC) ? NULL : o->instance; }

/* Godot's GDExtensionMethodBind::call: Variant args as given (defaults are the extension's
 * business for call_func), ret starts as NIL. Returns 1 on success. */
static int do_call(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret) {
    gd_var_nil(ret);
    if (!check_argc(o, m, argc)) return 0;
    const void *argv[64];
    for (int i = 0; i < argc; i++) argv[i] = &args[i];
    GDCallError ce = { CALL_OK, 0, 0 };
    m->call(m->userdata, instance_of(o, m), argv, argc, ret, &ce);
    gd_var_check(ret);
    if (ce.error != CALL_OK) {
        call_error(o, m, ce.error, ce.argument, ce.expected);
        gd_var_destroy(ret);
        return 0;
    }
    return 1;
}

/* ptrcall: arguments converted to the registered types; missing trailing arguments
 * filled from the registered defaults; return value default-constructed first. */
static int do_ptrcall(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret) {
    gd_var_nil(ret);
    if (!m->ptrcall) { FAIL("method %s has no ptrcall_func", m->name); return 0; }
    if (m->flags & METHOD_FLAG_VARARG) { FAIL("vararg method %s cannot be ptrcalled", m->name); return 0; }
    if (!check_argc(o, m, argc)) return 0;
    _Alignas(16) unsigned char slots[64][16];
    const void *argv[64];
    int built = 0, ok = 1;
    for (uint32_t i = 0; i < m->argc && ok; i++) {
        const HVariant *src = (int)i < argc ? &args[i] : &m->defs[i - (m->argc - m->ndef)];
        int t = m->args[i].type;
        if (t == VT_NIL) { argv[i] = src; continue; }
        memset(slots[i], 0, 16);
        argv[i] = slots[i];
        if (src->type == t) gd_val_copy(t, slots[i], &src->u);
        else if (t == VT_FLOAT && src->type == VT_INT) *(double *)slots[i] = (double)src->u.i;
        else if (t == VT_INT && src->type == VT_FLOAT) *(int64_t *)slots[i] = (int64_t)src->u.f;
        else if (t == VT_OBJECT && src->type == VT_NIL) *(void **)slots[i] = NULL;
        else {
            call_error(o, m, CALL_ERROR_INVALID_ARGUMENT, (int)i, t);
            ok = 0;
            break;
        }
        built = (int)i + 1;
    }
    if (ok) {
        int rt = m->has_ret ? m->ret.type : VT_NIL;
        _Alignas(16) unsigned char rslot[GD_VARIANT_SIZE];
        memset(rslot, 0, sizeof rslot);
        if (m->has_ret && rt != VT_NIL) gd_val_default(rt, rslot); /* typed return */
        /* Variant return: rslot is a NIL Variant already (all zero). */
        m->ptrcall(m->userdata, instance_of(o, m), argv, m->has_ret ? rslot : NULL);
        if (m->has_ret && rt != VT_NIL) {
            gd_var_from_val(ret, rt, rslot);
            gd_val_destroy(rt, rslot);
        } else if (m->has_ret) {
            gd_var_copy(ret, (HVariant *)rslot);
            gd_var_destroy((HVariant *)rslot);
        }
    }
    for (int i = 0; i < built; i++)
        if (m->args[i].type != VT_NIL) gd_val_destroy(m->args[i].type, slots[i]);
    return ok;
}

static void print_result(const HVariant *v) {
    char *r = gd_repr(v);
    printf("=> %s\n", r);
    free(r);
}

/* ------------------------------------------------------------------ commands */

static long parse_long(Cur *c, int *ok) {
    skip_ws(c);
    char *end;
    long n = strtol(c->s, &end, 10);
    *ok = end != c->s;
    c->s = end;
    return n;
}

static void cmd_new(Cur *c) {
    char var[128], cls[128];
    if (!parse_word(c, var, sizeof var) || !parse_word(c, cls, sizeof cls)) { FAIL("new: %s", c->err); return; }
    HClass *k = gd_find_class(cls);
    if (!k || k->native) { FAIL("new: '%s' is not a registered extension class", cls); return; }
    if (k->info.is_abstract || k->info.is_virtual) {
        gd_host_error("ClassDB::instantiate", "Class '%s' or its base class cannot be instantiated.", cls);
        return;
    }
    if (!k->info.create_instance_func) { FAIL("new: class '%s' has no create_instance_func", cls); return; }
    void *p = k->info.create_instance_func(k->info.class_userdata);
    if (!p) { FAIL("new: create_instance_func of '%s' returned NULL", cls); return; }
    HObj *o = gd_obj_check(p);
    if (!o->ext || !o->instance) { FAIL("new: create_instance_func of '%s' did not call object_set_instance", cls); return; }
    if (o->ext != k) { FAIL("new: instance class is '%s', expected '%s'", o->ext->name, cls); return; }
    Var *v = find_var(var);
    if (v) {
        printf("note: variable '%s' rebound; previous object leaked on purpose\n", var);
        v->obj = o;
    } else {
        vars = gd_xrealloc(vars, sizeof(Var) * (size_t)(nvars + 1));
        vars[nvars++] = (Var){ gd_xstrdup(var), o };
    }
    Buf b = {0};
    gd_repr_object(&b, o);
    printf("=> %s\n", b.p);
    free(b.p);
}

static void cmd_call(Cur *c, int ptr, int expect) {
    char var[128], method[128];
    HVariant args[64], ret, want;
    if (!parse_word(c, var, sizeof var) || !parse_word(c, method, sizeof method)) { FAIL("%s", c->err); return; }
    int argc = parse_args(c, args, 64, expect);
    if (argc < 0) { FAIL("argument parse error: %s", c->err); return; }
    int contains = 0; /* "~= TEXT": the result's text contains TEXT */
    if (expect) {
        skip_ws(c);
        contains = c->s[0] == '~' && c->s[1] == '=';
        if (!contains && (c->s[0] != '=' || c->s[1] != '=')) { FAIL("expect: missing '== VALUE' or '~= TEXT'"); goto out; }
        c->s += 2;
        if (!parse_value(c, &want)) { FAIL("expect: bad value: %s", c->err); goto out; }
        if (!at_end(c)) { FAIL("expect: trailing text '%s'", c->s); gd_var_destroy(&want); goto out; }
        if (contains && want.type != VT_STRING) { FAIL("expect: '~=' takes a String"); gd_var_destroy(&want); goto out; }
    }
    HObj *o;
    HMethod *m;
    if (resolve(var, method, &o, &m)) {
        int ok = ptr ? do_ptrcall(o, m, args, argc, &ret) : do_call(o, m, args, argc, &ret);
        if (ok) {
            print_result(&ret);
            if (expect && contains) {
                /* Both reprs are quoted strings: look for want's text inside ret's. */
                char *a = gd_repr(&ret), *b = gd_repr(&want);
                size_t bl = strlen(b);
                if (bl >= 2) b[bl - 1] = 0;
                if (ret.type != VT_STRING || !strstr(a, bl >= 2 ? b + 1 : b))
                    FAIL("%s.%s returned %s, expected a String containing %s\"", var, method, a, b);
                free(a);
                free(b);
            } else if (expect && !gd_var_equal(&ret, &want, 0, 1)) {
                char *a = gd_repr(&ret), *b = gd_repr(&want);
                FAIL("%s.%s returned %s, expected %s", var, method, a, b);
                free(a);
                free(b);
            }
            gd_var_destroy(&ret);
        } else {
            printf("=> <call error>\n");
            if (expect) FAIL("%s.%s: call failed", var, method);
        }
    }
    if (expect) gd_var_destroy(&want);
out:
    for (int i = 0; i < argc; i++) gd_var_destroy(&args[i]);
}

/* ---- ResourceLoader.load as Godot does it: ask each registered format loader
 * for its extensions (virtual _get_recognized_extensions), then call its _load
 * virtual; results are cached by path while the object lives (CACHE_MODE_REUSE). */
typedef void (*CallVirtual)(void *instance, const void *const *args, void *ret);
typedef CallVirtual (*GetVirtual)(void *userdata, const void *name);

static struct { char *path; HObj *obj; } g_cache[64];
static int g_ncache;

static CallVirtual find_virtual(HObj *loader, const char *name) {
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

static void cmd_load(Cur *c) {
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
    Var *v = find_var(var);
    if (v) v->obj = obj;
    else {
        vars = gd_xrealloc(vars, sizeof(Var) * (size_t)(nvars + 1));
        vars[nvars++] = (Var){ gd_xstrdup(var), obj };
    }
    Buf b = {0};
    gd_repr_object(&b, obj);
    printf("=> %s\n", b.p);
    free(b.p);
}

static void forget_cached(HObj *o) {
    for (int i = 0; i < g_ncache; i++)
        if (g_cache[i].obj == o) {
            free(g_cache[i].path);
            g_cache[i] = g_cache[--g_ncache];
            i--;
        }
}

static void cmd_prop(Cur *c, int set) {
    char var[128], prop[128];
    if (!parse_word(c, var, sizeof var) || !parse_word(c, prop, sizeof prop)) { FAIL("%s", c->err); return; }
    HVariant val;
    if (set && !parse_value(c, &val)) { FAIL("set: bad value: %s", c->err); return; }
    Var *v = find_var(var);
    HProp *p = v && v->obj->ext ? gd_find_property(v->obj->ext, prop) : NULL;
    const char *mname = p ? (set ? p->setter : p->getter) : NULL;
    HMethod *m = mname && *mname ? gd_find_method(v->obj->ext, mname) : NULL;
    if (!v) FAIL("unknown variable '%s'", var);
    else if (!p) FAIL("class %s has no property '%s'", gd_obj_class_name(v->obj), prop);
    else if (set && !m) /* read-only: Object::set does nothing, GDScript reports the assignment */
        gd_host_error("set", "Invalid assignment of property or key '%s' with value of type '%s' on a base object of type '%s'.",
                      prop, gd_type_name(val.type), gd_obj_class_name(v->obj));
    else if (!m) FAIL("property '%s' has no getter", prop);
    else {
        HVariant ret;
        if (do_call(v->obj, m, set ? &val : NULL, set ? 1 : 0, &ret)) {
            if (!set) print_result(&ret);
            gd_var_destroy(&ret);
        }
    }
    if (set) gd_var_destroy(&val);
}

/* property_list VAR: what Object::get_property_list gives the inspector for an extension
 * instance: per extension class (most derived first) its category, then its properties,
 * groups and subgroups in registration order. The native part (RefCounted/Object
 * categories, "script") is not printed. Values come from each property's getter. */
static void cmd_property_list(Cur *c) {
    char var[128];
    if (!parse_word(c, var, sizeof var)) { FAIL("property_list: %s", c->err); return; }
    Var *v = find_var(var);
    if (!v) { FAIL("unknown variable '%s'", var); return; }
    HObj *o = v->obj;
    if (!o->ext) { FAIL("property_list: %s is not an extension object", gd_obj_class_name(o)); return; }
    if (o->ext->info.validate_property_func)
        gd_die_unimplemented("UNIMPLEMENTED: property_list with validate_property_func (class %s)", o->ext->name);
    for (HClass *k = o->ext; k && !k->native; k = k->parent ? gd_find_class(k->parent) : NULL) {
        if (k->info.get_property_list_func)
            gd_die_unimplemented("UNIMPLEMENTED: property_list with get_property_list_func (class %s)", k->name);
        printf("category \"%s\"\n", k->name);
        for (int i = 0; i < k->nprops; i++) {
            HProp *p = &k->props[i];
            if (p->kind != PROP_PROPERTY) {
                printf("%s \"%s\" prefix \"%s\"\n", p->kind == PROP_GROUP ? "group" : "subgroup", p->info.name, p->info.hint_string);
                continue;
            }
            HMethod *m = *p->getter ? gd_find_method(o->ext, p->getter) : NULL;
            HVariant val;
            char *r = NULL;
            if (!m) r = gd_xstrdup("null"); /* no getter: Object::get gives nothing */
            else if (do_ptrcall(o, m, NULL, 0, &val)) {
                r = gd_repr(&val);
                gd_var_destroy(&val);
            } else r = gd_xstrdup("<getter failed>");
            printf("property %s: %s = %s hint=%u hint_string=\"%s\" usage=%u\n", p->info.name, gd_pinfo_type_name(&p->info), r,
                   p->info.hint, p->info.hint_string, p->info.usage);
            free(r);
        }
    }
}

/* save VAR "path" == ERR: ResourceSaver::save(resource, path, flags = 0) of Godot 4.3 with
 * the registered savers: the first one that _recognize()s the resource and recognizes the
 * path (_recognize_path if the saver has it, else its extensions, case-insensitively) gets
 * _save(); a failing _save lets the next saver try; the last error is returned. */
static void cmd_save(Cur *c) {
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
static void cmd_write_pack(Cur *c) {
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
static void cmd_read_log(Cur *c, int check) {
    HVariant p;
    if (!parse_value(c, &p) || p.type != VT_STRING) { FAIL("%s: expected a path string", check ? "expect_streamed" : "read_log"); return; }
    char why[512];
    if (!gd_read_log_report(gd_s(p.u.raw), check, why, sizeof why)) FAIL("expect_streamed %s: %s", gd_s(p.u.raw), why);
    else if (check) printf("ok: %s was streamed\n", gd_s(p.u.raw));
    gd_var_destroy(&p);
}

static void cmd_free(Cur *c) {
    char var[128];
    if (!parse_word(c, var, sizeof var)) { FAIL("free: %s", c->err); return; }
    Var *v = find_var(var);
    if (!v) { FAIL("unknown variable '%s'", var); return; }
    HObj *o = v->obj;
    remove_var(v);
    for (int i = 0; i < nvars; i++)
        if (vars[i].obj == o) { remove_var(&vars[i]); i--; } /* other names of the same object */
    forget_cached(o);
    gd_obj_delete(o);
}


/* ---- the editor and an export (Godot 4.3's EditorNode + EditorExportPlatformPC) */

/* expect_editor_plugins NAME... : exactly these classes were handed to editor_add_plugin. */
static void cmd_expect_editor_plugins(Cur *c) {
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
static void cmd_export(Cur *c) {
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
