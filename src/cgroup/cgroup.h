/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CGROUP_CGROUP_H
#define CELL_CGROUP_CGROUP_H

/*
 * The one cgroup interface the runtime calls.  Behind it sit drivers for the
 * host's layout, detected at run time from /proc/self/mountinfo:
 *
 *   v1      controllers mounted one per hierarchy under /sys/fs/cgroup/<c>
 *   v2      the unified hierarchy at /sys/fs/cgroup
 *   hybrid  v1 controllers plus a cgroup2 tree (/sys/fs/cgroup/unified)
 *   none    no cgroup filesystem, or --cgroup-manager disabled
 *
 * A `struct cell_cgroup` is one container's cgroup on every hierarchy it
 * uses.  It is created before the container's init runs user code, entered
 * by that init, saved in the container state as a string, and destroyed on
 * delete.  All functions return < 0 and fill `err` (naming the file and the
 * spec field, e.g. "linux.resources.memory.limit: write
 * /sys/fs/cgroup/memory/x/memory.limit_in_bytes: Device or resource busy").
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* gnu11 predefines `linux` as 1, which would break spec->linux. */
#undef linux
#include "oci/spec.h"
#include "util/error.h"

enum cell_cgroup_manager {
        CELL_CGROUP_MANAGER_CGROUPFS,
        CELL_CGROUP_MANAGER_SYSTEMD,
        CELL_CGROUP_MANAGER_DISABLED,
};

enum cell_cgroup_mode {
        CELL_CGROUP_MODE_NONE,
        CELL_CGROUP_MODE_V1,
        CELL_CGROUP_MODE_V2,
        CELL_CGROUP_MODE_HYBRID,
};

/* Detect the host's layout (cached after the first call). */
int cell_cgroup_detect(enum cell_cgroup_mode *mode, struct cell_error *err);
const char *cell_cgroup_mode_name(enum cell_cgroup_mode mode);

struct cell_cgroup;

/*
 * Create the cgroup(s) for container `id` and apply spec->linux.resources
 * (plus runc's default device rules).  The directory on each hierarchy
 * follows runc's cgroupfs driver: an absolute linux.cgroupsPath is taken
 * below the hierarchy's mount point; a relative one below cell's own cgroup
 * on that hierarchy (/proc/self/cgroup; on cgroup2 below its parent); when
 * it is absent the relative path "<id>" is used.  Joined: every v1
 * hierarchy with a known controller, name=systemd, and the cgroup2 tree.  With
 * CELL_CGROUP_MANAGER_DISABLED,
 * `*out` is a valid handle that does nothing.  With SYSTEMD: an error (no
 * systemd on these hosts).  On failure nothing is left behind.
 */
int cell_cgroup_create(enum cell_cgroup_manager manager, const char *id,
                       const struct cell_spec *spec, struct cell_cgroup **out,
                       struct cell_error *err);

/*
 * cell_cgroup_create in two steps, for a caller that must record where the
 * cgroup will be before making it (the runtime saves the handle in the
 * container's state first, so that a create killed half-way leaves nothing
 * `delete --force` cannot find).  plan computes every directory and creates
 * nothing; cell_cgroup_to_string() of the plan names every directory,
 * but only that of the realized handle says which ones cell made (save it
 * again).  realize creates them and applies the resources; on failure it
 * removes what it created (a directory that existed before is joined and
 * left alone).  It fails when the cgroup is frozen (a process placed there
 * would stop before it could report: "cgroup /sys/fs/cgroup/freezer/x is
 * frozen"), and warns (cell_warn) when an existing directory already holds
 * processes: they are not the container's, and nothing cell does to the
 * container's processes reaches them.
 */
int cell_cgroup_plan(enum cell_cgroup_manager manager, const char *id, const struct cell_spec *spec,
                     struct cell_cgroup **out, struct cell_error *err);
int cell_cgroup_realize(struct cell_cgroup *cg, const char *id, const struct cell_spec *spec,
                        struct cell_error *err);

/*
 * An O_DIRECTORY fd of the v2 cgroup for clone3(CLONE_INTO_CGROUP), or -1
 * when there is none (v1 or disabled).  Owned by the handle.
 */
int cell_cgroup_clone_fd(const struct cell_cgroup *cg);

