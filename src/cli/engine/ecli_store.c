/* SPDX-License-Identifier: Apache-2.0 */
/* The store a verb opens on first use; ecli_main() closes it after run(). */
#include "cli/engine/ecli.h"
#include "image/store.h"

static void store_close(struct cell_store *s)
{
        cell_store_close(s);
}

int ecli_store(struct ecli_ctx *ctx, struct cell_store **out, struct cell_error *err)
{
        if (!ctx->store) {
                if (cell_store_open(ctx->g.storage, &ctx->store, err) < 0)
                        return -1;
                ctx->store_close = store_close;
        }
        *out = ctx->store;
        return 0;
}
