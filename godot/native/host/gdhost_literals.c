/* The scenario language's value literals and argument lists (see README.md, Scenario language). */
#include "gdhost_scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void skip_ws(Cur *c) {
    while (*c->s == ' ' || *c->s == '\t' || *c->s == '\r') c->s++;
}

int at_end(Cur *c) {
    skip_ws(c);
    return *c->s == 0 || *c->s == '\n' || *c->s == '#';
}

/* Bare word: identifiers, var names, class/method names. */
int parse_word(Cur *c, char *out, size_t n) {
    skip_ws(c);
    size_t k = 0;
    while (*c->s && !isspace((unsigned char)*c->s) && k + 1 < n) out[k++] = *c->s++;
    out[k] = 0;
    if (!k) snprintf(c->err, sizeof c->err, "expected a name");
    return k > 0;
}

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

int parse_value(Cur *c, HVariant *out) {
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
    if (!strncmp(s, "self_array(", 11)) {
        /* An Array whose last element is the Array itself (GDScript: a.append(a)). The cycle keeps
         * it alive for good, as in Godot. */
        c->s += 10;
        out->type = VT_ARRAY;
        HArr *a = gd_arr_alloc();
        out->u.p = a;
        if (!parse_list(c, ')', a)) { gd_var_destroy(out); return 0; }
        gd_arr_append(a, out);
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
int parse_args(Cur *c, HVariant *args, int max, int stop_at_eq) {
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

long parse_long(Cur *c, int *ok) {
    skip_ws(c);
    char *end;
    long n = strtol(c->s, &end, 10);
    *ok = end != c->s;
    c->s = end;
    return n;
}
