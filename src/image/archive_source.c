/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive_source.h"
#include "image/digest.h"
#include "sandbox/paths.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define COPY_CHUNK (1024 * 1024)

char *archive_blob_name(const char *digest, struct cell_error *err)
{
        if (!cell_digest_valid(digest)) {
                cell_error_set(err, 0,
                               "invalid or unsupported digest \"%s\" (want sha256:<64 hex>)",
                               digest ?: "");
                return NULL;
        }
        return xasprintf("blobs/sha256/%s", digest + 7);
}

char *archive_digest_of_name(const char *name)
{
        if (strncmp(name, "blobs/sha256/", 13) != 0)
                return NULL;
        char *d = xasprintf("sha256:%s", name + 13);
        if (!cell_digest_valid(d)) {
                free(d);
                return NULL;
        }
        return d;
}

char *archive_clean_name(const char *name, struct cell_error *err)
{
        if (name[0] == '/') {
                cell_error_set(err, 0, "%s: an absolute path", name);
                return NULL;
        }
        /* cell_path_clean() keeps ".." from climbing above "/": compare before and after. */
        size_t depth = 0;
        _cleanup_free_ char *copy = xstrdup(name);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (strcmp(c, "..") == 0) {
                        if (depth == 0) {
                                cell_error_set(err, 0, "%s: path leads out of the archive", name);
                                return NULL;
                        }
                        depth--;
                } else if (strcmp(c, ".") != 0) {
                        depth++;
                }
        }
        _cleanup_free_ char *clean = cell_path_clean(name);
        return xstrdup(clean + 1); /* "" for the root */
}

/* ---- directories ---------------------------------------------------------------- */

struct dir_source {
        struct archive_source base;
        int dirfd;
};

static int dir_open(struct dir_source *d, const char *name, int flags, struct cell_error *err)
{
        int fd = cell_path_open_in_root(d->dirfd, name, flags);
        if (fd < 0)
                return cell_error_errno(err, "%s", name);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return cell_error_set(err, 0, "%s: not a regular file", name);
        }
        return fd;
}

