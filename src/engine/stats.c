/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/stats.h"

#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "runtime/container.h"

static uint64_t raw_stat(const struct cell_cgroup_stats *s, const char *key)
{
        for (size_t i = 0; i < s->memory.n_raw; i++)
                if (strcmp(s->memory.raw[i].key, key) == 0)
                        return s->memory.raw[i].value;
        return 0;
}

static uint64_t host_memory(void)
{
        struct sysinfo si;
        if (sysinfo(&si) < 0)
                return 0;
        return (uint64_t)si.totalram * si.mem_unit;
}

int cell_engine_stats_sample(struct cell_engine *e, const struct cell_ctr *c,
                             struct cell_engine_stats *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0, "container %s is not running", c->name);
        struct cell_cgroup_stats s;
        memset(&s, 0, sizeof(s));
        if (cell_container_stats(&e->rt, c->id, &s, err) < 0)
                return cell_error_prefix(err, "stats of container %s", c->name);
        clock_gettime(CLOCK_MONOTONIC, &out->at);
        out->cpu_ns = s.cpu.total_ns;
        /* docker: usage less the page cache that could go ("inactive_file" on v2,
         * "total_inactive_file" on v1) */
        uint64_t inactive = raw_stat(&s, "inactive_file");
        if (inactive == 0)
                inactive = raw_stat(&s, "total_inactive_file");
        out->mem_usage = s.memory.usage.usage > inactive ? s.memory.usage.usage - inactive
                                                        : s.memory.usage.usage;
        uint64_t host = host_memory();
        out->mem_limit = s.memory.usage.limit == 0 || s.memory.usage.limit == UINT64_MAX ||
                                         (host && s.memory.usage.limit > host)
                                 ? host
                                 : s.memory.usage.limit;
        out->pids = s.pids.current;
        out->pids_limit = s.pids.limit;
        cell_cgroup_stats_release(&s);
        return 0;
}

double cell_engine_stats_cpu_percent(const struct cell_engine_stats *before,
                                     const struct cell_engine_stats *after)
{
        double wall = (double)(after->at.tv_sec - before->at.tv_sec) * 1e9 +
                      (double)(after->at.tv_nsec - before->at.tv_nsec);
        if (wall <= 0 || after->cpu_ns < before->cpu_ns)
                return 0;
        return (double)(after->cpu_ns - before->cpu_ns) / wall * 100.0;
}

void cell_engine_stats_bytes(uint64_t bytes, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1024;
                u++;
        }
        /* docker's units.BytesSize: "%.4g" */
        snprintf(buf, size, "%.4g%s", v, units[u]);
}
