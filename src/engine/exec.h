/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_EXEC_H
#define CELL_ENGINE_EXEC_H

/*
 * `cell exec`: a process added to a running engine container, through the
 * runtime library's cell_container_exec in-process.
 */

#include <stdbool.h>

#include "engine/container.h"
#include "engine/engine.h"

struct cell_engine_exec_opts {
        char **args;       /* NULL-terminated command */
        bool interactive;  /* -i: the process reads our stdin (else /dev/null) */
        bool tty;          /* -t */
        bool detach;       /* -d: return once it runs; its output is dropped */
        const char *user;  /* -u name|uid[:group|gid], resolved in the container's /etc/passwd */
        const char *workdir;
        char **env;        /* -e K=V (a bare K takes our value, as docker) */
};

/*
 * Run it.  `*exit_status`: the process' status (128+N after signal N; 0
 * with detach).  Failures return -1 with err and an exit status of
 * docker's: 126 when the command cannot be executed, 127 when it is not
 * found, 125 for anything else (a container that is not running among
 * them: 'container NAME is not running').
 */
int cell_engine_exec(struct cell_engine *e, struct cell_ctr *c,
                     const struct cell_engine_exec_opts *opts, int *exit_status,
                     struct cell_error *err);

#endif
