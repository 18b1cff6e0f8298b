/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_CONTAINER_H
#define CELL_RUNTIME_CONTAINER_H

/*
 * The runtime's public API: the lifecycle of one container, as the OCI
 * runtime-spec defines it.  src/cli/ is one client of it (the runc-compatible
 * verbs); the engine will be another, calling it in-process.
 *
 *   creating -> created -> running -> (paused) -> stopped
 *
 * State lives under `rt->root/<id>/`, written atomically under a
 * per-container lock.  The status is derived on every read from the saved
 * pid and its start time, so a reused pid is never mistaken for the
 * container.
 *
 * Every function returns < 0 and fills `err` on failure.  Messages that
 * clients parse keep runc's wording:
 *   container "ID" does not exist      (any verb on an unknown id)
 *   container not running              (kill of a stopped container)
 *   container with id exists: ID       (create with a duplicate id)
 * On a failed create nothing is left behind: no state directory, cgroup,
 * mount or process.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "util/error.h"

/* Global options, shared by every verb. */
struct cell_runtime {
        const char *root; /* state root; default CELL_DEFAULT_ROOT */
        enum cell_cgroup_manager cgroup_manager;
        bool debug;
        /* The process' own argv, for re-executing from a read-only view of
         * the binary when a container could otherwise reach it
         * (runtime/dmz.h).  NULL: such containers are refused. */
        char **self_argv;
};

#define CELL_DEFAULT_ROOT "/run/cell"

struct cell_create_opts {
        const char *bundle;         /* default "." */
        const char *pid_file;       /* may be NULL */
        const char *console_socket; /* required when process.terminal (unless run in foreground) */
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds; /* fds 3 .. 3+N-1 are passed on */
        bool detach;      /* run only */
        bool keep;        /* run only: leave the stopped container for `delete` */
        /*
         * create only: the caller starts the container right after, in this
         * process, with nothing let into it in between (the engine's
         * starter): the init is protected against CVE-2019-5736 by the rule
         * of a foreground run (cell_dmz_protect_if_needed), not always.
         */
        bool start_now;
};

enum cell_status {
        CELL_STATUS_CREATING,
        CELL_STATUS_CREATED,
        CELL_STATUS_RUNNING,
        CELL_STATUS_PAUSED,
        CELL_STATUS_STOPPED,
};

const char *cell_status_name(enum cell_status status);

/* What `state` reports (runtime-spec state plus runc's extra fields). */
struct cell_container_state {
        char *oci_version;
        char *id;
        enum cell_status status;
        pid_t pid; /* 0 when stopped */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339, UTC */
        char *owner;   /* "" for root */
        struct cell_key_value *annotations;
        size_t n_annotations;
};

void cell_container_state_release(struct cell_container_state *state);

/* The state as runtime-spec JSON (pretty when `pretty`).  Caller frees. */
char *cell_container_state_json(const struct cell_container_state *state, bool pretty);

/*
 * The longest container id: the id names the state directory (and, without
 * linux.cgroupsPath, the cgroup), one path component, NAME_MAX bytes.
 */
#define CELL_CONTAINER_ID_MAX 255

/*
 * Reject ids that are not [A-Za-z0-9][A-Za-z0-9_.+-]* of at most
 * CELL_CONTAINER_ID_MAX bytes (runc: ^[\w+-\.]+$ without "." and "..";
 * cell also wants a letter or digit first).  Every verb that takes an id
 * calls this before touching anything.  A long id is not echoed whole.
 */
int cell_container_id_validate(const char *id, struct cell_error *err);

int cell_container_create(const struct cell_runtime *rt, const char *id,
                          const struct cell_create_opts *opts, struct cell_error *err);
int cell_container_start(const struct cell_runtime *rt, const char *id, struct cell_error *err);

/*
 * create + start.  In the foreground (!opts->detach) it forwards signals to
 * the container process, relays the terminal when process.terminal is set
 * and no console socket was given, waits, deletes the container and stores
 * the exit status (the code, or 128+N after signal N) in `*exit_status`.
 */
int cell_container_run(const struct cell_runtime *rt, const char *id,
                       const struct cell_create_opts *opts, int *exit_status,
                       struct cell_error *err);

/*
 * A process to add to a running container (`exec`).  Either `process_file`
 * (a runtime-spec process object, as podman and containerd pass it) or
 * `args`; the other fields override what the container's own process
 * object says, as runc does.
 */
struct cell_exec_opts {
        const char *process_file;   /* --process FILE ("-" = stdin) */
        char **args;                /* NULL-terminated command, when no process file */
        bool tty;                   /* -t: process.terminal */
        const char *console_socket; /* where the pty master goes; foreground relays it */
        bool detach;                /* return once the process runs */
        const char *pid_file;
        int preserve_fds;
        const char *cwd;
        char **env;             /* NULL-terminated "K=V" to add or replace */
        const char *user;       /* "UID[:GID]" */
        char **additional_gids; /* NULL-terminated decimal gids */
        char **caps;            /* NULL-terminated names to add */
        bool no_new_privs;
        const char *apparmor;      /* --apparmor: process.apparmorProfile */
        const char *process_label; /* --process-label: process.selinuxLabel */
        /* NULL-terminated --cgroup "[CONTROLLER[,CONTROLLER...]:]PATH": existing
         * sub-cgroups of the container's cgroup to run the process in */
        char **cgroups;
        bool ignore_paused; /* --ignore-paused: exec in a paused container */
};

