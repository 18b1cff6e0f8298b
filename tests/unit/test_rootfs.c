/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of src/sandbox/ rootfs handling: mount plans, MS_* ->
 * MOUNT_ATTR_* translation, lexical path cleaning, and the refusals that
 * happen before any syscall.  Runs without root; the mounting itself is
 * exercised by rootfs_driver.c.
 */
#include <sys/mount.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "sandbox/rootfs.h"
#include "unit.h"
#include "util/cleanup.h"

static struct cell_mount mount_of(const char *type, const char *source, const char *dest,
                                  unsigned long flags)
{
        struct cell_mount m = {0};
        m.type = (char *)type;
        m.source = (char *)source;
        m.destination = (char *)dest;
        m.flags = flags;
        m.bind = type && !strcmp(type, "bind");
        return m;
}

static void check_clean(const char *in, const char *out)
{
        _cleanup_free_ char *c = cell_path_clean(in);
        CHECK_STR_EQ(c, out);
}

static void test_path_clean(void)
{
        check_clean("/", "/");
        check_clean("", "/");
        check_clean("/proc", "/proc");
        check_clean("/a//b/./c/", "/a/b/c");
        check_clean("/etc/../..", "/");
        check_clean("/../../../../tmp/hostdir", "/tmp/hostdir");
        check_clean("/a/b/../../c", "/c");
        check_clean("relative/x", "/relative/x");
        check_clean("/a/..b/.c", "/a/..b/.c");
}

static void test_path_prefix(void)
{
        CHECK(cell_path_has_prefix("/proc", "/proc"));
        CHECK(cell_path_has_prefix("/proc/sys", "/proc"));
        CHECK(!cell_path_has_prefix("/procfoo", "/proc"));
        CHECK(cell_path_has_prefix("/anything", "/"));
        CHECK(!cell_path_has_prefix("/sys", "/sys/fs/cgroup"));
}

static void test_plan_proc(void)
{
        struct cell_mount m = mount_of("proc", "proc", "/proc", MS_NOSUID | MS_NOEXEC | MS_NODEV);
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 1);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_MOUNT);
        CHECK_STR_EQ(plan.ops[0].type, "proc");
        CHECK_INT_EQ(plan.ops[0].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
        CHECK(!plan.bind);
}

static void test_plan_tmpfs_data_and_propagation(void)
{
        struct cell_mount m = mount_of("tmpfs", NULL, "/run", MS_NOSUID);
        m.data = "mode=755,size=65536k";
        m.propagation = MS_SHARED | MS_REC;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 2);
        CHECK_STR_EQ(plan.ops[0].source, "tmpfs"); /* no source: the type stands in */
        CHECK_STR_EQ(plan.ops[0].data, "mode=755,size=65536k");
        CHECK_INT_EQ(plan.ops[0].flags, MS_NOSUID); /* propagation never goes to mount(2) */
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_PROPAGATE);
        CHECK_INT_EQ(plan.ops[1].flags, MS_SHARED | MS_REC);
}

static void test_plan_tmpcopyup_readonly(void)
{
        struct cell_mount m = mount_of("tmpfs", "tmpfs", "/etc", MS_RDONLY | MS_NODEV);
        m.copy_up = true;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK(plan.copy_up);
        CHECK_INT_EQ(plan.n_ops, 3);
        /* writable while the old content is copied in, read-only afterwards */
        CHECK_INT_EQ(plan.ops[0].flags, MS_NODEV);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_COPYUP);
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_SETATTR);
        CHECK_INT_EQ(plan.ops[2].attr_set, MOUNT_ATTR_RDONLY);
}

static void test_plan_bind(void)
{
        struct cell_mount m = mount_of("bind", "/src", "/dst", MS_BIND | MS_RDONLY | MS_NOSUID);
        m.clear_flags = MS_NOEXEC;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK(plan.bind && !plan.recursive_bind);
        CHECK_INT_EQ(plan.n_ops, 3);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CLONE);
        CHECK_STR_EQ(plan.ops[0].source, "/src");
        CHECK(!plan.ops[0].recursive);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_SETATTR);
        CHECK_INT_EQ(plan.ops[1].attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
        CHECK_INT_EQ(plan.ops[1].attr_clr, MOUNT_ATTR_NOEXEC);
        CHECK(!plan.ops[1].recursive); /* "ro" applies to the top mount, as in runc */
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_ATTACH);
}

