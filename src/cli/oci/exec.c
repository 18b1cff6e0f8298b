/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"
#include "cli/oci/options.h"

/*
 * exec's own failures (no such container, a paused or stopped one, a
 * command that cannot be run, a --pid-file that cannot be written) exit
 * 255, as runc's do: with 1 a caller could not tell them from the process
 * exiting 1.  Usage errors stay 1, as runc's.
 */
#define EXEC_FAILED 255

static int exec_main(struct cli_context *ctx, int argc, char **argv)
{
        struct cli_exec_args args;
        struct cell_error err;
        cell_error_clear(&err);
        int status = 0;
        if (cli_parse_exec(argc, argv, &args, &err) < 0)
                status = cli_fail(&err);
        else if (args.help)
                status = cli_verb_help(ctx);
        else if (cell_container_exec(&ctx->rt, args.id, &args.opts, &status, &err) < 0) {
                cli_fail(&err);
                status = EXEC_FAILED;
        }
        cli_exec_args_release(&args);
        return status;
}

const struct cli_verb cli_verb_exec = {
        .name = "exec",
        .run = exec_main,
        .summary = "run a new process inside a running container",
        .usage = "Usage: cell-oci exec [OPTIONS] ID COMMAND [ARG...]\n"
                 "       cell-oci exec [OPTIONS] --process FILE ID\n"
                 "\n"
                 "Run a process in the container ID, in all of its namespaces and its\n"
                 "cgroup, under its seccomp profile.  In the foreground, forward signals,\n"
                 "wait and exit with the process' status (128+N after signal N); exit\n"
                 "255 when the process could not be run.\n"
                 "\n"
                 "Options:\n"
                 "  -p, --process FILE        runtime-spec process object (- for stdin)\n"
                 "  -t, --tty                 allocate a terminal\n"
                 "  --console-socket SOCKET   send the terminal's master fd to this socket\n"
                 "  -d, --detach              return once the process runs\n"
                 "  --pid-file FILE           write the process' pid to FILE\n"
                 "  --preserve-fds N          pass fds 3..3+N-1 on to the process\n"
                 "  --cwd DIR                 working directory inside the container\n"
                 "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
                 "  -u, --user UID[:GID]      run as this user\n"
                 "  -g, --additional-gids G   add a supplementary group (repeatable)\n"
                 "  -c, --cap CAP             add a capability (repeatable)\n"
                 "  --no-new-privs            set no_new_privs\n"
                 "  --cgroup [CTRL[,CTRL]:]PATH  run in this existing sub-cgroup of the\n"
                 "                            container's (repeatable, one per controller)\n"
                 "  --ignore-paused           allow exec in a paused container (the process\n"
                 "                            starts once it is resumed)\n"
                 "  -h, --help                show this help\n",
};
