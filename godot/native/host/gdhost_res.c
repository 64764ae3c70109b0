/* res:// and user:// for the harness, and Godot's FileAccess objects over them.
 * res:// is read from the mounted packs first (gdhost_pck.c, the last mounted wins), then
 * from the res root folder (like a project directory); user:// from the user root folder;
 * any other path is an OS path. Files are opened, read and written with Godot 4.3's
 * FileAccessUnix / FileAccessPack semantics (open errors, EOF, positions). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gdhost.h"

static char g_root[4096], g_user_root[4096];
long g_live_files;

int gd_res_set_root(const char *dir) {
    snprintf(g_root, sizeof g_root, "%s", dir);
    return 1;
}

int gd_user_set_root(const char *dir) {
    snprintf(g_user_root, sizeof g_user_root, "%s", dir);
    return 1;
}

/* Godot's FileAccess::open resolution: packs only for reading (WRITE never goes into a
 * pack); res:// and user:// are mapped onto their root folders. */
int gd_res_locate(const char *path, int write, GdLocation *r) {
    memset(r, 0, sizeof *r);
    if (!strncmp(path, "res://", 6)) {
        const char *pack;
        if (gd_pck_find(path, &pack, &r->offset, &r->size)) {
            if (write) return GD_ERR_FILE_CANT_OPEN; /* a pack is read-only */
            r->in_pack = 1;
            snprintf(r->os_path, sizeof r->os_path, "%s", pack);
            return GD_OK;
        }
        if (!g_root[0]) return write ? GD_ERR_FILE_CANT_OPEN : GD_ERR_FILE_NOT_FOUND;
        snprintf(r->os_path, sizeof r->os_path, "%s/%s", g_root, path + 6);
        return GD_OK;
    }
    if (!strncmp(path, "user://", 7)) {
        if (!g_user_root[0]) return GD_ERR_FILE_CANT_OPEN; /* no user_root in the scenario */
        snprintf(r->os_path, sizeof r->os_path, "%s/%s", g_user_root, path + 7);
        return GD_OK;
    }
    snprintf(r->os_path, sizeof r->os_path, "%s", path);
    return GD_OK;
}

/* FileAccessUnix::open_internal: only regular files; ENOENT is ERR_FILE_NOT_FOUND. */
static FILE *os_open(const char *os_path, int write, int64_t *r_error) {
    struct stat st;
    if (stat(os_path, &st) == 0 && !S_ISREG(st.st_mode)) {
        *r_error = GD_ERR_FILE_CANT_OPEN;
        return NULL;
    }
    FILE *f = fopen(os_path, write ? "wb" : "rb");
    if (!f) {
        *r_error = errno == ENOENT ? GD_ERR_FILE_NOT_FOUND : GD_ERR_FILE_CANT_OPEN;
        return NULL;
    }
    *r_error = GD_OK;
    return f;
}

/* ------------------------------------------------------------------ FileAccess */

typedef struct HFile {
    FILE *f;            /* NULL once closed */
    int write;          /* opened with WRITE (else READ) */
    int in_pack;        /* FileAccessPack semantics */
    char *path;         /* as passed to open (the read log key) */
    uint64_t base;      /* start of the data in f (pack entry offset, else 0) */
    uint64_t len, pos;
    int eof;            /* get_error() == ERR_FILE_EOF */
} HFile;

static pthread_mutex_t g_file_lock = PTHREAD_MUTEX_INITIALIZER;

HObj *gd_file_open(const char *path, int64_t mode, int64_t *r_error) {
    if (mode != 1 && mode != 2)
        gd_die_unimplemented("UNIMPLEMENTED: FileAccess.open mode %lld (only READ=1 and WRITE=2)", (long long)mode);
    int write = mode == 2;
    GdLocation loc;
    *r_error = gd_res_locate(path, write, &loc);
    if (*r_error != GD_OK) return NULL;
    FILE *f = os_open(loc.os_path, write, r_error);
    if (!f) return NULL;
    HFile *h = gd_xmalloc(sizeof *h);
    memset(h, 0, sizeof *h);
    h->f = f;
    h->write = write;
    h->in_pack = loc.in_pack;
    h->path = gd_xstrdup(path);
    if (loc.in_pack) {
        h->base = loc.offset;
        h->len = loc.size;
    } else if (!write && fseeko(f, 0, SEEK_END) == 0) {
        h->len = (uint64_t)ftello(f);
    }
    HObj *o = gd_obj_new_native("FileAccess");
    o->file = h;
    o->refcount = 1; /* the Ref handed back to the caller */
    pthread_mutex_lock(&g_file_lock);
    g_live_files++;
    pthread_mutex_unlock(&g_file_lock);
    return o;
}

