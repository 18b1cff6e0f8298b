/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int pause_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_id_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_id_only(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_pause(&ctx->rt, args.id, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_pause = {
        .name = "pause",
        .run = pause_main,
        .summary = "freeze every process of a running container",
        .usage = "Usage: cell-oci pause ID\n"
                 "\n"
                 "Freeze every process in the container's cgroup (the v1 freezer, or\n"
                 "cgroup.freeze on cgroup v2).  `state` then reports \"paused\".\n"
                 "\n"
                 "Options:\n"
                 "  -h, --help   show this help\n",
};
