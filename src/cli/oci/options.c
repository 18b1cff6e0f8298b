/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/options.h"
#include "cli/oci/options_internal.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/signals.h"
#include "util/xalloc.h"

static bool flag_given_value(const char *arg, int opt, const struct option *longopts)
{
        if (!arg || strncmp(arg, "--", 2) != 0 || !strchr(arg, '='))
                return false;
        size_t len = strcspn(arg + 2, "=");
        for (const struct option *o = longopts; o->name; o++) {
                /* a prefix match: getopt_long accepts abbreviations */
                if (o->val == opt && o->has_arg == no_argument &&
                    strncmp(o->name, arg + 2, len) == 0)
                        return true;
        }
        return false;
}

/*
 * The message for getopt's '?' and ':'.  `arg` is argv[optind - 1]: after a
 * long option or a missing argument it is the offending element, but after
 * an unknown short option inside a cluster ("-xd") it is the element before,
 * so short options are named from `opt` (getopt's optopt) alone.
 */
static int option_error(struct cell_error *err, int kind, const char *arg, int opt,
                        const struct option *longopts)
{
        bool is_long = arg && strncmp(arg, "--", 2) == 0;
        int len = is_long ? (int)strcspn(arg, "=") : 0;
        if (kind == ':' && is_long)
                return cell_error_set(err, 0, "option %.*s requires an argument", len, arg);
        if (kind == ':')
                return cell_error_set(err, 0, "option -%c requires an argument", opt);
        if (opt == 0 && is_long)
                return cell_error_set(err, 0, "unknown option %.*s", len, arg);
        if (flag_given_value(arg, opt, longopts))
                return cell_error_set(err, 0, "option %.*s does not take an argument", len, arg);
        return cell_error_set(err, 0, "unknown option -%c", opt);
}

/*
 * Run getopt_long over argv (argv[0] is skipped).  The optstring must begin
 * with ':' (after an optional '+') so that a missing argument is reported as
 * ':' rather than '?', and must contain "h" for help.  Returns the index of
 * the first positional argument, or -1.
 */
int cli_opt_parse(int argc, char **argv, const char *optstring, const struct option *longopts,
                  option_handler handler, void *data, bool *help, struct cell_error *err)
{
        optind = 0; /* glibc: full re-initialisation, needed for a second parse */
        opterr = 0;
        for (;;) {
                int opt = getopt_long(argc, argv, optstring, longopts, NULL);
                if (opt == -1)
                        return optind;
                if (opt == '?' || opt == ':')
                        return option_error(err, opt, argv[optind - 1], optopt, longopts);
                if (opt == 'h') {
                        *help = true;
                        continue;
                }
                if (handler(opt, optarg, data, err) < 0)
                        return -1;
        }
}

/* "N" positional arguments, in runc's wording. */
int cli_opt_arg_count(const char *verb, int n, int min, int max, struct cell_error *err)
{
        if (min == max && n != min)
                return cell_error_set(err, 0, "\"%s\" requires exactly %d argument(s)", verb, min);
        if (n < min)
                return cell_error_set(err, 0, "\"%s\" requires a minimum of %d argument(s)", verb,
                                      min);
        if (n > max)
                return cell_error_set(err, 0, "\"%s\" requires a maximum of %d argument(s)", verb,
                                      max);
        return 0;
}

/*
 * Global options.
 */

static const struct option global_options[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP},
        {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
        /* runc's "--rootless true|false|auto": accepted, nothing to do as root */
        {"rootless", required_argument, NULL, OPT_ROOTLESS},
        /* runc's criu binary path (checkpoint/restore): accepted, unused */
        {"criu", required_argument, NULL, OPT_CRIU},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
};

static int parse_cgroup_manager(const char *arg, enum cell_cgroup_manager *out,
                                struct cell_error *err)
{
        if (strcmp(arg, "cgroupfs") == 0)
                *out = CELL_CGROUP_MANAGER_CGROUPFS;
        else if (strcmp(arg, "systemd") == 0)
                *out = CELL_CGROUP_MANAGER_SYSTEMD;
        else if (strcmp(arg, "disabled") == 0)
                *out = CELL_CGROUP_MANAGER_DISABLED;
        else
                return cell_error_set(err, 0,
                                      "invalid --cgroup-manager \"%s\": must be cgroupfs, "
                                      "systemd or disabled",
                                      arg);
        return 0;
}

