/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/cgroup/ that need neither root nor cgroups: mountinfo
 * parsing, path derivation, serialization, resource plans, conversions and
 * the eBPF device program.  The live tests are in test_cgroup_live.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/convert.h"
#include "cgroup/devices_ebpf.h"
#include "cgroup/internal.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char hybrid_mountinfo[] =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:7 - cgroup cgroup "
        "rw,cpu,cpuacct\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory,favordynmods\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
        "rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
        "42 31 0:32 /sub /mnt/memory\\040again rw - cgroup cgroup rw,memory\n";

static void test_parse_mountinfo(void)
{
        struct cell_cg_host host;
        CHECK_INT_EQ(cell_cg_host_parse(hybrid_mountinfo, &host, NULL), 0);
        CHECK_INT_EQ(host.mode, CELL_CGROUP_MODE_HYBRID);
        CHECK_INT_EQ(host.n_mounts, 5); /* the second memory mount is the same hierarchy */
        CHECK_STR_EQ(host.mounts[0].key, "cpu,cpuacct");
        CHECK_INT_EQ(host.mounts[0].controllers,
                     CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUACCT));
        CHECK_STR_EQ(host.mounts[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
        CHECK_STR_EQ(host.mounts[1].key, "cpuset");
        CHECK(!host.mounts[1].favordynmods);
        CHECK(host.mounts[2].favordynmods);
        CHECK_STR_EQ(host.mounts[3].key, "name=systemd");
        CHECK_INT_EQ(host.mounts[3].controllers, 0);
        CHECK(host.mounts[4].v2);
        CHECK_STR_EQ(host.mounts[4].mount_point, "/sys/fs/cgroup/unified");
        /* memory is mounted a second time at /mnt: the list is not all a cgroup mount shows */
        CHECK(!host.all_below_sys_fs_cgroup);
        cell_cg_host_release(&host);
        /* the same without the /mnt line (the last one) */
        _cleanup_free_ char *plain = strdup(hybrid_mountinfo);
        *strrchr(plain, '\n') = '\0';
        *(strrchr(plain, '\n') + 1) = '\0';
        CHECK_INT_EQ(cell_cg_host_parse(plain, &host, NULL), 0);
        CHECK_INT_EQ(host.n_mounts, 5);
        CHECK(host.all_below_sys_fs_cgroup);
        cell_cg_host_release(&host);

        CHECK_INT_EQ(cell_cg_host_parse("41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,"
                                        "nsdelegate,favordynmods\n",
                                        &host, NULL),
                     0);
        CHECK_INT_EQ(host.mode, CELL_CGROUP_MODE_V2);
        CHECK(host.mounts[0].favordynmods);
        CHECK(host.all_below_sys_fs_cgroup);
        cell_cg_host_release(&host);
        CHECK_INT_EQ(cell_cg_host_parse("1 0 0:1 / / rw - ext4 /dev/sda rw\n", &host, NULL), 0);
        CHECK_INT_EQ(host.mode, CELL_CGROUP_MODE_NONE);
        cell_cg_host_release(&host);
}

static void test_clean_path(void)
{
        const char *cases[][2] = {
                {"", "/"},          {"/", "/"},        {"a", "/a"},
                {"/a//b/", "/a/b"}, {"a/./b", "/a/b"}, {"/a/../../b", "/b"},
                {"../../x", "/x"},  {"/a/b/..", "/a"}, {"/..", "/"},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *p = cell_cg_clean_path(cases[i][0]);
                CHECK_STR_EQ(p, cases[i][1]);
        }
}

static void derive(const char *cgroups_path, const char *own, const char *root, bool v2,
                   const char *want)
{
        _cleanup_free_ char *out = NULL;
        struct cell_error err = {0};
        int r = cell_cg_derive_path(cgroups_path, "web", own, root, v2, &out, &err);
        if (want) {
                CHECK_INT_EQ(r, 0);
                CHECK_STR_EQ(out, want);
        } else {
                CHECK(r < 0);
                CHECK(err.msg[0] != '\0');
        }
}

static void test_derive_path(void)
{
        /* absolute: relative to the hierarchy's mount, own cgroup ignored */
        derive("/machine/x", "/user/1", "/", false, "/machine/x");
        derive("/machine/../x/", "/user/1", "/", true, "/x");
        /* relative: below the own cgroup (v1) or its parent (v2) */
        derive("pod/x", "/user/1", "/", false, "/user/1/pod/x");
        derive("pod/x", "/user/1", "/", true, "/user/pod/x");
        derive("../../escape", "/user/1", "/", false, "/user/1/escape");
        /* default: the id, as a relative path */
        derive(NULL, "/user/1", "/", false, "/user/1/web");
        derive("", "/", "/", false, "/web");
        derive(NULL, "/", "/", true, "/web");
        derive(NULL, "/user/1", "/", true, "/user/web");
        /* a mount whose root is not the hierarchy's root (cgroup namespace, bind) */
        derive(NULL, "/lxc/c1/app", "/lxc/c1", false, "/app/web");
        derive(NULL, "/other", "/lxc/c1", false, NULL);
        /* never the root cgroup itself */
        derive("/", "/", "/", false, NULL);
        derive("..", "/", "/", false, NULL);
}

static void test_own_path(void)
{
        const char *text = "9:name=systemd:/sd\n4:memory:/process_api/abc\n"
                           "2:cpu,cpuacct:/c\n0::/init.scope\n";
        struct cell_cg_mount mem = {.key = "memory", .controllers = CELL_CG_BIT(CELL_CG_MEMORY)};
        struct cell_cg_mount cpu = {.key = "cpu,cpuacct",
                                    .controllers = CELL_CG_BIT(CELL_CG_CPU) |
                                                   CELL_CG_BIT(CELL_CG_CPUACCT)};
        struct cell_cg_mount sd = {.key = "name=systemd"};
        struct cell_cg_mount v2 = {.key = "", .v2 = true};
        struct cell_cg_mount pids = {.key = "pids",
                                     .controllers = CELL_CG_BIT(CELL_CG_PIDS),
                                     .mount_point = "/sys/fs/cgroup/pids"};
        char *out = NULL;
        CHECK_INT_EQ(cell_cg_own_path(text, &mem, &out, NULL), 0);
        CHECK_STR_EQ(out, "/process_api/abc");
        free(out);
        CHECK_INT_EQ(cell_cg_own_path(text, &cpu, &out, NULL), 0);
        CHECK_STR_EQ(out, "/c");
        free(out);
        CHECK_INT_EQ(cell_cg_own_path(text, &sd, &out, NULL), 0);
        CHECK_STR_EQ(out, "/sd");
        free(out);
        CHECK_INT_EQ(cell_cg_own_path(text, &v2, &out, NULL), 0);
        CHECK_STR_EQ(out, "/init.scope");
        free(out);
        /* the same controllers written in another order still match */
        struct cell_cg_mount acct_cpu = cpu;
        acct_cpu.key = "cpuacct,cpu";
        CHECK_INT_EQ(cell_cg_own_path(text, &acct_cpu, &out, NULL), 0);
        CHECK_STR_EQ(out, "/c");
        free(out);
        /* a key that is only a prefix of a listed hierarchy is not that hierarchy */
        struct cell_cg_mount just_cpu = {.key = "cpu", .controllers = CELL_CG_BIT(CELL_CG_CPU)};
        CHECK(cell_cg_own_path(text, &just_cpu, &out, NULL) < 0);
        struct cell_error err = {0};
        CHECK(cell_cg_own_path(text, &pids, &out, &err) < 0);
        CHECK_CONTAINS(err.msg, "pids");
}

static void test_serialize_round_trip(void)
{
        struct cell_cgroup cg = {.mode = CELL_CGROUP_MODE_HYBRID};
        struct cell_cgroup_dir dirs[] = {
                {&cell_cg_driver_v1, "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/a/web",
                 "/sys/fs/cgroup/cpu,cpuacct",
                 CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUACCT), -1, 2, 0},
                {&cell_cg_driver_v1, "name=systemd", "/sys/fs/cgroup/systemd/web",
                 "/sys/fs/cgroup/systemd", 0, -1, 0, 0},
                {&cell_cg_driver_v2, "", "/sys/fs/cgroup/unified/web", "/sys/fs/cgroup/unified", 0,
                 -1, CELL_CG_MADE_UNKNOWN, 0},
        };
        cg.dirs = dirs;
        cg.n_dirs = CELL_ARRAY_SIZE(dirs);
        _cleanup_free_ char *s = cell_cgroup_to_string(&cg);
        CHECK_CONTAINS(s, "\"mode\":\"hybrid\"");
        CHECK_CONTAINS(s, "/sys/fs/cgroup/cpu,cpuacct/a/web");
        struct cell_cgroup *back = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cgroup_from_string(s, &back, &err), 0);
        if (!back)
                return;
        CHECK_INT_EQ(back->mode, CELL_CGROUP_MODE_HYBRID);
        CHECK_INT_EQ(back->n_dirs, 3);
        for (size_t i = 0; i < back->n_dirs && i < 3; i++) {
                CHECK_STR_EQ(back->dirs[i].key, dirs[i].key);
                CHECK_STR_EQ(back->dirs[i].path, dirs[i].path);
                CHECK_STR_EQ(back->dirs[i].mount_point, dirs[i].mount_point);
                CHECK(back->dirs[i].driver == dirs[i].driver);
                CHECK_INT_EQ(back->dirs[i].fd, -1);
                CHECK_INT_EQ(back->dirs[i].made, dirs[i].made);
        }
        CHECK_INT_EQ(back->dirs[0].controllers, dirs[0].controllers);
        CHECK(back->dirs[2].controllers & CELL_CG_BIT(CELL_CG_HUGETLB));
        CHECK(!(back->dirs[2].controllers & CELL_CG_BIT(CELL_CG_CPU)));
        _cleanup_free_ char *again = cell_cgroup_to_string(back);
        CHECK_STR_EQ(again, s);
        cell_cgroup_free(back);

        CHECK(cell_cgroup_from_string("{\"mode\":1}", &back, &err) < 0);
        CHECK(cell_cgroup_from_string("not json", &back, &err) < 0);
        CHECK(back == NULL);
        /* "made" says which directories delete may remove: nothing but a small count */
        static const char *const bad_made[] = {"-1", "\"1\"", "1.5", "99999", "true"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(bad_made); i++) {
                _cleanup_free_ char *text =
                        xasprintf("{\"mode\":\"v1\",\"dirs\":[{\"key\":\"pids\",\"mount\":\"/m\","
                                  "\"path\":\"/m/x\",\"made\":%s}]}",
                                  bad_made[i]);
                CHECK(cell_cgroup_from_string(text, &back, &err) < 0);
                CHECK_CONTAINS(err.msg, "made");
                CHECK(back == NULL);
        }
}

