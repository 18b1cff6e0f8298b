/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/options.h"

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

/* Long-only options get values above any character. */
enum {
        OPT_ROOT = 256,
        OPT_LOG,
        OPT_LOG_FORMAT,
        OPT_DEBUG,
        OPT_SYSTEMD_CGROUP,
        OPT_CGROUP_MANAGER,
        OPT_ROOTLESS,
        OPT_CRIU,
        OPT_PID_FILE,
        OPT_CONSOLE_SOCKET,
        OPT_NO_PIVOT,
        OPT_NO_NEW_KEYRING,
        OPT_NO_SUBREAPER,
        OPT_PRESERVE_FDS,
        OPT_KEEP,
        OPT_PROCESS,
        OPT_CWD,
        OPT_ADDITIONAL_GIDS,
        OPT_CAP,
        OPT_NO_NEW_PRIVS,
        OPT_IGNORED_ARG,
        OPT_MEMORY_SWAP,
        OPT_MEMORY_RESERVATION,
        OPT_KERNEL_MEMORY,
        OPT_KERNEL_MEMORY_TCP,
        OPT_CPU_SHARES,
        OPT_CPU_QUOTA,
        OPT_CPU_PERIOD,
        OPT_CPU_BURST,
        OPT_CPU_RT_RUNTIME,
        OPT_CPU_RT_PERIOD,
        OPT_CPU_IDLE,
        OPT_CPUSET_CPUS,
        OPT_CPUSET_MEMS,
        OPT_PIDS_LIMIT,
        OPT_BLKIO_WEIGHT,
        OPT_STATS,
        OPT_INTERVAL,
};

/* Called for each recognised option other than -h/--help. */
typedef int (*option_handler)(int opt, const char *arg, void *data, struct cell_error *err);

