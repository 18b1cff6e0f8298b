/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Live tests of src/cgroup/ on this host (run as root): create, enter
 * (by pid and by the process itself), limits landing in their files,
 * freeze, update, stats, rollback, the eBPF device program on the cgroup2
 * tree, hugetlb on v2, destroy.  Each test removes what it created.
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

#include "cgroup/convert.h"
#include "cgroup/devices_ebpf.h"
#include "cgroup/internal.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

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
        CHECK_INT_EQ(cell_cgroup_destroy(restored, NULL, &err), 0);
        int status = 0;
        CHECK_INT_EQ(waitpid(child, &status, 0), child);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        for (size_t i = 0; i < cg->n_dirs; i++)
                CHECK(!dir_exists(cg->dirs[i].path));
        /* idempotent */
        CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
        cell_cgroup_free(restored);
        cell_cgroup_free(cg);
        free(spec);
}

static char *read_in(const struct cell_cgroup *cg, enum cell_cg_controller c, const char *file)
{
        struct cell_cgroup_dir *d = cell_cg_dir_for(cg, c);
        char *text = NULL;
        if (!d || cell_cg_read(d->path, file, &text, NULL) < 0)
                return xstrdup("(unreadable)");
        return text;
}

static void check_gone(const struct cell_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                CHECK(!dir_exists(cg->dirs[i].path));
}

static void test_live_resources(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_resources *r = &spec->linux.resources;
        r->present = true;
        r->memory.has_limit = true;
        r->memory.limit = 64 << 20;
        r->pids.has_limit = true;
        r->pids.limit = 32;
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        _cleanup_free_ char *id = xasprintf("cell-unit-res-%d", (int)getpid());
        if (cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, id, spec, &cg, &err) < 0) {
                fprintf(stderr, "  create: %s\n", err.msg);
                CHECK(0);
                free(spec);
                return;
        }
        _cleanup_free_ char *limit = read_in(cg, CELL_CG_MEMORY, "memory.limit_in_bytes");
        _cleanup_free_ char *pids_max = read_in(cg, CELL_CG_PIDS, "pids.max");
        _cleanup_free_ char *devices = read_in(cg, CELL_CG_DEVICES, "devices.list");
        CHECK_STR_EQ(limit, "67108864\n");
        CHECK_STR_EQ(pids_max, "32\n");
        CHECK_CONTAINS(devices, "c 1:3 rwm");
        CHECK(!strstr(devices, "a *:* rwm"));

        pid_t child = fork_sleeper();
        CHECK_INT_EQ(cell_cgroup_enter(cg, child, false, &err), 0);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                _cleanup_free_ char *seen = proc_cgroup_dir(child, &cg->dirs[i]);
                CHECK_STR_EQ(seen, cg->dirs[i].path);
        }

        struct cell_cgroup_stats st;
        CHECK_INT_EQ(cell_cgroup_stats(cg, &st, &err), 0);
        CHECK_INT_EQ(st.pids.current, 1);
        CHECK_INT_EQ(st.pids.limit, 32);
        CHECK_INT_EQ(st.memory.usage.limit, 64 << 20);
        CHECK(st.memory.n_raw > 10);
        CHECK(st.cpu.n_percpu >= 1);
        cell_cgroup_stats_release(&st);

        bool frozen = true;
        CHECK_INT_EQ(cell_cgroup_freeze(cg, true, &err), 0);
        CHECK_INT_EQ(cell_cgroup_is_frozen(cg, &frozen, &err), 0);
        CHECK(frozen);
        CHECK_INT_EQ(cell_cgroup_freeze(cg, false, &err), 0);
        CHECK_INT_EQ(cell_cgroup_is_frozen(cg, &frozen, &err), 0);
        CHECK(!frozen);

        /* the cgroup2 freezer (cgroup.freeze), which every v2 cgroup has */
        struct cell_cgroup_dir *v2 = cell_cg_dir_v2(cg);
        CHECK(v2 != NULL);
        if (v2) {
                CHECK_INT_EQ(v2->driver->freeze(v2, true, &err), 0);
                _cleanup_free_ char *events = NULL;
                CHECK_INT_EQ(cell_cg_read(v2->path, "cgroup.events", &events, NULL), 0);
                CHECK_CONTAINS(events, "frozen 1");
                CHECK_INT_EQ(v2->driver->freeze(v2, false, &err), 0);
        }

        struct cell_resources up = {.present = true};
        up.pids.has_limit = true;
        up.pids.limit = 16;
        up.memory.has_limit = true;
        up.memory.limit = 128 << 20;
        CHECK_INT_EQ(cell_cgroup_update(cg, &up, &err), 0);
        _cleanup_free_ char *pids_after = read_in(cg, CELL_CG_PIDS, "pids.max");
        _cleanup_free_ char *limit_after = read_in(cg, CELL_CG_MEMORY, "memory.limit_in_bytes");
        CHECK_STR_EQ(pids_after, "16\n");
        CHECK_STR_EQ(limit_after, "134217728\n");
        /* update keeps the device rules when it brings none */
        _cleanup_free_ char *devices_after = read_in(cg, CELL_CG_DEVICES, "devices.list");
        CHECK_STR_EQ(devices_after, devices);

        /* a paused container is still deletable */
        CHECK_INT_EQ(cell_cgroup_freeze(cg, true, &err), 0);
        CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
        int status = 0;
        CHECK_INT_EQ(waitpid(child, &status, 0), child);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        check_gone(cg);
        cell_cgroup_free(cg);
        free(spec);
}

