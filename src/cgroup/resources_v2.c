/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources as cgroup v2 writes, with the conversions of runc's
 * libcontainer/cgroups/fs2 (see convert.c).  What v2 cannot express is an
 * error naming the field, never silently dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/convert.h"
#include "cgroup/internal.h"
#include "util/log.h"

#define F(x) "linux.resources." x

static int unsupported(const char *field, struct cell_error *err)
{
        return cell_error_set(err, 0, "%s: not supported by cgroup v2", field);
}

/* "max" for -1 (unlimited), else the number. */
static void add_max(struct cell_cg_plan *p, size_t dir, enum cell_cg_controller c,
                    const char *field, const char *file, int64_t v)
{
        if (v < 0)
                cell_cg_plan_add(p, dir, c, field, file, "max");
        else
                cell_cg_plan_add(p, dir, c, field, file, "%" PRId64, v);
}

static int v2_memory_checks(const struct cell_resources *r, const struct cell_cg_current *cur,
                            struct cell_error *err)
{
        const __typeof__(r->memory) *m = &r->memory;
        if (m->has_kernel_tcp && m->kernel_tcp)
                return unsupported(F("memory.kernelTCP"), err);
        if (m->has_swappiness)
                return unsupported(F("memory.swappiness"), err);
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                return unsupported(F("memory.disableOOMKiller"), err);
        if (m->has_use_hierarchy && !m->use_hierarchy)
                return cell_error_set(
                        err, 0, F("memory.useHierarchy") ": cgroup v2 is always hierarchical");
        int64_t limit = m->has_limit ? m->limit : 0;
        if (cur && m->check_before_update && limit > 0 && cur->memory_usage >= (uint64_t)limit)
                return cell_error_set(err, EBUSY,
                                      F("memory.limit") ": %" PRId64 " is not above the current "
                                                        "usage %" PRIu64 " (checkBeforeUpdate)",
                                      limit, cur->memory_usage);
        return 0;
}

int cell_cg_v2_memory(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                      const struct cell_cg_current *cur, struct cell_error *err)
{
        const __typeof__(r->memory) *m = &r->memory;
        if (v2_memory_checks(r, cur, err) < 0)
                return -1;
        int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0, swap_max;
        const char *why;
        int ret = cell_cg_swap_to_v2(swap, limit, &swap_max, &why);
        if (ret < 0)
                return cell_error_set(err, EINVAL, F("memory.swap") ": %s", why);
        /* runc writes swap before memory.max; without swap accounting "max" is moot. */
        if (ret > 0) {
                add_max(p, dir, CELL_CG_MEMORY, F("memory.swap"), "memory.swap.max", swap_max);
                p->writes[p->n - 1].optional = swap_max < 0;
        }
        if (limit)
                add_max(p, dir, CELL_CG_MEMORY, F("memory.limit"), "memory.max", limit);
        if (m->has_reservation && m->reservation)
                add_max(p, dir, CELL_CG_MEMORY, F("memory.reservation"), "memory.low",
                        m->reservation);
        if (m->has_kernel)
                cell_warn("linux.resources.memory.kernel is ignored (not in cgroup v2; as runc)");
        return 0;
}

