/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox/lsm.c: AppArmor and SELinux detection and the exec attribute,
 * against fake /sys and /proc trees; and the write itself, which cell-dmz
 * makes right before it execs the user's program (runtime/dmz.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/dmz.h"
#include "runtime/sync.h"
#include "sandbox/lsm.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char root[] = "/tmp/cell-lsm-XXXXXX";

static void put(const char *rel, const char *content)
{
        _cleanup_free_ char *path = xasprintf("%s%s", root, rel);
        struct cell_error err = {0};
        _cleanup_free_ char *dir = xstrdup(path);
        *strrchr(dir, '/') = '\0';
        CHECK_INT_EQ(cell_mkdir_p(dir, 0755, &err), 0);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static void reset(void)
{
        _cleanup_free_ char *cmd = xasprintf("rm -rf %s/sys %s/proc", root, root);
        CHECK_INT_EQ(system(cmd), 0);
}

#define MOUNTINFO_EXT4 "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
#define MOUNTINFO_SELINUX                                                                          \
        "30 22 0:28 / /sys/fs/selinux rw,relatime shared:9 - selinuxfs selinuxfs rw\n"

static void test_detection(void)
{
        reset();
        put("/proc/self/mountinfo", MOUNTINFO_EXT4);
        CHECK_INT_EQ(cell_lsm_enabled(root), 0);
        /* The module loaded but off ("N"), or no securityfs entry: not enabled. */
        put("/sys/module/apparmor/parameters/enabled", "N\n");
        put("/sys/kernel/security/apparmor/profiles", "");
        CHECK_INT_EQ(cell_lsm_enabled(root), 0);
        put("/sys/module/apparmor/parameters/enabled", "Y\n");
        CHECK_INT_EQ(cell_lsm_enabled(root), CELL_LSM_APPARMOR);
        reset();
        put("/sys/module/apparmor/parameters/enabled", "Y\n");
        CHECK_INT_EQ(cell_lsm_enabled(root), 0);
        put("/proc/self/mountinfo", MOUNTINFO_EXT4 MOUNTINFO_SELINUX);
        CHECK_INT_EQ(cell_lsm_enabled(root), CELL_LSM_SELINUX);
}

static void test_refused_without_the_module(void)
{
        reset();
        put("/proc/self/mountinfo", MOUNTINFO_EXT4);
        struct cell_error err = {0};
        struct cell_lsm_attr a;
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "process.apparmorProfile", "x",
                                        "process.selinuxLabel", NULL, &a, &err),
                     -1);
        CHECK_STR_EQ(err.msg,
                     "process.apparmorProfile \"x\": AppArmor is not enabled on this host");
        CHECK(a.path == NULL);
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "--apparmor", NULL, "--process-label",
                                        "system_u:system_r:container_t:s0", &a, &err),
                     -1);
        CHECK_STR_EQ(err.msg, "--process-label \"system_u:system_r:container_t:s0\": SELinux is "
                              "not enabled on this host");
        /* Nothing asked, nothing to check or write (and an empty string is nothing). */
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "a", "", "b", NULL, &a, &err), 0);
        CHECK(a.path == NULL && a.value == NULL);
}

static void test_apparmor_attribute(void)
{
        reset();
        put("/sys/module/apparmor/parameters/enabled", "Y\n");
        put("/sys/kernel/security/apparmor/profiles", "");
        put("/proc/self/attr/exec", "");
        struct cell_error err = {0};
        struct cell_lsm_attr a;
        /* A kernel without the per-LSM directory: the shared file. */
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "p", "docker-default", "l", NULL, &a, &err), 0);
        CHECK_STR_EQ(a.path, "/proc/self/attr/exec");
        CHECK_STR_EQ(a.value, "exec docker-default");
        cell_lsm_attr_release(&a);
        put("/proc/self/attr/apparmor/exec", "");
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "p", "docker-default", "l", NULL, &a, &err), 0);
        CHECK_STR_EQ(a.path, "/proc/self/attr/apparmor/exec");
        CHECK_STR_EQ(a.value, "exec docker-default");
        cell_lsm_attr_release(&a);
        /* A label on an AppArmor host is still refused. */
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "p", NULL, "process.selinuxLabel", "x", &a, &err),
                     -1);
        CHECK_CONTAINS(err.msg, "SELinux is not enabled on this host");
}

