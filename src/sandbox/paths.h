/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_PATHS_H
#define CELL_SANDBOX_PATHS_H

/*
 * Path resolution confined to a root directory (the container's rootfs
 * before pivot_root).  Every lookup goes through openat2(2) with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: ".." and absolute symlinks in the
 * image are interpreted relative to the rootfs, so an image symlink such as
 * "/etc/evil -> /../../../tmp" can never lead a mount onto the host.  Missing
 * components are created one at a time relative to the fd of their (already
 * safely resolved) parent, never by a host path string.
 *
 * These are syscall-like: they return -1 and set errno on failure, because
 * their callers know the context (the mount, the spec index) that an error
 * message must name.  Every fd they return is O_CLOEXEC.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/fs.h" /* cell_path_clean */

/*
 * openat2(rootfd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS).  `path` is a container path (absolute or not).
 * Returns the fd, or -1 with errno.
 */
int cell_path_open_in_root(int rootfd, const char *path, int flags);

enum cell_path_kind {
        CELL_PATH_DIR,  /* create missing last component as a directory (0755) */
        CELL_PATH_FILE, /* create missing last component as an empty file (0644) */
};

/*
 * Return an O_PATH fd for the cleaned container path `path` inside
 * `rootfd`, creating it (and missing parent directories, 0755) when it does
 * not exist.  An existing object is returned as it is, whatever its type.
 * A dangling symlink on the way is followed (inside the root) and its
 * target created, as runc does; more than 40 such hops fail with ELOOP.
 * Modes are subject to the caller's umask.  Returns the fd, or -1 with errno.
 */
int cell_path_create_in_root(int rootfd, const char *path, enum cell_path_kind kind);

/*
 * What an fd names, as opposed to the text of a path: its mount and inode
 * (statx STATX_MNT_ID, Linux 5.8).  Two ids are equal exactly when the fds
 * name the same inode on the same mount.
 */
struct cell_path_id {
        uint64_t mnt_id, ino;
        uint32_t dev_major, dev_minor;
};

/* Fill `*id` for `fd` (O_PATH allowed).  Returns 0, or -1 with errno. */
int cell_path_identity(int fd, struct cell_path_id *id);
bool cell_path_id_equal(const struct cell_path_id *a, const struct cell_path_id *b);

/*
 * Copy the contents of directory `srcfd` into directory `dstfd` (like
 * `cp -a src/. dst/`): directories, regular files, symlinks, fifos and
 * device nodes, with mode and ownership; never follows symlinks.  Both fds
 * must be readable directory fds (not O_PATH).  Returns 0, or -1 with errno.
 */
int cell_path_copy_tree(int srcfd, int dstfd);

#endif
