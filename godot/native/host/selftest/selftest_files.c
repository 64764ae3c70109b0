/* FileProbe: FileAccess through engine method binds, as godot-cpp's Ref<FileAccess> would. */
#include "selftest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* hashes from the Godot 4.3 extension_api.json */
static void *mb_open, *mb_exists, *mb_open_error, *mb_length, *mb_position, *mb_seek, *mb_get_buffer,
    *mb_store_buffer, *mb_close, *mb_get_error, *mb_reference, *mb_unreference, *mb_as_bytes;
void *mb_add_saver, *mb_remove_saver;

void load_binds(void) {
    mb_open = method_bind("FileAccess", "open", 1247358404);
    mb_exists = method_bind("FileAccess", "file_exists", 2323990056);
    mb_open_error = method_bind("FileAccess", "get_open_error", 166280745);
    mb_length = method_bind("FileAccess", "get_length", 3905245786);
    mb_position = method_bind("FileAccess", "get_position", 3905245786);
    mb_seek = method_bind("FileAccess", "seek", 1286410249);
    mb_get_buffer = method_bind("FileAccess", "get_buffer", 4131300905);
    mb_store_buffer = method_bind("FileAccess", "store_buffer", 2971499966);
    mb_close = method_bind("FileAccess", "close", 3218959716);
    mb_get_error = method_bind("FileAccess", "get_error", 3185525595);
    mb_reference = method_bind("RefCounted", "reference", 2240911060);
    mb_unreference = method_bind("RefCounted", "unreference", 2240911060);
    mb_as_bytes = method_bind("FileAccess", "get_file_as_bytes", 659035735);
    mb_add_saver = method_bind("ResourceSaver", "add_resource_format_saver", 362894272);
    mb_remove_saver = method_bind("ResourceSaver", "remove_resource_format_saver", 3373026878);
}


/* Ref<FileAccess> FileAccess.open(path, mode): the Ref slot starts NULL. */
void *fa_open(const void *path, int64_t mode) {
    void *ref = NULL;
    const void *args[2] = { path, &mode };
    bind_ptrcall(mb_open, NULL, args, &ref);
    return ref;
}
int64_t fa_int(void *mb, void *f) {
    int64_t v = -1;
    bind_ptrcall(mb, f, NULL, &v);
    return v;
}
int64_t fa_open_error(void) { return fa_int(mb_open_error, NULL); }
void fa_seek(void *f, int64_t pos) { bind_ptrcall(mb_seek, f, (const void *const[]){ &pos }, NULL); }
void fa_close(void *f) { bind_ptrcall(mb_close, f, NULL, NULL); }
/* r_ret of get_buffer is an initialized PackedByteArray the engine fills */
void fa_get_buffer(void *f, int64_t n, Packed *out) {
    ctor0[VT_PACKED_BYTE_ARRAY](out, NULL);
    bind_ptrcall(mb_get_buffer, f, (const void *const[]){ &n }, out);
}
void fa_store(void *f, const Packed *data) { bind_ptrcall(mb_store_buffer, f, (const void *const[]){ data }, NULL); }
uint8_t fa_reference(void *f) {
    uint8_t ok = 0;
    bind_ptrcall(mb_reference, f, NULL, &ok);
    return ok;
}
/* What godot-cpp's Ref does when it lets go: unreference, object_destroy at zero. */
uint8_t fa_release(void *f) {
    uint8_t last = 0;
    bind_ptrcall(mb_unreference, f, NULL, &last);
    if (last) object_destroy(f);
    return last;
}

int64_t pba_size(const Packed *p) {
    int64_t n = 0;
    pba_size_m((void *)p, NULL, &n, 0);
    return n;
}
void pba_append(Packed *dst, const uint8_t *src, int64_t n) {
    int64_t old = pba_size(dst), len = old + n, err;
    pba_resize_m(dst, (const void *const[]){ &len }, &err, 1);
    for (int64_t i = 0; i < n; i++) *pba_index(dst, old + i) = src[i];
}

/* FileProbe: each method opens its own Ref<FileAccess> and releases it. */

/* read_chunks(path, chunk) -> PackedByteArray: the whole file by seek + get_buffer(chunk),
 * like a streaming reader; empty if it cannot be opened. */
static void m_read_chunks(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t chunk = *(const int64_t *)args[1];
    Packed out;
    ctor0[VT_PACKED_BYTE_ARRAY](&out, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        int64_t len = fa_int(mb_length, f);
        for (int64_t pos = fa_int(mb_position, f); pos < len; pos = fa_int(mb_position, f)) {
            Packed part;
            fa_seek(f, pos);
            fa_get_buffer(f, chunk, &part);
            int64_t n = pba_size(&part);
            if (n) pba_append(&out, pba_index_const(&part, 0), n);
            destroy(VT_PACKED_BYTE_ARRAY, &part);
            if (n == 0) break;
        }
        fa_close(f);
        fa_release(f);
    }
    assign_move(VT_PACKED_BYTE_ARRAY, ret, &out);
}

