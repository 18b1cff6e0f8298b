/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_IMAGE_VERBS_H
#define CELL_CLI_ENGINE_IMAGE_VERBS_H

/*
 * What the image verbs (images.c, rmi.c, tag.c, history.c, image.c) share.
 * Implemented in image.c.
 */

#include <stdbool.h>
#include <stddef.h>

#include "cli/engine/ecli.h"
#include "image/store.h"

/*
 * The store at ctx->g.storage, opened once per command and closed by the
 * framework after run() (ctx->store / ctx->store_close).
 */
int image_verbs_store(struct ecli_ctx *ctx, struct cell_store **out, struct cell_error *err);

/* An image id as docker shows it: 12 hex, or "sha256:<64 hex>" with no_trunc. */
void image_verbs_short_id(const char *id, bool no_trunc, char *buf, size_t size);

/*
 * The ids of the images that containers of this engine were made from
 * (NULL-terminated, caller frees with cell_strv_free), and with `names` the
 * matching container names.
 */
int image_verbs_used_ids(struct ecli_ctx *ctx, char ***ids, char ***names, struct cell_error *err);

/*
 * Remove every image in `ids` that no container uses (or, for an image
 * some container uses, only its names) and then the blobs and layers no
 * image needs any more; print docker's "Untagged: ..." / "Deleted: ..."
 * lines.  The caller holds the store's exclusive lock.
 */
int image_verbs_delete(struct cell_store *s, const struct cell_image *img, char **used,
                       struct cell_error *err);

#endif
