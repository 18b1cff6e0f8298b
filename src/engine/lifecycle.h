/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_LIFECYCLE_H
#define CELL_ENGINE_LIFECYCLE_H

/*
 * What happens to an engine container around its process (the process
 * itself is the monitor's: engine/monitor.h).
 *
 *   create:  record (engine/container.h) + bundle/config.json + hostname,
 *            hosts, resolv.conf; nothing mounted, no process
 *   start:   cell_engine_ctr_prepare (rootfs overlay mounted, network
 *            namespace attached), then the monitor creates and starts the
 *            runtime container from cell_engine_ctr_bundle()
 *   exit:    cell_engine_ctr_mark_exited (record), then
 *            cell_engine_ctr_teardown (runtime state deleted, network
 *            detached, rootfs unmounted)
 *   rm:      cell_engine_ctr_remove
 *
 * Every step is idempotent, so that a crash at any point (a SIGKILLed
 * `cell run`, a monitor killed with its container) is mended by the next
 * start or rm.  All functions return < 0 and fill `err` on failure.
 */

#include <stdbool.h>

#include "engine/container.h"
#include "engine/engine.h"

/* "<storage>/containers/<id>/bundle"; caller frees. */
char *cell_engine_ctr_bundle(const struct cell_engine *e, const struct cell_ctr *c);

/* Mount the rootfs and attach the network; nothing is left on failure. */
int cell_engine_ctr_prepare(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);

/*
 * Delete the runtime container (killing what is left of it), detach the
 * network and unmount the rootfs.  Safe on a container that never started.
 */
int cell_engine_ctr_teardown(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);

/*
 * Record a start: status running, pid, started_at, monitor_pid (0 when the
 * caller holds the process itself); takes and drops the lock unless held.
 */
int cell_engine_ctr_mark_running(struct cell_engine *e, struct cell_ctr *c, pid_t pid,
                                 pid_t monitor_pid, struct cell_error *err);

/*
 * Record an exit: status exited, exit_code (the code, or 128+N after
 * signal N), finished_at, pid 0; takes and drops the lock unless held.
 */
int cell_engine_ctr_mark_exited(struct cell_engine *e, struct cell_ctr *c, int exit_code,
                                struct cell_error *err);

/*
 * `rm`: refuse a running or paused container unless `force` (which kills
 * it, SIGKILL), tear down, remove anonymous volumes when `volumes`, and
 * remove the record.  Error for a running one without force:
 *   cannot remove container "/NAME": container is running: stop the
 *   container before removing or force remove
 */
int cell_engine_ctr_remove(struct cell_engine *e, struct cell_ctr *c, bool force, bool volumes,
                           struct cell_error *err);

#endif
