/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public cgroup interface: building a container's handle from the host
 * layout and the spec, and dispatching each operation to the driver of
 * every directory it holds.
 */
#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/* How long destroy waits for killed processes to leave the cgroup. */
#define DESTROY_TIMEOUT_SEC 5
/* How long processes that are not the container's may keep a directory cell made. */
#define FOREIGN_GRACE_SEC 1

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
                    unsigned controllers, int named_levels)
{
        cg->dirs = xreallocarray(cg->dirs, cg->n_dirs + 1, sizeof(*cg->dirs));
        cg->dirs[cg->n_dirs++] = (struct cell_cgroup_dir){
                .driver = m->v2 ? &cell_cg_driver_v2 : &cell_cg_driver_v1,
                .key = xstrdup(m->key),
                .path = path,
                .mount_point = xstrdup(m->mount_point),
                .controllers = controllers,
                .fd = -1,
                .made = CELL_CG_MADE_UNKNOWN,
                .named_levels = named_levels,
        };
}

/* Directory levels of a cleaned path: 2 for "/a/b". */
static int path_levels(const char *path)
{
        int n = 0;
        for (const char *p = path; *p; p++)
                n += *p == '/' && p[1] != '\0';
        return n;
}

/* Fill `cg->dirs` with the container's directory on every hierarchy it joins. */
static int plan_dirs(struct cell_cgroup *cg, const struct cell_cg_host *host, const char *id,
                     const char *cgroups_path, struct cell_error *err)
{
        _cleanup_free_ char *own = NULL, *named = NULL;
        bool relative = !cgroups_path || cgroups_path[0] != '/';
        if (relative && cell_read_file("/proc/self/cgroup", &own, NULL, err) < 0)
                return -1;
        if (relative) /* as cell_cg_derive_path cleans it */
                named = cell_cg_clean_path(cgroups_path && cgroups_path[0] ? cgroups_path : id);
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
                add_dir(cg, m, path, m->v2 ? cell_cg_v2_share(v1_mask) : m->controllers,
                        named ? path_levels(named) : 0);
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

/* Undo create_dirs(): the levels made go, and so does the v2 fd, which a
 * create failing for want of fds (EMFILE) needs back to remove its state. */
static void rollback(struct cell_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (d->made > 0)
                        cell_cg_rmdir_levels(d->path, d->made);
                d->made = 0;
                if (d->fd >= 0)
                        close(steal_fd(d->fd));
        }
}

static int is_frozen_dir(const struct cell_cgroup_dir *d, bool *frozen, struct cell_error *err)
{
        bool v2 = d->driver == &cell_cg_driver_v2;
        _cleanup_free_ char *text = NULL;
        if (cell_cg_read(d->path, v2 ? "cgroup.events" : "freezer.state", &text, err) < 0)
                return -1;
        /* v1 FREEZING: frozen tasks in it, or an ancestor freezing */
        *frozen = v2 ? strstr(text, "frozen 1") != NULL : strncmp(text, "THAWED", 6) != 0;
        return 0;
}

/*
 * Whether a frozen state can have come with the directory: it, or a parent
 * it sits in, existed before (a frozen parent freezes what is below it).
 * No read when cell made every level up to a root, which cannot be frozen,
 * or up to its own cgroup, which is not while cell runs (the default path).
 */
static bool may_be_frozen(const struct cell_cgroup_dir *d)
{
        if (d->driver == &cell_cg_driver_v1 && !(d->controllers & CELL_CG_BIT(CELL_CG_FREEZER)))
                return false;
        int named =
                d->named_levels ? d->named_levels : path_levels(d->path + strlen(d->mount_point));
        return d->made < named;
}

int cell_cgroup_check_thawed(const struct cell_cgroup *cg, struct cell_error *err)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct cell_cgroup_dir *d = &cg->dirs[i];
                bool frozen = false;
                if (!may_be_frozen(d))
                        continue;
                if (is_frozen_dir(d, &frozen, err) < 0)
                        return -1;
                if (frozen)
                        return cell_error_set(err, 0, "cgroup %s is frozen", d->path);
        }
        return 0;
}

/* The directory whose cgroup.procs lists the container's processes. */
static const struct cell_cgroup_dir *procs_dir(const struct cell_cgroup *cg)
{
        const struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_FREEZER);
        return d ? d : cg->n_dirs ? &cg->dirs[0] : NULL;
}

/* runc warns too ("container's cgroup is not empty"); 1.2 refuses. */
static void warn_not_empty(const struct cell_cgroup *cg)
{
        const struct cell_cgroup_dir *d = procs_dir(cg);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (!d || d->made != 0 || cell_cg_collect_pids(d->path, true, &pids, &n, NULL) < 0 || !n)
                return;
        cell_warn("container's cgroup %s is not empty: %zu process(es) found; they are not the "
                  "container's, and cell leaves them alone",
                  d->path, n);
}

static int create_dirs(struct cell_cgroup *cg, const struct cell_resources *r,
                       struct cell_error *err)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (d->driver->create(d, r, err) < 0) {
                        rollback(cg);
                        return -1;
                }
        }
        /* Before any process is placed: one placed into a frozen cgroup
         * stops there, and create would wait for it forever. */
        if (cell_cgroup_check_thawed(cg, err) < 0 || cell_cg_apply_resources(cg, r, err) < 0) {
                rollback(cg);
                return -1;
        }
        warn_not_empty(cg);
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

