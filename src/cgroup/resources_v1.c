/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources as cgroup v1 writes (runc's libcontainer/cgroups/fs
 * semantics: 0 means "unset" for limits, -1 "unlimited").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#define F(x) "linux.resources." x

/*
 * `swap_optional`: the swap write is one we implied (see below), skipped
 * where the kernel has no swap accounting (no memory.memsw.* files).
 */
static void add_swap_and_limit(struct cell_cg_plan *p, size_t dir, int64_t limit, int64_t swap,
                               bool swap_optional, const struct cell_cg_current *cur)
{
        /*
         * The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes
         * at every step, so raising both must write memsw first, lowering
         * both the limit first (runc's order).
         */
        uint64_t cur_limit =
                cur && cur->memory_limit >= 0 ? (uint64_t)cur->memory_limit : UINT64_MAX;
        bool swap_first = swap == -1 || (swap > 0 && cur_limit < (uint64_t)swap);
        if (swap && swap_first) {
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.swap"),
                                 "memory.memsw.limit_in_bytes", "%" PRId64, swap);
                p->writes[p->n - 1].optional = swap_optional;
        }
        if (limit)
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.limit"), "memory.limit_in_bytes",
                                 "%" PRId64, limit);
        if (swap && !swap_first) {
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.swap"),
                                 "memory.memsw.limit_in_bytes", "%" PRId64, swap);
                p->writes[p->n - 1].optional = swap_optional;
        }
}

static int check_before_update(const struct cell_resources *r, const struct cell_cg_current *cur,
                               struct cell_error *err)
{
        int64_t limit = r->memory.has_limit ? r->memory.limit : 0;
        if (!cur || !r->memory.check_before_update || limit <= 0 ||
            cur->memory_usage < (uint64_t)limit)
                return 0;
        return cell_error_set(err, EBUSY,
                              F("memory.limit") ": %" PRId64 " is not above the current usage "
                                                "%" PRIu64 " (checkBeforeUpdate)",
                              limit, cur->memory_usage);
}

int cell_cg_v1_memory(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                      const struct cell_cg_current *cur, struct cell_error *err)
{
        const __typeof__(r->memory) *m = &r->memory;
        if (check_before_update(r, cur, err) < 0)
                return -1;
        int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;
        /* Unlimited memory means unlimited memory+swap, where swap accounting
         * exists (runc).  It is a raise: memsw before the limit, or the
         * kernel refuses a limit above a memsw limit already in place. */
        bool implied_swap = limit == -1 && swap == 0;
        add_swap_and_limit(p, dir, limit, implied_swap ? -1 : swap, implied_swap, cur);
        if (m->has_reservation && m->reservation)
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.reservation"),
                                 "memory.soft_limit_in_bytes", "%" PRId64, m->reservation);
        if (m->has_kernel)
                cell_warn("linux.resources.memory.kernel is ignored (deprecated by the kernel; "
                          "as runc)");
        if (m->has_kernel_tcp && m->kernel_tcp)
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.kernelTCP"),
                                 "memory.kmem.tcp.limit_in_bytes", "%" PRId64, m->kernel_tcp);
        if (m->has_swappiness) {
                if (m->swappiness > 100)
                        return cell_error_set(err, EINVAL,
                                              F("memory.swappiness") ": %" PRIu64
                                                                     " is not within 0..100",
                                              m->swappiness);
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.swappiness"),
                                 "memory.swappiness", "%" PRIu64, m->swappiness);
        }
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.disableOOMKiller"),
                                 "memory.oom_control", "1");
        if (m->has_use_hierarchy)
                cell_cg_plan_add(p, dir, CELL_CG_MEMORY, F("memory.useHierarchy"),
                                 "memory.use_hierarchy", "%d", m->use_hierarchy ? 1 : 0);
        return 0;
}

