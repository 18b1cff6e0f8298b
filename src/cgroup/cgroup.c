/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public cgroup interface: building a container's handle from the host
 * layout and the spec, and dispatching each operation to the driver of
 * every directory it holds.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* How long destroy waits for killed processes to leave the cgroup. */
#define DESTROY_TIMEOUT_SEC 5

struct cell_cgroup_dir *cell_cg_dir_for(const struct cell_cgroup *cg, enum cell_cg_controller c)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cg->dirs[i].controllers & CELL_CG_BIT(c))
                        return &cg->dirs[i];
        return NULL;
}

struct cell_cgroup_dir *cell_cg_dir_v2(const struct cell_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cg->dirs[i].driver == &cell_cg_driver_v2)
                        return &cg->dirs[i];
        return NULL;
}

/*
 * Which v1 hierarchies a container joins: every one with a controller cell
 * knows, plus name=systemd (runc joins it too: tools such as systemd inside
 * the container and `ps -o cgroup` expect it; the cost is one mkdir and one
 * write).  Other named hierarchies are left alone.
 */
static bool joins_v1(const struct cell_cg_mount *m)
{
        return m->controllers != 0 || !strcmp(m->key, "name=systemd");
}

static unsigned v1_controllers(const struct cell_cg_host *host)
{
        unsigned mask = 0;
        for (size_t i = 0; i < host->n_mounts; i++)
                if (!host->mounts[i].v2)
                        mask |= host->mounts[i].controllers;
        return mask;
}

static void add_dir(struct cell_cgroup *cg, const struct cell_cg_mount *m, char *path,
                    unsigned controllers)
{
        cg->dirs = xreallocarray(cg->dirs, cg->n_dirs + 1, sizeof(*cg->dirs));
        cg->dirs[cg->n_dirs++] = (struct cell_cgroup_dir){
                .driver = m->v2 ? &cell_cg_driver_v2 : &cell_cg_driver_v1,
                .key = xstrdup(m->key),
                .path = path,
                .mount_point = xstrdup(m->mount_point),
                .controllers = controllers,
                .fd = -1,
        };
}

/* Fill `cg->dirs` with the container's directory on every hierarchy it joins. */
static int plan_dirs(struct cell_cgroup *cg, const struct cell_cg_host *host, const char *id,
                     const char *cgroups_path, struct cell_error *err)
{
        _cleanup_free_ char *own = NULL;
        bool relative = !cgroups_path || cgroups_path[0] != '/';
        if (relative && cell_read_file("/proc/self/cgroup", &own, NULL, err) < 0)
                return -1;
        unsigned v1_mask = v1_controllers(host);
        for (size_t i = 0; i < host->n_mounts; i++) {
                const struct cell_cg_mount *m = &host->mounts[i];
                if (!m->v2 && !joins_v1(m))
                        continue;
                _cleanup_free_ char *own_path = NULL, *inner = NULL;
                if (relative && cell_cg_own_path(own, m, &own_path, err) < 0)
                        return -1;
                if (cell_cg_derive_path(cgroups_path, id, own_path, m->root, m->v2, &inner, err) <
                    0)
                        return -1;
                char *path = xasprintf("%s%s", m->mount_point, inner);
                add_dir(cg, m, path, m->v2 ? cell_cg_v2_share(v1_mask) : m->controllers);
        }
        return 0;
}

ssize_t cell_cgroup_hierarchies(const struct cell_cgroup *cg, struct cell_cgroup_hierarchy *out,
                                size_t max)
{
        const struct cell_cg_host *host;
        if (!cg || !cg->n_dirs || cell_cg_host_get(&host, NULL) < 0 ||
            !host->all_below_sys_fs_cgroup || host->n_mounts > max)
                return -1;
        for (size_t i = 0; i < host->n_mounts; i++) {
                const struct cell_cg_mount *m = &host->mounts[i];
                const struct cell_cgroup_dir *d = NULL;
                for (size_t j = 0; j < cg->n_dirs && !d; j++)
                        if (!strcmp(cg->dirs[j].mount_point, m->mount_point))
                                d = &cg->dirs[j];
                if (!d)
                        return -1;
                out[i] = (struct cell_cgroup_hierarchy){
                        .mount_point = m->mount_point,
                        .controllers = m->key,
                        .dir = d->path,
                        .v2 = m->v2,
                };
        }
        return (ssize_t)host->n_mounts;
}

