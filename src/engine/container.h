/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_CONTAINER_H
#define CELL_ENGINE_CONTAINER_H

/*
 * Engine container records: <storage>/containers/<id>/container.json.
 *
 *   containers/.lock         flock LOCK_EX while a name is checked and taken
 *                            (create, rename), so two names never collide
 *   containers/<id>/lock     flock LOCK_EX around every read-modify-write of
 *                            the record (cell_ctr_lock / cell_ctr_save)
 *   containers/<id>/container.json   the record, replaced atomically
 *                            (write container.json.tmp, fsync, rename)
 *   containers/<id>/bundle/  config.json + rootfs/ (the overlay mount point)
 *   containers/<id>/upper/ work/     the writable layer
 *   containers/<id>/hostname hosts resolv.conf   bind-mounted into the container
 *   containers/<id>/ctr.log  the log (engine/logs.h, helper "monitor")
 *
 * The id is 64 lower-case hex digits from getrandom(2); the runtime library
 * knows the container by the same id, under the engine's runroot.
 *
 * Status: the record stores what the engine last did (created, running,
 * paused, exited); cell_ctr_load() reconciles it with the runtime library:
 * a record that says running or paused whose process is gone (no runtime
 * state, or the runtime says stopped) reads as exited, exit code as recorded
 * by whoever reaped it, else 255 (unknown: the reaper died too).
 *
 * Every function returns < 0 and fills `err` on failure.  Errors name the
 * container as the user gave it ("no such container: web").
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "util/error.h"

#define CELL_CTR_ID_LEN 64

enum cell_ctr_status {
        CELL_CTR_CREATED,
        CELL_CTR_RUNNING,
        CELL_CTR_PAUSED,
        CELL_CTR_EXITED,
};

/* "created", "running", "paused", "exited"; and back (-1 when unknown). */
const char *cell_ctr_status_name(enum cell_ctr_status s);
int cell_ctr_status_from_name(const char *name);

enum cell_restart_policy {
        CELL_RESTART_NO,
        CELL_RESTART_ON_FAILURE,
        CELL_RESTART_ALWAYS,
        CELL_RESTART_UNLESS_STOPPED,
};

const char *cell_restart_policy_name(enum cell_restart_policy p); /* "no", "on-failure", ... */

/*
 * Parse "no", "on-failure[:N]", "always", "unless-stopped" (the --restart
 * value).  Error: "invalid restart policy: X".
 */
int cell_restart_policy_parse(const char *s, enum cell_restart_policy *policy, int *max_retries,
                              struct cell_error *err);

struct cell_ctr_state {
        enum cell_ctr_status status;
        pid_t pid;             /* the container's init (host pid); 0 when not running */
        int exit_code;         /* last exit; -1 unknown (reads as 255 once exited) */
        char *started_at;      /* RFC 3339 nano; NULL never */
        char *finished_at;     /* NULL never */
        int restart_count;
        pid_t monitor_pid;     /* the process holding stdio (engine/monitor.h); 0 none */
        bool stopped_by_user;  /* `stop`/`kill` asked for it: unless-stopped and always obey */
        bool oom_killed;
        char *error;           /* why the last start failed; NULL none */
};

/*
 * The record.  `config` and `host_config` are docker's "Config" and
 * "HostConfig" objects as `inspect` shows them (what the user asked for,
 * image defaults filled in); `mounts` is docker's "Mounts" array.  The
 * typed fields below repeat what the monitor and the verbs need often.
 */
struct cell_ctr {
        char *id;
        char *name;            /* without the leading "/" */
        char *image;           /* as the user gave it */
        char *image_id;        /* "sha256:..." */
        char *created;         /* RFC 3339 nano */
        char *network_mode;    /* "none", "host" (engine/network.h) */
        json_object *config;   /* owned */
        json_object *host_config;
        json_object *mounts;
        json_object *network;  /* what the network driver recorded (ports, ...); may be NULL */
        char **lower_dirs;     /* the image's layer directories, top first, NULL-terminated */

        bool tty;              /* process.terminal */
        bool open_stdin;       /* -i */
        bool auto_remove;      /* --rm */
        enum cell_restart_policy restart_policy;
        int restart_max;       /* on-failure:N; 0 = unlimited */
        int stop_signal;       /* image StopSignal or SIGTERM */
        int stop_timeout;      /* seconds; default 10 */

        struct cell_ctr_state state;

        int lock_fd;           /* containers/<id>/lock when held, else -1 */
};

