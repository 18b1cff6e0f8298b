/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_MONITOR_H
#define CELL_ENGINE_MONITOR_H

/*
 * The monitor: what runs one engine container's process and holds its
 * stdio (helper "monitor"; the record is engine/container.h's).
 *
 * Three processes take part; only the first is long-lived in detached mode:
 *
 *   the holder    foreground: the `cell run` process itself.  Detached:
 *                 `cell-monitor` (src/engine/monitor_hold.c), a small static
 *                 program installed next to cell, re-parented to init,
 *                 setsid(), stdio on /dev/null, a child subreaper (so that
 *                 the container's init, started by the starter below, is
 *                 its child once the starter exits).  It holds the pipes of
 *                 the container's stdout/stderr (or the pty master; with
 *                 open_stdin the pipe of its stdin too), writes ctr.log,
 *                 serves `cell attach` on <container dir>/attach.sock
 *                 (engine/monitor_attach.h), reaps the container's init and
 *                 asks cell what to do next.  A program of its own because a process of cell
 *                 (libcurl, libarchive, json-c, dynamic or not) is far above
 *                 the 1 MB this one must stay under.
 *   the starter   `cell ... __monitor start ID ...`: creates and starts the
 *                 runtime container (src/runtime/container.h, in-process)
 *                 with the holder's pipes as its stdio, tells the holder the
 *                 init's pid over fd 3, and exits.  In the foreground it is
 *                 a fork of `cell run` that re-executes itself as the
 *                 starter only when the runtime must re-execute cell from a
 *                 read-only view of its binary (runtime/dmz.h).
 *   the reaper    `cell ... __monitor exited ID ...` (detached only; the
 *                 foreground does this in-process): deletes the runtime
 *                 container, records the exit through the callbacks, applies
 *                 the restart policy and removes an auto-remove container.
 *
 * The engine's record is reached only through struct cell_monitor_callbacks.
 * In the foreground the caller of cell_monitor_run() passes them.  A
 * detached monitor runs in processes that re-executed cell and lost the
 * caller's function pointers: the hidden verb `__monitor` (src/cli/engine/
 * monitor.c) builds them again from the container id and calls
 * cell_monitor_main().
 *
 * Exit statuses are docker's: the container's exit code, 128+N after
 * signal N; 125 when cell failed to start it, 126 when its command cannot
 * be executed, 127 when it is not found.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "util/error.h"

enum cell_monitor_restart {
        CELL_MONITOR_RESTART_NO,
        CELL_MONITOR_RESTART_ON_FAILURE, /* up to `restart_max` times (0: no limit) */
        CELL_MONITOR_RESTART_ALWAYS,
        CELL_MONITOR_RESTART_UNLESS_STOPPED,
};

/*
 * The engine's side.  Every callback may be NULL; `data` is passed to each.
 * They return < 0 and fill `err` on failure (the monitor logs it and goes
 * on: an exit must still be reaped and the next one recorded).
 */
struct cell_monitor_callbacks {
        void *data;
        /* A detached starter, before it makes the runtime container (first
         * start and restarts): take the record's lock and check that the
         * container is still there to start.  `rm -f` may have removed it
         * since the holder was spawned; without the lock it could also
         * unmount the rootfs while the runtime builds the container on it.
         * The lock is held until `started` or `start_failed` returns; on
         * failure no other callback is called. */
        int (*claim)(void *data, struct cell_error *err);
        /* Before each restart (the caller of cell_monitor_run prepares the
         * first start): mount the rootfs, attach the network. */
        int (*prepare)(void *data, struct cell_error *err);
        /* The container's process runs as host pid `pid`; `monitor_pid` is the
         * holder's pid (what `rm -f` must kill first), `restart_count` the
         * number of restarts so far (0 for the first start). */
        int (*started)(void *data, pid_t pid, pid_t monitor_pid, int restart_count,
                       struct cell_error *err);
        /* A start failed: `exit_status` is 125, 126 or 127, `msg` says why. */
        int (*start_failed)(void *data, int exit_status, const char *msg, struct cell_error *err);
        /* The process exited with `exit_status`; the runtime container is
         * deleted already.  Record the exit (and unmount/detach), and set
         * `*stopped_by_user` when `stop`/`kill` asked for it (no restart then). */
        int (*exited)(void *data, int exit_status, bool *stopped_by_user, struct cell_error *err);
        /* --rm: the container exited for good; remove it and its record.  It
         * is called by the monitor itself: it must not kill the monitor. */
        int (*remove)(void *data, struct cell_error *err);
};

