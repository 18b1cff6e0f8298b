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
#include "runtime/dmz.h"
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
 *
 * As runc, first while still privileged (root without CAP_DAC_OVERRIDE in
 * its process capabilities may need it to enter); with `may_defer`, a
 * permission error returns 1 instead, and the caller calls again without
 * it after the credential change: the user's own groups may let it in
 * where root of a user namespace is refused (an owner it does not map).
 */
int cell_proc_enter_cwd(const char *cwd, bool may_defer, struct cell_error *err);

/*
 * Create process.cwd when it does not exist (mode 0755 less the umask,
 * missing parents too, never outside the root), as runc does: after
 * pivot_root, while our cwd is the container's "/", and before
 * root.readonly applies.  Nothing but one openat2 when it exists.
 */
int cell_proc_make_cwd(const char *cwd, struct cell_error *err);

/*
 * The environment with HOME: `env` itself when it has a non-empty HOME,
 * else a new array (the caller's; its HOME string too, the others stay
 * `env`'s) with HOME from the container's /etc/passwd for `uid`
 * (cell_sandbox_home_of) replacing an empty HOME or appended.  Call in the
 * container's root, before the seccomp filter.
 */
char **cell_proc_env_with_home(char **env, uid_t uid);

/*
 * Give fds 0-2 to `uid` (the group stays), as runc's fixStdioPermissions,
 * so that the process can reopen its pipes and terminal through
 * /proc/self/fd: before the credential change.  Only pipes and sockets,
 * and with `own_pty` (fds 0-2 are the pty cell_proc_send_terminal made)
 * that pty; never /dev/null, a caller's terminal or file (runc chowns
 * whatever a detached run passes, handing a host file to a container uid).
 * Fds already `uid`'s are left alone, so is an fd the kernel will not
 * chown (EPERM, EINVAL in a user namespace, EROFS).  Up to three fstat and
 * fchown.
 */
int cell_proc_give_stdio(uid_t uid, bool own_pty, struct cell_error *err);

/*
 * Resolve process.args[0] the way execvp would, with PATH taken from the
 * container's environment `env`.  Returns a malloc'd path, or NULL with
 * `err` in the wording clients map to exit codes ("executable file not
 * found in $PATH", "no such file or directory", "permission denied").
 */
char *cell_proc_find_executable(const char *name, char *const *env, struct cell_error *err);

/*
 * The seccomp filter (may be NULL) comes after every system call of the
 * runtime's that the kernel lets it follow:
 *
 *  - With process.noNewPrivileges, cell-dmz loads it as the very last step
 *    before its execve of the user's program, and hands the NOTIFY
 *    listener fd on right after (runtime/dmz.h).  cell_proc_dmz_filter()
 *    prepares that: it returns 1 with `*out` filled (the fds are the
 *    caller's to close, `msg` is what goes with the listener fd on
 *    `socket_fd`), 0 when there is nothing for cell-dmz to load.
 *
 *  - Without, the kernel wants CAP_SYS_ADMIN to load a filter, and cell-dmz
 *    never has it (it runs with the user's credentials); nor may the
 *    runtime keep it past the credential change, which must come before
 *    the process is visible to the container's processes (one with
 *    CAP_SYS_PTRACE could take over a process holding more than its
 *    capabilities).  So cell_proc_load_privileged_seccomp() loads it right
 *    before cell_sandbox_apply_identity(), as runc does, and the caller
 *    hands `*notify_fd` (else -1) on at once, before any system call a
 *    NOTIFY rule could hold until an agent has the fd.  Whatever the
 *    runtime does after that (credential change, hop into a joined pid
 *    namespace, the wait for start, the exec of cell-dmz) the profile must
 *    allow.  With noNewPrivileges this does nothing.
 */
int cell_proc_load_privileged_seccomp(const struct cell_process *process,
                                      struct cell_seccomp_filter *seccomp, int *notify_fd,
                                      struct cell_error *err);
int cell_proc_dmz_filter(const struct cell_process *process, struct cell_seccomp_filter *seccomp,
                         int socket_fd, const void *msg, size_t msg_len,
                         struct cell_dmz_filter *out, struct cell_error *err);

#endif
