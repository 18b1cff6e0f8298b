/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "engine/lifecycle.h"
#include "engine/monitor_engine.h"
#include "engine/runner.h"

/*
 * The runtime's init reports a command it cannot exec when the container is
 * created (runtime/procsetup.c): "executable file not found in $PATH", or
 * the errno of stat/access (ENOENT: not found; EACCES, a directory: cannot
 * execute).  docker's exit codes follow from that.
 */
int cell_engine_exit_code_for(const struct cell_error *err)
{
        if (strstr(err->msg, "exec") == NULL)
                return 125;
        if (strstr(err->msg, "executable file not found") || strstr(err->msg, "No such file or directory"))
                return 127;
        if (strstr(err->msg, "Permission denied") || strstr(err->msg, "is a directory") ||
            strstr(err->msg, "Exec format error"))
                return 126;
        return 125;
}

int cell_engine_ctr_run_process(struct cell_engine *e, struct cell_ctr *c,
                                const struct cell_run_process_opts *opts, int *exit_status,
                                struct cell_error *err)
{
        *exit_status = 0;
        if (cell_engine_ctr_prepare(e, c, err) < 0)
                return -1;
        /* stop, kill and inspect must get the lock while the process runs;
         * the monitor's callbacks take it for each change */
        cell_ctr_unlock(c);
        struct cell_monitor_engine me;
        struct cell_monitor_opts mo;
        cell_monitor_engine_init(&me, e, c, &mo);
        mo.detach = opts->detach;
        mo.open_stdin = opts->attach_stdin;
        struct cell_monitor_callbacks cb = cell_monitor_engine_callbacks(&me);
        int r = cell_monitor_run(&mo, &cb, NULL, exit_status, err);
        cell_monitor_engine_release(&me);
        if (r < 0)
                err->errnum = *exit_status == 127 ? ENOENT : *exit_status == 126 ? EACCES : err->errnum;
        return r;
}