/* A limit the host cannot apply fails create, names field and file, and leaves nothing. */
static void test_live_unsupported_rolls_back(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_resources *r = &spec->linux.resources;
        r->present = true;
        r->pids.has_limit = true;
        r->pids.limit = 10;
        r->block_io.has_leaf_weight = true;
        r->block_io.leaf_weight = 100;
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        _cleanup_free_ char *id = xasprintf("cell-unit-bad-%d", (int)getpid());
        CHECK(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, id, spec, &cg, &err) < 0);
        CHECK(cg == NULL);
        CHECK_CONTAINS(err.msg, "linux.resources.blockIO.leafWeight: /sys/fs/cgroup/blkio/");
        CHECK_CONTAINS(err.msg, "/blkio.leaf_weight: No such file or directory");
        _cleanup_free_ char *pids_dir = xasprintf("/sys/fs/cgroup/pids/%s", id);
        CHECK(!dir_exists(pids_dir));
        free(spec);
}

/* The child reports (bit 0) whether /dev/null opened and (bit 1) /dev/zero did. */
static pid_t fork_device_prober(int *go)
{
        int fds[2];
        if (pipe(fds) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                char c;
                close(fds[1]);
                if (read(fds[0], &c, 1) != 1)
                        _exit(100);
                int a = open("/dev/null", O_RDWR), b = open("/dev/zero", O_RDONLY);
                _exit((a >= 0 ? 1 : 0) | (b >= 0 ? 2 : 0) | (b < 0 && errno == EPERM ? 4 : 0));
        }
        close(fds[0]);
        *go = fds[1];
        return pid;
}

static int probe_devices(const char *dir)
{
        int go = -1;
        pid_t pid = fork_device_prober(&go);
        if (pid < 0)
                return -1;
        char buf[24];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        CHECK_INT_EQ(cell_cg_write(dir, "cgroup.procs", buf, NULL), 0);
        CHECK_INT_EQ(write(go, "x", 1), 1);
        close(go);
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The eBPF device program loaded for real on this host's cgroup2 tree. */
static void test_live_ebpf(void)
{
        const struct cell_cg_host *host;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cg_host_get(&host, &err), 0);
        const struct cell_cg_mount *v2 = NULL;
        for (size_t i = 0; i < host->n_mounts; i++)
                if (host->mounts[i].v2)
                        v2 = &host->mounts[i];
        CHECK(v2 != NULL);
        if (!v2)
                return;
        _cleanup_free_ char *dir =
                xasprintf("%s/cell-unit-ebpf-%d", v2->mount_point, (int)getpid());
        CHECK_INT_EQ(mkdir(dir, 0755), 0);
        struct cell_device_rule only_null[] = {{false, 'a', -1, -1, "rwm"},
                                               {true, 'c', 1, 3, "rwm"}};
        CHECK_INT_EQ(cell_cg_devices_ebpf_attach(dir, only_null, 2, &err), 0);
        if (err.msg[0])
                fprintf(stderr, "  %s\n", err.msg);
        CHECK_INT_EQ(probe_devices(dir), 1 | 4);
        /* replacing the rules detaches the old program */
        struct cell_device_rule only_zero[] = {{true, 'c', 1, 5, "r"}};
        CHECK_INT_EQ(cell_cg_devices_ebpf_attach(dir, only_zero, 1, &err), 0);
        CHECK_INT_EQ(probe_devices(dir), 2);
        /* a later deny of write access wins over the earlier allow */
        struct cell_device_rule no_write[] = {{true, 'c', -1, -1, "rwm"}, {false, 'c', 1, 3, "w"}};
        CHECK_INT_EQ(cell_cg_devices_ebpf_attach(dir, no_write, 2, &err), 0);
        CHECK_INT_EQ(probe_devices(dir), 2);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += 5;
        size_t others = 0;
        CHECK_INT_EQ(cell_cg_remove_dir(dir, &deadline, NULL, NULL, &others, &err), 0);
        CHECK(!dir_exists(dir));
}

