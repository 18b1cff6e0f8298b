/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: every action, every operator, flags, NOTIFY with a
 * listener, the program cache.  Needs root (CAP_SYS_ADMIN lets a filter
 * load without no_new_privs).  Every case loads its filter in a forked
 * child and reports through the exit status; the parent never filters
 * itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"
#include "util/xalloc.h"

/* ---- building profiles by hand ---- */

static struct cell_seccomp profile(const char *default_action)
{
        return (struct cell_seccomp){.present = true, .default_action = xstrdup(default_action)};
}

static char **strv_append(char **v, size_t *n, const char *s)
{
        v = xreallocarray(v, *n + 2, sizeof(*v));
        v[(*n)++] = xstrdup(s);
        v[*n] = NULL;
        return v;
}

/* Adds a rule for one syscall; the pointer is valid until the next rule(). */
static struct cell_seccomp_rule *rule(struct cell_seccomp *s, const char *action, const char *name)
{
        s->syscalls = xreallocarray(s->syscalls, s->n_syscalls + 1, sizeof(*s->syscalls));
        struct cell_seccomp_rule *r = &s->syscalls[s->n_syscalls++];
        *r = (struct cell_seccomp_rule){.action = xstrdup(action)};
        r->names = strv_append(NULL, &r->n_names, name);
        return r;
}

static void rule_errno(struct cell_seccomp_rule *r, unsigned errno_ret)
{
        r->has_errno_ret = true;
        r->errno_ret = errno_ret;
}

static void arg(struct cell_seccomp_rule *r, unsigned index, const char *op, uint64_t value,
                uint64_t value_two)
{
        r->args = xreallocarray(r->args, r->n_args + 1, sizeof(*r->args));
        r->args[r->n_args++] = (struct cell_seccomp_arg){
                .index = index, .value = value, .value_two = value_two, .op = xstrdup(op)};
}

static void profile_release(struct cell_seccomp *s)
{
        for (size_t i = 0; i < s->n_syscalls; i++) {
                struct cell_seccomp_rule *r = &s->syscalls[i];
                cell_strv_free(r->names);
                free(r->action);
                for (size_t j = 0; j < r->n_args; j++)
                        free(r->args[j].op);
                free(r->args);
        }
        free(s->syscalls);
        free(s->default_action);
        cell_strv_free(s->architectures);
        cell_strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
}

/* ---- running a filtered child ---- */

/* Child exit codes. */
enum { CHILD_OK = 0, CHILD_WRONG = 10, CHILD_LOAD_FAILED = 11 };

typedef int (*child_fn)(void *data);

/* Load `filter` in a child, run `fn` there, return the wait status. */
static int run_filtered(struct cell_seccomp_filter *filter, child_fn fn, void *data)
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                struct cell_error err = {0};
                if (cell_seccomp_load(filter, NULL, &err) < 0) {
                        fprintf(stderr, "  child: %s\n", err.msg);
                        _exit(CHILD_LOAD_FAILED);
                }
                _exit(fn(data));
        }
        int status = -1;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

static bool exited_ok(int status)
{
        return WIFEXITED(status) && WEXITSTATUS(status) == CHILD_OK;
}

/* Compile `s`, run `fn` filtered, release everything; returns the wait status. */
static int run_profile(struct cell_seccomp *s, child_fn fn, void *data)
{
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        int status = -1;
        if (cell_seccomp_prepare(s, &filter, &err) < 0)
                fprintf(stderr, "  prepare: %s\n", err.msg);
        else
                status = run_filtered(filter, fn, data);
        cell_seccomp_filter_free(filter);
        profile_release(s);
        return status;
}

struct expect {
        long nr;
        uint64_t a0, a1;
        long ret; /* expected return; -1 means "fails with `err`" */
        int err;
};

static int call_expect(void *data)
{
        const struct expect *e = data;
        errno = 0;
        long r = syscall(e->nr, e->a0, e->a1, 0, 0, 0, 0);
        if (e->ret == -1)
                return r == -1 && errno == e->err ? CHILD_OK : CHILD_WRONG;
        return r == e->ret ? CHILD_OK : CHILD_WRONG;
}

/* getppid() ignores its arguments but the filter sees them: a harmless probe. */
static int probe(struct cell_seccomp *s, uint64_t a0, uint64_t a1, int expect_errno)
{
        struct expect e = {SYS_getppid, a0, a1, expect_errno ? -1 : getpid(), expect_errno};
        return run_profile(s, call_expect, &e);
}

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