int cell_cg_v1_cpu(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                   const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        const __typeof__(r->cpu) *c = &r->cpu;
        /* Real-time budgets first: a task with an RT policy cannot join a group without one.
         * The kernel keeps runtime <= period: a period below the live runtime
         * is refused until the runtime has shrunk (runc: period first, on
         * EINVAL runtime then period). */
        bool rt_runtime = c->has_realtime_runtime && c->realtime_runtime;
        if (c->has_realtime_period && c->realtime_period) {
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.realtimePeriod"), "cpu.rt_period_us",
                                 "%" PRIu64, c->realtime_period);
                p->writes[p->n - 1].swap_on_einval = rt_runtime;
        }
        if (rt_runtime)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.realtimeRuntime"), "cpu.rt_runtime_us",
                                 "%" PRId64, c->realtime_runtime);
        if (c->has_shares && c->shares)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.shares"), "cpu.shares", "%" PRIu64,
                                 c->shares);
        if (c->has_period && c->period)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.period"), "cpu.cfs_period_us",
                                 "%" PRIu64, c->period);
        if (c->has_quota && c->quota)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.quota"), "cpu.cfs_quota_us",
                                 "%" PRId64, c->quota);
        /* The kernel checks burst against the quota: after it. */
        if (c->has_burst)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.burst"), "cpu.cfs_burst_us",
                                 "%" PRIu64, c->burst);
        if (c->has_idle)
                cell_cg_plan_add(p, dir, CELL_CG_CPU, F("cpu.idle"), "cpu.idle", "%" PRId64,
                                 c->idle);
        return 0;
}

/* cpuset.cpus/mems and pids.max and rdma.max are spelled the same on v1 and v2. */
int cell_cg_cpuset(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                   const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        if (r->cpu.cpus && r->cpu.cpus[0])
                cell_cg_plan_add(p, dir, CELL_CG_CPUSET, F("cpu.cpus"), "cpuset.cpus", "%s",
                                 r->cpu.cpus);
        if (r->cpu.mems && r->cpu.mems[0])
                cell_cg_plan_add(p, dir, CELL_CG_CPUSET, F("cpu.mems"), "cpuset.mems", "%s",
                                 r->cpu.mems);
        return 0;
}

int cell_cg_pids(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                 const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        /* runc: > 0 a limit, < 0 unlimited, 0 unset. */
        if (r->pids.limit > 0)
                cell_cg_plan_add(p, dir, CELL_CG_PIDS, F("pids.limit"), "pids.max", "%" PRId64,
                                 r->pids.limit);
        else if (r->pids.limit < 0)
                cell_cg_plan_add(p, dir, CELL_CG_PIDS, F("pids.limit"), "pids.max", "max");
        return 0;
}

int cell_cg_rdma(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                 const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        for (size_t i = 0; i < r->n_rdma; i++) {
                const struct cell_rdma_limit *l = &r->rdma[i];
                if (!l->device || !l->device[0] || strpbrk(l->device, " \n"))
                        return cell_error_set(err, EINVAL, F("rdma") ": bad device name");
                if (!l->has_hca_handles && !l->has_hca_objects)
                        continue;
                char handles[32] = "", objects[32] = "";
                if (l->has_hca_handles)
                        snprintf(handles, sizeof(handles), " hca_handle=%u", l->hca_handles);
                if (l->has_hca_objects)
                        snprintf(objects, sizeof(objects), " hca_object=%u", l->hca_objects);
                cell_cg_plan_add(p, dir, CELL_CG_RDMA, F("rdma"), "rdma.max", "%s%s%s", l->device,
                                 handles, objects);
        }
        return 0;
}

static void add_throttle(struct cell_cg_plan *p, size_t dir, const char *field, const char *file,
                         const struct cell_throttle_device *t, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, field, file,
                                 "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                                 t[i].rate);
}

