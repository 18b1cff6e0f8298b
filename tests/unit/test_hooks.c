/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks (runtime/hooks.c): stdin, argv, env, failures and timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "unit.h"

static const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"hooked\",\"status\":\"creating\","
                           "\"pid\":42,\"bundle\":\"/tmp/bundle\"}";

static char tmpdir[] = "/tmp/cell-test-hooks-XXXXXX";

/* A spec holding `n` hooks of one kind; the hooks are the caller's array. */
static struct cell_spec spec_with(enum cell_hook_kind kind, struct cell_hook *hooks, size_t n)
{
        struct cell_spec spec = {0};
        spec.hooks[kind].items = hooks;
        spec.hooks[kind].n = n;
        return spec;
}

static char *tmp_path(const char *name)
{
        return xasprintf("%s/%s", tmpdir, name);
}

static char *read_back(const char *path)
{
        char *content = NULL;
        struct cell_error err;
        if (cell_read_file(path, &content, NULL, &err) < 0)
                return NULL;
        return content;
}

/*
 * Run the hooks in a child whose stdout is a file, so what the hook prints
 * can be compared.  Returns the output; `*rc` gets cell_hooks_run's result.
 */
static char *run_capturing_in(const struct cell_spec *spec, enum cell_hook_kind kind,
                              const struct cell_hook_context *ctx, int *rc)
{
        _cleanup_free_ char *out = tmp_path("stdout");
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
                        _exit(99);
                struct cell_error err = {0};
                _exit(cell_hooks_run(spec, kind, state, ctx, &err) == 0 ? 0 : 1);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        *rc = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
        return read_back(out);
}

static char *run_capturing(const struct cell_spec *spec, enum cell_hook_kind kind, int *rc)
{
        return run_capturing_in(spec, kind, NULL, rc);
}

static void test_state_on_stdin(void)
{
        _cleanup_free_ char *out = tmp_path("state.json");
        char *args[] = {"sh", "-c", "cat > \"$1\"", "sh", out, NULL};
        struct cell_hook hook = {.path = "/bin/sh", .args = args, .n_args = 5};
        struct cell_spec spec = spec_with(CELL_HOOK_PRESTART, &hook, 1);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_PRESTART, state, NULL, &err), 0);
        _cleanup_free_ char *got = read_back(out);
        CHECK_STR_EQ(got, state);
}

static void test_env_exact(void)
{
        char *env[] = {"A=1", "B=two words", NULL};
        char *args[] = {"env", NULL};
        struct cell_hook hook = {
                .path = "/usr/bin/env", .args = args, .n_args = 1, .env = env, .n_env = 2};
        struct cell_spec spec = spec_with(CELL_HOOK_CREATE_RUNTIME, &hook, 1);
        int rc = -1;
        _cleanup_free_ char *got = run_capturing(&spec, CELL_HOOK_CREATE_RUNTIME, &rc);
        CHECK_INT_EQ(rc, 0);
        CHECK_STR_EQ(got, "A=1\nB=two words\n");
}

/* No args: argv is [path]; no env: the runtime's environment (runc's). */
static void test_defaults_runtime_env(void)
{
        setenv("CELL_UNIT_HOOK_MARK", "from the runtime", 1);
        struct cell_hook hook = {.path = "/usr/bin/env"};
        struct cell_spec spec = spec_with(CELL_HOOK_POSTSTART, &hook, 1);
        int rc = -1;
        _cleanup_free_ char *got = run_capturing(&spec, CELL_HOOK_POSTSTART, &rc);
        unsetenv("CELL_UNIT_HOOK_MARK");
        CHECK_INT_EQ(rc, 0);
        CHECK(got && strstr(got, "CELL_UNIT_HOOK_MARK=from the runtime\n"));
}

/* No env: the context's environment; the context's directory. */
static void test_context_env_and_cwd(void)
{
        char *args[] = {"sh", "-c", "echo \"$CTX\"; pwd", NULL};
        char *ctx_env[] = {"CTX=given", NULL};
        struct cell_hook hook = {.path = "/bin/sh", .args = args, .n_args = 3};
        struct cell_spec spec = spec_with(CELL_HOOK_CREATE_CONTAINER, &hook, 1);
        const struct cell_hook_context ctx = {.env = ctx_env, .cwd = "/proc"};
        int rc = -1;
        _cleanup_free_ char *got = run_capturing_in(&spec, CELL_HOOK_CREATE_CONTAINER, &ctx, &rc);
        CHECK_INT_EQ(rc, 0);
        CHECK_STR_EQ(got, "given\n/proc\n");
}

/* A directory that cannot be entered fails the hook, naming it. */
static void test_context_bad_cwd(void)
{
        struct cell_hook hook = {.path = "/bin/true"};
        struct cell_spec spec = spec_with(CELL_HOOK_PRESTART, &hook, 1);
        const struct cell_hook_context ctx = {.cwd = "/nonexistent-hook-dir"};
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_PRESTART, state, &ctx, &err), -1);
        CHECK(strstr(err.msg, "chdir /nonexistent-hook-dir: no such file or directory"));
}

static void test_args_passed(void)
{
        char *args[] = {"sh", "-c", "printf '[%s]' \"$0\" \"$@\"", "zero", "a b", "", "c", NULL};
        struct cell_hook hook = {.path = "/bin/sh", .args = args, .n_args = 7};
        struct cell_spec spec = spec_with(CELL_HOOK_POSTSTOP, &hook, 1);
        int rc = -1;
        _cleanup_free_ char *got = run_capturing(&spec, CELL_HOOK_POSTSTOP, &rc);
        CHECK_INT_EQ(rc, 0);
        CHECK_STR_EQ(got, "[zero][a b][][c]");
}

