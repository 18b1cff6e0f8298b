/* SPDX-License-Identifier: Apache-2.0 */
/* `cell cp`: copy files between a container and the host (engine/cp.h). */
#include <stdlib.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/cp.h"

static int run_cp(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        char *sc, *sp, *dc, *dp;
        int from = cell_cp_split(a->argv[0], &sc, &sp);
        int to = cell_cp_split(a->argv[1], &dc, &dp);
        int r = -1;
        if (from == to) {
                ecli_error(from ? "copying between containers is not supported"
                                : "one of SRC and DST must be CONTAINER:PATH");
                goto out;
        }
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0) {
                ecli_fail(&err);
                goto out;
        }
        struct cell_ctr c;
        if (cell_ctr_lookup(&e, from ? sc : dc, false, &c, &err) == 0) {
                r = cell_engine_cp(&e, &c, from ? CELL_CP_FROM_CONTAINER : CELL_CP_TO_CONTAINER,
                                   from ? sp : a->argv[0], from ? a->argv[1] : dp, &err);
                cell_ctr_release(&c);
        }
        if (r < 0)
                ecli_fail(&err);
        cell_engine_close(&e);
out:
        free(sc);
        free(sp);
        free(dc);
        free(dp);
        return r < 0 ? ECLI_EXIT_ENGINE : 0;
}

const struct ecli_verb ecli_verb_cp = {
        .name = "cp",
        .usage = "CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH",
        .summary = "Copy files/folders between a container and the local filesystem",
        .description = "Copies a file or a directory (recursively) out of a container or into it. "
                       "Paths in the container are resolved inside its root: its symlinks cannot "
                       "lead the copy out of it. A destination that is a directory receives the "
                       "source under its name; SRC_PATH ending in /. copies a directory's content.",
        .min_args = 2,
        .max_args = 2,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_cp,
};
