/* SPDX-License-Identifier: Apache-2.0 */
#include "image/layer_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_NAME ".wh..wh..opq"
#define AUFS_META_PREFIX ".wh..wh."

char *layer_clean_path(const char *name, struct cell_error *err)
{
        size_t len = strlen(name);
        char *out = xmalloc(len + 1);
        size_t o = 0;
        const char *p = name;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t clen = (size_t)(end - p);
                if (clen == 0)
                        break;
                if (clen == 2 && p[0] == '.' && p[1] == '.') {
                        free(out);
                        cell_error_set(err, 0, "entry \"%s\": path with a \"..\" component", name);
                        return NULL;
                }
                if (!(clen == 1 && p[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, clen);
                        o += clen;
                }
                p = end;
        }
        out[o] = '\0';
        return out;
}

int layer_entry_plan(const char *name, struct layer_entry_plan *out, struct cell_error *err)
{
        out->path = NULL;
        char *clean = layer_clean_path(name, err);
        if (!clean)
                return -1;
        if (!*clean) {
                out->kind = LAYER_ENTRY_ROOT;
                out->path = clean;
                return 0;
        }
        char *slash = strrchr(clean, '/');
        char *base = slash ? slash + 1 : clean;
        if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0) {
                out->kind = LAYER_ENTRY_FILE;
                out->path = clean;
                return 0;
        }
        if (strcmp(base, OPAQUE_NAME) == 0) {
                out->kind = LAYER_ENTRY_OPAQUE;
                *base = '\0';
                if (slash)
                        *slash = '\0';
                out->path = clean;
                return 0;
        }
        if (strncmp(base, AUFS_META_PREFIX, strlen(AUFS_META_PREFIX)) == 0) {
                out->kind = LAYER_ENTRY_SKIP;
                out->path = clean;
                return 0;
        }
        const char *target = base + strlen(WHITEOUT_PREFIX);
        if (!*target || strcmp(target, ".") == 0 || strcmp(target, "..") == 0) {
                free(clean);
                return cell_error_set(err, 0, "entry \"%s\": whiteout of no file", name);
        }
        memmove(base, target, strlen(target) + 1);
        out->kind = LAYER_ENTRY_WHITEOUT;
        out->path = clean;
        return 0;
}
