/* SPDX-License-Identifier: Apache-2.0 */
/* `cell top`: the processes of a running container, as ps(1) shows them. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/vm_ctr.h"

static int run_top(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        char *out = NULL;
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0 && c.state.status != CELL_CTR_RUNNING && c.state.status != CELL_CTR_PAUSED)
                r = cell_error_set(&err, 0, "container %s is not running", a->argv[0]);
        if (r == 0 && cell_ctr_is_vm(&c))
                r = cell_error_set(&err, 0, "container %s is a micro-VM: top is not supported yet "
                                            "(cell exec %s ps)", a->argv[0], a->argv[0]);
        if (r == 0)
                r = cell_container_ps_table(&e.rt, c.id, a->argc > 1 ? a->argv + 1 : NULL, &out, &err);
        if (r == 0)
                fputs(out, stdout);
        free(out);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_top = {
        .name = "top",
        .usage = "CONTAINER [ps OPTIONS]",
        .summary = "Display the running processes of a container",
        .min_args = 1,
        .stop_at_positional = true,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_top,
};