int cell_cg_v2_cpu(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                   const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        const __typeof__(r->cpu) *c = &r->cpu;
        if ((c->has_realtime_runtime && c->realtime_runtime) ||
            (c->has_realtime_period && c->realtime_period))
                return unsupported(c->has_realtime_runtime ? F("cpu.realtimeRuntime")
                                                           : F("cpu.realtimePeriod"),
                                   err);
        if (c->has_idle)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.idle"), "cpu.idle", "%" PRId64,
                                 c->idle);
        if (c->has_shares && c->shares)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.shares"), "cpu.weight", "%" PRIu64,
                                 cell_cg_shares_to_weight(c->shares));
        /* cpu.max is "$QUOTA $PERIOD"; a period alone keeps runc's "max $PERIOD". */
        int64_t quota = c->has_quota ? c->quota : 0;
        uint64_t period = c->has_period ? c->period : 0;
        if (quota || period) {
                char buf[64];
                int n = quota > 0 ? snprintf(buf, sizeof(buf), "%" PRId64, quota)
                                  : snprintf(buf, sizeof(buf), "max");
                if (period)
                        snprintf(buf + n, sizeof(buf) - (size_t)n, " %" PRIu64, period);
                cell_cg_plan_add(p, dir, CELL_CG_CPU, quota ? F("cpu.quota") : F("cpu.period"),
                                 "cpu.max", "%s", buf);
        }
        if (c->has_burst)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.burst"), "cpu.max.burst", "%" PRIu64,
                                 c->burst);
        return 0;
}

static void add_io_max(struct cell_cg_plan *p, size_t dir, const char *field, const char *key,
                       const struct cell_throttle_device *t, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, field, "io.max",
                                 "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor, key,
                                 t[i].rate);
}

/*
 * As runc: BFQ's io.bfq.weight takes the blkio value as is (same 1..1000
 * scale); where BFQ is absent, io.weight takes it converted to 1..10000.
 */
int cell_cg_v2_blkio(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                     const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        const __typeof__(r->block_io) *b = &r->block_io;
        if (b->has_leaf_weight && b->leaf_weight)
                return unsupported(F("blockIO.leafWeight"), err);
        if (b->has_weight && b->weight) {
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.weight"), "io.bfq.weight", "%u",
                                 b->weight);
                cell_cg_plan_alt(p, "io.weight", "default %" PRIu64,
                                 cell_cg_blkio_weight_to_io_weight(b->weight));
        }
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                const struct cell_weight_device *w = &b->weight_devices[i];
                if (w->has_leaf_weight)
                        return unsupported(F("blockIO.weightDevice.leafWeight"), err);
                if (!w->has_weight)
                        continue;
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.weightDevice"), "io.bfq.weight",
                                 "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight);
                cell_cg_plan_alt(p, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                                 w->minor, cell_cg_blkio_weight_to_io_weight(w->weight));
        }
        add_io_max(p, dir, F("blockIO.throttleReadBpsDevice"), "rbps", b->throttle_read_bps,
                   b->n_throttle_read_bps);
        add_io_max(p, dir, F("blockIO.throttleWriteBpsDevice"), "wbps", b->throttle_write_bps,
                   b->n_throttle_write_bps);
        add_io_max(p, dir, F("blockIO.throttleReadIOPSDevice"), "riops", b->throttle_read_iops,
                   b->n_throttle_read_iops);
        add_io_max(p, dir, F("blockIO.throttleWriteIOPSDevice"), "wiops", b->throttle_write_iops,
                   b->n_throttle_write_iops);
        return 0;
}

/* The controller a unified key belongs to ("memory.high" -> memory), or CELL_CG__COUNT. */
static enum cell_cg_controller key_controller(const char *key)
{
        size_t len = strcspn(key, ".");
        for (int c = 0; c < CELL_CG__COUNT; c++) {
                const char *name = cell_cg_controller_v2_name(c);
                if (name && strlen(name) == len && !strncmp(name, key, len))
                        return c;
        }
        return CELL_CG__COUNT;
}

/*
 * linux.resources.unified: written as given, last (so they win over the
 * converted values, as in runc).  A key is a file name in the directory:
 * no '/', not "." or "..", and with a '.' (every cgroup file has one).
 */
int cell_cg_v2_unified(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *key = r->unified[i].key, *value = r->unified[i].value;
                if (!key || !value || strchr(key, '/') || !strchr(key, '.') || key[0] == '.')
                        return cell_error_set(err, EINVAL, F("unified") ": bad key '%s'",
                                              key ? key : "");
                cell_cg_plan_add(p, dir, key_controller(key), F("unified"), key, "%s", value);
        }
        return 0;
}
