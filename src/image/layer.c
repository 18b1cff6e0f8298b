/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpacking.  libarchive reads the tar (tar format only) from a
 * callback that decompresses the blob itself with zlib or zstd, so that the
 * uncompressed stream can be hashed on its way (the diff id) and a truncated
 * or corrupt stream is reported as what it is.  Entries are planned by name
 * (layer_plan.c), checked, and written by archive_write_disk under a
 * per-process staging dir in tmp/, which is renamed into layers/ whole.
 *
 * archive_write_disk is given names relative to the staging dir, with the
 * process' working directory there for the extraction: with
 * ARCHIVE_EXTRACT_SECURE_SYMLINKS it checks every component of a name with
 * an open and a stat, and of an absolute name that is every directory from
 * / down, twice per entry (the parent's creation, then the file): eleven
 * opens per file of a store under /var/lib/cell, against two or three.
 */
#include "image/layer_internal.h"
#include "image/store_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define LAYER_BUF (128 * 1024)

enum compression { COMPRESSION_NONE, COMPRESSION_GZIP, COMPRESSION_ZSTD };

/* The decompressing, hashing source libarchive reads from. */
struct layer_src {
        int fd;
        enum compression kind;
        z_stream z;
        bool z_ready;
        ZSTD_DStream *zs;
        size_t zstd_last; /* last ZSTD_decompressStream() result: 0 at a frame's end */
        unsigned char in[LAYER_BUF];
        size_t in_len, in_pos;
        bool in_eof;
        bool stream_end; /* gzip: the last member ended */
        unsigned char out[LAYER_BUF];
        uint64_t total;       /* uncompressed bytes so far */
        uint64_t nonzero_end; /* offset after the last non-zero byte */
        struct cell_sha256 *hash;
        struct cell_error err;
        bool failed;
};

static int src_fail(struct layer_src *src, int errnum, const char *what)
{
        src->failed = true;
        return cell_error_set(&src->err, errnum, "%s", what);
}

static int src_fill(struct layer_src *src)
{
        if (src->in_pos < src->in_len || src->in_eof)
                return 0;
        ssize_t n;
        do
                n = read(src->fd, src->in, sizeof(src->in));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return src_fail(src, errno, "read");
        src->in_len = (size_t)n;
        src->in_pos = 0;
        src->in_eof = n == 0;
        return 0;
}

static ssize_t src_gzip(struct layer_src *src)
{
        for (;;) {
                if (src->stream_end)
                        return 0;
                if (src_fill(src) < 0)
                        return -1;
                src->z.next_in = src->in + src->in_pos;
                src->z.avail_in = (uInt)(src->in_len - src->in_pos);
                src->z.next_out = src->out;
                src->z.avail_out = sizeof(src->out);
                int r = inflate(&src->z, Z_NO_FLUSH);
                src->in_pos = src->in_len - src->z.avail_in;
                size_t produced = sizeof(src->out) - src->z.avail_out;
                if (r == Z_STREAM_END) {
                        /* Another gzip member may follow (pigz, concatenated streams). */
                        if (src_fill(src) < 0)
                                return -1;
                        if (src->in_pos < src->in_len)
                                inflateReset(&src->z);
                        else
                                src->stream_end = true;
                } else if (r == Z_DATA_ERROR || r == Z_NEED_DICT) {
                        return src_fail(src, 0, "corrupt gzip stream");
                } else if (r == Z_MEM_ERROR) {
                        return src_fail(src, ENOMEM, "gzip");
                } else if (produced == 0 && src->in_eof) {
                        return src_fail(src, 0, "truncated gzip stream");
                }
                if (produced > 0)
                        return (ssize_t)produced;
        }
}

static ssize_t src_zstd(struct layer_src *src)
{
        for (;;) {
                if (src_fill(src) < 0)
                        return -1;
                ZSTD_inBuffer in = {src->in, src->in_len, src->in_pos};
                ZSTD_outBuffer out = {src->out, sizeof(src->out), 0};
                if (src->in_eof && in.pos == in.size && src->zstd_last == 0)
                        return 0;
                size_t r = ZSTD_decompressStream(src->zs, &out, &in);
                src->in_pos = in.pos;
                if (ZSTD_isError(r))
                        return src_fail(src, 0, ZSTD_getErrorName(r));
                src->zstd_last = r;
                if (out.pos > 0)
                        return (ssize_t)out.pos;
                if (src->in_eof && in.pos == in.size)
                        return r == 0 ? 0 : src_fail(src, 0, "truncated zstd stream");
        }
}

static ssize_t src_plain(struct layer_src *src)
{
        ssize_t n;
        do
                n = read(src->fd, src->out, sizeof(src->out));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return src_fail(src, errno, "read");
        return n;
}

/* The next piece of the uncompressed stream, hashed: its length, 0 at the end, -1 on error. */
static ssize_t src_next(struct layer_src *src)
{
        ssize_t n;
        switch (src->kind) {
        case COMPRESSION_GZIP:
                n = src_gzip(src);
                break;
        case COMPRESSION_ZSTD:
                n = src_zstd(src);
                break;
        default:
                n = src_plain(src);
        }
        if (n > 0) {
                cell_sha256_update(src->hash, src->out, (size_t)n);
                for (ssize_t i = n; i-- > 0;)
                        if (src->out[i]) {
                                src->nonzero_end = src->total + (uint64_t)i + 1;
                                break;
                        }
                src->total += (uint64_t)n;
        }
        return n;
}

static la_ssize_t src_read_cb(struct archive *a, void *data, const void **buf)
{
        struct layer_src *src = data;
        ssize_t n = src_next(src);
        if (n < 0) {
                archive_set_error(a, src->err.errnum ? src->err.errnum : EIO, "%s", src->err.msg);
                return -1;
        }
        *buf = src->out;
        return n;
}

/* Tell the compression by the first bytes (read into the input buffer, not consumed). */
static int src_init(struct layer_src *src, struct cell_error *err)
{
        src->hash = cell_sha256_new();
        if (src_fill(src) < 0)
                return cell_error_set(err, src->err.errnum, "read blob");
        while (src->in_len < 4 && !src->in_eof) {
                ssize_t n = read(src->fd, src->in + src->in_len, sizeof(src->in) - src->in_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return cell_error_errno(err, "read blob");
                src->in_len += (size_t)n;
                src->in_eof = n == 0;
        }
        static const unsigned char gz[] = {0x1f, 0x8b}, zst[] = {0x28, 0xb5, 0x2f, 0xfd};
        if (src->in_len >= 2 && memcmp(src->in, gz, 2) == 0) {
                src->kind = COMPRESSION_GZIP;
                if (inflateInit2(&src->z, 16 + MAX_WBITS) != Z_OK)
                        return cell_error_set(err, ENOMEM, "zlib");
                src->z_ready = true;
        } else if (src->in_len >= 4 && memcmp(src->in, zst, 4) == 0) {
                src->kind = COMPRESSION_ZSTD;
                src->zs = ZSTD_createDStream();
                if (!src->zs || ZSTD_isError(ZSTD_initDStream(src->zs)))
                        return cell_error_set(err, ENOMEM, "zstd");
                src->zstd_last = 1;
        } else {
                src->kind = COMPRESSION_NONE;
                /* src_plain reads from the fd: put back what the sniffing took. */
                if (lseek(src->fd, 0, SEEK_SET) < 0)
                        return cell_error_errno(err, "seek blob");
        }
        return 0;
}

static void src_release(struct layer_src *src)
{
        if (src->z_ready)
                inflateEnd(&src->z);
        ZSTD_freeDStream(src->zs);
        cell_sha256_free(src->hash);
        if (src->fd >= 0)
                close(src->fd);
}

/* ---- extraction ---- */

struct unpack {
        struct cell_store *s;
        const char *blob;
        char *stage_rel; /* tmp/<pid>-layer-XXXX, relative to the store root */
        char *diff_abs;  /* its diff/, absolute (for messages) */
        int diff_fd;     /* the working directory while archive_write_disk runs */
        int saved_cwd;   /* the process' own, back after the extraction */
        struct archive *in, *out;
        struct layer_src src;
};

/*
 * Open directory `rel` below the layer root, refusing to pass through a
 * symlink or to leave the layer (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS);
 * with `create`, missing components are made (0755, root-owned, like
 * docker's implicit parents).
 */
static int open_dir_beneath(int root_fd, const char *rel, bool create)
{
        struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                          RESOLVE_NO_MAGICLINKS};
        if (!*rel)
                return fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        int fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        if (fd >= 0 || errno != ENOENT || !create)
                return fd;
        _cleanup_free_ char *parent = xstrdup(rel);
        char *slash = strrchr(parent, '/');
        const char *base = slash ? slash + 1 : rel;
        if (slash)
                *slash = '\0';
        _cleanup_close_ int pfd = open_dir_beneath(root_fd, slash ? parent : "", true);
        if (pfd < 0)
                return -1;
        if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
                return -1;
        return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
}

static int entry_error(struct unpack *u, struct cell_error *err, const char *name, const char *why)
{
        return cell_error_set(err, 0, "layer %s: entry \"%s\": %s", u->blob, name, why);
}

static int apply_whiteout(struct unpack *u, const struct layer_entry_plan *p, const char *name,
                          struct cell_error *err)
{
        _cleanup_free_ char *dir = xstrdup(p->path);
        char *slash = strrchr(dir, '/');
        const char *base = slash ? slash + 1 : p->path;
        if (slash)
                *slash = '\0';
        _cleanup_close_ int dfd = open_dir_beneath(u->diff_fd, slash ? dir : "", true);
        if (dfd < 0)
                return cell_error_errno(err, "layer %s: entry \"%s\": open its directory", u->blob,
                                        name);
        if (p->kind == LAYER_ENTRY_OPAQUE) {
                _cleanup_close_ int target = open_dir_beneath(u->diff_fd, p->path, true);
                if (target < 0 || fsetxattr(target, "trusted.overlay.opaque", "y", 1, 0) < 0)
                        return cell_error_errno(err, "layer %s: entry \"%s\": mark opaque", u->blob,
                                                name);
                return 0;
        }
        /* A whiteout replaces whatever an earlier entry of this layer put there. */
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            cell_remove_tree_at(dfd, base, err) < 0)
                return cell_error_prefix(err, "layer %s: entry \"%s\"", u->blob, name);
        if (mknodat(dfd, base, S_IFCHR, makedev(0, 0)) < 0)
                return cell_error_errno(err, "layer %s: entry \"%s\": make whiteout", u->blob,
                                        name);
        return 0;
}

