/* SPDX-License-Identifier: Apache-2.0 */
/* `cell kill`: signal a running container's init. */
#include <signal.h>
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/vm_ctr.h"
#include "util/signals.h"

static const struct ecli_option options[] = {
        {"signal", 's', ECLI_VALUE, "SIGNAL", "Signal to send to the container", .def = "KILL",
         .complete = "signal"},
        {0},
};

/* A container the user killed (SIGKILL or its stop signal) is not restarted by its policy. */
static int mark_stopped_by_user(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        if (cell_ctr_lock(e, c, err) < 0)
                return -1;
        int r = cell_ctr_reload(e, c, err);
        if (r == 0) {
                c->state.stopped_by_user = true;
                r = cell_ctr_save(e, c, err);
        }
        cell_ctr_unlock(c);
        return r;
}

static int kill_one(struct cell_engine *e, struct cell_ctr *c, const char *name, void *data,
                    struct cell_error *err)
{
        int sig = *(const int *)data;
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0, "cannot kill container: %s: container %s is not running",
                                      name, c->id);
        if ((sig == SIGKILL || sig == c->stop_signal) && mark_stopped_by_user(e, c, err) < 0)
                return -1;
        return cell_engine_ctr_kill(e, c, sig, false, err);
}

static int run_kill(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        int sig;
        if (cell_signal_parse(ecli_value(a, "signal"), &sig, &err) < 0)
                return ecli_fail(&err);
        return ctr_verbs_each(ctx, a, false, kill_one, &sig);
}

const struct ecli_verb ecli_verb_kill = {
        .name = "kill",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Kill one or more running containers",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_kill,
};