/* True when `arg` is "--name=value" for a long flag `opt` that takes no argument. */
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
static int parse_options(int argc, char **argv, const char *optstring,
                         const struct option *longopts, option_handler handler, void *data,
                         bool *help, struct cell_error *err)
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
static int check_arg_count(const char *verb, int n, int min, int max, struct cell_error *err)
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
        int index = parse_options(argc, argv, "+:hv", global_options, handle_global, out,
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

static int parse_preserve_fds(const char *arg, int *out, struct cell_error *err)
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
                return parse_preserve_fds(arg, &a->opts.preserve_fds, err);
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
        int index = parse_options(argc, argv, ":hb:d", run ? run_options : create_options,
                                  handle_create, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (!run)
                out->opts.detach = false; /* not a run: the flag only means "return at once" */
        if (check_arg_count(argv[0], argc - index, 1, 1, err) < 0)
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

static const struct option help_only_options[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_none(int opt, const char *arg, void *data, struct cell_error *err)
{
        (void)arg;
        (void)data;
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

int cli_parse_id_only(int argc, char **argv, struct cli_id_args *out, struct cell_error *err)
{
        *out = (struct cli_id_args){0};
        int index = parse_options(argc, argv, ":h", help_only_options, handle_none, NULL,
                                  &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (check_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}

int cli_parse_no_args(int argc, char **argv, struct cli_no_args *out, struct cell_error *err)
{
        *out = (struct cli_no_args){0};
        int index = parse_options(argc, argv, ":h", help_only_options, handle_none, NULL,
                                  &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        return check_arg_count(argv[0], argc - index, 0, 0, err);
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
                parse_options(argc, argv, ":ha", kill_options, handle_kill, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (check_arg_count(argv[0], argc - index, 1, 2, err) < 0)
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
        int index = parse_options(argc, argv, ":hf", delete_options, handle_delete, out, &out->help,
                                  err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (check_arg_count(argv[0], argc - index, 1, 1, err) < 0)
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

static int handle_list(int opt, const char *arg, void *data, struct cell_error *err)
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
        int index =
                parse_options(argc, argv, ":hf:q", list_options, handle_list, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        return check_arg_count(argv[0], argc - index, 0, 0, err);
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
                parse_options(argc, argv, ":hb:", spec_options, handle_spec, out, &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        return check_arg_count(argv[0], argc - index, 0, 0, err);
}

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
        /* runc's, for AppArmor/SELinux/cgroup sub-paths: accepted, not applied */
        {"apparmor", required_argument, NULL, OPT_IGNORED_ARG},
        {"process-label", required_argument, NULL, OPT_IGNORED_ARG},
        {"cgroup", required_argument, NULL, OPT_IGNORED_ARG},
        {"ignore-paused", no_argument, NULL, OPT_NO_SUBREAPER},
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
        case 'p': o->process_file = arg; return 0;
        case 't': o->tty = true; return 0;
        case OPT_CONSOLE_SOCKET: o->console_socket = arg; return 0;
        case 'd': o->detach = true; return 0;
        case OPT_PID_FILE: o->pid_file = arg; return 0;
        case OPT_PRESERVE_FDS: return parse_preserve_fds(arg, &o->preserve_fds, err);
        case OPT_CWD: o->cwd = arg; return 0;
        case 'e': strv_push(&o->env, &a->n_env, arg); return 0;
        case 'u': o->user = arg; return 0;
        case 'g': strv_push(&o->additional_gids, &a->n_gids, arg); return 0;
        case 'c': strv_push(&o->caps, &a->n_caps, arg); return 0;
        case OPT_NO_NEW_PRIVS: o->no_new_privs = true; return 0;
        case OPT_IGNORED_ARG:
        case OPT_NO_SUBREAPER: return 0;
        }
        return cell_error_set(err, 0, "unhandled option %d", opt);
}

int cli_parse_exec(int argc, char **argv, struct cli_exec_args *out, struct cell_error *err)
{
        *out = (struct cli_exec_args){0};
        int index = parse_options(argc, argv, "+:hp:tde:u:g:c:", exec_options, handle_exec, out,
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
}

/*
 * update.
 */

static const struct option update_options[] = {
        {"resources", required_argument, NULL, 'r'},
        {"memory", required_argument, NULL, 'm'},
        {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
        {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
        {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
        {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
        {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
        /* runc's spelling */
        {"cpu-share", required_argument, NULL, OPT_CPU_SHARES},
        {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
        {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
        {"cpu-burst", required_argument, NULL, OPT_CPU_BURST},
        {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
        {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
        {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
        {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
        {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
        {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
        {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/*
 * Where each numeric update flag goes: a has_* flag and a value of `kind`
 * (a size, a signed or an unsigned integer) within [min, max].
 */
enum flag_kind { FLAG_SIZE, FLAG_I64, FLAG_U64, FLAG_U16 };

struct update_flag {
        int opt;
        enum flag_kind kind;
        int64_t min, max;
        size_t has, value; /* offsets in struct cell_resources */
};

#define UPDATE_FLAG(opt_, kind_, min_, max_, section, field)                                       \
        {                                                                                          \
                opt_, kind_, min_, max_, offsetof(struct cell_resources, section.has_##field),     \
                        offsetof(struct cell_resources, section.field)                             \
        }

static const struct update_flag update_flags[] = {
        UPDATE_FLAG('m', FLAG_SIZE, -1, INT64_MAX, memory, limit),
        UPDATE_FLAG(OPT_MEMORY_SWAP, FLAG_SIZE, -1, INT64_MAX, memory, swap),
        UPDATE_FLAG(OPT_MEMORY_RESERVATION, FLAG_SIZE, -1, INT64_MAX, memory, reservation),
        UPDATE_FLAG(OPT_KERNEL_MEMORY, FLAG_SIZE, -1, INT64_MAX, memory, kernel),
        UPDATE_FLAG(OPT_KERNEL_MEMORY_TCP, FLAG_SIZE, -1, INT64_MAX, memory, kernel_tcp),
        UPDATE_FLAG(OPT_CPU_SHARES, FLAG_U64, 0, 0, cpu, shares),
        UPDATE_FLAG(OPT_CPU_PERIOD, FLAG_U64, 0, 0, cpu, period),
        UPDATE_FLAG(OPT_CPU_BURST, FLAG_U64, 0, 0, cpu, burst),
        UPDATE_FLAG(OPT_CPU_RT_PERIOD, FLAG_U64, 0, 0, cpu, realtime_period),
        UPDATE_FLAG(OPT_CPU_QUOTA, FLAG_I64, -1, INT64_MAX, cpu, quota),
        UPDATE_FLAG(OPT_CPU_RT_RUNTIME, FLAG_I64, -1, INT64_MAX, cpu, realtime_runtime),
        UPDATE_FLAG(OPT_CPU_IDLE, FLAG_I64, 0, 1, cpu, idle),
        UPDATE_FLAG(OPT_PIDS_LIMIT, FLAG_I64, -1, INT64_MAX, pids, limit),
        UPDATE_FLAG(OPT_BLKIO_WEIGHT, FLAG_U16, 0, 1000, block_io, weight),
};

static const char *update_option_name(int opt)
{
        for (const struct option *o = update_options; o->name; o++)
                if (o->val == opt)
                        return o->name;
        return "?";
}

/* A decimal integer within [min, max]; FLAG_U64 takes any uint64. */
static int parse_number(const struct update_flag *f, const char *arg, uint64_t *out,
                        struct cell_error *err)
{
        const char *name = update_option_name(f->opt);
        char *end = NULL;
        errno = 0;
        if (f->kind == FLAG_U64) {
                *out = strtoull(arg, &end, 10);
                if (arg[0] >= '0' && arg[0] <= '9' && !errno && !*end)
                        return 0;
                return cell_error_set(err, 0, "invalid --%s \"%s\": must be a non-negative integer",
                                      name, arg);
        }
        long long v = strtoll(arg, &end, 10);
        if (!arg[0] || errno || *end || v < f->min || v > f->max)
                return cell_error_set(err, 0,
                                      "invalid --%s \"%s\": must be an integer in %lld..%lld", name,
                                      arg, (long long)f->min, (long long)f->max);
        *out = (uint64_t)v;
        return 0;
}

static int update_numeric(const struct update_flag *f, const char *arg, struct cell_resources *r,
                          struct cell_error *err)
{
        uint64_t v = 0;
        if (f->kind == FLAG_SIZE) {
                int64_t size;
                if (cli_parse_size(arg, &size, err) < 0)
                        return cell_error_prefix(err, "--%s", update_option_name(f->opt));
                v = (uint64_t)size;
        } else if (parse_number(f, arg, &v, err) < 0) {
                return -1;
        }
        char *base = (char *)r;
        *(bool *)(base + f->has) = true;
        if (f->kind == FLAG_U16) {
                uint16_t w = (uint16_t)v;
                memcpy(base + f->value, &w, sizeof(w));
        } else {
                memcpy(base + f->value, &v, sizeof(v)); /* int64 and uint64 alike */
        }
        return 0;
}

static int handle_update(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_update_args *a = data;
        if (opt == 'r')
                a->resources_file = arg;
        else if (opt == OPT_CPUSET_CPUS)
                a->flags.cpu.cpus = (char *)arg;
        else if (opt == OPT_CPUSET_MEMS)
                a->flags.cpu.mems = (char *)arg;
        else {
                for (size_t i = 0; i < sizeof(update_flags) / sizeof(update_flags[0]); i++)
                        if (update_flags[i].opt == opt)
                                return update_numeric(&update_flags[i], arg, &a->flags, err);
                return cell_error_set(err, 0, "unhandled option %d", opt);
        }
        return 0;
}

int cli_parse_update(int argc, char **argv, struct cli_update_args *out, struct cell_error *err)
{
        *out = (struct cli_update_args){0};
        int index = parse_options(argc, argv, ":hr:m:", update_options, handle_update, out,
                                  &out->help, err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (check_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}

/*
 * ps.
 */

static const struct option ps_options[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

int cli_parse_ps(int argc, char **argv, struct cli_ps_args *out, struct cell_error *err)
{
        struct cli_list_args format = {.format = CLI_LIST_TABLE};
        *out = (struct cli_ps_args){.format = CLI_LIST_TABLE};
        /* '+': the first non-option is the id; everything after it is ps's */
        int index = parse_options(argc, argv, "+:hf:", ps_options, handle_list, &format, &out->help,
                                  err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (argc - index < 1)
                return cell_error_set(err, 0, "\"%s\" requires a minimum of 1 argument(s)",
                                      argv[0]);
        out->format = format.format;
        out->id = argv[index];
        out->ps_args = argv + index + 1;
        return 0;
}

/*
 * events.
 */

static const struct option events_options[] = {
        {"stats", no_argument, NULL, OPT_STATS},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static int handle_events(int opt, const char *arg, void *data, struct cell_error *err)
{
        struct cli_events_args *a = data;
        if (opt == OPT_STATS) {
                a->stats = true;
                return 0;
        }
        if (opt != OPT_INTERVAL)
                return cell_error_set(err, 0, "unhandled option %d", opt);
        if (cli_parse_duration(arg, &a->interval_ms, err) < 0)
                return cell_error_prefix(err, "--interval");
        return 0;
}

int cli_parse_events(int argc, char **argv, struct cli_events_args *out, struct cell_error *err)
{
        *out = (struct cli_events_args){.interval_ms = 5000};
        int index = parse_options(argc, argv, ":h", events_options, handle_events, out, &out->help,
                                  err);
        if (index < 0)
                return -1;
        if (out->help)
                return 0;
        if (check_arg_count(argv[0], argc - index, 1, 1, err) < 0)
                return -1;
        out->id = argv[index];
        return 0;
}
