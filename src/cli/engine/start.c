/* SPDX-License-Identifier: Apache-2.0 */
/* `cell start`: run created or stopped containers. */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"

static const struct ecli_option options[] = {
        {"attach", 'a', ECLI_FLAG, NULL, "Attach STDOUT/STDERR and forward signals"},
        {"interactive", 'i', ECLI_FLAG, NULL, "Attach container's STDIN"},
        {0},
};

static int run_start(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        bool attach = ecli_flag(a, "attach") || ecli_flag(a, "interactive");
        if (attach && a->argc > 1) {
                cell_engine_close(&e);
                return ecli_error("you cannot start and attach multiple containers at once");
        }
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_ctr c;
                int status = 0;
                if (cell_ctr_lookup(&e, a->argv[i], false, &c, &err) < 0 ||
                    ctr_verbs_start(&e, &c, attach, ecli_flag(a, "interactive"), &status, &err) < 0) {
                        rc = ctr_verbs_fail(&err);
                } else if (attach) {
                        rc = status;
                } else {
                        printf("%s\n", a->argv[i]);
                }
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return rc;
}

const struct ecli_verb ecli_verb_start = {
        .name = "start",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Start one or more stopped containers",
        .options = options,
        .min_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_start,
};