/*
 * Move `pid` into the container's cgroup on every hierarchy.  When
 * `placed_by_clone` is set, the v2 hierarchy is skipped (clone3 already
 * placed it there).
 */
int cell_cgroup_enter(struct cell_cgroup *cg, pid_t pid, bool placed_by_clone,
                      struct cell_error *err);

/*
 * Move the calling process into the container's cgroup on every hierarchy
 * (skipping v2 when `placed_by_clone`), from inside the container's init
 * before it execs: the fast way on v1.  There it writes "0" to each
 * hierarchy's `tasks`, which moves only the calling thread and so (Linux
 * >= 6.0) skips the RCU grace period that every cgroup.procs write waits
 * for (~9 ms here; 160 us for all nine v1 hierarchies this way).
 * Preconditions: the caller is single-threaded (a freshly forked child is)
 * and can still write the host's cgroup files (call it before joining or
 * creating a user namespace that does not map host root).  Does not
 * allocate, so it is safe in a forked child.
 */
int cell_cgroup_enter_self(struct cell_cgroup *cg, bool placed_by_clone, struct cell_error *err);

/*
 * runc's `exec --cgroup`: point the handle at existing sub-cgroups of the
 * container's, so that cell_cgroup_enter*() place the exec'd process there.
 * `args` (NULL-terminated, may be NULL) are "PATH", then the only one, for
 * every hierarchy, or "CONTROLLER[,CONTROLLER...]:PATH" for the hierarchies
 * holding those controllers (v1; cgroup2 has no controller key).  PATH is
 * relative to the container's directory.  Refused, in runc's words: a
 * ".." component ("../x is not a sub cgroup path"), a controller no
 * hierarchy of the container holds or one named twice, a malformed
 * argument; and a directory that does not exist ("sub-cgroup <dir>: No
 * such file or directory").  Creates nothing.  On failure the handle may
 * be partly changed: free it.  Only for a handle that is not saved again.
 */
int cell_cgroup_descend(struct cell_cgroup *cg, char *const *args, struct cell_error *err);

/* One hierarchy as the container's "cgroup" mount shows it (sandbox/mount_cgroup.c). */
struct cell_cgroup_hierarchy {
        const char *mount_point; /* on the host: "/sys/fs/cgroup/cpu,cpuacct" */
        const char *controllers; /* as /proc/self/cgroup names it: "cpu,cpuacct", "name=systemd";
                                    "" for cgroup2 */
        const char *dir;         /* the container's cgroup directory on the host */
        bool v2;
};

/*
 * The container's directory on every cgroup hierarchy of the host, for its
 * init to mount without reading /proc/self/mountinfo and /proc/self/cgroup
 * again (the handle was planned from the same host layout before the clone).
 * Fills at most `max` entries, which point into the handle and the cached
 * host layout; returns their number, or -1 when the handle does not cover
 * what the container's cgroup mount shows (no handle or a disabled manager,
 * a hierarchy the container does not join, a cgroup mount outside
 * /sys/fs/cgroup or mounted twice): the caller then reads /proc.
 */
ssize_t cell_cgroup_hierarchies(const struct cell_cgroup *cg, struct cell_cgroup_hierarchy *out,
                                size_t max);

/* Persist / restore a handle (for the container's state file).  Caller frees. */
char *cell_cgroup_to_string(const struct cell_cgroup *cg);
int cell_cgroup_from_string(const char *s, struct cell_cgroup **out, struct cell_error *err);

/*
 * Which of the processes listed in the container's cgroup are the
 * container's own.  A cgroup may be shared: processes were there before
 * create (a parent such as /kubepods given as cgroupsPath), or another
 * container was given the same path; cell never signals those.  `owns` is
 * called with the pid of a live process (the caller holds a pidfd of it).
 */
struct cell_cgroup_owner {
        bool (*owns)(pid_t pid, void *data);
        void *data;
};

/*
 * Send `sig` to every process in the container's cgroup that `owner` says
 * is the container's (kill --all); `owner` NULL: every process there.
 */
int cell_cgroup_signal_all(struct cell_cgroup *cg, int sig, const struct cell_cgroup_owner *owner,
                           struct cell_error *err);

/* Pids in the container's cgroup.  `*pids` is malloc'd; caller frees. */
int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n, struct cell_error *err);

