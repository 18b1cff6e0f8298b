/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_OCI_OPTIONS_INTERNAL_H
#define CELL_CLI_OCI_OPTIONS_INTERNAL_H

/*
 * Shared by the option parsers of src/cli/options*.c (split by verb family:
 * options.c the global options and the lifecycle verbs, options_exec.c,
 * options_cgroup.c); nothing else includes it.
 */

#include <getopt.h>
#include <stdbool.h>

#include "util/error.h"

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
        OPT_EXEC_CGROUP,
        OPT_IGNORE_PAUSED,
        OPT_APPARMOR,
        OPT_PROCESS_LABEL,
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

/*
 * Run getopt_long over argv (argv[0] is skipped).  The optstring must begin
 * with ':' (after an optional '+') so that a missing argument is reported as
 * ':' rather than '?', and must contain "h" for help.  Returns the index of
 * the first positional argument, or -1.
 */
int cli_opt_parse(int argc, char **argv, const char *optstring, const struct option *longopts,
                  option_handler handler, void *data, bool *help, struct cell_error *err);

/*
 * cli_opt_parse, then (unless --help) exactly one positional argument, the
 * container id, into `*id`: the shape of most verbs.  0 or -1.
 */
int cli_opt_parse_id(int argc, char **argv, const char *optstring, const struct option *longopts,
                     option_handler handler, void *data, bool *help, const char **id,
                     struct cell_error *err);

/* The same for verbs that take no positional argument. */
int cli_opt_parse_none(int argc, char **argv, const char *optstring, const struct option *longopts,
                       option_handler handler, void *data, bool *help, struct cell_error *err);

/* "N" positional arguments, in runc's wording. */
int cli_opt_arg_count(const char *verb, int n, int min, int max, struct cell_error *err);

/* --preserve-fds N. */
int cli_opt_preserve_fds(const char *arg, int *out, struct cell_error *err);

/* For verbs whose only option is --help. */
extern const struct option cli_opt_help_only[];
int cli_opt_handle_none(int opt, const char *arg, void *data, struct cell_error *err);

/* --format/-f table|json and --quiet/-q, into a struct cli_list_args (list, ps). */
int cli_opt_handle_list(int opt, const char *arg, void *data, struct cell_error *err);

#endif
