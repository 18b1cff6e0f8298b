/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics for `events --stats`, read from whichever hierarchy holds each
 * controller, shaped as runc's Stats.  Missing files leave zeros: a host
 * without swap accounting simply reports no swap.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static char *read_text(const char *dir, const char *file)
{
        char *text = NULL;
        if (cell_cg_read(dir, file, &text, NULL) < 0)
                return NULL;
        return text;
}

/* A single number; "max" reads as UINT64_MAX. */
static uint64_t read_u64(const char *dir, const char *file)
{
        _cleanup_free_ char *text = read_text(dir, file);
        if (!text)
                return 0;
        if (!strncmp(text, "max", 3))
                return UINT64_MAX;
        return strtoull(text, NULL, 10);
}

/* The value of "key N" in a flat-keyed file's text, 0 when absent. */
static uint64_t keyed(const char *text, const char *key)
{
        size_t len = strlen(key);
        for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
                if (!strncmp(line, key, len) && line[len] == ' ')
                        return strtoull(line + len + 1, NULL, 10);
        }
        return 0;
}

static uint64_t read_keyed(const char *dir, const char *file, const char *key)
{
        _cleanup_free_ char *text = read_text(dir, file);
        return text ? keyed(text, key) : 0;
}

static void cpu_v1(const struct cell_cgroup *cg, struct cell_cgroup_stats *s)
{
        const struct cell_cgroup_dir *acct = cell_cg_dir_for(cg, CELL_CG_CPUACCT);
        const struct cell_cgroup_dir *cpu = cell_cg_dir_for(cg, CELL_CG_CPU);
        if (acct) {
                s->cpu.total_ns = read_u64(acct->path, "cpuacct.usage");
                s->cpu.user_ns = read_u64(acct->path, "cpuacct.usage_user");
                s->cpu.kernel_ns = read_u64(acct->path, "cpuacct.usage_sys");
                _cleanup_free_ char *percpu = read_text(acct->path, "cpuacct.usage_percpu");
                for (char *p = percpu, *end; p && *p; p = end) {
                        uint64_t v = strtoull(p, &end, 10);
                        if (end == p)
                                break;
                        s->cpu.percpu_ns = xreallocarray(s->cpu.percpu_ns, s->cpu.n_percpu + 1,
                                                         sizeof(uint64_t));
                        s->cpu.percpu_ns[s->cpu.n_percpu++] = v;
                }
        }
        if (cpu) {
                _cleanup_free_ char *stat = read_text(cpu->path, "cpu.stat");
                if (stat) {
                        s->cpu.periods = keyed(stat, "nr_periods");
                        s->cpu.throttled_periods = keyed(stat, "nr_throttled");
                        s->cpu.throttled_ns = keyed(stat, "throttled_time");
                }
        }
}

static void cpu_v2(const struct cell_cgroup_dir *d, struct cell_cgroup_stats *s)
{
        _cleanup_free_ char *stat = read_text(d->path, "cpu.stat");
        if (!stat)
                return;
        s->cpu.total_ns = keyed(stat, "usage_usec") * 1000;
        s->cpu.user_ns = keyed(stat, "user_usec") * 1000;
        s->cpu.kernel_ns = keyed(stat, "system_usec") * 1000;
        s->cpu.periods = keyed(stat, "nr_periods");
        s->cpu.throttled_periods = keyed(stat, "nr_throttled");
        s->cpu.throttled_ns = keyed(stat, "throttled_usec") * 1000;
}

/* memory.stat as key/value pairs. */
static void memory_raw(const char *dir, const char *file, struct cell_cgroup_stats *s)
{
        _cleanup_free_ char *text = read_text(dir, file);
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                char *space = strchr(line, ' ');
                if (!space)
                        continue;
                s->memory.raw =
                        xreallocarray(s->memory.raw, s->memory.n_raw + 1, sizeof(*s->memory.raw));
                s->memory.raw[s->memory.n_raw++] = (struct cell_cgroup_stat_value){
                        .key = xstrndup(line, (size_t)(space - line)),
                        .value = strtoull(space + 1, NULL, 10),
                };
        }
}

static uint64_t raw_value(const struct cell_cgroup_stats *s, const char *key)
{
        for (size_t i = 0; i < s->memory.n_raw; i++)
                if (!strcmp(s->memory.raw[i].key, key))
                        return s->memory.raw[i].value;
        return 0;
}