static void test_convert(void)
{
        CHECK_INT_EQ(cell_cg_shares_to_weight(0), 0);
        CHECK_INT_EQ(cell_cg_shares_to_weight(2), 1);
        CHECK_INT_EQ(cell_cg_shares_to_weight(1024), 100);
        CHECK_INT_EQ(cell_cg_shares_to_weight(512), 59);
        CHECK_INT_EQ(cell_cg_shares_to_weight(2048), 174);
        CHECK_INT_EQ(cell_cg_shares_to_weight(262144), 10000);
        CHECK_INT_EQ(cell_cg_shares_to_weight(500000), 10000);
        CHECK_INT_EQ(cell_cg_blkio_weight_to_io_weight(0), 0);
        CHECK_INT_EQ(cell_cg_blkio_weight_to_io_weight(10), 1);
        CHECK_INT_EQ(cell_cg_blkio_weight_to_io_weight(500), 4950);
        CHECK_INT_EQ(cell_cg_blkio_weight_to_io_weight(1000), 10000);

        int64_t out = 0;
        const char *why;
        CHECK_INT_EQ(cell_cg_swap_to_v2(0, 0, &out, &why), 0);  /* nothing set */
        CHECK_INT_EQ(cell_cg_swap_to_v2(0, -1, &out, &why), 1); /* unlimited memory */
        CHECK_INT_EQ(out, -1);
        CHECK_INT_EQ(cell_cg_swap_to_v2(-1, 100, &out, &why), 1);
        CHECK_INT_EQ(out, -1);
        CHECK_INT_EQ(cell_cg_swap_to_v2(300, 100, &out, &why), 1); /* memsw 300 = 200 swap */
        CHECK_INT_EQ(out, 200);
        CHECK_INT_EQ(cell_cg_swap_to_v2(100, 100, &out, &why), 1); /* no swap at all */
        CHECK_INT_EQ(out, 0);
        CHECK_INT_EQ(cell_cg_swap_to_v2(50, 100, &out, &why), -EINVAL);
        CHECK_CONTAINS(why, ">=");
        CHECK_INT_EQ(cell_cg_swap_to_v2(50, 0, &out, &why), -EINVAL);
}