struct cell_monitor_opts {
        const char *id;       /* the runtime id (the engine's 64-hex id) */
        const char *bundle;   /* <storage>/containers/<id>/bundle: config.json + rootfs */
        const char *log_path; /* <storage>/containers/<id>/ctr.log (JSON lines, appended) */
        /* The runtime library's options; rt->root is the engine's runroot. */
        const struct cell_runtime *rt;
        /* The engine's --storage, passed on to the re-executed `__monitor` verb. */
        const char *storage;
        bool tty;         /* process.terminal is set in the bundle's config.json */
        bool open_stdin;  /* -i: the container reads our stdin (foreground only) */
        bool detach;      /* -d */
        bool auto_remove; /* --rm */
        enum cell_monitor_restart restart;
        int restart_max;   /* on-failure:N */
        int restart_count; /* restarts done before (a `start` of an existing container) */
};

/*
 * Run the container.
 *
 * Foreground (!detach): create and start it, call `cb`, relay its output to
 * our stdout/stderr and into the log, its stdin from ours with open_stdin;
 * with tty, relay the pty with our terminal in raw mode and pass on window
 * size changes; forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2... to
 * the container (docker's --sig-proxy); wait, apply the restart policy,
 * remove an auto-remove container.  `*exit_status` is the last exit status
 * of the container (or 125/126/127 when a start failed: then err says why
 * and the return is -1).
 *
 * Detached: start the holder (`cell-monitor`, detached from our session)
 * and return once the container's process runs: 0 with `*pid`, or -1 with
 * err and `*exit_status` 125/126/127 when the start failed (the start is
 * then recorded through `__monitor`'s callbacks, and an auto-remove
 * container removed).  `cb` is not used: see the comment at the top.
 *
 * `pid` may be NULL.  The caller's rt->self_argv is not used: the starter
 * re-executes itself as `cell ... __monitor start ...` when the runtime
 * needs a re-execution (runtime/dmz.h), so cell's hidden verb `__monitor`
 * must be there in both modes.  In the foreground this process becomes a
 * child subreaper and blocks every signal while it runs (both undone
 * before return).
 */
int cell_monitor_run(const struct cell_monitor_opts *opts, const struct cell_monitor_callbacks *cb,
                     pid_t *pid, int *exit_status, struct cell_error *err);

/*
 * The hidden verb `cell [--storage S] [--runroot R] __monitor PHASE ID
 * [OPTIONS]` that a detached holder runs: argv[0] is "__monitor".  `cb` are
 * the engine's callbacks for container ID (argv[2]).  Returns the process'
 * exit status.  Not for people.
 */
int cell_monitor_main(int argc, char **argv, const struct cell_runtime *rt,
                      const struct cell_monitor_callbacks *cb);

/*
 * Where cell's helper programs live: the directory of the running cell
 * binary (/proc/self/exe), as installed and as built.  Caller frees.
 *   cell_monitor_holder_path()  ".../cell-monitor"
 *   cell_init_path()            ".../cell-init" (--init; see engine/init/)
 */
char *cell_monitor_holder_path(struct cell_error *err);
char *cell_init_path(struct cell_error *err);

/*
 * A failed start as docker's exit status: 127 for ENOENT (or the runtime's
 * "executable file not found in $PATH"), 126 for EACCES, ENOEXEC..., else 125.
 */
int cell_monitor_start_status(const struct cell_error *err);

/* Whether a container that exited with `exit_status` restarts (stopped_by_user: never). */
bool cell_monitor_should_restart(enum cell_monitor_restart policy, int restart_max,
                                 int restart_count, int exit_status, bool stopped_by_user);

/* "no", "on-failure", "always", "unless-stopped"; and back (-1 when unknown). */
const char *cell_monitor_restart_name(enum cell_monitor_restart policy);
int cell_monitor_restart_from_name(const char *name);

#endif
