/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_SECCOMP_ENOSYS_H
#define CELL_SANDBOX_SECCOMP_ENOSYS_H

/*
 * The -ENOSYS stub runc 1.1 puts in front of every filter
 * (libcontainer/seccomp/patchbpf): a system call numbered above the highest
 * one the profile names for the caller's architecture fails with ENOSYS
 * instead of the default action's errno, so that libc falls back from
 * calls newer than the profile (clone3 to clone, faccessat2 to faccessat)
 * as it does on an older kernel.  Internal to src/sandbox/ and its tests.
 */

#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * Build the stub for the compiled filter `ctx` of `seccomp` (whose default
 * action resolved to `default_action`).  For every architecture in `ctx`,
 * the highest syscall number any rule names (names unknown to libseccomp
 * for that architecture are left out, as libseccomp leaves their rules
 * out); x32 and x86_64 share AUDIT_ARCH_X86_64 and are told apart by the
 * x32 bit.  No stub (`*n` = 0) when the default action lets calls through
 * (ALLOW, LOG, TRACE) or is already ERRNO(ENOSYS), or when no rule names a
 * known syscall.  The stub ends by jumping to the instruction after it,
 * where the filter (which starts by loading the architecture) follows.
 * `*out` is malloc'd; the caller frees it.
 */
int cell_seccomp_enosys_stub(scmp_filter_ctx ctx, const struct cell_seccomp *seccomp,
                             uint32_t default_action, struct sock_filter **out, size_t *n,
                             struct cell_error *err);

#endif
