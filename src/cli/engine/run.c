/* SPDX-License-Identifier: Apache-2.0 */
/* `cell run`: create a container from an image and run its command. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/lifecycle.h"

static const struct ecli_option options[] = {
        CTR_VERBS_CREATE_OPTIONS,
        {"detach", 'd', ECLI_FLAG, NULL, "Run container in background and print container ID"},
        {0},
};

static void remove_quietly(struct cell_engine *e, struct cell_ctr *c)
{
        struct cell_error ignored;
        cell_engine_ctr_remove(e, c, true, true, &ignored);
}

static int run_run(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        bool detach = ecli_flag(a, "detach");
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        if (ctr_verbs_create(ctx, &e, a, &c, &err) < 0) {
                cell_engine_close(&e);
                return ecli_fail(&err);
        }
        int status = 0;
        int r = ctr_verbs_start(&e, &c, !detach, ecli_flag(a, "interactive"), &status, &err);
        if (r < 0)
                status = ctr_verbs_fail(&err);
        else if (detach)
                printf("%s\n", c.id);
        if (c.auto_remove && (!detach || r < 0))
                remove_quietly(&e, &c);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return status;
}

const struct ecli_verb ecli_verb_run = {
        .name = "run",
        .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
        .summary = "Create and run a new container from an image",
        .description = "Creates a container from IMAGE (its layers shared, a writable layer of its own) "
                       "and runs COMMAND in it, or the image's entrypoint and command. In the foreground "
                       "the exit status is the container's: 125 when cell itself failed, 126 when the "
                       "command cannot be executed, 127 when it is not found.",
        .options = options,
        .stop_at_positional = true,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_run,
};
