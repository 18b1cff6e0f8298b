/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of runtime/intelrdt.c against a fake resctrl directory: the
 * schemata text the spec's rules give, the group made (or a shared one
 * joined and checked), the pid written, monitoring, and removal.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/intelrdt.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *read_text(const char *dir, const char *name)
{
        _cleanup_free_ char *path = cell_path_join(dir, name);
        struct cell_error err = {0};
        char *text = NULL;
        size_t len;
        if (cell_read_file(path, &text, &len, &err) < 0)
                return xstrdup("<missing>");
        return text;
}

static void put_text(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *path = cell_path_join(dir, name);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void unlink_in(const char *dir, const char *name)
{
        _cleanup_free_ char *path = cell_path_join(dir, name);
        unlink(path);
}

static bool exists(const char *dir, const char *name)
{
        _cleanup_free_ char *path = cell_path_join(dir, name);
        struct stat st;
        return stat(path, &st) == 0;
}

/* A resctrl root: its two files.  And a state directory beside it. */
static char *fake_root(int *state_dirfd)
{
        char *base = xstrdup("/tmp/cell-rdt-XXXXXX");
        CHECK(mkdtemp(base) != NULL);
        _cleanup_free_ char *root = cell_path_join(base, "resctrl");
        _cleanup_free_ char *state = cell_path_join(base, "state");
        CHECK_INT_EQ(mkdir(root, 0755), 0);
        CHECK_INT_EQ(mkdir(state, 0755), 0);
        put_text(root, "schemata", "L3:0=fff\n");
        put_text(root, "tasks", "");
        *state_dirfd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return base;
}

static void remove_base(char *base, int state_dirfd)
{
        struct cell_error err = {0};
        close(state_dirfd);
        _cleanup_free_ char *parent = xstrdup("/tmp");
        _cleanup_close_ int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cell_remove_tree_at(fd, base + 5, &err);
        free(base);
}

static void test_schemata_rules(void)
{
        struct cell_intel_rdt r = {.set = true};
        CHECK(cell_intelrdt_schemata(&r) == NULL);
        r.l3_cache_schema = (char *)"L3:0=7f0;1=1f";
        _cleanup_free_ char *a = cell_intelrdt_schemata(&r);
        CHECK_STR_EQ(a, "L3:0=7f0;1=1f\n");
        /* An MB: line in l3CacheSchema gives way to memBwSchema. */
        r.l3_cache_schema = (char *)"L3:0=7f0\nMB:0=10";
        r.mem_bw_schema = (char *)"MB:0=20;1=70";
        _cleanup_free_ char *b = cell_intelrdt_schemata(&r);
        CHECK_STR_EQ(b, "L3:0=7f0\nMB:0=20;1=70\n");
        /* Without memBwSchema it stays. */
        r.mem_bw_schema = NULL;
        _cleanup_free_ char *c = cell_intelrdt_schemata(&r);
        CHECK_STR_EQ(c, "L3:0=7f0\nMB:0=10\n");
        /* schemata lines come last, so they win. */
        char *lines[] = {(char *)"L3:0=f", (char *)"L2:0=3", NULL};
        r.schemata = lines;
        r.n_schemata = 2;
        _cleanup_free_ char *d = cell_intelrdt_schemata(&r);
        CHECK_STR_EQ(d, "L3:0=7f0\nMB:0=10\nL3:0=f\nL2:0=3\n");
}

static void test_not_mounted(void)
{
        struct cell_error err = {0};
        CHECK(cell_intelrdt_check("/nonexistent/resctrl", &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.intelRdt: resctrl is not supported");
        char dir[] = "/tmp/cell-rdt-empty-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        CHECK(cell_intelrdt_check(dir, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.intelRdt: resctrl is not mounted on this host");
        rmdir(dir);
}

static void test_own_group(void)
{
        int sfd;
        char *base = fake_root(&sfd);
        _cleanup_free_ char *root = cell_path_join(base, "resctrl");
        struct cell_error err = {0};
        char *lines[] = {(char *)"MB:0=50", NULL};
        struct cell_intel_rdt r = {.set = true,
                                   .l3_cache_schema = (char *)"L3:0=f",
                                   .schemata = lines,
                                   .n_schemata = 1,
                                   .enable_monitoring = true};
        CHECK_INT_EQ(cell_intelrdt_apply(root, &r, "web", 4242, sfd, &err), 0);
        _cleanup_free_ char *group = cell_path_join(root, "web");
        _cleanup_free_ char *schemata = read_text(group, "schemata");
        _cleanup_free_ char *tasks = read_text(group, "tasks");
        _cleanup_free_ char *mon_tasks = read_text(group, "mon_groups/web/tasks");
        CHECK_STR_EQ(schemata, "L3:0=f\nMB:0=50\n");
        CHECK_STR_EQ(tasks, "4242\n");
        CHECK_STR_EQ(mon_tasks, "4242\n");
        /* The fake has files the kernel would remove with the directory. */
        _cleanup_free_ char *mon = cell_path_join(group, "mon_groups/web");
        _cleanup_free_ char *mon_groups = cell_path_join(group, "mon_groups");
        unlink_in(mon, "tasks");
        unlink_in(group, "tasks");
        unlink_in(group, "schemata");
        /* The kernel removes a group's mon_groups with it; the fake cannot,
         * which shows how a failed removal reads. */
        CHECK_INT_EQ(cell_intelrdt_remove(sfd, &err), -1);
        CHECK_CONTAINS(err.msg, "linux.intelRdt: remove");
        rmdir(mon_groups);
        CHECK_INT_EQ(cell_intelrdt_remove(sfd, &err), 0);
        CHECK(!exists(root, "web"));
        CHECK_INT_EQ(cell_intelrdt_remove(sfd, &err), 0); /* nothing left to do */
        remove_base(base, sfd);
}

static void test_shared_group(void)
{
        int sfd;
        char *base = fake_root(&sfd);
        _cleanup_free_ char *root = cell_path_join(base, "resctrl");
        _cleanup_free_ char *group = cell_path_join(root, "gold");
        CHECK_INT_EQ(mkdir(group, 0755), 0);
        put_text(group, "schemata", "    L3:0=00f;1=0ff\n    MB:0= 20;1= 70\n");
        struct cell_error err = {0};
        struct cell_intel_rdt r = {.set = true,
                                   .clos_id = (char *)"gold",
                                   .l3_cache_schema = (char *)"L3:0=f;1=ff",
                                   .mem_bw_schema = (char *)"MB:0=20;1=70"};
        CHECK_INT_EQ(cell_intelrdt_apply(root, &r, "web", 77, sfd, &err), 0);
        _cleanup_free_ char *tasks = read_text(group, "tasks");
        CHECK_STR_EQ(tasks, "77\n");
        /* Joined, not made: delete leaves it. */
        CHECK_INT_EQ(cell_intelrdt_remove(sfd, &err), 0);
        CHECK(exists(root, "gold"));
        r.mem_bw_schema = (char *)"MB:0=30;1=70";
        CHECK(cell_intelrdt_apply(root, &r, "web", 77, sfd, &err) < 0);
        CHECK_CONTAINS(err.msg, "other schemata than the config asks (MB:0=30;1=70)");
        unlink_in(group, "tasks");
        unlink_in(group, "schemata");
        rmdir(group);
        remove_base(base, sfd);
}

UNIT_MAIN(UNIT_TEST(test_schemata_rules), UNIT_TEST(test_not_mounted), UNIT_TEST(test_own_group),
          UNIT_TEST(test_shared_group))