int gd_file_exists(const char *path) {
    GdLocation loc;
    if (gd_res_locate(path, 0, &loc) != GD_OK) return 0;
    if (loc.in_pack) return 1; /* PackedData::has_path */
    int64_t err;
    FILE *f = os_open(loc.os_path, 0, &err);
    if (f) fclose(f);
    return f != NULL;
}

static HFile *opened(HObj *o, const char *method) {
    if (!o->file) gd_fatal("FileAccess.%s called on a %s", method, gd_obj_class_name(o));
    if (!o->file->f) {
        gd_host_error(method, "File must be opened before use.");
        return NULL;
    }
    return o->file;
}

uint64_t gd_file_get_length(HObj *o) {
    HFile *h = opened(o, "get_length");
    return h ? h->len : 0;
}

uint64_t gd_file_get_position(HObj *o) {
    HFile *h = opened(o, "get_position");
    return h ? h->pos : 0;
}

void gd_file_seek(HObj *o, int64_t pos) {
    HFile *h = opened(o, "seek");
    if (!h) return;
    h->pos = (uint64_t)pos;
    /* FileAccessPack flags EOF when seeking past the end; FileAccessUnix clears the error */
    h->eof = h->in_pack ? (uint64_t)pos > h->len : 0;
}

void gd_file_get_buffer(HObj *o, int64_t length, void *r_packed) {
    HFile *h = opened(o, "get_buffer");
    gd_val_destroy(VT_PACKED_BYTE_ARRAY, r_packed); /* the returned Vector replaces r_ret */
    gd_val_default(VT_PACKED_BYTE_ARRAY, r_packed);
    if (!h) return;
    if (length < 0) {
        gd_host_error("get_buffer", "Length of buffer cannot be smaller than 0.");
        return;
    }
    if (h->write) return; /* fread on a "wb" stream reads nothing; only READ files are logged */
    uint64_t start = h->pos, n = 0;
    if (length > 0 && !(h->in_pack && h->eof)) { /* FileAccessPack reads nothing once at EOF */
        uint64_t want = (uint64_t)length, avail = h->pos < h->len ? h->len - h->pos : 0;
        n = want < avail ? want : avail;
        if (want > avail) h->eof = 1; /* asked for more than is left: ERR_FILE_EOF */
    }
    if (n > 0) {
        gd_packed_resize(r_packed, VT_PACKED_BYTE_ARRAY, (int64_t)n);
        unsigned char *dst = gd_packed_at(r_packed, VT_PACKED_BYTE_ARRAY, 0, 1);
        size_t got = 0;
        if (fseeko(h->f, (off_t)(h->base + h->pos), SEEK_SET) == 0) got = fread(dst, 1, (size_t)n, h->f);
        if (got < n) {
            h->eof = 1; /* the file shrank under us */
            gd_packed_resize(r_packed, VT_PACKED_BYTE_ARRAY, (int64_t)got);
        }
        n = got;
        h->pos += n;
    }
    gd_read_log_add(h->path, start, n, h->len);
}

void gd_file_store_buffer(HObj *o, const void *packed) {
    HFile *h = opened(o, "store_buffer");
    if (!h) return;
    int64_t n = gd_packed_len(gd_packed_get(packed, VT_PACKED_BYTE_ARRAY));
    if (n == 0) return;
    if (!h->write) { /* FileAccessUnix's fwrite on "rb" fails; FileAccessPack: ERR_FAIL() */
        gd_host_error("store_buffer", "Condition \"fwrite(p_src, 1, p_length, f) != p_length\" is true (file '%s' opened for READ).", h->path);
        return;
    }
    const void *src = gd_packed_at((void *)packed, VT_PACKED_BYTE_ARRAY, 0, 0);
    if (fseeko(h->f, (off_t)h->pos, SEEK_SET) != 0 || fwrite(src, 1, (size_t)n, h->f) != (size_t)n) {
        gd_host_error("store_buffer", "write to '%s' failed", h->path);
        return;
    }
    h->pos += (uint64_t)n;
    if (h->pos > h->len) h->len = h->pos;
}

void gd_file_close(HObj *o) {
    if (!o->file) gd_fatal("FileAccess.close called on a %s", gd_obj_class_name(o));
    if (o->file->f) fclose(o->file->f); /* closing twice is harmless, as in Godot */
    o->file->f = NULL;
}

int64_t gd_file_get_error(HObj *o) {
    if (!o->file) gd_fatal("FileAccess.get_error called on a %s", gd_obj_class_name(o));
    return o->file->eof ? GD_ERR_FILE_EOF : GD_OK;
}

void gd_file_free(HObj *o) {
    gd_file_close(o); /* deleting a FileAccess closes it */
    free(o->file->path);
    free(o->file);
    o->file = NULL;
    pthread_mutex_lock(&g_file_lock);
    g_live_files--;
    pthread_mutex_unlock(&g_file_lock);
}

