/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_ROOTFS_H
#define CELL_SANDBOX_ROOTFS_H

/*
 * The container's filesystem view, built inside the container's mount
 * namespace by the container's init before it execs the user process.
 *
 * Called in this order by runtime/init.c:
 *
 *   cell_rootfs_mount_all()   propagation of "/", rootfs bound onto itself,
 *                             every `mounts` entry in order, then /dev
 *                             (default devices, linux.devices, /dev/pts,
 *                             /dev/ptmx, /dev/shm, fd/stdin/stdout/stderr
 *                             symlinks) unless the spec mounts its own.
 *   -- createRuntime/createContainer hooks run here (old root still visible) --
 *   cell_rootfs_pivot()       pivot_root into the rootfs and detach the old
 *                             root; with `no_pivot`, MS_MOVE onto "/", every
 *                             mount outside the rootfs detached, chroot.
 *   cell_rootfs_finalize()    maskedPaths, readonlyPaths, root.readonly,
 *                             rootfsPropagation applied to the new "/".
 *
 * Every mount destination is resolved inside the rootfs (openat2 with
 * RESOLVE_IN_ROOT): a symlink in the image can never redirect a mount onto
 * the host.  Missing destinations are created (directories, or empty files
 * for file bind mounts) the same way.
 *
 * When the spec has no mount namespace, the `mounts` entries are made in
 * the host's mount namespace, each recorded first in the journal of
 * cell_rootfs_prepare() (/dev is left as the image has it, linux.devices
 * and a mount on "/" are refused), and cell_rootfs_pivot() falls back to
 * chroot().
 *
 * All return < 0 and fill `err` naming the spec entry by its container path
 * and index: `mount "proc" on /proc (mounts[0]): Operation not permitted`,
 * `mounts[4].destination "/evil": resolves to the container's root,
 * refusing to mount over it` (only a bind mount on "/" itself covers the
 * rootfs), `linux.devices[1]: device "/dev/fuse": ...`; on failure the mount
 * namespace is simply discarded with the process, so no cleanup is needed.
 *
 * What the caller must have done before cell_rootfs_mount_all():
 *   - be in the container's mount namespace (and user namespace, mapped),
 *     and already in its network, ipc and cgroup namespaces and its cgroup
 *     (sysfs, mqueue and cgroup filesystems show the namespaces of the
 *     process that mounts them), and in its pid namespace unless that one
 *     is joined by path and passed as `pidns_fd`;
 *   - have the host's /proc at /proc (mount targets are /proc/self/fd/N);
 *   - have the bundle directory as cwd: relative bind-mount sources are
 *     relative to it, as in the runtime-spec.
 * The umask is set to 0 inside cell_rootfs_mount_all() and restored.
 * After cell_rootfs_pivot() the cwd is the container's "/".  Kernel
 * requirements: openat2 (5.6) and mount_setattr (5.12).
 */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "util/error.h"

struct cell_rootfs_prepared; /* below */

/*
 * `rootfs` is the absolute host path of the root filesystem.  `cgroups`
 * (n_cgroups entries, see cell_cgroup_hierarchies()) is what a "cgroup"
 * mount shows; with n_cgroups < 0 it is read from /proc/self/mountinfo and
 * /proc/self/cgroup when the spec has such a mount.  `pidns_fd` is the pid
 * namespace joined by path (linux.namespaces), or -1: a "proc" mount then
 * shows that namespace, which the caller enters only after pivot_root.
 * `prep` is NULL or what cell_rootfs_prepare() made.
 */
int cell_rootfs_mount_all(const struct cell_spec *spec, const char *rootfs,
                          const struct cell_cgroup_hierarchy *cgroups, ssize_t n_cgroups,
                          int pidns_fd, struct cell_rootfs_prepared *prep, struct cell_error *err);
int cell_rootfs_pivot(const struct cell_spec *spec, const char *rootfs, bool no_pivot,
                      struct cell_error *err);
int cell_rootfs_finalize(const struct cell_spec *spec, struct cell_error *err);

/*
 * What the init gets from the runtime for its mounts:
 *
 *   journal_fd  without a mount namespace, the journal of the mounts the
 *               init makes in the host's mount namespace (host_mounts.c),
 *               in the state directory; else -1.  cell_rootfs_prepare()
 *               opens it before the clone, which inherits it.
 *   mount_fds   NULL, or per `mounts` entry a detached mount tree or -1:
 *               with a new user namespace, the bind mounts' sources, made
 *               by cell_rootfs_open_sources() and sent to the init.
 *               cell_rootfs_mount_all() takes the fds it uses.
 *
 * Release with cell_rootfs_prepared_release().
 */
struct cell_rootfs_prepared {
        int *mount_fds;
        int journal_fd;
};
#define CELL_ROOTFS_PREPARED_INIT                                                                  \
        {                                                                                          \
                NULL, -1                                                                           \
        }

/* Before the clone; no syscall with a mount namespace.  Errors name the journal. */
int cell_rootfs_prepare(const struct cell_spec *spec, int state_dirfd,
                        struct cell_rootfs_prepared *prep, struct cell_error *err);
/* Close what is still open in `prep` (n_mounts: spec->n_mounts) and reset it. */
void cell_rootfs_prepared_release(struct cell_rootfs_prepared *prep, size_t n_mounts);
/* The fds in `prep`, for a list of fds to keep: writes at most n_mounts + 1. */
int cell_rootfs_prepared_fds(const struct cell_rootfs_prepared *prep, size_t n_mounts, int *out);

/*
 * Whether the runtime opens the bind-mount sources for the init: a new
 * user namespace (not one joined by path) and at least one bind mount.
 */
bool cell_rootfs_sources_needed(const struct cell_spec *spec);
/*
 * In the mount namespace of `init_pid` (still waiting for SYNC_GO) with
 * the runtime's privileges, run each bind mount's ops before the attach
 * (open_tree clone, idmap, options).  *fds: spec->n_mounts entries, -1 for
 * the other mounts; free with cell_rootfs_close_sources().  Relative
 * sources are relative to `bundle`.  Errors name mounts[i]; the runtime is
 * back in its own mount namespace on return.
 */
int cell_rootfs_open_sources(const struct cell_spec *spec, const char *bundle, pid_t init_pid,
                             int **fds, struct cell_error *err);
void cell_rootfs_close_sources(int *fds, size_t n);

/*
 * Undo the mounts a container without a mount namespace made in the host's
 * mount namespace, from the journal in its state directory (none: nothing
 * to do).  Run before the state directory is removed; on failure the
 * journal stays so that a later delete can retry.
 */
int cell_host_mounts_undo(int state_dirfd, struct cell_error *err);

#endif
