/* Godot .pck packs mounted on res:// (like --main-pack / ProjectSettings.load_resource_pack),
 * and a writer that lays packs out the way Godot's own PCKPacker does.
 *
 * Both formats start with: "GDPC", u32 format version, u32 engine major, minor, patch,
 * u32 pack flags (bit 0 encrypted directory, bit 1 file base relative to the pack start),
 * u64 file base.
 *   Version 2 (Godot 4.0 to 4.3): 16 reserved u32, then the directory.
 *   Version 3 (Godot 4.4+): u64 directory offset (from the pack start), 16 reserved u32;
 *     the directory sits at that offset (PCKPacker puts it after the file data). Flag bit 1
 *     is always set and the file base is relative to the pack start.
 * Directory: u32 count, then per file u32 path length (PCKPacker pads the path with NULs to
 * 4 bytes), UTF-8 path ("res://" prefix optional; 4.4 drops it), u64 offset from the file
 * base, u64 size, 16 bytes MD5 of the file, u32 flags (bit 0 encrypted file; bit 1, v3 only,
 * PACK_FILE_REMOVAL: the path is removed from the packs mounted so far).
 * All integers are little-endian. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "gdhost.h"

#define PACK_MAGIC 0x43504447u /* "GDPC" */
#define PACK_DIR_ENCRYPTED 1u
#define PACK_REL_FILEBASE 2u
#define PACK_FILE_ENCRYPTED 1u
#define PACK_FILE_REMOVAL 2u
#define PACK_ALIGN 32 /* PCKPacker's default alignment */

typedef struct {
    char *pack, *key; /* key: the simplified path without "res://" */
    uint64_t offset, size;
    int removal;
} PackEntry;

static PackEntry *g_entries;
static int g_nentries;

/* Godot compares pack paths after simplify_path(); 4.4 also drops "res://". */
static char *pack_key(const char *path) {
    if (!strncmp(path, "res://", 6)) path += 6;
    size_t n = strlen(path);
    char *out = gd_xmalloc(n + 1);
    size_t k = 0;
    const char *s = path;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || (len == 1 && s[0] == '.')) {
            /* empty or "." segment */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            while (k > 0 && out[k - 1] != '/') k--;
            if (k > 0) k--;
        } else {
            if (k) out[k++] = '/';
            memcpy(out + k, s, len);
            k += len;
        }
        s += len;
        if (*s == '/') s++;
    }
    out[k] = 0;
    return out;
}

/* ------------------------------------------------------------------ reader */

typedef struct {
    FILE *f;
    int ok;
} Rd;

static void rd(Rd *r, void *dst, size_t n) {
    if (r->ok && fread(dst, 1, n, r->f) != n) r->ok = 0;
    if (!r->ok) memset(dst, 0, n);
}
static uint32_t rd32(Rd *r) { uint32_t v; rd(r, &v, 4); return v; }
static uint64_t rd64(Rd *r) { uint64_t v; rd(r, &v, 8); return v; }

static void free_entry(PackEntry *e) {
    free(e->pack);
    free(e->key);
}

static void remove_key(const char *key) {
    for (int i = 0; i < g_nentries; i++)
        if (!strcmp(g_entries[i].key, key)) {
            free_entry(&g_entries[i]);
            memmove(&g_entries[i], &g_entries[i + 1], (size_t)(g_nentries - i - 1) * sizeof *g_entries);
            g_nentries--;
            i--;
        }
}

