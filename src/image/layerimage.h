/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_LAYERIMAGE_H
#define CELL_IMAGE_LAYERIMAGE_H

/*
 * Images made here from one new layer: `cell import` (a rootfs tar becomes
 * an image of one layer) and `cell commit` (a container's writable layer
 * becomes a layer on top of its image).
 *
 * The new layer is stored as an uncompressed tar blob (its digest is its
 * diff id), unpacked by the store like any pulled layer, then a config
 * (the base's, or a minimal one for this platform) gets the layer's diff id,
 * a history entry and the --change instructions, and an OCI manifest is
 * made; the image is added last, so a failure leaves no image behind.
 *
 * The caller holds the store's shared lock.  The image code knows nothing
 * of containers: commit takes the upper directory, the caller finds it.
 */

#include <json-c/json.h>
#include <stddef.h>

#include "image/digest.h"
#include "image/store.h"
#include "util/error.h"

struct cell_layer_image_opts {
        const char *name;           /* the new image's name, or NULL (dangling) */
        const char *author;         /* config "author" and the history entry's, or NULL */
        const char *comment;        /* the history entry's comment (-m), or NULL */
        const char *created_by;     /* the history entry's created_by, or NULL */
        const char *const *changes; /* Dockerfile instructions (--change) */
        size_t n_changes;
};

/*
 * Apply Dockerfile instructions to an image config's "config" object:
 * CMD, ENTRYPOINT (JSON array or shell form), ENV K=V..., EXPOSE, LABEL
 * K=V..., STOPSIGNAL, USER, VOLUME, WORKDIR.  Error: '--change "X": ...'.
 */
int cell_image_config_change(json_object *config, const char *change, struct cell_error *err);

/*
 * `cell import`: the tar at `path` ("-": standard input; gzip, zstd, xz,
 * bzip2 or plain) becomes a one-layer image.  `id_out` receives its id.
 */
int cell_image_import(struct cell_store *s, const char *path, const struct cell_layer_image_opts *o,
                      char id_out[CELL_DIGEST_MAX], struct cell_error *err);

/*
 * `cell commit`: the overlayfs upper directory `upper` (whiteouts and opaque
 * directories in overlayfs's form) becomes a layer on top of `base`.
 */
int cell_image_commit(struct cell_store *s, const struct cell_image *base, const char *upper,
                      const struct cell_layer_image_opts *o, char id_out[CELL_DIGEST_MAX],
                      struct cell_error *err);

#endif