/* A handle laid out like this host: v1 hierarchies, hugetlb on the v2 tree. */
static struct cell_cgroup_dir hybrid_dirs[] = {
        {&cell_cg_driver_v1, "cpu", "/cg/cpu/x", "/cg/cpu", 1u << CELL_CG_CPU, -1, 0, 0},
        {&cell_cg_driver_v1, "cpuacct", "/cg/cpuacct/x", "/cg/cpuacct", 1u << CELL_CG_CPUACCT, -1,
         0, 0},
        {&cell_cg_driver_v1, "cpuset", "/cg/cpuset/x", "/cg/cpuset", 1u << CELL_CG_CPUSET, -1, 0,
         0},
        {&cell_cg_driver_v1, "memory", "/cg/memory/x", "/cg/memory", 1u << CELL_CG_MEMORY, -1, 0,
         0},
        {&cell_cg_driver_v1, "devices", "/cg/devices/x", "/cg/devices", 1u << CELL_CG_DEVICES, -1,
         0, 0},
        {&cell_cg_driver_v1, "blkio", "/cg/blkio/x", "/cg/blkio", 1u << CELL_CG_BLKIO, -1, 0, 0},
        {&cell_cg_driver_v1, "pids", "/cg/pids/x", "/cg/pids", 1u << CELL_CG_PIDS, -1, 0, 0},
        {&cell_cg_driver_v1, "net_cls", "/cg/net_cls/x", "/cg/net_cls", 1u << CELL_CG_NET_CLS, -1,
         0, 0},
        {&cell_cg_driver_v2, "", "/cg/unified/x", "/cg/unified", 1u << CELL_CG_HUGETLB, -1, 0, 0},
};

