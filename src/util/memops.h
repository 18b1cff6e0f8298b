/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_MEMOPS_H
#define CELL_UTIL_MEMOPS_H

#include <stddef.h>

/*
 * memcpy, memmove and memset in plain C with 8- and 16-byte unaligned loads
 * and stores.  musl's x86_64 memcpy and memmove use `rep movsq`, whose
 * start-up costs ~30 ns per call on these VMs against ~2 ns for glibc's
 * (bench/README.md); cell makes ~3,500 copies per `run`.  src/util/libc_musl.c
 * makes these the static musl build's memcpy, memmove and memset.
 */
void *cell_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *cell_memmove(void *dst, const void *src, size_t n);
void *cell_memset(void *dst, int c, size_t n);

#endif