/*
 * hugetlb lives on the v2 tree here; using it means "+hugetlb" in the root's
 * cgroup.subtree_control (runc does the same).  The test restores it.
 */
static void test_live_hugetlb_on_v2(void)
{
        _cleanup_free_ char *before = NULL;
        if (cell_cg_read("/sys/fs/cgroup/unified", "cgroup.subtree_control", &before, NULL) < 0) {
                CHECK(0);
                return;
        }
        struct cell_spec *spec = empty_spec();
        struct cell_resources *r = &spec->linux.resources;
        r->present = true;
        r->hugepage_limits = (struct cell_hugepage_limit[]){{"2MB", 4 << 20}};
        r->n_hugepage_limits = 1;
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        _cleanup_free_ char *id = xasprintf("cell-unit-huge-%d", (int)getpid());
        CHECK_INT_EQ(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, id, spec, &cg, &err), 0);
        if (cg) {
                _cleanup_free_ char *max = read_in(cg, CELL_CG_HUGETLB, "hugetlb.2MB.max");
                CHECK_STR_EQ(max, "4194304\n");
                struct cell_cgroup_stats st;
                CHECK_INT_EQ(cell_cgroup_stats(cg, &st, &err), 0);
                CHECK(st.n_hugetlb >= 1);
                cell_cgroup_stats_release(&st);
                CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
                check_gone(cg);
                cell_cgroup_free(cg);
        } else {
                fprintf(stderr, "  create: %s\n", err.msg);
        }
        if (!strstr(before, "hugetlb"))
                CHECK_INT_EQ(cell_cg_write("/sys/fs/cgroup/unified", "cgroup.subtree_control",
                                           "-hugetlb", NULL),
                             0);
        free(spec);
}

static void test_host_report(void)
{
        char *text = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cgroup_host_report(&text, &err), 0);
        CHECK_CONTAINS(text, "cgroup mode: hybrid\n");
        CHECK_CONTAINS(text,
                       "/sys/fs/cgroup/memory: cgroup v1, controllers: memory, favordynmods: ");
        CHECK_CONTAINS(text, "/sys/fs/cgroup/unified: cgroup2, controllers: hugetlb");
        CHECK_CONTAINS(text, "name=systemd");
        free(text);
}

/* The container's init joins by itself (v1: "0" into tasks, no RCU wait). */
static void test_live_enter_self(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_cgroup *cg = NULL;
        struct cell_error err = {0};
        _cleanup_free_ char *id = xasprintf("cell-unit-self-%d", (int)getpid());
        CHECK_INT_EQ(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, id, spec, &cg, &err), 0);
        if (!cg) {
                free(spec);
                return;
        }
        int ready[2], done[2];
        CHECK_INT_EQ(pipe(ready), 0);
        CHECK_INT_EQ(pipe(done), 0);
        pid_t child = fork();
        if (child == 0) {
                char c = cell_cgroup_enter_self(cg, false, NULL) == 0 ? 'y' : 'n';
                if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
                        _exit(2);
                _exit(0);
        }
        char c = 0;
        CHECK_INT_EQ(read(ready[0], &c, 1), 1);
        CHECK_INT_EQ(c, 'y');
        for (size_t i = 0; i < cg->n_dirs; i++) {
                _cleanup_free_ char *seen = proc_cgroup_dir(child, &cg->dirs[i]);
                CHECK_STR_EQ(seen, cg->dirs[i].path);
        }
        CHECK_INT_EQ(write(done[1], "x", 1), 1);
        int status = -1;
        CHECK_INT_EQ(waitpid(child, &status, 0), child);
        CHECK_INT_EQ(status, 0);
        for (int i = 0; i < 2; i++) {
                close(ready[i]);
                close(done[i]);
        }
        CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
        check_gone(cg);
        cell_cgroup_free(cg);
        free(spec);
}

static bool owns_nothing(pid_t pid, void *data)
{
        (void)pid;
        (void)data;
        return false;
}

/* Every hierarchy's directory of `cg` at <mount>/<top>, and whether each exists. */
static bool tops_exist(const struct cell_cgroup *cg, const char *top, bool want)
{
        bool ok = true;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                _cleanup_free_ char *d = xasprintf("%s/%s", cg->dirs[i].mount_point, top);
                ok = ok && dir_exists(d) == want;
        }
        return ok;
}

