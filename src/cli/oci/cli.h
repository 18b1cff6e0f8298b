/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_OCI_CLI_H
#define CELL_CLI_OCI_CLI_H

/*
 * The runc/crun-compatible command line (`cell-oci`, `cell oci`): main.c parses the global options,
 * opens the log and dispatches to one verb; each verb (one file) parses its
 * own options with src/cli/options.h, makes one library call and prints.
 *
 * A verb returns the process exit status: 0 on success, 1 on any error
 * (printed through cli_fail), or the container's status for `run`.
 */

#include "runtime/container.h"
#include "util/error.h"

struct cli_context;

struct cli_verb {
        const char *name;
        int (*run)(struct cli_context *ctx, int argc, char **argv);
        const char *summary; /* one line for `cell --help` */
        const char *usage;   /* the text of `cell <verb> --help`, from "Usage:" on */
};

struct cli_context {
        struct cell_runtime rt;
        const struct cli_verb *verb; /* the verb being run */
};

extern const struct cli_verb cli_verb_create, cli_verb_delete, cli_verb_exec, cli_verb_features, cli_verb_kill,
        cli_verb_list, cli_verb_run, cli_verb_spec, cli_verb_start, cli_verb_state;
extern const struct cli_verb cli_verb_pause, cli_verb_resume, cli_verb_update, cli_verb_ps,
        cli_verb_events, cli_verb_check;

/*
 * Log `err` as an error ("cell: <msg>" on stderr, and a record in the --log
 * file) and return 1, the exit status of a failed verb.
 */
int cli_fail(const struct cell_error *err);

/* Print the verb's usage on stdout and return 0. */
int cli_verb_help(const struct cli_context *ctx);

/*
 * The runtime CLI, from its global options on: argv[0] is the program's name
 * ("cell-oci", or "oci" for `cell oci ...`).  `self_argv` is the process'
 * whole argv, which the runtime re-executes (dmz.h).  Returns the exit status.
 */
int cli_oci_main(int argc, char **argv, char **self_argv);

/*
 * The whole text of `cell-oci --help` and of each verb's --help, for the
 * generated cell-oci(8): calls `emit(name, summary, usage, data)` once for
 * the global usage (name NULL) and once per verb, in --help's order.
 */
void cli_oci_foreach_usage(void (*emit)(const char *name, const char *summary, const char *usage, void *data),
                           void *data);

#endif
