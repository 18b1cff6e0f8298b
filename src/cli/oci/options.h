/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_OCI_OPTIONS_H
#define CELL_CLI_OCI_OPTIONS_H

/*
 * argv -> structs, for the global options and every verb.  The parsers open,
 * print and change nothing (beyond getopt's own state and its reordering of
 * argv), so the unit tests drive them directly; the verb files then map the
 * struct onto one library call.
 *
 * Both "--opt X" and "--opt=X" are accepted (getopt_long).  Global options
 * stop at the first non-option, the verb; verb options may come before or
 * after the positional arguments.  Every parser returns 0, or -1 with `err`
 * holding a usage error:
 *
 *   unknown option --foo
 *   option --bundle requires an argument
 *   invalid --log-format "xml": must be text or json
 *   "start" requires exactly 1 argument(s)            (runc's wording)
 *
 * Strings in the structs point into argv.  `help` is set by -h/--help; the
 * other fields are then unspecified.
 */

#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "runtime/container.h"
#include "util/error.h"
#include "util/log.h"

struct cli_global_options {
        const char *root;     /* CELL_DEFAULT_ROOT unless --root */
        const char *log_path; /* NULL unless --log */
        enum cell_log_format log_format;
        bool debug;
        enum cell_cgroup_manager cgroup_manager; /* --systemd-cgroup / --cgroup-manager */
        bool help;
        bool version;
        int verb_index; /* index of the verb in argv; argc when there is none */
};

int cli_parse_global(int argc, char **argv, struct cli_global_options *out, struct cell_error *err);

/*
 * Verb parsers: argv[0] is the verb's name (as in argv + verb_index).
 */

/*
 * create and run.  --keep exists for run only; create accepts --detach (go-runc
 * may pass it) but always leaves opts.detach false.
 */
struct cli_create_args {
        struct cell_create_opts opts;
        const char *id;
        bool help;
};

int cli_parse_create(int argc, char **argv, struct cli_create_args *out, struct cell_error *err);
int cli_parse_run(int argc, char **argv, struct cli_create_args *out, struct cell_error *err);

/* Verbs whose only argument is the id: start, state. */
struct cli_id_args {
        const char *id;
        bool help;
};

int cli_parse_id_only(int argc, char **argv, struct cli_id_args *out, struct cell_error *err);

struct cli_kill_args {
        const char *id;
        int signal; /* SIGTERM unless given */
        bool all;
        bool help;
};

int cli_parse_kill(int argc, char **argv, struct cli_kill_args *out, struct cell_error *err);

struct cli_delete_args {
        const char *id;
        bool force;
        bool help;
};

int cli_parse_delete(int argc, char **argv, struct cli_delete_args *out, struct cell_error *err);

enum cli_list_format { CLI_LIST_TABLE, CLI_LIST_JSON };

struct cli_list_args {
        enum cli_list_format format;
        bool quiet;
        bool help;
};

int cli_parse_list(int argc, char **argv, struct cli_list_args *out, struct cell_error *err);

struct cli_spec_args {
        const char *bundle; /* "." unless --bundle */
        bool rootless;
        bool help;
};

int cli_parse_spec(int argc, char **argv, struct cli_spec_args *out, struct cell_error *err);

/*
 * exec: options, then the id, then the command (argv tail, unparsed).
 * The repeatable options' arrays are malloc'd: release with
 * cli_exec_args_release().
 */
struct cli_exec_args {
        struct cell_exec_opts opts;
        const char *id;
        size_t n_env, n_gids, n_caps, n_cgroups;
        bool help;
};
int cli_parse_exec(int argc, char **argv, struct cli_exec_args *out, struct cell_error *err);
void cli_exec_args_release(struct cli_exec_args *args);

/* Verbs without options or arguments (features). */
struct cli_no_args {
        bool help;
};

int cli_parse_no_args(int argc, char **argv, struct cli_no_args *out, struct cell_error *err);

/*
 * update: --resources FILE|- plus runc's flags.  Sizes (--memory,
 * --memory-swap, --memory-reservation, --kernel-memory[-tcp]) are bytes or
 * a number with a k/m/g/t/p suffix (binary units, optional "b"/"ib", any
 * case: "64m", "1.5G", "512KiB") or -1 for unlimited.  `flags` strings
 * point into argv: do not release it.
 */
struct cli_update_args {
        const char *id;
        const char *resources_file; /* NULL unless -r/--resources */
        struct cell_resources flags;
        bool help;
};

int cli_parse_update(int argc, char **argv, struct cli_update_args *out, struct cell_error *err);

/* A size as the update flags take it (see above). */
int cli_parse_size(const char *arg, int64_t *out, struct cell_error *err);

/*
 * ps [--format table|json] ID [PS-ARGS...]: options stop at the id; what
 * follows goes to ps(1) untouched (`ps_args` is NULL-terminated, in argv).
 */
struct cli_ps_args {
        const char *id;
        enum cli_list_format format;
        char **ps_args;
        bool help;
};

int cli_parse_ps(int argc, char **argv, struct cli_ps_args *out, struct cell_error *err);

/* events [--stats] [--interval DURATION] ID; DURATION as Go writes it ("5s", "1m30s", "250ms"). */
struct cli_events_args {
        const char *id;
        bool stats;
        unsigned interval_ms; /* 5000 unless given */
        bool help;
};

int cli_parse_events(int argc, char **argv, struct cli_events_args *out, struct cell_error *err);

/* A Go duration ("1h2m3.5s", "100ms") in milliseconds; must be > 0. */
int cli_parse_duration(const char *arg, unsigned *ms, struct cell_error *err);

#endif
