/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

static int create_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_create_args args;
        struct cell_error err;
        cell_error_clear(&err);
        if (cli_parse_create(argc, argv, &args, &err) < 0)
                return cli_fail(&err);
        if (args.help)
                return cli_verb_help(ctx);
        if (cell_container_create(&ctx->rt, args.id, &args.opts, &err) < 0)
                return cli_fail(&err);
        return 0;
}

const struct cli_verb cli_verb_create = {
        .name = "create",
        .run = create_main,
        .summary = "create a container from a bundle",
        .usage = "Usage: cell-oci create [OPTIONS] ID\n"
                 "\n"
                 "Create the container ID from the bundle: its namespaces, root filesystem\n"
                 "and init process, which waits for `cell-oci start ID` to run process.args.\n"
                 "\n"
                 "Options:\n"
                 "  -b, --bundle DIR          bundle directory (default: the current one)\n"
                 "  --pid-file FILE           write the container's init pid to FILE\n"
                 "  --console-socket SOCKET   send the terminal's master fd to this AF_UNIX\n"
                 "                            socket (process.terminal)\n"
                 "  --no-pivot                use MS_MOVE+chroot instead of pivot_root\n"
                 "  --no-new-keyring          keep the caller's session keyring\n"
                 "  --preserve-fds N          pass fds 3..3+N-1 on to the container\n"
                 "  --no-subreaper, --detach  accepted for runc compatibility; no effect\n"
                 "  -h, --help                show this help\n",
};
