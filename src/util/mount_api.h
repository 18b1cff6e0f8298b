/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_MOUNT_API_H
#define CELL_UTIL_MOUNT_API_H

/*
 * The new mount API (open_tree, move_mount, mount_setattr, fsopen, fsconfig,
 * fsmount and their flags) on any libc.  glibc 2.36 declares it in <sys/mount.h>; musl does not, so
 * it comes from the kernel's <linux/mount.h> and thin syscall wrappers.
 */

#include <sys/mount.h>

#ifndef MOUNT_ATTR_RDONLY
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
        return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
                             unsigned int flags)
{
        return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
                                struct mount_attr *attr, size_t size)
{
        return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

static inline int fsopen(const char *fsname, unsigned int flags)
{
        return (int)syscall(SYS_fsopen, fsname, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
        return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
        return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}
#endif

#endif