int gd_pck_mount(const char *pck) {
    FILE *f = fopen(pck, "rb");
    if (!f) return 0; /* like load_resource_pack on a missing file: false, no error */
    uint64_t fsize = 0;
    if (fseeko(f, 0, SEEK_END) == 0) fsize = (uint64_t)ftello(f);
    rewind(f);
    Rd r = { f, 1 };
    PackEntry *tmp = NULL;
    int ntmp = 0, reported = 0;
    uint32_t magic = rd32(&r);
    if (r.ok && magic != PACK_MAGIC) r.ok = 0;
    uint32_t version = rd32(&r), major = rd32(&r), minor = rd32(&r);
    (void)rd32(&r); /* patch, not used for validation (as in Godot) */
    if (r.ok && version != 2 && version != 3) {
        gd_host_error("load_resource_pack", "Pack version unsupported: %u.", version);
        r.ok = 0, reported = 1;
    }
    if (r.ok && major > 4) {
        gd_host_error("load_resource_pack", "Pack created with a newer version of the engine: %u.%u.", major, minor);
        r.ok = 0, reported = 1;
    }
    uint32_t flags = rd32(&r);
    uint64_t file_base = rd64(&r); /* a standalone pack starts at 0: relative == absolute */
    if (r.ok && (flags & PACK_DIR_ENCRYPTED)) {
        gd_host_error("load_resource_pack", "Can't open encrypted pack directory '%s' (gdhost has no script encryption key).", pck);
        r.ok = 0, reported = 1;
    }
    if (version == 3) {
        uint64_t dir_offset = rd64(&r);
        if (r.ok && dir_offset > fsize) r.ok = 0;
        if (r.ok && fseeko(f, (off_t)dir_offset, SEEK_SET) != 0) r.ok = 0;
    } else {
        for (int i = 0; i < 16; i++) (void)rd32(&r); /* reserved */
    }
    uint32_t count = rd32(&r);
    off_t here = ftello(f);
    /* every entry takes at least 40 bytes: a count the file cannot hold is corruption */
    if (r.ok && (here < 0 || (uint64_t)count * 40u > fsize - (uint64_t)here)) r.ok = 0;
    for (uint32_t i = 0; r.ok && i < count; i++) {
        uint32_t len = rd32(&r);
        if (!r.ok || len > 4096) { r.ok = 0; break; }
        char *path = gd_xmalloc(len + 1);
        rd(&r, path, len);
        path[len] = 0; /* PCKPacker pads with NULs */
        uint64_t ofs = rd64(&r), size = rd64(&r);
        unsigned char md5[16];
        rd(&r, md5, 16);
        uint32_t fflags = rd32(&r);
        if (!r.ok) { free(path); break; }
        if (version == 3 && (fflags & PACK_FILE_REMOVAL)) {
            tmp = gd_xrealloc(tmp, sizeof *tmp * (size_t)(ntmp + 1));
            tmp[ntmp++] = (PackEntry){ gd_xstrdup(pck), pack_key(path), 0, 0, 1 };
        } else if (fflags & PACK_FILE_ENCRYPTED) {
            gd_host_error("load_resource_pack", "Encrypted file '%s' in pack '%s' is not supported (gdhost has no script encryption key); entry skipped.", path, pck);
        } else if (file_base > fsize || ofs > fsize - file_base || size > fsize - file_base - ofs) {
            /* Godot would only fail when reading; the harness refuses such an entry up front */
            gd_host_error("load_resource_pack", "File '%s' in pack '%s' lies outside the pack (offset %llu, size %llu, pack %llu bytes); entry skipped.",
                          path, pck, (unsigned long long)(file_base + ofs), (unsigned long long)size, (unsigned long long)fsize);
        } else {
            tmp = gd_xrealloc(tmp, sizeof *tmp * (size_t)(ntmp + 1));
            tmp[ntmp++] = (PackEntry){ gd_xstrdup(pck), pack_key(path), file_base + ofs, size, 0 };
        }
        free(path);
    }
    fclose(f);
    if (!r.ok) {
        if (!reported) gd_host_error("load_resource_pack", "corrupt or truncated pack '%s'", pck);
        for (int i = 0; i < ntmp; i++) free_entry(&tmp[i]);
        free(tmp);
        return 0;
    }
    /* in directory order: a removal drops what earlier packs (and entries) added */
    for (int i = 0; i < ntmp; i++) {
        if (tmp[i].removal) {
            remove_key(tmp[i].key);
            free_entry(&tmp[i]);
            continue;
        }
        g_entries = gd_xrealloc(g_entries, sizeof *g_entries * (size_t)(g_nentries + 1));
        g_entries[g_nentries++] = tmp[i];
    }
    free(tmp);
    return 1;
}

