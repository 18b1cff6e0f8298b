/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int kill_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_kill_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_kill(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_kill(&ctx->rt, args.id, args.signal, args.all, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_kill = {
        .name = "kill",
        .run = kill_main,
        .summary = "send a signal to a container's init (or all its processes)",
        .usage = "Usage: cell-oci kill [OPTIONS] ID [SIGNAL]\n"
                 "\n"
                 "Send SIGNAL (default SIGTERM) to the container's init.  SIGNAL is a name,\n"
                 "with or without SIG and in any case (KILL, sigkill, RTMIN+3), or a number.\n"
                 "\n"
                 "Options:\n"
                 "  -a, --all    signal every process in the container's cgroup\n"
                 "  -h, --help   show this help\n",
};
