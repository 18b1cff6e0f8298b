/* SPDX-License-Identifier: Apache-2.0 */
/* cell's allocator: see arena.h for why and how. */
#include "util/arena.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/memops.h"

#define ALIGN 16u
#define SMALL_MAX 256u               /* classes 0..15: 16, 32, ... 256 */
#define N_CLASSES 48u                /* then 4 per power of two: 320 ... 65536 */
#define CLASS_MAX ((size_t)64 << 10) /* largest class; above: a mapping per block */
#define CHUNK ((size_t)1 << 20)      /* arena growth after the .bss region */
#define INITIAL ((size_t)256 << 10)  /* the .bss region */
#define PAGE ((size_t)4096)
#define WINDOW ((size_t)32 << 10) /* populated ahead of the bump pointer: populate_to */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

enum block_kind {
        KIND_CLASS = 0x63656c6c, /* in a size class (from the arena or a free list) */
        KIND_MAPPED,             /* a mapping of its own; `size` is the usable length */
        KIND_ALIGNED,            /* memalign: `size` is the offset back to the real block */
        KIND_FREE,               /* on a free list (a second free aborts) */
};

/* Precedes every block; 16 bytes, so the block stays 16-byte aligned. */
struct header {
        size_t size; /* usable bytes (the class capacity), see enum block_kind */
        uint32_t kind;
        uint32_t generation; /* class blocks: cell_arena_fork_point() calls before it */
};

struct free_block {
        struct free_block *next;
};

static unsigned char initial_region[INITIAL] __attribute__((aligned(PAGE)));
static unsigned char *bump = initial_region, *bump_end = initial_region + INITIAL;
static unsigned char *last_block; /* the most recent bump allocation (realloc in place) */
static unsigned char *populated = initial_region; /* bump memory below is mapped and written */
static struct free_block *free_lists[N_CLASSES];
static uint32_t generation;
static int lock_word;

static void lock(void)
{
        while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
                sched_yield();
}

static void unlock(void)
{
        __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static struct header *header_of(const void *p)
{
        return (struct header *)((uintptr_t)p - sizeof(struct header));
}

/* Class index of a request of n bytes (n <= CLASS_MAX). */
static unsigned class_of(size_t n)
{
        if (n <= SMALL_MAX)
                return n ? (unsigned)((n - 1) / 16) : 0;
        unsigned bit = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1)); /* >= 8 */
        unsigned sub = (unsigned)((n - 1) >> (bit - 2)) & 3u;
        return 16u + (bit - 8u) * 4u + sub;
}

static size_t class_capacity(unsigned c)
{
        if (c < 16)
                return (size_t)(c + 1) * 16;
        unsigned bit = 8u + (c - 16u) / 4u, sub = (c - 16u) % 4u;
        return (size_t)(5u + sub) << (bit - 2u);
}

size_t cell_arena_class_size(size_t n)
{
        return n > CLASS_MAX ? 0 : class_capacity(class_of(n));
}

static void *map(size_t len)
{
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        return p == MAP_FAILED ? NULL : p;
}

/* A block above the largest class: a mapping of its own. */
static void *alloc_mapped(size_t n)
{
        if (n > SIZE_MAX - sizeof(struct header) - PAGE) {
                errno = ENOMEM;
                return NULL;
        }
        size_t len = (n + sizeof(struct header) + PAGE - 1) & ~(PAGE - 1);
        struct header *h = map(len);
        if (!h) {
                errno = ENOMEM;
                return NULL;
        }
        h->size = len - sizeof(struct header);
        h->kind = KIND_MAPPED;
        return h + 1;
}

/*
 * Map the arena's next pages in one call before the bump pointer reaches
 * them: a page fault costs far more than its share of one madvise (here
 * 13 us per fault against ~1 us per page populated, in a VM with shadow
 * page tables).  Best effort: a kernel without MADV_POPULATE_WRITE, or one
 * short of memory, leaves the pages to fault in as they are touched.
 * Populates up to WINDOW past `end`, so a `run` makes ~3 calls.
 */
static void populate_to(unsigned char *end)
{
        if (end <= populated)
                return;
        unsigned char *to =
                (unsigned char *)(((uintptr_t)end + WINDOW - 1) & ~(uintptr_t)(PAGE - 1));
        if (to > bump_end)
                to = bump_end;
        (void)madvise(populated, (size_t)(to - populated), MADV_POPULATE_WRITE);
        populated = to;
}

