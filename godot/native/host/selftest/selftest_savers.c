/* NoteSaver and FrontSaver (extend ResourceFormatSaver), added to the ResourceSaver singleton. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

const char *g_last_saver = "";

static void v_note_recognize(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Str cn;
    object_get_class_name(arg_object(args[0]), library, &cn);
    *(uint8_t *)ret = (uint8_t)sn_is(&cn, "Note");
    destroy(VT_STRING_NAME, &cn);
}
static void v_note_extensions(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    Str ext;
    string_new(&ext, "note");
    psa_push_back(ret, (const void *const[]){ &ext }, NULL, 1);
    destroy(VT_STRING, &ext);
}
/* NoteSaver._save: the Note's text, written through FileAccess */
static void v_note_save(void *inst, const void *const *args, void *ret) {
    (void)inst;
    Adder *note = instance_of(arg_object(args[0]));
    g_last_saver = "note";
    void *f = fa_open(args[1], 2);
    if (!f) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    ctor0[VT_PACKED_BYTE_ARRAY](&data, NULL);
    pba_append(&data, (const uint8_t *)note->text, (int64_t)strlen(note->text));
    fa_store(f, &data);
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    fa_close(f);
    fa_release(f);
    *(int64_t *)ret = 0;
}
static GDAnyFunc note_saver_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_recognize")) return (GDAnyFunc)v_note_recognize;
    if (sn_is(name, "_get_recognized_extensions")) return (GDAnyFunc)v_note_extensions;
    if (sn_is(name, "_save")) return (GDAnyFunc)v_note_save;
    return NULL;
}

/* FrontSaver (added at_front): takes every resource, but only paths containing "locked" */
static void v_front_recognize(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    *(uint8_t *)ret = 1;
}
static void v_front_recognize_path(void *inst, const void *const *args, void *ret) {
    (void)inst;
    char buf[512];
    utf8_of(args[1], buf, sizeof buf);
    *(uint8_t *)ret = strstr(buf, "locked") != NULL;
}
static void v_front_save(void *inst, const void *const *args, void *ret) {
    (void)inst; (void)args;
    g_last_saver = "front";
    *(int64_t *)ret = 0;
}
static GDAnyFunc front_saver_virtual(void *ud, const void *name) {
    (void)ud;
    if (sn_is(name, "_recognize")) return (GDAnyFunc)v_front_recognize;
    if (sn_is(name, "_get_recognized_extensions")) return (GDAnyFunc)v_note_extensions;
    if (sn_is(name, "_recognize_path")) return (GDAnyFunc)v_front_recognize_path;
    if (sn_is(name, "_save")) return (GDAnyFunc)v_front_save;
    return NULL;
}

static void *g_note_saver, *g_front_saver;

/* ResourceSaver.add/remove_resource_format_saver through object_method_bind_call */
static void saver_bind(void *mb, void *saver, int at_front, int argc) {
    Str sn;
    string_name_new(&sn, "ResourceSaver");
    void *rs = global_get_singleton(&sn);
    destroy(VT_STRING_NAME, &sn);
    Var a0, a1, ret;
    uint8_t front = (uint8_t)at_front;
    from_type[VT_OBJECT](&a0, &saver);
    from_type[VT_BOOL](&a1, &front);
    GDCallError err = { 0, 0, 0 };
    bind_call(mb, rs, (const void *const[]){ &a0, &a1 }, argc, &ret, &err);
    if (err.error) fprintf(stderr, "selftest: saver bind call error %d\n", err.error);
    variant_destroy(&ret);
    variant_destroy(&a0);
    variant_destroy(&a1);
}

/* At SCENE: NoteSaver first, FrontSaver at_front: FrontSaver must be asked first */
void register_savers(void) {
    register_class(&C_NOTE_SAVER, NULL, 0, (GDAnyFunc)note_saver_virtual);
    register_class(&C_FRONT_SAVER, NULL, 0, (GDAnyFunc)front_saver_virtual);
    g_note_saver = instance_create((void *)&C_NOTE_SAVER);
    g_front_saver = instance_create((void *)&C_FRONT_SAVER);
    saver_bind(mb_add_saver, g_note_saver, 0, 2);
    saver_bind(mb_add_saver, g_front_saver, 1, 2);
}

void remove_savers(void) {
    saver_bind(mb_remove_saver, g_front_saver, 0, 1);
    saver_bind(mb_remove_saver, g_note_saver, 0, 1);
    object_destroy(g_front_saver);
    object_destroy(g_note_saver);
}
