/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of the cgroup verbs: the update/ps/events parsers, sizes
 * and durations, the ps table filter, the events JSON and the bare
 * linux.resources parser.
 */
#include <json-c/json.h>
#include <stdlib.h>

#include "cli/oci/options.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "unit.h"
#include "util/cleanup.h"

#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define PARSE(fn, out, err, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, err)

static int64_t size(const char *s)
{
        int64_t v = -12345;
        struct cell_error err;
        return cli_parse_size(s, &v, &err) < 0 ? -999 : v;
}

static void test_sizes(void)
{
        CHECK_INT_EQ(size("0"), 0);
        CHECK_INT_EQ(size("4096"), 4096);
        CHECK_INT_EQ(size("64m"), 64 << 20);
        CHECK_INT_EQ(size("64M"), 64 << 20);
        CHECK_INT_EQ(size("64mb"), 64 << 20);
        CHECK_INT_EQ(size("64MiB"), 64 << 20);
        CHECK_INT_EQ(size("64 m"), 64 << 20);
        CHECK_INT_EQ(size("1k"), 1024);
        CHECK_INT_EQ(size("1.5k"), 1536);
        CHECK_INT_EQ(size("2g"), 2LL << 30);
        CHECK_INT_EQ(size("1t"), 1LL << 40);
        CHECK_INT_EQ(size("1p"), 1LL << 50);
        CHECK_INT_EQ(size("10b"), 10);
        CHECK_INT_EQ(size("-1"), -1);
        CHECK_INT_EQ(size(""), -999);
        CHECK_INT_EQ(size("m"), -999);
        CHECK_INT_EQ(size("-2"), -999);
        CHECK_INT_EQ(size("64x"), -999);
        CHECK_INT_EQ(size("64mm"), -999);
        CHECK_INT_EQ(size("1.2.3m"), -999);
        CHECK_INT_EQ(size("64  m"), -999);
        CHECK_INT_EQ(size("99999999p"), -999);
}

static long duration(const char *s)
{
        unsigned ms = 0;
        struct cell_error err;
        return cli_parse_duration(s, &ms, &err) < 0 ? -1 : (long)ms;
}

static void test_durations(void)
{
        CHECK_INT_EQ(duration("5s"), 5000);
        CHECK_INT_EQ(duration("250ms"), 250);
        CHECK_INT_EQ(duration("1.5s"), 1500);
        CHECK_INT_EQ(duration("1m30s"), 90000);
        CHECK_INT_EQ(duration("1h"), 3600000);
        CHECK_INT_EQ(duration("2000000us"), 2000);
        CHECK_INT_EQ(duration("1000000000ns"), 1000);
        CHECK_INT_EQ(duration("0"), -1);
        CHECK_INT_EQ(duration("5"), -1);
        CHECK_INT_EQ(duration("5x"), -1);
        CHECK_INT_EQ(duration("-5s"), -1);
        CHECK_INT_EQ(duration("100us"), -1);
        CHECK_INT_EQ(duration(""), -1);
}

static void test_update_flags(void)
{
        struct cli_update_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--memory", "64m", "-r", "-",
                           "--memory-swap=-1", "--memory-reservation", "1g", "--cpu-share", "512",
                           "--cpu-quota", "-1", "--cpu-period", "100000", "--cpuset-cpus", "0-1",
                           "--cpuset-mems", "0", "--pids-limit", "20", "--blkio-weight", "300",
                           "--cpu-rt-runtime", "950", "--cpu-rt-period", "1000", "--cpu-idle", "1",
                           "--kernel-memory-tcp", "1m", "ctr"),
                     0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_STR_EQ(a.resources_file, "-");
        const struct cell_resources *r = &a.flags;
        CHECK(r->memory.has_limit && r->memory.limit == 64 << 20);
        CHECK(r->memory.has_swap && r->memory.swap == -1);
        CHECK(r->memory.has_reservation && r->memory.reservation == 1 << 30);
        CHECK(r->memory.has_kernel_tcp && r->memory.kernel_tcp == 1 << 20);
        CHECK(!r->memory.has_kernel);
        CHECK(r->cpu.has_shares && r->cpu.shares == 512);
        CHECK(r->cpu.has_quota && r->cpu.quota == -1);
        CHECK(r->cpu.has_period && r->cpu.period == 100000);
        CHECK(r->cpu.has_realtime_runtime && r->cpu.realtime_runtime == 950);
        CHECK(r->cpu.has_realtime_period && r->cpu.realtime_period == 1000);
        CHECK(r->cpu.has_idle && r->cpu.idle == 1);
        CHECK(!r->cpu.has_burst);
        CHECK_STR_EQ(r->cpu.cpus, "0-1");
        CHECK_STR_EQ(r->cpu.mems, "0");
        CHECK(r->pids.has_limit && r->pids.limit == 20);
        CHECK(r->block_io.has_weight && r->block_io.weight == 300);
}

