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
 * to the rootfs.
 *
 * Once every mount is made, and before any process of the container runs,
 * the journal is sealed: "#ID" for each mount below the rootfs that was
 * not there when the init began (mountinfo's mount IDs), then "#".  The
 * container shares the host's mount table: renaming a directory above one
 * of its mounts moves that mount, so a path no longer finds it.  A sealed
 * journal is undone by ID: each mount still below the rootfs, found in
 * /proc/self/mountinfo wherever it is now, is opened inside the rootfs
 * (RESOLVE_IN_ROOT) and detached only if the fd is that very mount's root,
 * last first.  An unsealed journal (the init died while mounting; nothing
 * of the container ran) is undone by path, each entry resolved inside the
 * rootfs again; an entry whose mount was never made resolves to a
 * directory that is no mount's root, and umount2() says EINVAL: skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/stat.h> /* struct statx: musl's <sys/stat.h> lacks it */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/mounts.h"
#include "sandbox/paths.h"
#include "sandbox/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/xalloc.h"

#define JOURNAL_FILE "host-mounts"
#define SEAL '#'

/* A mount strictly below the rootfs: its mountinfo ID and its point relative to the rootfs. */
struct below {
        uint64_t id;
        char *rel;
};

static void below_free(struct below *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(b[i].rel);
        free(b);
}

/* The mounts strictly below `root` in /proc/self/mountinfo, in its order. */
static ssize_t mounts_below(const char *root, struct below **out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0, n = 0, cap = 0, rlen = strlen(root);
        if (cell_read_file("/proc/self/mountinfo", &text, &len, err) < 0)
                return -1;
        *out = NULL;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                uint64_t id = strtoull(line, NULL, 10);
                struct cell_mountinfo m;
                if (!cell_mountinfo_split(line, &m) || strncmp(m.mount_point, root, rlen) != 0 ||
                    m.mount_point[rlen] != '/')
                        continue;
                if (n == cap)
                        *out = xrealloc(*out, (cap = cap ? 2 * cap : 16) * sizeof(**out));
                (*out)[n++] = (struct below){.id = id, .rel = xstrdup(m.mount_point + rlen)};
        }
        return (ssize_t)n;
}

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
        struct below *pre = NULL;
        ssize_t n = mounts_below(ctx->rootfs_real, &pre, err);
        if (n < 0)
                return -1;
        ctx->host_premounted = xcalloc((size_t)n + 1, sizeof(uint64_t));
        for (ssize_t i = 0; i < n; i++)
                ctx->host_premounted[ctx->n_host_premounted++] = pre[i].id;
        below_free(pre, (size_t)n);
        return journal_append(ctx->journal_fd, ctx->rootfs_real, err);
}

static bool premounted(const struct cell_rootfs_ctx *ctx, uint64_t id)
{
        for (size_t i = 0; i < ctx->n_host_premounted; i++)
                if (ctx->host_premounted[i] == id)
                        return true;
        return false;
}

int cell_host_mounts_seal(struct cell_rootfs_ctx *ctx, struct cell_error *err)
{
        if (ctx->journal_fd < 0)
                return 0;
        struct below *now = NULL;
        ssize_t n = mounts_below(ctx->rootfs_real, &now, err);
        if (n < 0)
                return -1;
        int r = 0;
        for (ssize_t i = 0; i < n && r == 0; i++) {
                if (premounted(ctx, now[i].id))
                        continue;
                char entry[24];
                snprintf(entry, sizeof(entry), "%c%" PRIu64, SEAL, now[i].id);
                r = journal_append(ctx->journal_fd, entry, err);
        }
        below_free(now, (size_t)n);
        return r < 0 ? -1 : journal_append(ctx->journal_fd, (char[]){SEAL, '\0'}, err);
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

/* Detach mount `id` if it is still below the rootfs (`now`) and its root is found there. */
static int undo_id(int rootfd, uint64_t id, const struct below *now, size_t n,
                   struct cell_error *err)
{
        size_t i = 0;
        while (i < n && now[i].id != id)
                i++;
        if (i == n)
                return 0; /* gone, or moved out of the rootfs: not ours to look for */
        _cleanup_close_ int fd = cell_path_open_in_root(rootfd, now[i].rel, O_PATH | O_NOFOLLOW);
        struct statx stx;
        if (fd < 0 ||
            syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) <
                    0 ||
            !(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id != id ||
            !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return 0; /* something else is there now */
        char link[CELL_PROC_FD_BUF];
        if (umount2(cell_proc_fd_path(link, fd), MNT_DETACH) == 0 || errno == EINVAL)
                return 0;
        return cell_error_errno(err, "unmount %s of the container from the host", now[i].rel);
}

/* A sealed journal: the mounts by ID, last first. */
static int undo_sealed(int rootfd, const char *rootfs, char **entries, size_t k,
                       struct cell_error *err)
{
        struct below *now = NULL;
        ssize_t n = mounts_below(rootfs, &now, err);
        if (n < 0)
                return -1;
        int r = 0;
        for (size_t i = k; i-- > 1 && r == 0;)
                if (entries[i][0] == SEAL && entries[i][1])
                        r = undo_id(rootfd, strtoull(entries[i] + 1, NULL, 10), now, (size_t)n,
                                    err);
        below_free(now, (size_t)n);
        return r;
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
        if (entries[k - 1][0] == SEAL && !entries[k - 1][1])
                return undo_sealed(rootfd, entries[0], entries, k, err);
        for (size_t i = k; i-- > 1;)
                if (entries[i][0] != SEAL && undo_one(rootfd, &root_id, entries[i], err) < 0)
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