static void rollback(struct cell_cgroup *cg, const bool *created)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (created[i])
                        rmdir(cg->dirs[i].path);
}

static int create_dirs(struct cell_cgroup *cg, const struct cell_resources *r,
                       struct cell_error *err)
{
        _cleanup_free_ bool *created = xcalloc(cg->n_dirs ? cg->n_dirs : 1, sizeof(bool));
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (d->driver->create(d, r, &created[i], err) < 0) {
                        rollback(cg, created);
                        return -1;
                }
        }
        if (cell_cg_apply_resources(cg, r, err) < 0) {
                rollback(cg, created);
                return -1;
        }
        return 0;
}

int cell_cgroup_plan(enum cell_cgroup_manager manager, const char *id, const struct cell_spec *spec,
                     struct cell_cgroup **out, struct cell_error *err)
{
        struct cell_cgroup *cg = xzalloc(sizeof(*cg));
        *out = NULL;
        if (manager == CELL_CGROUP_MANAGER_DISABLED) {
                *out = cg;
                return 0;
        }
        const struct cell_cg_host *host;
        if (manager == CELL_CGROUP_MANAGER_SYSTEMD) {
                cell_error_set(err, 0, "systemd cgroup manager: no systemd on this host");
        } else if (cell_cg_host_get(&host, err) == 0) {
                cg->mode = host->mode;
                /* No hierarchy at all: fail now if resources are asked for
                 * (with no directory, this only checks). */
                if (plan_dirs(cg, host, id, spec->linux.cgroups_path, err) == 0 &&
                    (cg->n_dirs > 0 ||
                     cell_cg_apply_resources(cg, &spec->linux.resources, err) == 0)) {
                        *out = cg;
                        return 0;
                }
        }
        cell_cgroup_free(cg);
        return cell_error_prefix(err, "cgroup of container '%s'", id);
}

int cell_cgroup_realize(struct cell_cgroup *cg, const char *id, const struct cell_spec *spec,
                        struct cell_error *err)
{
        if (cg->n_dirs == 0)
                return 0; /* CELL_CGROUP_MANAGER_DISABLED, or no hierarchy (see plan) */
        if (create_dirs(cg, &spec->linux.resources, err) < 0)
                return cell_error_prefix(err, "cgroup of container '%s'", id);
        return 0;
}

int cell_cgroup_create(enum cell_cgroup_manager manager, const char *id,
                       const struct cell_spec *spec, struct cell_cgroup **out,
                       struct cell_error *err)
{
        if (cell_cgroup_plan(manager, id, spec, out, err) < 0)
                return -1;
        if (cell_cgroup_realize(*out, id, spec, err) < 0) {
                cell_cgroup_free(*out);
                *out = NULL;
                return -1;
        }
        return 0;
}

int cell_cgroup_clone_fd(const struct cell_cgroup *cg)
{
        if (!cg)
                return -1;
        const struct cell_cgroup_dir *d = cell_cg_dir_v2(cg);
        return d ? d->fd : -1;
}

int cell_cgroup_enter(struct cell_cgroup *cg, pid_t pid, bool placed_by_clone,
                      struct cell_error *err)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (placed_by_clone && d->driver == &cell_cg_driver_v2)
                        continue;
                if (d->driver->enter(d, pid, err) < 0)
                        return cell_error_prefix(err, "join cgroup");
        }
        return 0;
}

int cell_cgroup_enter_self(struct cell_cgroup *cg, bool placed_by_clone, struct cell_error *err)
{
        if (!cg)
                return 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (placed_by_clone && d->driver == &cell_cg_driver_v2)
                        continue;
                if (d->driver->enter_self(d, err) < 0)
                        return cell_error_prefix(err, "join cgroup");
        }
        return 0;
}

