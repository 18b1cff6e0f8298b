/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_LAYER_INTERNAL_H
#define CELL_IMAGE_LAYER_INTERNAL_H

/*
 * What one tar entry of a layer becomes, decided from its name alone (pure,
 * so tests/unit/test_image_layer.c checks it without root).
 */

#include "util/error.h"

enum layer_entry_kind {
        LAYER_ENTRY_FILE,     /* extract at `path` */
        LAYER_ENTRY_ROOT,     /* "./" or "/": the layer's own root, skipped */
        LAYER_ENTRY_WHITEOUT, /* ".wh.NAME": a 0/0 char device at `path` (dir/NAME) */
        LAYER_ENTRY_OPAQUE,   /* ".wh..wh..opq": trusted.overlay.opaque=y on dir `path` ("" = root) */
        LAYER_ENTRY_SKIP,     /* another ".wh..wh.*" (aufs's own bookkeeping) */
};

struct layer_entry_plan {
        enum layer_entry_kind kind;
        char *path; /* relative, clean: no leading '/', no "." or "" components; caller frees */
};

/*
 * Plan entry `name`: leading "/" and "./" are stripped (docker does the
 * same), "//" and "." components dropped, a trailing "/" removed.  A ".."
 * component is refused: err "entry \"NAME\": path with a \"..\" component".
 * A whiteout of "." or ".." is refused too.
 */
int layer_entry_plan(const char *name, struct layer_entry_plan *out, struct cell_error *err);

/* Clean a hard link target the same way (refusing ".." and an empty target). */
char *layer_clean_path(const char *name, struct cell_error *err);

#endif