static void test_selinux_attribute(void)
{
        reset();
        put("/proc/self/mountinfo", MOUNTINFO_SELINUX);
        struct cell_error err = {0};
        struct cell_lsm_attr a;
        CHECK_INT_EQ(cell_lsm_exec_attr(root, "p", NULL, "l", "system_u:system_r:container_t:s0:c1",
                                        &a, &err),
                     0);
        CHECK_STR_EQ(a.path, "/proc/self/attr/exec");
        CHECK_STR_EQ(a.value, "system_u:system_r:container_t:s0:c1");
        cell_lsm_attr_release(&a);
}

/*
 * cell-dmz writes the attribute, then execs argv: run `sh -c CMD` through it
 * and return the sync socket's first message type (0 at EOF: exec'd) with
 * the child's stdout in `out`.
 */
static int run_dmz(const struct cell_lsm_attr *attr, const char *cmd, char *out, size_t size,
                   struct cell_sync_msg *m)
{
        struct cell_error err = {0};
        int dmz = cell_dmz_open(&err);
        int sp[2], pipefd[2];
        CHECK(dmz >= 0);
        CHECK_INT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
        CHECK_INT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                dup2(pipefd[1], 1);
                char *argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
                char *envp[] = {NULL};
                cell_dmz_exec(dmz, "/bin/sh", argv, envp, sp[1], 0, NULL, attr);
                _exit(99);
        }
        close(sp[1]);
        close(pipefd[1]);
        close(dmz);
        memset(m, 0, sizeof(*m));
        int r = cell_sync_recv(sp[0], m, NULL, &err);
        ssize_t n = read(pipefd[0], out, size - 1);
        out[n > 0 ? n : 0] = '\0';
        waitpid(pid, NULL, 0);
        close(sp[0]);
        close(pipefd[0]);
        return r > 0 ? m->type : 0;
}

static void test_dmz_writes_the_attribute(void)
{
        /* No LSM here to take an exec label, so the write goes to another
         * procfs file of the process' own that survives execve. */
        struct cell_lsm_attr attr = {(char *)"/proc/self/oom_score_adj", (char *)"789"};
        char out[64];
        struct cell_sync_msg m;
        CHECK_INT_EQ(run_dmz(&attr, "cat /proc/self/oom_score_adj", out, sizeof(out), &m), 0);
        CHECK_STR_EQ(out, "789\n");
}

static void test_dmz_refuses_an_attribute_off_procfs(void)
{
        /* A file mounted over /proc/self/attr (CVE-2019-16884) confines nothing. */
        reset();
        put("/proc/self/attr/exec", "");
        _cleanup_free_ char *fake = xasprintf("%s/proc/self/attr/exec", root);
        struct cell_lsm_attr attr = {fake, (char *)"exec docker-default"};
        char out[64];
        struct cell_sync_msg m;
        CHECK_INT_EQ(run_dmz(&attr, "echo ran", out, sizeof(out), &m), CELL_SYNC_ERROR);
        CHECK_CONTAINS(m.msg, "not on procfs");
        CHECK_STR_EQ(out, "");
        _cleanup_free_ char *content = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_read_file(fake, &content, NULL, &err), 0);
        CHECK_STR_EQ(content, "");
}

static void test_dmz_reports_a_refused_write(void)
{
        /* This host has no LSM: the kernel refuses an exec label. */
        if (cell_lsm_enabled(""))
                return;
        struct cell_lsm_attr attr = {(char *)"/proc/self/attr/exec", (char *)"exec unconfined"};
        char out[64];
        struct cell_sync_msg m;
        CHECK_INT_EQ(run_dmz(&attr, "echo ran", out, sizeof(out), &m), CELL_SYNC_ERROR);
        CHECK_CONTAINS(m.msg, "/proc/self/attr/exec");
        CHECK_STR_EQ(out, "");
}

static void test_setup(void)
{
        CHECK(mkdtemp(root) != NULL);
}

static void test_teardown(void)
{
        _cleanup_free_ char *cmd = xasprintf("rm -rf %s", root);
        CHECK_INT_EQ(system(cmd), 0);
}

UNIT_MAIN(UNIT_TEST(test_setup), UNIT_TEST(test_detection),
          UNIT_TEST(test_refused_without_the_module), UNIT_TEST(test_apparmor_attribute),
          UNIT_TEST(test_selinux_attribute), UNIT_TEST(test_dmz_writes_the_attribute),
          UNIT_TEST(test_dmz_refuses_an_attribute_off_procfs),
          UNIT_TEST(test_dmz_reports_a_refused_write), UNIT_TEST(test_teardown))
