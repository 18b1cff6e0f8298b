/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_RUNNER_H
#define CELL_ENGINE_RUNNER_H

/*
 * Running a prepared container's process: the one place the engine's
 * verbs (run, start, restart) hand a container to whatever holds its stdio.
 * Until the monitor (engine/monitor.h) is merged, the foreground path is
 * the runtime library's own cell_container_run (it relays a terminal and
 * forwards signals); this file is the seam the monitor replaces.
 */

#include <stdbool.h>

#include "engine/container.h"
#include "engine/engine.h"

struct cell_run_process_opts {
        bool detach;       /* -d: return once the process runs */
        bool attach_stdin; /* -i: the container reads our stdin (else /dev/null) */
};

/*
 * Start container `c` (created or exited; its record locked by the caller,
 * who must not hold it across the wait: the lock is dropped here once the
 * record says running) and, in the foreground, wait for it: `*exit_status`
 * is the container's status (128+N after signal N).  An exec failure of the
 * command is recorded as exit code 127 (not found) or 126 (cannot execute)
 * and returned as an error whose errnum tells which (ENOENT, EACCES).
 * Everything the start made is torn down after the exit.
 */
int cell_engine_ctr_run_process(struct cell_engine *e, struct cell_ctr *c,
                                const struct cell_run_process_opts *opts, int *exit_status,
                                struct cell_error *err);

/* 127 / 126 for an error of cell_engine_ctr_run_process that is an exec failure, else 125. */
int cell_engine_exit_code_for(const struct cell_error *err);

#endif
