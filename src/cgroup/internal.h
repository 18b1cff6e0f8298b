/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

/*
 * Internals of src/cgroup/, shared between its files and the unit tests.
 * Nothing outside src/cgroup/ and tests/unit/test_cgroup.c includes this.
 *
 * The model:
 *   - the *host* (host.c) is the list of mounted hierarchies, parsed once
 *     from /proc/self/mountinfo and cached for the life of the process;
 *   - a container's cgroup (`struct cell_cgroup`) is one directory per
 *     hierarchy it uses (`struct cell_cgroup_dir`), each served by the driver
 *     of its kind (v1.c or v2.c).  The host's mode is data, not code: "hybrid"
 *     is simply a handle holding v1 directories and one v2 directory, "none"
 *     a handle with no directory at all.
 *   - resources become a *plan* (plan.c, resources_v1.c, resources_v2.c): a
 *     list of {directory, file, value, spec field} writes built without
 *     touching the host, then written by one loop.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup/cgroup.h"

/* Controllers cell knows, as bit numbers in a controller mask. */
enum cell_cg_controller {
        CELL_CG_CPU,
        CELL_CG_CPUACCT,
        CELL_CG_CPUSET,
        CELL_CG_MEMORY,
        CELL_CG_DEVICES,
        CELL_CG_FREEZER,
        CELL_CG_BLKIO, /* "io" on v2 */
        CELL_CG_PIDS,
        CELL_CG_HUGETLB,
        CELL_CG_NET_CLS,
        CELL_CG_NET_PRIO,
        CELL_CG_RDMA,
        CELL_CG_PERF_EVENT,
        CELL_CG_MISC,
        CELL_CG__COUNT
};

#define CELL_CG_BIT(c) (1u << (c))

/* v1 name of a controller ("blkio"); v2 name ("io"), NULL when v2 has none. */
const char *cell_cg_controller_v1_name(enum cell_cg_controller c);
const char *cell_cg_controller_v2_name(enum cell_cg_controller c);
/* Mask of a comma-separated list of v1 (v2 = false) or v2 names; unknown names are ignored. */
unsigned cell_cg_controller_mask(const char *list, bool v2);

/*
 * The controllers a cgroup2 directory serves next to v1 hierarchies holding
 * `v1_mask`: every v2-capable controller no v1 hierarchy holds (whether the
 * tree offers it is checked when it is used, see cell_cg_v2_available).
 */
unsigned cell_cg_v2_share(unsigned v1_mask);

/* One mounted hierarchy of the host. */
struct cell_cg_mount {
        char *mount_point; /* "/sys/fs/cgroup/memory" */
        char *root;        /* cgroup path shown at the mount point (mountinfo field 4), "/" */
        char *key;         /* "cpu,cpuacct", "name=systemd", or "" for cgroup2 */
        bool v2;
        bool favordynmods;
        unsigned controllers; /* v1: from the mount options; v2: 0 (see cell_cg_v2_available) */
};

struct cell_cg_host {
        enum cell_cgroup_mode mode;
        struct cell_cg_mount *mounts; /* v1 hierarchies in mountinfo order, then cgroup2 */
        size_t n_mounts;
        /* Every cgroup mount is a distinct hierarchy below /sys/fs/cgroup, so
         * `mounts` is the whole of what a container's cgroup mount shows. */
        bool all_below_sys_fs_cgroup;
};

/* The cached host layout (parsed once).  Never NULL on success. */
int cell_cg_host_get(const struct cell_cg_host **out, struct cell_error *err);
/* Parse mountinfo text (for tests).  Caller releases with cell_cg_host_release. */
int cell_cg_host_parse(const char *mountinfo, struct cell_cg_host *host, struct cell_error *err);
void cell_cg_host_release(struct cell_cg_host *host);

/*
 * Controllers usable in the cgroup2 tree mounted at `mount_point`: its
 * cgroup.controllers (read once per process, cached) plus what every v2
 * cgroup has built in (freezer via cgroup.freeze, devices via eBPF, cpuacct
 * via cpu.stat).
 */
unsigned cell_cg_v2_available(const char *mount_point);

/*
 * The container's cgroup path inside one hierarchy, relative to the mount
 * point (always starts with '/').  runc's cgroupfs semantics:
 *   - `cgroups_path` absolute: taken as is (relative to the hierarchy's mount);
 *   - relative: below cell's own cgroup on that hierarchy (on v2: below its
 *     parent, since the own cgroup usually holds processes and so cannot
 *     enable controllers for children);
 *   - NULL or "": as the relative path "<id>".
 * `own` is cell's cgroup as /proc/self/cgroup shows it, `mount_root` the
 * mountinfo root of the hierarchy.  ".." cannot climb above the root.
 */
int cell_cg_derive_path(const char *cgroups_path, const char *id, const char *own,
                        const char *mount_root, bool v2, char **out, struct cell_error *err);

/* Clean a path lexically ("a//b/../c" -> "/a/c"); result always starts with '/'. */
char *cell_cg_clean_path(const char *path);

