/* SPDX-License-Identifier: Apache-2.0 */
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn)) oom(void)
{
        static const char msg[] = "cell: out of memory\n";
        ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)r;
        abort();
}

void *xmalloc(size_t size)
{
        void *p = malloc(size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xzalloc(size_t size)
{
        return xcalloc(1, size);
}

void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *ptr, size_t size)
{
        void *p = realloc(ptr, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xreallocarray(void *ptr, size_t n, size_t elem)
{
        void *p = reallocarray(ptr, n ? n : 1, elem ? elem : 1);
        if (!p)
                oom();
        return p;
}

char *xstrdup(const char *s)
{
        char *p = strdup(s);
        if (!p)
                oom();
        return p;
}

char *xstrdup_or_null(const char *s)
{
        return s ? xstrdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);
        if (!p)
                oom();
        return p;
}

/*
 * One formatting pass when the result fits in a stack buffer (nearly every
 * path and value cell formats); vasprintf() formats twice, once to measure.
 */
char *xvasprintf(const char *fmt, va_list ap)
{
        char buf[256];
        va_list again;
        va_copy(again, ap);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        if (n < 0)
                oom();
        char *p = xmalloc((size_t)n + 1);
        if ((size_t)n < sizeof(buf))
                memcpy(p, buf, (size_t)n + 1);
        else
                vsnprintf(p, (size_t)n + 1, fmt, again);
        va_end(again);
        return p;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *p = xvasprintf(fmt, ap);
        va_end(ap);
        return p;
}