static struct cell_cgroup_dir v2_dirs[] = {
        {&cell_cg_driver_v2, "", "/cg/x", "/cg", (1u << CELL_CG__COUNT) - 1, -1, 0, 0},
};

/* Writes of `plan` as "dir|file|value" lines, for exact comparison. */
static char *plan_text(const struct cell_cgroup *cg, const struct cell_cg_plan *plan)
{
        char *text = xstrdup("");
        for (size_t i = 0; i < plan->n; i++) {
                const struct cell_cg_write *w = &plan->writes[i];
                char *next =
                        xasprintf("%s%s|%s|%s%s%s%s%s\n", text, cg->dirs[w->dir].key, w->file,
                                  w->value, w->alt_file ? "|" : "", w->alt_file ? w->alt_file : "",
                                  w->alt_file ? "=" : "", w->alt_value ? w->alt_value : "");
                free(text);
                text = next;
        }
        return text;
}

static struct cell_resources sample_resources(void)
{
        static struct cell_throttle_device read_bps[] = {{8, 0, 1048576}};
        static struct cell_weight_device weight_dev[] = {{8, 16, true, false, 200, 0}};
        static struct cell_hugepage_limit huge[] = {{"2MB", 4194304}};
        struct cell_resources r = {.present = true};
        r.memory.has_limit = r.memory.has_swap = r.memory.has_reservation = true;
        r.memory.limit = 104857600;
        r.memory.swap = 209715200;
        r.memory.reservation = 52428800;
        r.cpu.has_shares = r.cpu.has_quota = r.cpu.has_period = true;
        r.cpu.shares = 512;
        r.cpu.quota = 50000;
        r.cpu.period = 100000;
        r.cpu.cpus = "0";
        r.pids.has_limit = true;
        r.pids.limit = 64;
        r.block_io.has_weight = true;
        r.block_io.weight = 500;
        r.block_io.weight_devices = weight_dev;
        r.block_io.n_weight_devices = 1;
        r.block_io.throttle_read_bps = read_bps;
        r.block_io.n_throttle_read_bps = 1;
        r.hugepage_limits = huge;
        r.n_hugepage_limits = 1;
        return r;
}