static bool dir_exists(struct archive_source *src, const char *name)
{
        struct cell_error ignored;
        int fd = dir_open((struct dir_source *)src, name, O_PATH, &ignored);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

static int dir_read(struct archive_source *src, const char *name, size_t max, char **out,
                    size_t *len, struct cell_error *err)
{
        _cleanup_close_ int fd =
                dir_open((struct dir_source *)src, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, err);
        if (fd < 0)
                return -1;
        return cell_read_fd(fd, name, max, out, len, err);
}

static int copy_fd_to_blob(struct cell_store *s, int fd, const char *name, const char *expected,
                           char digest[72], struct cell_error *err)
{
        struct cell_blob_writer *w;
        uint64_t resume = 0;
        if (cell_blob_writer_open(s, expected, &w, &resume, err) < 0)
                return cell_error_prefix(err, "%s", name);
        if (resume > 0 && lseek(fd, (off_t)resume, SEEK_SET) < 0) {
                cell_blob_writer_abort(w, false);
                return cell_error_errno(err, "%s: seek", name);
        }
        _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
        for (;;) {
                ssize_t n = read(fd, buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        cell_blob_writer_abort(w, false);
                        return cell_error_set(err, e, "read %s", name);
                }
                if (n == 0)
                        break;
                if (cell_blob_writer_write(w, buf, (size_t)n, err) < 0) {
                        cell_blob_writer_abort(w, false);
                        return cell_error_prefix(err, "%s", name);
                }
        }
        if (cell_blob_writer_commit(w, digest, err) < 0)
                return cell_error_prefix(err, "%s", name);
        return 0;
}

static int dir_blob(struct archive_source *src, const char *name, const char *expected,
                    char digest[72], struct cell_error *err)
{
        if (expected && cell_blob_exists(src->store, expected)) {
                snprintf(digest, 72, "%s", expected);
                return 0;
        }
        _cleanup_close_ int fd =
                dir_open((struct dir_source *)src, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, err);
        if (fd < 0)
                return -1;
        return copy_fd_to_blob(src->store, fd, name, expected, digest, err);
}

static void dir_free(struct archive_source *src)
{
        struct dir_source *d = (struct dir_source *)src;
        if (d->dirfd >= 0)
                close(d->dirfd);
}

static const struct archive_source_ops dir_ops = {
        .exists = dir_exists,
        .read = dir_read,
        .blob = dir_blob,
        .free = dir_free,
};

/* ---- tar streams ---------------------------------------------------------------- */

enum tar_entry_kind { TAR_MEMORY, TAR_BLOB, TAR_LINK };

struct tar_entry {
        char *name;
        enum tar_entry_kind kind;
        char *data; /* TAR_MEMORY */
        size_t len;
        char digest[72]; /* TAR_BLOB */
        char *target;    /* TAR_LINK: the cleaned name it stands for; NULL if outside */
};

struct tar_source {
        struct archive_source base;
        struct tar_entry *entries;
        size_t n;
};

static const struct tar_entry *tar_find(struct tar_source *t, const char *name,
                                        struct cell_error *err)
{
        for (int depth = 0; depth < 16; depth++) {
                const struct tar_entry *e = NULL;
                for (size_t i = t->n; i-- > 0;) {
                        if (strcmp(t->entries[i].name, name) == 0) {
                                e = &t->entries[i];
                                break;
                        }
                }
                if (!e) {
                        cell_error_set(err, ENOENT, "%s", name);
                        return NULL;
                }
                if (e->kind != TAR_LINK)
                        return e;
                if (!e->target) {
                        cell_error_set(err, 0, "%s: a link that leads out of the archive", e->name);
                        return NULL;
                }
                name = e->target;
        }
        cell_error_set(err, ELOOP, "%s", name);
        return NULL;
}

static bool tar_exists(struct archive_source *src, const char *name)
{
        struct cell_error ignored;
        return tar_find((struct tar_source *)src, name, &ignored) != NULL;
}

static int tar_read(struct archive_source *src, const char *name, size_t max, char **out,
                    size_t *len, struct cell_error *err)
{
        const struct tar_entry *e = tar_find((struct tar_source *)src, name, err);
        if (!e)
                return -1;
        if (e->kind == TAR_BLOB) {
                if (cell_blob_read(src->store, e->digest, max, out, len, err) < 0)
                        return cell_error_prefix(err, "%s", name);
                return 0;
        }
        if (e->len > max)
                return cell_error_set(err, EFBIG, "%s: larger than %zu bytes", name, max);
        *out = xmalloc(e->len + 1);
        memcpy(*out, e->data, e->len);
        (*out)[e->len] = '\0';
        if (len)
                *len = e->len;
        return 0;
}

static int tar_blob(struct archive_source *src, const char *name, const char *expected,
                    char digest[72], struct cell_error *err)
{
        const struct tar_entry *e = tar_find((struct tar_source *)src, name, err);
        if (!e)
                return -1;
        if (e->kind == TAR_MEMORY) {
                if (cell_blob_put(src->store, e->data, e->len, digest, err) < 0)
                        return cell_error_prefix(err, "%s", name);
        } else {
                snprintf(digest, 72, "%s", e->digest);
        }
        if (expected && strcmp(digest, expected) != 0)
                return cell_error_set(err, 0, "%s: digest mismatch: content has %s, expected %s",
                                      name, digest, expected);
        return 0;
}

static void tar_free(struct archive_source *src)
{
        struct tar_source *t = (struct tar_source *)src;
        for (size_t i = 0; i < t->n; i++) {
                free(t->entries[i].name);
                free(t->entries[i].data);
                free(t->entries[i].target);
        }
        free(t->entries);
}

static const struct archive_source_ops tar_ops = {
        .exists = tar_exists,
        .read = tar_read,
        .blob = tar_blob,
        .free = tar_free,
};

/* Metadata stays in memory; anything else (layers, blobs) goes to the store. */
static bool is_metadata(const char *name)
{
        if (strncmp(name, "blobs/", 6) == 0)
                return false;
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        size_t n = strlen(base);
        return strcmp(base, "oci-layout") == 0 || strcmp(base, "repositories") == 0 ||
               strcmp(base, "json") == 0 || strcmp(base, "VERSION") == 0 ||
               (n > 5 && strcmp(base + n - 5, ".json") == 0);
}

static int archive_read_fail(struct archive *a, const char *what, struct cell_error *err)
{
        const char *msg = archive_error_string(a);
        int e = archive_errno(a);
        return cell_error_set(err, 0, "%s: %s", what,
                              msg     ? msg
                              : e > 0 ? cell_strerror(e)
                                      : "read failed");
}

static int ingest_memory(struct archive *a, struct tar_entry *e, int64_t size,
                         struct cell_error *err)
{
        if (size < 0 || (uint64_t)size > CELL_ARCHIVE_META_MAX)
                return cell_error_set(err, EFBIG, "%s: larger than %zu bytes", e->name,
                                      CELL_ARCHIVE_META_MAX);
        e->kind = TAR_MEMORY;
        e->data = xmalloc((size_t)size + 1);
        size_t got = 0;
        while (got < (size_t)size) {
                la_ssize_t n = archive_read_data(a, e->data + got, (size_t)size - got);
                if (n < 0)
                        return archive_read_fail(a, e->name, err);
                if (n == 0)
                        return cell_error_set(err, 0, "%s: truncated", e->name);
                got += (size_t)n;
        }
        e->len = got;
        return 0;
}

static int ingest_blob(struct tar_source *t, struct archive *a, struct tar_entry *e,
                       struct cell_error *err)
{
        _cleanup_free_ char *expected = archive_digest_of_name(e->name);
        if (!expected && strncmp(e->name, "blobs/", 6) == 0)
                return cell_error_set(err, 0, "%s: not a sha256 blob name", e->name);
        e->kind = TAR_BLOB;
        if (expected && cell_blob_exists(t->base.store, expected)) {
                snprintf(e->digest, sizeof(e->digest), "%s", expected);
                if (archive_read_data_skip(a) != ARCHIVE_OK)
                        return archive_read_fail(a, e->name, err);
                return 0;
        }
        struct cell_blob_writer *w;
        uint64_t resume = 0;
        if (cell_blob_writer_open(t->base.store, expected, &w, &resume, err) < 0)
                return cell_error_prefix(err, "%s", e->name);
        /* A stream cannot skip what an interrupted load already wrote: start again. */
        if (resume > 0 && cell_blob_writer_restart(w, err) < 0) {
                cell_blob_writer_abort(w, false);
                return cell_error_prefix(err, "%s", e->name);
        }
        const void *buf;
        size_t len;
        la_int64_t off;
        int r;
        while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
                if (cell_blob_writer_write(w, buf, len, err) < 0) {
                        cell_blob_writer_abort(w, false);
                        return cell_error_prefix(err, "%s", e->name);
                }
        }
        if (r != ARCHIVE_EOF) {
                archive_read_fail(a, e->name, err);
                cell_blob_writer_abort(w, false);
                return -1;
        }
        if (cell_blob_writer_commit(w, e->digest, err) < 0)
                return cell_error_prefix(err, "%s", e->name);
        if (expected && strcmp(expected, e->digest) != 0)
                return cell_error_set(err, 0, "%s: digest mismatch: content has %s", e->name,
                                      e->digest);
        return 0;
}

