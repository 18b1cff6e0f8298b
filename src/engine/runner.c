/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/lifecycle.h"
#include "engine/runner.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

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

static int stdin_from_dev_null(struct cell_error *err)
{
        _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || dup2(fd, 0) < 0)
                return cell_error_errno(err, "redirect stdin from /dev/null");
        return 0;
}

static void record_failed_start(struct cell_engine *e, struct cell_ctr *c, int code,
                                const struct cell_error *why)
{
        struct cell_error ignored;
        cell_engine_ctr_mark_exited(e, c, code, &ignored);
        if (cell_ctr_lock(e, c, &ignored) == 0 && cell_ctr_reload(e, c, &ignored) == 0) {
                free(c->state.error);
                c->state.error = xstrdup(why->msg);
                cell_ctr_save(e, c, &ignored);
        }
        cell_ctr_unlock(c);
        cell_engine_ctr_teardown(e, c, &ignored);
}

int cell_engine_ctr_run_process(struct cell_engine *e, struct cell_ctr *c,
                                const struct cell_run_process_opts *opts, int *exit_status,
                                struct cell_error *err)
{
        *exit_status = 0;
        if (cell_engine_ctr_prepare(e, c, err) < 0)
                return -1;
        if (!opts->detach && !opts->attach_stdin && stdin_from_dev_null(err) < 0)
                return -1;
        if (cell_engine_ctr_mark_running(e, c, 0, 0, err) < 0) {
                struct cell_error ignored;
                cell_engine_ctr_teardown(e, c, &ignored);
                return -1;
        }
        /* stop, kill and inspect must get the lock while the process runs */
        cell_ctr_unlock(c);
        _cleanup_free_ char *bundle = cell_engine_ctr_bundle(e, c);
        struct cell_create_opts copts = {.bundle = bundle, .detach = opts->detach};
        int status = 0;
        if (cell_container_run(&e->rt, c->id, &copts, &status, err) < 0) {
                int code = cell_engine_exit_code_for(err);
                record_failed_start(e, c, code, err);
                err->errnum = code == 127 ? ENOENT : code == 126 ? EACCES : err->errnum;
                return -1;
        }
        if (opts->detach)
                return 0;
        *exit_status = status;
        struct cell_error ignored;
        cell_engine_ctr_mark_exited(e, c, status, err);
        if (cell_engine_ctr_teardown(e, c, &ignored) < 0)
                return -1;
        return 0;
}
