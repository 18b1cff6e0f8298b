/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/options.h"
#include "cli/oci/options_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/*
 * exec.  Options stop at the container id: what follows is the command.
 */

static const struct option exec_options[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", no_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
        {"apparmor", required_argument, NULL, OPT_APPARMOR},
        {"process-label", required_argument, NULL, OPT_PROCESS_LABEL},
        {"cgroup", required_argument, NULL, OPT_EXEC_CGROUP},
        {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static void strv_push(char ***v, size_t *n, const char *s)
{
        *v = xreallocarray(*v, *n + 2, sizeof(char *));
        (*v)[(*n)++] = (char *)s;
        (*v)[*n] = NULL;
}

static int handle_exec(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_exec_args *a = data;
        struct cell_exec_opts *o = &a->opts;
        switch (opt) {
        case 'p':
                o->process_file = arg;
                return 0;
        case 't':
                o->tty = true;
                return 0;
        case OPT_CONSOLE_SOCKET:
                o->console_socket = arg;
                return 0;
        case 'd':
                o->detach = true;
                return 0;
        case OPT_PID_FILE:
                o->pid_file = arg;
                return 0;
        case OPT_PRESERVE_FDS:
                return cli_opt_preserve_fds(arg, &o->preserve_fds, err);
        case OPT_CWD:
                o->cwd = arg;
                return 0;
        case 'e':
                strv_push(&o->env, &a->n_env, arg);
                return 0;
        case 'u':
                o->user = arg;
                return 0;
        case 'g':
                strv_push(&o->additional_gids, &a->n_gids, arg);
                return 0;
        case 'c':
                strv_push(&o->caps, &a->n_caps, arg);
                return 0;
        case OPT_NO_NEW_PRIVS:
                o->no_new_privs = true;
                return 0;
        case OPT_APPARMOR:
                o->apparmor = arg;
                return 0;
        case OPT_PROCESS_LABEL:
                o->process_label = arg;
                return 0;
        case OPT_EXEC_CGROUP:
                strv_push(&o->cgroups, &a->n_cgroups, arg);
                return 0;
        case OPT_IGNORE_PAUSED:
                o->ignore_paused = true;
                return 0;
        }
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

int cli_parse_exec(int argc, char **argv, struct cli_exec_args *out, struct cell_error *err)
{
        *out = (struct cli_exec_args){0};
        int index = cli_opt_parse(argc, argv, "+:hp:tde:u:g:c:", exec_options, handle_exec, out,
                                  &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (argc - index < 1)
                return cell_error_set(err, 0, "\"%s\" requires a minimum of 1 argument(s)",
                                      argv[0]);
        out->id = argv[index];
        if (!out->opts.process_file && argc - index < 2)
                return cell_error_set(err, 0, "exec: a command or --process is required");
        out->opts.args = argv + index + 1;
        return 0;
}

void cli_exec_args_release(struct cli_exec_args *a)
{
        free(a->opts.env);
        free(a->opts.additional_gids);
        free(a->opts.caps);
        free(a->opts.cgroups);
}
