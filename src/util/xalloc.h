/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_XALLOC_H
#define CELL_UTIL_XALLOC_H

/*
 * Allocation that cannot fail: on out-of-memory these print one line to
 * stderr and abort().  The caller owns the result and releases it with free().
 */

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows `*ptr` (an array of `elem` sized items) to hold at least `n` items. */
void *xreallocarray(void *ptr, size_t n, size_t elem);
char *xstrdup(const char *s);
/* NULL in, NULL out. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
