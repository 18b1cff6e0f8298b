/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_STORE_INTERNAL_H
#define CELL_IMAGE_STORE_INTERNAL_H

/* Private to src/image/store*.c, layer.c and builtin.c. */

#include "image/store.h"

struct cell_store {
        char *root;  /* canonical path */
        int root_fd; /* O_PATH|O_DIRECTORY of root */
        int lock_fd; /* <root>/lock; flock()ed per lock_mode */
        int lock_mode; /* 0, LOCK_SH or LOCK_EX */
};

/* Take meta.lock exclusively; returns its fd (close to release). */
int store_meta_lock(struct cell_store *s, struct cell_error *err);

/* A name for a tmp/ entry: "<pid>-<what>-<random hex>".  Caller frees. */
char *store_tmp_name(const char *what);

/* fsync the directory `rel` (relative to the store root). */
int store_fsync_dir(struct cell_store *s, const char *rel, struct cell_error *err);

/* Parse images.json text (NULL: no images).  Frees nothing of `text`. */
int store_images_parse(const char *text, struct cell_image **out, size_t *n,
                       struct cell_error *err);

/* Copy of `img` normalized before it is stored. */
void store_image_copy(struct cell_image *dst, const struct cell_image *src);

#endif