static void test_plan_hybrid(void)
{
        struct cell_cgroup cg = {CELL_CGROUP_MODE_HYBRID, hybrid_dirs,
                                 CELL_ARRAY_SIZE(hybrid_dirs)};
        struct cell_resources r = sample_resources();
        static struct cell_device_rule rules[] = {
                {false, 'a', -1, -1, "rwm"}, {true, 'c', 10, 229, "rw"}, {false, 'b', 8, -1, "r"}};
        r.devices = rules;
        r.n_devices = CELL_ARRAY_SIZE(rules);
        r.memory.has_swappiness = true;
        r.memory.swappiness = 10;
        r.network.has_class_id = true;
        r.network.class_id = 0x100001;
        struct cell_cg_plan plan;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &r, NULL, &plan, &err), 0);
        _cleanup_free_ char *text = plan_text(&cg, &plan);
        /* The spec's own leading deny-all is the baseline: written once. */
        CHECK_STR_EQ(text, "cpuset|cpuset.cpus|0\n"
                           "devices|devices.deny|a\n"
                           "devices|devices.allow|c 10:229 rw\n"
                           "devices|devices.deny|b 8:* r\n"
                           "devices|devices.allow|c *:* m\n"
                           "devices|devices.allow|b *:* m\n"
                           "devices|devices.allow|c 1:3 rwm\n"
                           "devices|devices.allow|c 1:8 rwm\n"
                           "devices|devices.allow|c 1:7 rwm\n"
                           "devices|devices.allow|c 5:0 rwm\n"
                           "devices|devices.allow|c 1:5 rwm\n"
                           "devices|devices.allow|c 1:9 rwm\n"
                           "devices|devices.allow|c 136:* rwm\n"
                           "devices|devices.allow|c 5:2 rwm\n"
                           "devices|devices.allow|c 10:200 rwm\n"
                           "memory|memory.limit_in_bytes|104857600\n"
                           "memory|memory.memsw.limit_in_bytes|209715200\n"
                           "memory|memory.soft_limit_in_bytes|52428800\n"
                           "memory|memory.swappiness|10\n"
                           "cpu|cpu.shares|512\n"
                           "cpu|cpu.cfs_period_us|100000\n"
                           "cpu|cpu.cfs_quota_us|50000\n"
                           "pids|pids.max|64\n"
                           "blkio|blkio.weight|500|blkio.bfq.weight=500\n"
                           "blkio|blkio.weight_device|8:16 200|blkio.bfq.weight_device=8:16 200\n"
                           "blkio|blkio.throttle.read_bps_device|8:0 1048576\n"
                           "|hugetlb.2MB.max|4194304\n"
                           "net_cls|net_cls.classid|1048577\n");
        CHECK_STR_EQ(plan.writes[plan.n - 1].field, "linux.resources.network.classID");
        cell_cg_plan_release(&plan);

        /* update: raising memory above the live memsw limit writes memsw first */
        struct cell_resources up = {.present = true};
        up.memory.has_limit = up.memory.has_swap = true;
        up.memory.limit = 300 << 20;
        up.memory.swap = 600 << 20;
        struct cell_cg_current cur = {.memory_limit = 100 << 20, .memory_usage = 1 << 20};
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &up, &cur, &plan, &err), 0);
        _cleanup_free_ char *up_text = plan_text(&cg, &plan);
        CHECK_STR_EQ(up_text, "memory|memory.memsw.limit_in_bytes|629145600\n"
                              "memory|memory.limit_in_bytes|314572800\n");
        cell_cg_plan_release(&plan);
        /* update --memory -1: memsw -1 too (where it exists), before the limit */
        struct cell_resources unl = {.present = true};
        unl.memory.has_limit = true;
        unl.memory.limit = -1;
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &unl, &cur, &plan, &err), 0);
        _cleanup_free_ char *unl_text = plan_text(&cg, &plan);
        CHECK_STR_EQ(unl_text, "memory|memory.memsw.limit_in_bytes|-1\n"
                               "memory|memory.limit_in_bytes|-1\n");
        CHECK(plan.n == 2 && plan.writes[0].optional && !plan.writes[1].optional);
        cell_cg_plan_release(&plan);
        /* rt period and runtime: period first, the other order on EINVAL */
        struct cell_resources rt = {.present = true};
        rt.cpu.has_realtime_period = rt.cpu.has_realtime_runtime = true;
        rt.cpu.realtime_period = 10000;
        rt.cpu.realtime_runtime = 2000;
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &rt, &cur, &plan, &err), 0);
        _cleanup_free_ char *rt_text = plan_text(&cg, &plan);
        CHECK_STR_EQ(rt_text, "cpu|cpu.rt_period_us|10000\n"
                              "cpu|cpu.rt_runtime_us|2000\n");
        CHECK(plan.n == 2 && plan.writes[0].swap_on_einval && !plan.writes[1].swap_on_einval);
        cell_cg_plan_release(&plan);
        /* checkBeforeUpdate */
        up.memory.has_check_before_update = up.memory.check_before_update = true;
        cur.memory_usage = 400 << 20;
        CHECK(cell_cg_plan_build(&cg, &up, &cur, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.resources.memory.limit: 314572800 is not above");
}

static void test_plan_v2(void)
{
        struct cell_cgroup cg = {CELL_CGROUP_MODE_V2, v2_dirs, 1};
        struct cell_resources r = sample_resources();
        static struct cell_key_value unified[] = {{"memory.high", "90000000"}};
        r.unified = unified;
        r.n_unified = 1;
        r.cpu.has_burst = true;
        r.cpu.burst = 1000;
        struct cell_cg_plan plan;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &r, NULL, &plan, &err), 0);
        _cleanup_free_ char *text = plan_text(&cg, &plan);
        CHECK_STR_EQ(text, "|cpuset.cpus|0\n"
                           "|memory.swap.max|104857600\n"
                           "|memory.max|104857600\n"
                           "|memory.low|52428800\n"
                           "|cpu.weight|59\n"
                           "|cpu.max|50000 100000\n"
                           "|cpu.max.burst|1000\n"
                           "|pids.max|64\n"
                           "|io.bfq.weight|500|io.weight=default 4950\n"
                           "|io.bfq.weight|8:16 200|io.weight=8:16 1920\n"
                           "|io.max|8:0 rbps=1048576\n"
                           "|hugetlb.2MB.max|4194304\n"
                           "|memory.high|90000000\n");
        CHECK_INT_EQ(plan.writes[1].controller, CELL_CG_MEMORY);
        CHECK_INT_EQ(plan.writes[plan.n - 1].controller, CELL_CG_MEMORY);
        cell_cg_plan_release(&plan);

        /* quota alone: unlimited quota keeps runc's "max"; period alone too */
        struct cell_resources q = {.present = true};
        q.cpu.has_quota = true;
        q.cpu.quota = -1;
        q.pids.has_limit = true;
        q.pids.limit = -1;
        q.memory.has_limit = true;
        q.memory.limit = -1;
        CHECK_INT_EQ(cell_cg_plan_build(&cg, &q, NULL, &plan, &err), 0);
        _cleanup_free_ char *q_text = plan_text(&cg, &plan);
        CHECK_STR_EQ(q_text,
                     "|memory.swap.max|max\n|memory.max|max\n|cpu.max|max\n|pids.max|max\n");
        CHECK(plan.writes[0].optional);
        cell_cg_plan_release(&plan);

        /* what v2 cannot express is an error naming the field */
        struct cell_resources bad = {.present = true};
        bad.memory.has_swappiness = true;
        CHECK(cell_cg_plan_build(&cg, &bad, NULL, &plan, &err) < 0);
        CHECK_STR_EQ(err.msg, "linux.resources.memory.swappiness: not supported by cgroup v2");
        bad = (struct cell_resources){.present = true};
        bad.network.has_class_id = true;
        CHECK(cell_cg_plan_build(&cg, &bad, NULL, &plan, &err) < 0);
        CHECK_STR_EQ(err.msg, "linux.resources.network.classID: not supported by cgroup v2");
        bad = (struct cell_resources){.present = true};
        bad.memory.has_limit = bad.memory.has_swap = true;
        bad.memory.limit = 100;
        bad.memory.swap = 50;
        CHECK(cell_cg_plan_build(&cg, &bad, NULL, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.resources.memory.swap: memory+swap limit must be >=");
        static struct cell_key_value escape[] = {{"../x.y", "1"}};
        bad = (struct cell_resources){.present = true, .unified = escape, .n_unified = 1};
        CHECK(cell_cg_plan_build(&cg, &bad, NULL, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.resources.unified: bad key");
}

static void test_plan_missing_controller(void)
{
        struct cell_cgroup cg = {CELL_CGROUP_MODE_HYBRID, hybrid_dirs,
                                 CELL_ARRAY_SIZE(hybrid_dirs)};
        struct cell_resources r = {.present = true};
        r.network.n_priorities = 1;
        r.network.priorities = (struct cell_net_priority[]){{"eth0", 5}};
        struct cell_cg_plan plan;
        struct cell_error err = {0};
        CHECK(cell_cg_plan_build(&cg, &r, NULL, &plan, &err) < 0);
        CHECK_STR_EQ(err.msg,
                     "linux.resources.network.priorities: no net_prio cgroup on this host");
        /* v1-only handle: unified needs the v2 tree */
        struct cell_cgroup v1 = {CELL_CGROUP_MODE_V1, hybrid_dirs, 8};
        r = (struct cell_resources){.present = true};
        r.unified = (struct cell_key_value[]){{"memory.high", "1"}};
        r.n_unified = 1;
        CHECK(cell_cg_plan_build(&v1, &r, NULL, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.resources.unified: needs cgroup v2");
}

/* Creates (or empties) a file standing for a cgroup control file. */
static int empty_file(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        return fd < 0 ? -1 : close(fd);
}

/* Executing a plan: a write falls back to its alternative file only when the
 * first is missing, and a kernel offering neither is an error naming both. */
static void test_plan_execute_alt(void)
{
        char tmpl[] = "/tmp/cell-unit-plan-XXXXXX";
        CHECK(mkdtemp(tmpl) != NULL);
        struct cell_cgroup_dir dir = {.driver = &cell_cg_driver_v1,
                                      .key = "blkio",
                                      .path = tmpl,
                                      .mount_point = "/sys/fs/cgroup/blkio",
                                      .controllers = CELL_CG_BIT(CELL_CG_BLKIO),
                                      .fd = -1};
        struct cell_cgroup cg = {CELL_CGROUP_MODE_V1, &dir, 1};
        struct cell_cg_plan plan = {0};
        cell_cg_plan_add(&plan, 0, CELL_CG_BLKIO, "linux.resources.blockIO.weight", "blkio.weight",
                         "%u", 500u);
        cell_cg_plan_alt(&plan, "blkio.bfq.weight", "%u", 500u);
        char main_file[PATH_MAX], alt_file[PATH_MAX];
        snprintf(main_file, sizeof(main_file), "%s/blkio.weight", tmpl);
        snprintf(alt_file, sizeof(alt_file), "%s/blkio.bfq.weight", tmpl);
        struct cell_error err = {0};

        /* neither file: the kernel has no CFQ nor BFQ */
        CHECK(cell_cg_plan_execute(&cg, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.resources.blockIO.weight: neither blkio.weight nor "
                                "blkio.bfq.weight exists in ");
        CHECK_CONTAINS(err.msg, tmpl);
        CHECK_INT_EQ(err.errnum, ENOENT);

        /* only the alternative (BFQ) */
        CHECK_INT_EQ(empty_file(alt_file), 0);
        CHECK_INT_EQ(cell_cg_plan_execute(&cg, &plan, &err), 0);
        _cleanup_free_ char *alt = NULL;
        CHECK_INT_EQ(cell_cg_read(tmpl, "blkio.bfq.weight", &alt, NULL), 0);
        CHECK_STR_EQ(alt, "500");

        /* the first file wins when it exists (CFQ) */
        CHECK_INT_EQ(empty_file(main_file), 0);
        CHECK_INT_EQ(empty_file(alt_file), 0);
        CHECK_INT_EQ(cell_cg_plan_execute(&cg, &plan, &err), 0);
        _cleanup_free_ char *first = NULL, *untouched = NULL;
        CHECK_INT_EQ(cell_cg_read(tmpl, "blkio.weight", &first, NULL), 0);
        CHECK_STR_EQ(first, "500");
        CHECK_INT_EQ(cell_cg_read(tmpl, "blkio.bfq.weight", &untouched, NULL), 0);
        CHECK_STR_EQ(untouched, "");

        cell_cg_plan_release(&plan);
        unlink(main_file);
        unlink(alt_file);
        rmdir(tmpl);
}

static void test_ebpf_build(void)
{
        struct cell_device_rule rules[] = {{true, 'c', 1, 3, "rwm"}, {false, 'c', 1, 3, "w"}};
        struct bpf_insn *insns = NULL;
        size_t n = cell_cg_devices_ebpf_build(rules, 2, &insns);
        /* prologue 6; deny rule: type, 3 access, major, minor, verdict 2 = 8;
         * allow rwm: type, major, minor, verdict 2 = 5; default 2 */
        CHECK_INT_EQ(n, 6 + 8 + 5 + 2);
        /* the last rule (deny write) is tested first; its type check skips 7 */
        CHECK_INT_EQ(insns[6].code, BPF_JMP | BPF_JNE | BPF_K);
        CHECK_INT_EQ(insns[6].imm, BPF_DEVCG_DEV_CHAR);
        CHECK_INT_EQ(insns[6].off, 7);
        CHECK_INT_EQ(insns[12].imm, 0); /* r0 = 0 (deny) */
        CHECK_INT_EQ(insns[n - 2].imm, 0);
        CHECK_INT_EQ(insns[n - 1].code, BPF_JMP | BPF_EXIT);
        free(insns);
}

/* A handle over fake hierarchies below `root`: pids, cpu,cpuacct, cgroup2. */
static struct cell_cgroup *fake_handle(const char *root)
{
        char paths[3][PATH_MAX];
        const char *keys[] = {"pids", "cpu,cpuacct", ""};
        struct cell_cgroup_dir dirs[3];
        for (int i = 0; i < 3; i++) {
                snprintf(paths[i], PATH_MAX, "%s/%s/c", root, keys[i][0] ? keys[i] : "unified");
                dirs[i] = (struct cell_cgroup_dir){.driver = keys[i][0] ? &cell_cg_driver_v1
                                                                        : &cell_cg_driver_v2,
                                                   .key = (char *)keys[i],
                                                   .path = paths[i],
                                                   .mount_point = (char *)root,
                                                   .fd = -1};
        }
        struct cell_cgroup cg = {CELL_CGROUP_MODE_HYBRID, dirs, 3};
        _cleanup_free_ char *s = cell_cgroup_to_string(&cg);
        struct cell_cgroup *out = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cgroup_from_string(s, &out, &err), 0);
        return out;
}

static void expect_descend(const char *root, char **args, const char *message)
{
        struct cell_cgroup *cg = fake_handle(root);
        struct cell_error err = {0};
        int rc = cell_cgroup_descend(cg, args, &err);
        if (message) {
                CHECK(rc < 0);
                CHECK_CONTAINS(err.msg, message);
        } else {
                CHECK_INT_EQ(rc, 0);
        }
        cell_cgroup_free(cg);
}

/* exec --cgroup: runc's rules for the arguments, existing directories only. */
static void test_descend(void)
{
        char root[] = "/tmp/cell-unit-sub-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        const char *made[] = {"pids",        "pids/c",        "pids/c/sub",
                              "cpu,cpuacct", "cpu,cpuacct/c", "cpu,cpuacct/c/sub",
                              "unified",     "unified/c"};
        char path[PATH_MAX];
        for (size_t i = 0; i < CELL_ARRAY_SIZE(made); i++) {
                snprintf(path, sizeof(path), "%s/%s", root, made[i]);
                CHECK_INT_EQ(mkdir(path, 0755), 0);
        }
        struct cell_cgroup *cg = fake_handle(root);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cgroup_descend(cg, (char *[]){"pids,cpuacct:./sub/", NULL}, &err), 0);
        snprintf(path, sizeof(path), "%s/pids/c/sub", root);
        CHECK_STR_EQ(cg->dirs[0].path, path);
        snprintf(path, sizeof(path), "%s/cpu,cpuacct/c/sub", root);
        CHECK_STR_EQ(cg->dirs[1].path, path);
        snprintf(path, sizeof(path), "%s/unified/c", root);
        CHECK_STR_EQ(cg->dirs[2].path, path);
        cell_cgroup_free(cg);

        expect_descend(root, (char *[]){"pids:sub", "cpu:sub", NULL}, NULL);
        expect_descend(root, (char *[]){"pids:..", NULL}, ".. is not a sub cgroup path");
        expect_descend(root, (char *[]){"pids:sub/../x", NULL}, "is not a sub cgroup path");
        expect_descend(root, (char *[]){"pids:none", NULL}, "No such file or directory");
        expect_descend(root, (char *[]){"memory:sub", NULL}, "unknown controller memory");
        expect_descend(root, (char *[]){"pids:sub", "pids:sub", NULL},
                       "controller pids specified multiple times");
        expect_descend(root, (char *[]){"pids,pids:sub", NULL},
                       "controller pids specified multiple times");
        expect_descend(root, (char *[]){",pids:sub", NULL}, "(empty <controller> prefix)");
        expect_descend(root, (char *[]){"pids:a:b", NULL}, "invalid --cgroup argument: pids:a:b");
        expect_descend(root, (char *[]){"sub", "pids:sub", NULL}, "(missing <controller>: prefix)");
        /* One path for every hierarchy: cgroup2 has no "sub" here. */
        expect_descend(root, (char *[]){"sub", NULL}, "unified/c/sub");
        expect_descend(root, (char *[]){"cpu:sub", "cpuacct:sub", NULL}, NULL);
        expect_descend(root, (char *[]){"cpu:sub", "cpuacct:.", NULL},
                       "shares hierarchy cpu,cpuacct");
        expect_descend(root, NULL, NULL);
        for (size_t i = CELL_ARRAY_SIZE(made); i-- > 0;) {
                snprintf(path, sizeof(path), "%s/%s", root, made[i]);
                rmdir(path);
        }
        rmdir(root);
}

UNIT_MAIN(UNIT_TEST(test_descend), UNIT_TEST(test_parse_mountinfo), UNIT_TEST(test_clean_path),
          UNIT_TEST(test_derive_path), UNIT_TEST(test_own_path),
          UNIT_TEST(test_serialize_round_trip), UNIT_TEST(test_convert),
          UNIT_TEST(test_plan_hybrid), UNIT_TEST(test_plan_v2),
          UNIT_TEST(test_plan_missing_controller), UNIT_TEST(test_plan_execute_alt),
          UNIT_TEST(test_ebpf_build))
