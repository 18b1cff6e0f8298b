/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_MONITOR_ENGINE_H
#define CELL_ENGINE_MONITOR_ENGINE_H

/*
 * The monitor (engine/monitor.h) on an engine container: its options from
 * the record, and the callbacks that keep the record (engine/lifecycle.h).
 * Used by the runner (engine/runner.h) and by the hidden verb `__monitor`.
 */

#include "engine/container.h"
#include "engine/engine.h"
#include "engine/monitor.h"

struct cell_monitor_engine {
        struct cell_engine *e;
        struct cell_ctr *c; /* its lock not held (the callbacks take it) */
        char *id;
        char *bundle;
        char *log_path;
};

/*
 * Fill `me` and the monitor's options for container `c`: bundle, log,
 * tty, --rm, restart policy and count from the record.  `o` points into
 * `me`: release `me` after the monitor returns.
 */
void cell_monitor_engine_init(struct cell_monitor_engine *me, struct cell_engine *e,
                              struct cell_ctr *c, struct cell_monitor_opts *o);
void cell_monitor_engine_release(struct cell_monitor_engine *me);

/* The callbacks on `me`'s record. */
struct cell_monitor_callbacks cell_monitor_engine_callbacks(struct cell_monitor_engine *me);

#endif
