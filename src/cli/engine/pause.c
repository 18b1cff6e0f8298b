/* SPDX-License-Identifier: Apache-2.0 */
/* `cell pause` / `cell unpause`: freeze and thaw every process of containers. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"

static int pause_or_unpause(struct ecli_ctx *ctx, const struct ecli_args *a, bool pause)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_ctr c;
                int r = cell_ctr_lookup(&e, a->argv[i], true, &c, &err);
                if (r == 0 && pause && c.state.status != CELL_CTR_RUNNING)
                        r = cell_error_set(&err, 0, "container %s is not running", a->argv[i]);
                if (r == 0 && !pause && c.state.status != CELL_CTR_PAUSED)
                        r = cell_error_set(&err, 0, "container %s is not paused", a->argv[i]);
                if (r == 0)
                        r = pause ? cell_container_pause(&e.rt, c.id, &err)
                                  : cell_container_resume(&e.rt, c.id, &err);
                if (r == 0) {
                        c.state.status = pause ? CELL_CTR_PAUSED : CELL_CTR_RUNNING;
                        r = cell_ctr_save(&e, &c, &err);
                }
                if (r < 0)
                        rc = ecli_fail(&err);
                else
                        printf("%s\n", a->argv[i]);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return rc;
}

static int run_pause(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        return pause_or_unpause(ctx, a, true);
}

static int run_unpause(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        return pause_or_unpause(ctx, a, false);
}

const struct ecli_verb ecli_verb_pause = {
        .name = "pause",
        .usage = "CONTAINER [CONTAINER...]",
        .summary = "Pause all processes within one or more containers",
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_pause,
};

const struct ecli_verb ecli_verb_unpause = {
        .name = "unpause",
        .usage = "CONTAINER [CONTAINER...]",
        .summary = "Unpause all processes within one or more containers",
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_unpause,
};
