/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_OWNER_H
#define CELL_RUNTIME_OWNER_H

/*
 * Internal to src/runtime/: which processes in a container's cgroup are the
 * container's own, for teardown and `kill --all`.  The cgroup is no answer
 * by itself: linux.cgroupsPath may name a cgroup that other processes were
 * in before create (a parent such as /kubepods) or that another container
 * was given too.  The answer is a namespace the container created (never
 * one it joined by path, which others share): every process of the
 * container is in it, exec'd ones included, and no one else is.
 *
 *   - its own pid namespace: the processes in it, and those whose children
 *     go into it (pid_for_children: they joined it by setns(), as the child
 *     of `exec` does before its hop into it).  Killing the init kills the
 *     former (the kernel); its id, recorded at create, still finds the
 *     latter once the init is gone.
 *   - else the first other namespace it created (mount, ipc, uts, network,
 *     cgroup), identified by the 64-bit id the kernel never reuses
 *     (NS_GET_ID, Linux 6.18; the inode number before that), recorded at
 *     create: orphans of an init that exited are still found.
 *   - none (or state of an older cell that recorded nothing): the init and
 *     its descendants while it lives, and the processes of the init's pid
 *     namespace when the init is that namespace's pid 1.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/state.h"

struct cell_owner {
        const struct cell_state_record *rec;
        bool init_alive;
        int ns;                 /* enum cell_ns_type, or -1: the init and its descendants */
        uint64_t ns_id, ns_ino; /* both 0: no process is the container's any more */
};

/* Set rec->own_ns from the spec: the namespace create will make (no syscall). */
void cell_owner_choose(const struct cell_spec *spec, struct cell_state_record *rec);

/*
 * Record the identity of rec->own_ns from the init's /proc/<pid>/ns once it
 * is in that namespace: right after the clone when the clone made it, else
 * once the init reports READY (a pid namespace: once the init hopped into
 * it).  Nothing to do when it is recorded already.  Returns 1 when the
 * record changed and must be saved.  (A foreground init that made the namespace itself and
 * exits right after READY may be gone before it is read: its orphans are
 * then not found.)
 */
int cell_owner_record(struct cell_state_record *rec, struct cell_error *err);

/* Work out whose processes are the container's, from its record and /proc. */
int cell_owner_load(const struct cell_state_record *rec, struct cell_owner *o,
                    struct cell_error *err);

/* `o` as the cgroup layer's filter. */
struct cell_cgroup_owner cell_owner_filter(struct cell_owner *o);

#endif