/*
 * A hard link must name an earlier, non-directory entry of this layer,
 * reached without a symlink: else it could tie a file of the host (or of a
 * path resolved through a link) into the layer.
 */
static int check_hardlink(struct unpack *u, const char *name, const char *target,
                          struct cell_error *err)
{
        struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                          RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, u->diff_fd, target, &how, sizeof(how));
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                _cleanup_free_ char *why = xasprintf(
                        "hard link to \"%s\", which is not an earlier entry of the layer", target);
                return entry_error(u, err, name, why);
        }
        if (S_ISDIR(st.st_mode))
                return entry_error(u, err, name, "hard link to a directory");
        return 0;
}

/* Keep the tar's xattrs except trusted.* (overlay's own metadata lives there). */
static void filter_xattrs(struct archive_entry *e)
{
        if (archive_entry_xattr_count(e) == 0)
                return;
        struct kept {
                char *name;
                void *value;
                size_t size;
        } *kept = xcalloc((size_t)archive_entry_xattr_count(e), sizeof(*kept));
        size_t n = 0;
        const char *xname;
        const void *value;
        size_t size;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
                if (strncmp(xname, "trusted.", 8) == 0)
                        continue;
                kept[n].name = xstrdup(xname);
                kept[n].value = xmalloc(size ? size : 1);
                memcpy(kept[n].value, value, size);
                kept[n++].size = size;
        }
        archive_entry_xattr_clear(e);
        for (size_t i = 0; i < n; i++) {
                archive_entry_xattr_add_entry(e, kept[i].name, kept[i].value, kept[i].size);
                free(kept[i].name);
                free(kept[i].value);
        }
        free(kept);
}

