/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_TESTS_SECCOMP_TEST_H
#define CELL_TESTS_SECCOMP_TEST_H

/*
 * Helpers shared by the seccomp unit tests: profiles built by hand
 * (struct cell_seccomp, as the oci parser would fill it) and children that
 * load a filter and report through their exit status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/seccomp.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* ---- building profiles by hand ---- */

static inline struct cell_seccomp profile(const char *default_action)
{
        return (struct cell_seccomp){.present = true, .default_action = xstrdup(default_action)};
}

static inline char **strv_append(char **v, size_t *n, const char *s)
{
        v = xreallocarray(v, *n + 2, sizeof(*v));
        v[(*n)++] = xstrdup(s);
        v[*n] = NULL;
        return v;
}

/* Adds a rule for one syscall; the pointer is valid until the next rule(). */
static inline struct cell_seccomp_rule *rule(struct cell_seccomp *s, const char *action,
                                             const char *name)
{
        s->syscalls = xreallocarray(s->syscalls, s->n_syscalls + 1, sizeof(*s->syscalls));
        struct cell_seccomp_rule *r = &s->syscalls[s->n_syscalls++];
        *r = (struct cell_seccomp_rule){.action = xstrdup(action)};
        r->names = strv_append(NULL, &r->n_names, name);
        return r;
}

static inline void rule_errno(struct cell_seccomp_rule *r, unsigned errno_ret)
{
        r->has_errno_ret = true;
        r->errno_ret = errno_ret;
}

static inline void arg(struct cell_seccomp_rule *r, unsigned index, const char *op, uint64_t value,
                       uint64_t value_two)
{
        r->args = xreallocarray(r->args, r->n_args + 1, sizeof(*r->args));
        r->args[r->n_args++] = (struct cell_seccomp_arg){
                .index = index, .value = value, .value_two = value_two, .op = xstrdup(op)};
}

static inline void profile_release(struct cell_seccomp *s)
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
static inline int run_filtered(struct cell_seccomp_filter *filter, child_fn fn, void *data)
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                struct cell_error err = {0};
                if (cell_seccomp_load(filter, NULL, &err) < 0) {
                        fprintf(stderr, "  child: %s\n", err.msg);
                        _exit(CHILD_LOAD_FAILED);
                }
                /* Raw exit_group: no libc or sanitizer exit handlers under the filter. */
                syscall(SYS_exit_group, fn(data));
                _exit(CHILD_WRONG);
        }
        int status = -1;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

static inline bool exited_ok(int status)
{
        return WIFEXITED(status) && WEXITSTATUS(status) == CHILD_OK;
}

/* Compile `s`, run `fn` filtered, release everything; returns the wait status. */
static inline int run_profile(struct cell_seccomp *s, child_fn fn, void *data)
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

static inline int call_expect(void *data)
{
        const struct expect *e = data;
        errno = 0;
        long r = syscall(e->nr, e->a0, e->a1, 0, 0, 0, 0);
        if (e->ret == -1)
                return r == -1 && errno == e->err ? CHILD_OK : CHILD_WRONG;
        return r == e->ret ? CHILD_OK : CHILD_WRONG;
}

/* getppid() ignores its arguments but the filter sees them: a harmless probe. */
static inline int probe(struct cell_seccomp *s, uint64_t a0, uint64_t a1, int expect_errno)
{
        struct expect e = {SYS_getppid, a0, a1, expect_errno ? -1 : getpid(), expect_errno};
        return run_profile(s, call_expect, &e);
}

#endif
