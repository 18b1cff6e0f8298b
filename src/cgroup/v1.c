/* SPDX-License-Identifier: Apache-2.0 */
/* The driver for one cgroup v1 hierarchy directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/*
 * A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems (unless
 * the parent has cgroup.clone_children), and the kernel refuses to move a
 * process into it (ENOSPC).  runc copies the parent's values; so do we, but
 * only for the values the spec does not set itself (the resource plan writes
 * those right after).  The parent is read either way: a value the spec sets
 * must lie within the parent's, which must then not be empty.
 */
static bool cpuset_empty(const char *value)
{
        return value[strspn(value, " \n")] == '\0';
}

/*
 * `file` of `dir`, filled first when empty: a directory someone else
 * created (a pre-made parent in cgroupsPath) may never have been given
 * cpus or mems.  As runc's ensureParent, each empty ancestor gets the value
 * of the nearest one that has it, top down (a child's set must lie within
 * its parent's).  The hierarchy's root is never empty, which ends the walk.
 */
static int cpuset_filled(const char *dir, const char *file, char **value, struct cell_error *err)
{
        if (cell_cg_read(dir, file, value, err) < 0)
                return -1;
        if (!cpuset_empty(*value))
                return 0;
        free(*value);
        *value = NULL;
        _cleanup_free_ char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return cell_error_set(err, ENOSPC, "%s/%s: empty, and no parent to take it from",
                                      dir, file);
        *slash = '\0';
        if (cpuset_filled(parent, file, value, err) < 0)
                return -1;
        return cell_cg_write(dir, file, *value, err);
}

static int cpuset_copy_from_parent(const char *path, const struct cell_resources *r,
                                   struct cell_error *err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        const char *from_spec[] = {r ? r->cpu.cpus : NULL, r ? r->cpu.mems : NULL};
        _cleanup_free_ char *parent = xstrdup(path);
        *strrchr(parent, '/') = '\0';
        for (size_t i = 0; i < CELL_ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *value = NULL;
                if (cpuset_filled(parent, files[i], &value, err) < 0)
                        return -1;
                if (!(from_spec[i] && from_spec[i][0]) &&
                    cell_cg_write(path, files[i], value, err) < 0)
                        return -1;
        }
        return 0;
}

static int v1_create(struct cell_cgroup_dir *d, const struct cell_resources *r,
                     struct cell_error *err)
{
        bool cpuset = d->controllers & CELL_CG_BIT(CELL_CG_CPUSET);
        return cell_cg_mkdir(d, cpuset ? cpuset_copy_from_parent : NULL, r, err);
}

static int v1_enable(struct cell_cgroup_dir *d, unsigned mask, struct cell_error *err)
{
        (void)d;
        (void)mask;
        (void)err;
        return 0; /* every controller of a v1 hierarchy is on in every directory */
}

static int v1_enter(struct cell_cgroup_dir *d, pid_t pid, struct cell_error *err)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        return cell_cg_write(d->path, "cgroup.procs", buf, err);
}

/*
 * "0" in `tasks` moves the calling thread.  Since Linux 6.0 ("cgroup:
 * Optimize single thread migration") moving only `current` skips the
 * global cgroup_threadgroup_rwsem write lock, whose percpu_down_write waits
 * for an RCU grace period (~9 ms here, per hierarchy burst) on any
 * cgroup.procs write.  For a single-threaded process, moving its one thread
 * is moving the process.
 */
static int v1_enter_self(struct cell_cgroup_dir *d, struct cell_error *err)
{
        return cell_cg_write(d->path, "tasks", "0", err);
}

/*
 * Writing FROZEN starts freezing; the state reads FREEZING until every task
 * has stopped, which can need the write repeated (runc does the same) when
 * tasks were forking.  Bounded at ~2 s.
 */
static int v1_freeze(struct cell_cgroup_dir *d, bool frozen, struct cell_error *err)
{
        if (!(d->controllers & CELL_CG_BIT(CELL_CG_FREEZER)))
                return 0;
        if (!frozen)
                return cell_cg_write(d->path, "freezer.state", "THAWED", err);
        for (int i = 0; i < 2000; i++) {
                if (i % 10 == 0 && cell_cg_write(d->path, "freezer.state", "FROZEN", err) < 0)
                        return -1;
                _cleanup_free_ char *state = NULL;
                if (cell_cg_read(d->path, "freezer.state", &state, err) < 0)
                        return -1;
                if (!strncmp(state, "FROZEN", 6))
                        return 0;
                nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
        cell_cg_write(d->path, "freezer.state", "THAWED", NULL);
        return cell_error_set(err, ETIMEDOUT, "freeze %s", d->path);
}

const struct cell_cgroup_driver cell_cg_driver_v1 = {
        .name = "v1",
        .create = v1_create,
        .enable = v1_enable,
        .enter = v1_enter,
        .enter_self = v1_enter_self,
        .freeze = v1_freeze,
};
