/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_MONITOR_INTERNAL_H
#define CELL_ENGINE_MONITOR_INTERNAL_H

/* Internal to the monitor (monitor.c, monitor_fg.c, monitor_detach.c). */

#include <stdarg.h>
#include <stddef.h>

#include "engine/monitor.h"

/* A growing NULL-terminated argv; every string is a copy. */
struct cell_argv {
        char **v;
        size_t n;
};
void cell_argv_push(struct cell_argv *a, const char *s);
void cell_argv_pushf(struct cell_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cell_argv_release(struct cell_argv *a);

/* readlink(/proc/self/exe); caller frees. */
char *cell_monitor_self_path(struct cell_error *err);

/* [cell, --storage S, --runroot R, "__monitor"]: how the holder runs cell again. */
int cell_monitor_verb_prefix(const struct cell_monitor_opts *o, struct cell_argv *a,
                             struct cell_error *err);

/* What the starter records through the callbacks (NULL: the caller records). */
struct cell_monitor_start_record {
        bool prepare; /* a restart: cb->prepare first */
        pid_t monitor_pid;
        int restart_count;
        bool auto_remove;
};

/*
 * The starter's work, in a process whose fds 0-2 are the container's:
 * create + start, record (with `rec`), answer "ok PID" / "err STATUS MSG"
 * on `report_fd`.  Returns the process' exit status.  It may re-execute the
 * process as rt->self_argv (runtime/dmz.h): that must be the same starter.
 */
int cell_monitor_start_child(const struct cell_runtime *rt, const char *id, const char *bundle,
                             const char *console_socket, const struct cell_monitor_callbacks *cb,
                             const struct cell_monitor_start_record *rec, int report_fd);

/*
 * After the container's init was reaped: delete the runtime container,
 * record the exit, decide on a restart; remove an auto-remove container
 * that does not restart.  Returns whether it restarts.
 */
int cell_monitor_after_exit(const struct cell_runtime *rt, const char *id,
                            const struct cell_monitor_callbacks *cb,
                            enum cell_monitor_restart policy, int restart_max, int restart_count,
                            bool auto_remove, int exit_status);

/* Read one report line (without its newline) from `fd`; -1 on EOF before any byte. */
int cell_monitor_read_report(int fd, char *buf, size_t size);
/* "ok PID" -> 0 and *pid; "err STATUS MSG" -> -1, *status and err. */
int cell_monitor_parse_report(const char *line, pid_t *pid, int *status, struct cell_error *err);

/* Receive the pty master sent to the listening console socket `lsock`. */
int cell_monitor_accept_pty(int lsock, struct cell_error *err);

/*
 * Listen on a console socket next to the log ("<dir>/console-<pid>.sock",
 * reached through /proc/self/fd when longer than sun_path).  Returns the
 * socket; `*path_out` (caller frees, and unlinks) is what the starter gets.
 */
int cell_monitor_listen_console(const char *log_path, char **path_out, struct cell_error *err);

/* cell_monitor_run() with opts->detach (monitor_detach.c). */
int cell_monitor_run_detached(const struct cell_monitor_opts *o, pid_t *pid, int *exit_status,
                              struct cell_error *err);

#endif