/* A zeroed record with lock_fd = -1. */
void cell_ctr_init(struct cell_ctr *c);
/* Frees everything and drops the lock if held.  `c` may be zeroed. */
void cell_ctr_release(struct cell_ctr *c);

/* A new random id (64 hex).  `out` holds CELL_CTR_ID_LEN + 1 bytes. */
int cell_ctr_new_id(char out[CELL_CTR_ID_LEN + 1], struct cell_error *err);

/* A readable random name "adjective_surname" not used by any container. */
char *cell_ctr_random_name(void);

/*
 * Names as docker accepts them: [a-zA-Z0-9][a-zA-Z0-9_.-]*, a leading "/"
 * ignored.  Error: 'invalid container name "X", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'.
 */
int cell_ctr_name_validate(const char *name, struct cell_error *err);

/*
 * Create the record of a new container: takes containers/.lock, checks the
 * name (c->name; NULL picks a random one and stores it in c->name), writes
 * container.json into containers/.new-<id>/ and renames that to
 * containers/<id>/, so a SIGKILL never leaves a directory without a record
 * (the next create removes a .new-* leftover).  On return the container's
 * lock is held (c->lock_fd).  A duplicate name fails with docker's words:
 *   the container name "/web" is already in use by container "<id>". You
 *   have to remove (or rename) that container to be able to reuse that name.
 * Nothing is left behind on failure.
 */
struct cell_ctr_file {
        const char *name; /* relative to the container's directory; NULL ends a list */
        const char *text;
        mode_t mode;
};
/*
 * `files` (optional, ended by a NULL name): written beside the record into
 * .new-<id>/ before the rename, plainly (the rename is the atomic step).
 */
int cell_ctr_create(struct cell_engine *e, struct cell_ctr *c, const struct cell_ctr_file *files,
                    struct cell_error *err);

/*
 * Write `text` to a new (or truncated) file `name` in `dirfd` with `mode`
 * (umask ignored), in place: for files nothing reads before a later,
 * atomic step publishes them.
 */
int cell_ctr_write_file(int dirfd, const char *name, const char *text, mode_t mode,
                        struct cell_error *err);

/*
 * Find a container by exact name, exact id, or unique id prefix, and load
 * it (status reconciled, see above).  Unknown: "no such container: X",
 * errnum ENOENT.  An ambiguous prefix: "multiple containers match X".
 * With `lock`, the container's lock is taken first and held on return.
 */
int cell_ctr_lookup(struct cell_engine *e, const char *name_or_id, bool lock, struct cell_ctr *out,
                    struct cell_error *err);

/* Load by exact id (no name lookup); with `lock` as above. */
int cell_ctr_load(struct cell_engine *e, const char *id, bool lock, struct cell_ctr *out,
                  struct cell_error *err);

/* Take / drop the container's lock (LOCK_EX on containers/<id>/lock). */
int cell_ctr_lock(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);
void cell_ctr_unlock(struct cell_ctr *c);

/*
 * Re-read the state from disk into `c` (after taking the lock on a record
 * loaded without it) and reconcile it again.
 */
int cell_ctr_reload(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);

/* Write the record atomically.  The caller holds the container's lock. */
int cell_ctr_save(struct cell_engine *e, const struct cell_ctr *c, struct cell_error *err);

/*
 * Every container, sorted by creation time, newest first (as `ps`).  A
 * directory whose record cannot be read is skipped with a warning logged.
 * Release each, then free(*out).
 */
int cell_ctr_list(struct cell_engine *e, struct cell_ctr **out, size_t *n, struct cell_error *err);
void cell_ctr_list_free(struct cell_ctr *list, size_t n);

/* Rename under containers/.lock; the new name must be free (docker's error above). */
int cell_ctr_rename(struct cell_engine *e, struct cell_ctr *c, const char *new_name,
                    struct cell_error *err);

/*
 * Remove containers/<id>/ entirely (the caller has already stopped the
 * process, unmounted the rootfs and deleted the runtime state).
 */
int cell_ctr_remove_record(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err);

/* The record as JSON (what container.json holds); caller puts. */
json_object *cell_ctr_to_json(const struct cell_ctr *c);

/* docker's size syntax: "512m", "1.5g", "100000" (bytes); error "invalid size: 'X'". */
int cell_size_parse(const char *s, int64_t *out, struct cell_error *err);

/* The id shortened as `ps` shows it (12 hex). */
#define CELL_CTR_SHORT_ID_LEN 12

#endif
