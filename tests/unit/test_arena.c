/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/util/arena.c (the static musl build's malloc) and
 * src/util/memops.c (its memcpy, memmove, memset), called directly so that
 * they run on every build.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "util/arena.h"
#include "util/cleanup.h"
#include "util/memops.h"

static unsigned char pattern(size_t i, unsigned seed)
{
        return (unsigned char)(i * 131u + seed * 7u + 1u);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
        for (size_t i = 0; i < n; i++)
                p[i] = pattern(i, seed);
}

static int holds(const unsigned char *p, size_t n, unsigned seed)
{
        for (size_t i = 0; i < n; i++)
                if (p[i] != pattern(i, seed))
                        return 0;
        return 1;
}

/* ---- memops --------------------------------------------------------------------------- */

/* Every size to 300 (and some large ones) at every alignment of source and destination. */
static void test_memcpy_memset(void)
{
        static const size_t big[] = {511, 512, 513, 4095, 4096, 4097, 65537};
        static unsigned char src[70000], dst[70100], want[70100];
        fill(src, sizeof(src), 3);
        int bad = 0;
        for (size_t n = 0; n < 300 + CELL_ARRAY_SIZE(big); n++) {
                size_t len = n < 300 ? n : big[n - 300];
                for (size_t so = 0; so < 16; so++)
                        for (size_t d = 0; d < 16; d++) {
                                memset(dst, 0xee, len + 48);
                                if (cell_memcpy(dst + d + 8, src + so, len) != dst + d + 8)
                                        bad++;
                                /* the bytes around the copy are untouched */
                                if (dst[d + 7] != 0xee || dst[d + 8 + len] != 0xee ||
                                    memcmp(dst + d + 8, src + so, len) != 0)
                                        bad++;
                                memset(want, 0xee, len + 48);
                                for (size_t i = 0; i < len; i++)
                                        want[d + 8 + i] = (unsigned char)(so + 0x40);
                                if (cell_memset(dst + d + 8, (int)(so + 0x40) | 0x100, len) !=
                                    dst + d + 8)
                                        bad++;
                                if (memcmp(dst, want, len + 48) != 0)
                                        bad++;
                        }
        }
        CHECK_INT_EQ(bad, 0);
}

/* Overlapping moves in both directions, at every distance up to 80 bytes. */
static void test_memmove(void)
{
        static unsigned char buf[1200], ref[1200];
        int bad = 0;
        static const size_t sizes[] = {0,  1,  2,  3,  7,  8,  15,  16,  17,
                                       31, 32, 33, 63, 64, 65, 100, 1000};
        for (size_t k = 0; k < CELL_ARRAY_SIZE(sizes); k++) {
                size_t n = sizes[k];
                for (size_t dist = 0; dist <= 80; dist++)
                        for (int dir = 0; dir < 2; dir++) {
                                size_t from = dir ? 100 + dist : 100, to = dir ? 100 : 100 + dist;
                                fill(buf, sizeof(buf), (unsigned)(n + dist));
                                memcpy(ref, buf, sizeof(buf));
                                for (size_t i = 0; i < n; i++) /* reference: via a copy */
                                        ref[to + i] = buf[from + i];
                                if (cell_memmove(buf + to, buf + from, n) != buf + to)
                                        bad++;
                                if (memcmp(buf, ref, sizeof(buf)) != 0)
                                        bad++;
                        }
        }
        CHECK_INT_EQ(bad, 0);
}

/* ---- arena ------------------------------------------------------------------------------ */

static void test_class_sizes(void)
{
        CHECK_INT_EQ(cell_arena_class_size(0), 16);
        CHECK_INT_EQ(cell_arena_class_size(1), 16);
        CHECK_INT_EQ(cell_arena_class_size(16), 16);
        CHECK_INT_EQ(cell_arena_class_size(17), 32);
        CHECK_INT_EQ(cell_arena_class_size(256), 256);
        CHECK_INT_EQ(cell_arena_class_size(257), 320);
        CHECK_INT_EQ(cell_arena_class_size(320), 320);
        CHECK_INT_EQ(cell_arena_class_size(321), 384);
        CHECK_INT_EQ(cell_arena_class_size(512), 512);
        CHECK_INT_EQ(cell_arena_class_size(513), 640);
        CHECK_INT_EQ(cell_arena_class_size(65536), 65536);
        CHECK_INT_EQ(cell_arena_class_size(65537), 0);
        /* classes grow monotonically and never waste more than a quarter above 256 */
        size_t prev = 0;
        int bad = 0;
        for (size_t n = 1; n <= 65536; n++) {
                size_t c = cell_arena_class_size(n);
                if (c < n || c < prev || (n > 256 && (c - n) * 4 > c))
                        bad++;
                prev = c;
        }
        CHECK_INT_EQ(bad, 0);
}

static void test_malloc_free_reuse(void)
{
        enum { N = 2000 };
        static unsigned char *p[N];
        static size_t len[N];
        int bad = 0;
        unsigned seed = 1;
        for (int i = 0; i < N; i++) {
                seed = seed * 1103515245u + 12345u;
                len[i] = i % 97 == 0 ? 70000 + seed % 100000 : seed % (i % 5 ? 300 : 9000);
                p[i] = cell_arena_malloc(len[i]);
                if (!p[i] || ((uintptr_t)p[i] & 15) || cell_arena_usable_size(p[i]) < len[i])
                        bad++;
                else
                        fill(p[i], len[i], (unsigned)i);
        }
        for (int i = 0; i < N; i++)
                if (p[i] && !holds(p[i], len[i], (unsigned)i))
                        bad++;
        CHECK_INT_EQ(bad, 0);
        for (int i = 0; i < N; i += 2)
                cell_arena_free(p[i]);
        /* freed blocks come back for the same class, last freed first */
        void *again = cell_arena_malloc(len[N - 2]);
        if (len[N - 2] <= 65536)
                CHECK(again == p[N - 2]);
        for (int i = 1; i < N; i += 2)
                if (!holds(p[i], len[i], (unsigned)i))
                        bad++;
        CHECK_INT_EQ(bad, 0);
        cell_arena_free(again);
        for (int i = 1; i < N; i += 2)
                cell_arena_free(p[i]);
        cell_arena_free(NULL);
        CHECK_INT_EQ(cell_arena_usable_size(NULL), 0);
}

/* A loop that allocates and frees the same sizes does not grow the arena. */
static void test_steady_state(void)
{
        void *first[8];
        for (int i = 0; i < 8; i++)
                first[i] = cell_arena_malloc((size_t)(i + 1) * 40);
        for (int i = 0; i < 8; i++)
                cell_arena_free(first[i]);
        int moved = 0;
        for (int round = 0; round < 1000; round++) {
                void *q[8];
                for (int i = 7; i >= 0; i--)
                        q[i] = cell_arena_malloc((size_t)(i + 1) * 40);
                for (int i = 0; i < 8; i++) {
                        moved += q[i] != first[i];
                        cell_arena_free(q[i]);
                }
        }
        CHECK_INT_EQ(moved, 0);
}

static void test_calloc(void)
{
        unsigned char *p = cell_arena_malloc(200);
        memset(p, 0xab, 200);
        cell_arena_free(p);
        unsigned char *q = cell_arena_calloc(10, 20); /* reuses p's dirty block */
        CHECK(q == p);
        int nonzero = 0;
        for (int i = 0; i < 200; i++)
                nonzero += q[i] != 0;
        CHECK_INT_EQ(nonzero, 0);
        cell_arena_free(q);
        unsigned char *big = cell_arena_calloc(1, 100000);
        CHECK(big && big[0] == 0 && big[99999] == 0);
        cell_arena_free(big);
        errno = 0;
        CHECK(cell_arena_calloc(SIZE_MAX / 2, 3) == NULL);
        CHECK_INT_EQ(errno, ENOMEM);
        errno = 0;
        CHECK(cell_arena_malloc(SIZE_MAX - 8) == NULL);
        CHECK_INT_EQ(errno, ENOMEM);
}

/* Runs before any other test allocates, so that its first block is fresh from the arena. */
static void test_realloc(void)
{
        /* growing the last block: in place, up the classes */
        unsigned char *p = cell_arena_malloc(10);
        fill(p, 10, 5);
        unsigned char *first = p;
        size_t have = 10;
        int moved = 0, bad = 0;
        for (size_t n = 20; n <= 60000; n = n * 3 / 2) {
                p = cell_arena_realloc(p, n);
                moved += p != first;
                if (!holds(p, have, 5))
                        bad++;
                fill(p, n, 5);
                have = n;
        }
        CHECK_INT_EQ(bad, 0);
        CHECK_INT_EQ(moved, 0);
        /* past the largest class: copied into a mapping, then back down */
        p = cell_arena_realloc(p, 200000);
        CHECK(holds(p, have, 5));
        fill(p, 200000, 6);
        p = cell_arena_realloc(p, 100);
        CHECK(holds(p, 100, 6));
        /* a block that is not the last one moves, keeping its bytes */
        unsigned char *a = cell_arena_malloc(40), *b = cell_arena_malloc(40);
        fill(a, 40, 7);
        unsigned char *a2 = cell_arena_realloc(a, 1000);
        CHECK(a2 != a);
        CHECK(holds(a2, 40, 7));
        /* shrinking within the class keeps the block */
        CHECK(cell_arena_realloc(a2, 900) == a2);
        CHECK(cell_arena_realloc(NULL, 30) != NULL);
        cell_arena_free(a2);
        cell_arena_free(b);
        cell_arena_free(p);
}

static void test_memalign(void)
{
        int bad = 0;
        for (size_t align = 1; align <= 65536; align *= 2)
                for (size_t n = 1; n < 5000; n = n * 3 + 1) {
                        unsigned char *p = cell_arena_memalign(align, n);
                        if (!p || ((uintptr_t)p % (align < 16 ? 16 : align)) ||
                            cell_arena_usable_size(p) < n)
                                bad++;
                        else
                                fill(p, n, 9);
                        unsigned char *q = cell_arena_realloc(p, n * 2);
                        if (!q || !holds(q, n, 9))
                                bad++;
                        cell_arena_free(q);
                }
        CHECK_INT_EQ(bad, 0);
        errno = 0;
        CHECK(cell_arena_memalign(24, 10) == NULL);
        CHECK_INT_EQ(errno, EINVAL);
}

/* After a fork point: fresh page, old blocks never written again, new ones reused. */
static void test_fork_point(void)
{
        unsigned char *old = cell_arena_malloc(100);
        fill(old, 100, 11);
        cell_arena_fork_point();
        unsigned char *fresh = cell_arena_malloc(2000); /* class 2048: empty free list */
        CHECK_INT_EQ((uintptr_t)fresh % 4096, 16);      /* header at a page start */
        cell_arena_free(old);                           /* from before: left as it was */
        CHECK(holds(old, 100, 11));
        unsigned char *again = cell_arena_malloc(100);
        CHECK(again != old);
        cell_arena_free(again);
        CHECK(cell_arena_malloc(100) == again); /* this generation's blocks are reused */
        cell_arena_free(fresh);
}

/* A second free of a block aborts instead of corrupting the free list. */
static void test_double_free_aborts(void)
{
        pid_t pid = fork();
        if (pid == 0) {
                void *p = cell_arena_malloc(64);
                cell_arena_free(p);
                cell_arena_free(p);
                _exit(0);
        }
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

UNIT_MAIN(UNIT_TEST(test_memcpy_memset), UNIT_TEST(test_memmove), UNIT_TEST(test_class_sizes),
          UNIT_TEST(test_realloc), UNIT_TEST(test_malloc_free_reuse), UNIT_TEST(test_steady_state),
          UNIT_TEST(test_calloc), UNIT_TEST(test_memalign), UNIT_TEST(test_fork_point),
          UNIT_TEST(test_double_free_aborts))
