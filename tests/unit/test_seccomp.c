/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp filters: every action, every operator (linear and binary
 * tree programs), names, validation, architectures, flags, the privilege
 * load needs.  Needs root (CAP_SYS_ADMIN lets a filter load without
 * no_new_privs).  Every case loads its filter in a forked child and reports
 * through the exit status; the parent never filters itself.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#include "seccomp_test.h"
#include "unit.h"

/* ---- actions ---- */

static void test_errno_default_eperm(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_ERRNO", "getppid");
        CHECK(exited_ok(probe(&s, 0, 0, EPERM)));
}

static void test_errno_ret_honored(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule_errno(rule(&s, "SCMP_ACT_ERRNO", "getppid"), ENOSYS);
        CHECK(exited_ok(probe(&s, 0, 0, ENOSYS)));
}

static int exit_after_getppid(void *data)
{
        (void)data;
        errno = 0;
        long r = syscall(SYS_getppid);
        return r == -1 && errno == ESRCH ? CHILD_OK : CHILD_WRONG;
}

/* Default ERRNO with defaultErrnoRet; only what the child needs to exit is allowed. */
static void test_default_errno_ret(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ERRNO");
        s.has_default_errno_ret = true;
        s.default_errno_ret = ESRCH;
        rule(&s, "SCMP_ACT_ALLOW", "exit_group");
        rule(&s, "SCMP_ACT_ALLOW", "exit");
        CHECK(exited_ok(run_profile(&s, exit_after_getppid, NULL)));
}

static void test_kill_process(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_KILL_PROCESS", "getppid");
        int status = probe(&s, 0, 0, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}

/* KILL and KILL_THREAD kill the thread; the only thread takes the process with it. */
static void test_kill_thread(void)
{
        const char *names[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(names); i++) {
                struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
                rule(&s, names[i], "getppid");
                int status = probe(&s, 0, 0, 0);
                CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
        }
}

static volatile sig_atomic_t trapped_syscall = -1;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
        (void)sig;
        (void)ctx;
        trapped_syscall = info->si_syscall;
}

static int trap_child(void *data)
{
        (void)data;
        struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
        sigaction(SIGSYS, &sa, NULL);
        syscall(SYS_getppid);
        return trapped_syscall == SYS_getppid ? CHILD_OK : CHILD_WRONG;
}

static void test_trap(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_TRAP", "getppid");
        CHECK(exited_ok(run_profile(&s, trap_child, NULL)));
}

static void test_log_allows(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_LOG", "getppid");
        CHECK(exited_ok(probe(&s, 0, 0, 0)));
}

/* Without a tracer attached, SECCOMP_RET_TRACE fails the call with ENOSYS. */
static void test_trace_without_tracer(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule_errno(rule(&s, "SCMP_ACT_TRACE", "getppid"), 7);
        CHECK(exited_ok(probe(&s, 0, 0, ENOSYS)));
}

/* ---- operators ---- */

struct op_case {
        const char *op;
        uint64_t value, value_two;
        uint64_t denied, allowed;
};

/*
 * Past 8 syscalls the program becomes a binary tree (seccomp.c); rules for
 * syscalls the children never make push a profile over that line.
 */
static void add_filler(struct cell_seccomp *s)
{
        static const char *const names[] = {"acct",    "swapon",       "swapoff",     "reboot",
                                            "syslog",  "kexec_load",   "init_module", "quotactl",
                                            "vhangup", "delete_module"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(names); i++)
                rule(s, "SCMP_ACT_ERRNO", names[i]);
}

static void test_operators(void)
{
        static const struct op_case cases[] = {
                {"SCMP_CMP_EQ", 5, 0, 5, 6}, {"SCMP_CMP_EQ", 0x100000005ULL, 0, 0x100000005ULL, 5},
                {"SCMP_CMP_NE", 5, 0, 6, 5}, {"SCMP_CMP_LT", 5, 0, 4, 5},
                {"SCMP_CMP_LE", 5, 0, 5, 6}, {"SCMP_CMP_GT", 5, 0, 6, 5},
                {"SCMP_CMP_GE", 5, 0, 5, 4}, {"SCMP_CMP_MASKED_EQ", 0xf0, 0x20, 0x25, 0x35},
        };
        for (size_t i = 0; i < 2 * CELL_ARRAY_SIZE(cases); i++) {
                const struct op_case *c = &cases[i / 2];
                for (int deny = 0; deny < 2; deny++) {
                        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
                        if (i % 2)
                                add_filler(&s);
                        arg(rule(&s, "SCMP_ACT_ERRNO", "getppid"), 0, c->op, c->value,
                            c->value_two);
                        int status = probe(&s, deny ? c->denied : c->allowed, 0, deny ? EPERM : 0);
                        if (!exited_ok(status))
                                fprintf(stderr, "  %s %#llx%s: %s value wrong\n", c->op,
                                        (unsigned long long)c->value, i % 2 ? " (tree)" : "",
                                        deny ? "denied" : "allowed");
                        CHECK(exited_ok(status));
                }
        }
}

