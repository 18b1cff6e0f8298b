/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_CLEANUP_H
#define CELL_UTIL_CLEANUP_H

/*
 * Scope-bound cleanup (gcc/clang `cleanup` attribute).
 *
 *     _cleanup_free_ char *path = xasprintf("%s/state.json", dir);
 *     _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
 *
 * Every cleaner accepts the "empty" value (NULL, -1) and does nothing.
 * Hand ownership on with steal_ptr()/steal_fd(): they return the value and
 * leave the empty value behind, so the cleaner becomes a no-op.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void cell_freep(void *p)
{
        free(*(void **)p);
}

static inline void cell_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void cell_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void cell_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* Frees a NULL-terminated array of strings and the array itself. */
static inline void cell_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static inline void cell_strv_freep(char ***v)
{
        cell_strv_free(*v);
}

#define _cleanup_free_ _cleanup_(cell_freep)
#define _cleanup_close_ _cleanup_(cell_closep)
#define _cleanup_fclose_ _cleanup_(cell_fclosep)
#define _cleanup_closedir_ _cleanup_(cell_closedirp)
#define _cleanup_strv_ _cleanup_(cell_strv_freep)

#define steal_ptr(p)                                                                               \
        ({                                                                                         \
                __typeof__(p) steal_tmp_ = (p);                                                    \
                (p) = NULL;                                                                        \
                steal_tmp_;                                                                        \
        })

#define steal_fd(fd)                                                                               \
        ({                                                                                         \
                int steal_tmp_ = (fd);                                                             \
                (fd) = -1;                                                                         \
                steal_tmp_;                                                                        \
        })

/*
 * cppcheck (tests/static/check.sh defines __CPPCHECK__) does not model the
 * cleanup attribute: the "(fd) = -1" that disarms the cleaner looks like a
 * value never read.  Show it a call that reads the fd instead.
 */
#ifdef __CPPCHECK__
#undef steal_fd
#define steal_fd(fd) cell_cppcheck_steal_fd(fd)
#endif

#define CELL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
