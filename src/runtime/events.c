/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `events`: a container's cgroup statistics and OOM kills as JSON lines,
 * shaped as runc's (runc/types/events.go), which containerd and podman
 * decode.  Go's `omitempty` drops zero numbers and empty arrays: the same
 * members are left out here so that the output matches byte for byte where
 * the values agree.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* How often the OOM-kill counter is looked at between two stats events. */
#define OOM_POLL_MS 250
#define DEFAULT_INTERVAL_MS 5000

static void add_u64(json_object *o, const char *key, uint64_t v, bool omit_zero)
{
        if (v || !omit_zero)
                json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *cpu_json(const struct cell_cgroup_stats *s)
{
        json_object *usage = json_object_new_object();
        add_u64(usage, "total", s->cpu.total_ns, true);
        if (s->cpu.n_percpu) {
                json_object *per = json_object_new_array();
                for (size_t i = 0; i < s->cpu.n_percpu; i++)
                        json_object_array_add(per, json_object_new_uint64(s->cpu.percpu_ns[i]));
                json_object_object_add(usage, "percpu", per);
        }
        add_u64(usage, "kernel", s->cpu.kernel_ns, false);
        add_u64(usage, "user", s->cpu.user_ns, false);
        json_object *thr = json_object_new_object();
        add_u64(thr, "periods", s->cpu.periods, true);
        add_u64(thr, "throttledPeriods", s->cpu.throttled_periods, true);
        add_u64(thr, "throttledTime", s->cpu.throttled_ns, true);
        json_object *cpu = json_object_new_object();
        json_object_object_add(cpu, "usage", usage);
        json_object_object_add(cpu, "throttling", thr);
        return cpu;
}

static json_object *usage_json(const struct cell_cgroup_usage *u)
{
        json_object *o = json_object_new_object();
        add_u64(o, "limit", u->limit, false);
        add_u64(o, "usage", u->usage, true);
        add_u64(o, "max", u->max_usage, true);
        add_u64(o, "failcnt", u->failcnt, false);
        return o;
}

/*
 * runc's Memory plus "oom_kill" (the cgroup's OOM-kill counter, as the
 * kernel names it; runc reports kills only as "oom" events).
 */
static json_object *memory_json(const struct cell_cgroup_stats *s)
{
        json_object *m = json_object_new_object();
        add_u64(m, "cache", s->memory.cache, true);
        json_object_object_add(m, "usage", usage_json(&s->memory.usage));
        json_object_object_add(m, "swap", usage_json(&s->memory.swap));
        json_object_object_add(m, "kernel", usage_json(&s->memory.kernel));
        json_object_object_add(m, "kernelTCP", usage_json(&s->memory.kernel_tcp));
        if (s->memory.n_raw) {
                json_object *raw = json_object_new_object();
                for (size_t i = 0; i < s->memory.n_raw; i++)
                        json_object_object_add(raw, s->memory.raw[i].key,
                                               json_object_new_uint64(s->memory.raw[i].value));
                json_object_object_add(m, "raw", raw);
        }
        add_u64(m, "oom_kill", s->memory.oom_kill, false);
        return m;
}

static void add_blkio_list(json_object *blkio, const char *key,
                           const struct cell_cgroup_blkio_entry *e, size_t n)
{
        if (!n)
                return;
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                add_u64(o, "major", e[i].major, true);
                add_u64(o, "minor", e[i].minor, true);
                if (e[i].op[0])
                        json_object_object_add(o, "op", json_object_new_string(e[i].op));
                add_u64(o, "value", e[i].value, true);
                json_object_array_add(arr, o);
        }
        json_object_object_add(blkio, key, arr);
}

static json_object *stats_json(const struct cell_cgroup_stats *s)
{
        json_object *data = json_object_new_object();
        json_object_object_add(data, "cpu", cpu_json(s));
        json_object_object_add(data, "memory", memory_json(s));
        json_object *pids = json_object_new_object();
        add_u64(pids, "current", s->pids.current, true);
        add_u64(pids, "limit", s->pids.limit, true);
        json_object_object_add(data, "pids", pids);
        json_object *blkio = json_object_new_object();
        add_blkio_list(blkio, "ioServiceBytesRecursive", s->blkio.service_bytes,
                       s->blkio.n_service_bytes);
        add_blkio_list(blkio, "ioServicedRecursive", s->blkio.serviced, s->blkio.n_serviced);
        json_object_object_add(data, "blkio", blkio);
        json_object *huge = json_object_new_object();
        for (size_t i = 0; i < s->n_hugetlb; i++) {
                json_object *h = json_object_new_object();
                add_u64(h, "usage", s->hugetlb[i].usage, true);
                add_u64(h, "max", s->hugetlb[i].max_usage, true);
                add_u64(h, "failcnt", s->hugetlb[i].failcnt, false);
                json_object_object_add(huge, s->hugetlb[i].page_size, h);
        }
        json_object_object_add(data, "hugetlb", huge);
        return data;
}

