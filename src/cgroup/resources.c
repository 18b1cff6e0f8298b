/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying linux.resources: for each controller's section, the directory
 * holding that controller on this host decides whether the v1 or the v2
 * builder writes it (on a hybrid host: hugetlb goes to the v2 tree, the rest
 * to v1).  Sections follow runc's subsystem order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/devices_ebpf.h"
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *memory_set(const struct cell_resources *r)
{
        const __typeof__(r->memory) *m = &r->memory;
        return m->has_limit                ? "linux.resources.memory.limit"
               : m->has_reservation        ? "linux.resources.memory.reservation"
               : m->has_swap               ? "linux.resources.memory.swap"
               : m->has_kernel_tcp         ? "linux.resources.memory.kernelTCP"
               : m->has_swappiness         ? "linux.resources.memory.swappiness"
               : m->has_disable_oom_killer ? "linux.resources.memory.disableOOMKiller"
               : m->has_use_hierarchy      ? "linux.resources.memory.useHierarchy"
                                           : NULL;
}

static const char *cpu_set(const struct cell_resources *r)
{
        const __typeof__(r->cpu) *c = &r->cpu;
        return c->has_shares             ? "linux.resources.cpu.shares"
               : c->has_quota            ? "linux.resources.cpu.quota"
               : c->has_period           ? "linux.resources.cpu.period"
               : c->has_burst            ? "linux.resources.cpu.burst"
               : c->has_realtime_runtime ? "linux.resources.cpu.realtimeRuntime"
               : c->has_realtime_period  ? "linux.resources.cpu.realtimePeriod"
               : c->has_idle             ? "linux.resources.cpu.idle"
                                         : NULL;
}

static const char *cpuset_set(const struct cell_resources *r)
{
        return r->cpu.cpus && r->cpu.cpus[0]   ? "linux.resources.cpu.cpus"
               : r->cpu.mems && r->cpu.mems[0] ? "linux.resources.cpu.mems"
                                               : NULL;
}

static const char *pids_set(const struct cell_resources *r)
{
        return r->pids.has_limit ? "linux.resources.pids.limit" : NULL;
}

static const char *blkio_set(const struct cell_resources *r)
{
        const __typeof__(r->block_io) *b = &r->block_io;
        return b->has_weight              ? "linux.resources.blockIO.weight"
               : b->has_leaf_weight       ? "linux.resources.blockIO.leafWeight"
               : b->n_weight_devices      ? "linux.resources.blockIO.weightDevice"
               : b->n_throttle_read_bps   ? "linux.resources.blockIO.throttleReadBpsDevice"
               : b->n_throttle_write_bps  ? "linux.resources.blockIO.throttleWriteBpsDevice"
               : b->n_throttle_read_iops  ? "linux.resources.blockIO.throttleReadIOPSDevice"
               : b->n_throttle_write_iops ? "linux.resources.blockIO.throttleWriteIOPSDevice"
                                          : NULL;
}

static const char *hugetlb_set(const struct cell_resources *r)
{
        return r->n_hugepage_limits ? "linux.resources.hugepageLimits" : NULL;
}

static const char *net_cls_set(const struct cell_resources *r)
{
        return r->network.has_class_id ? "linux.resources.network.classID" : NULL;
}

static const char *net_prio_set(const struct cell_resources *r)
{
        return r->network.n_priorities ? "linux.resources.network.priorities" : NULL;
}

static const char *rdma_set(const struct cell_resources *r)
{
        return r->n_rdma ? "linux.resources.rdma" : NULL;
}

static const char *devices_set(const struct cell_resources *r)
{
        return r->n_devices ? "linux.resources.devices" : NULL;
}

struct section {
        enum cell_cg_controller controller;
        const char *name; /* for "no <name> cgroup on this host" */
        const char *(*first_set)(const struct cell_resources *r);
        cell_cg_section_fn v1, v2; /* v2 NULL: the v2 tree cannot express it */
};

static const struct section sections[] = {
        {CELL_CG_CPUSET, "cpuset", cpuset_set, cell_cg_cpuset, cell_cg_cpuset},
        {CELL_CG_DEVICES, "devices", devices_set, cell_cg_v1_devices, NULL},
        {CELL_CG_MEMORY, "memory", memory_set, cell_cg_v1_memory, cell_cg_v2_memory},
        {CELL_CG_CPU, "cpu", cpu_set, cell_cg_v1_cpu, cell_cg_v2_cpu},
        {CELL_CG_PIDS, "pids", pids_set, cell_cg_pids, cell_cg_pids},
        {CELL_CG_BLKIO, "blkio (io)", blkio_set, cell_cg_v1_blkio, cell_cg_v2_blkio},
        {CELL_CG_HUGETLB, "hugetlb", hugetlb_set, cell_cg_v1_hugetlb, cell_cg_v2_hugetlb},
        {CELL_CG_NET_CLS, "net_cls", net_cls_set, cell_cg_v1_net_cls, NULL},
        {CELL_CG_NET_PRIO, "net_prio", net_prio_set, cell_cg_v1_net_prio, NULL},
        {CELL_CG_RDMA, "rdma", rdma_set, cell_cg_rdma, cell_cg_rdma},
};

/*
 * Device rules are written at create even when the spec lists none (runc
 * always applies its default allowed devices); an update rewrites them only
 * when it carries rules itself.
 */