/*
 * The end of the container's cgroup: SIGKILL what is left of the
 * container's own processes (`owner`, as in cell_cgroup_signal_all; a
 * freezer cgroup cell made is thawed first, one it joined is not: its
 * owner froze it), wait until they are gone, and remove the
 * directories cell made on every hierarchy (the levels it created, leaf
 * up).  A directory that existed before create is left in place, and so is
 * one that still holds processes that are not the container's (with a
 * warning).  Idempotent: a missing cgroup is not an error.
 */
int cell_cgroup_destroy(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                        struct cell_error *err);

void cell_cgroup_free(struct cell_cgroup *cg);

/*
 * Freeze (pause) or thaw (resume) every process of the container: the v1
 * freezer where the host has one, else the v2 cgroup.freeze.  Returns once
 * the kernel reports the new state (bounded at ~2 s; a freeze that does not
 * complete is undone and reported as ETIMEDOUT).
 */
int cell_cgroup_freeze(struct cell_cgroup *cg, bool frozen, struct cell_error *err);
/* Whether the container's cgroup is frozen (for the state "paused"). */
int cell_cgroup_is_frozen(struct cell_cgroup *cg, bool *frozen, struct cell_error *err);
/*
 * Fails with "cgroup DIR is frozen" when a directory of the handle is (v1
 * freezer.state FROZEN or FREEZING, v2 cgroup.events "frozen 1"; a frozen
 * parent freezes it too).  Directories cell made from a root up are not read.
 */
int cell_cgroup_check_thawed(const struct cell_cgroup *cg, struct cell_error *err);
/*
 * Move the container's processes (`owner`, NULL: all) out of a cgroup that
 * someone else froze, to the root of its hierarchy, which cannot be frozen:
 * a frozen process acts on SIGKILL only once thawed, and thawing a cgroup
 * cell did not freeze is not cell's to do.
 */
int cell_cgroup_evict(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                      struct cell_error *err);

/*
 * Apply `r` to a live cgroup (`update`): only the fields set in `r` are
 * written, with the same hierarchy choice and conversions as at create.
 * Stops at the first failure; the error names the spec field and the file.
 */
int cell_cgroup_update(struct cell_cgroup *cg, const struct cell_resources *r,
                       struct cell_error *err);

/* Statistics, shaped as runc's `events --stats` (libcontainer/cgroups Stats). */
struct cell_cgroup_usage {
        uint64_t usage, max_usage, failcnt, limit; /* bytes; limit UINT64_MAX = none */
};

struct cell_cgroup_blkio_entry {
        uint64_t major, minor;
        char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
        uint64_t value;
};

struct cell_cgroup_hugetlb_stats {
        char page_size[16]; /* "2MB", "1GB" */
        uint64_t usage, max_usage, failcnt;
};

struct cell_cgroup_stat_value {
        char *key;
        uint64_t value;
};

struct cell_cgroup_stats {
        struct {
                uint64_t total_ns, kernel_ns, user_ns;
                uint64_t *percpu_ns; /* v1 cpuacct.usage_percpu; NULL on v2 */
                size_t n_percpu;
                uint64_t periods, throttled_periods, throttled_ns;
        } cpu;
        struct {
                uint64_t cache;
                struct cell_cgroup_usage usage, swap, kernel, kernel_tcp;
                uint64_t oom_kill; /* processes killed by the OOM killer in this cgroup */
                bool use_hierarchy;
                struct cell_cgroup_stat_value *raw; /* memory.stat as read */
                size_t n_raw;
        } memory;
        struct {
                uint64_t current, limit; /* limit 0 = no limit */
        } pids;
        struct {
                struct cell_cgroup_blkio_entry *service_bytes, *serviced;
                size_t n_service_bytes, n_serviced;
        } blkio;
        struct cell_cgroup_hugetlb_stats *hugetlb;
        size_t n_hugetlb;
};

/*
 * Fill `*out` from every hierarchy the container uses.  Controllers the
 * host lacks leave their part zero.  Release with cell_cgroup_stats_release.
 */
int cell_cgroup_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *out,
                      struct cell_error *err);
void cell_cgroup_stats_release(struct cell_cgroup_stats *stats);

/*
 * A human-readable description of the host's cgroups (for `cell check`):
 * the mode, each hierarchy's mount point, its controllers and whether it is
 * mounted with favordynmods.  `*text` is malloc'd; caller frees.
 */
int cell_cgroup_host_report(char **text, struct cell_error *err);

#endif
