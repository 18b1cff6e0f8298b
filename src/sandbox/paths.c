/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h> /* struct statx: musl's <sys/stat.h> lacks it */
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int openat2_flags(int dirfd, const char *path, int flags, unsigned long long resolve)
{
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = resolve,
        };
        int fd;
        do {
                fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
        return fd;
}

int cell_path_open_in_root(int rootfd, const char *path, int flags)
{
        return openat2_flags(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/*
 * Create the single component `name` in the directory `parentfd` and return
 * an O_PATH fd to it.  `prefix` is the container path of the component: if
 * it already exists as a symlink (EEXIST from mkdirat, or the O_NOFOLLOW
 * open refusing it) it is resolved again from the root, which keeps the
 * symlink's target inside the rootfs.
 */
static int create_component(int rootfd, int parentfd, const char *name, const char *prefix,
                            enum cell_path_kind kind)
{
        if (kind == CELL_PATH_FILE) {
                int fd = openat(parentfd, name,
                                O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && errno != EEXIST)
                        return -1;
                if (fd >= 0)
                        close(fd);
        } else if (mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST) {
                return -1;
        }
        int oflags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (kind == CELL_PATH_DIR ? O_DIRECTORY : 0);
        int fd = openat(parentfd, name, oflags);
        /* O_PATH | O_NOFOLLOW opens a symlink itself rather than failing:
         * a file destination must not be mounted over the link. */
        struct stat sb;
        if (fd >= 0 && kind == CELL_PATH_FILE && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode)) {
                close(fd);
                fd = -1;
                errno = ELOOP;
        }
        if (fd >= 0 || (errno != ENOTDIR && errno != ELOOP))
                return fd;
        /* A symlink (raced in or dangling): resolve it inside the root. */
        return cell_path_open_in_root(rootfd, prefix,
                                      O_PATH | (kind == CELL_PATH_DIR ? O_DIRECTORY : 0));
}

/*
 * `name` (in `parentfd`, container path `prefix`) could not be opened: if it
 * is a dangling symlink, return the path it redirects to, `rest` appended,
 * so the walk can start over there (still inside the root), as runc's
 * securejoin + MkdirAll do.  NULL (errno kept) otherwise.
 */
static char *follow_dangling(int parentfd, const char *name, const char *prefix, const char *rest)
{
        int saved = errno;
        char target[4096];
        ssize_t n = readlinkat(parentfd, name, target, sizeof(target) - 1);
        if (n < 0) {
                errno = saved;
                return NULL;
        }
        target[n] = '\0';
        int dirlen = (int)(strrchr(prefix, '/') - prefix);
        _cleanup_free_ char *joined =
                target[0] == '/'
                        ? xasprintf("%s/%s", target, rest ? rest : "")
                        : xasprintf("%.*s/%s/%s", dirlen, prefix, target, rest ? rest : "");
        return cell_path_clean(joined);
}

/* Open the deepest existing ancestor of `buf` (a cleaned path); cuts `buf` there. */
static int open_existing_ancestor(int rootfd, char *buf, char **cut)
{
        for (;;) {
                *cut = strrchr(buf, '/');
                if (*cut == buf)
                        return cell_path_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
                **cut = '\0';
                int fd = cell_path_open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
                if (fd >= 0 || errno != ENOENT)
                        return fd;
        }
}

/* One pass of cell_path_create_in_root(); sets *redirect on a dangling symlink. */
static int create_walk(int rootfd, const char *path, enum cell_path_kind kind, char **redirect)
{
        int fd = cell_path_open_in_root(rootfd, path, O_PATH);
        if (fd >= 0 || errno != ENOENT)
                return fd;

        _cleanup_free_ char *buf = xstrdup(path);
        size_t len = strlen(buf);
        char *cut;
        _cleanup_close_ int parentfd = open_existing_ancestor(rootfd, buf, &cut);
        if (parentfd < 0)
                return -1;
        for (char *p = buf; p < buf + len; p++)
                if (*p == '\0')
                        *p = '/';

        /* Create the remaining components one by one below it. */
        char *name = cut + 1;
        for (;;) {
                char *slash = strchr(name, '/');
                if (slash)
                        *slash = '\0';
                int child =
                        create_component(rootfd, parentfd, name, buf, slash ? CELL_PATH_DIR : kind);
                if (child < 0) {
                        if (errno == ENOENT)
                                *redirect = follow_dangling(parentfd, name, buf,
                                                            slash ? slash + 1 : NULL);
                        return -1;
                }
                close(parentfd);
                parentfd = child;
                if (!slash)
                        return steal_fd(parentfd);
                *slash = '/';
                name = slash + 1;
        }
}

int cell_path_create_in_root(int rootfd, const char *path, enum cell_path_kind kind)
{
        _cleanup_free_ char *current = xstrdup(path);
        for (int hops = 0; hops < 40; hops++) {
                char *redirect = NULL;
                int fd = create_walk(rootfd, current, kind, &redirect);
                if (fd >= 0 || !redirect)
                        return fd;
                free(current);
                current = redirect;
        }
        errno = ELOOP;
        return -1;
}

int cell_path_identity(int fd, struct cell_path_id *id)
{
        struct statx stx;
        unsigned mask = STATX_INO | STATX_MNT_ID;
        if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, &stx) < 0)
                return -1;
        if ((stx.stx_mask & mask) != mask) {
                errno = ENOSYS; /* a kernel before 5.8 */
                return -1;
        }
        *id = (struct cell_path_id){.mnt_id = stx.stx_mnt_id,
                                    .ino = stx.stx_ino,
                                    .dev_major = stx.stx_dev_major,
                                    .dev_minor = stx.stx_dev_minor};
        return 0;
}