static void test_plan_rbind_recursive_attrs(void)
{
        struct cell_mount m = mount_of(NULL, "/src", "/dst", MS_BIND | MS_REC);
        m.bind = true;
        m.recursive = true;
        m.attr_set = MOUNT_ATTR_RDONLY;
        m.propagation = MS_PRIVATE;
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK(plan.recursive_bind);
        CHECK_INT_EQ(plan.n_ops, 4); /* clone, attach, recursive setattr, propagation */
        CHECK(plan.ops[0].recursive);
        CHECK_INT_EQ(plan.ops[1].kind, CELL_MOP_ATTACH);
        CHECK_INT_EQ(plan.ops[2].kind, CELL_MOP_SETATTR);
        CHECK(plan.ops[2].recursive);
        CHECK_INT_EQ(plan.ops[2].attr_set, MOUNT_ATTR_RDONLY);
        CHECK_INT_EQ(plan.ops[3].kind, CELL_MOP_PROPAGATE);
}

static void test_plan_cgroup_and_invalid(void)
{
        struct cell_mount m = mount_of("cgroup", "cgroup", "/sys/fs/cgroup", MS_RDONLY);
        struct cell_mount_plan plan;
        struct cell_error err;
        CHECK(cell_mount_plan_build(&m, &plan, &err) == 0);
        CHECK_INT_EQ(plan.n_ops, 1);
        CHECK_INT_EQ(plan.ops[0].kind, CELL_MOP_CGROUP);

        m = mount_of(NULL, "x", "/x", 0);
        CHECK(cell_mount_plan_build(&m, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "type missing");
        m = mount_of("bind", NULL, "/x", 0);
        CHECK(cell_mount_plan_build(&m, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "without a source");
        m = mount_of("bind", "/src", "/x", 0);
        m.idmap = true;
        CHECK(cell_mount_plan_build(&m, &plan, &err) < 0);
        CHECK_CONTAINS(err.msg, "idmapped");
}

static void test_flags_to_attr(void)
{
        uint64_t set, clr;
        cell_mount_flags_to_attr(MS_NOATIME | MS_NODEV, MS_RDONLY, &set, &clr);
        CHECK_INT_EQ(set, MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODEV);
        CHECK_INT_EQ(clr, MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY);
        cell_mount_flags_to_attr(MS_STRICTATIME, 0, &set, &clr);
        CHECK_INT_EQ(set, MOUNT_ATTR_STRICTATIME);
        CHECK_INT_EQ(clr, MOUNT_ATTR__ATIME);
        cell_mount_flags_to_attr(0, 0, &set, &clr);
        CHECK_INT_EQ(set, 0);
        CHECK_INT_EQ(clr, 0);
}

static void test_no_mount_namespace(void)
{
        struct cell_mount m = mount_of("proc", "proc", "/proc", 0);
        struct cell_spec spec = {0};
        spec.mounts = &m;
        spec.n_mounts = 1;
        struct cell_error err;
        CHECK(cell_rootfs_mount_all(&spec, "/nonexistent", &err) < 0);
        CHECK_CONTAINS(err.msg, "mounts[0] (/proc)");
        CHECK_CONTAINS(err.msg, "linux.namespaces");

        spec.n_mounts = 0;
        CHECK(cell_rootfs_mount_all(&spec, "/nonexistent", &err) == 0);
        char *masked[] = {"/proc/kcore", NULL};
        spec.linux.masked_paths = masked;
        spec.linux.n_masked_paths = 1;
        CHECK(cell_rootfs_finalize(&spec, &err) < 0);
        CHECK_CONTAINS(err.msg, "linux.namespaces");
}

UNIT_MAIN(UNIT_TEST(test_path_clean), UNIT_TEST(test_path_prefix), UNIT_TEST(test_plan_proc),
          UNIT_TEST(test_plan_tmpfs_data_and_propagation), UNIT_TEST(test_plan_tmpcopyup_readonly),
          UNIT_TEST(test_plan_bind), UNIT_TEST(test_plan_rbind_recursive_attrs),
          UNIT_TEST(test_plan_cgroup_and_invalid), UNIT_TEST(test_flags_to_attr),
          UNIT_TEST(test_no_mount_namespace))