/* Conditions on different arguments AND; on the same argument they OR (runc). */
static void test_conditions_and_or(void)
{
        /* {index of the second condition, a0, a1, expected errno} */
        static const struct {
                unsigned second;
                uint64_t a0, a1;
                int expect;
        } cases[] = {
                {1, 1, 2, EPERM}, {1, 1, 3, 0}, {0, 1, 0, EPERM}, {0, 2, 0, EPERM}, {0, 3, 0, 0}};
        for (size_t i = 0; i < 2 * CELL_ARRAY_SIZE(cases); i++) {
                struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
                if (i % 2)
                        add_filler(&s);
                struct cell_seccomp_rule *r = rule(&s, "SCMP_ACT_ERRNO", "getppid");
                arg(r, 0, "SCMP_CMP_EQ", 1, 0);
                arg(r, cases[i / 2].second, "SCMP_CMP_EQ", 2, 0);
                CHECK(exited_ok(probe(&s, cases[i / 2].a0, cases[i / 2].a1, cases[i / 2].expect)));
        }
}

/* ---- names, defaults, validation ---- */

static void test_unknown_syscall_skipped(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        struct cell_seccomp_rule *r = rule(&s, "SCMP_ACT_ERRNO", "no_such_syscall_cell");
        r->names = strv_append(r->names, &r->n_names, "getppid");
        CHECK(exited_ok(probe(&s, 0, 0, EPERM)));
}

static void test_rule_equal_to_default_skipped(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ERRNO");
        rule(&s, "SCMP_ACT_ALLOW", "exit_group");
        rule(&s, "SCMP_ACT_ERRNO", "getppid");                    /* same as the default: EPERM */
        rule_errno(rule(&s, "SCMP_ACT_ERRNO", "getpid"), ENOSYS); /* differs: kept */
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        CHECK(filter != NULL);
        cell_seccomp_filter_free(filter);
        profile_release(&s);
}

static void test_absent_is_null(void)
{
        struct cell_seccomp s = {0};
        struct cell_seccomp_filter *filter = (void *)1;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        CHECK(filter == NULL);
        int fd = 5;
        CHECK_INT_EQ(cell_seccomp_load(NULL, &fd, &err), 0);
        CHECK_INT_EQ(fd, -1);
}

static void expect_prepare_error(struct cell_seccomp *s, const char *message)
{
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(s, &filter, &err), -1);
        CHECK(filter == NULL);
        CHECK_CONTAINS(err.msg, message);
        profile_release(s);
}

static void test_validation_errors(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_NOTIFY", "getppid");
        expect_prepare_error(&s,
                             "linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set");

        s = profile("SCMP_ACT_ALLOW");
        s.listener_path = xstrdup("/run/listener.sock");
        rule(&s, "SCMP_ACT_NOTIFY", "write");
        expect_prepare_error(&s, "SCMP_ACT_NOTIFY cannot be used for the write syscall");

        s = profile("SCMP_ACT_NOTIFY");
        s.listener_path = xstrdup("/run/listener.sock");
        expect_prepare_error(&s, "cannot be used as default action");

        s = profile("SCMP_ACT_BOGUS");
        expect_prepare_error(&s, "linux.seccomp.defaultAction: unknown seccomp action");

        s = profile("SCMP_ACT_ALLOW");
        arg(rule(&s, "SCMP_ACT_ERRNO", "getppid"), 0, "SCMP_CMP_XX", 1, 0);
        expect_prepare_error(&s, "linux.seccomp.syscalls[0].args[0].op: unknown operator");

        s = profile("SCMP_ACT_ALLOW");
        arg(rule(&s, "SCMP_ACT_ERRNO", "getppid"), 6, "SCMP_CMP_EQ", 1, 0);
        expect_prepare_error(&s, "linux.seccomp.syscalls[0].args[0].index: 6 out of range");

        s = profile("SCMP_ACT_ALLOW");
        s.architectures = strv_append(NULL, &s.n_architectures, "SCMP_ARCH_VAX");
        expect_prepare_error(&s, "linux.seccomp.architectures[0]: 'SCMP_ARCH_VAX' not supported");

        s = profile("SCMP_ACT_ALLOW");
        s.flags = strv_append(NULL, &s.n_flags, "SECCOMP_FILTER_FLAG_BOGUS");
        expect_prepare_error(&s, "linux.seccomp.flags[0]: unknown flag");
}

