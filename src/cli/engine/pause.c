/* SPDX-License-Identifier: Apache-2.0 */
/* `cell pause` / `cell unpause`: freeze and thaw every process of containers. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/vm_ctr.h"

/* `data` a bool: pause (true) or unpause.  The record is locked. */
static int pause_or_unpause(struct cell_engine *e, struct cell_ctr *c, const char *name, void *data,
                            struct cell_error *err)
{
        bool pause = *(const bool *)data;
        if (pause && c->state.status != CELL_CTR_RUNNING)
                return cell_error_set(err, 0, "container %s is not running", name);
        if (!pause && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0, "container %s is not paused", name);
        if (cell_ctr_is_vm(c))
                return cell_error_set(err, 0, "container %s is a micro-VM: %s is not supported yet",
                                      name, pause ? "pause" : "unpause");
        if ((pause ? cell_container_pause(&e->rt, c->id, err) : cell_container_resume(&e->rt, c->id, err)) < 0)
                return -1;
        c->state.status = pause ? CELL_CTR_PAUSED : CELL_CTR_RUNNING;
        return cell_ctr_save(e, c, err);
}

static int run_pause(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        bool pause = true;
        return ctr_verbs_each(ctx, a, true, pause_or_unpause, &pause);
}

static int run_unpause(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        bool pause = false;
        return ctr_verbs_each(ctx, a, true, pause_or_unpause, &pause);
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
