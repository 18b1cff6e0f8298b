/* SPDX-License-Identifier: Apache-2.0 */
/* `cell exec`: run a command in a running container (engine/exec.h). */
#include "cli/engine/ctr_verbs.h"
#include "engine/exec.h"

static const struct ecli_option options[] = {
        {"interactive", 'i', ECLI_FLAG, NULL, "Keep STDIN open"},
        {"tty", 't', ECLI_FLAG, NULL, "Allocate a pseudo-TTY"},
        {"detach", 'd', ECLI_FLAG, NULL, "Detached mode: run command in the background"},
        {"user", 'u', ECLI_VALUE, "USER", "Username or UID (format: <name|uid>[:<group|gid>])"},
        {"workdir", 'w', ECLI_VALUE, "DIR", "Working directory inside the container"},
        {"env", 'e', ECLI_VALUES, "K=V", "Set environment variables"},
        {0},
};

static int run_exec(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        /* The runtime re-executes exec from a read-only view of the binary
         * (runtime/dmz.h): harmless here, nothing is done before. */
        e.rt.self_argv = ctx->argv;
        struct cell_ctr c;
        int status = ECLI_EXIT_ENGINE;
        if (cell_ctr_lookup(&e, a->argv[0], false, &c, &err) < 0) {
                cell_engine_close(&e);
                return ecli_fail(&err);
        }
        struct cell_engine_exec_opts o = {
                .args = a->argv + 1,
                .interactive = ecli_flag(a, "interactive"),
                .tty = ecli_flag(a, "tty"),
                .detach = ecli_flag(a, "detach"),
                .user = ecli_value(a, "user"),
                .workdir = ecli_value(a, "workdir"),
                .env = (char **)ecli_values(a, "env", NULL),
        };
        if (cell_engine_exec(&e, &c, &o, &status, &err) < 0)
                ecli_fail(&err);
        cell_ctr_release(&c);
        cell_engine_close(&e);
        return status;
}

const struct ecli_verb ecli_verb_exec = {
        .name = "exec",
        .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
        .summary = "Execute a command in a running container",
        .description = "Runs COMMAND in the namespaces, cgroup and security profile of a running "
                       "container. The exit status is the command's: 126 when it cannot be executed, "
                       "127 when it is not found, 125 when cell failed.",
        .options = options,
        .stop_at_positional = true,
        .min_args = 2,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_exec,
};