/*
 * The levels cell made are recorded, and destroy removes those and no
 * other; a second handle on the same path joins (made 0), and its destroy
 * leaves the directory and a process that is not its own alone.
 */
static void test_live_made_levels(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_error err = {0};
        _cleanup_free_ char *top = xasprintf("cell-unit-made-%d", (int)getpid());
        _cleanup_free_ char *path = xasprintf("/%s/a/b", top);
        spec->linux.cgroups_path = path;
        struct cell_cgroup *cg = NULL, *joined = NULL;
        CHECK_INT_EQ(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, "m", spec, &cg, &err), 0);
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n_dirs; i++)
                CHECK_INT_EQ(cg->dirs[i].made, 3);
        _cleanup_free_ char *saved = cell_cgroup_to_string(cg);
        CHECK_CONTAINS(saved, "\"made\":3");
        CHECK_INT_EQ(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, "j", spec, &joined, &err), 0);
        pid_t other = fork_sleeper();
        CHECK_INT_EQ(cell_cgroup_enter(cg, other, false, &err), 0);
        for (size_t i = 0; joined && i < joined->n_dirs; i++)
                CHECK_INT_EQ(joined->dirs[i].made, 0);
        struct cell_cgroup_owner none = {.owns = owns_nothing};
        CHECK_INT_EQ(cell_cgroup_destroy(joined, &none, &err), 0);
        CHECK(kill(other, 0) == 0);
        CHECK(tops_exist(cg, top, true));
        /* the maker's destroy with an owner that owns nothing leaves it, with the process */
        CHECK_INT_EQ(cell_cgroup_destroy(cg, &none, &err), 0);
        CHECK(kill(other, 0) == 0);
        for (size_t i = 0; i < cg->n_dirs; i++)
                CHECK(dir_exists(cg->dirs[i].path));
        /* owning everything: killed, and all three levels removed */
        CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
        int status = 0;
        CHECK_INT_EQ(waitpid(other, &status, 0), other);
        CHECK(tops_exist(cg, top, false));
        cell_cgroup_free(joined);
        cell_cgroup_free(cg);
        free(spec);
}

/* A pre-existing frozen freezer cgroup is refused before anything joins it; what was made goes. */
static void test_live_frozen_refused(void)
{
        struct cell_spec *spec = empty_spec();
        struct cell_error err = {0};
        _cleanup_free_ char *top = xasprintf("cell-unit-frozen-%d", (int)getpid());
        _cleanup_free_ char *path = xasprintf("/%s", top);
        _cleanup_free_ char *freezer = xasprintf("/sys/fs/cgroup/freezer/%s", top);
        spec->linux.cgroups_path = path;
        CHECK_INT_EQ(mkdir(freezer, 0755), 0);
        CHECK_INT_EQ(cell_cg_write(freezer, "freezer.state", "FROZEN", &err), 0);
        struct cell_cgroup *cg = NULL;
        CHECK(cell_cgroup_create(CELL_CGROUP_MANAGER_CGROUPFS, "f", spec, &cg, &err) < 0);
        _cleanup_free_ char *want = xasprintf("cgroup %s is frozen", freezer);
        CHECK_CONTAINS(err.msg, want);
        CHECK(cg == NULL);
        const struct cell_cg_host *host;
        CHECK_INT_EQ(cell_cg_host_get(&host, &err), 0);
        for (size_t i = 0; i < host->n_mounts; i++) {
                _cleanup_free_ char *d = xasprintf("%s/%s", host->mounts[i].mount_point, top);
                CHECK(dir_exists(d) == !strcmp(d, freezer));
        }
        cell_cg_write(freezer, "freezer.state", "THAWED", NULL);
        rmdir(freezer);
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
        CHECK_INT_EQ(cell_cgroup_destroy(cg, NULL, &err), 0);
        cell_cgroup_free(cg);
        CHECK(cell_cgroup_create(CELL_CGROUP_MANAGER_SYSTEMD, "x", spec, &cg, &err) < 0);
        CHECK_CONTAINS(err.msg, "systemd");
        free(spec);
}

UNIT_MAIN(UNIT_TEST(test_live_lifecycle), UNIT_TEST(test_live_enter_self),
          UNIT_TEST(test_live_resources), UNIT_TEST(test_live_unsupported_rolls_back),
          UNIT_TEST(test_live_ebpf), UNIT_TEST(test_live_hugetlb_on_v2),
          UNIT_TEST(test_host_report), UNIT_TEST(test_live_made_levels),
          UNIT_TEST(test_live_frozen_refused), UNIT_TEST(test_live_disabled))
