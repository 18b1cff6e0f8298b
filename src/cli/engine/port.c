/* SPDX-License-Identifier: Apache-2.0 */
/* `cell port`: the ports a container's network driver published (none for none and host). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/network.h"

static int run_port(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0) {
                char *text = cell_net_ports_text(&c);
                const char *want = a->argc > 1 ? a->argv[1] : NULL;
                for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                        if (!want || strncmp(line, want, strlen(want)) == 0)
                                printf("%s\n", line);
                free(text);
        }
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_port = {
        .name = "port",
        .usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
        .summary = "List port mappings or a specific mapping for the container",
        .min_args = 1,
        .max_args = 2,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_port,
};