/* The directory whose cgroup.procs lists the container's processes. */
static const struct cell_cgroup_dir *procs_dir(const struct cell_cgroup *cg)
{
        const struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_FREEZER);
        return d ? d : cg->n_dirs ? &cg->dirs[0] : NULL;
}

static void collect_pids(const char *path, pid_t **pids, size_t *n, struct cell_error *err,
                         int *ret)
{
        _cleanup_free_ pid_t *own = NULL;
        size_t n_own;
        if (cell_cg_read_pids(path, &own, &n_own, err) < 0) {
                *ret = -1;
                return;
        }
        *pids = xreallocarray(*pids, *n + n_own + 1, sizeof(**pids));
        memcpy(*pids + *n, own, n_own * sizeof(*own));
        *n += n_own;
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        while (d && *ret == 0 && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *child = xasprintf("%s/%s", path, de->d_name);
                collect_pids(child, pids, n, err, ret);
        }
}

int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n, struct cell_error *err)
{
        *pids = NULL;
        *n = 0;
        const struct cell_cgroup_dir *d = procs_dir(cg);
        int ret = 0;
        if (d)
                collect_pids(d->path, pids, n, err, &ret);
        if (ret < 0) {
                free(*pids);
                *pids = NULL;
                *n = 0;
        }
        return ret;
}

int cell_cgroup_signal_all(struct cell_cgroup *cg, int sig, struct cell_error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        if (cell_cgroup_pids(cg, &pids, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        return cell_error_errno(err, "kill %d", (int)pids[i]);
        /* A frozen task acts on SIGKILL only once thawed. */
        if (sig == SIGKILL)
                return cell_cgroup_freeze(cg, false, err);
        return 0;
}

int cell_cgroup_freeze(struct cell_cgroup *cg, bool frozen, struct cell_error *err)
{
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_FREEZER);
        if (!d) {
                if (!frozen)
                        return 0;
                return cell_error_set(err, 0, "pause: no freezer cgroup on this host");
        }
        return d->driver->freeze(d, frozen, err);
}

int cell_cgroup_is_frozen(struct cell_cgroup *cg, bool *frozen, struct cell_error *err)
{
        *frozen = false;
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_FREEZER);
        if (!d)
                return 0;
        bool v2 = d->driver == &cell_cg_driver_v2;
        _cleanup_free_ char *text = NULL;
        if (cell_cg_read(d->path, v2 ? "cgroup.events" : "freezer.state", &text, err) < 0)
                return -1;
        *frozen = v2 ? strstr(text, "frozen 1") != NULL : !strncmp(text, "FROZEN", 6);
        return 0;
}

/* Thaw and kill everything in the cgroup, all hierarchies at once where possible. */
static void kill_everything(struct cell_cgroup *cg)
{
        cell_cgroup_freeze(cg, false, NULL);
        struct cell_cgroup_dir *v2 = cell_cg_dir_v2(cg);
        if (v2 && v2->driver->kill_all(v2) == 1)
                return;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        if (cell_cgroup_pids(cg, &pids, &n, NULL) == 0)
                for (size_t i = 0; i < n; i++)
                        kill(pids[i], SIGKILL);
}

int cell_cgroup_destroy(struct cell_cgroup *cg, struct cell_error *err)
{
        bool busy = false;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const char *path = cg->dirs[i].path;
                if (rmdir(path) < 0 && errno != ENOENT) {
                        if (errno != EBUSY)
                                return cell_error_errno(err, "rmdir %s", path);
                        busy = true;
                }
        }
        if (!busy)
                return 0;
        kill_everything(cg);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += DESTROY_TIMEOUT_SEC;
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cell_cg_remove_dir(cg->dirs[i].path, &deadline, err) < 0)
                        return cell_error_prefix(err, "remove cgroup");
        return 0;
}

void cell_cgroup_free(struct cell_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (d->fd >= 0)
                        close(d->fd);
                free(d->key);
                free(d->path);
                free(d->mount_point);
        }
        free(cg->dirs);
        free(cg);
}
