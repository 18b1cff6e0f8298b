/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blobs: immutable files blobs/sha256/<hex>, written under tmp/, hashed as
 * they stream, verified, fsynced and renamed into place.
 */
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct cell_blob_writer {
        struct cell_store *s;
        char expected[CELL_DIGEST_MAX]; /* "" when none */
        char *tmp_rel;                  /* relative to the store root */
        bool partial;                   /* tmp_rel is the shared resumable ingest-<hex>.partial */
        int fd;
        uint64_t size;
        struct cell_sha256 *hash;
};

char *cell_blob_path(struct cell_store *s, const char *digest)
{
        if (!cell_digest_valid(digest))
                return NULL;
        return xasprintf("%s/blobs/sha256/%s", s->root, cell_digest_hex(digest));
}

static char *blob_rel(const char *digest)
{
        return xasprintf("blobs/sha256/%s", cell_digest_hex(digest));
}

bool cell_blob_exists(struct cell_store *s, const char *digest)
{
        if (!cell_digest_valid(digest))
                return false;
        _cleanup_free_ char *rel = blob_rel(digest);
        return faccessat(s->root_fd, rel, F_OK, 0) == 0;
}

int cell_blob_open(struct cell_store *s, const char *digest, struct cell_error *err)
{
        if (cell_digest_check(digest, "blob", err) < 0)
                return -1;
        _cleanup_free_ char *rel = blob_rel(digest);
        int fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return cell_error_set(err, ENOENT, "blob %s: not in the store", digest);
        if (fd < 0)
                return cell_error_errno(err, "blob %s: open", digest);
        return fd;
}

