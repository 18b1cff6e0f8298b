/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verbs that act on a live container's cgroup: pause, resume, update,
 * and the readers behind ps and events (pids, statistics).  Each opens the
 * container's state, rebuilds its cgroup handle from state.json and makes
 * one call into src/cgroup/.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/owner.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* One container opened for a cgroup verb. */
struct live {
        int dirfd; /* state directory; holds the flock */
        struct cell_state_record rec;
        enum cell_status status;
        struct cell_cgroup *cg; /* never NULL once opened */
};

static void live_close(struct live *c)
{
        cell_cgroup_free(c->cg);
        cell_state_record_release(&c->rec);
        if (c->dirfd >= 0)
                close(c->dirfd);
        c->dirfd = -1;
        c->cg = NULL;
}

/*
 * Open <root>/<id> (exclusively with `lock`), read its record, derive the
 * status and restore the cgroup handle.  A container created without a
 * cgroup handle gets an empty one (--cgroup-manager disabled).
 */
static int live_open(const struct cell_runtime *rt, const char *id, bool lock, struct live *c,
                     struct cell_error *err)
{
        *c = (struct live){.dirfd = -1};
        if (cell_container_id_validate(id, err) < 0 ||
            cell_state_open(rt->root, id, false, lock, &c->dirfd, err) < 0)
                return -1;
        if (cell_state_read_of(c->dirfd, id, &c->rec, err) < 0) {
                live_close(c);
                return -1;
        }
        /* Checked: out of fds, a running container must not read as stopped. */
        if (cell_state_status_checked(c->dirfd, &c->rec, &c->status, err) < 0) {
                live_close(c);
                return cell_error_prefix(err, "container \"%s\"", id);
        }
        int r = 0;
        if (c->rec.cgroup)
                r = cell_cgroup_from_string(c->rec.cgroup, &c->cg, err);
        else /* the "disabled" manager touches neither the host nor the spec */
                r = cell_cgroup_create(CELL_CGROUP_MANAGER_DISABLED, id, NULL, &c->cg, err);
        if (r < 0) {
                live_close(c);
                return cell_error_prefix(err, "container \"%s\"", id);
        }
        return 0;
}

int cell_container_pause(const struct cell_runtime *rt, const char *id, struct cell_error *err)
{
        struct live c;
        if (live_open(rt, id, true, &c, err) < 0)
                return -1;
        int r = c.status == CELL_STATUS_RUNNING ? cell_cgroup_freeze(c.cg, true, err)
                                                : cell_error_set(err, 0, "container not running");
        live_close(&c);
        return r < 0 ? cell_error_prefix(err, "pause container \"%s\"", id) : 0;
}

int cell_container_resume(const struct cell_runtime *rt, const char *id, struct cell_error *err)
{
        struct live c;
        if (live_open(rt, id, true, &c, err) < 0)
                return -1;
        int r = c.status == CELL_STATUS_PAUSED ? cell_cgroup_freeze(c.cg, false, err)
                                               : cell_error_set(err, 0, "container not paused");
        live_close(&c);
        return r < 0 ? cell_error_prefix(err, "resume container \"%s\"", id) : 0;
}

/* Copy `field` of section `sect` when the flags set it. */
#define MERGE(sect, field)                                                                         \
        do {                                                                                       \
                if (flags->sect.has_##field) {                                                     \
                        dst->sect.has_##field = true;                                              \
                        dst->sect.field = flags->sect.field;                                       \
                }                                                                                  \
        } while (0)

/* The update flags over the document: every field a flag sets wins. */
static void merge_flags(struct cell_resources *dst, const struct cell_resources *flags)
{
        MERGE(memory, limit);
        MERGE(memory, reservation);
        MERGE(memory, swap);
        MERGE(memory, kernel);
        MERGE(memory, kernel_tcp);
        MERGE(memory, swappiness);
        MERGE(cpu, shares);
        MERGE(cpu, quota);
        MERGE(cpu, period);
        MERGE(cpu, burst);
        MERGE(cpu, realtime_runtime);
        MERGE(cpu, realtime_period);
        MERGE(cpu, idle);
        MERGE(pids, limit);
        MERGE(block_io, weight);
        if (flags->cpu.cpus) {
                free(dst->cpu.cpus);
                dst->cpu.cpus = xstrdup(flags->cpu.cpus);
        }
        if (flags->cpu.mems) {
                free(dst->cpu.mems);
                dst->cpu.mems = xstrdup(flags->cpu.mems);
        }
        dst->present = true;
}

