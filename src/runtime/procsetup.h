/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_PROCSETUP_H
#define CELL_RUNTIME_PROCSETUP_H

/*
 * Steps shared by the two kinds of process cell puts into a container: the
 * container's init (runtime/init.c) and a process added by `exec`
 * (runtime/exec.c).  They run in the forked child, inside the container's
 * namespaces, in this order.  All return < 0 and fill `err`.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "sandbox/seccomp.h"
#include "util/error.h"

/*
 * Zero the runtime's environment strings in place: /proc/<pid>/environ
 * shows that memory to anyone allowed to ptrace us (CAP_SYS_PTRACE in the
 * container), and the runtime's caller may have put secrets there.  The
 * container's environment comes from the config, never from ours.
 */
void cell_proc_scrub_environ(void);

/*
 * Close every fd >= `from` except those in `keep` (any order, may be
 * modified): the runtime's fds must not reach the container.
 */
void cell_proc_close_fds_except(int from, int *keep, int n);

/*
 * process.terminal: open a pty in the container, make its slave our stdio
 * (and, with `session`, our controlling terminal in a new session), and
 * send its master as SYNC_PTY.
 */
int cell_proc_send_terminal(const struct cell_process *process, int sync_fd, bool session,
                            struct cell_error *err);

/*
 * chdir into process.cwd without following magic links, so a cwd such as
 * /proc/self/fd/N can never reach a host directory through an fd
 * (CVE-2024-21626).  The root must already be the container's.
 */
int cell_proc_enter_cwd(const char *cwd, struct cell_error *err);

/*
 * Resolve process.args[0] the way execvp would, with PATH taken from the
 * container's environment `env`.  Returns a malloc'd path, or NULL with
 * `err` in the wording clients map to exit codes ("executable file not
 * found in $PATH", "no such file or directory", "permission denied").
 */
char *cell_proc_find_executable(const char *name, char *const *env, struct cell_error *err);

/*
 * Become process.user with its capability sets.  Without noNewPrivileges
 * the seccomp filter (may be NULL) is loaded first, while CAP_SYS_ADMIN is
 * still held; `*notify_fd` then receives its NOTIFY listener fd, else -1.
 * This comes before the process is visible to, or waits in reach of, the
 * container's own processes: one with CAP_SYS_PTRACE could otherwise
 * attach to a process holding all of the runtime's capabilities.
 */
int cell_proc_set_identity(const struct cell_process *process, struct cell_seccomp_filter *seccomp,
                           int *notify_fd, struct cell_error *err);

/*
 * With noNewPrivileges, the filter is loaded here instead, as late as
 * possible (right before the exec), so the runtime's own last steps are
 * not filtered; without, this does nothing.
 */
int cell_proc_load_late_seccomp(const struct cell_process *process,
                                struct cell_seccomp_filter *seccomp, int *notify_fd,
                                struct cell_error *err);

#endif
