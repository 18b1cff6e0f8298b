/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell's allocator and memory copies (src/util/arena.c, memops.c), which
 * the static musl build uses in place of the C library's: the input is a
 * program of allocations, frees, reallocations, aligned allocations, fork
 * points and overlapping moves over 64 slots.  Every live block is filled
 * with a pattern of its own and checked before it is freed or moved, so two
 * blocks that overlap, a realloc that loses bytes or a copy that writes
 * outside its range shows as a mismatch.  Seeds: corpus/arena/.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "util/arena.h"
#include "util/memops.h"

#define SLOTS 64

struct slot {
        unsigned char *p;
        size_t n;
        unsigned char seed;
};

static void fill(struct slot *s)
{
        for (size_t i = 0; i < s->n; i++)
                s->p[i] = (unsigned char)(s->seed + i * 7);
}

static void check(const struct slot *s)
{
        for (size_t i = 0; i < s->n; i++)
                FUZZ_ASSERT(s->p[i] == (unsigned char)(s->seed + i * 7));
}

/* Sizes mostly below 2 KiB, one in 64 just past the largest class (64 KiB). */
static size_t size_of(uint8_t a, uint8_t b)
{
        if ((b & 0xfc) == 0xfc)
                return 65536 + (size_t)a * 16;
        return ((size_t)a | (size_t)b << 8) % 2048;
}

static void moves(const uint8_t *d)
{
        unsigned char buf[600], ref[600];
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (unsigned char)(i * 13 + d[0]);
        memcpy(ref, buf, sizeof(buf));
        size_t from = d[1] % 300, to = d[2] % 300, n = (size_t)d[3] % 300;
        unsigned char tmp[300];
        for (size_t i = 0; i < n; i++) /* reference: through a copy */
                tmp[i] = ref[from + i];
        for (size_t i = 0; i < n; i++)
                ref[to + i] = tmp[i];
        FUZZ_ASSERT(cell_memmove(buf + to, buf + from, n) == buf + to);
        FUZZ_ASSERT(memcmp(buf, ref, sizeof(buf)) == 0);
        FUZZ_ASSERT(cell_memset(buf + from, d[0], n) == buf + from);
        for (size_t i = 0; i < n; i++)
                FUZZ_ASSERT(buf[from + i] == d[0]);
        if (from + n <= to || to + n <= from) {
                FUZZ_ASSERT(cell_memcpy(buf + to, buf + from, n) == buf + to);
                FUZZ_ASSERT(memcmp(buf + to, buf + from, n) == 0);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct slot slots[SLOTS] = {{0}};
        for (size_t at = 0; at + 4 <= size; at += 4) {
                const uint8_t *op = data + at;
                struct slot *s = &slots[op[1] % SLOTS];
                size_t n = size_of(op[2], op[3]);
                switch (op[0] % 8) {
                case 0: /* malloc */
                case 1:
                        if (s->p)
                                break;
                        s->p = cell_arena_malloc(n);
                        FUZZ_ASSERT(s->p && ((uintptr_t)s->p & 15) == 0);
                        FUZZ_ASSERT(cell_arena_usable_size(s->p) >= n);
                        s->n = n;
                        s->seed = op[2];
                        fill(s);
                        break;
                case 2: /* calloc */
                        if (s->p)
                                break;
                        s->p = cell_arena_calloc(1 + op[2] % 8, n / 8);
                        s->n = (size_t)(1 + op[2] % 8) * (n / 8);
                        FUZZ_ASSERT(s->p);
                        for (size_t i = 0; i < s->n; i++)
                                FUZZ_ASSERT(s->p[i] == 0);
                        s->seed = op[3];
                        fill(s);
                        break;
                case 3: /* free */
                        if (!s->p)
                                break;
                        check(s);
                        cell_arena_free(s->p);
                        *s = (struct slot){0};
                        break;
                case 4: { /* realloc */
                        if (s->p)
                                check(s);
                        unsigned char *q = cell_arena_realloc(s->p, n);
                        FUZZ_ASSERT(q);
                        size_t kept = s->n < n ? s->n : n;
                        for (size_t i = 0; i < kept; i++)
                                FUZZ_ASSERT(q[i] == (unsigned char)(s->seed + i * 7));
                        s->p = q;
                        s->n = n;
                        fill(s);
                        break;
                }
                case 5: { /* aligned */
                        if (s->p)
                                break;
                        size_t align = (size_t)1 << (op[2] % 14);
                        s->p = cell_arena_memalign(align, n);
                        FUZZ_ASSERT(s->p && (uintptr_t)s->p % (align < 16 ? 16 : align) == 0);
                        s->n = n;
                        s->seed = op[3];
                        fill(s);
                        break;
                }
                case 6: { /* a fork point: older blocks stay valid and are never handed out again */
                        /* Each one gives up the blocks of before for good: a few per process. */
                        static unsigned fork_points;
                        if (op[2] == 0 && fork_points < 16) {
                                fork_points++;
                                cell_arena_fork_point();
                        }
                        break;
                }
                default:
                        moves(op);
                        break;
                }
        }
        for (size_t i = 0; i < SLOTS; i++)
                if (slots[i].p) {
                        check(&slots[i]);
                        cell_arena_free(slots[i].p);
                }
        return 0;
}
