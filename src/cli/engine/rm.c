/* SPDX-License-Identifier: Apache-2.0 */
/* `cell rm`: remove containers (their record, writable layer, mounts and runtime state). */
#include <stdio.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/lifecycle.h"

static const struct ecli_option options[] = {
        {"force", 'f', ECLI_FLAG, NULL, "Force the removal of a running container (uses SIGKILL)"},
        {"volumes", 'v', ECLI_FLAG, NULL, "Remove anonymous volumes associated with the container"},
        {"all", 0, ECLI_FLAG, NULL, "Remove every container"},
        {0},
};

static int remove_one(struct cell_engine *e, const char *name, bool force, bool volumes, bool quiet)
{
        struct cell_error err = {0};
        struct cell_ctr c;
        int r = cell_ctr_lookup(e, name, false, &c, &err);
        if (r == 0)
                r = cell_engine_ctr_remove(e, &c, force, volumes, &err);
        cell_ctr_release(&c);
        if (r < 0)
                return ecli_fail(&err);
        if (!quiet)
                printf("%s\n", name);
        return 0;
}

static int run_rm(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        bool all = ecli_flag(a, "all");
        if (!all && a->argc == 0)
                return ecli_error("\"rm\" requires at least 1 argument");
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        bool force = ecli_flag(a, "force"), volumes = ecli_flag(a, "volumes");
        int rc = 0;
        for (int i = 0; i < a->argc; i++)
                if (remove_one(&e, a->argv[i], force, volumes, false) != 0)
                        rc = ECLI_EXIT_ENGINE;
        if (all) {
                struct cell_ctr *list;
                size_t n;
                if (cell_ctr_list(&e, &list, &n, &err) < 0) {
                        rc = ecli_fail(&err);
                        n = 0;
                        list = NULL;
                }
                for (size_t i = 0; i < n; i++)
                        if (remove_one(&e, list[i].id, force, volumes, false) != 0)
                                rc = ECLI_EXIT_ENGINE;
                cell_ctr_list_free(list, n);
        }
        cell_engine_close(&e);
        return rc;
}

const struct ecli_verb ecli_verb_rm = {
        .name = "rm",
        .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
        .summary = "Remove one or more containers",
        .description = "Removes containers. A running container is refused unless --force, which "
                       "kills it first.",
        .options = options,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_rm,
};
