/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_ATTACH_H
#define CELL_ENGINE_ATTACH_H

/*
 * `cell attach`: our terminal (or stdio) on a detached container's, through
 * its monitor's attach socket (engine/monitor_attach.h).
 */

#include <stdbool.h>

#include "engine/container.h"
#include "engine/engine.h"

struct cell_engine_attach_opts {
        bool no_stdin; /* --no-stdin: only watch */
};

/*
 * Relay until the container's process exits (`*exit_status` its status) or,
 * with a terminal, the detach keys ctrl-p ctrl-q are typed (the container
 * goes on; `*exit_status` 0).  Our input reaches the container when it has
 * a terminal or was run with -i.  A container that does not run, or that
 * runs in the foreground of another `cell run`, has no attach socket:
 * "container NAME is not running" / "cannot attach to NAME: ...".
 */
int cell_engine_attach(struct cell_engine *e, struct cell_ctr *c,
                       const struct cell_engine_attach_opts *opts, int *exit_status,
                       struct cell_error *err);

#endif
