/* SPDX-License-Identifier: Apache-2.0 */
/* The driver for a directory of the cgroup2 (unified) tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int v2_create(struct cell_cgroup_dir *d, const struct cell_resources *r,
                     struct cell_error *err)
{
        (void)r;
        if (cell_cg_mkdir(d, NULL, NULL, err) < 0)
                return -1;
        /* For clone3(CLONE_INTO_CGROUP) and for writes relative to it. */
        d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d->fd < 0) {
                cell_error_errno(err, "open %s", d->path);
                cell_cg_rmdir_levels(d->path, d->made);
                d->made = 0;
                return -1;
        }
        return 0;
}

/* "+memory +pids" for the controllers of `mask` not named in `enabled`. */
static char *missing_controllers(unsigned mask, const char *enabled)
{
        unsigned have = cell_cg_controller_mask(enabled, true);
        char *out = xstrdup("");
        for (int c = 0; c < CELL_CG__COUNT; c++) {
                const char *name = cell_cg_controller_v2_name(c);
                if (!name || !(mask & CELL_CG_BIT(c)) || (have & CELL_CG_BIT(c)))
                        continue;
                char *next = xasprintf("%s%s+%s", out, *out ? " " : "", name);
                free(out);
                out = next;
        }
        return out;
}

/*
 * A v2 controller's files appear in a directory only when every ancestor
 * lists the controller in cgroup.subtree_control.  Enable what the plan
 * needs, top down from the mount point, reading each level once; levels
 * that already have them cost one read.  (Enabled controllers stay enabled:
 * other cgroups may rely on them, as with runc and crun.)
 */
static int v2_enable(struct cell_cgroup_dir *d, unsigned mask, struct cell_error *err)
{
        mask &= ~(CELL_CG_BIT(CELL_CG_FREEZER) | CELL_CG_BIT(CELL_CG_DEVICES) |
                  CELL_CG_BIT(CELL_CG_CPUACCT));
        if (!mask)
                return 0;
        _cleanup_free_ char *level = xstrdup(d->path);
        size_t mount_len = strlen(d->mount_point);
        for (char *p = level + mount_len;; p++) {
                char *slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = '\0';
                const char *dir = slash == level + mount_len ? d->mount_point : level;
                _cleanup_free_ char *enabled = NULL;
                if (cell_cg_read(dir, "cgroup.subtree_control", &enabled, err) < 0)
                        return -1;
                _cleanup_free_ char *missing = missing_controllers(mask, enabled);
                if (*missing && cell_cg_write(dir, "cgroup.subtree_control", missing, err) < 0)
                        return -1;
                *slash = '/';
                p = slash;
        }
        return 0;
}

static int v2_enter(struct cell_cgroup_dir *d, pid_t pid, struct cell_error *err)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        return cell_cg_write(d->path, "cgroup.procs", buf, err);
}

/* cgroup.threads only moves threads within a threaded subtree: a domain needs cgroup.procs. */
static int v2_enter_self(struct cell_cgroup_dir *d, struct cell_error *err)
{
        return cell_cg_write(d->path, "cgroup.procs", "0", err);
}

static bool events_say(const char *path, const char *line)
{
        _cleanup_free_ char *events = NULL;
        if (cell_cg_read(path, "cgroup.events", &events, NULL) < 0)
                return false;
        return strstr(events, line) != NULL;
}

/* cgroup.freeze is asynchronous; cgroup.events says "frozen 1" once done. */
static int v2_freeze(struct cell_cgroup_dir *d, bool frozen, struct cell_error *err)
{
        if (cell_cg_write(d->path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
                return -1;
        const char *want = frozen ? "frozen 1" : "frozen 0";
        for (int i = 0; i < 2000; i++) {
                if (events_say(d->path, want))
                        return 0;
                nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
        if (frozen)
                cell_cg_write(d->path, "cgroup.freeze", "0", NULL);
        return cell_error_set(err, ETIMEDOUT, "%s %s", frozen ? "freeze" : "thaw", d->path);
}

const struct cell_cgroup_driver cell_cg_driver_v2 = {
        .name = "v2",
        .create = v2_create,
        .enable = v2_enable,
        .enter = v2_enter,
        .enter_self = v2_enter_self,
        .freeze = v2_freeze,
};
