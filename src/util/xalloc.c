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

char *xasprintf(const char *fmt, ...)
{
        char *p = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&p, fmt, ap);
        va_end(ap);
        if (r < 0)
                oom();
        return p;
}
