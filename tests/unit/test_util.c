/* SPDX-License-Identifier: Apache-2.0 */
/* util/: the mountinfo parser, option lists and path prefixes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util/fs.h"
#include "util/mountinfo.h"

static void test_mountinfo_split(void)
{
        char line[] = "36 35 98:0 /mnt\\0401 /mnt\\0402 rw,noatime shared:1 master:2 - ext3 "
                      "/dev/root rw,errors=continue";
        struct cell_mountinfo m;
        CHECK(cell_mountinfo_split(line, &m));
        CHECK_STR_EQ(m.devno, "98:0");
        CHECK_STR_EQ(m.root, "/mnt 1");
        CHECK_STR_EQ(m.mount_point, "/mnt 2");
        CHECK_STR_EQ(m.options, "rw,noatime");
        CHECK(m.shared);
        CHECK_STR_EQ(m.fstype, "ext3");
        CHECK_STR_EQ(m.source, "/dev/root");
        CHECK_STR_EQ(m.super_options, "rw,errors=continue");
}

static void test_mountinfo_split_no_optional_fields(void)
{
        char line[] = "44 43 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n";
        struct cell_mountinfo m;
        CHECK(cell_mountinfo_split(line, &m));
        CHECK_STR_EQ(m.mount_point, "/");
        CHECK(!m.shared);
        CHECK_STR_EQ(m.fstype, "ext4");
        CHECK_STR_EQ(m.super_options, "rw,discard"); /* without the newline */

        char master[] = "50 44 0:30 / /sys/fs/cgroup/cpu rw master:7 - cgroup cgroup rw,cpu";
        CHECK(cell_mountinfo_split(master, &m));
        CHECK(!m.shared); /* a slave, not shared */
}

static void test_mountinfo_split_malformed(void)
{
        const char *bad[] = {"", "36 35 98:0 / /", "36 35 98:0 / / rw shared:1 ext3 /dev/root rw",
                             "36 35 98:0 / / rw - ext3", "36 35 98:0 / / rw - ext3 /dev/root"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char buf[128];
                snprintf(buf, sizeof(buf), "%s", bad[i]);
                struct cell_mountinfo m;
                CHECK(!cell_mountinfo_split(buf, &m));
        }
}

static void test_option_listed(void)
{
        CHECK(cell_option_listed("rw,discard", "discard"));
        CHECK(cell_option_listed("discard", "discard"));
        CHECK(cell_option_listed("rw,cpu,cpuacct", "cpu"));
        CHECK(!cell_option_listed("rw,cpuacct", "cpu"));
        CHECK(!cell_option_listed("rw,nodiscard", "discard"));
        CHECK(!cell_option_listed("", "rw"));
        CHECK(cell_option_listed("rw,favordynmods", "favordynmods"));
}

static void test_mount_holding(void)
{
        struct cell_mount_holding m;
        struct cell_error err;
        cell_error_clear(&err);
        CHECK_INT_EQ(cell_mount_holding("/proc/self", &m, &err), 0);
        CHECK_STR_EQ(m.mount_point, "/proc");
        CHECK_STR_EQ(m.fstype, "proc");
        cell_mount_holding_free(&m);
        CHECK_INT_EQ(cell_mount_holding("/", &m, &err), 0);
        CHECK_STR_EQ(m.mount_point, "/");
        cell_mount_holding_free(&m);
}

static void test_path_has_prefix(void)
{
        CHECK(cell_path_has_prefix("/proc/sys", "/proc"));
        CHECK(cell_path_has_prefix("/proc", "/proc"));
        CHECK(cell_path_has_prefix("/anything", "/"));
        CHECK(!cell_path_has_prefix("/procfs", "/proc"));
        CHECK(!cell_path_has_prefix("/pro", "/proc"));
}

/* One read, NUL-terminated, cut to the buffer; -1 with errno for a missing file. */
static void test_read_small(void)
{
        char tmpl[] = "/tmp/cell-unit-read-XXXXXX";
        int fd = mkstemp(tmpl);
        CHECK(fd >= 0);
        CHECK(write(fd, "40\n", 3) == 3);
        close(fd);
        char buf[16];
        memset(buf, 'x', sizeof(buf));
        CHECK_INT_EQ(cell_read_small(tmpl, buf, sizeof(buf)), 3);
        CHECK_STR_EQ(buf, "40\n");
        char tiny[3];
        CHECK_INT_EQ(cell_read_small(tmpl, tiny, sizeof(tiny)), 2);
        CHECK_STR_EQ(tiny, "40");
        unlink(tmpl);
        errno = 0;
        CHECK_INT_EQ(cell_read_small(tmpl, buf, sizeof(buf)), -1);
        CHECK_INT_EQ(errno, ENOENT);
        /* a /proc file, as the callers read them */
        char status[4096];
        CHECK(cell_read_small("/proc/thread-self/status", status, sizeof(status)) > 0);
        CHECK(strstr(status, "\nSigIgn:\t") != NULL);
}

UNIT_MAIN(UNIT_TEST(test_mountinfo_split), UNIT_TEST(test_mountinfo_split_no_optional_fields),
          UNIT_TEST(test_mountinfo_split_malformed), UNIT_TEST(test_option_listed),
          UNIT_TEST(test_mount_holding), UNIT_TEST(test_path_has_prefix),
          UNIT_TEST(test_read_small))
