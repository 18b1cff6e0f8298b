/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_SPAWN_H
#define CELL_RUNTIME_SPAWN_H

/*
 * Internal to src/runtime/: how the processes that enter a container are
 * made, for the init (create) and for exec.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/sync.h"
#include "util/error.h"

/*
 * A fork-like clone3(): returns 0 in the child, the child's pid in the
 * parent, or -1 with `err`.  The child gets a pidfd in `*pidfd` (parent
 * side), the CLONE_NEW* `flags`, and:
 *
 *  - with `pidns_fd` >= 0 (a namespace fd or a pidfd), the child is born in
 *    that pid namespace; the caller's own is restored right after, since a
 *    joined pid namespace applies to every later child (hooks included);
 *  - with `cgroup_fd` >= 0, CLONE_INTO_CGROUP places it in that v2 cgroup,
 *    falling back to a plain clone when the kernel refuses.  `*placed` is
 *    written before each attempt, so the child reads whether it was placed.
 */
pid_t cell_spawn_clone(uint64_t flags, int pidns_fd, int cgroup_fd, bool *placed, int *pidfd,
                       struct cell_error *err);

/*
 * What to do with a seccomp listener fd a child sends (SYNC_SECCOMP): the
 * callee owns `fd`; `pid` is the child's as known then.  NULL refuses it.
 */
struct cell_spawn_listener {
        int (*forward)(void *ctx, pid_t pid, int fd, struct cell_error *err);
        void *ctx;
};

/*
 * Release a child that waits for SYNC_START, then wait until it has exec'd:
 * its sync socket is close-on-exec, so EOF means the exec happened, and a
 * SYNC_ERROR carries the reason it did not.  A SYNC_PID on the way (the
 * child hopped, through cell-dmz) hands `*pid`/`*pidfd` over to it; a
 * SYNC_SECCOMP goes to `listener` (may be NULL).
 */
int cell_spawn_start(int sync_fd, pid_t *pid, int *pidfd,
                     const struct cell_spawn_listener *listener, struct cell_error *err);

/* The same for a child that was not told to wait for SYNC_START. */
int cell_spawn_await_exec(int sync_fd, pid_t *pid, int *pidfd,
                          const struct cell_spawn_listener *listener, struct cell_error *err);

/*
 * In a child that has already setns()'d into the container's pid namespace
 * (which applies to its children only): clone3 a grandchild born in it, as
 * our sibling (CLONE_PARENT, so the runtime stays its parent and waits for
 * it), send the runtime its pidfd and pid as SYNC_PID over `sync_fd`, and
 * exit.  Returns 0 in the grandchild; in the child it never returns.
 *
 * Why: a process is visible to the container's processes from the moment
 * it is in their pid namespace, and with CAP_SYS_PTRACE they can open its
 * /proc/<pid>/root, cwd and fds however non-dumpable it is.  So it must not
 * be there while those are still the host's: the child first joins the
 * mount namespace (or pivots into the rootfs), then hops.
 */
int cell_spawn_hop(int sync_fd, struct cell_error *err);

/*
 * The runtime's side of a hop: on a SYNC_PID message `m` with its pidfd
 * `fd`, reap the child `*pid` and take over the grandchild in `*pid` and
 * `*pidfd` (closing the old pidfd).
 */
int cell_spawn_take_hop(const struct cell_sync_msg *m, int fd, pid_t *pid, int *pidfd,
                        struct cell_error *err);

#endif
