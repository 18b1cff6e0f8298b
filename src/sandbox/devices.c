/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /dev inside the container, after the `mounts` entries (so /dev/pts and
 * /dev/shm are known).  Like runc:
 *
 * - /dev bound from elsewhere: left exactly as it is.
 * - /dev mounted by the spec (normally a tmpfs): the default devices
 *   (cell_default_devices: null, zero, full, random, urandom, tty; 0666
 *   root:root; linux.devices may list them, but only as the same device),
 *   linux.devices, the
 *   fd/stdin/stdout/stderr (and core, when /proc is mounted) symlinks,
 *   ptmx -> pts/ptmx when a devpts is mounted on /dev/pts, and an empty
 *   /dev/shm (1777) when nothing is mounted there.
 * - no /dev mount: only linux.devices, in the image's /dev.
 *
 * mknod(2) is not allowed in a user namespace; there (and whenever mknod
 * fails with EPERM) the host's device node is bind-mounted onto an empty
 * file instead.  The caller runs this with umask 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "util/cleanup.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

struct node {
        const char *path; /* container path; also the host node bound in a user namespace */
        char type;        /* 'c', 'u', 'b', 'p' */
        unsigned major, minor;
        mode_t mode;
        bool has_uid, has_gid;
        uid_t uid;
        gid_t gid;
};

static int bind_host_node(int parentfd, const char *name, const struct node *n)
{
        _cleanup_close_ int target =
                openat(parentfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (target < 0)
                return -1;
        return cell_mount_bind_fd(n->path, target, false);
}

static int make_node_at(const struct cell_rootfs_ctx *ctx, int parentfd, const char *name,
                        const struct node *n)
{
        mode_t mode = n->mode & 07777;
        if (n->type == 'p') {
                if (mknodat(parentfd, name, S_IFIFO | mode, 0) < 0 && errno != EEXIST)
                        return -1;
        } else if (ctx->userns) {
                return bind_host_node(parentfd, name, n);
        } else {
                mode |= n->type == 'b' ? S_IFBLK : S_IFCHR;
                if (mknodat(parentfd, name, mode, makedev(n->major, n->minor)) < 0) {
                        if (errno == EEXIST)
                                return 0; /* keep what the image has, as runc */
                        if (errno == EPERM)
                                return bind_host_node(parentfd, name, n);
                        return -1;
                }
        }
        if (!n->has_uid && !n->has_gid)
                return 0;
        return fchownat(parentfd, name, n->has_uid ? n->uid : (uid_t)-1,
                        n->has_gid ? n->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW);
}

static int make_node(const struct cell_rootfs_ctx *ctx, const struct node *n,
                     struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_clean(n->path);
        char *slash = strrchr(path, '/');
        if (slash == path && path[1] == '\0')
                return cell_error_set(err, EINVAL, "device \"%s\"", n->path);
        *slash = '\0';
        _cleanup_close_ int parentfd =
                cell_path_create_in_root(ctx->rootfd, *path ? path : "/", CELL_PATH_DIR);
        if (parentfd < 0 || make_node_at(ctx, parentfd, slash + 1, n) < 0)
                return cell_error_errno(err, "device \"%s\"", n->path);
        return 0;
}

static bool listed_in_spec(const struct cell_linux *lx, const char *path)
{
        for (size_t i = 0; i < lx->n_devices; i++)
                if (!strcmp(lx->devices[i].path, path))
                        return true;
        return false;
}

static int make_spec_devices(const struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        const struct cell_linux *lx = &ctx->spec->linux;
        for (size_t i = 0; i < lx->n_devices; i++) {
                const struct cell_device *d = &lx->devices[i];
                struct node n = {
                        .path = d->path,
                        .type = d->type,
                        .major = (unsigned)d->major,
                        .minor = (unsigned)d->minor,
                        .mode = d->has_file_mode ? d->file_mode : 0666,
                        .has_uid = d->has_uid,
                        .has_gid = d->has_gid,
                        .uid = d->uid,
                        .gid = d->gid,
                };
                if (make_node(ctx, &n, err) < 0)
                        return cell_error_prefix(err, "linux.devices[%zu]", i);
        }
        return 0;
}

static int make_links(const struct cell_rootfs_ctx *ctx, int devfd, struct cell_error *err)
{
        static const char *const links[][2] = {
                {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
                {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                {"core", "/proc/kcore"},
        };
        /* /dev/core only with a /proc, and when the kernel has kcore (CONFIG_PROC_KCORE). */
        bool core = ctx->proc_mounted && access("/proc/kcore", F_OK) == 0;
        size_t n = CELL_ARRAY_SIZE(links) - (core ? 0 : 1);
        for (size_t i = 0; i < n; i++)
                if (symlinkat(links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "symlink /dev/%s -> %s", links[i][0],
                                                links[i][1]);
        if (ctx->pts_mounted) {
                /* ptmx of the container's own devpts instance (newinstance). */
                if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
                        return cell_error_errno(err, "remove /dev/ptmx");
                if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                        return cell_error_errno(err, "symlink /dev/ptmx -> pts/ptmx");
        }
        if (!ctx->shm_mounted && mkdirat(devfd, "shm", 01777) < 0 && errno != EEXIST)
                return cell_error_errno(err, "mkdir /dev/shm");
        return 0;
}

static int populate_dev(const struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        _cleanup_close_ int devfd =
                cell_path_open_in_root(ctx->rootfd, "/dev", O_PATH | O_DIRECTORY);
        if (devfd < 0)
                return cell_error_errno(err, "open /dev");
        const struct cell_linux *lx = &ctx->spec->linux;
        for (size_t i = 0; i < cell_n_default_devices; i++) {
                const struct cell_default_device *def = &cell_default_devices[i];
                const struct node n = {
                        .path = def->path,
                        .type = 'c',
                        .major = def->major,
                        .minor = def->minor,
                        .mode = 0666,
                };
                if (!def->made || listed_in_spec(lx, n.path))
                        continue;
                if (make_node_at(ctx, devfd, n.path + strlen("/dev/"), &n) < 0)
                        return cell_error_errno(err, "device \"%s\"", n.path);
        }
        if (make_links(ctx, devfd, err) < 0)
                return -1;
        if (ctx->dev_readonly) {
                struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
                if (mount_setattr(devfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                        return cell_error_errno(err, "make /dev read-only");
        }
        return 0;
}

int cell_rootfs_setup_dev(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        if (ctx->dev_bind)
                return 0;
        if (make_spec_devices(ctx, err) < 0)
                return -1;
        /* Without a /dev mount the nodes go into the image's own /dev, as
         * runc does: maskedPaths need /dev/null, programs need the rest. */
        return populate_dev(ctx, err);
}
