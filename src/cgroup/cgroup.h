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
#include <sys/types.h>

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
 * Create the cgroup(s) for container `id` from spec->linux.cgroups_path
 * (absolute, or relative to cell's own cgroup; default derived from `id`)
 * and apply spec->linux.resources.  With CELL_CGROUP_MANAGER_DISABLED,
 * `*out` is a valid handle that does nothing.  With SYSTEMD: an error (no
 * systemd on these hosts).  On failure nothing is left behind.
 */
int cell_cgroup_create(enum cell_cgroup_manager manager, const char *id,
                       const struct cell_spec *spec, struct cell_cgroup **out,
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

/* Persist / restore a handle (for the container's state file).  Caller frees. */
char *cell_cgroup_to_string(const struct cell_cgroup *cg);
int cell_cgroup_from_string(const char *s, struct cell_cgroup **out, struct cell_error *err);

/* Send `sig` to every process in the container's cgroup (kill --all). */
int cell_cgroup_signal_all(struct cell_cgroup *cg, int sig, struct cell_error *err);

/* Pids in the container's cgroup.  `*pids` is malloc'd; caller frees. */
int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n, struct cell_error *err);

/*
 * Kill whatever is left (thawing a frozen cgroup first), wait until it is
 * empty, and remove the cgroup on every hierarchy.  Idempotent: a missing
 * cgroup is not an error.
 */
int cell_cgroup_destroy(struct cell_cgroup *cg, struct cell_error *err);

void cell_cgroup_free(struct cell_cgroup *cg);

#endif