/* Kernels without CFQ (5.0+) have only the BFQ files: blkio.bfq.weight[_device]. */
int cell_cg_v1_blkio(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                     const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        const __typeof__(r->block_io) *b = &r->block_io;
        if (b->has_weight && b->weight) {
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.weight"), "blkio.weight", "%u",
                                 b->weight);
                cell_cg_plan_alt(p, "blkio.bfq.weight", "%u", b->weight);
        }
        if (b->has_leaf_weight && b->leaf_weight)
                cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.leafWeight"),
                                 "blkio.leaf_weight", "%u", b->leaf_weight);
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                const struct cell_weight_device *w = &b->weight_devices[i];
                if (w->has_weight) {
                        cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.weightDevice"),
                                         "blkio.weight_device", "%" PRId64 ":%" PRId64 " %u",
                                         w->major, w->minor, w->weight);
                        cell_cg_plan_alt(p, "blkio.bfq.weight_device", "%" PRId64 ":%" PRId64 " %u",
                                         w->major, w->minor, w->weight);
                }
                if (w->has_leaf_weight)
                        cell_cg_plan_add(p, dir, CELL_CG_BLKIO, F("blockIO.weightDevice"),
                                         "blkio.leaf_weight_device", "%" PRId64 ":%" PRId64 " %u",
                                         w->major, w->minor, w->leaf_weight);
        }
        add_throttle(p, dir, F("blockIO.throttleReadBpsDevice"), "blkio.throttle.read_bps_device",
                     b->throttle_read_bps, b->n_throttle_read_bps);
        add_throttle(p, dir, F("blockIO.throttleWriteBpsDevice"), "blkio.throttle.write_bps_device",
                     b->throttle_write_bps, b->n_throttle_write_bps);
        add_throttle(p, dir, F("blockIO.throttleReadIOPSDevice"), "blkio.throttle.read_iops_device",
                     b->throttle_read_iops, b->n_throttle_read_iops);
        add_throttle(p, dir, F("blockIO.throttleWriteIOPSDevice"),
                     "blkio.throttle.write_iops_device", b->throttle_write_iops,
                     b->n_throttle_write_iops);
        return 0;
}

/*
 * A page size as the kernel names them in hugetlb.<size>.* and as runc
 * takes them (verbatim into the file name): a whole number and one of KB,
 * MB, GB, TB, PB, as "2MB" or "1GB" (runc formats /sys/kernel/mm/hugepages'
 * sizes the same way).  "2MiB", "2M" or "2048kB" name no file.
 */
static bool hugetlb_size_name(const char *s)
{
        static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
        size_t digits = strspn(s, "0123456789");
        if (digits == 0 || s[0] == '0')
                return false;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(units); i++)
                if (strcmp(s + digits, units[i]) == 0)
                        return true;
        return false;
}

#define HUGETLB_SIZE_HINT                                                                          \
        "is not a huge page size as the kernel names them, such as \"2MB\" or \"1GB\""

/* "2MB" -> hugetlb.2MB.<suffix>. */
static int add_hugetlb(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const char *suffix, struct cell_error *err)
{
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                const struct cell_hugepage_limit *h = &r->hugepage_limits[i];
                const char *size = h->page_size ? h->page_size : "";
                if (!hugetlb_size_name(size))
                        return cell_error_set(err, EINVAL,
                                              F("hugepageLimits[%zu].pageSize") ": \"%s\" %s", i,
                                              size, HUGETLB_SIZE_HINT);
                char file[64];
                snprintf(file, sizeof(file), "hugetlb.%s.%s", size, suffix);
                cell_cg_plan_add(p, dir, CELL_CG_HUGETLB, F("hugepageLimits"), file, "%" PRIu64,
                                 h->limit);
        }
        return 0;
}

int cell_cg_v1_hugetlb(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        return add_hugetlb(p, dir, r, "limit_in_bytes", err);
}

int cell_cg_v2_hugetlb(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        return add_hugetlb(p, dir, r, "max", err);
}

int cell_cg_v1_net_cls(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        cell_cg_plan_add(p, dir, CELL_CG_NET_CLS, F("network.classID"), "net_cls.classid", "%u",
                         r->network.class_id);
        return 0;
}

int cell_cg_v1_net_prio(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                        const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        for (size_t i = 0; i < r->network.n_priorities; i++) {
                const struct cell_net_priority *n = &r->network.priorities[i];
                if (!n->name || !n->name[0] || strpbrk(n->name, " \n"))
                        return cell_error_set(err, EINVAL,
                                              F("network.priorities") ": bad interface name");
                cell_cg_plan_add(p, dir, CELL_CG_NET_PRIO, F("network.priorities"),
                                 "net_prio.ifpriomap", "%s %u", n->name, n->priority);
        }
        return 0;
}
