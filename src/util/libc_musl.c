/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static musl build's malloc family and memcpy/memmove/memset: cell's
 * own (util/arena.h, util/memops.h, which say why).  Linked into the `cell`
 * executable only when the C library is musl (meson.build); glibc's are
 * fast, and sanitizer and valgrind builds need the C library's.
 *
 * musl lets a static program replace malloc when it defines the whole
 * family: musl's own calloc would otherwise ask mallocng about a block it
 * did not allocate.  musl's internal allocations (locale, time zone, atexit,
 * posix_spawn file actions) keep using mallocng under other names, and are
 * freed there too.
 *
 * open(): musl follows every O_CLOEXEC open with fcntl(F_SETFD), for kernels
 * before 2.6.23 that ignored the flag.  cell opens ~20 files per `run` and
 * needs Linux 5.x anyway: one openat each, not two system calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/memops.h"

void *memalign(size_t align, size_t n);
size_t malloc_usable_size(void *p);

void *malloc(size_t n)
{
        return cell_arena_malloc(n);
}

void *calloc(size_t count, size_t n)
{
        return cell_arena_calloc(count, n);
}

void *realloc(void *p, size_t n)
{
        return cell_arena_realloc(p, n);
}

void free(void *p)
{
        cell_arena_free(p);
}

void *aligned_alloc(size_t align, size_t n)
{
        return cell_arena_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
        return cell_arena_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
        if (align < sizeof(void *))
                return EINVAL;
        int saved = errno;
        void *p = cell_arena_memalign(align, n);
        int err = p ? 0 : errno;
        errno = saved;
        if (!p)
                return err;
        *out = p;
        return 0;
}

size_t malloc_usable_size(void *p)
{
        return cell_arena_usable_size(p);
}

void cell_alloc_fork_point(void)
{
        cell_arena_fork_point();
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
        return cell_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
        return cell_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
        return cell_memset(dst, c, n);
}

int open(const char *path, int flags, ...)
{
        mode_t mode = 0;
        if (flags & (O_CREAT | O_TMPFILE)) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_LARGEFILE, mode);
}