/* Feed the existing content of the partial file into the hash: the resume point. */
static int rehash_partial(struct cell_blob_writer *w, struct cell_error *err)
{
        char buf[65536];
        if (lseek(w->fd, 0, SEEK_SET) < 0)
                return cell_error_errno(err, "blob %s: resume %s", w->expected, w->tmp_rel);
        for (;;) {
                ssize_t n = read(w->fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cell_error_errno(err, "blob %s: resume %s", w->expected, w->tmp_rel);
                if (n == 0)
                        return 0;
                cell_sha256_update(w->hash, buf, (size_t)n);
                w->size += (uint64_t)n;
        }
}

/*
 * Open the shared partial file for `expected` and lock it.  Returns 1 when
 * this writer owns it, 0 when another live writer holds it.
 */
static int open_partial(struct cell_blob_writer *w, bool resume, struct cell_error *err)
{
        w->tmp_rel = xasprintf("tmp/ingest-%s.partial", cell_digest_hex(w->expected));
        w->fd = openat(w->s->root_fd, w->tmp_rel, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (w->fd < 0)
                return cell_error_errno(err, "blob %s: create %s", w->expected, w->tmp_rel);
        if (flock(w->fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return cell_error_errno(err, "blob %s: lock %s", w->expected, w->tmp_rel);
                close(w->fd);
                w->fd = -1;
                free(w->tmp_rel);
                w->tmp_rel = NULL;
                return 0;
        }
        /* The previous holder may have renamed the file into blobs/ between our
         * open and our lock: then the name leads elsewhere, and the fd must not be
         * written (it is a committed blob now). */
        struct stat held, named;
        if (fstat(w->fd, &held) < 0)
                return cell_error_errno(err, "blob %s: stat %s", w->expected, w->tmp_rel);
        if (fstatat(w->s->root_fd, w->tmp_rel, &named, AT_SYMLINK_NOFOLLOW) < 0 ||
            held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
                close(w->fd);
                w->fd = -1;
                free(w->tmp_rel);
                w->tmp_rel = NULL;
                return 0;
        }
        w->partial = true;
        if (!resume)
                return ftruncate(w->fd, 0) < 0
                               ? cell_error_errno(err, "blob %s: truncate %s", w->expected, w->tmp_rel)
                               : 1;
        if (rehash_partial(w, err) < 0)
                return -1;
        return 1;
}

static int open_private(struct cell_blob_writer *w, struct cell_error *err)
{
        _cleanup_free_ char *name = store_tmp_name("ingest");
        w->tmp_rel = xasprintf("tmp/%s", name);
        w->fd = openat(w->s->root_fd, w->tmp_rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (w->fd < 0)
                return cell_error_errno(err, "blob: create %s/%s", w->s->root, w->tmp_rel);
        return 0;
}

int cell_blob_writer_open(struct cell_store *s, const char *expected_digest,
                          struct cell_blob_writer **out, uint64_t *resume_from,
                          struct cell_error *err)
{
        *out = NULL;
        if (resume_from)
                *resume_from = 0;
        if (expected_digest && cell_digest_check(expected_digest, "blob", err) < 0)
                return -1;
        struct cell_blob_writer *w = xzalloc(sizeof(*w));
        w->s = s;
        w->fd = -1;
        w->hash = cell_sha256_new();
        int r = 0;
        if (expected_digest) {
                snprintf(w->expected, sizeof(w->expected), "%s", expected_digest);
                r = open_partial(w, resume_from != NULL, err);
        }
        if (r == 0)
                r = open_private(w, err);
        if (r < 0) {
                cell_blob_writer_abort(w, true);
                return -1;
        }
        if (resume_from)
                *resume_from = w->size;
        *out = w;
        return 0;
}

int cell_blob_writer_write(struct cell_blob_writer *w, const void *buf, size_t len,
                           struct cell_error *err)
{
        if (cell_write_all(w->fd, buf, len) < 0)
                return cell_error_errno(err, "blob %s: write %s/%s",
                                        w->expected[0] ? w->expected : "(new)", w->s->root,
                                        w->tmp_rel);
        cell_sha256_update(w->hash, buf, len);
        w->size += len;
        return 0;
}

int cell_blob_writer_restart(struct cell_blob_writer *w, struct cell_error *err)
{
        if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
                return cell_error_errno(err, "blob %s: truncate %s", w->expected, w->tmp_rel);
        cell_sha256_reset(w->hash);
        w->size = 0;
        return 0;
}

uint64_t cell_blob_writer_size(const struct cell_blob_writer *w)
{
        return w->size;
}

static void writer_free(struct cell_blob_writer *w, bool unlink_data)
{
        if (unlink_data && w->tmp_rel)
                unlinkat(w->s->root_fd, w->tmp_rel, 0);
        if (w->fd >= 0)
                close(w->fd); /* after the unlink: the lock covers it */
        cell_sha256_free(w->hash);
        free(w->tmp_rel);
        free(w);
}

void cell_blob_writer_abort(struct cell_blob_writer *w, bool keep_partial)
{
        if (!w)
                return;
        writer_free(w, !(keep_partial && w->partial));
}

int cell_blob_writer_commit(struct cell_blob_writer *w, char digest_out[CELL_DIGEST_MAX],
                            struct cell_error *err)
{
        char got[CELL_DIGEST_MAX];
        cell_sha256_final(w->hash, got);
        if (w->expected[0] && strcmp(got, w->expected) != 0) {
                cell_error_set(err, 0, "blob %s: digest mismatch: got %s", w->expected, got);
                writer_free(w, true);
                return -1;
        }
        if (fsync(w->fd) < 0) {
                cell_error_errno(err, "blob %s: fsync %s", got, w->tmp_rel);
                writer_free(w, true);
                return -1;
        }
        _cleanup_free_ char *rel = blob_rel(got);
        /* A blob is immutable: when another writer got there first, its copy is
         * the same bytes and ours is simply dropped. */
        if (renameat(w->s->root_fd, w->tmp_rel, w->s->root_fd, rel) < 0) {
                cell_error_errno(err, "blob %s: rename into %s/blobs", got, w->s->root);
                writer_free(w, true);
                return -1;
        }
        struct cell_store *s = w->s;
        free(w->tmp_rel);
        w->tmp_rel = NULL;
        writer_free(w, false);
        if (store_fsync_dir(s, "blobs/sha256", err) < 0)
                return -1;
        if (digest_out)
                memcpy(digest_out, got, CELL_DIGEST_MAX);
        return 0;
}

int cell_blob_put(struct cell_store *s, const void *buf, size_t len,
                  char digest_out[CELL_DIGEST_MAX], struct cell_error *err)
{
        char digest[CELL_DIGEST_MAX];
        cell_sha256_digest(buf, len, digest);
        if (digest_out)
                memcpy(digest_out, digest, CELL_DIGEST_MAX);
        if (cell_blob_exists(s, digest))
                return 0;
        struct cell_blob_writer *w;
        if (cell_blob_writer_open(s, NULL, &w, NULL, err) < 0)
                return -1;
        if (cell_blob_writer_write(w, buf, len, err) < 0) {
                cell_blob_writer_abort(w, false);
                return -1;
        }
        return cell_blob_writer_commit(w, NULL, err);
}

int cell_blob_read(struct cell_store *s, const char *digest, size_t max, char **out,
                   size_t *len, struct cell_error *err)
{
        *out = NULL;
        _cleanup_close_ int fd = cell_blob_open(s, digest, err);
        if (fd < 0)
                return -1;
        _cleanup_free_ char *label = xasprintf("blob %s", digest);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        if (cell_read_fd(fd, label, max, &buf, &n, err) < 0)
                return -1;
        char got[CELL_DIGEST_MAX];
        cell_sha256_digest(buf, n, got);
        if (strcmp(got, digest) != 0)
                return cell_error_set(err, 0, "blob %s: digest mismatch: got %s (corrupt store)",
                                      digest, got);
        if (len)
                *len = n;
        *out = steal_ptr(buf);
        return 0;
}
