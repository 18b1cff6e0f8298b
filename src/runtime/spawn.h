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
 * Release a child that waits for SYNC_START, then wait until it has exec'd:
 * its sync socket is close-on-exec, so EOF means the exec happened, and a
 * SYNC_ERROR carries the reason it did not.
 */
int cell_spawn_start(int sync_fd, struct cell_error *err);

#endif
