/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mounts made in the runtime's own mount namespace.
 *
 * A spec without a "mount" namespace shares the runtime's (runtime-spec:
 * the container inherits it), so its `mounts` land in the host's mount
 * table, below the rootfs.  runc leaves them there after delete; cell
 * removes them.  To find them even after a SIGKILL of the runtime or the
 * init, each is written to a journal in the container's state directory
 * *before* it is made: "host-mounts", NUL-terminated entries, the first the
 * rootfs' canonical host path, then each destination as resolved, relative
 * to the rootfs.  Undoing resolves every entry inside the rootfs again
 * (RESOLVE_IN_ROOT: the container may have replaced a directory with a
 * symlink since) and detaches the mount found there, last first.  An entry
 * whose mount was never made resolves to a directory that is no mount's
 * root, and umount2() says EINVAL: skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "sandbox/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define JOURNAL_FILE "host-mounts"

int cell_host_mounts_journal_open(int state_dirfd, struct cell_error *err)
{
        int fd = openat(state_dirfd, JOURNAL_FILE,
                        O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return cell_error_errno(err, "create the host-mount journal %s", JOURNAL_FILE);
        return fd;
}

/* One entry, in one write(2) so that it is whole or absent. */
static int journal_append(int journal_fd, const char *entry, struct cell_error *err)
{
        size_t len = strlen(entry) + 1;
        ssize_t n = write(journal_fd, entry, len);
        if (n != (ssize_t)len)
                return cell_error_set(err, n < 0 ? errno : EIO, "write the host-mount journal");
        return 0;
}

/* The canonical host path of `fd`, via /proc/self/fd (the host's /proc here). */
static char *fd_host_path(int fd)
{
        char link[CELL_PROC_FD_BUF], buf[4096];
        ssize_t n = readlink(cell_proc_fd_path(link, fd), buf, sizeof(buf) - 1);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return xstrdup(buf);
}

int cell_host_mounts_begin(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        ctx->rootfs_real = fd_host_path(ctx->rootfd);
        if (!ctx->rootfs_real)
                return cell_error_errno(err, "resolve rootfs %s", ctx->rootfs);
        return journal_append(ctx->journal_fd, ctx->rootfs_real, err);
}

int cell_host_mounts_record(struct cell_rootfs_ctx *ctx, int dstfd, const char *destination,
                            struct cell_error *err)
{
        if (ctx->journal_fd < 0)
                return 0;
        _cleanup_free_ char *path = fd_host_path(dstfd);
        if (!path)
                return cell_error_errno(err, "mount on %s: resolve its host path", destination);
        size_t len = strlen(ctx->rootfs_real);
        if (strncmp(path, ctx->rootfs_real, len) != 0 || path[len] != '/')
                return cell_error_set(err, 0, "mount on %s: %s is not below the rootfs %s",
                                      destination, path, ctx->rootfs_real);
        return journal_append(ctx->journal_fd, path + len, err);
}

/* Detach the mount whose root `rel` names inside `rootfd`; 0 when there is none. */
static int undo_one(int rootfd, const struct cell_path_id *root_id, const char *rel,
                    struct cell_error *err)
{
        _cleanup_close_ int fd = cell_path_open_in_root(rootfd, rel, O_PATH);
        if (fd < 0)
                return 0; /* gone with its parent, or never made */
        struct cell_path_id id;
        if (cell_path_identity(fd, &id) < 0 || cell_path_id_equal(&id, root_id))
                return 0; /* never the rootfs itself */
        char link[CELL_PROC_FD_BUF];
        if (umount2(cell_proc_fd_path(link, fd), MNT_DETACH) == 0 || errno == EINVAL)
                return 0;
        return cell_error_errno(err, "unmount %s of the container from the host", rel);
}

static int undo_entries(char *text, size_t len, struct cell_error *err)
{
        while (len > 0 && text[len - 1] != '\0')
                len--; /* a torn last entry: never made */
        if (len == 0)
                return 0;
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                n += text[i] == '\0';
        _cleanup_free_ char **entries = xmalloc((n + 1) * sizeof(*entries));
        size_t k = 0;
        for (char *p = text; p < text + len; p += strlen(p) + 1)
                entries[k++] = p;
        _cleanup_close_ int rootfd = open(entries[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct cell_path_id root_id;
        if (rootfd < 0 || cell_path_identity(rootfd, &root_id) < 0)
                return 0; /* the rootfs is gone, and what was mounted below it */
        for (size_t i = k; i-- > 1;)
                if (undo_one(rootfd, &root_id, entries[i], err) < 0)
                        return -1;
        return 0;
}

int cell_host_mounts_undo(int state_dirfd, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (cell_read_file_at(state_dirfd, JOURNAL_FILE, &text, &len, err) < 0)
                return err->errnum == ENOENT ? 0 : -1;
        if (undo_entries(text, len, err) < 0)
                return -1;
        if (unlinkat(state_dirfd, JOURNAL_FILE, 0) < 0 && errno != ENOENT)
                return cell_error_errno(err, "remove %s", JOURNAL_FILE);
        return 0;
}
