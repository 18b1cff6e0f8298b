/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int start_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_id_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_id_only(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_start(&ctx->rt, args.id, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_start = {
        .name = "start",
        .run = start_main,
        .summary = "run the user process of a created container",
        .usage = "Usage: cell-oci start ID\n"
                 "\n"
                 "Start the created container ID: its init executes process.args.\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
