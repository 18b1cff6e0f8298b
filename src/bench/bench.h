/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_BENCH_BENCH_H
#define CELL_BENCH_BENCH_H

/*
 * `cell bench isolation`: one image run as a plain process, as cell's
 * default container and as a micro-VM, the same workloads in each, measured
 * live on this host.
 *
 *   src/bench/host.c      the host's description (kernel, CPU, accelerator, cgroups)
 *   src/bench/mode.c      the three modes: how an instance is launched, held idle,
 *                         found (its processes and cgroup) and removed
 *   src/bench/workload.c  the workloads, each filling rows of the result
 *   src/bench/report.c    the result as a table (ratios to "process"), JSON, CSV
 *   src/bench/html.c      the self-contained HTML report with inline SVG charts
 *   src/bench/helper.c    cell-bench-helper, the static program the workloads run
 *                         inside each mode (syscall loop, file I/O, TCP, probes)
 *
 * The modes:
 *   process    the image's binary run on the host by fork + chroot(2) into the
 *              image's layers overlay-mounted (a throwaway upper layer) with the
 *              host's /proc bind-mounted in; same user, same namespaces, same
 *              cgroup as cell: no other isolation.
 *   container  `cell run` as a user types it (this cell binary, the same
 *              --storage and --runroot): what a user gets, the CLI included.
 *   vm         `cell run --isolation=vm`, when this build has it.
 *
 * The result is a json-c object (the plan of every output):
 *   {"host": {...}, "image": "...", "runs": N, "density": N,
 *    "modes": [{"name", "available", "what", "reason"}...],
 *    "workloads": [{"id", "title", "unit", "better": "lower"|"higher",
 *                   "values": {"process": num|null, "container": ..., "vm": ...},
 *                   "notes": {"vm": "why missing"}}...],
 *    "isolation": [{"id", "title", "values": {"process": "text", ...}}...]}
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/error.h"

struct json_object;

struct cell_bench_config {
        const char *image;   /* "busybox": the built-in localhost/busybox:latest */
        const char *cell;    /* this cell executable (for `cell run`) */
        const char *storage; /* the engine's --storage and --runroot, passed on */
        const char *runroot;
        const char *helper;  /* cell-bench-helper (cell_bench_find_helper) */
        int runs;            /* start-up samples per mode */
        int density;         /* instances: the N of "memory for N" and density's cap */
        uint64_t budget;     /* density: stop when the instances' memory exceeds it */
        int density_seconds; /* density: stop after this long */
        /* `cell run --isolation=vm` exists in this build; else the VM column says so */
        bool vm_flag;
        FILE *progress; /* one line per step; NULL: quiet */
        /* Set (by a SIGINT/SIGTERM handler) to stop: cleanup runs, the call fails with EINTR. */
        volatile sig_atomic_t *stop;
};

/*
 * Run every workload in every mode and fill *out (release with
 * json_object_put).  Whatever it started (instances, mounts, the scratch
 * directory under runroot) is removed before it returns, also on error and
 * when *stop is set.
 */
int cell_bench_isolation(const struct cell_bench_config *c, struct json_object **out,
                         struct cell_error *err);

/* cell-bench-helper: $CELL_BENCH_HELPER, next to `cell`, or /usr/libexec/cell. Caller frees. */
char *cell_bench_find_helper(const char *cell, struct cell_error *err);

/* The host: kernel, CPU model, CPUs, memory, accelerator (and why), cgroup layout. */
struct json_object *cell_bench_host(const char *runroot);

/* Outputs of a result. */
void cell_bench_print_table(FILE *out, struct json_object *result);
void cell_bench_print_csv(FILE *out, struct json_object *result);
int cell_bench_write_html(const char *path, struct json_object *result, struct cell_error *err);

#endif
