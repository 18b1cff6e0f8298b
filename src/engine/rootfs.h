/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_ROOTFS_H
#define CELL_ENGINE_ROOTFS_H

/*
 * Internal to src/engine: a container's root filesystem, an overlay of the
 * image's layers (read-only, shared by every container of the image) under
 * the container's own upper/ and work/, mounted at <ctr_dir>/bundle/rootfs.
 *
 * The layers are handed to the kernel one by one through the new mount
 * API (fsconfig "lowerdir+", Linux >= 6.8), so the 4096-byte limit of a
 * mount(2) option string never caps the number of layers.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/*
 * Mount, `lowers` top first; a mount already there is kept (returns 0).
 *
 * `volatile_upper` (for --rm containers, as podman does): overlay's
 * "volatile" option, no sync of the store's filesystem at unmount (nor on
 * fsync in the container).  A --rm container's upper dir is removed when it
 * ends, so it never needs to outlive the mount; overlay marks the work dir
 * (work/work/incompat/volatile) and refuses it later, so after a host crash
 * (or any reboot) with such a container in place, starting it again fails
 * with an error that says so, and `cell rm -f` removes it as any other.
 */
int cell_rootfs_mount(const char *ctr_dir, char *const *lowers, size_t n, bool volatile_upper,
                      struct cell_error *err);

/* Unmount when mounted; nothing mounted is not an error. */
int cell_rootfs_umount(const char *ctr_dir, struct cell_error *err);

bool cell_rootfs_is_mounted(const char *ctr_dir);

#endif
