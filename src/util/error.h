/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_ERROR_H
#define CELL_UTIL_ERROR_H

/*
 * cell's one error contract.
 *
 * A fallible function returns a negative value (normally -1) and fills the
 * caller-owned `struct cell_error` it was handed.  It never prints.  Callers
 * that add meaning on the way up prefix context with cell_error_prefix():
 *
 *     if (mount_proc(root, err) < 0)
 *             return cell_error_prefix(err, "create container '%s'", id);
 *
 * which yields "create container 'web': mount /proc: Operation not permitted".
 *
 * Only src/cli/ prints an error (cell_error_print) and picks the exit code.
 * Below cli/, nothing calls exit(), except a forked child before exec.
 * Out-of-memory aborts (see xalloc.h); it is never reported through here.
 *
 * `errnum` is the errno that caused the failure, or 0 when the failure is a
 * validation error with no errno.  `msg` is always NUL-terminated and never
 * contains a trailing newline.
 */

#include <stdarg.h>
#include <stddef.h>

#define CELL_ERROR_MSG_MAX 2048

struct cell_error {
        int errnum;
        char msg[CELL_ERROR_MSG_MAX];
};

/* Reset to "no error". */
void cell_error_clear(struct cell_error *err);

/*
 * The text of `errnum` as glibc, Go and therefore runc word it, whichever libc
 * this binary uses ("Unknown error N" for a number it does not know).
 */
const char *cell_strerror(int errnum);

/*
 * Set the error to the formatted message; when errnum != 0, ": <strerror>"
 * is appended.  Returns -1 so that `return cell_error_set(...)` reads well.
 * `err` may be NULL (the error is then dropped).
 */
int cell_error_set(struct cell_error *err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* As cell_error_set() with errnum = errno (sampled before formatting). */
int cell_error_errno(struct cell_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Prepend "<context>: " to the current message.  Keeps errnum.  Returns -1. */
int cell_error_prefix(struct cell_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* True when an error has been set. */
int cell_error_is_set(const struct cell_error *err);

#endif
