/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_BENCH_INTERNAL_H
#define CELL_BENCH_INTERNAL_H

/* Internal to src/bench: the modes (mode.c) as the workloads (workload.c) use them. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench/bench.h"

enum bench_mode { BENCH_PROCESS, BENCH_CONTAINER, BENCH_VM, BENCH_NMODES };
extern const char *const bench_mode_names[BENCH_NMODES];

/* An idle instance (`sleep`): its pid on the host, and its container name. */
struct bench_idle {
        pid_t pid;  /* process: the sleep; container, vm: State.Pid */
        char *name; /* container, vm: the container's name; NULL for process */
        char *id;   /* container, vm: its id, as `cell run -d` printed it */
};

struct bench {
        const struct cell_bench_config *c;
        char *scratch;    /* <runroot>/bench-<pid>: everything on disk the run makes */
        char *rootfs;     /* <scratch>/bundle/rootfs: process mode's root */
        char *helper_dir; /* <scratch>/helper: cell-bench-helper, bind-mounted into instances */
        char *vol_dir;    /* <scratch>/vol: the volume of the file I/O workload */
        bool rootfs_mounted, proc_mounted, vol_mounted;
        bool available[BENCH_NMODES];
        char *reason[BENCH_NMODES]; /* why a mode is unavailable */
        struct bench_idle *idle;
        size_t n_idle;
        enum bench_mode idle_mode;
};

/* Make the scratch directory, copy the helper, mount process mode's rootfs. */
int bench_setup(struct bench *b, struct cell_error *err);
/* Remove every idle instance, unmount, remove the scratch directory; never fails. */
void bench_teardown(struct bench *b);
bool bench_stopped(const struct bench *b);
void bench_progress(const struct bench *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * Start `cmd` (resolved in the image's PATH) in mode m, stdout to out_fd,
 * stdin /dev/null, stderr to err_fd (-1: /dev/null).  With `mounts` the
 * instance has the helper at /.cell-bench/cell-bench-helper and the volume at /vol.
 */
int bench_spawn(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts, int out_fd,
                int err_fd, pid_t *pid, struct cell_error *err);
/* waitpid, through EINTR: the children are short and always waited for. */
int bench_wait(pid_t pid);
/* Run to the end; 0 with its stdout in *out when it exited 0, else err with its stderr. */
int bench_capture(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts, char **out,
                  struct cell_error *err);

/* Start one idle instance (appended to b->idle). */
int bench_idle_start(struct bench *b, enum bench_mode m, struct cell_error *err);
/* PSS (KiB) of every process of instance i; its cgroup's kernel memory (KiB, -1: none of its own).
 */
int bench_idle_memory(struct bench *b, size_t i, int64_t *pss_kib, int64_t *kernel_kib,
                      struct cell_error *err);
void bench_idle_stop_all(struct bench *b);
/*
 * bench_idle_start with cmd instead of `sleep` (mounts: the helper at
 * /.cell-bench, read-only), e.g. the helper's server; removed the same way.
 */
int bench_instance_start(struct bench *b, enum bench_mode m, char *const *cmd, bool mounts,
                         struct cell_error *err);
/* `cell inspect --format FORMAT NAME`'s first line in *out (malloc'ed). */
int bench_inspect(struct bench *b, const char *name, const char *format, char **out,
                  struct cell_error *err);

/* Monotonic seconds. */
double bench_now(void);

/* report.c: the path a network row's figure for mode m took ("bridge 10.88.0.2"), or "". */
void bench_row_path(json_object *row, int m, char *buf, size_t size);

/* workload.c */
int bench_workloads(struct bench *b, json_object *result);

#endif