int gd_pck_find(const char *res_path, const char **r_pack, uint64_t *r_offset, uint64_t *r_size) {
    char *key = pack_key(res_path);
    int found = 0;
    for (int i = g_nentries - 1; i >= 0 && !found; i--) /* the last mounted pack wins, as in Godot */
        if (!strcmp(g_entries[i].key, key)) {
            *r_pack = g_entries[i].pack;
            *r_offset = g_entries[i].offset;
            *r_size = g_entries[i].size;
            found = 1;
        }
    free(key);
    return found;
}

void gd_pck_unmount_all(void) {
    for (int i = 0; i < g_nentries; i++) free_entry(&g_entries[i]);
    free(g_entries);
    g_entries = NULL;
    g_nentries = 0;
}

/* ------------------------------------------------------------------ MD5 (RFC 1321) */

static uint32_t rol(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

static void md5_block(uint32_t h[4], const unsigned char *p) {
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    };
    static const int R[16] = { 7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21 };
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 | (uint32_t)p[i * 4 + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) f = (b & c) | (~b & d), g = i;
        else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
        else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
        else f = c ^ (b | ~d), g = (7 * i) % 16;
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rol(a + f + K[i] + m[g], R[(i / 16) * 4 + i % 4]);
        a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
}

void gd_md5(const unsigned char *data, size_t n, unsigned char out[16]) {
    uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
    size_t i = 0;
    for (; i + 64 <= n; i += 64) md5_block(h, data + i);
    unsigned char tail[128] = { 0 };
    size_t rest = n - i;
    memcpy(tail, data + i, rest);
    tail[rest] = 0x80;
    size_t tlen = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) tail[tlen - 8 + k] = (unsigned char)(bits >> (8 * k));
    md5_block(h, tail);
    if (tlen == 128) md5_block(h, tail + 64);
    for (int k = 0; k < 16; k++) out[k] = (unsigned char)(h[k / 4] >> (8 * (k % 4)));
}

/* ------------------------------------------------------------------ writer */

static void w32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void w64(FILE *f, uint64_t v) { fwrite(&v, 8, 1, f); }
static void pad_to(FILE *f, int align) {
    while (ftello(f) % align) fputc(0, f);
}

static unsigned char *slurp(const char *path, size_t *r_n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    Buf b = { 0 };
    unsigned char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        b.p = gd_xrealloc(b.p, b.n + n + 1);
        memcpy(b.p + b.n, chunk, n);
        b.n += n;
    }
    fclose(f);
    *r_n = b.n;
    return b.p ? (unsigned char *)b.p : gd_xmalloc(1);
}

typedef struct {
    char *path; /* as stored in the directory */
    unsigned char *data;
    size_t size;
    uint64_t ofs; /* from the file base */
    unsigned char md5[16];
    int removal;
} WFile;

static void write_dir_entry(FILE *f, const WFile *w) {
    uint32_t len = (uint32_t)strlen(w->path), pad = (4 - len % 4) % 4; /* PCKPacker pads to 4 */
    w32(f, len + pad);
    fwrite(w->path, 1, len, f);
    for (uint32_t i = 0; i < pad; i++) fputc(0, f);
    w64(f, w->ofs);
    w64(f, (uint64_t)w->size);
    fwrite(w->md5, 1, 16, f);
    w32(f, w->removal ? PACK_FILE_REMOVAL : 0);
}

