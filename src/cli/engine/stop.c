/* SPDX-License-Identifier: Apache-2.0 */
/* `cell stop` and `cell restart`: the container's stop signal, then SIGKILL after a timeout. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"
#include "util/signals.h"

static const struct ecli_option options[] = {
        {"time", 't', ECLI_VALUE, "SECONDS", "Seconds to wait before killing the container"},
        {"signal", 's', ECLI_VALUE, "SIGNAL", "Signal to send to the container", .complete = "signal"},
        {0},
};

struct stop {
        long long timeout; /* -1: the container's own */
        int signal;        /* 0: the container's own */
        bool restart;
};

static int stop_one(struct cell_engine *e, struct cell_ctr *c, const char *name, void *data,
                    struct cell_error *err)
{
        (void)name;
        const struct stop *s = data;
        if (s->signal)
                c->stop_signal = s->signal;
        int status;
        if (ctr_verbs_stop(e, c, s->timeout >= 0 ? (int)s->timeout : c->stop_timeout, err) < 0)
                return -1;
        return s->restart ? ctr_verbs_start(e, c, false, false, &status, err) : 0;
}

static int stop_or_restart(struct ecli_ctx *ctx, const struct ecli_args *a, bool restart)
{
        struct cell_error err = {0};
        struct stop s = {.timeout = -1, .restart = restart};
        if (ecli_given(a, "time") && ecli_value_int(a, "time", -1, -1, 1000000, &s.timeout, &err) < 0)
                return ecli_fail(&err);
        const char *sig = ecli_value(a, "signal");
        if (sig && cell_signal_parse(sig, &s.signal, &err) < 0)
                return ecli_fail(&err);
        return ctr_verbs_each(ctx, a, false, stop_one, &s);
}

static int run_stop(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        return stop_or_restart(ctx, a, false);
}

static int run_restart(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        return stop_or_restart(ctx, a, true);
}

const struct ecli_verb ecli_verb_stop = {
        .name = "stop",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Stop one or more running containers",
        .description = "Sends the container's stop signal (the image's StopSignal, else SIGTERM), "
                       "then SIGKILL when it has not exited after the timeout (default 10 seconds).",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_stop,
};

const struct ecli_verb ecli_verb_restart = {
        .name = "restart",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Restart one or more containers",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_restart,
};