static void test_update_nothing_set(void)
{
        struct cli_update_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "ctr"), 0);
        CHECK(!a.resources_file && !a.flags.memory.has_limit && !a.flags.cpu.has_shares &&
              !a.flags.pids.has_limit && !a.flags.cpu.cpus);
}

static void test_update_errors(void)
{
        struct cli_update_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--memory", "lots", "c"), -1);
        CHECK_CONTAINS(err.msg, "--memory: invalid size \"lots\"");
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--cpu-shares", "-5", "c"), -1);
        CHECK_CONTAINS(err.msg, "invalid --cpu-shares \"-5\"");
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--cpu-quota", "-2", "c"), -1);
        CHECK_CONTAINS(err.msg, "--cpu-quota");
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--blkio-weight", "1001", "c"),
                     -1);
        CHECK_CONTAINS(err.msg, "0..1000");
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--pids-limit", "x", "c"), -1);
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "c", "d"), -1);
        CHECK_CONTAINS(err.msg, "\"update\" requires exactly 1 argument(s)");
        CHECK_INT_EQ(PARSE(cli_parse_update, &a, &err, "update", "--l3-cache-schema", "x", "c"),
                     -1);
        CHECK_CONTAINS(err.msg, "unknown option --l3-cache-schema");
}

static void test_ps_args(void)
{
        struct cli_ps_args a;
        struct cell_error err;
        char *plain[] = {"ps", "ctr", NULL};
        CHECK_INT_EQ(cli_parse_ps(2, plain, &a, &err), 0);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK(a.format == CLI_LIST_TABLE && a.ps_args[0] == NULL);
        /* what follows the id is ps's, even when it looks like an option (a.ps_args points
         * into argv, so argv must outlive it) */
        char *json[] = {"ps", "--format", "json", "ctr", "-o", "pid", "--format", "x", NULL};
        CHECK_INT_EQ(cli_parse_ps(8, json, &a, &err), 0);
        CHECK(a.format == CLI_LIST_JSON);
        CHECK_STR_EQ(a.id, "ctr");
        CHECK_STR_EQ(a.ps_args[0], "-o");
        CHECK_STR_EQ(a.ps_args[3], "x");
        CHECK(a.ps_args[4] == NULL);
        CHECK_INT_EQ(PARSE(cli_parse_ps, &a, &err, "ps", "-f", "yaml", "ctr"), -1);
        CHECK_INT_EQ(PARSE(cli_parse_ps, &a, &err, "ps"), -1);
        CHECK_CONTAINS(err.msg, "minimum of 1");
}

static void test_events_args(void)
{
        struct cli_events_args a;
        struct cell_error err;
        CHECK_INT_EQ(PARSE(cli_parse_events, &a, &err, "events", "ctr"), 0);
        CHECK(!a.stats && a.interval_ms == 5000);
        CHECK_INT_EQ(PARSE(cli_parse_events, &a, &err, "events", "--stats", "--interval=2s", "c"),
                     0);
        CHECK(a.stats && a.interval_ms == 2000);
        CHECK_INT_EQ(PARSE(cli_parse_events, &a, &err, "events", "--interval", "soon", "c"), -1);
        CHECK_CONTAINS(err.msg, "--interval: invalid duration \"soon\"");
}

static void test_ps_filter(void)
{
        const char *out = "UID        PID  PPID  C STIME TTY          TIME CMD\n"
                          "root         1     0  0 10:00 ?        00:00:01 /sbin/init\n"
                          "root       120     1  0 10:00 ?        00:00:00 sleep 120\n"
                          "root      1200   120  0 10:00 ?        00:00:00 sleep 1\n"
                          "root        12     1  0 10:00 ?        00:00:00 x 120\n";
        pid_t pids[] = {120, 12};
        _cleanup_free_ char *table = NULL;
        struct cell_error err;
        CHECK_INT_EQ(cell_ps_filter(out, pids, 2, &table, &err), 0);
        CHECK_STR_EQ(table, "UID        PID  PPID  C STIME TTY          TIME CMD\n"
                            "root       120     1  0 10:00 ?        00:00:00 sleep 120\n"
                            "root        12     1  0 10:00 ?        00:00:00 x 120\n");
        _cleanup_free_ char *custom = NULL;
        CHECK_INT_EQ(cell_ps_filter("COMMAND PID\nsh 120\nsh 5\n", pids, 2, &custom, &err), 0);
        CHECK_STR_EQ(custom, "COMMAND PID\nsh 120\n");
        char *none = NULL;
        CHECK_INT_EQ(cell_ps_filter("COMMAND\nsh\n", pids, 2, &none, &err), -1);
        CHECK_STR_EQ(err.msg, "couldn't find PID field in ps output");
        CHECK(none == NULL);
}

