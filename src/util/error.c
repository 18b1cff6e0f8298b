/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void cell_error_clear(struct cell_error *err)
{
        if (!err)
                return;
        err->errnum = 0;
        err->msg[0] = '\0';
}

static int error_vset(struct cell_error *err, int errnum, const char *fmt, va_list ap)
{
        if (!err)
                return -1;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (n < 0)
                n = 0;
        if ((size_t)n >= sizeof(err->msg))
                n = sizeof(err->msg) - 1;
        if (errnum)
                snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
        err->errnum = errnum;
        return -1;
}

int cell_error_set(struct cell_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, errnum, fmt, ap);
        va_end(ap);
        return -1;
}

int cell_error_errno(struct cell_error *err, const char *fmt, ...)
{
        int saved = errno;
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, saved, fmt, ap);
        va_end(ap);
        errno = saved;
        return -1;
}

int cell_error_prefix(struct cell_error *err, const char *fmt, ...)
{
        if (!err)
                return -1;
        char prefix[CELL_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -1;
        size_t plen = strlen(prefix);
        size_t mlen = strlen(err->msg);
        if (plen + 2 + mlen >= sizeof(err->msg)) {
                if (plen + 2 >= sizeof(err->msg))
                        return -1;
                mlen = sizeof(err->msg) - plen - 3;
        }
        memmove(err->msg + plen + 2, err->msg, mlen);
        err->msg[plen + 2 + mlen] = '\0';
        memcpy(err->msg, prefix, plen);
        err->msg[plen] = ':';
        err->msg[plen + 1] = ' ';
        return -1;
}

int cell_error_is_set(const struct cell_error *err)
{
        return err && (err->msg[0] != '\0' || err->errnum != 0);
}