static int extract_file(struct unpack *u, struct archive_entry *e, const char *name,
                        const char *path, struct cell_error *err)
{
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFCHR || type == AE_IFBLK)
                return entry_error(u, err, name, "device nodes are not allowed in a layer");
        const char *link = archive_entry_hardlink(e);
        if (link) {
                _cleanup_free_ char *clean = layer_clean_path(link, err);
                if (!clean || !*clean)
                        return clean ? entry_error(u, err, name, "hard link to the layer's root")
                                     : cell_error_prefix(err, "layer %s: entry \"%s\": hard link",
                                                         u->blob, name);
                if (check_hardlink(u, name, clean, err) < 0)
                        return -1;
                /* relative to the working directory: the staging diff dir */
                archive_entry_set_hardlink(e, clean);
        }
        filter_xattrs(e);
        archive_entry_set_pathname(e, path);
        int r = archive_read_extract2(u->in, e, u->out);
        if (u->src.failed)
                return cell_error_set(err, u->src.err.errnum, "layer %s: %s", u->blob,
                                      u->src.err.msg);
        /* libarchive reports "Cannot extract through symlink" as a mere
         * ARCHIVE_WARN: in a layer every shortfall is an error. */
        if (r != ARCHIVE_OK) {
                const char *why = archive_error_string(u->out);
                if (!why)
                        why = archive_error_string(u->in);
                return entry_error(u, err, name, why ? why : "cannot extract");
        }
        return 0;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e, struct cell_error *err)
{
        _cleanup_free_ char *name =
                xstrdup(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        struct layer_entry_plan p;
        if (layer_entry_plan(name, &p, err) < 0)
                return cell_error_prefix(err, "layer %s", u->blob);
        _cleanup_free_ char *path = p.path;
        switch (p.kind) {
        case LAYER_ENTRY_ROOT:
        case LAYER_ENTRY_SKIP:
                return 0;
        case LAYER_ENTRY_WHITEOUT:
        case LAYER_ENTRY_OPAQUE:
                return apply_whiteout(u, &p, name, err);
        case LAYER_ENTRY_FILE:
                break;
        }
        return extract_file(u, e, name, path, err);
}

/* ---- the whole layer ---- */

char *cell_layer_path(struct cell_store *s, const char *diff_id)
{
        if (!cell_digest_valid(diff_id))
                return NULL;
        return xasprintf("%s/layers/sha256/%s/diff", s->root, cell_digest_hex(diff_id));
}

bool cell_layer_exists(struct cell_store *s, const char *diff_id)
{
        if (!cell_digest_valid(diff_id))
                return false;
        _cleanup_free_ char *rel = xasprintf("layers/sha256/%s/diff", cell_digest_hex(diff_id));
        return faccessat(s->root_fd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int read_error(struct unpack *u, size_t entries, struct cell_error *err)
{
        if (u->src.failed)
                return cell_error_set(err, u->src.err.errnum, "layer %s: %s", u->blob,
                                      u->src.err.msg);
        const char *why = archive_error_string(u->in);
        if (entries == 0 && u->src.kind == COMPRESSION_NONE)
                return cell_error_set(
                        err, 0, "layer %s: not a tar archive, nor gzip or zstd compressed (%s)",
                        u->blob, why ? why : "unreadable");
        return cell_error_set(err, 0, "layer %s: %s", u->blob, why ? why : "cannot read the tar");
}

static int stage_open(struct unpack *u, struct cell_error *err)
{
        _cleanup_free_ char *name = store_tmp_name("layer");
        u->stage_rel = xasprintf("tmp/%s", name);
        if (mkdirat(u->s->root_fd, u->stage_rel, 0700) < 0)
                return cell_error_errno(err, "layer %s: mkdir %s/%s", u->blob, u->s->root,
                                        u->stage_rel);
        _cleanup_free_ char *diff_rel = xasprintf("%s/diff", u->stage_rel);
        if (mkdirat(u->s->root_fd, diff_rel, 0755) < 0)
                return cell_error_errno(err, "layer %s: mkdir %s", u->blob, diff_rel);
        u->diff_fd = openat(u->s->root_fd, diff_rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u->diff_fd < 0)
                return cell_error_errno(err, "layer %s: open %s", u->blob, diff_rel);
        u->diff_abs = xasprintf("%s/%s", u->s->root, diff_rel);
        return 0;
}

static int archives_open(struct unpack *u, struct cell_error *err)
{
        u->in = archive_read_new();
        u->out = archive_write_disk_new();
        if (!u->in || !u->out)
                return cell_error_set(err, ENOMEM, "layer %s: libarchive", u->blob);
        archive_read_support_format_tar(u->in);
        archive_read_support_format_empty(u->in);
        /* No lookup functions: owners are the numeric ids of the tar, never the
         * host's /etc/passwd.  Names are relative to the staging dir (the
         * working directory) and were cleaned; libarchive checks them again.
         * No ARCHIVE_EXTRACT_SPARSE: it scans every file for runs of zeros and
         * writes in 4 KiB steps (three times the write(2)s of a pull); holes
         * the tar itself records (GNU and PAX sparse entries) are made anyway. */
        archive_write_disk_set_options(
                u->out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
        if (archive_read_open(u->in, &u->src, NULL, src_read_cb, NULL) != ARCHIVE_OK)
                return read_error(u, 0, err);
        return 0;
}

/* Into the staging dir for the extraction, and back (unpack_release). */
static int enter_stage(struct unpack *u, struct cell_error *err)
{
        u->saved_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (u->saved_cwd < 0)
                return cell_error_errno(err, "layer %s: open the working directory", u->blob);
        if (fchdir(u->diff_fd) < 0)
                return cell_error_errno(err, "layer %s: chdir %s", u->blob, u->diff_abs);
        return 0;
}

static void leave_stage(struct unpack *u)
{
        if (u->saved_cwd < 0)
                return;
        if (fchdir(u->saved_cwd) < 0)
                abort(); /* relative paths would go astray from here on */
        close(u->saved_cwd);
        u->saved_cwd = -1;
}

static int unpack_all(struct unpack *u, struct cell_error *err)
{
        size_t entries = 0;
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(u->in, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return read_error(u, entries, err);
                entries++;
                if (unpack_entry(u, e, err) < 0)
                        return -1;
        }
        if (archive_write_close(u->out) != ARCHIVE_OK) {
                const char *why = archive_error_string(u->out);
                return cell_error_set(err, 0, "layer %s: %s", u->blob,
                                      why ? why : "finishing extraction");
        }
        /* The diff id covers the whole stream: the tar's zero blocks after its end
         * marker, which libarchive does not read, included. */
        ssize_t n;
        while ((n = src_next(&u->src)) > 0)
                ;
        if (n < 0)
                return read_error(u, entries, err);
        /* libarchive accepts a tar that stops at an entry boundary; a layer
         * without its end-of-archive blocks (two of 512 zeros) was cut short. */
        if (u->src.total > 0 && u->src.total - u->src.nonzero_end < 1024)
                return cell_error_set(err, 0,
                                      "layer %s: truncated tar archive (no end-of-archive marker)",
                                      u->blob);
        return 0;
}

/* Rename the staging dir into layers/; a copy another process put there first wins. */
static int stage_commit(struct unpack *u, const char *diff_id, struct cell_error *err)
{
        if (syncfs(u->diff_fd) < 0)
                return cell_error_errno(err, "layer %s: sync", u->blob);
        _cleanup_free_ char *dest = xasprintf("layers/sha256/%s", cell_digest_hex(diff_id));
        /* musl 1.2.3 has no renameat2() wrapper: the system call itself. */
        if (syscall(SYS_renameat2, u->s->root_fd, u->stage_rel, u->s->root_fd, dest,
                    RENAME_NOREPLACE) < 0) {
                if (errno != EEXIST && errno != ENOTEMPTY)
                        return cell_error_errno(err, "layer %s: rename into %s/%s", u->blob,
                                                u->s->root, dest);
                return 0; /* the caller removes the staging dir */
        }
        free(u->stage_rel);
        u->stage_rel = NULL;
        return store_fsync_dir(u->s, "layers/sha256", err);
}

static void unpack_release(struct unpack *u)
{
        leave_stage(u);
        if (u->in)
                archive_read_free(u->in);
        if (u->out)
                archive_write_free(u->out);
        if (u->diff_fd >= 0)
                close(u->diff_fd);
        if (u->stage_rel) {
                struct cell_error ignored = {0};
                cell_remove_tree_at(u->s->root_fd, u->stage_rel, &ignored);
        }
        free(u->stage_rel);
        free(u->diff_abs);
        src_release(&u->src);
}

static int unpack(struct unpack *u, const char *diff_id, char diff_id_out[CELL_DIGEST_MAX],
                  struct cell_error *err)
{
        u->src.fd = cell_blob_open(u->s, u->blob, err);
        if (u->src.fd < 0)
                return -1;
        if (src_init(&u->src, err) < 0)
                return cell_error_prefix(err, "layer %s", u->blob);
        if (stage_open(u, err) < 0 || archives_open(u, err) < 0 || enter_stage(u, err) < 0 ||
            unpack_all(u, err) < 0)
                return -1;
        leave_stage(u);
        char got[CELL_DIGEST_MAX];
        cell_sha256_final(u->src.hash, got);
        if (diff_id && strcmp(got, diff_id) != 0)
                return cell_error_set(err, 0, "layer %s: diff id mismatch: got %s, want %s",
                                      u->blob, got, diff_id);
        if (stage_commit(u, got, err) < 0)
                return -1;
        if (diff_id_out)
                memcpy(diff_id_out, got, CELL_DIGEST_MAX);
        return 0;
}

int cell_layer_unpack(struct cell_store *s, const char *blob_digest, const char *diff_id,
                      char diff_id_out[CELL_DIGEST_MAX], struct cell_error *err)
{
        if (cell_digest_check(blob_digest, "layer", err) < 0 ||
            (diff_id && cell_digest_check(diff_id, "layer diff id", err) < 0))
                return -1;
        if (diff_id && cell_layer_exists(s, diff_id)) {
                if (diff_id_out)
                        snprintf(diff_id_out, CELL_DIGEST_MAX, "%s", diff_id);
                return 0;
        }
        struct unpack u = {
                .s = s, .blob = blob_digest, .diff_fd = -1, .saved_cwd = -1, .src = {.fd = -1}};
        int r = unpack(&u, diff_id, diff_id_out, err);
        unpack_release(&u);
        return r;
}