static json_object *member(json_object *o, const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        char *save = NULL;
        for (char *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
                if (!json_object_object_get_ex(o, k, &o))
                        return NULL;
        return o;
}

static void test_stats_json(void)
{
        uint64_t percpu[] = {7, 8};
        struct cell_cgroup_stat_value raw[] = {{"rss", 4096}, {"cache", 0}};
        struct cell_cgroup_blkio_entry bytes[] = {{254, 0, "Read", 512}, {254, 0, "Write", 0}};
        struct cell_cgroup_hugetlb_stats huge[] = {{"2MB", 2097152, 2097152, 1}};
        struct cell_cgroup_stats s = {0};
        s.cpu.total_ns = 15;
        s.cpu.percpu_ns = percpu;
        s.cpu.n_percpu = 2;
        s.cpu.throttled_periods = 3;
        s.memory.usage = (struct cell_cgroup_usage){.usage = 100, .limit = 200};
        s.memory.swap.limit = UINT64_MAX;
        s.memory.oom_kill = 2;
        s.memory.raw = raw;
        s.memory.n_raw = 2;
        s.pids.current = 3;
        s.blkio.service_bytes = bytes;
        s.blkio.n_service_bytes = 2;
        s.hugetlb = huge;
        s.n_hugetlb = 1;
        _cleanup_free_ char *text = cell_stats_event_json("web", &s);
        CHECK(strchr(text, '\n') == NULL);
        json_object *o = json_tokener_parse(text);
        CHECK(o != NULL);
        if (!o)
                return;
        CHECK_STR_EQ(json_object_get_string(member(o, "type")), "stats");
        CHECK_STR_EQ(json_object_get_string(member(o, "id")), "web");
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.cpu.usage.total")), 15);
        CHECK_INT_EQ(json_object_array_length(member(o, "data.cpu.usage.percpu")), 2);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.cpu.usage.kernel")), 0);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.cpu.throttling.throttledPeriods")), 3);
        CHECK(member(o, "data.cpu.throttling.periods") == NULL); /* omitempty */
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.memory.usage.limit")), 200);
        CHECK(json_object_get_uint64(member(o, "data.memory.swap.limit")) == UINT64_MAX);
        CHECK(member(o, "data.memory.swap.usage") == NULL);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.memory.swap.failcnt")), 0);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.memory.raw.rss")), 4096);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.memory.oom_kill")), 2);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.pids.current")), 3);
        CHECK(member(o, "data.pids.limit") == NULL);
        json_object *entries = member(o, "data.blkio.ioServiceBytesRecursive");
        CHECK_INT_EQ(json_object_array_length(entries), 2);
        CHECK(member(json_object_array_get_idx(entries, 1), "value") == NULL);
        CHECK_STR_EQ(json_object_get_string(member(json_object_array_get_idx(entries, 0), "op")),
                     "Read");
        CHECK(member(o, "data.blkio.ioServicedRecursive") == NULL);
        CHECK_INT_EQ(json_object_get_int64(member(o, "data.hugetlb.2MB.failcnt")), 1);
        json_object_put(o);
}

static void test_resources_parse(void)
{
        const char *doc = "{\"memory\": {\"limit\": 67108864, \"swap\": -1},"
                          " \"cpu\": {\"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"},"
                          " \"pids\": {\"limit\": 5}, \"unknown\": true}";
        struct cell_resources r;
        struct cell_error err;
        CHECK_INT_EQ(cell_resources_parse(doc, strlen(doc), &r, &err), 0);
        CHECK(r.present);
        CHECK(r.memory.has_limit && r.memory.limit == 67108864);
        CHECK(r.memory.has_swap && r.memory.swap == -1);
        CHECK(!r.memory.has_reservation);
        CHECK(r.cpu.has_quota && r.cpu.quota == 50000);
        CHECK_STR_EQ(r.cpu.cpus, "0");
        CHECK(r.pids.has_limit && r.pids.limit == 5);
        cell_resources_release(&r);

        const char *bad = "{\"memory\": {\"limit\": \"64m\"}}";
        CHECK_INT_EQ(cell_resources_parse(bad, strlen(bad), &r, &err), -1);
        CHECK_CONTAINS(err.msg, "resources.memory.limit");
        CHECK_INT_EQ(cell_resources_parse("[1]", 3, &r, &err), -1);
        CHECK_INT_EQ(cell_resources_parse("{", 1, &r, &err), -1);
        CHECK_CONTAINS(err.msg, "invalid JSON");
}

UNIT_MAIN(UNIT_TEST(test_sizes), UNIT_TEST(test_durations), UNIT_TEST(test_update_flags),
          UNIT_TEST(test_update_nothing_set), UNIT_TEST(test_update_errors),
          UNIT_TEST(test_ps_args), UNIT_TEST(test_events_args), UNIT_TEST(test_ps_filter),
          UNIT_TEST(test_stats_json), UNIT_TEST(test_resources_parse))
