/* res:// for the harness: a root folder (like a project directory) and Godot
 * .pck packs mounted on top of it (like --main-pack / load_resource_pack).
 * Pack format version 2 (Godot 4.0 to 4.3): "GDPC", u32 version, u32 major,
 * minor, patch, u32 flags (bit 0 encrypted directory, bit 1 file base relative
 * to the pack start), u64 file base, 16 reserved u32, u32 file count, then per
 * file: u32 path length, path bytes, u64 offset (from the file base), u64 size,
 * 16 bytes md5, u32 flags (bit 0 encrypted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdhost.h"

typedef struct {
    char *pack, *path;
    uint64_t offset, size;
} PackEntry;

static char g_root[4096];
static PackEntry *g_entries;
static int g_nentries;

int gd_res_set_root(const char *dir) {
    snprintf(g_root, sizeof g_root, "%s", dir);
    return 1;
}

static const char *strip_res(const char *p) { return strncmp(p, "res://", 6) ? p : p + 6; }

static int read_exact(FILE *f, void *dst, size_t n) { return fread(dst, 1, n, f) == n; }

int gd_pck_mount(const char *pck) {
    FILE *f = fopen(pck, "rb");
    if (!f) return 0;
    uint32_t magic = 0, version = 0, major = 0, minor = 0, patch = 0, flags = 0, count = 0, reserved;
    uint64_t base = 0;
    int ok = read_exact(f, &magic, 4) && magic == 0x43504447u /* "GDPC" */ && read_exact(f, &version, 4) &&
             read_exact(f, &major, 4) && read_exact(f, &minor, 4) && read_exact(f, &patch, 4);
    if (ok && version != 2) {
        gd_host_error("load_resource_pack", "Pack version unsupported: %u.", version);
        ok = 0;
    }
    ok = ok && read_exact(f, &flags, 4) && read_exact(f, &base, 8);
    if (ok && (flags & 1)) {
        gd_host_error("load_resource_pack", "encrypted pack directories are not supported by the harness");
        ok = 0;
    }
    for (int i = 0; ok && i < 16; i++) ok = read_exact(f, &reserved, 4);
    ok = ok && read_exact(f, &count, 4) && count < 1000000;
    for (uint32_t i = 0; ok && i < count; i++) {
        uint32_t len = 0, fflags = 0;
        uint64_t ofs = 0, size = 0;
        unsigned char md5[16];
        ok = read_exact(f, &len, 4) && len < 4096;
        char *path = ok ? gd_xmalloc(len + 1) : NULL;
        ok = ok && read_exact(f, path, len) && read_exact(f, &ofs, 8) && read_exact(f, &size, 8) &&
             read_exact(f, md5, 16) && read_exact(f, &fflags, 4);
        if (!ok) { free(path); break; }
        path[len] = '\0';
        g_entries = gd_xrealloc(g_entries, sizeof(PackEntry) * (size_t)(g_nentries + 1));
        g_entries[g_nentries++] = (PackEntry){ gd_xstrdup(pck), path, base + ofs, size };
    }
    fclose(f);
    if (!ok) gd_host_error("load_resource_pack", "corrupt or truncated pack '%s'", pck);
    return ok;
}

static unsigned char *read_range(const char *file, uint64_t offset, long size, size_t *r_size) {
    FILE *f = fopen(file, "rb");
    if (!f) return NULL;
    if (size < 0) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
    }
    unsigned char *buf = gd_xmalloc(size > 0 ? (size_t)size : 1);
    int ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(buf, 1, (size_t)size, f) == (size_t)size;
    fclose(f);
    if (!ok) { free(buf); return NULL; }
    *r_size = (size_t)size;
    return buf;
}

unsigned char *gd_res_read(const char *path, size_t *r_size) {
    if (!strncmp(path, "res://", 6)) {
        for (int i = g_nentries - 1; i >= 0; i--) /* the last mounted pack wins, as in Godot */
            if (!strcmp(strip_res(g_entries[i].path), strip_res(path)))
                return read_range(g_entries[i].pack, g_entries[i].offset, (long)g_entries[i].size, r_size);
        if (!g_root[0]) return NULL;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", g_root, path + 6);
        return read_range(full, 0, -1, r_size);
    }
    if (!strncmp(path, "user://", 7)) return NULL;
    return read_range(path, 0, -1, r_size);
}
