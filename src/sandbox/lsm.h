/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_LSM_H
#define CELL_SANDBOX_LSM_H

/*
 * Confinement by a Linux security module, taken at the execve of the
 * user's program: process.apparmorProfile (`exec --apparmor`) and
 * process.selinuxLabel (`exec --process-label`).
 *
 * Detection follows runc: AppArmor is enabled when /sys/kernel/security/
 * apparmor exists and /sys/module/apparmor/parameters/enabled starts with
 * 'Y'; SELinux when a selinuxfs is mounted (/proc/self/mountinfo).  Every
 * path is read under `root`: "" for this host, a fake tree in tests.
 *
 * Applying is one write to an attribute file of the process' own, which
 * the kernel honours at its next execve: "exec <profile>" to
 * /proc/self/attr/apparmor/exec (/proc/self/attr/exec on kernels without
 * the per-LSM directory) for AppArmor, the label to /proc/self/attr/exec
 * for SELinux.  cell-dmz makes that write right before it execs the user's
 * program (runtime/dmz.h), so the transition happens there, as with runc:
 * written before the exec of cell-dmz, the sealed memfd would have to be an
 * entry point of the container's domain (runc#4057).
 *
 * A field whose LSM the host lacks is refused, naming the field:
 *   process.apparmorProfile "x": AppArmor is not enabled on this host
 * before anything of the container exists.  runc 1.1.5 refuses too, a
 * selinuxLabel up front ("selinux label is specified in config, but selinux
 * is disabled or not supported") but an apparmorProfile only late: it does
 * not check the host, and its init's write of the attribute fails with
 * EINVAL once the namespaces and mounts are made.  Where cell differs: the
 * check comes first, so nothing is made, and the error says why.  Either
 * way a confinement asked for is never silently dropped.
 */

#include "util/error.h"

enum {
        CELL_LSM_APPARMOR = 1,
        CELL_LSM_SELINUX = 2,
};

/* CELL_LSM_* bits of the modules enabled on the host at `root`. */
unsigned cell_lsm_enabled(const char *root);

/* The write that confines the next execve; `path` is NULL when there is none. */
struct cell_lsm_attr {
        char *path; /* as the process sees it: "/proc/self/attr/..." */
        char *value;
};

/*
 * The attribute write for `profile` and `label` (either may be NULL or
 * ""), named `profile_field` and `label_field` in errors, on the host at
 * `root`.  Fills `*out` (release with cell_lsm_attr_release) or fails with
 * the field's name in `err`; both at once is refused (the kernel has one
 * major LSM).
 */
int cell_lsm_exec_attr(const char *root, const char *profile_field, const char *profile,
                       const char *label_field, const char *label, struct cell_lsm_attr *out,
                       struct cell_error *err);
void cell_lsm_attr_release(struct cell_lsm_attr *attr);

#endif