/*
 * Run a process inside the container: join its namespaces (atomically, via
 * a pidfd), its cgroup, its seccomp profile; apply the process' user,
 * capabilities, rlimits, cwd, env and terminal.  In the foreground it
 * forwards signals, relays a terminal, waits and stores the process' exit
 * status (128+N after signal N).  A stopped container is an error, and
 * so is a paused one unless `ignore_paused` (the process then starts
 * frozen, and exec returns once the container is resumed), in runc's
 * words.  `cgroups` are checked as runc checks them (runtime/exec.c).
 */
int cell_container_exec(const struct cell_runtime *rt, const char *id,
                        const struct cell_exec_opts *opts, int *exit_status,
                        struct cell_error *err);

/* Signal the container's init, or (all) every process in its cgroup. */
int cell_container_kill(const struct cell_runtime *rt, const char *id, int sig, bool all,
                        struct cell_error *err);

/*
 * Remove a stopped or created container.  `force` kills a running or paused
 * one first; with `force`, an unknown id is not an error.
 */
int cell_container_delete(const struct cell_runtime *rt, const char *id, bool force,
                          struct cell_error *err);

int cell_container_state(const struct cell_runtime *rt, const char *id,
                         struct cell_container_state *out, struct cell_error *err);

/* Every container under rt->root, sorted by id.  Release each, then free(*out). */
int cell_container_list(const struct cell_runtime *rt, struct cell_container_state **out, size_t *n,
                        struct cell_error *err);

/*
 * Cgroup verbs (src/runtime/resources.c, events.c, ps.c).
 */

/*
 * Freeze every process of a running container (`pause`) / thaw a paused
 * one (`resume`).  Errors, in runc's wording: "container not running"
 * (pause of a created or stopped container), "container not paused".
 */
int cell_container_pause(const struct cell_runtime *rt, const char *id, struct cell_error *err);
int cell_container_resume(const struct cell_runtime *rt, const char *id, struct cell_error *err);

struct cell_update_opts {
        /* a runtime-spec linux.resources document; "-" = stdin; may be NULL */
        const char *resources_file;
        /*
         * Values from the command line, merged over the document (a set
         * has_* flag, or a non-NULL cpu.cpus / cpu.mems, wins).  Only the
         * memory, cpu, pids and blockIO.weight scalars are looked at.  Not
         * owned (its strings may point into argv); may be NULL.
         */
        const struct cell_resources *flags;
};

/*
 * Apply new limits to a created, running or paused container's cgroup
 * (`update`): only the fields given are written.  The cgroup files are the
 * record of the limits in force; nothing else is stored.
 */
int cell_container_update(const struct cell_runtime *rt, const char *id,
                          const struct cell_update_opts *opts, struct cell_error *err);

/*
 * Host pids of every process in the container's cgroup (`ps --format
 * json`); without a cgroup (--cgroup-manager disabled), the init's pid.
 * `*pids` is malloc'd (caller frees), possibly empty for a stopped container.
 */
int cell_container_pids(const struct cell_runtime *rt, const char *id, pid_t **pids, size_t *n,
                        struct cell_error *err);

/*
 * `ps` as a table: run ps(1) with `ps_args` (NULL-terminated; NULL or empty
 * means "-ef") and keep its header and the lines of the container's
 * processes.  `*out` is malloc'd text; caller frees.
 */
int cell_container_ps_table(const struct cell_runtime *rt, const char *id, char *const *ps_args,
                            char **out, struct cell_error *err);

/*
 * The filter behind cell_container_ps_table: the header line of
 * `ps_output`, then each line whose field under the "PID" header is in
 * `pids`.  Fails with "couldn't find PID field in ps output" (runc's
 * words).  `*out` is malloc'd; caller frees.
 */
int cell_ps_filter(const char *ps_output, const pid_t *pids, size_t n, char **out,
                   struct cell_error *err);

/* Statistics of a container that has not stopped.  Release with cell_cgroup_stats_release. */
int cell_container_stats(const struct cell_runtime *rt, const char *id,
                         struct cell_cgroup_stats *out, struct cell_error *err);

/*
 * {"type":"stats","id":ID,"data":{"cpu":..,"memory":..,"pids":..,"blkio":..,
 * "hugetlb":..}} as runc's `events` prints it (one line, no newline), plus
 * data.memory.oom_kill.  Caller frees.
 */
char *cell_stats_event_json(const char *id, const struct cell_cgroup_stats *stats);

/* Receives each event line (without a newline); returns < 0 with errno set to stop. */
typedef int (*cell_event_fn)(const char *json, void *data);

struct cell_events_opts {
        bool stats_once;      /* --stats: one stats event, then return */
        unsigned interval_ms; /* between stats events; 0 means 5000 */
};

/*
 * `events`: with stats_once, one stats event.  Otherwise a stats event
 * every interval and {"type":"oom","id":ID} whenever the cgroup's OOM-kill
 * counter has risen (looked at every 250 ms), until the container's init
 * exits (then returns 0).  A stopped container is "container not running".
 */
int cell_container_events(const struct cell_runtime *rt, const char *id,
                          const struct cell_events_opts *opts, cell_event_fn emit, void *data,
                          struct cell_error *err);

#endif