static const char *type_name(mode_t type)
{
        switch (type) {
        case AE_IFCHR:
                return "a character device";
        case AE_IFBLK:
                return "a block device";
        case AE_IFIFO:
                return "a FIFO";
        case AE_IFSOCK:
                return "a socket";
        default:
                return "a file of unknown type";
        }
}

/* The cleaned target of a link entry, or NULL when it leads out of the archive. */
static char *link_target(const char *name, struct archive_entry *ae)
{
        struct cell_error ignored;
        const char *hard = archive_entry_hardlink(ae);
        if (hard)
                return archive_clean_name(hard, &ignored);
        const char *sym = archive_entry_symlink(ae);
        if (!sym || sym[0] == '/')
                return NULL;
        const char *slash = strrchr(name, '/');
        _cleanup_free_ char *joined =
                slash ? xasprintf("%.*s/%s", (int)(slash - name), name, sym) : xstrdup(sym);
        return archive_clean_name(joined, &ignored);
}

static int ingest_entry(struct tar_source *t, struct archive *a, struct archive_entry *ae,
                        struct cell_error *err)
{
        _cleanup_free_ char *name = archive_clean_name(archive_entry_pathname(ae) ?: "", err);
        if (!name)
                return cell_error_prefix(err, "entry");
        mode_t type = archive_entry_filetype(ae);
        if (type == AE_IFDIR || name[0] == '\0')
                return 0;
        bool link = archive_entry_hardlink(ae) || type == AE_IFLNK;
        if (!link && type != AE_IFREG)
                return cell_error_set(err, 0, "entry %s: %s has no place in an image archive", name,
                                      type_name(type));
        t->entries = xreallocarray(t->entries, t->n + 1, sizeof(*t->entries));
        struct tar_entry *e = &t->entries[t->n++];
        memset(e, 0, sizeof(*e));
        e->name = steal_ptr(name);
        if (link) {
                e->kind = TAR_LINK;
                e->target = link_target(e->name, ae);
                return 0;
        }
        if (is_metadata(e->name))
                return ingest_memory(a, e, archive_entry_size(ae), err);
        return ingest_blob(t, a, e, err);
}

