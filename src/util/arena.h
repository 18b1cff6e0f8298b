/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_ARENA_H
#define CELL_UTIL_ARENA_H

/*
 * cell's memory allocator, for the static musl build (src/util/libc_musl.c
 * makes these malloc, free, calloc, realloc...).  Other builds keep their C
 * library's allocator; the unit tests call these directly on any build.
 *
 * Why: a cell command is a short-lived process that makes ~900 small
 * allocations (json-c, paths, formatting), and musl's mallocng spends ~150 ns
 * per malloc/free pair on them, gives each size class pages of its own (41 of
 * the 77 page faults of a `run`'s runtime process) and maps and unmaps
 * groups as it goes (~15 mmap/munmap per run).  This allocator:
 *   - bumps a pointer through one region (first a 256 KiB array in .bss,
 *     then 1 MiB mappings), so allocations of all sizes share pages and a
 *     `run` touches a dozen heap pages;
 *   - rounds a request up to one of 48 size classes (16-byte steps to 256,
 *     then four per power of two to 64 KiB) and keeps freed blocks on a
 *     free list per class, reused last-in first-out: a process that loops
 *     (`events`, a foreground `run` relaying a terminal) reuses its memory
 *     instead of growing;
 *   - never returns class memory to the kernel; blocks above 64 KiB are
 *     mappings of their own, unmapped on free;
 *   - grows the most recent block in place on realloc (json-c's print
 *     buffers double as they fill);
 *   - maps its pages 32 KiB ahead of use with one madvise(MADV_POPULATE_WRITE)
 *     instead of a page fault per page (a fault costs ~13 us in a VM with
 *     shadow page tables, such as these machines).
 * Every block is 16-byte aligned and preceded by a 16-byte header.  One
 * spin lock makes it thread-safe; cell has no threads today.
 */

#include <stddef.h>

void *cell_arena_malloc(size_t n);
void *cell_arena_calloc(size_t count, size_t n);
void *cell_arena_realloc(void *p, size_t n);
void cell_arena_free(void *p);
/* `align` a power of two; EINVAL otherwise. */
void *cell_arena_memalign(size_t align, size_t n);
size_t cell_arena_usable_size(const void *p);

/*
 * Before a fork (a clone without CLONE_VM): both processes then write to
 * their own copy of every page, and a write to a page that existed at the
 * fork costs a copy-on-write fault (~2-3 us here, a page copy included).
 * From here on allocations start on a fresh page, blocks allocated before
 * are never reused (free() leaves them untouched: no write to a shared
 * page) and the free lists start empty.  Costs at most the memory
 * allocated so far, once per fork; `run` forks once.
 */
void cell_arena_fork_point(void);
/* cell_arena_fork_point() when cell's allocator is the process's malloc, else nothing. */
void cell_alloc_fork_point(void);

/* The capacity of the size class serving `n` bytes, or 0 above the largest class. */
size_t cell_arena_class_size(size_t n);

#endif