/* The second hook fails: the error names it, the third never runs. */
static void test_exit_status_stops(void)
{
        _cleanup_free_ char *marker = tmp_path("third-ran");
        char *ok[] = {"true", NULL};
        char *fail[] = {"sh", "-c", "exit 3", NULL};
        char *touch[] = {"touch", marker, NULL};
        struct cell_hook hooks[] = {
                {.path = "/bin/true", .args = ok, .n_args = 1},
                {.path = "/bin/sh", .args = fail, .n_args = 3},
                {.path = "/usr/bin/touch", .args = touch, .n_args = 2},
        };
        struct cell_spec spec = spec_with(CELL_HOOK_PRESTART, hooks, 3);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_PRESTART, state, NULL, &err), -1);
        CHECK_STR_EQ(err.msg, "prestart hook #1 (/bin/sh): exited with status 3");
        CHECK(access(marker, F_OK) < 0 && errno == ENOENT);
}

static void test_killed_by_signal(void)
{
        char *args[] = {"sh", "-c", "kill -TERM $$", NULL};
        struct cell_hook hook = {.path = "/bin/sh", .args = args, .n_args = 3};
        struct cell_spec spec = spec_with(CELL_HOOK_CREATE_CONTAINER, &hook, 1);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_CREATE_CONTAINER, state, NULL, &err), -1);
        CHECK_STR_EQ(err.msg, "createContainer hook #0 (/bin/sh): killed by signal 15 (SIGTERM)");
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_timeout(void)
{
        char *args[] = {"sleep", "10", NULL};
        struct cell_hook hook = {.path = "/bin/sleep", .args = args, .n_args = 2, .timeout = 1};
        struct cell_spec spec = spec_with(CELL_HOOK_CREATE_RUNTIME, &hook, 1);
        struct cell_error err = {0};
        double start = now_s();
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_CREATE_RUNTIME, state, NULL, &err), -1);
        double elapsed = now_s() - start;
        CHECK(elapsed >= 0.9 && elapsed < 2.5);
        CHECK_STR_EQ(err.msg, "createRuntime hook #0 (/bin/sleep): timed out after 1s");
        /* The hook was reaped: no child is left. */
        CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

static void test_missing_executable(void)
{
        struct cell_hook hook = {.path = "/nonexistent/cell-hook"};
        struct cell_spec spec = spec_with(CELL_HOOK_START_CONTAINER, &hook, 1);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_START_CONTAINER, state, NULL, &err), -1);
        CHECK_STR_EQ(err.msg, "startContainer hook #0 (/nonexistent/cell-hook): exec: no such "
                              "file or directory");
        CHECK_INT_EQ(err.errnum, ENOENT);
}

/* A state bigger than a default pipe, and a hook that never reads it. */
static void test_large_state_unread(void)
{
        size_t len = 300 * 1024;
        _cleanup_free_ char *big = xmalloc(len + 1);
        memset(big, 'x', len);
        big[len] = '\0';
        char *args[] = {"true", NULL};
        struct cell_hook hook = {.path = "/bin/true", .args = args, .n_args = 1, .timeout = 5};
        struct cell_spec spec = spec_with(CELL_HOOK_PRESTART, &hook, 1);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_hooks_run(&spec, CELL_HOOK_PRESTART, big, NULL, &err), 0);
        if (err.msg[0])
                fprintf(stderr, "  error: %s\n", err.msg);
}

/* The hook gets fds 0, 1, 2 only: neither end of our pipes leaks into it. */
static void test_no_fd_leak(void)
{
        /* "; true" keeps sh from exec'ing ls: ls lists the fds of sh, the hook. */
        char *args[] = {"sh", "-c", "ls -C /proc/$$/fd; true", NULL};
        struct cell_hook hook = {.path = "/bin/sh", .args = args, .n_args = 3};
        struct cell_spec spec = spec_with(CELL_HOOK_PRESTART, &hook, 1);
        int rc = -1;
        _cleanup_free_ char *got = run_capturing(&spec, CELL_HOOK_PRESTART, &rc);
        CHECK_INT_EQ(rc, 0);
        CHECK_STR_EQ(got, "0  1  2\n");
}

static void test_setup(void)
{
        CHECK(mkdtemp(tmpdir) != NULL);
        /* As cell's main does: whatever our parent leaked must not reach a hook. */
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_fds_cloexec_from(3, &err), 0);
}

static void test_cleanup(void)
{
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_remove_tree_at(AT_FDCWD, tmpdir, &err), 0);
}

UNIT_MAIN(UNIT_TEST(test_setup), UNIT_TEST(test_state_on_stdin), UNIT_TEST(test_env_exact),
          UNIT_TEST(test_defaults_runtime_env), UNIT_TEST(test_context_env_and_cwd),
          UNIT_TEST(test_context_bad_cwd), UNIT_TEST(test_args_passed),
          UNIT_TEST(test_exit_status_stops), UNIT_TEST(test_killed_by_signal),
          UNIT_TEST(test_timeout), UNIT_TEST(test_missing_executable),
          UNIT_TEST(test_large_state_unread), UNIT_TEST(test_no_fd_leak), UNIT_TEST(test_cleanup))