/* v1 memory.<prefix>{usage,max_usage}_in_bytes, failcnt, limit_in_bytes */
static void usage_v1(const char *dir, const char *prefix, struct cell_cgroup_usage *u)
{
        char file[64];
        snprintf(file, sizeof(file), "memory.%susage_in_bytes", prefix);
        u->usage = read_u64(dir, file);
        snprintf(file, sizeof(file), "memory.%smax_usage_in_bytes", prefix);
        u->max_usage = read_u64(dir, file);
        snprintf(file, sizeof(file), "memory.%sfailcnt", prefix);
        u->failcnt = read_u64(dir, file);
        snprintf(file, sizeof(file), "memory.%slimit_in_bytes", prefix);
        u->limit = read_u64(dir, file);
}

static void memory_v1(const char *dir, struct cell_cgroup_stats *s)
{
        usage_v1(dir, "", &s->memory.usage);
        usage_v1(dir, "memsw.", &s->memory.swap);
        usage_v1(dir, "kmem.", &s->memory.kernel);
        usage_v1(dir, "kmem.tcp.", &s->memory.kernel_tcp);
        memory_raw(dir, "memory.stat", s);
        s->memory.cache = raw_value(s, "cache");
        s->memory.use_hierarchy = read_u64(dir, "memory.use_hierarchy") == 1;
        s->memory.oom_kill = read_keyed(dir, "memory.oom_control", "oom_kill");
}

static void memory_v2(const char *dir, struct cell_cgroup_stats *s)
{
        s->memory.usage.usage = read_u64(dir, "memory.current");
        s->memory.usage.max_usage = read_u64(dir, "memory.peak");
        s->memory.usage.limit = read_u64(dir, "memory.max");
        s->memory.usage.failcnt = read_keyed(dir, "memory.events", "max");
        s->memory.swap.usage = read_u64(dir, "memory.swap.current");
        s->memory.swap.max_usage = read_u64(dir, "memory.swap.peak");
        s->memory.swap.limit = read_u64(dir, "memory.swap.max");
        s->memory.oom_kill = read_keyed(dir, "memory.events", "oom_kill");
        memory_raw(dir, "memory.stat", s);
        s->memory.cache = raw_value(s, "file");
        s->memory.use_hierarchy = true;
}

static void pids_stats(const char *dir, struct cell_cgroup_stats *s)
{
        s->pids.current = read_u64(dir, "pids.current");
        uint64_t max = read_u64(dir, "pids.max");
        s->pids.limit = max == UINT64_MAX ? 0 : max;
}

static void add_blkio(struct cell_cgroup_blkio_entry **list, size_t *n, uint64_t major,
                      uint64_t minor, const char *op, uint64_t value)
{
        *list = xreallocarray(*list, *n + 1, sizeof(**list));
        struct cell_cgroup_blkio_entry *e = &(*list)[(*n)++];
        *e = (struct cell_cgroup_blkio_entry){.major = major, .minor = minor, .value = value};
        snprintf(e->op, sizeof(e->op), "%s", op);
}

/* v1 "8:0 Read 4096" lines; the throttle files count every device. */
static void blkio_v1_file(const char *dir, const char *file, struct cell_cgroup_blkio_entry **list,
                          size_t *n)
{
        _cleanup_free_ char *text = read_text(dir, file);
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                unsigned long long major, minor, value;
                char op[16];
                if (sscanf(line, "%llu:%llu %15s %llu", &major, &minor, op, &value) == 4)
                        add_blkio(list, n, major, minor, op, value);
        }
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static void blkio_v2(const char *dir, struct cell_cgroup_stats *s)
{
        _cleanup_free_ char *text = read_text(dir, "io.stat");
        char *save = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                unsigned long long major, minor;
                if (sscanf(line, "%llu:%llu", &major, &minor) != 2)
                        continue;
                uint64_t rb = 0, wb = 0, ri = 0, wi = 0;
                char *p;
                if ((p = strstr(line, "rbytes=")))
                        rb = strtoull(p + 7, NULL, 10);
                if ((p = strstr(line, "wbytes=")))
                        wb = strtoull(p + 7, NULL, 10);
                if ((p = strstr(line, "rios=")))
                        ri = strtoull(p + 5, NULL, 10);
                if ((p = strstr(line, "wios=")))
                        wi = strtoull(p + 5, NULL, 10);
                add_blkio(&s->blkio.service_bytes, &s->blkio.n_service_bytes, major, minor, "Read",
                          rb);
                add_blkio(&s->blkio.service_bytes, &s->blkio.n_service_bytes, major, minor, "Write",
                          wb);
                add_blkio(&s->blkio.serviced, &s->blkio.n_serviced, major, minor, "Read", ri);
                add_blkio(&s->blkio.serviced, &s->blkio.n_serviced, major, minor, "Write", wi);
        }
}