static char *event_json(const char *type, const char *id, json_object *data)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(type));
        json_object_object_add(o, "id", json_object_new_string(id));
        if (data)
                json_object_object_add(o, "data", data);
        char *s = xstrdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

char *cell_stats_event_json(const char *id, const struct cell_cgroup_stats *stats)
{
        return event_json("stats", id, stats_json(stats));
}

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether the process behind `pidfd` has exited, waiting at most `ms`. */
static bool exited_within(int pidfd, int ms)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do
                r = poll(&p, 1, ms);
        while (r < 0 && errno == EINTR);
        return r > 0;
}

/* A pidfd for the running (or paused) container's init. */
static int open_init(const struct cell_runtime *rt, const char *id, struct cell_error *err)
{
        struct cell_container_state st;
        if (cell_container_state(rt, id, &st, err) < 0)
                return -1;
        bool live = st.status == CELL_STATUS_RUNNING || st.status == CELL_STATUS_PAUSED ||
                    st.status == CELL_STATUS_CREATED;
        pid_t pid = st.pid;
        cell_container_state_release(&st);
        if (!live)
                return cell_error_set(err, 0, "container \"%s\": container not running", id);
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return cell_error_errno(err, "container \"%s\": pidfd_open %d", id, (int)pid);
        return fd;
}

struct watch {
        const char *id;
        cell_event_fn emit;
        void *data;
        uint64_t oom_kills;
};

/* Emit the OOM event when the counter rose, and the stats event when `with_stats`. */
static int report(struct watch *w, const struct cell_cgroup_stats *s, bool with_stats,
                  struct cell_error *err)
{
        if (s->memory.oom_kill > w->oom_kills) {
                _cleanup_free_ char *line = event_json("oom", w->id, NULL);
                if (w->emit(line, w->data) < 0)
                        return cell_error_errno(err, "write event");
        }
        w->oom_kills = s->memory.oom_kill;
        if (!with_stats)
                return 0;
        _cleanup_free_ char *line = cell_stats_event_json(w->id, s);
        if (w->emit(line, w->data) < 0)
                return cell_error_errno(err, "write event");
        return 0;
}

/*
 * The loop of `events` without --stats.  The state is re-read on every
 * tick (under its shared lock, briefly): holding it would block delete.
 */
static int watch_loop(const struct cell_runtime *rt, struct watch *w, int pidfd,
                      unsigned interval_ms, struct cell_error *err)
{
        uint64_t next_stats = now_ms() + interval_ms;
        for (;;) {
                uint64_t now = now_ms();
                uint64_t wait = next_stats > now ? next_stats - now : 0;
                if (exited_within(pidfd, (int)(wait < OOM_POLL_MS ? wait : OOM_POLL_MS)))
                        return 0;
                struct cell_cgroup_stats s;
                if (cell_container_stats(rt, w->id, &s, err) < 0)
                        return exited_within(pidfd, 0) ? 0 : -1;
                bool due = now_ms() >= next_stats;
                if (due)
                        next_stats += interval_ms;
                int r = report(w, &s, due, err);
                cell_cgroup_stats_release(&s);
                if (r < 0)
                        return -1;
        }
}

int cell_container_events(const struct cell_runtime *rt, const char *id,
                          const struct cell_events_opts *opts, cell_event_fn emit, void *data,
                          struct cell_error *err)
{
        _cleanup_close_ int pidfd = open_init(rt, id, err);
        if (pidfd < 0)
                return -1;
        struct watch w = {.id = id, .emit = emit, .data = data};
        struct cell_cgroup_stats s;
        if (cell_container_stats(rt, id, &s, err) < 0)
                return -1;
        /* The first sample only sets the OOM baseline (--stats prints it). */
        w.oom_kills = s.memory.oom_kill;
        int r = opts->stats_once ? report(&w, &s, true, err) : 0;
        cell_cgroup_stats_release(&s);
        if (r < 0 || opts->stats_once)
                return r;
        unsigned interval = opts->interval_ms ? opts->interval_ms : DEFAULT_INTERVAL_MS;
        return watch_loop(rt, &w, pidfd, interval, err);
}
