/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/cp.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

int cell_cp_split(const char *arg, char **container, char **path)
{
        *container = *path = NULL;
        if (arg[0] == '/' || arg[0] == '.')
                return 0;
        const char *colon = strchr(arg, ':');
        const char *slash = strchr(arg, '/');
        if (!colon || colon == arg || (slash && slash < colon))
                return 0;
        *container = xstrndup(arg, (size_t)(colon - arg));
        *path = xstrdup(colon + 1);
        return 1;
}

/* openat2 inside `root`: every symlink on the way resolved as the container would. */
static int open_in_root(int root, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .mode = (flags & O_CREAT) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        const char *p = *path ? path : ".";
        int fd;
        do
                fd = (int)syscall(SYS_openat2, root, p, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd;
}

static int copy_data(int in, int out, const char *what, struct cell_error *err)
{
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return cell_error_errno(err, "copy %s", what);
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cell_error_errno(err, "read %s", what);
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(out, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return cell_error_errno(err, "write %s", what);
                        off += w;
                }
        }
}

static int copy_entry(int sdir, const char *sname, int ddir, const char *dname, const char *what,
                      struct cell_error *err);

/* Every entry of the open directory `src` into the open directory `dst`. */
static int copy_children(int src, int dst, const char *what, struct cell_error *err)
{
        int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open %s", what);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return cell_error_errno(err, "open %s", what);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", what, de->d_name);
                if (copy_entry(dirfd(d), de->d_name, dst, de->d_name, sub, err) < 0)
                        return -1;
        }
        return errno ? cell_error_errno(err, "read %s", what) : 0;
}

/* A directory of ours under `ddir`: made, or there already (a symlink in the way is not followed). */
static int make_dir(int ddir, const char *name, mode_t mode, const char *what,
                    struct cell_error *err)
{
        if (mkdirat(ddir, name, mode) < 0 && errno != EEXIST)
                return cell_error_errno(err, "mkdir %s", what);
        int fd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open directory %s", what);
        return fd;
}

/* Open a file to write under `ddir`, replacing a symlink in the way instead of following it. */
static int create_file(int ddir, const char *name, mode_t mode)
{
        int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC;
        int fd = openat(ddir, name, flags, mode);
        if (fd < 0 && errno == ELOOP && unlinkat(ddir, name, 0) == 0)
                fd = openat(ddir, name, flags, mode);
        return fd;
}

static int copy_entry(int sdir, const char *sname, int ddir, const char *dname, const char *what,
                      struct cell_error *err)
{
        struct stat st;
        if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return cell_error_errno(err, "stat %s", what);
        mode_t mode = st.st_mode & 07777;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int s = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                                    O_CLOEXEC);
                if (s < 0)
                        return cell_error_errno(err, "open %s", what);
                _cleanup_close_ int d = make_dir(ddir, dname, mode | S_IRWXU, what, err);
                if (d < 0 || copy_children(s, d, what, err) < 0)
                        return -1;
                fchmod(d, mode);
                return 0;
        }
        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int s = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0)
                        return cell_error_errno(err, "open %s", what);
                _cleanup_close_ int d = create_file(ddir, dname, mode);
                if (d < 0)
                        return cell_error_errno(err, "create %s", what);
                if (copy_data(s, d, what, err) < 0)
                        return -1;
                fchmod(d, mode);
                return 0;
        }
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
                if (n < 0)
                        return cell_error_errno(err, "readlink %s", what);
                target[n] = '\0';
                unlinkat(ddir, dname, 0);
                if (symlinkat(target, ddir, dname) < 0)
                        return cell_error_errno(err, "symlink %s", what);
                return 0;
        }
        if (S_ISFIFO(st.st_mode)) {
                unlinkat(ddir, dname, 0);
                if (mkfifoat(ddir, dname, mode) < 0)
                        return cell_error_errno(err, "mkfifo %s", what);
        }
        return 0; /* devices and sockets: skipped */
}

/* "dir/." or "dir/" : the content of dir is what is copied. */
static bool wants_content(const char *path)
{
        size_t n = strlen(path);
        return (n >= 2 && strcmp(path + n - 2, "/.") == 0) || (n > 1 && path[n - 1] == '/');
}

