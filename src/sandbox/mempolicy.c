/* SPDX-License-Identifier: Apache-2.0 */
/* linux.memoryPolicy: the container process's NUMA memory policy. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/process.h"

/*
 * set_mempolicy(2) sets the calling thread's policy, which fork and execve
 * keep: set in the init just before exec, it is the container process's.
 * The kernel checks the nodes against the host (and the cpuset): a node
 * that is not online, a flag it does not know or one the mode does not take
 * is EINVAL, reported naming the config.
 */
int cell_sandbox_apply_memory_policy(const struct cell_linux *linux_cfg, struct cell_error *err)
{
        const struct cell_memory_policy *m = &linux_cfg->memory_policy;
        if (!m->set)
                return 0;
        /* maxnode counts bits and the kernel ignores the last one: +1. */
        unsigned long maxnode = m->maxnode ? m->maxnode + 1 : 0;
        if (syscall(SYS_set_mempolicy, m->mode | (int)m->flags, m->maxnode ? m->nodemask : NULL,
                    maxnode) == 0)
                return 0;
        const char *mode = cell_mempolicy_nth_mode((size_t)m->mode);
        if (errno == EINVAL)
                return cell_error_errno(err,
                                        "linux.memoryPolicy: set_mempolicy %s: the host refuses "
                                        "linux.memoryPolicy.nodes or .flags (a node that is not "
                                        "online or not allowed, or a flag %s does not take)",
                                        mode, mode);
        return cell_error_errno(err, "linux.memoryPolicy: set_mempolicy %s", mode);
}
