/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-process attributes (sandbox/process.c, identity.c, caps.c).  Must run
 * as root.  Every case runs in a forked child so the test process keeps its
 * own credentials, limits and namespaces; the child's failed CHECKs become
 * its exit status.
 */
#include <errno.h>
#include <grp.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/process.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "unit.h"

#define BIT(cap) (UINT64_C(1) << (cap))

/*
 * struct sched_attr (SCHED_ATTR_SIZE_VER0).  <linux/sched/types.h> cannot be
 * included next to <sched.h>: both define struct sched_param.
 */
struct test_sched_attr {
        uint32_t size, sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime, sched_deadline, sched_period;
};

static void in_child(void (*fn)(void))
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                unit_failures_in_test = 0;
                fn();
                _exit(unit_failures_in_test > 100 ? 100 : unit_failures_in_test);
        }
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        if (WIFEXITED(status))
                unit_failures_in_test += WEXITSTATUS(status);
}

/* The hex value of "<field>:" in /proc/self/status. */
static unsigned long long status_hex(const char *field)
{
        _cleanup_free_ char *status = NULL;
        struct cell_error err;
        if (cell_read_file("/proc/self/status", &status, NULL, &err) < 0)
                return ~0ULL;
        char key[32];
        snprintf(key, sizeof(key), "\n%s:", field);
        const char *p = strstr(status, key);
        return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

static struct cell_process base_process(void)
{
        struct cell_process p = {.uid = 0, .gid = 0};
        return p;
}

static void rlimits_applied(void)
{
        struct cell_rlimit limits[] = {
                {.resource = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 512, .hard = 1024},
                {.resource = RLIMIT_CORE, .name = "RLIMIT_CORE", .soft = 0, .hard = 4096},
        };
        struct cell_process p = base_process();
        p.rlimits = limits;
        p.n_rlimits = 2;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_rlimits(&p, &err), 0);
        struct rlimit r;
        CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 512 && r.rlim_max == 1024);
        CHECK(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 0 && r.rlim_max == 4096);
}

static void test_rlimits(void)
{
        in_child(rlimits_applied);
}

/* Raising a hard limit without CAP_SYS_RESOURCE: EPERM naming the limit and the values. */
static void rlimit_eperm(void)
{
        cap_t c = cap_get_proc();
        cap_value_t res = CAP_SYS_RESOURCE;
        CHECK(c && cap_set_flag(c, CAP_EFFECTIVE, 1, &res, CAP_CLEAR) == 0);
        CHECK(cap_set_flag(c, CAP_PERMITTED, 1, &res, CAP_CLEAR) == 0 && cap_set_proc(c) == 0);
        cap_free(c);

        struct rlimit cur;
        CHECK(getrlimit(RLIMIT_NOFILE, &cur) == 0);
        uint64_t want = (uint64_t)cur.rlim_max + 1000;
        struct cell_rlimit limit = {
                .resource = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 1024, .hard = want};
        struct cell_process p = base_process();
        p.rlimits = &limit;
        p.n_rlimits = 1;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_rlimits(&p, &err), -1);
        CHECK_INT_EQ(err.errnum, EPERM);
        char expect[256];
        snprintf(expect, sizeof(expect),
                 "process.rlimits: RLIMIT_NOFILE: cannot raise hard limit to %llu (current hard "
                 "limit %llu): Operation not permitted",
                 (unsigned long long)want, (unsigned long long)cur.rlim_max);
        CHECK_STR_EQ(err.msg, expect);
}

static void test_rlimit_eperm_message(void)
{
        in_child(rlimit_eperm);
}

static void caps_as_user(void)
{
        struct cell_process p = base_process();
        p.uid = 1000;
        p.gid = 1000;
        p.caps = (struct cell_caps){
                .present = true,
                .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
                .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
                .permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL),
        };
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_identity(&p, cell_sandbox_setgroups_allowed(), &err), 0);
        if (err.msg[0])
                fprintf(stderr, "  error: %s\n", err.msg);
        CHECK_INT_EQ(status_hex("CapEff"), 0x21);
        CHECK_INT_EQ(status_hex("CapPrm"), 0x21);
        CHECK_INT_EQ(status_hex("CapBnd"), 0x21);
        CHECK_INT_EQ(status_hex("CapInh"), 0);
        CHECK_INT_EQ(status_hex("CapAmb"), 0);
        uid_t r, e, s;
        CHECK(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000);
        gid_t gr, ge, gs;
        CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 1000 && ge == 1000 && gs == 1000);
        CHECK_INT_EQ(getgroups(0, NULL), 0);
        CHECK_INT_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
}

static void test_caps_as_user(void)
{
        in_child(caps_as_user);
}

