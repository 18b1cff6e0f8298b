/* SPDX-License-Identifier: Apache-2.0 */
/* `cell attach`: our terminal on a detached container's (engine/attach.h). */
#include "cli/engine/ctr_verbs.h"
#include "engine/attach.h"

static const struct ecli_option options[] = {
        {"no-stdin", 0, ECLI_FLAG, NULL, "Do not attach STDIN"},
        {0},
};

static int run_attach(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int status = ECLI_EXIT_ENGINE;
        if (cell_ctr_lookup(&e, a->argv[0], false, &c, &err) == 0) {
                struct cell_engine_attach_opts o = {.no_stdin = ecli_flag(a, "no-stdin")};
                if (cell_engine_attach(&e, &c, &o, &status, &err) < 0)
                        ecli_fail(&err);
                cell_ctr_release(&c);
        } else {
                ecli_fail(&err);
        }
        cell_engine_close(&e);
        return status;
}

const struct ecli_verb ecli_verb_attach = {
        .name = "attach",
        .usage = "[OPTIONS] CONTAINER",
        .summary = "Attach local standard input, output, and error streams to a running container",
        .description = "Shows what a detached container writes from now on, and sends it our input "
                       "when it has a terminal or was run with -i. Ends when the container exits "
                       "(with its status), or with a terminal on ctrl-p ctrl-q (the container goes on).",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_attach,
};
