/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_STATE_H
#define CELL_RUNTIME_STATE_H

/*
 * The on-disk state of one container: <root>/<id>/ holding
 *
 *   state.json   what this module reads and writes (struct cell_state_record)
 *   config.json  a copy of the bundle's config as it was at create (for the
 *                poststop hooks and the annotations, whatever happens to the
 *                bundle afterwards)
 *   exec.fifo    present between create and start; `start` opens it to let
 *                the container's init exec the user process
 *
 * Every mutation happens under an exclusive flock() of the container
 * directory (cell_state_open with lock = true), every read under a shared
 * one, so a reader never sees half a file although state.json is
 * rewritten in place (see cell_state_write for why).
 *
 * The status is never stored: cell_state_status() derives it from the saved
 * pid, its start time in /proc (so a recycled pid is not the container), and
 * whether the init still holds exec.fifo open.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/container.h"

struct cell_state_record {
        char *oci_version;
        char *id;
        pid_t pid;                    /* 0 while creating */
        unsigned long long pid_start; /* /proc/<pid>/stat field 22 */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 */
        char *cgroup;  /* cell_cgroup_to_string(), may be NULL */
        /* `cgroup` is not a JSON object's text (read from a damaged state
         * file): written back as a JSON string, not nested */
        bool cgroup_not_json;
        struct cell_key_value *annotations;
        size_t n_annotations;
        /* The namespace the container created that tells its processes from
         * others in its cgroup (runtime/owner.h); not set in state of older
         * builds.  Its identity is recorded for all but a pid namespace. */
        bool has_own_ns;
        enum cell_ns_type own_ns;
        uint64_t own_ns_id, own_ns_ino; /* NS_GET_ID and inode number; 0 = unknown */
};

void cell_state_record_release(struct cell_state_record *rec);

/*
 * Open <root>/<id>.  With `create`, make it (and the root) first; an
 * existing directory is "container with id exists: ID".  Without, a missing
 * one is `container "ID" does not exist` (errnum ENOENT).  The flock is
 * exclusive with `lock`, shared without, and held while `*dirfd` is open;
 * once it is taken, <root>/<id> is known to still be that directory, and
 * stays so while the lock is held (everyone removes it only under the
 * exclusive lock).
 */
int cell_state_open(const char *root, const char *id, bool create, bool lock, int *dirfd,
                    struct cell_error *err);

int cell_state_write(int dirfd, const struct cell_state_record *rec, struct cell_error *err);
int cell_state_read(int dirfd, struct cell_state_record *rec, struct cell_error *err);
/*
 * cell_state_read() of container `id`, errors prefixed with it.  A state
 * directory without state.json (a container half made or half removed by
 * another command) is one that does not exist: `container "ID" does not
 * exist`, errnum ENOENT, which podman and containerd take for "not found".
 */
int cell_state_read_of(int dirfd, const char *id, struct cell_state_record *rec,
                       struct cell_error *err);

/* Remove <root>/<id> and everything in it. */
int cell_state_remove(const char *root, const char *id, struct cell_error *err);
/*
 * The same for the caller's locked `dirfd` of it, keeping the lock until
 * the directory is gone and opening no fd for the files cell makes there
 * (a create failing with EMFILE has none to spare).
 */
int cell_state_remove_held(const char *root, const char *id, int dirfd, struct cell_error *err);

/* Start time of `pid` from /proc/<pid>/stat; 0 when gone or a zombie. */
unsigned long long cell_proc_start_time(pid_t pid);
/* The same, but a /proc/<pid>/stat that cannot be read (gone, EMFILE) is
 * an error; `*start` is 0 for a zombie. */
int cell_proc_start_time_checked(pid_t pid, unsigned long long *start, struct cell_error *err);

/*
 * Whether the init `pid` still holds exec.fifo of `dirfd` open, i.e. waits
 * for start and has not exec'd the user process (its fds on the fifo are
 * close-on-exec).  exec.fifo existing is not enough: a `start` killed after
 * the init went on leaves it behind.  True when /proc cannot tell.
 */
bool cell_state_init_waiting(int dirfd, pid_t pid);

/*
 * Derived status of a record whose directory is `dirfd`.  The _checked
 * variant fails when /proc cannot be read (EMFILE) instead of calling the
 * container stopped, which `delete` would then tear down.
 */
int cell_state_status_checked(int dirfd, const struct cell_state_record *rec,
                              enum cell_status *status, struct cell_error *err);
enum cell_status cell_state_status(int dirfd, const struct cell_state_record *rec);

/*
 * 1 while the recorded pid is still the container's init (not a zombie),
 * 0 once it is gone, -1 (`err` set) when /proc cannot tell (EMFILE).
 */
int cell_state_pid_check(const struct cell_state_record *rec, struct cell_error *err);
/* cell_state_pid_check() == 1 */
bool cell_state_pid_alive(const struct cell_state_record *rec);

/* Current time in RFC 3339 with nanoseconds, UTC.  Caller frees. */
char *cell_time_rfc3339(void);

#endif