/* "hugepages-2048kB" -> "2MB", as the hugetlb files name sizes. */
static bool page_size_name(const char *dirent, char *out, size_t size)
{
        unsigned kb;
        if (sscanf(dirent, "hugepages-%ukB", &kb) != 1)
                return false;
        const char *unit = kb >= 1024 * 1024 ? "GB" : kb >= 1024 ? "MB" : "KB";
        unsigned n = kb >= 1024 * 1024 ? kb / (1024 * 1024) : kb >= 1024 ? kb / 1024 : kb;
        return (size_t)snprintf(out, size, "%u%s", n, unit) < size;
}

static void hugetlb_one(const char *dir, bool v2, const char *size, struct cell_cgroup_stats *s)
{
        char usage[80], max[80], fail[80];
        snprintf(usage, sizeof(usage), "hugetlb.%s.%s", size, v2 ? "current" : "usage_in_bytes");
        snprintf(max, sizeof(max), "hugetlb.%s.max_usage_in_bytes", size);
        snprintf(fail, sizeof(fail), "hugetlb.%s.%s", size, v2 ? "events" : "failcnt");
        s->hugetlb = xreallocarray(s->hugetlb, s->n_hugetlb + 1, sizeof(*s->hugetlb));
        struct cell_cgroup_hugetlb_stats *h = &s->hugetlb[s->n_hugetlb++];
        *h = (struct cell_cgroup_hugetlb_stats){
                .usage = read_u64(dir, usage),
                .max_usage = v2 ? 0 : read_u64(dir, max),
                .failcnt = v2 ? read_keyed(dir, fail, "max") : read_u64(dir, fail),
        };
        snprintf(h->page_size, sizeof(h->page_size), "%s", size);
}

static void hugetlb_stats(const struct cell_cgroup_dir *d, struct cell_cgroup_stats *s)
{
        _cleanup_closedir_ DIR *dir = opendir("/sys/kernel/mm/hugepages");
        struct dirent *de;
        char size[16];
        while (dir && (de = readdir(dir)))
                if (page_size_name(de->d_name, size, sizeof(size)))
                        hugetlb_one(d->path, d->driver == &cell_cg_driver_v2, size, s);
}

int cell_cgroup_stats(struct cell_cgroup *cg, struct cell_cgroup_stats *out, struct cell_error *err)
{
        *out = (struct cell_cgroup_stats){0};
        /* A cgroup that is gone has no statistics: say so instead of zeros. */
        if (cg->n_dirs && access(cg->dirs[0].path, F_OK) < 0)
                return cell_error_errno(err, "cgroup %s", cg->dirs[0].path);
        const struct cell_cgroup_dir *d = cell_cg_dir_for(cg, CELL_CG_CPUACCT);
        if (d && d->driver == &cell_cg_driver_v2)
                cpu_v2(d, out);
        else
                cpu_v1(cg, out);
        if ((d = cell_cg_dir_for(cg, CELL_CG_MEMORY)) && d->driver == &cell_cg_driver_v2)
                memory_v2(d->path, out);
        else if (d)
                memory_v1(d->path, out);
        if ((d = cell_cg_dir_for(cg, CELL_CG_PIDS)))
                pids_stats(d->path, out);
        if ((d = cell_cg_dir_for(cg, CELL_CG_BLKIO)) && d->driver == &cell_cg_driver_v2) {
                blkio_v2(d->path, out);
        } else if (d) {
                blkio_v1_file(d->path, "blkio.throttle.io_service_bytes_recursive",
                              &out->blkio.service_bytes, &out->blkio.n_service_bytes);
                blkio_v1_file(d->path, "blkio.throttle.io_serviced_recursive", &out->blkio.serviced,
                              &out->blkio.n_serviced);
        }
        if ((d = cell_cg_dir_for(cg, CELL_CG_HUGETLB)))
                hugetlb_stats(d, out);
        return 0;
}

void cell_cgroup_stats_release(struct cell_cgroup_stats *s)
{
        free(s->cpu.percpu_ns);
        for (size_t i = 0; i < s->memory.n_raw; i++)
                free(s->memory.raw[i].key);
        free(s->memory.raw);
        free(s->blkio.service_bytes);
        free(s->blkio.serviced);
        free(s->hugetlb);
        *s = (struct cell_cgroup_stats){0};
}
