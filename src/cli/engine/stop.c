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

static int stop_or_restart(struct ecli_ctx *ctx, const struct ecli_args *a, bool restart)
{
        struct cell_error err = {0};
        long long t = -1;
        if (ecli_given(a, "time") && ecli_value_int(a, "time", -1, -1, 1000000, &t, &err) < 0)
                return ecli_fail(&err);
        int sig = 0;
        const char *s = ecli_value(a, "signal");
        if (s && cell_signal_parse(s, &sig, &err) < 0)
                return ecli_fail(&err);
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_ctr c;
                if (cell_ctr_lookup(&e, a->argv[i], false, &c, &err) < 0) {
                        rc = ecli_fail(&err);
                        continue;
                }
                if (sig)
                        c.stop_signal = sig;
                int status;
                if (ctr_verbs_stop(&e, &c, t >= 0 ? (int)t : c.stop_timeout, &err) < 0 ||
                    (restart && ctr_verbs_start(&e, &c, false, false, &status, &err) < 0))
                        rc = ecli_fail(&err);
                else
                        printf("%s\n", a->argv[i]);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return rc;
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