/* A class block; `*fresh` when it comes from never-used (zero) arena memory.  Locked. */
static void *alloc_class(unsigned c, bool *fresh)
{
        struct free_block *b = free_lists[c];
        if (b) {
                free_lists[c] = b->next;
                header_of(b)->kind = KIND_CLASS; /* a block of this generation */
                *fresh = false;
                return b;
        }
        size_t need = sizeof(struct header) + class_capacity(c);
        if ((size_t)(bump_end - bump) < need) {
                unsigned char *chunk = map(CHUNK);
                if (!chunk) {
                        errno = ENOMEM;
                        return NULL;
                }
                /* The old region's tail is left unused: at most one block's worth. */
                bump = chunk;
                bump_end = chunk + CHUNK;
                populated = chunk;
        }
        populate_to(bump + need);
        struct header *h = (struct header *)bump;
        bump += need;
        h->size = class_capacity(c);
        h->kind = KIND_CLASS;
        h->generation = generation;
        last_block = (unsigned char *)(h + 1);
        *fresh = true;
        return h + 1;
}

static void *alloc(size_t n, bool *fresh)
{
        if (n > CLASS_MAX) {
                *fresh = true; /* mmap gives zero pages */
                return alloc_mapped(n);
        }
        lock();
        void *p = alloc_class(class_of(n), fresh);
        unlock();
        return p;
}

void *cell_arena_malloc(size_t n)
{
        bool fresh;
        return alloc(n, &fresh);
}

void *cell_arena_calloc(size_t count, size_t n)
{
        if (n && count > SIZE_MAX / n) {
                errno = ENOMEM;
                return NULL;
        }
        bool fresh;
        void *p = alloc(count * n, &fresh);
        if (p && !fresh)
                cell_memset(p, 0, count * n);
        return p;
}

void cell_arena_free(void *p)
{
        if (!p)
                return;
        struct header *h = header_of(p);
        switch (h->kind) {
        case KIND_ALIGNED:
                cell_arena_free((unsigned char *)p - h->size);
                return;
        case KIND_MAPPED:
                munmap(h, h->size + sizeof(struct header));
                return;
        case KIND_CLASS: {
                unsigned c = class_of(h->size);
                struct free_block *b = p;
                if (h->generation != generation)
                        return; /* from before a fork: left alone, see cell_arena_fork_point */
                lock();
                h->kind = KIND_FREE;
                if (last_block == p)
                        last_block = NULL;
                b->next = free_lists[c];
                free_lists[c] = b;
                unlock();
                return;
        }
        default:
                abort(); /* not a block of this allocator, or a corrupted header */
        }
}

size_t cell_arena_usable_size(const void *p)
{
        if (!p)
                return 0;
        const struct header *h = header_of(p);
        if (h->kind == KIND_ALIGNED)
                return cell_arena_usable_size((const unsigned char *)p - h->size) - h->size;
        return h->size;
}

/*
 * The most recent bump block grows in place when the arena has room: its
 * header takes the capacity of the larger class.  Locked.
 */
static bool grow_in_place(void *p, size_t n)
{
        if (p != last_block || n > CLASS_MAX)
                return false;
        struct header *h = header_of(p);
        size_t cap = class_capacity(class_of(n));
        if ((size_t)(bump_end - (unsigned char *)p) < cap)
                return false;
        populate_to((unsigned char *)p + cap);
        bump = (unsigned char *)p + cap;
        h->size = cap;
        return true;
}

void *cell_arena_realloc(void *p, size_t n)
{
        if (!p)
                return cell_arena_malloc(n);
        size_t have = cell_arena_usable_size(p);
        struct header *h = header_of(p);
        if (h->kind == KIND_CLASS && n <= have)
                return p;
        if (h->kind == KIND_CLASS) {
                lock();
                bool grown = grow_in_place(p, n);
                unlock();
                if (grown)
                        return p;
        }
        void *q = cell_arena_malloc(n);
        if (!q)
                return NULL;
        cell_memcpy(q, p, have < n ? have : n);
        cell_arena_free(p);
        return q;
}

void *cell_arena_memalign(size_t align, size_t n)
{
        if (!align || (align & (align - 1))) {
                errno = EINVAL;
                return NULL;
        }
        if (align <= ALIGN)
                return cell_arena_malloc(n);
        if (n > SIZE_MAX - align - sizeof(struct header)) {
                errno = ENOMEM;
                return NULL;
        }
        unsigned char *q = cell_arena_malloc(n + align + sizeof(struct header));
        if (!q)
                return NULL;
        uintptr_t at = ((uintptr_t)q + sizeof(struct header) + align - 1) & ~(uintptr_t)(align - 1);
        struct header *h = header_of((void *)at);
        h->size = at - (uintptr_t)q;
        h->kind = KIND_ALIGNED;
        return (void *)at;
}

void cell_arena_fork_point(void)
{
        lock();
        generation++;
        for (unsigned c = 0; c < N_CLASSES; c++)
                free_lists[c] = NULL;
        last_block = NULL;
        bump = (unsigned char *)(((uintptr_t)bump + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
        populated = bump; /* pages populated ahead are shared now: populate them again */
        unlock();
}

/* The C library's allocator is not this one: nothing to do (libc_musl.c overrides). */
__attribute__((weak)) void cell_alloc_fork_point(void)
{
}