/* cell's own cgroup on the hierarchy `m`, from /proc/self/cgroup text. */
int cell_cg_own_path(const char *proc_self_cgroup, const struct cell_cg_mount *m, char **out,
                     struct cell_error *err);

struct cell_cgroup_dir;

/* Per-hierarchy-kind operations (v1.c, v2.c). */
struct cell_cgroup_driver {
        const char *name; /* "v1", "v2" */
        /* mkdir the directory and missing parents (cell_cg_mkdir: sets `made`). */
        int (*create)(struct cell_cgroup_dir *d, const struct cell_resources *r,
                      struct cell_error *err);
        /* Make the controllers of `mask` usable in the directory (v2: subtree_control). */
        int (*enable)(struct cell_cgroup_dir *d, unsigned mask, struct cell_error *err);
        int (*enter)(struct cell_cgroup_dir *d, pid_t pid, struct cell_error *err);
        /* Move the calling single-threaded process (see cell_cgroup_enter_self). */
        int (*enter_self)(struct cell_cgroup_dir *d, struct cell_error *err);
        /* Freeze or thaw, waiting until the kernel reports the new state. */
        int (*freeze)(struct cell_cgroup_dir *d, bool frozen, struct cell_error *err);
};

extern const struct cell_cgroup_driver cell_cg_driver_v1;
extern const struct cell_cgroup_driver cell_cg_driver_v2;

struct cell_cgroup_dir {
        const struct cell_cgroup_driver *driver;
        char *key;            /* hierarchy key, as in struct cell_cg_mount */
        char *path;           /* absolute directory, "/sys/fs/cgroup/memory/x" */
        char *mount_point;    /* of its hierarchy */
        unsigned controllers; /* controllers this directory is used for */
        int fd;               /* v2: O_DIRECTORY fd (clone3); else -1 */
        /* How many levels of `path`, from the leaf up, cell created: 0 when
         * it joined an existing directory (someone else's: never removed),
         * 2 for "a/b" when neither existed.  CELL_CG_MADE_UNKNOWN in a handle
         * saved before its directories were made, or by an older cell: the
         * leaf is removed, as those did, but nothing it holds is killed
         * unless the container owns it. */
        int made;
        /* Relative cgroupsPath: how many levels of `path` it names, below
         * cell's own cgroup (or its parent on v2); the levels above hold
         * cell itself, so they are not frozen.  0: absolute, all named. */
        int named_levels;
};

#define CELL_CG_MADE_UNKNOWN (-1)

struct cell_cgroup {
        enum cell_cgroup_mode mode;
        struct cell_cgroup_dir *dirs;
        size_t n_dirs;
};

/* The directory holding controller `c`, or NULL. */
struct cell_cgroup_dir *cell_cg_dir_for(const struct cell_cgroup *cg, enum cell_cg_controller c);
/* The v2 directory, or NULL. */
struct cell_cgroup_dir *cell_cg_dir_v2(const struct cell_cgroup *cg);

/* Read the pids of <dir>/cgroup.procs.  A missing directory gives 0 pids. */
int cell_cg_read_pids(const char *dir, pid_t **pids, size_t *n, struct cell_error *err);
/* The same for `path` and, with `recursive`, every directory below it.  `*pids` is malloc'd. */
int cell_cg_collect_pids(const char *path, bool recursive, pid_t **pids, size_t *n,
                         struct cell_error *err);

/* Write `value` to <dir>/<file>; the error names the full path. */
int cell_cg_write(const char *dir, const char *file, const char *value, struct cell_error *err);
/* Read <dir>/<file> (NUL-terminated, trailing newline kept); the error names the full path. */
int cell_cg_read(const char *dir, const char *file, char **out, struct cell_error *err);

/* ---- resource plans ---- */

/* One write of a plan: `value` into <dir>/<file>, for spec field `field`. */
struct cell_cg_write {
        size_t dir;                         /* index into cell_cgroup.dirs */
        enum cell_cg_controller controller; /* v2: must be enabled in the parent */
        const char *field;                  /* "linux.resources.pids.limit" (static) */
        char *file, *value;
        char *alt_file, *alt_value; /* written instead when `file` does not exist; may be NULL */
        bool optional;              /* a missing file is no error (nothing to do there) */
        /* Refused with EINVAL: write the next one, then this one again (two
         * values the kernel checks against each other, as cpu.rt_period_us
         * against cpu.rt_runtime_us, whose order depends on the live values). */
        bool swap_on_einval;
};

struct cell_cg_plan {
        struct cell_cg_write *writes;
        size_t n;
};

/* What update knows about the live cgroup (create passes NULL: fresh, unlimited). */
struct cell_cg_current {
        int64_t memory_limit;  /* -1 = unlimited */
        uint64_t memory_usage; /* bytes, for memory.checkBeforeUpdate */
};