static void test_operators(void)
{
        static const struct op_case cases[] = {
                {"SCMP_CMP_EQ", 5, 0, 5, 6}, {"SCMP_CMP_EQ", 0x100000005ULL, 0, 0x100000005ULL, 5},
                {"SCMP_CMP_NE", 5, 0, 6, 5}, {"SCMP_CMP_LT", 5, 0, 4, 5},
                {"SCMP_CMP_LE", 5, 0, 5, 6}, {"SCMP_CMP_GT", 5, 0, 6, 5},
                {"SCMP_CMP_GE", 5, 0, 5, 4}, {"SCMP_CMP_MASKED_EQ", 0xf0, 0x20, 0x25, 0x35},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(cases); i++) {
                const struct op_case *c = &cases[i];
                for (int deny = 0; deny < 2; deny++) {
                        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
                        arg(rule(&s, "SCMP_ACT_ERRNO", "getppid"), 0, c->op, c->value,
                            c->value_two);
                        int status = probe(&s, deny ? c->denied : c->allowed, 0, deny ? EPERM : 0);
                        if (!exited_ok(status))
                                fprintf(stderr, "  %s %#llx: %s value wrong\n", c->op,
                                        (unsigned long long)c->value, deny ? "denied" : "allowed");
                        CHECK(exited_ok(status));
                }
        }
}

/* Conditions on different arguments AND; on the same argument they OR (runc). */
static void test_conditions_and_or(void)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        struct cell_seccomp_rule *r = rule(&s, "SCMP_ACT_ERRNO", "getppid");
        arg(r, 0, "SCMP_CMP_EQ", 1, 0);
        arg(r, 1, "SCMP_CMP_EQ", 2, 0);
        CHECK(exited_ok(probe(&s, 1, 2, EPERM)));
        s = profile("SCMP_ACT_ALLOW");
        r = rule(&s, "SCMP_ACT_ERRNO", "getppid");
        arg(r, 0, "SCMP_CMP_EQ", 1, 0);
        arg(r, 1, "SCMP_CMP_EQ", 2, 0);
        CHECK(exited_ok(probe(&s, 1, 3, 0)));
        for (uint64_t v = 1; v <= 3; v++) {
                s = profile("SCMP_ACT_ALLOW");
                r = rule(&s, "SCMP_ACT_ERRNO", "getppid");
                arg(r, 0, "SCMP_CMP_EQ", 1, 0);
                arg(r, 0, "SCMP_CMP_EQ", 2, 0);
                CHECK(exited_ok(probe(&s, v, 0, v == 3 ? 0 : EPERM)));
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
        expect_prepare_error(&s, "linux.seccomp: SCMP_ACT_NOTIFY requires listenerPath");

        s = profile("SCMP_ACT_ALLOW");
        s.listener_path = xstrdup("/run/listener.sock");
        rule(&s, "SCMP_ACT_NOTIFY", "write");
        expect_prepare_error(&s, "SCMP_ACT_NOTIFY cannot be used for 'write'");

        s = profile("SCMP_ACT_NOTIFY");
        s.listener_path = xstrdup("/run/listener.sock");
        expect_prepare_error(&s, "cannot be the default action");

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

/* ---- NOTIFY and the listener ---- */

#define CONTAINER_STATE                                                                            \
        "{\"ociVersion\":\"1.2.0\",\"id\":\"web\",\"status\":\"creating\",\"pid\":1,"              \
        "\"bundle\":\"/bundle\"}"

/* The listener answers the first call with EXDEV, the second with 4242. */
static int notified_calls(void)
{
        errno = 0;
        long r1 = syscall(SYS_getppid);
        int e1 = errno;
        long r2 = syscall(SYS_getppid);
        return r1 == -1 && e1 == EXDEV && r2 == 4242 ? CHILD_OK : CHILD_WRONG;
}

/* Child: load, hand the listener fd on, then make two notified calls. */
static pid_t spawn_notify_child(struct cell_seccomp_filter *filter, const char *listener)
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        struct cell_error err = {0};
        int fd = -1;
        if (cell_seccomp_load(filter, &fd, &err) < 0 || fd < 0)
                _exit(CHILD_LOAD_FAILED);
        if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
                _exit(CHILD_WRONG);
        _cleanup_free_ char *state = NULL;
        if (cell_seccomp_state_json(CONTAINER_STATE, getpid(), "MKNOD=/dev/null", &state, &err) <
                    0 ||
            cell_seccomp_send_listener(listener, state, fd, &err) < 0) {
                fprintf(stderr, "  child: %s\n", err.msg);
                _exit(CHILD_WRONG);
        }
        close(fd);
        _exit(notified_calls());
}