#undef MERGE

/* The resources document of --resources FILE ("-": standard input). */
static int load_resources(const char *file, struct cell_resources *out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_read_input("--resources", file, true, &text, &len, err) < 0)
                return -1;
        if (cell_resources_parse(text, len, out, err) < 0)
                return cell_error_prefix(err, "--resources %s", file);
        return 0;
}

int cell_container_update(const struct cell_runtime *rt, const char *id,
                          const struct cell_update_opts *opts, struct cell_error *err)
{
        struct cell_resources r = {0};
        if (opts->resources_file && load_resources(opts->resources_file, &r, err) < 0)
                return cell_error_prefix(err, "update container \"%s\"", id);
        if (opts->flags)
                merge_flags(&r, opts->flags);
        struct live c;
        int ret = live_open(rt, id, true, &c, err);
        if (ret == 0) {
                if (c.status == CELL_STATUS_STOPPED || c.status == CELL_STATUS_CREATING)
                        ret = cell_error_set(err, 0, "container not running");
                else
                        ret = cell_cgroup_update(c.cg, &r, err);
                live_close(&c);
                if (ret < 0)
                        cell_error_prefix(err, "update container \"%s\"", id);
        }
        cell_resources_release(&r);
        return ret;
}

/* Keep the container's own among the pids its cgroup lists (runtime/owner.h). */
static int keep_own(const struct cell_state_record *rec, pid_t *pids, size_t *n,
                    struct cell_error *err)
{
        struct cell_owner owner;
        if (cell_owner_load(rec, &owner, err) < 0)
                return -1;
        struct cell_cgroup_owner filter = cell_owner_filter(&owner);
        size_t kept = 0;
        for (size_t i = 0; i < *n; i++)
                if (filter.owns(pids[i], filter.data))
                        pids[kept++] = pids[i];
        *n = kept;
        return 0;
}

/*
 * The container's processes in its cgroup, which may hold others' (a
 * cgroupsPath shared).  Without a cgroup (--cgroup-manager disabled) the
 * cgroup lists nothing; the init is then the one process known to be the
 * container's.
 */
static int live_pids(struct live *c, pid_t **pids, size_t *n, struct cell_error *err)
{
        if (cell_cgroup_pids(c->cg, pids, n, err) < 0)
                return -1;
        if (keep_own(&c->rec, *pids, n, err) < 0) {
                free(*pids);
                *pids = NULL;
                *n = 0;
                return -1;
        }
        if (*n == 0 && c->status != CELL_STATUS_STOPPED && c->rec.pid > 0) {
                *pids = xreallocarray(*pids, 1, sizeof(**pids));
                (*pids)[0] = c->rec.pid;
                *n = 1;
        }
        return 0;
}

int cell_container_pids(const struct cell_runtime *rt, const char *id, pid_t **pids, size_t *n,
                        struct cell_error *err)
{
        *pids = NULL;
        *n = 0;
        struct live c;
        if (live_open(rt, id, false, &c, err) < 0)
                return -1;
        int r = live_pids(&c, pids, n, err);
        live_close(&c);
        return r < 0 ? cell_error_prefix(err, "processes of container \"%s\"", id) : 0;
}

int cell_container_stats(const struct cell_runtime *rt, const char *id,
                         struct cell_cgroup_stats *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        struct live c;
        if (live_open(rt, id, false, &c, err) < 0)
                return -1;
        int r = c.status == CELL_STATUS_STOPPED ? cell_error_set(err, 0, "container not running")
                                                : cell_cgroup_stats(c.cg, out, err);
        live_close(&c);
        return r < 0 ? cell_error_prefix(err, "statistics of container \"%s\"", id) : 0;
}