void cell_cg_plan_add(struct cell_cg_plan *plan, size_t dir, enum cell_cg_controller c,
                      const char *field, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
/* Give the last added write an alternative file and value (e.g. blkio.bfq.weight). */
void cell_cg_plan_alt(struct cell_cg_plan *plan, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void cell_cg_plan_release(struct cell_cg_plan *plan);

/*
 * Build the writes for `r` on the handle's directories, choosing for each
 * section the directory that holds its controller (v1 or v2 flavour).  Pure:
 * reads nothing from the host.  Fails, naming the spec field, when no
 * directory holds a needed controller or a value cannot be expressed.
 */
int cell_cg_plan_build(const struct cell_cgroup *cg, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_cg_plan *plan,
                       struct cell_error *err);

/* Write a plan in order (v2 controllers it needs are enabled first). */
int cell_cg_plan_execute(struct cell_cgroup *cg, const struct cell_cg_plan *plan,
                         struct cell_error *err);

/* A section builder: the writes of one controller's part of linux.resources. */
typedef int (*cell_cg_section_fn)(struct cell_cg_plan *plan, size_t dir,
                                  const struct cell_resources *r, const struct cell_cg_current *cur,
                                  struct cell_error *err);

int cell_cg_v1_memory(struct cell_cg_plan *, size_t, const struct cell_resources *,
                      const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_cpu(struct cell_cg_plan *, size_t, const struct cell_resources *,
                   const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_blkio(struct cell_cg_plan *, size_t, const struct cell_resources *,
                     const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_hugetlb(struct cell_cg_plan *, size_t, const struct cell_resources *,
                       const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_net_cls(struct cell_cg_plan *, size_t, const struct cell_resources *,
                       const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_net_prio(struct cell_cg_plan *, size_t, const struct cell_resources *,
                        const struct cell_cg_current *, struct cell_error *);
int cell_cg_v1_devices(struct cell_cg_plan *, size_t, const struct cell_resources *,
                       const struct cell_cg_current *, struct cell_error *);
int cell_cg_v2_memory(struct cell_cg_plan *, size_t, const struct cell_resources *,
                      const struct cell_cg_current *, struct cell_error *);
int cell_cg_v2_cpu(struct cell_cg_plan *, size_t, const struct cell_resources *,
                   const struct cell_cg_current *, struct cell_error *);
int cell_cg_v2_blkio(struct cell_cg_plan *, size_t, const struct cell_resources *,
                     const struct cell_cg_current *, struct cell_error *);
int cell_cg_v2_hugetlb(struct cell_cg_plan *, size_t, const struct cell_resources *,
                       const struct cell_cg_current *, struct cell_error *);
int cell_cg_v2_unified(struct cell_cg_plan *, size_t, const struct cell_resources *,
                       const struct cell_cg_current *, struct cell_error *);
/* Same on v1 and v2 (same file names). */
int cell_cg_cpuset(struct cell_cg_plan *, size_t, const struct cell_resources *,
                   const struct cell_cg_current *, struct cell_error *);
int cell_cg_pids(struct cell_cg_plan *, size_t, const struct cell_resources *,
                 const struct cell_cg_current *, struct cell_error *);
int cell_cg_rdma(struct cell_cg_plan *, size_t, const struct cell_resources *,
                 const struct cell_cg_current *, struct cell_error *);

/* The device rules a container gets: the spec's, then runc's default allowed devices. */
size_t cell_cg_device_rules(const struct cell_resources *r, struct cell_device_rule **out);

/*
 * Write every field set in `r` to the handle's directories (create and
 * update); v2 controllers the writes need are enabled first.
 */
int cell_cg_apply_resources(struct cell_cgroup *cg, const struct cell_resources *r,
                            struct cell_error *err);

/*
 * mkdir d->path and every missing parent below the mount point, top down,
 * setting d->made.  `init` (may be NULL) runs on each new directory with
 * `r` for the leaf and NULL for a parent (v1 cpuset: copy the parent's
 * values); on failure every directory made here is removed again.
 */
typedef int (*cell_cg_init_fn)(const char *path, const struct cell_resources *r,
                               struct cell_error *err);
int cell_cg_mkdir(struct cell_cgroup_dir *d, cell_cg_init_fn init, const struct cell_resources *r,
                  struct cell_error *err);
/* rmdir `path` and then its parents, `levels` directories in all; stops at the first that fails. */
void cell_cg_rmdir_levels(const char *path, int levels);

/*
 * Send `sig` to every process listed in <path>/cgroup.procs (and below
 * with `recursive`) that `owner` says is the container's (all of them when
 * `owner` is NULL), through a pidfd so that a pid reused meanwhile is not
 * hit.  `*owned` and `*others` (may be NULL) count the processes.
 */
int cell_cg_signal_listed(const char *path, bool recursive, int sig,
                          const struct cell_cgroup_owner *owner, size_t *owned, size_t *others,
                          struct cell_error *err);

/*
 * Remove one cgroup directory cell made, and the directories below it:
 * SIGKILL the container's processes in them, wait (until `deadline`), rmdir.
 * Processes that are not the container's are waited for until `grace`
 * (NULL: not at all) before the directory is given up.  Returns 0 when it
 * is gone, 1 when it is left in place because it holds processes that are
 * not the container's (`*others` of them), -1 on error.
 */
int cell_cg_remove_dir(const char *path, const struct timespec *deadline,
                       const struct timespec *grace, const struct cell_cgroup_owner *owner,
                       size_t *others, struct cell_error *err);

#endif
