/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell __monitor PHASE ID [OPTIONS]`: the monitor's work that needs cell,
 * run by the holder of a detached container (engine/monitor.h).  Not for
 * people; its arguments are the monitor's own.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/monitor_engine.h"

/* The claim of a start whose record is gone: nothing is to be made. */
static int refuse_start(void *data, struct cell_error *err)
{
        return cell_error_set(err, 0, "start container %s: it was removed", (const char *)data);
}

static int run_monitor(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        /* The starter may be re-executed by the runtime (runtime/dmz.h): as itself. */
        e.rt.self_argv = ctx->argv;
        char **argv = calloc((size_t)a->argc + 2, sizeof(*argv));
        argv[0] = "__monitor";
        for (int i = 0; i < a->argc; i++)
                argv[i + 1] = a->argv[i];
        struct cell_ctr c;
        cell_ctr_init(&c);
        struct cell_monitor_engine me;
        struct cell_monitor_opts mo;
        struct cell_monitor_callbacks cb = {0};
        /* A foreground starter (--no-record) leaves the record to its caller but
         * claims it (engine/monitor.h); a record gone already (rm -f) leaves the
         * exit's runtime side to clean and refuses a start. */
        bool record = true;
        for (int i = 2; i < a->argc; i++)
                record &= strcmp(a->argv[i], "--no-record") != 0;
        bool start = strcmp(a->argv[0], "start") == 0;
        bool have = cell_ctr_load(&e, a->argv[1], false, &c, &err) == 0;
        if (have) {
                cell_monitor_engine_init(&me, &e, &c, &mo);
                cb = cell_monitor_engine_callbacks(&me);
                if (!record)
                        cb = (struct cell_monitor_callbacks){.data = &me, .claim = cb.claim};
        } else if (start) {
                cb = (struct cell_monitor_callbacks){.data = a->argv[1], .claim = refuse_start};
        }
        int status = cell_monitor_main(a->argc + 1, argv, &e.rt, have || start ? &cb : NULL);
        if (have)
                cell_monitor_engine_release(&me);
        free(argv);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return status;
}

const struct ecli_verb ecli_verb___monitor = {
        .name = "__monitor",
        .usage = "start|exited ID [OPTIONS]",
        .summary = "The monitor's work on a detached container (run by cell-monitor)",
        .stop_at_positional = true,
        .min_args = 2,
        .hidden = true,
        .run = run_monitor,
};
