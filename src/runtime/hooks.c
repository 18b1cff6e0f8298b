/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/hooks.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/xalloc.h"

extern char **environ;

/* argv/envp for execve, always NULL-terminated whatever the spec arrays hold. */
struct hook_exec {
        const char *path;
        char **argv;
        char *const *envp;
        const char *cwd; /* NULL: stay where we are */
};

/* What the child reports when it could not become the hook. */
struct hook_failure {
        int errnum;
        int in_chdir; /* 1: chdir(cwd) failed, 0: execve() did */
};

static char **make_vector(char **items, size_t n, const char *fallback)
{
        char **v = xcalloc(n + 2, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                v[i] = items[i];
        if (n == 0 && fallback)
                v[0] = (char *)fallback;
        return v;
}

/*
 * Put the whole state JSON into a pipe before the hook exists.  Writing
 * first means a hook that never reads stdin cannot block us and one that
 * exits early cannot hand us SIGPIPE (we hold the read end while writing).
 * The pipe is grown when the state exceeds its default 64 KiB.
 */
static int state_pipe(const char *state_json, struct cell_error *err)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe for the state");
        _cleanup_close_ int rd = fds[0];
        _cleanup_close_ int wr = fds[1];
        size_t len = strlen(state_json);
        int size = fcntl(wr, F_GETPIPE_SZ);
        if (size >= 0 && (size_t)size < len && fcntl(wr, F_SETPIPE_SZ, (int)len) < 0)
                return cell_error_errno(err, "state JSON of %zu bytes: grow pipe", len);
        if (fcntl(wr, F_SETFL, O_NONBLOCK) < 0 || cell_write_all(wr, state_json, len) < 0)
                return cell_error_errno(err, "write state JSON to the hook's stdin");
        return steal_fd(rd);
}

/* In the child: never returns.  Reports a chdir() or execve() failure through `errfd`. */
static void __attribute__((noreturn))
hook_child(const struct hook_exec *ex, int stdin_fd, int errfd)
{
        struct hook_failure f = {.in_chdir = 1};
        if (errfd <= STDIN_FILENO)
                errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
        if (stdin_fd == STDIN_FILENO)
                fcntl(STDIN_FILENO, F_SETFD, 0);
        else
                dup2(stdin_fd, STDIN_FILENO);
        /* A hook starts like any program: no blocked or ignored signals. */
        cell_signals_reset();
        if (!ex->cwd || chdir(ex->cwd) == 0) {
                f.in_chdir = 0;
                execve(ex->path, ex->argv, ex->envp);
        }
        f.errnum = errno;
        (void)!write(errfd, &f, sizeof(f));
        _exit(127);
}

/* Go-style (runc) errno text: "no such file or directory". */
static int exec_error(const struct hook_failure *f, const char *cwd, struct cell_error *err)
{
        char text[256];
        snprintf(text, sizeof(text), "%s", cell_strerror(f->errnum));
        text[0] = (char)tolower((unsigned char)text[0]);
        if (f->in_chdir)
                cell_error_set(err, 0, "chdir %s: %s", cwd, text);
        else
                cell_error_set(err, 0, "exec: %s", text);
        if (err)
                err->errnum = f->errnum;
        return -1;
}

static int status_error(int status, struct cell_error *err)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return cell_error_set(err, 0, "exited with status %d", WEXITSTATUS(status));
        int sig = WTERMSIG(status);
        const char *name = cell_signal_name(sig);
        return cell_error_set(err, 0, "killed by signal %d (%s)", sig, name ? name : "SIG?");
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until `pid` exits or the deadline passes; 1 when it exited, 0 on
 * timeout.  A pidfd makes the wait a poll(); kernels without pidfd_open
 * (< 5.3) fall back to checking every 10 ms.
 */
static int wait_exit(pid_t pid, int timeout_s)
{
        int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        for (;;) {
                int64_t left = timeout_s > 0 ? deadline - now_ms() : -1;
                if (timeout_s > 0 && left <= 0)
                        return 0;
                if (pidfd < 0) {
                        siginfo_t info = {0};
                        int r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
                        if (r < 0 || info.si_pid != 0)
                                return 1;
                        usleep(10000);
                        continue;
                }
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                /* A timeout of years would not fit poll's int milliseconds:
                 * wait in steps of at most INT_MAX ms, the deadline decides. */
                int r = poll(&p, 1, left < 0 ? -1 : left > INT_MAX ? INT_MAX : (int)left);
                if (r > 0)
                        return 1;
                if (r < 0 && errno != EINTR)
                        return 1;
        }
}

static int wait_hook(pid_t pid, int timeout_s, struct cell_error *err)
{
        bool exited = wait_exit(pid, timeout_s);
        if (!exited)
                kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return cell_error_errno(err, "waitpid %d", (int)pid);
        if (!exited)
                return cell_error_set(err, 0, "timed out after %ds", timeout_s);
        return status_error(status, err);
}

static int run_hook(const struct cell_hook *hook, const char *state_json,
                    const struct cell_hook_context *ctx, struct cell_error *err)
{
        _cleanup_free_ char **argv =
                make_vector(hook->args, hook->args ? hook->n_args : 0, hook->path);
        _cleanup_free_ char **envp = hook->env ? make_vector(hook->env, hook->n_env, NULL) : NULL;
        struct hook_exec ex = {.path = hook->path, .argv = argv, .envp = envp};
        if (!envp)
                ex.envp = ctx && ctx->env ? ctx->env : environ;
        if (ctx)
                ex.cwd = ctx->cwd;
        _cleanup_close_ int stdin_fd = state_pipe(state_json, err);
        if (stdin_fd < 0)
                return -1;
        int errpipe[2];
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        _cleanup_close_ int err_rd = errpipe[0];
        _cleanup_close_ int err_wr = errpipe[1];
        cell_alloc_fork_point();
        pid_t pid = fork();
        if (pid < 0)
                return cell_error_errno(err, "fork");
        if (pid == 0)
                hook_child(&ex, stdin_fd, err_wr);
        cell_closep(&err_wr);
        err_wr = -1;
        /* EOF means execve() succeeded (the CLOEXEC write end vanished). */
        struct hook_failure failure;
        ssize_t n;
        do
                n = read(err_rd, &failure, sizeof(failure));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof(failure)) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return exec_error(&failure, ex.cwd, err);
        }
        return wait_hook(pid, hook->timeout, err);
}

int cell_hooks_run(const struct cell_spec *spec, enum cell_hook_kind kind, const char *state_json,
                   const struct cell_hook_context *ctx, struct cell_error *err)
{
        const struct cell_hook_list *list = &spec->hooks[kind];
        for (size_t i = 0; i < list->n; i++) {
                const struct cell_hook *hook = &list->items[i];
                if (run_hook(hook, state_json, ctx, err) < 0)
                        return cell_error_prefix(err, "%s hook #%zu (%s)",
                                                 cell_hook_kind_name(kind), i, hook->path);
        }
        return 0;
}

int cell_hooks_run_warn(const struct cell_spec *spec, enum cell_hook_kind kind,
                        const char *state_json, const struct cell_hook_context *ctx, const char *id)
{
        const struct cell_hook_list *list = &spec->hooks[kind];
        int failed = 0;
        for (size_t i = 0; i < list->n; i++) {
                struct cell_error err;
                cell_error_clear(&err);
                if (run_hook(&list->items[i], state_json, ctx, &err) == 0)
                        continue;
                cell_warn("container \"%s\": %s hook #%zu (%s): %s", id, cell_hook_kind_name(kind),
                          i, list->items[i].path, err.msg);
                failed++;
        }
        return failed;
}