/* read_at(path, offset, n) -> PackedByteArray */
static void m_read_at(Adder *self, const void *const *args, void *ret) {
    (void)self;
    Packed out;
    ctor0[VT_PACKED_BYTE_ARRAY](&out, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        destroy(VT_PACKED_BYTE_ARRAY, &out);
        fa_seek(f, *(const int64_t *)args[1]);
        fa_get_buffer(f, *(const int64_t *)args[2], &out);
        fa_release(f); /* object_destroy closes it */
    }
    assign_move(VT_PACKED_BYTE_ARRAY, ret, &out);
}

/* read_text(path) -> String: the file read with one get_buffer(get_length()) */
static void m_read_text(Adder *self, const void *const *args, void *ret) {
    (void)self;
    char buf[4096] = { 0 };
    int64_t n = 0;
    void *f = fa_open(args[0], 1);
    if (f) {
        Packed data;
        fa_get_buffer(f, fa_int(mb_length, f), &data);
        n = pba_size(&data);
        if (n > (int64_t)sizeof buf) n = sizeof buf;
        for (int64_t i = 0; i < n; i++) buf[i] = (char)*pba_index_const(&data, i);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        fa_close(f);
        fa_release(f);
    }
    Str s;
    string_new_len(&s, buf, n);
    assign_move(VT_STRING, ret, &s);
}

/* errors(path) -> [get_error after reading exactly the length, bytes got by reading on,
 * get_error after that over-read, get_error after seek(0)] */
static void m_errors(Adder *self, const void *const *args, void *ret) {
    (void)self;
    Str arr;
    ctor0[VT_ARRAY](&arr, NULL);
    void *f = fa_open(args[0], 1);
    if (f) {
        int64_t v[4];
        Packed data;
        fa_get_buffer(f, fa_int(mb_length, f), &data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        v[0] = fa_int(mb_get_error, f);
        fa_get_buffer(f, 10, &data);
        v[1] = pba_size(&data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        v[2] = fa_int(mb_get_error, f);
        fa_seek(f, 0);
        v[3] = fa_int(mb_get_error, f);
        for (int i = 0; i < 4; i++) {
            Var e;
            from_type[VT_INT](&e, &v[i]);
            arr_append(&arr, (const void *const[]){ &e }, NULL, 1);
            variant_destroy(&e);
        }
        fa_close(f);
        fa_release(f);
    }
    assign_move(VT_ARRAY, ret, &arr);
}

/* open_error(path, mode) -> int: FileAccess.get_open_error() after open */
static void m_open_error(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], *(const int64_t *)args[1]);
    int64_t err = fa_open_error();
    if (f) fa_release(f);
    *(int64_t *)ret = err;
}

static void m_exists(Adder *self, const void *const *args, void *ret) {
    (void)self;
    bind_ptrcall(mb_exists, NULL, args, ret);
}

/* length(path) -> int: get_length, checking get_position follows seek */
static void m_length(Adder *self, const void *const *args, void *ret) {
    (void)self;
    int64_t len = -1;
    void *f = fa_open(args[0], 1);
    if (f) {
        len = fa_int(mb_length, f);
        fa_seek(f, 2);
        if (fa_int(mb_position, f) != 2) len = -2;
        fa_release(f);
    }
    *(int64_t *)ret = len;
}

/* write(path, data, chunk) -> int: WRITE + store_buffer in chunks; the open error, or -1
 * if get_length/get_position do not follow the writes */
static void m_write(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 2);
    if (!f) { *(int64_t *)ret = fa_open_error(); return; }
    const Packed *data = args[1];
    int64_t chunk = *(const int64_t *)args[2], n = pba_size(data), bad = 0;
    for (int64_t at = 0; at < n; at += chunk) {
        int64_t k = n - at < chunk ? n - at : chunk;
        Packed part;
        ctor0[VT_PACKED_BYTE_ARRAY](&part, NULL);
        pba_append(&part, pba_index_const(data, at), k);
        fa_store(f, &part);
        destroy(VT_PACKED_BYTE_ARRAY, &part);
        if (fa_int(mb_position, f) != at + k || fa_int(mb_length, f) != at + k) bad = 1;
    }
    fa_close(f);
    fa_release(f);
    *(int64_t *)ret = bad ? -1 : 0;
}

/* copy_prefix(src, dst, n) -> int: the first n bytes of src written to dst */
static void m_copy_prefix(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *in = fa_open(args[0], 1);
    if (!in) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    fa_get_buffer(in, *(const int64_t *)args[2], &data);
    fa_release(in);
    void *out = fa_open(args[1], 2);
    int64_t err = fa_open_error();
    if (out) {
        fa_store(out, &data);
        fa_close(out);
        fa_release(out);
    }
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    *(int64_t *)ret = err;
}

