/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_PROCESS_H
#define CELL_SANDBOX_PROCESS_H

/*
 * Per-process attributes applied by the container's init (and later by
 * exec) before the user program runs.  Each is one function so the caller
 * controls the order; runtime/init.c uses:
 *
 *   cell_sandbox_apply_time_offsets()  right after unshare(CLONE_NEWTIME)
 *   cell_sandbox_set_hostname()        in the new UTS namespace
 *   cell_sandbox_loopback_up()         `lo` up in a new network namespace (as
 *                                      runc); nothing for a joined or the
 *                                      host's one (sandbox/network.c)
 *   cell_sandbox_apply_sysctl()        after pivot_root (container's /proc)
 *   cell_sandbox_apply_oom_score_adj()
 *   cell_sandbox_apply_rlimits()       error names the rlimit:
 *                                      "process.rlimits: RLIMIT_NOFILE: ..."
 *   cell_sandbox_apply_sched()         ioPriority + scheduler
 *   cell_sandbox_apply_personality()
 *   cell_sandbox_apply_memory_policy() linux.memoryPolicy, set_mempolicy(2)
 *                                      (sandbox/mempolicy.c); nothing unset
 *   cell_sandbox_setgroups_allowed()   read before the seccomp filter is
 *                                      loaded (an openat a NOTIFY profile may
 *                                      catch); its answer goes to:
 *   cell_sandbox_apply_identity()      additionalGids, gid, uid (keeping the
 *                                      capabilities across setuid), then the
 *                                      five capability sets, umask and
 *                                      noNewPrivileges.  Only system calls
 *                                      that change credentials: it may run
 *                                      under the seccomp filter.
 *
 * All return < 0 and fill `err`.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

int cell_sandbox_apply_time_offsets(const struct cell_linux *linux_cfg, struct cell_error *err);
int cell_sandbox_set_hostname(const struct cell_spec *spec, struct cell_error *err);
int cell_sandbox_loopback_up(const struct cell_spec *spec, struct cell_error *err);
int cell_sandbox_apply_sysctl(const struct cell_linux *linux_cfg, struct cell_error *err);
int cell_sandbox_apply_oom_score_adj(const struct cell_process *process, struct cell_error *err);
int cell_sandbox_apply_rlimits(const struct cell_process *process, struct cell_error *err);
int cell_sandbox_apply_sched(const struct cell_process *process, struct cell_error *err);
int cell_sandbox_apply_personality(const struct cell_linux *linux_cfg, struct cell_error *err);
int cell_sandbox_apply_memory_policy(const struct cell_linux *linux_cfg, struct cell_error *err);
/*
 * Whether setgroups(2) may be called in our user namespace: false when
 * /proc/self/setgroups says "deny"; true when the file is missing.
 */
bool cell_sandbox_setgroups_allowed(void);
int cell_sandbox_apply_identity(const struct cell_process *process, bool setgroups_allowed,
                                struct cell_error *err);

/*
 * The home directory of `uid` in the passwd(5) text `text` (`len` bytes,
 * not necessarily NUL-terminated, any content): the sixth field of the
 * first line whose third field is `uid` in decimal digits (leading zeros
 * allowed, as libc reads them); lines with fewer
 * fields are skipped.  A malloc'd copy, or NULL when no line matches.
 */
char *cell_passwd_home(const char *text, size_t len, uid_t uid);
/*
 * HOME for `uid` as runc sets it: its home in /etc/passwd under the current
 * root (the container's: call after pivot_root or setns), else "/".  The
 * file is image content: opened without magic links and without blocking
 * (a FIFO), read only when regular and at most 4 MiB; any failure gives
 * "/".  One openat2, fstat and read for a small file.  Malloc'd.
 */
char *cell_sandbox_home_of(uid_t uid);

/* Apply the five capability sets (bounding, ambient, then capset()). */
int cell_caps_apply(const struct cell_caps *caps, struct cell_error *err);

#endif