bool cell_path_id_equal(const struct cell_path_id *a, const struct cell_path_id *b)
{
        return a->mnt_id == b->mnt_id && a->ino == b->ino && a->dev_major == b->dev_major &&
               a->dev_minor == b->dev_minor;
}

static int copy_file_data(int srcfd, int dstfd)
{
        for (;;) {
                ssize_t n = copy_file_range(srcfd, NULL, dstfd, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return -1;
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(srcfd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return (int)n;
                if (cell_write_all(dstfd, buf, (size_t)n) < 0)
                        return -1;
        }
}

static int copy_entry(int srcdir, int dstdir, const char *name, const struct stat *st);

static int copy_dir_entries(int srcfd, int dstfd)
{
        int dupfd = fcntl(srcfd, F_DUPFD_CLOEXEC, 0);
        if (dupfd < 0)
                return -1;
        _cleanup_closedir_ DIR *dir = fdopendir(dupfd);
        if (!dir) {
                close(dupfd);
                return -1;
        }
        struct dirent *de;
        errno = 0;
        while ((de = readdir(dir))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(srcfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -1;
                if (copy_entry(srcfd, dstfd, de->d_name, &st) < 0)
                        return -1;
                errno = 0;
        }
        return errno ? -1 : 0;
}

static int copy_node(int srcdir, int dstdir, const char *name, const struct stat *st)
{
        if (S_ISREG(st->st_mode)) {
                _cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0)
                        return -1;
                _cleanup_close_ int out = openat(
                        dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return -1;
                return copy_file_data(in, out);
        }
        if (S_ISLNK(st->st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(srcdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -1;
                target[n] = '\0';
                return symlinkat(target, dstdir, name);
        }
        if (S_ISDIR(st->st_mode)) {
                if (mkdirat(dstdir, name, 0700) < 0)
                        return -1;
                _cleanup_close_ int in =
                        openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int out =
                        openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0 || out < 0)
                        return -1;
                return copy_dir_entries(in, out);
        }
        /* fifo, socket, char or block device */
        return mknodat(dstdir, name, st->st_mode & S_IFMT, st->st_rdev);
}

static int copy_entry(int srcdir, int dstdir, const char *name, const struct stat *st)
{
        if (copy_node(srcdir, dstdir, name, st) < 0)
                return -1;
        if (fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -1;
        if (S_ISLNK(st->st_mode))
                return 0;
        return fchmodat(dstdir, name, st->st_mode & 07777, 0);
}

int cell_path_copy_tree(int srcfd, int dstfd)
{
        return copy_dir_entries(srcfd, dstfd);
}
