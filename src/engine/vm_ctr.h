/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_VM_CTR_H
#define CELL_ENGINE_VM_CTR_H

/*
 * Engine containers with --isolation=vm (issue 15).  Their process is not a
 * runtime container: the monitor's starter launches the bundle's micro-VM
 * (vm/vm.h: cell_vm_launch_bundle) as the process the record's pid names, a
 * "cell-vm" process that owns QEMU.  Signals to it go to the guest's process;
 * its SIGKILL ends the VM.  These functions are where the verbs that would ask
 * the runtime library (kill, the reconcile of a record, rm -f) ask the VM's
 * process instead.
 */

#include <stdbool.h>

#include "engine/container.h"
#include "engine/engine.h"
#include "runtime/container.h"

/* The record says --isolation=vm (HostConfig.Isolation). */
bool cell_ctr_is_vm(const struct cell_ctr *c);

/* `pid` is a running VM process (comm CELL_VM_PROCESS_NAME, not a zombie). */
bool cell_engine_vm_alive(pid_t pid);

/*
 * Send `sig` to the container's process: the runtime's kill, or for a VM the
 * signal to its cell-vm process (which passes it to the guest; SIGKILL ends the
 * VM).  `all` (the runtime's --all) means nothing more for a VM: QEMU and the
 * guest go with the VM process.  Errors as the runtime's: "container not running".
 */
int cell_engine_ctr_kill(struct cell_engine *e, struct cell_ctr *c, int sig, bool all,
                         struct cell_error *err);

/*
 * rm -f of a VM container: its processes (the VM process, then its children:
 * QEMU) read while they run, so that once its holder is killed (which takes
 * them with it) they can be killed and waited for (up to 10 s each) even
 * though the record's pid is gone by then.
 */
#define CELL_ENGINE_VM_PROCS_MAX 8
struct cell_engine_vm_procs {
        pid_t pids[CELL_ENGINE_VM_PROCS_MAX];
        size_t n;
};
void cell_engine_vm_procs(const struct cell_ctr *c, struct cell_engine_vm_procs *out);
void cell_engine_vm_kill_wait(const struct cell_engine_vm_procs *procs);

/*
 * `exec` into a VM container: the runtime's exec options `x` (the user already
 * "UID:GID", env overrides K=V) over the container's process as config.json
 * has it, run through the VM's exec socket with our stdio.  *status as
 * cell_vm_exec's.
 */
int cell_engine_vm_exec(struct cell_engine *e, struct cell_ctr *c, const struct cell_exec_opts *x,
                        int *status, struct cell_error *err);

#endif