int gd_pck_write(const char *out, int version, int n, const char *const *dest, const char *const *src) {
    if (version != 2 && version != 3) {
        gd_host_error("write_pack", "pack format version %d: only 2 and 3 are written", version);
        return 0;
    }
    WFile *w = gd_xmalloc(sizeof *w * (size_t)(n + 1));
    memset(w, 0, sizeof *w * (size_t)(n + 1));
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        char *key = pack_key(dest[i]);
        if (version == 2 && !strncmp(dest[i], "res://", 6)) { /* 4.3 keeps "res://" (simplify_path) */
            w[i].path = gd_xmalloc(strlen(key) + 7);
            sprintf(w[i].path, "res://%s", key);
            free(key);
        } else {
            w[i].path = key; /* 4.4+ stores the path without "res://" */
        }
        if (!src[i]) {
            if (version != 3) { gd_host_error("write_pack", "removal entries exist only in format 3"); ok = 0; }
            w[i].removal = 1;
            continue;
        }
        w[i].data = slurp(src[i], &w[i].size);
        if (!w[i].data) { gd_host_error("write_pack", "cannot read source file '%s'", src[i]); ok = 0; continue; }
        gd_md5(w[i].data, w[i].size, w[i].md5);
    }
    FILE *f = ok ? fopen(out, "wb") : NULL;
    if (ok && !f) { gd_host_error("write_pack", "Can't open file to write: '%s'.", out); ok = 0; }
    if (ok) {
        w32(f, PACK_MAGIC);
        w32(f, (uint32_t)version);
        w32(f, 4);
        w32(f, version == 2 ? 3 : 4); /* the engine that writes that format: 4.3.0 / 4.4.0 */
        w32(f, 0);
        w32(f, version == 2 ? 0 : PACK_REL_FILEBASE);
        off_t base_at = ftello(f);
        w64(f, 0); /* file base, patched below */
        off_t dir_at = ftello(f);
        if (version == 3) w64(f, 0); /* directory offset, patched below */
        for (int i = 0; i < 16; i++) w32(f, 0); /* reserved */
        uint64_t file_base, dir_offset = 0;
        if (version == 2) {
            /* 4.3 PCKPacker: directory first, offsets accumulated with alignment */
            uint64_t ofs = 0;
            for (int i = 0; i < n; i++) {
                w[i].ofs = ofs;
                ofs += w[i].size + (PACK_ALIGN - (ofs + w[i].size) % PACK_ALIGN) % PACK_ALIGN;
            }
            w32(f, (uint32_t)n);
            for (int i = 0; i < n; i++) write_dir_entry(f, &w[i]);
            pad_to(f, PACK_ALIGN);
            file_base = (uint64_t)ftello(f);
            for (int i = 0; i < n; i++) {
                fwrite(w[i].data, 1, w[i].size, f);
                pad_to(f, PACK_ALIGN);
            }
        } else {
            /* 4.4 PCKPacker: file data right after the aligned header, directory at the end */
            pad_to(f, PACK_ALIGN);
            file_base = (uint64_t)ftello(f);
            for (int i = 0; i < n; i++) {
                w[i].ofs = (uint64_t)ftello(f) - file_base;
                if (w[i].removal) continue;
                fwrite(w[i].data, 1, w[i].size, f);
                pad_to(f, PACK_ALIGN);
            }
            pad_to(f, PACK_ALIGN);
            dir_offset = (uint64_t)ftello(f);
            w32(f, (uint32_t)n);
            for (int i = 0; i < n; i++) write_dir_entry(f, &w[i]);
        }
        fseeko(f, base_at, SEEK_SET);
        w64(f, file_base);
        if (version == 3) {
            fseeko(f, dir_at, SEEK_SET);
            w64(f, dir_offset);
        }
        if (ferror(f)) { gd_host_error("write_pack", "write error on '%s'", out); ok = 0; }
        if (fclose(f) != 0) ok = 0;
    }
    for (int i = 0; i < n; i++) { free(w[i].path); free(w[i].data); }
    free(w);
    return ok;
}