/* Ambient caps need permitted+inheritable first: the order inside cell_caps_apply. */
static void caps_ambient(void)
{
        uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
        struct cell_process p = base_process();
        p.uid = 1000;
        p.gid = 1000;
        p.caps = (struct cell_caps){.present = true,
                                    .bounding = nbs,
                                    .effective = nbs,
                                    .permitted = nbs,
                                    .inheritable = nbs,
                                    .ambient = nbs};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_identity(&p, cell_sandbox_setgroups_allowed(), &err), 0);
        if (err.msg[0])
                fprintf(stderr, "  error: %s\n", err.msg);
        CHECK_INT_EQ(status_hex("CapAmb"), nbs);
        CHECK_INT_EQ(status_hex("CapInh"), nbs);
        CHECK_INT_EQ(status_hex("CapEff"), nbs);
        CHECK_INT_EQ(status_hex("CapBnd"), nbs);
}

static void test_caps_ambient(void)
{
        in_child(caps_ambient);
}

/* No capabilities object: every set empty, even as root. */
static void caps_absent(void)
{
        struct cell_process p = base_process();
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_identity(&p, cell_sandbox_setgroups_allowed(), &err), 0);
        CHECK_INT_EQ(status_hex("CapEff"), 0);
        CHECK_INT_EQ(status_hex("CapPrm"), 0);
        CHECK_INT_EQ(status_hex("CapBnd"), 0);
        CHECK_INT_EQ(status_hex("CapAmb"), 0);
}

static void test_caps_absent(void)
{
        in_child(caps_absent);
}

static void identity_groups_umask_nnp(void)
{
        gid_t extra[] = {10, 20, 30};
        struct cell_process p = base_process();
        p.uid = 1234;
        p.gid = 5678;
        p.additional_gids = extra;
        p.n_additional_gids = 3;
        p.has_umask = true;
        p.umask = 027;
        p.no_new_privileges = true;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_identity(&p, cell_sandbox_setgroups_allowed(), &err), 0);
        CHECK(getuid() == 1234 && geteuid() == 1234);
        CHECK(getgid() == 5678 && getegid() == 5678);
        gid_t groups[8];
        CHECK_INT_EQ(getgroups(8, groups), 3);
        CHECK(groups[0] == 10 && groups[1] == 20 && groups[2] == 30);
        CHECK_INT_EQ(umask(0), 027);
        CHECK_INT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

static void test_identity(void)
{
        in_child(identity_groups_umask_nnp);
}

static void identity_defaults(void)
{
        struct cell_process p = base_process();
        umask(0077);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_identity(&p, cell_sandbox_setgroups_allowed(), &err), 0);
        CHECK_INT_EQ(umask(0), 0022);
        CHECK_INT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
        CHECK_INT_EQ(getgroups(0, NULL), 0);
}

static void test_identity_defaults(void)
{
        in_child(identity_defaults);
}

static void hostname_in_uts_ns(void)
{
        CHECK(unshare(CLONE_NEWUTS) == 0);
        struct cell_spec spec = {.hostname = "cell-test", .domainname = "example.org"};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_set_hostname(&spec, &err), 0);
        struct utsname u;
        CHECK(uname(&u) == 0);
        CHECK_STR_EQ(u.nodename, "cell-test");
        CHECK_STR_EQ(u.domainname, "example.org");

        /* kernel.hostname is per UTS namespace too: both key spellings. */
        struct cell_key_value sysctls[] = {
                {.key = "kernel.hostname", .value = "via-sysctl"},
                {.key = "kernel/domainname", .value = "slash.example"},
        };
        spec.linux.sysctl = sysctls;
        spec.linux.n_sysctl = 2;
        CHECK_INT_EQ(cell_sandbox_apply_sysctl(&spec.linux, &err), 0);
        CHECK(uname(&u) == 0);
        CHECK_STR_EQ(u.nodename, "via-sysctl");
        CHECK_STR_EQ(u.domainname, "slash.example");

        struct cell_key_value bad = {.key = "kernel/../../etc/passwd", .value = "x"};
        spec.linux.sysctl = &bad;
        spec.linux.n_sysctl = 1;
        CHECK_INT_EQ(cell_sandbox_apply_sysctl(&spec.linux, &err), -1);
        CHECK_CONTAINS(err.msg, "linux.sysctl: invalid key \"kernel/../../etc/passwd\"");
}

static void test_hostname_and_sysctl(void)
{
        in_child(hostname_in_uts_ns);
}

static void oom_score_adj(void)
{
        struct cell_process p = base_process();
        p.has_oom_score_adj = true;
        p.oom_score_adj = 500;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_oom_score_adj(&p, &err), 0);
        _cleanup_free_ char *value = NULL;
        CHECK(cell_read_file("/proc/self/oom_score_adj", &value, NULL, &err) == 0);
        CHECK_STR_EQ(value, "500\n");
}

