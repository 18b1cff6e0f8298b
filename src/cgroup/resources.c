/* SPDX-License-Identifier: Apache-2.0 */
/* Applying linux.resources: plan, then write. */
#include <errno.h>

#include "cgroup/internal.h"

int cell_cg_apply_resources(struct cell_cgroup *cg, const struct cell_resources *r,
                            struct cell_error *err)
{
        (void)cg;
        if (!r || !r->present)
                return 0;
        return cell_error_set(err, ENOTSUP, "linux.resources: not applied yet");
}
