/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int delete_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_delete_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_delete(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_delete(&ctx->rt, args.id, args.force, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_delete = {
        .name = "delete",
        .run = delete_main,
        .summary = "remove a stopped (or, with --force, any) container",
        .usage = "Usage: cell-oci delete [OPTIONS] ID\n"
                 "\n"
                 "Remove the container ID and everything it holds (state, cgroup).\n"
                 "\n"
                 "Options:\n"
                 "  -f, --force   kill a running container first; an unknown ID is no error\n"
                 "  -h, --help    show this help\n",
};
