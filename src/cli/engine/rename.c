/* SPDX-License-Identifier: Apache-2.0 */
/* `cell rename`: give a container a new (unique) name. */
#include "cli/engine/ctr_verbs.h"

static int run_rename(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0)
                r = cell_ctr_rename(&e, &c, a->argv[1], &err);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_rename = {
        .name = "rename",
        .usage = "CONTAINER NEW_NAME",
        .summary = "Rename a container",
        .min_args = 2,
        .max_args = 2,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_rename,
};
