/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conversions between the runtime-spec's (cgroup v1 shaped) values and the
 * cgroup v2 interface, as runc and crun do them.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>

#include "cgroup/convert.h"

/*
 * runc >= 1.3.2 (opencontainers/cgroups ConvertCPUSharesToCgroupV2Value)
 * and current crun use a quadratic fit in log space through (2, 1),
 * (1024, 100) and (262144, 10000), so that the v1 default of 1024 shares
 * lands on the v2 default weight of 100.  The older linear formula,
 * 1 + (shares - 2) * 9999 / 262142, gave 39 for 1024, which made every
 * container with default shares weigh less than its uncontained
 * neighbours; we use the quadratic one.
 */
uint64_t cell_cg_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares <= 2)
                return 1;
        if (shares >= 262144)
                return 10000;
        double l = log2((double)shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (uint64_t)ceil(pow(10, exponent));
}

/* runc ConvertBlkIOToIOWeightValue: blkio 10..1000 onto io.weight 1..10000. */
uint64_t cell_cg_blkio_weight_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        return 1 + (weight - 10) * 9999 / 990;
}

/*
 * runc ConvertMemorySwapToCgroupV2Value.  The spec's memory.swap is v1's
 * memsw, memory plus swap; v2's memory.swap.max is swap alone.  0 means
 * unset, -1 unlimited.  Unlimited memory without an explicit swap means
 * unlimited swap too (as on v1).
 */
int cell_cg_swap_to_v2(int64_t swap, int64_t memory, int64_t *out, const char **why)
{
        *why = NULL;
        if (memory == -1 && swap == 0) {
                *out = -1;
                return 1;
        }
        if (swap == 0)
                return 0;
        if (swap == -1) {
                *out = -1;
                return 1;
        }
        if (memory == 0 || memory == -1)
                *why = "a swap limit needs a memory limit";
        else if (memory < 0)
                *why = "invalid memory limit";
        else if (swap < memory)
                *why = "memory+swap limit must be >= the memory limit";
        if (*why)
                return -EINVAL;
        *out = swap - memory;
        return 1;
}
