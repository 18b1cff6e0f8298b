/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_STATS_H
#define CELL_ENGINE_STATS_H

/*
 * `cell stats`: a running container's CPU, memory and pids from its
 * cgroup, through the runtime library (cell_container_stats).
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/container.h"
#include "engine/engine.h"

struct cell_engine_stats {
        struct timespec at;  /* CLOCK_MONOTONIC of the sample */
        uint64_t cpu_ns;     /* CPU time used so far */
        uint64_t mem_usage;  /* bytes, without the inactive page cache (docker's figure) */
        uint64_t mem_limit;  /* bytes: the cgroup's limit, else the host's memory */
        uint64_t pids;
        uint64_t pids_limit; /* 0 none */
};

/* Sample container `c` (running or paused).  Error: "container NAME is not running". */
int cell_engine_stats_sample(struct cell_engine *e, const struct cell_ctr *c,
                             struct cell_engine_stats *out, struct cell_error *err);

/* CPU % between two samples: 100 per CPU kept busy (docker's). */
double cell_engine_stats_cpu_percent(const struct cell_engine_stats *before,
                                     const struct cell_engine_stats *after);

/* "1.5MiB" (docker's units.BytesSize: binary, 4 significant digits) into buf. */
void cell_engine_stats_bytes(uint64_t bytes, char *buf, size_t size);

#endif