struct place {
        int dirfd;  /* where the copy goes */
        char *name; /* under this name; NULL: into dirfd itself (content) */
};

/* A source path as (directory fd, last component); in a container resolved inside `root`. */
static int split_source(int root, const char *path, int *dirfd, char **name,
                        struct cell_error *err)
{
        _cleanup_free_ char *a = xstrdup(path), *b = xstrdup(path);
        const char *dir = dirname(a), *base = basename(b);
        *dirfd = root >= 0 ? open_in_root(root, dir, O_PATH | O_DIRECTORY, 0)
                           : open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*dirfd < 0)
                return cell_error_errno(err, "%s", path);
        *name = xstrdup(strcmp(base, "/") == 0 ? "." : base);
        return 0;
}

/*
 * The destination: an existing directory receives the source under
 * `src_name`; anything else is the name the copy takes (its parent must
 * exist).
 */
static int find_destination(int root, const char *path, const char *src_name, bool content,
                            struct place *out, struct cell_error *err)
{
        int d = root >= 0 ? open_in_root(root, path, O_PATH | O_DIRECTORY, 0)
                          : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d >= 0) {
                out->dirfd = d;
                out->name = content ? NULL : xstrdup(src_name);
                return 0;
        }
        if (errno != ENOENT && errno != ENOTDIR)
                return cell_error_errno(err, "%s", path);
        return split_source(root, path, &out->dirfd, &out->name, err);
}

static int copy_paths(int src_root, const char *src, int dst_root, const char *dst,
                      struct cell_error *err)
{
        bool content = wants_content(src);
        _cleanup_close_ int sdir = -1;
        _cleanup_free_ char *sname = NULL;
        if (content) {
                sdir = src_root >= 0 ? open_in_root(src_root, src, O_PATH | O_DIRECTORY, 0)
                                     : open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (sdir < 0)
                        return cell_error_errno(err, "%s", src);
                sname = xstrdup(".");
        } else if (split_source(src_root, src, &sdir, &sname, err) < 0) {
                return -1;
        }
        struct stat st;
        if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return cell_error_errno(err, "%s", src);
        struct place p = {.dirfd = -1};
        if (find_destination(dst_root, dst, sname, content, &p, err) < 0)
                return -1;
        int r;
        if (p.name)
                r = copy_entry(sdir, sname, p.dirfd, p.name, src, err);
        else if (S_ISDIR(st.st_mode))
                r = copy_children(sdir, p.dirfd, src, err);
        else
                r = cell_error_set(err, ENOTDIR, "%s", src);
        close(p.dirfd);
        free(p.name);
        return r;
}

int cell_engine_cp(struct cell_engine *e, struct cell_ctr *c, enum cell_cp_direction dir,
                   const char *src, const char *dst, struct cell_error *err)
{
        _cleanup_free_ char *ctr_dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *rootfs = cell_path_join(ctr_dir, "bundle/rootfs");
        /* A container that does not run has its rootfs mounted for the copy, under its
         * lock so that no start comes in between. */
        bool mounted_here = false;
        if (!cell_rootfs_is_mounted(ctr_dir)) {
                size_t n = 0;
                while (c->lower_dirs && c->lower_dirs[n])
                        n++;
                if (cell_ctr_lock(e, c, err) < 0)
                        return -1;
                if (cell_rootfs_mount(ctr_dir, c->lower_dirs, n, c->auto_remove, err) < 0) {
                        cell_ctr_unlock(c);
                        return cell_error_prefix(err, "container %s", c->name);
                }
                mounted_here = true;
        }
        int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;
        if (root < 0) {
                r = cell_error_errno(err, "open %s", rootfs);
        } else {
                bool from = dir == CELL_CP_FROM_CONTAINER;
                r = copy_paths(from ? root : -1, src, from ? -1 : root, dst, err);
                if (r < 0 && err->errnum == ENOENT)
                        cell_error_prefix(err, "%s %s", from ? "in container" : "to container",
                                          c->name);
                close(root);
        }
        if (mounted_here) {
                struct cell_error ignored;
                cell_rootfs_umount(ctr_dir, &ignored);
                cell_ctr_unlock(c);
        }
        return r;
}
