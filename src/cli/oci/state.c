/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cli/oci/cli.h"
#include "cli/oci/options.h"
#include "util/cleanup.h"

static int state_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_id_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_id_only(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        struct cell_container_state state = {0};
        if (cell_container_state(&ctx->rt, args.id, &state, &err) < 0)
                return cli_fail(&err);
        _cleanup_free_ char *json = cell_container_state_json(&state, true);
        cell_container_state_release(&state);
        printf("%s\n", json);
        return 0;
}

const struct cli_verb cli_verb_state = {
        .name = "state",
        .run = state_main,
        .summary = "print the state of a container as JSON",
        .usage = "Usage: cell-oci state ID\n"
                 "\n"
                 "Print the runtime-spec state of the container ID (ociVersion, id, status,\n"
                 "pid, bundle, annotations, ...) as JSON.\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
