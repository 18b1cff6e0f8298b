/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memcpy, memmove and memset for the static musl build (see memops.h).
 *
 * Every size is handled with at most two overlapping loads and stores of
 * the widest width that fits (1..16 bytes), or 32-byte steps plus a last
 * overlapping 32 bytes loaded before anything is stored.  This file is
 * compiled with -fno-tree-loop-distribute-patterns (src/util/meson.build)
 * so that the compiler does not turn the loops back into calls to memcpy
 * or memset, which in the musl build are these very functions.
 */
#include "util/memops.h"

#include <stdint.h>

typedef uint16_t u16u __attribute__((may_alias, aligned(1)));
typedef uint32_t u32u __attribute__((may_alias, aligned(1)));
typedef uint64_t u64u __attribute__((may_alias, aligned(1)));
typedef long long v16 __attribute__((vector_size(16), may_alias, aligned(1)));

/* n <= 32 bytes: all loads first, so overlapping buffers copy correctly too. */
static void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
        if (n >= 16) {
                v16 a = *(const v16 *)s, b = *(const v16 *)(s + n - 16);
                *(v16 *)d = a;
                *(v16 *)(d + n - 16) = b;
        } else if (n >= 8) {
                uint64_t a = *(const u64u *)s, b = *(const u64u *)(s + n - 8);
                *(u64u *)d = a;
                *(u64u *)(d + n - 8) = b;
        } else if (n >= 4) {
                uint32_t a = *(const u32u *)s, b = *(const u32u *)(s + n - 4);
                *(u32u *)d = a;
                *(u32u *)(d + n - 4) = b;
        } else if (n >= 2) {
                uint16_t a = *(const u16u *)s, b = *(const u16u *)(s + n - 2);
                *(u16u *)d = a;
                *(u16u *)(d + n - 2) = b;
        } else if (n) {
                *d = *s;
        }
}

/* n > 32, front to back: safe unless d lies inside (s, s + n). */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
        v16 t0 = *(const v16 *)(s + n - 32), t1 = *(const v16 *)(s + n - 16);
        for (size_t i = 0; i < n - 32; i += 32) {
                v16 a = *(const v16 *)(s + i), b = *(const v16 *)(s + i + 16);
                *(v16 *)(d + i) = a;
                *(v16 *)(d + i + 16) = b;
        }
        *(v16 *)(d + n - 32) = t0;
        *(v16 *)(d + n - 16) = t1;
}

/* n > 32, back to front: safe unless s lies inside (d, d + n). */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
        v16 h0 = *(const v16 *)s, h1 = *(const v16 *)(s + 16);
        for (size_t i = n; i > 32; i -= 32) {
                v16 a = *(const v16 *)(s + i - 32), b = *(const v16 *)(s + i - 16);
                *(v16 *)(d + i - 32) = a;
                *(v16 *)(d + i - 16) = b;
        }
        *(v16 *)d = h0;
        *(v16 *)(d + 16) = h1;
}

void *cell_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
        if (n <= 32)
                copy_small(dst, src, n);
        else
                copy_forward(dst, src, n);
        return dst;
}

void *cell_memmove(void *dst, const void *src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;
        if (n <= 32)
                copy_small(d, s, n);
        else if ((uintptr_t)d - (uintptr_t)s >= n) /* d before s, or no overlap */
                copy_forward(d, s, n);
        else
                copy_backward(d, s, n);
        return dst;
}

void *cell_memset(void *dst, int c, size_t n)
{
        unsigned char *d = dst;
        uint64_t b = 0x0101010101010101ull * (unsigned char)c;
        v16 v = {(long long)b, (long long)b};
        if (n >= 32) {
                for (size_t i = 0; i < n - 32; i += 32) {
                        *(v16 *)(d + i) = v;
                        *(v16 *)(d + i + 16) = v;
                }
                *(v16 *)(d + n - 32) = v;
                *(v16 *)(d + n - 16) = v;
        } else if (n >= 16) {
                *(v16 *)d = v;
                *(v16 *)(d + n - 16) = v;
        } else if (n >= 8) {
                *(u64u *)d = b;
                *(u64u *)(d + n - 8) = b;
        } else if (n >= 4) {
                *(u32u *)d = (uint32_t)b;
                *(u32u *)(d + n - 4) = (uint32_t)b;
        } else if (n >= 2) {
                *(u16u *)d = (uint16_t)b;
                *(u16u *)(d + n - 2) = (uint16_t)b;
        } else if (n) {
                *d = (unsigned char)c;
        }
        return dst;
}