/* patch(path, offset, bytes) -> int: overwrites bytes at offset (read all, write back) */
static void m_patch(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *in = fa_open(args[0], 1);
    if (!in) { *(int64_t *)ret = fa_open_error(); return; }
    Packed data;
    fa_get_buffer(in, fa_int(mb_length, in), &data);
    fa_release(in);
    int64_t at = *(const int64_t *)args[1], n = pba_size(args[2]);
    for (int64_t i = 0; i < n && at + i < pba_size(&data); i++) *pba_index(&data, at + i) = *pba_index_const(args[2], i);
    void *out = fa_open(args[0], 2);
    int64_t err = fa_open_error();
    if (out) {
        fa_store(out, &data);
        fa_release(out);
    }
    destroy(VT_PACKED_BYTE_ARRAY, &data);
    *(int64_t *)ret = err;
}

/* hold(path) / release_held(): a Ref kept across scenario lines (a leak until released) */
static void *g_held;
static void m_hold(Adder *self, const void *const *args, void *ret) {
    (void)self;
    g_held = fa_open(args[0], 1);
    *(int64_t *)ret = fa_open_error();
}
static void m_release_held(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    *(uint8_t *)ret = g_held ? fa_release(g_held) : 0;
    g_held = NULL;
}

/* destroy_referenced(path) -> bool: reference() twice held, one unreference, then
 * object_destroy with a reference left (the host reports it) */
static void m_destroy_referenced(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 1);
    uint8_t ok = 0;
    if (f) {
        ok = fa_reference(f);
        uint8_t last = 0;
        bind_ptrcall(mb_unreference, f, NULL, &last);
        ok = ok && !last;
        object_destroy(f);
    }
    *(uint8_t *)ret = ok;
}

/* misuse(path) -> int: store_buffer on a READ file, then get_length after close (two
 * host errors); returns that get_length */
static void m_misuse(Adder *self, const void *const *args, void *ret) {
    (void)self;
    void *f = fa_open(args[0], 1);
    int64_t len = -1;
    if (f) {
        Packed data;
        ctor0[VT_PACKED_BYTE_ARRAY](&data, NULL);
        pba_append(&data, (const uint8_t *)"x", 1);
        fa_store(f, &data);
        destroy(VT_PACKED_BYTE_ARRAY, &data);
        fa_close(f);
        len = fa_int(mb_length, f);
        fa_release(f);
    }
    *(int64_t *)ret = len;
}

/* as_bytes(path) -> PackedByteArray: FileAccess.get_file_as_bytes */
static void m_as_bytes(Adder *self, const void *const *args, void *ret) {
    (void)self;
    bind_ptrcall(mb_as_bytes, NULL, args, ret);
}

static void m_last_saver(Adder *self, const void *const *args, void *ret) {
    (void)self; (void)args;
    Str s;
    string_new(&s, g_last_saver);
    assign_move(VT_STRING, ret, &s);
}

static const MDesc probe_methods[] = {
    { "read_chunks", m_read_chunks, 2, { VT_STRING, VT_INT }, { "path", "chunk" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "read_at", m_read_at, 3, { VT_STRING, VT_INT, VT_INT }, { "path", "offset", "n" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "read_text", m_read_text, 1, { VT_STRING }, { "path" }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL },
    { "errors", m_errors, 1, { VT_STRING }, { "path" }, 1, VT_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "open_error", m_open_error, 2, { VT_STRING, VT_INT }, { "path", "mode" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "exists", m_exists, 1, { VT_STRING }, { "path" }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "length", m_length, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "write", m_write, 3, { VT_STRING, VT_PACKED_BYTE_ARRAY, VT_INT }, { "path", "data", "chunk" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "copy_prefix", m_copy_prefix, 3, { VT_STRING, VT_STRING, VT_INT }, { "src", "dst", "n" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "patch", m_patch, 3, { VT_STRING, VT_INT, VT_PACKED_BYTE_ARRAY }, { "path", "offset", "bytes" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "hold", m_hold, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "release_held", m_release_held, 0, { 0 }, { 0 }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "destroy_referenced", m_destroy_referenced, 1, { VT_STRING }, { "path" }, 1, VT_BOOL, 0, 0, METHOD_FLAG_NORMAL },
    { "misuse", m_misuse, 1, { VT_STRING }, { "path" }, 1, VT_INT, 0, 0, METHOD_FLAG_NORMAL },
    { "as_bytes", m_as_bytes, 1, { VT_STRING }, { "path" }, 1, VT_PACKED_BYTE_ARRAY, 0, 0, METHOD_FLAG_NORMAL },
    { "last_saver", m_last_saver, 0, { 0 }, { 0 }, 1, VT_STRING, 0, 0, METHOD_FLAG_NORMAL },
};

void register_probe(void) { register_class(&C_PROBE, probe_methods, COUNT(probe_methods), NULL); }
