/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct cell_tar_writer {
        struct archive *a;
        struct archive_entry_linkresolver *links;
        cell_tar_sink_fn sink;
        void *opaque;
        struct cell_error sink_err; /* what the sink said, when it failed */
        uint64_t left;              /* bytes the open entry still expects */
        char *open_name;            /* the entry being written, for errors */
};

int cell_tar_sink_fd(void *opaque, const void *buf, size_t len, struct cell_error *err)
{
        if (cell_write_all(*(int *)opaque, buf, len) < 0)
                return cell_error_errno(err, "write");
        return 0;
}

static la_ssize_t write_cb(struct archive *a, void *opaque, const void *buf, size_t len)
{
        struct cell_tar_writer *w = opaque;
        (void)a;
        if (w->sink(w->opaque, buf, len, &w->sink_err) < 0)
                return -1;
        return (la_ssize_t)len;
}

/* The error of a failed libarchive call: the sink's own words when it was the sink. */
static int archive_fail(struct cell_tar_writer *w, struct cell_error *err, const char *what)
{
        if (cell_error_is_set(&w->sink_err)) {
                *err = w->sink_err;
                return cell_error_prefix(err, "%s", what);
        }
        return cell_error_set(err, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0, "%s: %s",
                              what, archive_error_string(w->a) ?: "tar writer failed");
}