static void test_oom_score_adj(void)
{
        in_child(oom_score_adj);
}

static void personality_linux32(void)
{
        struct cell_linux l = {.has_personality = true, .personality = PER_LINUX32};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_personality(&l, &err), 0);
        struct utsname u;
        CHECK(uname(&u) == 0);
        CHECK_STR_EQ(u.machine, "i686");
}

static void test_personality(void)
{
        in_child(personality_linux32);
}

static void sched_round_trip(void)
{
        struct cell_process p = base_process();
        p.io_priority =
                (struct cell_io_priority){.present = true, .class = IOPRIO_CLASS_BE, .priority = 6};
        p.scheduler = (struct cell_scheduler){.present = true, .policy = SCHED_BATCH, .nice = 7};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_sched(&p, &err), 0);
        CHECK_INT_EQ(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0),
                     IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 6));
        struct test_sched_attr attr = {0};
        CHECK(syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) == 0);
        CHECK_INT_EQ(attr.sched_policy, SCHED_BATCH);
        CHECK_INT_EQ(attr.sched_nice, 7);

        p.scheduler = (struct cell_scheduler){.present = true, .policy = 12345};
        CHECK_INT_EQ(cell_sandbox_apply_sched(&p, &err), -1);
        CHECK_CONTAINS(err.msg, "process.scheduler: sched_setattr policy 12345: Invalid argument");
}

static void test_sched(void)
{
        in_child(sched_round_trip);
}

static int64_t monotonic_secs(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

/* Offsets apply to processes born into the new time namespace. */
static void time_offsets(void)
{
        CHECK(unshare(CLONE_NEWTIME) == 0);
        struct cell_linux l = {.has_time_offsets = true, .monotonic_secs = 86400 * 365};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_sandbox_apply_time_offsets(&l, &err), 0);
        int64_t before = monotonic_secs();
        int pipefd[2];
        CHECK(pipe(pipefd) == 0);
        pid_t pid = fork();
        if (pid == 0) {
                int64_t inside = monotonic_secs();
                (void)!write(pipefd[1], &inside, sizeof(inside));
                _exit(0);
        }
        int64_t inside = 0;
        CHECK(read(pipefd[0], &inside, sizeof(inside)) == sizeof(inside));
        CHECK(waitpid(pid, NULL, 0) == pid);
        CHECK(inside - before >= 86400 * 365 && inside - before < 86400 * 365 + 10);
}

static void test_time_offsets(void)
{
        in_child(time_offsets);
}

static void check_home(const char *text, size_t len, uid_t uid, const char *want)
{
        _cleanup_free_ char *home = cell_passwd_home(text, len, uid);
        if (!want)
                CHECK(home == NULL);
        else
                CHECK_STR_EQ(home, want);
}

/* The parser sees image content: any bytes, lines cut anywhere. */
static void test_passwd_home(void)
{
        static const char text[] = "root:x:0:0:root:/root:/bin/sh\n"
                                   "short:x:7\n"
                                   "pad:x:0200:1::/padded:\n"
                                   "big:x:4294967396:1::/wraps:\n"
                                   "sign:x:+300:1::/signed:\n"
                                   "nul:x:100\0:1::/nul:\n"
                                   "nohome:x:5:5\n"
                                   "empty:x:6:6:::\n"
                                   "last:x:100:100::/home/last";
        size_t len = sizeof(text) - 1;
        check_home(text, len, 0, "/root");
        check_home(text, len, 100, "/home/last");
        check_home(text, len, 7, NULL);
        check_home(text, len, 5, NULL);
        check_home(text, len, 6, "");
        check_home(text, len, 42, NULL);
        check_home(text, len, 200, "/padded");
        check_home(text, len, 100 + 0, "/home/last"); /* 4294967396 does not wrap to 100 */
        check_home(text, len, 300, NULL);
        /* Cut inside the last line: its home field is cut too. */
        check_home(text, len - 5, 100, "/home");
        check_home(text, strlen("root:x:0:0:root:/ro"), 0, "/ro");
        check_home("", 0, 0, NULL);
        check_home("\n\n:::::\n", 9, 0, NULL);
}

UNIT_MAIN(UNIT_TEST(test_passwd_home), UNIT_TEST(test_rlimits),
          UNIT_TEST(test_rlimit_eperm_message), UNIT_TEST(test_caps_as_user),
          UNIT_TEST(test_caps_ambient), UNIT_TEST(test_caps_absent), UNIT_TEST(test_identity),
          UNIT_TEST(test_identity_defaults), UNIT_TEST(test_hostname_and_sysctl),
          UNIT_TEST(test_oom_score_adj), UNIT_TEST(test_personality), UNIT_TEST(test_sched),
          UNIT_TEST(test_time_offsets))
