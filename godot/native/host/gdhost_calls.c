/* Scenario commands on extension objects: new, call/ptrcall/expect, get/set, property_list, free. */
#include "gdhost_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
int do_call(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret) {
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
int do_ptrcall(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret) {
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

void print_result(const HVariant *v) {
    char *r = gd_repr(v);
    printf("=> %s\n", r);
    free(r);
}

void print_object(HObj *o) {
    Buf b = {0};
    gd_repr_object(&b, o);
    printf("=> %s\n", b.p);
    free(b.p);
}

void cmd_new(Cur *c) {
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
    if (find_var(var)) printf("note: variable '%s' rebound; previous object leaked on purpose\n", var);
    bind_var(var, o);
    print_object(o);
}

void cmd_call(Cur *c, int ptr, int expect) {
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

void cmd_prop(Cur *c, int set) {
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
void cmd_property_list(Cur *c) {
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

void cmd_free(Cur *c) {
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