int cell_tar_writer_new(cell_tar_sink_fn sink, void *opaque, struct cell_tar_writer **out,
                        struct cell_error *err)
{
        struct cell_tar_writer *w = xzalloc(sizeof(*w));
        w->sink = sink;
        w->opaque = opaque;
        cell_error_clear(&w->sink_err);
        w->a = archive_write_new();
        w->links = archive_entry_linkresolver_new();
        if (!w->a || !w->links)
                abort();
        archive_entry_linkresolver_set_strategy(w->links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
            archive_write_add_filter_none(w->a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
            archive_write_open2(w->a, w, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
                archive_fail(w, err, "start a tar stream");
                cell_tar_writer_free(w);
                return -1;
        }
        *out = w;
        return 0;
}

void cell_tar_writer_free(struct cell_tar_writer *w)
{
        if (!w)
                return;
        archive_write_free(w->a); /* does not write the end blocks after a failure */
        archive_entry_linkresolver_free(w->links);
        free(w->open_name);
        free(w);
}

/* The previous entry got exactly the bytes it announced. */
static int finish_entry(struct cell_tar_writer *w, struct cell_error *err)
{
        if (!w->open_name)
                return 0;
        if (w->left != 0)
                return cell_error_set(err, 0, "tar entry %s: %llu bytes short", w->open_name,
                                      (unsigned long long)w->left);
        free(w->open_name);
        w->open_name = NULL;
        return 0;
}

int cell_tar_writer_close(struct cell_tar_writer *w, struct cell_error *err)
{
        int r = finish_entry(w, err);
        if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
                r = archive_fail(w, err, "finish the tar stream");
        cell_tar_writer_free(w);
        return r;
}

static int write_header(struct cell_tar_writer *w, struct archive_entry *e, struct cell_error *err)
{
        if (finish_entry(w, err) < 0)
                return -1;
        if (archive_write_header(w->a, e) != ARCHIVE_OK)
                return archive_fail(w, err, archive_entry_pathname(e));
        return 0;
}

static struct archive_entry *synthetic_entry(const char *name, mode_t type, mode_t perm)
{
        struct archive_entry *e = archive_entry_new();
        if (!e)
                abort();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, 0, 0);
        return e;
}

int cell_tar_writer_add_dir(struct cell_tar_writer *w, const char *name, struct cell_error *err)
{
        struct archive_entry *e = synthetic_entry(name, AE_IFDIR, 0755);
        int r = write_header(w, e, err);
        archive_entry_free(e);
        return r;
}

int cell_tar_writer_begin_file(struct cell_tar_writer *w, const char *name, uint64_t size,
                               struct cell_error *err)
{
        struct archive_entry *e = synthetic_entry(name, AE_IFREG, 0644);
        archive_entry_set_size(e, (la_int64_t)size);
        int r = write_header(w, e, err);
        archive_entry_free(e);
        if (r < 0)
                return -1;
        w->open_name = xstrdup(name);
        w->left = size;
        return 0;
}

int cell_tar_writer_data(struct cell_tar_writer *w, const void *buf, size_t len,
                         struct cell_error *err)
{
        if (!w->open_name || len > w->left)
                return cell_error_set(err, 0, "tar entry %s: more data than its size",
                                      w->open_name ?: "(none)");
        while (len > 0) {
                la_ssize_t n = archive_write_data(w->a, buf, len);
                if (n <= 0)
                        return archive_fail(w, err, w->open_name);
                buf = (const char *)buf + n;
                len -= (size_t)n;
                w->left -= (uint64_t)n;
        }
        return 0;
}

int cell_tar_writer_add_file(struct cell_tar_writer *w, const char *name, const void *data,
                             size_t len, struct cell_error *err)
{
        if (cell_tar_writer_begin_file(w, name, len, err) < 0 ||
            cell_tar_writer_data(w, data, len, err) < 0)
                return -1;
        return finish_entry(w, err);
}

/* ---- directory trees ---------------------------------------------------------------- */

struct tree_walk {
        struct cell_tar_writer *w;
        enum cell_tar_tree_mode mode;
        char buf[128 * 1024];
};

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool overlay_private_xattr(const char *name)
{
        return strncmp(name, "trusted.overlay.", 16) == 0 ||
               strncmp(name, "user.overlay.", 13) == 0;
}

/*
 * Copy `path`'s extended attributes onto `e`.  Returns whether it had
 * trusted.overlay.opaque = "y" (overlayfs's opaque directory), or < 0.
 */
static int add_xattrs(struct tree_walk *t, const char *path, struct archive_entry *e,
                      struct cell_error *err)
{
        ssize_t n = llistxattr(path, NULL, 0);
        if (n < 0 && (errno == ENOTSUP || errno == ENOSYS))
                return 0;
        if (n < 0)
                return cell_error_errno(err, "list extended attributes of %s", path);
        if (n == 0)
                return 0;
        _cleanup_free_ char *names = xmalloc((size_t)n + 1);
        n = llistxattr(path, names, (size_t)n);
        if (n < 0)
                return cell_error_errno(err, "list extended attributes of %s", path);
        int opaque = 0;
        for (char *name = names; name < names + n; name += strlen(name) + 1) {
                ssize_t len = lgetxattr(path, name, t->buf, sizeof(t->buf));
                if (len < 0 && errno == ENODATA)
                        continue;
                if (len < 0)
                        return cell_error_errno(err, "read extended attribute %s of %s", name,
                                                path);
                if (overlay_private_xattr(name)) {
                        if (t->mode == CELL_TAR_TREE_OVERLAY_UPPER &&
                            strcmp(name + strlen(name) - 7, ".opaque") == 0 && len == 1 &&
                            t->buf[0] == 'y')
                                opaque = 1;
                        if (t->mode == CELL_TAR_TREE_OVERLAY_UPPER)
                                continue;
                }
                archive_entry_xattr_add_entry(e, name, t->buf, (size_t)len);
        }
        return opaque;
}

static int copy_file_data(struct tree_walk *t, const char *path, int64_t size,
                          struct cell_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return cell_error_errno(err, "open %s", path);
        while (size > 0) {
                size_t want = size < (int64_t)sizeof(t->buf) ? (size_t)size : sizeof(t->buf);
                ssize_t n = read(fd, t->buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cell_error_errno(err, "read %s", path);
                if (n == 0) {
                        /* The file shrank: pad to the size the header announced. */
                        memset(t->buf, 0, want);
                        n = (ssize_t)want;
                }
                if (cell_tar_writer_data(t->w, t->buf, (size_t)n, err) < 0)
                        return -1;
                size -= n;
        }
        return 0;
}

/* Write one entry that libarchive's hard-link resolver handed back. */
static int write_entry(struct tree_walk *t, const char *path, struct archive_entry *e,
                       struct cell_error *err)
{
        if (write_header(t->w, e, err) < 0)
                return -1;
        int64_t size = archive_entry_size(e);
        if (archive_entry_filetype(e) != AE_IFREG || size <= 0)
                return 0;
        t->w->open_name = xstrdup(archive_entry_pathname(e));
        t->w->left = (uint64_t)size;
        if (copy_file_data(t, path, size, err) < 0)
                return -1;
        return finish_entry(t->w, err);
}

static int add_whiteout(struct tree_walk *t, const char *rel, const char *base,
                        struct cell_error *err)
{
        const char *slash = strrchr(rel, '/');
        _cleanup_free_ char *name = slash ? xasprintf("%.*s/.wh.%s", (int)(slash - rel), rel, base)
                                          : xasprintf(".wh.%s", base);
        struct archive_entry *e = synthetic_entry(name, AE_IFREG, 0644);
        archive_entry_set_size(e, 0);
        int r = write_header(t->w, e, err);
        archive_entry_free(e);
        return r;
}

static int add_dir_entries(struct tree_walk *t, const char *path, const char *rel,
                           struct cell_error *err);

/* One file `path` (entry name `rel`), and below it when it is a directory. */
static int add_path(struct tree_walk *t, const char *path, const char *rel, const char *base,
                    struct cell_error *err)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return cell_error_errno(err, "stat %s", path);
        if (S_ISSOCK(st.st_mode))
                return 0;
        if (t->mode == CELL_TAR_TREE_OVERLAY_UPPER && is_whiteout(&st))
                return add_whiteout(t, rel, base, err);

        struct archive_entry *e = archive_entry_new();
        if (!e)
                abort();
        archive_entry_copy_stat(e, &st);
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        archive_entry_set_mtime(e, st.st_mtime, 0);
        archive_entry_set_pathname(e, rel);
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n < 0) {
                        archive_entry_free(e);
                        return cell_error_errno(err, "read link %s", path);
                }
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        }
        if (!S_ISREG(st.st_mode))
                archive_entry_set_size(e, 0);
        int opaque = add_xattrs(t, path, e, err);
        if (opaque < 0) {
                archive_entry_free(e);
                return -1;
        }

        struct archive_entry *spare = NULL;
        archive_entry_linkify(t->w->links, &e, &spare);
        int r = e ? write_entry(t, path, e, err) : 0;
        archive_entry_free(e);
        archive_entry_free(spare);
        if (r < 0)
                return -1;
        if (S_ISDIR(st.st_mode)) {
                if (opaque) {
                        _cleanup_free_ char *opq = xasprintf("%s/.wh..wh..opq", rel);
                        struct archive_entry *o = synthetic_entry(opq, AE_IFREG, 0644);
                        archive_entry_set_size(o, 0);
                        r = write_header(t->w, o, err);
                        archive_entry_free(o);
                        if (r < 0)
                                return -1;
                }
                return add_dir_entries(t, path, rel, err);
        }
        return 0;
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static int add_dir_entries(struct tree_walk *t, const char *path, const char *rel,
                           struct cell_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return cell_error_errno(err, "open directory %s", path);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                names = xreallocarray(names, n + 1, sizeof(*names));
                names[n++] = xstrdup(de->d_name);
        }
        if (errno != 0) {
                free_names(names, n);
                return cell_error_errno(err, "read directory %s", path);
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), compare_names);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                _cleanup_free_ char *child = cell_path_join(path, names[i]);
                _cleanup_free_ char *child_rel =
                        rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
                r = add_path(t, child, child_rel, names[i], err);
        }
        free_names(names, n);
        return r;
}

int cell_tar_writer_add_tree(struct cell_tar_writer *w, const char *dir,
                             enum cell_tar_tree_mode mode, struct cell_error *err)
{
        _cleanup_free_ struct tree_walk *t = xzalloc(sizeof(*t));
        t->w = w;
        t->mode = mode;
        if (finish_entry(w, err) < 0)
                return -1;
        if (add_dir_entries(t, dir, NULL, err) < 0)
                return -1;
        /* Hard links whose other names never came (outside the tree) are already written. */
        return 0;
}

int cell_layer_tar_from_dir(const char *dir, enum cell_tar_tree_mode mode, cell_tar_sink_fn sink,
                            void *opaque, struct cell_error *err)
{
        struct cell_tar_writer *w;
        if (cell_tar_writer_new(sink, opaque, &w, err) < 0)
                return -1;
        if (cell_tar_writer_add_tree(w, dir, mode, err) < 0) {
                cell_tar_writer_free(w);
                return cell_error_prefix(err, "tar of %s", dir);
        }
        if (cell_tar_writer_close(w, err) < 0)
                return cell_error_prefix(err, "tar of %s", dir);
        return 0;
}
