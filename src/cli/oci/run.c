/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int run_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_create_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_run(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        int exit_status = 0;
        if (cell_container_run(&ctx->rt, args.id, &args.opts, &exit_status, &err) < 0)
                return cli_fail(&err);
        return exit_status;
}

const struct cli_verb cli_verb_run = {
        .name = "run",
        .run = run_main,
        .summary = "create and start a container; wait for it unless --detach",
        .usage = "Usage: cell-oci run [OPTIONS] ID\n"
                 "\n"
                 "Create and start the container ID.  In the foreground, forward signals to\n"
                 "it, wait, delete it and exit with its status (128+N after signal N).\n"
                 "\n"
                 "Options:\n"
                 "  -b, --bundle DIR          bundle directory (default: the current one)\n"
                 "  -d, --detach              return once the container runs\n"
                 "  --keep                    do not delete the container when it exits\n"
                 "  --pid-file FILE           write the container's init pid to FILE\n"
                 "  --console-socket SOCKET   send the terminal's master fd to this AF_UNIX\n"
                 "                            socket (process.terminal)\n"
                 "  --no-pivot                use MS_MOVE+chroot instead of pivot_root\n"
                 "  --no-new-keyring          keep the caller's session keyring\n"
                 "  --preserve-fds N          pass fds 3..3+N-1 on to the container\n"
                 "  --no-subreaper            accepted for runc compatibility; no effect\n"
                 "  -h, --help                show this help\n",
};
