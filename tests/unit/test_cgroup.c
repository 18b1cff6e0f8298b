/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/cgroup/: mountinfo parsing, path derivation,
 * serialization, resource plans and conversions (no root needed), and a
 * live create/enter/destroy on the host (run as root; leaves nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
        cell_cg_host_release(&host);

        CHECK_INT_EQ(cell_cg_host_parse("41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,"
                                        "nsdelegate,favordynmods\n",
                                        &host, NULL),
                     0);
        CHECK_INT_EQ(host.mode, CELL_CGROUP_MODE_V2);
        CHECK(host.mounts[0].favordynmods);
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
                 CELL_CG_BIT(CELL_CG_CPU) | CELL_CG_BIT(CELL_CG_CPUACCT), -1},
                {&cell_cg_driver_v1, "name=systemd", "/sys/fs/cgroup/systemd/web",
                 "/sys/fs/cgroup/systemd", 0, -1},
                {&cell_cg_driver_v2, "", "/sys/fs/cgroup/unified/web", "/sys/fs/cgroup/unified", 0,
                 -1},
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
}

/* ---- live tests on this host (root) ---- */

static bool dir_exists(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The path of `pid` on the hierarchy `d` as /proc/<pid>/cgroup shows it, joined to its mount. */
static char *proc_cgroup_dir(pid_t pid, const struct cell_cgroup_dir *d)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *text = NULL, *own = NULL;
        if (cell_read_file(path, &text, NULL, NULL) < 0)
                return NULL;
        struct cell_cg_mount m = {.key = d->key,
                                  .v2 = d->driver == &cell_cg_driver_v2,
                                  .controllers = cell_cg_controller_mask(d->key, false),
                                  .mount_point = d->mount_point};
        if (cell_cg_own_path(text, &m, &own, NULL) < 0)
                return NULL;
        return xasprintf("%s%s", d->mount_point, own);
}

static pid_t fork_sleeper(void)
{
        pid_t pid = fork();
        if (pid == 0) {
                pause();
                _exit(0);
        }
        return pid;
}

static struct cell_spec *empty_spec(void)
{
        struct cell_spec *spec = xzalloc(sizeof(*spec));
        return spec;
}

static void test_live_lifecycle(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        _cleanup_free_ char *id = xasprintf("cell-unit-%d", (int)getpid());
        if (cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, id, spec, &cg, &err) < 0) {
                fprintf(stderr, "  create: %s\n", err.msg);
                CHECK(0);
                free(spec);
                return;
        }
        CHECK_INT_EQ(cg->mode, CELL_CGROUP_MODE_HYBRID);
        CHECK(cg->n_dirs >= 2);
        CHECK(cell_cgroup_clone_fd(cg) >= 0);
        pid_t child = fork_sleeper();
        CHECK_INT_EQ(cell_cgroup_enter(cg, child, false, &err), 0);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                CHECK(dir_exists(cg->dirs[i].path));
                _cleanup_free_ char *seen = proc_cgroup_dir(child, &cg->dirs[i]);
                CHECK_STR_EQ(seen, cg->dirs[i].path);
        }
        pid_t *pids = NULL;
        size_t n = 0;
        CHECK_INT_EQ(cell_cgroup_pids(cg, &pids, &n, &err), 0);
        CHECK_INT_EQ(n, 1);
        CHECK_INT_EQ(n ? pids[0] : 0, child);
        free(pids);

        /* A later process finds everything from the saved string. */
        _cleanup_free_ char *saved = cell_cgroup_to_string(cg);
        struct cell_cgroup *restored = NULL;
        CHECK_INT_EQ(cell_cgroup_from_string(saved, &restored, &err), 0);
        /* destroy kills the still-running child */
        CHECK_INT_EQ(cell_cgroup_destroy(restored, &err), 0);
        int status = 0;
        CHECK_INT_EQ(waitpid(child, &status, 0), child);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        for (size_t i = 0; i < cg->n_dirs; i++)
                CHECK(!dir_exists(cg->dirs[i].path));
        /* idempotent */
        CHECK_INT_EQ(cell_cgroup_destroy(cg, &err), 0);
        cell_cgroup_free(restored);
        cell_cgroup_free(cg);
        free(spec);
}

static void test_live_disabled(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cgroup_create(CELL_CGROUP_MANAGER_DISABLED, "x", spec, &cg, &err), 0);
        CHECK_INT_EQ(cell_cgroup_clone_fd(cg), -1);
        CHECK_INT_EQ(cell_cgroup_enter(cg, getpid(), false, &err), 0);
        CHECK_INT_EQ(cell_cgroup_destroy(cg, &err), 0);
        cell_cgroup_free(cg);
        CHECK(cell_cgroup_create(CELL_CGROUP_MANAGER_SYSTEMD, "x", spec, &cg, &err) < 0);
        CHECK_CONTAINS(err.msg, "systemd");
        free(spec);
}

UNIT_MAIN(UNIT_TEST(test_parse_mountinfo), UNIT_TEST(test_clean_path), UNIT_TEST(test_derive_path),
          UNIT_TEST(test_own_path), UNIT_TEST(test_serialize_round_trip),
          UNIT_TEST(test_live_lifecycle), UNIT_TEST(test_live_disabled))