int cell_cgroup_pids(struct cell_cgroup *cg, pid_t **pids, size_t *n, struct cell_error *err)
{
        *pids = NULL;
        *n = 0;
        const struct cell_cgroup_dir *d = procs_dir(cg);
        return d ? cell_cg_collect_pids(d->path, true, pids, n, err) : 0;
}

int cell_cgroup_signal_all(struct cell_cgroup *cg, int sig, const struct cell_cgroup_owner *owner,
                           struct cell_error *err)
{
        const struct cell_cgroup_dir *d = procs_dir(cg);
        if (d && cell_cg_signal_listed(d->path, true, sig, owner, NULL, NULL, err) < 0)
                return -1;
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
        return d ? is_frozen_dir(d, frozen, err) : 0;
}

int cell_cgroup_evict(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                      struct cell_error *err)
{
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (!may_be_frozen(d))
                        continue;
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                if (cell_cg_collect_pids(d->path, true, &pids, &n, err) < 0)
                        return -1;
                for (size_t k = 0; k < n; k++) {
                        char buf[24];
                        snprintf(buf, sizeof(buf), "%d", (int)pids[k]);
                        if (owner && !owner->owns(pids[k], owner->data))
                                continue;
                        if (cell_cg_write(d->mount_point, "cgroup.procs", buf, err) < 0 &&
                            err->errnum != ESRCH)
                                return -1;
                }
        }
        return 0;
}

/* Remove the directory levels cell made; `*busy` when one still holds processes. */
static int remove_made(struct cell_cgroup_dir *d, bool *busy, struct cell_error *err)
{
        if (d->made == 0)
                return 0; /* joined: someone else's */
        int levels = d->made == CELL_CG_MADE_UNKNOWN ? 1 : d->made;
        if (rmdir(d->path) < 0 && errno != ENOENT) {
                if (errno != EBUSY)
                        return cell_error_errno(err, "rmdir %s", d->path);
                *busy = true;
                return 0;
        }
        _cleanup_free_ char *parent = xstrdup(d->path);
        *strrchr(parent, '/') = '\0';
        cell_cg_rmdir_levels(parent, levels - 1);
        return 0;
}

/*
 * SIGKILL the container's processes until none is listed: in a directory
 * cell did not make, no rmdir waits for them, yet whoever looks next (the
 * teardown of another container sharing it) must not find them there.
 */
static int kill_owned(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                      const struct timespec *deadline, struct cell_error *err)
{
        const struct cell_cgroup_dir *d = procs_dir(cg);
        long sleep_ns = 1000000;
        for (;;) {
                size_t owned = 0;
                if (!d ||
                    cell_cg_signal_listed(d->path, true, SIGKILL, owner, &owned, NULL, err) < 0)
                        return d ? -1 : 0;
                if (!owned)
                        return 0;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec >= deadline->tv_sec)
                        return cell_error_set(err, EBUSY,
                                              "%s: %zu process(es) still running after SIGKILL",
                                              d->path, owned);
                nanosleep(&(struct timespec){0, sleep_ns}, NULL);
                if (sleep_ns < 20000000)
                        sleep_ns *= 2;
        }
}

/*
 * The slow way, once the container's processes are gone.  Processes that
 * are not the container's keep a directory cell made, but only after
 * FOREIGN_GRACE_SEC for all of them together: such a directory held no
 * process before create, and one that cannot be told apart may be the init
 * of a create killed before it recorded the init's pid, which exits by
 * itself once it reads EOF on its sync socket (runtime/init.c), a moment
 * later under load.
 */
static int remove_busy(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                       const struct timespec *deadline, struct cell_error *err)
{
        struct timespec grace;
        clock_gettime(CLOCK_MONOTONIC, &grace);
        grace.tv_sec += FOREIGN_GRACE_SEC;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct cell_cgroup_dir *d = &cg->dirs[i];
                if (d->made == 0)
                        continue;
                size_t others = 0;
                int r = cell_cg_remove_dir(d->path, deadline, &grace, owner, &others, err);
                if (r < 0)
                        return cell_error_prefix(err, "remove cgroup");
                if (r == 1) {
                        cell_warn("cgroup %s left in place: it holds %zu process(es) that are "
                                  "not the container's",
                                  d->path, others);
                        continue;
                }
                bool busy = false;
                if (remove_made(d, &busy, err) < 0)
                        return -1;
        }
        return 0;
}

int cell_cgroup_destroy(struct cell_cgroup *cg, const struct cell_cgroup_owner *owner,
                        struct cell_error *err)
{
        /* The usual case costs one rmdir per hierarchy: the container is
         * gone and the directories are cell's.  A directory joined must be
         * looked into: the container's processes there are not in the way
         * of any rmdir, yet they must go. */
        bool busy = false;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                busy |= cg->dirs[i].made == 0;
                if (remove_made(&cg->dirs[i], &busy, err) < 0)
                        return -1;
        }
        if (!busy)
                return 0;
        /* Frozen by `pause`; a directory cell joined may be frozen by its owner. */
        const struct cell_cgroup_dir *freezer = cell_cg_dir_for(cg, CELL_CG_FREEZER);
        if (freezer && freezer->made != 0)
                cell_cgroup_freeze(cg, false, NULL);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += DESTROY_TIMEOUT_SEC;
        if (kill_owned(cg, owner, &deadline, err) < 0)
                return cell_error_prefix(err, "remove cgroup");
        return remove_busy(cg, owner, &deadline, err);
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
