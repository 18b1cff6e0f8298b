/* SPDX-License-Identifier: Apache-2.0 */
/* `cell create`: make a container from an image without starting it. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"

static const struct ecli_option options[] = {
        CTR_VERBS_CREATE_OPTIONS,
        {0},
};

static int run_create(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int r = ctr_verbs_create(ctx, &e, a, &c, &err);
        if (r == 0)
                printf("%s\n", c.id);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_create = {
        .name = "create",
        .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        .summary = "Create a new container",
        .description = "Creates a container from IMAGE and prints its id; `cell start` runs it.",
        .options = options,
        .stop_at_positional = true,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_create,
};
