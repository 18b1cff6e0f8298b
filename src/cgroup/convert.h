/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CGROUP_CONVERT_H
#define CELL_CGROUP_CONVERT_H

/* v1 <-> v2 value conversions (pure functions, unit-tested). */

#include <stdint.h>

/* cpu.shares (2..262144) -> cpu.weight (1..10000); 0 stays 0 (unset). */
uint64_t cell_cg_shares_to_weight(uint64_t shares);

/* blkio.weight (10..1000) -> io.weight (1..10000); 0 stays 0 (unset). */
uint64_t cell_cg_blkio_weight_to_io_weight(uint64_t weight);

/*
 * The spec's memory.swap (memory+swap, 0 = unset, -1 = unlimited) given the
 * memory limit (0 = unset, -1 = unlimited) -> memory.swap.max in `*out`
 * (-1 = "max").  Returns 1 when memory.swap.max is to be written, 0 when it
 * is to be left alone, and on a contradiction -EINVAL with `*why` pointing at
 * a static explanation.
 */
int cell_cg_swap_to_v2(int64_t swap, int64_t memory, int64_t *out, const char **why);

#endif