static int handle_global(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_global_options *g = data;
        switch (opt) {
        case OPT_ROOT:
                g->root = arg;
                return 0;
        case OPT_LOG:
                g->log_path = arg;
                return 0;
        case OPT_LOG_FORMAT:
                if (strcmp(arg, "text") == 0)
                        g->log_format = CELL_LOG_TEXT;
                else if (strcmp(arg, "json") == 0)
                        g->log_format = CELL_LOG_JSON;
                else
                        return cell_error_set(
                                err, 0, "invalid --log-format \"%s\": must be text or json", arg);
                return 0;
        case OPT_DEBUG:
                g->debug = true;
                return 0;
        case OPT_SYSTEMD_CGROUP:
                g->cgroup_manager = CELL_CGROUP_MANAGER_SYSTEMD;
                return 0;
        case OPT_CGROUP_MANAGER:
                return parse_cgroup_manager(arg, &g->cgroup_manager, err);
        case OPT_ROOTLESS:
                if (strcmp(arg, "true") && strcmp(arg, "false") && strcmp(arg, "auto"))
                        return cell_error_set(
                                err, 0, "invalid --rootless \"%s\": must be true, false or auto",
                                arg);
                return 0;
        case OPT_CRIU:
                return 0;
        case 'v':
                g->version = true;
                return 0;
        }
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

int cli_parse_global(int argc, char **argv, struct cli_global_options *out, struct cell_error *err)
{
        *out = (struct cli_global_options){
                .root = CELL_DEFAULT_ROOT,
                .log_format = CELL_LOG_TEXT,
                .cgroup_manager = CELL_CGROUP_MANAGER_CGROUPFS,
        };
        /* '+': stop at the verb, whose options are its own */
        int index = cli_opt_parse(argc, argv, "+:hv", global_options, handle_global, out,
                                  &out->help, err);
        if (index < 0)
                return -1;
        out->verb_index = index;
        return 0;
}

/*
 * create and run.
 */

static const struct option create_options[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
        {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
        {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        /* runc run's; accepted on create too, where it means nothing */
        {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
        /* containerd's go-runc may pass --detach to create: create always detaches */
        {"detach", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static const struct option run_options[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
        {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
        {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int cli_opt_preserve_fds(const char *arg, int *out, struct cell_error *err)
{
        char *end = NULL;
        errno = 0;
        long n = arg[0] >= '0' && arg[0] <= '9' ? strtol(arg, &end, 10) : -1;
        if (n < 0 || errno || *end || n > INT_MAX - 3)
                return cell_error_set(
                        err, 0, "invalid --preserve-fds \"%s\": must be a non-negative number",
                        arg);
        *out = (int)n;
        return 0;
}

static int handle_create(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_create_args *a = data;
        switch (opt) {
        case 'b':
                a->opts.bundle = arg;
                return 0;
        case OPT_PID_FILE:
                a->opts.pid_file = arg;
                return 0;
        case OPT_CONSOLE_SOCKET:
                a->opts.console_socket = arg;
                return 0;
        case OPT_NO_PIVOT:
                a->opts.no_pivot = true;
                return 0;
        case OPT_NO_NEW_KEYRING:
                a->opts.no_new_keyring = true;
                return 0;
        case OPT_PRESERVE_FDS:
                return cli_opt_preserve_fds(arg, &a->opts.preserve_fds, err);
        case OPT_NO_SUBREAPER:
                return 0;
        case 'd':
                a->opts.detach = true;
                return 0;
        case OPT_KEEP:
                a->opts.keep = true;
                return 0;
        }
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

static int parse_create_or_run(int argc, char **argv, bool run, struct cli_create_args *out,
                               struct cell_error *err)
{
        *out = (struct cli_create_args){.opts.bundle = "."};
        int index = cli_opt_parse(argc, argv, ":hb:d", run ? run_options : create_options,
                                  handle_create, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (!run)
                out->opts.detach = false; /* not a run: the flag only means "return at once" */
        if (cli_opt_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}

int cli_parse_create(int argc, char **argv, struct cli_create_args *out, struct cell_error *err)
{
        return parse_create_or_run(argc, argv, false, out, err);
}

int cli_parse_run(int argc, char **argv, struct cli_create_args *out, struct cell_error *err)
{
        return parse_create_or_run(argc, argv, true, out, err);
}

/*
 * The small verbs.
 */

const struct option cli_opt_help_only[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int cli_opt_handle_none(int opt, const char *arg, void *data, struct cell_error *err)
{
        (void)arg;
        (void)data;
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

int cli_parse_id_only(int argc, char **argv, struct cli_id_args *out, struct cell_error *err)
{
        *out = (struct cli_id_args){0};
        return cli_opt_parse_id(argc, argv, ":h", cli_opt_help_only, cli_opt_handle_none, NULL,
                                &out->help, &out->id, err);
}

int cli_parse_no_args(int argc, char **argv, struct cli_no_args *out, struct cell_error *err)
{
        *out = (struct cli_no_args){0};
        return cli_opt_parse_none(argc, argv, ":h", cli_opt_help_only, cli_opt_handle_none, NULL,
                                  &out->help, err);
}

static const struct option kill_options[] = {
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_kill(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_kill_args *a = data;
        (void)arg;
        if (opt != 'a')
                return cell_error_set(err, 0, "unhandled option %d", opt);
        a->all = true;
        return 0;
}

int cli_parse_kill(int argc, char **argv, struct cli_kill_args *out, struct cell_error *err)
{
        *out = (struct cli_kill_args){.signal = SIGTERM};
        int index =
                cli_opt_parse(argc, argv, ":ha", kill_options, handle_kill, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (cli_opt_arg_count(argv[0], argc - index, 1, 2, err) < 0)
                return -1;
        out->id = argv[index];
        if (argc - index == 2)
                return cell_signal_parse(argv[index + 1], &out->signal, err);
        return 0;
}

static const struct option delete_options[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_delete(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_delete_args *a = data;
        (void)arg;
        if (opt != 'f')
                return cell_error_set(err, 0, "unhandled option %d", opt);
        a->force = true;
        return 0;
}

int cli_parse_delete(int argc, char **argv, struct cli_delete_args *out, struct cell_error *err)
{
        *out = (struct cli_delete_args){0};
        int index = cli_opt_parse(argc, argv, ":hf", delete_options, handle_delete, out, &out->help,
                                  err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (cli_opt_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}

static const struct option list_options[] = {
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int cli_opt_handle_list(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_list_args *a = data;
        if (opt == 'q') {
                a->quiet = true;
                return 0;
        }
        if (opt != 'f')
                return cell_error_set(err, 0, "unhandled option %d", opt);
        if (strcmp(arg, "table") == 0)
                a->format = CLI_LIST_TABLE;
        else if (strcmp(arg, "json") == 0)
                a->format = CLI_LIST_JSON;
        else
                return cell_error_set(err, 0, "invalid --format \"%s\": must be table or json",
                                      arg);
        return 0;
}

int cli_parse_list(int argc, char **argv, struct cli_list_args *out, struct cell_error *err)
{
        *out = (struct cli_list_args){.format = CLI_LIST_TABLE};
        return cli_opt_parse_none(argc, argv, ":hf:q", list_options, cli_opt_handle_list, out,
                                  &out->help, err);
}

static const struct option spec_options[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, OPT_ROOTLESS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_spec(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_spec_args *a = data;
        if (opt == 'b') {
                a->bundle = arg;
                return 0;
        }
        if (opt != OPT_ROOTLESS)
                return cell_error_set(err, 0, "unhandled option %d", opt);
        a->rootless = true;
        return 0;
}

int cli_parse_spec(int argc, char **argv, struct cli_spec_args *out, struct cell_error *err)
{
        *out = (struct cli_spec_args){.bundle = "."};
        int index =
                cli_opt_parse(argc, argv, ":hb:", spec_options, handle_spec, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        return cli_opt_arg_count(argv[0], argc - index, 0, 0, err);
}

int cli_opt_parse_id(int argc, char **argv, const char *optstring, const struct option *longopts,
                     option_handler handler, void *data, bool *help, const char **id,
                     struct cell_error *err)
{
        int index = cli_opt_parse(argc, argv, optstring, longopts, handler, data, help, err);
        if (index < 0)
                return -1;
        if (*help)
                return 0;
        if (cli_opt_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        *id = argv[index];
        return 0;
}

int cli_opt_parse_none(int argc, char **argv, const char *optstring, const struct option *longopts,
                       option_handler handler, void *data, bool *help, struct cell_error *err)
{
        int index = cli_opt_parse(argc, argv, optstring, longopts, handler, data, help, err);
        if (index < 0)
                return -1;
        return *help ? 0 : cli_opt_arg_count(argv[0], argc - index, 0, 0, err);
}