static bool wait_readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        return poll(&p, 1, 5000) == 1;
}

static void check_seccomp_state(const char *json, pid_t child)
{
        json_object *o = json_tokener_parse(json), *v, *state;
        CHECK(o != NULL);
        if (!o)
                return;
        CHECK(json_object_object_get_ex(o, "ociVersion", &v));
        CHECK_STR_EQ(json_object_get_string(v), "1.2.0");
        CHECK(json_object_object_get_ex(o, "fds", &v) && json_object_array_length(v) == 1);
        CHECK_STR_EQ(json_object_get_string(json_object_array_get_idx(v, 0)), "seccompFd");
        CHECK(json_object_object_get_ex(o, "pid", &v));
        CHECK_INT_EQ(json_object_get_int64(v), child);
        CHECK(json_object_object_get_ex(o, "metadata", &v));
        CHECK_STR_EQ(json_object_get_string(v), "MKNOD=/dev/null");
        CHECK(json_object_object_get_ex(o, "state", &state));
        CHECK(json_object_object_get_ex(state, "id", &v));
        CHECK_STR_EQ(json_object_get_string(v), "web");
        json_object_put(o);
}

/* Answer one notification: an error when `error` != 0, else the value `val`. */
static void answer(int notify_fd, pid_t child, int error, long long val)
{
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        CHECK_INT_EQ(seccomp_notify_alloc(&req, &resp), 0);
        CHECK(wait_readable(notify_fd));
        CHECK_INT_EQ(seccomp_notify_receive(notify_fd, req), 0);
        CHECK_INT_EQ(req->pid, child);
        CHECK_INT_EQ(req->data.nr, SYS_getppid);
        resp->id = req->id;
        resp->error = error ? -error : 0;
        resp->val = val;
        resp->flags = 0;
        CHECK_INT_EQ(seccomp_notify_respond(notify_fd, resp), 0);
        seccomp_notify_free(req, resp);
}

static int listen_unix(const char *path)
{
        int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
        if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(sock, 1) < 0) {
                if (sock >= 0)
                        close(sock);
                return -1;
        }
        return sock;
}