static bool wanted(const struct section *s, const struct cell_resources *r,
                   const struct cell_cg_current *cur)
{
        if (s->first_set(r))
                return true;
        return s->controller == CELL_CG_DEVICES && !cur;
}

static int build_section(const struct section *s, const struct cell_cgroup *cg,
                         const struct cell_resources *r, const struct cell_cg_current *cur,
                         struct cell_cg_plan *plan, struct cell_error *err)
{
        const char *field = s->first_set(r);
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, s->controller);
        if (!d) {
                if (!field)
                        return 0; /* default device rules on a host without devices cgroup */
                return cell_error_set(err, 0, "%s: no %s cgroup on this host", field, s->name);
        }
        bool v2 = d->driver == &cell_cg_driver_v2;
        cell_cg_section_fn fn = v2 ? s->v2 : s->v1;
        if (!fn) {
                if (s->controller == CELL_CG_DEVICES)
                        return 0; /* v2: an eBPF program, see cell_cg_apply_resources */
                return cell_error_set(err, 0, "%s: not supported by cgroup v2", field);
        }
        return fn(plan, (size_t)(d - cg->dirs), r, cur, err);
}

int cell_cg_plan_build(const struct cell_cgroup *cg, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_cg_plan *plan,
                       struct cell_error *err)
{
        *plan = (struct cell_cg_plan){0};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(sections); i++) {
                if (wanted(&sections[i], r, cur) &&
                    build_section(&sections[i], cg, r, cur, plan, err) < 0)
                        goto fail;
        }
        if (r->n_unified) {
                struct cell_cgroup_dir *d = cell_cg_dir_v2(cg);
                if (!d) {
                        cell_error_set(err, 0, "linux.resources.unified: needs cgroup v2");
                        goto fail;
                }
                if (cell_cg_v2_unified(plan, (size_t)(d - cg->dirs), r, cur, err) < 0)
                        goto fail;
        }
        return 0;
fail:
        cell_cg_plan_release(plan);
        return -1;
}

/* On v2 the device rules become an eBPF program attached to the directory. */
static int apply_ebpf_devices(struct cell_cgroup *cg, const struct cell_resources *r, bool update,
                              struct cell_error *err)
{
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_DEVICES);
        if (!d || d->driver != &cell_cg_driver_v2 || (update && !r->n_devices))
                return 0;
        _cleanup_free_ struct cell_device_rule *rules = NULL;
        size_t n = cell_cg_device_rules(r, &rules);
        if (cell_cg_devices_ebpf_attach(d->path, rules, n, err) < 0)
                return cell_error_prefix(err, "linux.resources.devices");
        return 0;
}

static int apply(struct cell_cgroup *cg, const struct cell_resources *r,
                 const struct cell_cg_current *cur, struct cell_error *err)
{
        struct cell_cg_plan plan;
        if (cell_cg_plan_build(cg, r, cur, &plan, err) < 0)
                return -1;
        int ret = cell_cg_plan_execute(cg, &plan, err);
        cell_cg_plan_release(&plan);
        if (ret < 0)
                return -1;
        return apply_ebpf_devices(cg, r, cur != NULL, err);
}

int cell_cg_apply_resources(struct cell_cgroup *cg, const struct cell_resources *r,
                            struct cell_error *err)
{
        if (!cg->n_dirs) {
                const char *field = NULL;
                for (size_t i = 0; i < CELL_ARRAY_SIZE(sections) && !field; i++)
                        field = sections[i].first_set(r);
                if (field || r->n_unified)
                        return cell_error_set(err, 0, "%s: no cgroups on this host",
                                              field ? field : "linux.resources.unified");
                return 0;
        }
        return apply(cg, r, NULL, err);
}

/* "max" or a number, as memory.max / memory.limit_in_bytes show it. */
static int64_t parse_limit(const char *text)
{
        if (!strncmp(text, "max", 3))
                return -1;
        unsigned long long v = strtoull(text, NULL, 10);
        /* v1 shows "unlimited" as a page-rounded LLONG_MAX */
        return v >= (unsigned long long)INT64_MAX / 2 ? -1 : (int64_t)v;
}

/* The live limit and usage, which decide write order and checkBeforeUpdate. */
static int read_current(struct cell_cgroup *cg, struct cell_cg_current *cur, struct cell_error *err)
{
        *cur = (struct cell_cg_current){.memory_limit = -1};
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_MEMORY);
        if (!d)
                return 0;
        bool v2 = d->driver == &cell_cg_driver_v2;
        _cleanup_free_ char *limit = NULL, *usage = NULL;
        if (cell_cg_read(d->path, v2 ? "memory.max" : "memory.limit_in_bytes", &limit, err) < 0 ||
            cell_cg_read(d->path, v2 ? "memory.current" : "memory.usage_in_bytes", &usage, err) < 0)
                return -1;
        cur->memory_limit = parse_limit(limit);
        cur->memory_usage = strtoull(usage, NULL, 10);
        return 0;
}

int cell_cgroup_update(struct cell_cgroup *cg, const struct cell_resources *r,
                       struct cell_error *err)
{
        struct cell_cg_current cur = {.memory_limit = -1};
        if (memory_set(r) && read_current(cg, &cur, err) < 0)
                return cell_error_prefix(err, "update");
        if (apply(cg, r, &cur, err) < 0)
                return cell_error_prefix(err, "update");
        return 0;
}