/* FileAccess::get_file_as_bytes: open + get_length + one get_buffer of the whole file. */
unsigned char *gd_res_read(const char *path, size_t *r_size, int64_t *r_error) {
    GdLocation loc;
    *r_error = gd_res_locate(path, 0, &loc);
    if (*r_error != GD_OK) return NULL;
    FILE *f = os_open(loc.os_path, 0, r_error);
    if (!f) return NULL;
    uint64_t off = loc.offset, size = loc.size;
    if (!loc.in_pack) {
        fseeko(f, 0, SEEK_END);
        size = (uint64_t)ftello(f);
    }
    unsigned char *buf = gd_xmalloc(size > 0 ? (size_t)size : 1);
    size_t got = 0;
    if (fseeko(f, (off_t)off, SEEK_SET) == 0) got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    *r_size = got;
    gd_read_log_add(path, 0, got, size);
    return buf;
}

int64_t gd_res_file_size(const char *path) {
    GdLocation loc;
    if (gd_res_locate(path, 0, &loc) != GD_OK) return -1;
    if (loc.in_pack) return (int64_t)loc.size;
    struct stat st;
    if (stat(loc.os_path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    return (int64_t)st.st_size;
}

/* ------------------------------------------------------------------ read log */

typedef struct {
    char *path;
    uint64_t offset, size, file_size;
} ReadRec;

static ReadRec *g_reads;
static size_t g_nreads, g_creads;

void gd_read_log_add(const char *path, uint64_t offset, uint64_t size, uint64_t file_size) {
    pthread_mutex_lock(&g_file_lock); /* reads may come from the extension's worker threads */
    if (g_nreads == g_creads) {
        g_creads = g_creads ? g_creads * 2 : 64;
        g_reads = gd_xrealloc(g_reads, g_creads * sizeof *g_reads);
    }
    g_reads[g_nreads++] = (ReadRec){ gd_xstrdup(path), offset, size, file_size };
    pthread_mutex_unlock(&g_file_lock);
}

void gd_read_log_clear(void) {
    pthread_mutex_lock(&g_file_lock);
    for (size_t i = 0; i < g_nreads; i++) free(g_reads[i].path);
    free(g_reads);
    g_reads = NULL;
    g_nreads = g_creads = 0;
    pthread_mutex_unlock(&g_file_lock);
}

static int by_offset(const void *a, const void *b) {
    const ReadRec *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int gd_read_log_report(const char *path, int check_streamed, char *r_why, size_t why_len) {
    pthread_mutex_lock(&g_file_lock);
    size_t n = 0;
    uint64_t largest = 0, total = 0;
    int64_t file_size = -1;
    ReadRec *mine = gd_xmalloc((g_nreads + 1) * sizeof *mine);
    for (size_t i = 0; i < g_nreads; i++) {
        ReadRec *r = &g_reads[i];
        if (strcmp(r->path, path)) continue;
        printf("read %s offset=%llu size=%llu\n", path, (unsigned long long)r->offset, (unsigned long long)r->size);
        mine[n++] = *r;
        if (r->size > largest) largest = r->size;
        total += r->size;
        file_size = (int64_t)r->file_size; /* the size the file had when it was read */
    }
    pthread_mutex_unlock(&g_file_lock);
    if (file_size < 0) file_size = gd_res_file_size(path);
    printf("reads %s: %zu reads, largest %llu, total %llu, file %lld bytes\n", path, n, (unsigned long long)largest,
           (unsigned long long)total, (long long)file_size);
    int ok = 1;
    r_why[0] = 0;
    if (check_streamed) {
        if (n == 0) {
            snprintf(r_why, why_len, "no read of %s since clear_read_log", path);
            ok = 0;
        }
        for (size_t i = 0; i < n && ok; i++)
            if (mine[i].size >= mine[i].file_size) {
                snprintf(r_why, why_len, "the read at offset %llu took %llu bytes, the whole %llu-byte file at once",
                         (unsigned long long)mine[i].offset, (unsigned long long)mine[i].size, (unsigned long long)mine[i].file_size);
                ok = 0;
            }
        qsort(mine, n, sizeof *mine, by_offset);
        uint64_t end = 0;
        int have = 0;
        for (size_t i = 0; i < n && ok; i++) {
            if (mine[i].size == 0) continue;
            if (have && mine[i].offset < end) {
                uint64_t last = end < mine[i].offset + mine[i].size ? end : mine[i].offset + mine[i].size;
                snprintf(r_why, why_len, "bytes %llu..%llu were read twice", (unsigned long long)mine[i].offset,
                         (unsigned long long)(last - 1));
                ok = 0;
            }
            if (mine[i].offset + mine[i].size > end) end = mine[i].offset + mine[i].size;
            have = 1;
        }
    }
    free(mine);
    return ok;
}