static int tar_ingest(struct tar_source *t, int fd, struct cell_error *err)
{
        struct archive *a = archive_read_new();
        if (!a)
                abort();
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        int r = 0;
        if (archive_read_open_fd(a, fd, 256 * 1024) != ARCHIVE_OK) {
                r = archive_read_fail(a, "not a tar archive", err);
        } else {
                struct archive_entry *ae;
                int h;
                while ((h = archive_read_next_header(a, &ae)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
                        if (ingest_entry(t, a, ae, err) < 0) {
                                r = -1;
                                break;
                        }
                }
                if (r == 0 && h != ARCHIVE_EOF)
                        r = archive_read_fail(a, t->n == 0 ? "not a tar archive" : "tar", err);
        }
        archive_read_free(a);
        return r;
}

/* ---- opening ---------------------------------------------------------------- */

int archive_source_open(struct cell_store *s, const char *path, struct archive_source **out,
                        struct cell_error *err)
{
        bool is_stdin = strcmp(path, "-") == 0;
        _cleanup_close_ int fd =
                is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return cell_error_errno(err, "%s", is_stdin ? "standard input" : path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "%s", path);
        if (S_ISDIR(st.st_mode)) {
                struct dir_source *d = xzalloc(sizeof(*d));
                d->base.ops = &dir_ops;
                d->base.store = s;
                d->base.label = xstrdup(path);
                d->dirfd = steal_fd(fd);
                *out = &d->base;
                return 0;
        }
        /* Blocking reads from here on (a pipe or FIFO waits for its writer). */
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
                return cell_error_errno(err, "%s", path);
        struct tar_source *t = xzalloc(sizeof(*t));
        t->base.ops = &tar_ops;
        t->base.store = s;
        t->base.label = xstrdup(is_stdin ? "standard input" : path);
        if (tar_ingest(t, fd, err) < 0) {
                archive_source_free(&t->base);
                return -1;
        }
        *out = &t->base;
        return 0;
}

void archive_source_free(struct archive_source *src)
{
        if (!src)
                return;
        src->ops->free(src);
        free(src->label);
        free(src);
}
