/* Internal declarations shared by the scenario runner (gdhost_main.c and the command files). */
#ifndef GDHOST_SCENARIO_H
#define GDHOST_SCENARIO_H
#include "gdhost.h"

/* The scenario being run: a FAIL names its line and makes the exit code 1. */
extern const char *scn_path;
extern int scn_line;
extern int g_failed;

#define FAIL(...)                                               \
    do {                                                        \
        printf("FAIL: %s:%d: ", scn_path, scn_line);            \
        printf(__VA_ARGS__);                                    \
        printf("\n");                                           \
        g_failed = 1;                                           \
    } while (0)

/* ---- variables (gdhost_main.c): scenario names bound to objects */
typedef struct {
    char *name;
    HObj *obj;
} Var;
extern Var *vars;
extern int nvars;
Var *find_var(const char *name);
void remove_var(Var *v);
Var *bind_var(const char *name, HObj *obj); /* rebinds an existing name */

/* ---- literals (gdhost_literals.c): a cursor over one scenario line */
typedef struct {
    const char *s;
    char err[256];
} Cur;
void skip_ws(Cur *c);
int at_end(Cur *c);
int parse_word(Cur *c, char *out, size_t n);
int parse_value(Cur *c, HVariant *out);
int parse_args(Cur *c, HVariant *args, int max, int stop_at_eq);
long parse_long(Cur *c, int *ok);

/* ---- calls on extension objects (gdhost_calls.c) */
int do_call(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret);
int do_ptrcall(HObj *o, HMethod *m, HVariant *args, int argc, HVariant *ret);
void print_result(const HVariant *v);
void print_object(HObj *o);
void cmd_new(Cur *c);
void cmd_call(Cur *c, int ptr, int expect);
void cmd_prop(Cur *c, int set);
void cmd_property_list(Cur *c);
void cmd_free(Cur *c);

/* ---- resources and files (gdhost_loadsave.c) */
/* An extension class's virtual, looked up by name through its get_virtual_func. */
typedef void (*CallVirtual)(void *instance, const void *const *args, void *ret);
typedef CallVirtual (*GetVirtual)(void *userdata, const void *name);
CallVirtual find_virtual(HObj *obj, const char *name);
void forget_cached(HObj *o); /* drops a freed object from load's cache */
void cmd_load(Cur *c);
void cmd_save(Cur *c);
void cmd_write_pack(Cur *c);
void cmd_read_log(Cur *c, int check);

/* ---- the editor and export (gdhost_export.c) */
void cmd_expect_editor_plugins(Cur *c);
void cmd_export(Cur *c);

#endif