/* Foreign architectures next to the native one compile; native still filters. */
static void test_architectures(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        s.architectures = strv_append(NULL, &s.n_architectures, "SCMP_ARCH_X86_64");
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_X86");
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_X32");
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_AARCH64");
        /* Big-endian: cannot share a filter with x86_64, skipped. */
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_S390X");
        rule(&s, "SCMP_ACT_ERRNO", "getppid");
        CHECK(exited_ok(probe(&s, 0, 0, EPERM)));
}

/* ---- runc's -ENOSYS stub ---- */

#if defined(__x86_64__)
#define X32_BIT 0x40000000L

static bool fails_with(long nr, int e)
{
        errno = 0;
        return syscall(nr) == -1 && errno == e;
}

/* A 32-bit x86 syscall (AUDIT_ARCH_I386) from this 64-bit process. */
static long syscall_i386(long nr)
{
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
        return r;
}

static int i386_getpid(void *data)
{
        (void)data;
        return syscall_i386(20) == getpid() ? CHILD_OK : CHILD_WRONG;
}

/* Whether this kernel runs 32-bit syscalls (IA32 emulation can be off). */
static bool have_i386;

/* `data`: the first number above the profile's highest on x86_64 (x32 has
 * numbers of its own, kexec_load is 0x40000000 + 528 there). */
static int enosys_above_highest(void *data)
{
        long first = (long)data;
        bool ok = fails_with(first, ENOSYS) && fails_with(1000, ENOSYS) &&
                  fails_with(SYS_getpgrp, EPERM) && fails_with(X32_BIT | 1000, ENOSYS) &&
                  fails_with(X32_BIT | SYS_getpgrp, EPERM) &&
                  (!have_i386 ||
                   (syscall_i386(1000) == -ENOSYS && syscall_i386(20 /* getpid */) == -EPERM));
        return ok ? CHILD_OK : CHILD_WRONG;
}

static struct cell_seccomp enosys_profile(const char *default_action)
{
        struct cell_seccomp s = profile(default_action);
        s.architectures = strv_append(NULL, &s.n_architectures, "SCMP_ARCH_X86_64");
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_X86");
        s.architectures = strv_append(s.architectures, &s.n_architectures, "SCMP_ARCH_X32");
        rule(&s, "SCMP_ACT_ALLOW", "exit_group");
        rule(&s, "SCMP_ACT_ALLOW", "exit");
        return s;
}

/* Highest listed: exit_group, 231 (x86_64) and 0x40000000 + 231 (x32). */
static void test_enosys_above_highest(void)
{
        have_i386 = exited_ok(run_filtered(NULL, i386_getpid, NULL));
        struct cell_seccomp s = enosys_profile("SCMP_ACT_ERRNO");
        CHECK(exited_ok(run_profile(&s, enosys_above_highest, (void *)232L)));
        /* The binary tree program gets the same stub; every rule's names
         * count, even a rule equal to the default (kexec_load, 246). */
        s = enosys_profile("SCMP_ACT_ERRNO");
        add_filler(&s);
        CHECK(exited_ok(run_profile(&s, enosys_above_highest, (void *)247L)));
}

#define X86_64_TESTS UNIT_TEST(test_enosys_above_highest),
#else
#define X86_64_TESTS
#endif

/* ---- privilege at load ---- */

static int load_as_nobody(void *data)
{
        struct cell_seccomp_filter *filter = data;
        struct cell_error err = {0};
        if (setresuid(65534, 65534, 65534) < 0)
                return CHILD_WRONG;
        if (cell_seccomp_load(filter, NULL, &err) != -1 || err.errnum != EACCES ||
            !strstr(err.msg, "no_new_privs"))
                return CHILD_WRONG;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return CHILD_WRONG;
        if (cell_seccomp_load(filter, NULL, &err) < 0)
                return CHILD_WRONG;
        errno = 0;
        return syscall(SYS_getppid) == -1 && errno == EPERM ? CHILD_OK : CHILD_WRONG;
}

static void test_load_needs_nnp_or_cap_sys_admin(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule(&s, "SCMP_ACT_ERRNO", "getppid");
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        /* An empty filter for run_filtered: the test loads the real one itself. */
        CHECK(exited_ok(run_filtered(NULL, load_as_nobody, filter)));
        cell_seccomp_filter_free(filter);
        profile_release(&s);
}