static void test_notify_listener(void)
{
        char dir[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = cell_path_join(dir, "listener.sock");
        int listener = listen_unix(path);
        CHECK(listener >= 0);

        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        s.listener_path = xstrdup(path);
        s.flags = strv_append(NULL, &s.n_flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
        s.flags = strv_append(s.flags, &s.n_flags, "SECCOMP_FILTER_FLAG_TSYNC");
        rule(&s, "SCMP_ACT_NOTIFY", "getppid");
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_prepare(&s, &filter, &err), 0);
        pid_t child = spawn_notify_child(filter, path);

        CHECK(wait_readable(listener));
        _cleanup_close_ int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        char json[4096] = {0};
        size_t len = 0;
        _cleanup_close_ int notify_fd =
                conn < 0 ? -1 : cell_socket_recv_fd(conn, json, sizeof(json) - 1, &len, &err);
        CHECK(notify_fd >= 0);
        if (notify_fd >= 0) {
                check_seccomp_state(json, child);
                answer(notify_fd, child, EXDEV, 0);
                answer(notify_fd, child, 0, 4242);
        } else {
                kill(child, SIGKILL);
        }
        int status = -1;
        waitpid(child, &status, 0);
        CHECK(exited_ok(status));

        close(listener);
        unlink(path);
        rmdir(dir);
        cell_seccomp_filter_free(filter);
        profile_release(&s);
}

/* An absent listener fails at once (create fails), it does not wait. */
static void test_listener_absent(void)
{
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_seccomp_send_listener("/nonexistent/cell/listener.sock", "{}", 0, &err),
                     -1);
        CHECK_CONTAINS(err.msg, "linux.seccomp.listenerPath");
        CHECK_INT_EQ(err.errnum, ENOENT);

        char dir[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = cell_path_join(dir, "dead.sock");
        int sock = listen_unix(path);
        CHECK(sock >= 0);
        close(sock); /* the file stays, nobody listens */
        cell_error_clear(&err);
        CHECK_INT_EQ(cell_seccomp_send_listener(path, "{}", 0, &err), -1);
        CHECK_INT_EQ(err.errnum, ECONNREFUSED);
        unlink(path);
        rmdir(dir);

        char *out = (char *)1;
        CHECK_INT_EQ(cell_seccomp_state_json("[1]", 1, NULL, &out, &err), -1);
        CHECK(out == NULL);
        CHECK_INT_EQ(cell_seccomp_state_json(CONTAINER_STATE, 7, NULL, &out, &err), 0);
        CHECK(out && !strstr(out, "metadata"));
        free(out);
}

/* ---- the program cache ---- */

static char *only_entry(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        char *found = NULL;
        int count = 0;
        for (struct dirent *e; d && (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                count++;
                free(found);
                found = cell_path_join(dir, e->d_name);
        }
        if (count != 1) {
                free(found);
                return NULL;
        }
        return found;
}

static struct cell_seccomp errno_profile(unsigned errno_ret)
{
        struct cell_seccomp s = profile("SCMP_ACT_ALLOW");
        rule_errno(rule(&s, "SCMP_ACT_ERRNO", "getppid"), errno_ret);
        return s;
}

static int probe_cached(const char *dir, unsigned errno_ret, int expect_errno)
{
        struct cell_seccomp s = errno_profile(errno_ret);
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        int status = -1;
        if (cell_seccomp_prepare_cached(&s, dir, &filter, &err) == 0) {
                struct expect e = {SYS_getppid, 0, 0, -1, expect_errno};
                status = run_filtered(filter, call_expect, &e);
        }
        cell_seccomp_filter_free(filter);
        profile_release(&s);
        return status;
}

/*
 * Proves the hit path: the program bytes in profile A's entry are replaced
 * by profile B's (same length, different errno), and preparing A then
 * behaves as B.  A torn entry is a miss and is rewritten.
 */
static void test_cache(void)
{
        char base[] = "/tmp/cell-test-seccomp-XXXXXX";
        CHECK(mkdtemp(base) != NULL);
        _cleanup_free_ char *dir_a = cell_path_join(base, "a/cache");
        _cleanup_free_ char *dir_b = cell_path_join(base, "b");
        CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
        CHECK(exited_ok(probe_cached(dir_b, ENOSYS, ENOSYS)));
        _cleanup_free_ char *entry_a = only_entry(dir_a);
        _cleanup_free_ char *entry_b = only_entry(dir_b);
        CHECK(entry_a && entry_b);
        struct stat st;
        CHECK(stat(dir_a, &st) == 0 && (st.st_mode & 0777) == 0700);
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t len_a = 0, len_b = 0;
        struct cell_error err = {0};
        CHECK(entry_a && cell_read_file(entry_a, &a, &len_a, &err) == 0);
        CHECK(entry_b && cell_read_file(entry_b, &b, &len_b, &err) == 0);
        CHECK(len_a == len_b && len_a > 16);
        if (a && b && len_a == len_b && len_a > 16) {
                /* Layout: magic[8], u64 key length, key, u64 program length, program. */
                uint64_t key_len, program_len;
                memcpy(&key_len, a + 8, sizeof(key_len));
                memcpy(&program_len, a + 16 + key_len, sizeof(program_len));
                CHECK(16 + key_len + 8 + program_len == len_a);
                memcpy(a + len_a - program_len, b + len_b - program_len, program_len);
                CHECK_INT_EQ(cell_write_file(entry_a, a, len_a, &err), 0);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, ENOSYS)));
                /* Torn: a miss, recompiled (EPERM again) and rewritten whole. */
                CHECK_INT_EQ(truncate(entry_a, (off_t)len_a - 3), 0);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
                CHECK(stat(entry_a, &st) == 0 && (size_t)st.st_size == len_a);
                CHECK(exited_ok(probe_cached(dir_a, EPERM, EPERM)));
        }
        CHECK_INT_EQ(cell_remove_tree_at(AT_FDCWD, base, &err), 0);
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

UNIT_MAIN(UNIT_TEST(test_errno_default_eperm), UNIT_TEST(test_errno_ret_honored),
          UNIT_TEST(test_default_errno_ret), UNIT_TEST(test_kill_process),
          UNIT_TEST(test_kill_thread), UNIT_TEST(test_trap), UNIT_TEST(test_log_allows),
          UNIT_TEST(test_trace_without_tracer), UNIT_TEST(test_operators),
          UNIT_TEST(test_conditions_and_or), UNIT_TEST(test_unknown_syscall_skipped),
          UNIT_TEST(test_rule_equal_to_default_skipped), UNIT_TEST(test_absent_is_null),
          UNIT_TEST(test_validation_errors), UNIT_TEST(test_architectures),
          UNIT_TEST(test_load_needs_nnp_or_cap_sys_admin), UNIT_TEST(test_flags_supported),
          UNIT_TEST(test_log_and_spec_allow_flags), UNIT_TEST(test_tsync),
          UNIT_TEST(test_notify_listener), UNIT_TEST(test_listener_absent), UNIT_TEST(test_cache),
          UNIT_TEST(test_feature_names))
