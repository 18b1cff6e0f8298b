/* SPDX-License-Identifier: Apache-2.0 */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

int cell_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

ssize_t cell_read_all(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;
        while (done < len) {
                ssize_t n = read(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

ssize_t cell_read_small(const char *path, char *buf, size_t size)
{
        if (size == 0) {
                errno = EINVAL;
                return -1;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n;
        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        int saved = errno;
        close(fd);
        if (n < 0) {
                errno = saved;
                return -1;
        }
        buf[n] = '\0';
        return n;
}

int cell_write_file_at(int dirfd, const char *name, const char *data, size_t len,
                       struct cell_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open %s", name);
        if (cell_write_all(fd, data, len) < 0)
                return cell_error_errno(err, "write %s", name);
        return 0;
}

int cell_write_file(const char *path, const char *data, size_t len, struct cell_error *err)
{
        return cell_write_file_at(AT_FDCWD, path, data, len, err);
}

int cell_write_file_atomic(int dirfd, const char *name, const char *data, size_t len,
                           struct cell_error *err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp", name);
        _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return cell_error_errno(err, "create %s", tmp);
        if (cell_write_all(fd, data, len) < 0) {
                cell_error_errno(err, "write %s", tmp);
                unlinkat(dirfd, tmp, 0);
                return -1;
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                cell_error_errno(err, "rename %s to %s", tmp, name);
                unlinkat(dirfd, tmp, 0);
                return -1;
        }
        return 0;
}

/*
 * Read `fd` to EOF into a NUL-terminated buffer, refusing more than `max`
 * bytes.  `regular` demands a regular file whose size is checked before
 * reading (a sparse file of 1 TB fails at once).  Errors are "<label>: ...".
 */
static int read_fd_bounded(int fd, const char *label, bool regular, size_t max, char **out,
                           size_t *len_out, struct cell_error *err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "stat %s", label);
        if (regular && !S_ISREG(st.st_mode))
                return cell_error_set(err, 0, "%s: not a regular file", label);
        if (regular && (uint64_t)st.st_size > max)
                return cell_error_set(err, 0, "%s: larger than %zu bytes", label, max);
        /* Room for the whole file, its NUL and the read() that sees EOF. */
        size_t cap = regular && st.st_size > 0 ? (size_t)st.st_size + 2 : 4096, len = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 >= cap) {
                        cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
                        buf = xrealloc(buf, cap);
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return cell_error_errno(err, "read %s", label);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return cell_error_set(err, 0, "%s: larger than %zu bytes", label, max);
        }
        buf[len] = '\0';
        if (len_out)
                *len_out = len;
        *out = steal_ptr(buf);
        return 0;
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused. */
#define READ_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

int cell_read_file_at(int dirfd, const char *name, char **out, size_t *len_out,
                      struct cell_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, READ_OPEN_FLAGS);
        if (fd < 0)
                return cell_error_errno(err, "open %s", name);
        return read_fd_bounded(fd, name, true, CELL_READ_FILE_MAX, out, len_out, err);
}

int cell_read_fd(int fd, const char *label, size_t max, char **out, size_t *len_out,
                 struct cell_error *err)
{
        return read_fd_bounded(fd, label, true, max, out, len_out, err);
}

int cell_read_file(const char *path, char **out, size_t *len_out, struct cell_error *err)
{
        return cell_read_file_at(AT_FDCWD, path, out, len_out, err);
}

int cell_read_input(const char *what, const char *path, bool allow_stdin, char **out,
                    size_t *len_out, struct cell_error *err)
{
        _cleanup_free_ char *label = xasprintf("%s %s", what, path);
        if (allow_stdin && strcmp(path, "-") == 0) {
                free(label);
                label = xasprintf("%s - (standard input)", what);
                return read_fd_bounded(STDIN_FILENO, label, false, CELL_INPUT_MAX, out, len_out,
                                       err);
        }
        _cleanup_close_ int fd = open(path, READ_OPEN_FLAGS);
        if (fd < 0)
                return cell_error_errno(err, "open %s", label);
        return read_fd_bounded(fd, label, true, CELL_INPUT_MAX, out, len_out, err);
}

int cell_mkdir_p(const char *path, mode_t mode, struct cell_error *err)
{
        if (mkdir(path, mode) == 0 || errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return cell_error_errno(err, "mkdir %s", path);
        _cleanup_free_ char *copy = xstrdup(path);
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "mkdir %s", copy);
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return cell_error_errno(err, "mkdir %s", copy);
        return 0;
}

static int remove_dir_contents(int dfd, const char *name, struct cell_error *err)
{
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return cell_error_errno(err, "opendir %s", name);
        }
        _cleanup_closedir_ DIR *dir = d;
        struct dirent *de;
        while ((de = readdir(dir))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (cell_remove_tree_at(dirfd(dir), de->d_name, err) < 0)
                        return -1;
        }
        return 0;
}

int cell_remove_tree_at(int dirfd, const char *name, struct cell_error *err)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return cell_error_errno(err, "remove %s", name);
        int dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT)
                return 0; /* removed meanwhile by another walk of the same tree */
        if (dfd < 0)
                return cell_error_errno(err, "open %s", name);
        if (remove_dir_contents(dfd, name, err) < 0)
                return -1;
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return cell_error_errno(err, "rmdir %s", name);
        return 0;
}

char *cell_path_clean(const char *path)
{
        size_t len = strlen(path);
        char *out = xmalloc(len + 2);
        size_t n = 0; /* out[0..n) is the cleaned prefix, without trailing '/' */
        const char *p = path;

        while (*p) {
                while (*p == '/')
                        p++;
                const char *start = p;
                while (*p && *p != '/')
                        p++;
                size_t clen = (size_t)(p - start);
                if (clen == 0 || (clen == 1 && start[0] == '.'))
                        continue;
                if (clen == 2 && start[0] == '.' && start[1] == '.') {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--; /* drop the '/' too; at "/" this stays 0 */
                        continue;
                }
                out[n++] = '/';
                memcpy(out + n, start, clen);
                n += clen;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = '\0';
        return out;
}

char *cell_path_join(const char *a, const char *b)
{
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        return xasprintf("%.*s/%s", (int)la, a, b);
}

char *cell_path_absolute(const char *base, const char *path)
{
        if (path[0] == '/')
                return xstrdup(path);
        return cell_path_join(base, path);
}

int cell_fds_cloexec_from(int from, struct cell_error *err)
{
        if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        if (!d)
                return cell_error_errno(err, "open /proc/self/fd");
        struct dirent *de;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd < from || fd == dirfd(d))
                        continue;
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                        return cell_error_errno(err, "set close-on-exec on fd %d", fd);
        }
        return 0;
}

bool cell_path_has_prefix(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);
        if (strncmp(path, prefix, n) != 0)
                return false;
        return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

char *cell_self_exe(struct cell_error *err)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) {
                cell_error_errno(err, "readlink /proc/self/exe");
                return NULL;
        }
        self[n] = '\0';
        return xstrdup(self);
}

char *cell_sibling_program(const char *name, const char *build_subdir, struct cell_error *err)
{
        _cleanup_free_ char *self = cell_self_exe(err);
        if (!self)
                return NULL;
        char *slash = strrchr(self, '/');
        if (slash)
                *slash = '\0';
        char *path = cell_path_join(self, name);
        if (access(path, X_OK) == 0)
                return path;
        _cleanup_free_ char *sub = cell_path_join(self, build_subdir);
        char *built = cell_path_join(sub, name);
        if (access(built, X_OK) == 0) {
                free(path);
                return built;
        }
        free(built);
        return path;
}