/* ---- flags ---- */

static void test_flags_supported(void)
{
        for (size_t i = 0; cell_seccomp_nth_flag(i); i++)
                CHECK(cell_seccomp_flag_supported(cell_seccomp_nth_flag(i)));
        CHECK(!cell_seccomp_flag_supported("SECCOMP_FILTER_FLAG_BOGUS"));
        CHECK(!cell_seccomp_flag_supported("SECCOMP_FILTER_FLAG_NEW_LISTENER"));
}

static void test_log_and_spec_allow_flags(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        s.flags = strv_append(NULL, &s.n_flags, "SECCOMP_FILTER_FLAG_LOG");
        s.flags = strv_append(s.flags, &s.n_flags, "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
        s.flags = strv_append(s.flags, &s.n_flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
        rule(&s, "SCMP_ACT_ERRNO", "getppid");
        CHECK(exited_ok(probe(&s, 0, 0, EPERM)));
}

struct thread_probe {
        int pipe[2];
        long result;
        int error;
};

static void *thread_probe_main(void *data)
{
        struct thread_probe *t = data;
        char c;
        if (read(t->pipe[0], &c, 1) != 1)
                return NULL;
        errno = 0;
        t->result = syscall(SYS_getppid);
        t->error = errno;
        return NULL;
}

/* A second thread exists before load; it is filtered only with TSYNC. */
static int tsync_child(void *data)
{
        struct cell_seccomp_filter *filter = data;
        struct thread_probe t = {.result = 0};
        pthread_t thread;
        struct cell_error err = {0};
        if (pipe(t.pipe) < 0 || pthread_create(&thread, NULL, thread_probe_main, &t) != 0)
                return CHILD_WRONG;
        int rc = cell_seccomp_load(filter, NULL, &err);
        if (write(t.pipe[1], "x", 1) != 1)
                return CHILD_WRONG;
        pthread_join(thread, NULL);
        if (rc < 0)
                return CHILD_LOAD_FAILED;
        return t.result == -1 && t.error == EPERM ? CHILD_OK : CHILD_WRONG;
}

static void test_tsync(void)
{
        for (int tsync = 0; tsync < 2; tsync++) {
                struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
                if (tsync)
                        s.flags = strv_append(NULL, &s.n_flags, "SECCOMP_FILTER_FLAG_TSYNC");
                rule(&s, "SCMP_ACT_ERRNO", "getppid");
                struct cell_seccomp_filter *filter = NULL;
                struct cell_error err = {0};
                CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
                int status = run_filtered(NULL, tsync_child, filter);
                if (tsync)
                        CHECK(exited_ok(status));
                else /* the other thread escaped the filter */
                        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == CHILD_WRONG);
                cell_seccomp_filter_free(filter);
                profile_release(&s);
        }
}

/* ---- names for `features` ---- */

static size_t count(const char *(*nth)(size_t))
{
        size_t n = 0;
        while (nth(n))
                n++;
        return n;
}

static void test_feature_names(void)
{
        CHECK_INT_EQ(count(cell_seccomp_nth_action), 9);
        CHECK_INT_EQ(count(cell_seccomp_nth_operator), 7);
        CHECK_INT_EQ(count(cell_seccomp_nth_flag), 4);
        CHECK(count(cell_seccomp_nth_arch) >= 19);
        CHECK_STR_EQ(cell_seccomp_nth_action(0), "SCMP_ACT_ALLOW");
}

UNIT_MAIN(X86_64_TESTS UNIT_TEST(test_errno_default_eperm), UNIT_TEST(test_errno_ret_honored),
          UNIT_TEST(test_default_errno_ret), UNIT_TEST(test_kill_process),
          UNIT_TEST(test_kill_thread), UNIT_TEST(test_trap), UNIT_TEST(test_log_allows),
          UNIT_TEST(test_trace_without_tracer), UNIT_TEST(test_operators),
          UNIT_TEST(test_conditions_and_or), UNIT_TEST(test_unknown_syscall_skipped),
          UNIT_TEST(test_rule_equal_to_default_skipped), UNIT_TEST(test_absent_is_null),
          UNIT_TEST(test_validation_errors), UNIT_TEST(test_architectures),
          UNIT_TEST(test_load_needs_nnp_or_cap_sys_admin), UNIT_TEST(test_flags_supported),
          UNIT_TEST(test_log_and_spec_allow_flags), UNIT_TEST(test_tsync),
          UNIT_TEST(test_feature_names))
