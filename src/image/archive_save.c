/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell save`: images out of the store into a docker archive or an OCI
 * layout.  The archive's files go to a "layout sink": a tar writer (to a
 * temporary file renamed into place, or to a stream) or a directory (a
 * temporary one renamed into place).  The plan is made first (which images,
 * which names), then written in one pass.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/archive_internal.h"
#include "image/archive_source.h"
#include "image/digest.h"
#include "image/output.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define COPY_CHUNK (1024 * 1024)

json_object *archive_descriptor(const char *media_type, const char *digest, int64_t size)
{
        json_object *d = json_object_new_object();
        json_object_object_add(d, "mediaType", json_object_new_string(media_type));
        json_object_object_add(d, "digest", json_object_new_string(digest));
        json_object_object_add(d, "size", json_object_new_int64(size));
        return d;
}

int cell_archive_format_parse(const char *name, enum cell_archive_format *out,
                              struct cell_error *err)
{
        if (strcmp(name, "docker-archive") == 0)
                *out = CELL_ARCHIVE_DOCKER;
        else if (strcmp(name, "oci-archive") == 0)
                *out = CELL_ARCHIVE_OCI;
        else if (strcmp(name, "oci-dir") == 0)
                *out = CELL_ARCHIVE_OCI_DIR;
        else
                return cell_error_set(err, EINVAL,
                                      "unknown archive format \"%s\" (docker-archive, oci-archive "
                                      "or oci-dir)",
                                      name);
        return 0;
}

/* ---- sinks: a tar, or a directory ---------------------------------------------------- */

struct sink {
        struct cell_tar_writer *tar; /* NULL: a directory */
        int dirfd;
        char **done; /* names already written (blobs shared by images) */
        size_t n_done;
        char *buf;
};

static bool sink_seen(struct sink *k, const char *name)
{
        for (size_t i = 0; i < k->n_done; i++) {
                if (strcmp(k->done[i], name) == 0)
                        return true;
        }
        k->done = xreallocarray(k->done, k->n_done + 1, sizeof(*k->done));
        k->done[k->n_done++] = xstrdup(name);
        return false;
}

static int sink_dir(struct sink *k, const char *name, struct cell_error *err)
{
        if (sink_seen(k, name))
                return 0;
        if (k->tar)
                return cell_tar_writer_add_dir(k->tar, name, err);
        if (mkdirat(k->dirfd, name, 0755) < 0 && errno != EEXIST)
                return cell_error_errno(err, "mkdir %s", name);
        return 0;
}

static int sink_file(struct sink *k, const char *name, const char *data, size_t len,
                     struct cell_error *err)
{
        if (k->tar)
                return cell_tar_writer_add_file(k->tar, name, data, len, err);
        _cleanup_close_ int fd =
                openat(k->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return cell_error_errno(err, "create %s", name);
        if (cell_write_all(fd, data, len) < 0)
                return cell_error_errno(err, "write %s", name);
        return 0;
}

/* Where sink_stream() gets its bytes: `next` gives the next piece, length 0 at the end. */
struct chunk_reader {
        int (*next)(void *opaque, const void **buf, size_t *len, struct cell_error *err);
        void *opaque;
};

/* File `name` of `size` bytes, its content from `rd`. */
static int sink_stream(struct sink *k, const char *name, uint64_t size, struct chunk_reader *rd,
                       struct cell_error *err)
{
        _cleanup_close_ int fd = -1;
        if (k->tar) {
                if (cell_tar_writer_begin_file(k->tar, name, size, err) < 0)
                        return -1;
        } else {
                fd = openat(k->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0)
                        return cell_error_errno(err, "create %s", name);
        }
        for (;;) {
                const void *buf;
                size_t len;
                if (rd->next(rd->opaque, &buf, &len, err) < 0)
                        return cell_error_prefix(err, "%s", name);
                if (len == 0)
                        return 0;
                if (k->tar && cell_tar_writer_data(k->tar, buf, len, err) < 0)
                        return -1;
                if (!k->tar && cell_write_all(fd, buf, len) < 0)
                        return cell_error_errno(err, "write %s", name);
        }
}

/* A chunk reader over a plain fd. */
struct fd_reader {
        int fd;
        char *buf;
};

static int fd_next(void *opaque, const void **buf, size_t *len, struct cell_error *err)
{
        struct fd_reader *r = opaque;
        ssize_t n;
        do
                n = read(r->fd, r->buf, COPY_CHUNK);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return cell_error_errno(err, "read");
        *buf = r->buf;
        *len = (size_t)n;
        return 0;
}

/* A chunk reader that decompresses (gzip, zstd, ...) with libarchive's raw format. */
struct unz_reader {
        struct archive *a;
};

static int unz_next(void *opaque, const void **buf, size_t *len, struct cell_error *err)
{
        struct unz_reader *r = opaque;
        la_int64_t off;
        int rc = archive_read_data_block(r->a, buf, len, &off);
        if (rc == ARCHIVE_EOF) {
                *len = 0;
                return 0;
        }
        if (rc != ARCHIVE_OK)
                return cell_error_set(err, 0, "decompress: %s",
                                      archive_error_string(r->a) ?: "failed");
        return 0;
}

static int unz_open(struct unz_reader *r, int fd, struct cell_error *err)
{
        r->a = archive_read_new();
        if (!r->a)
                abort();
        archive_read_support_filter_all(r->a);
        archive_read_support_format_raw(r->a);
        struct archive_entry *e;
        if (archive_read_open_fd(r->a, fd, COPY_CHUNK) != ARCHIVE_OK ||
            archive_read_next_header(r->a, &e) != ARCHIVE_OK)
                return cell_error_set(err, 0, "decompress: %s",
                                      archive_error_string(r->a) ?: "failed");
        return 0;
}

/* The store's blob `digest` as file `name`, as it is. */
static int blob_stream(struct sink *k, struct cell_store *s, const char *name, const char *digest,
                       struct cell_error *err)
{
        _cleanup_close_ int fd = cell_blob_open(s, digest, err);
        struct stat st;
        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "blob %s", digest);
        struct fd_reader fr = {.fd = fd, .buf = k->buf};
        struct chunk_reader rd = {.next = fd_next, .opaque = &fr};
        return sink_stream(k, name, (uint64_t)st.st_size, &rd, err);
}

static int sink_blob(struct sink *k, struct cell_store *s, const char *name, const char *digest,
                     struct cell_error *err)
{
        if (sink_seen(k, name))
                return 0;
        return blob_stream(k, s, name, digest, err);
}

/*
 * The layer blob `digest` as an uncompressed tar `name`.  A tar header
 * wants the size first: a compressed blob is read twice, once to count.
 */
static int sink_layer_tar(struct sink *k, struct cell_store *s, const char *name,
                          const char *digest, struct cell_error *err)
{
        if (sink_seen(k, name))
                return 0;
        _cleanup_close_ int fd = cell_blob_open(s, digest, err);
        unsigned char magic[4] = {0};
        if (fd < 0)
                return -1;
        bool compressed =
                pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
                ((magic[0] == 0x1f && magic[1] == 0x8b) ||
                 (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd));
        if (!compressed)
                return blob_stream(k, s, name, digest, err);
        uint64_t size = 0;
        for (int pass = 0; pass < 2; pass++) {
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return cell_error_errno(err, "blob %s", digest);
                struct unz_reader ur = {0};
                struct chunk_reader rd = {.next = unz_next, .opaque = &ur};
                int r = unz_open(&ur, fd, err);
                if (r == 0 && pass == 0) {
                        const void *buf;
                        size_t len;
                        while ((r = unz_next(&ur, &buf, &len, err)) == 0 && len > 0)
                                size += len;
                } else if (r == 0) {
                        r = sink_stream(k, name, size, &rd, err);
                }
                archive_read_free(ur.a);
                if (r < 0)
                        return cell_error_prefix(err, "layer %s", digest);
        }
        return 0;
}

/* ---- what to save ----------------------------------------------------------------- */

struct save_item {
        struct cell_image img;
        char **names; /* the names to write */
        size_t n_names;
};

static void item_add_name(struct save_item *it, const char *name)
{
        for (size_t i = 0; i < it->n_names; i++) {
                if (strcmp(it->names[i], name) == 0)
                        return;
        }
        it->names = xreallocarray(it->names, it->n_names + 1, sizeof(*it->names));
        it->names[it->n_names++] = xstrdup(name);
}

static bool image_has_name(const struct cell_image *img, const char *name)
{
        for (size_t i = 0; i < img->n_names; i++) {
                if (strcmp(img->names[i], name) == 0)
                        return true;
        }
        return false;
}

/* Which names `ref` stands for: the one it names, or every name when it is an id. */
static void item_names_for(struct save_item *it, const char *ref)
{
        struct cell_ref r;
        struct cell_error ignored;
        if (cell_ref_parse(ref, &r, &ignored) == 0) {
                _cleanup_free_ char *full = cell_ref_string(&r);
                cell_ref_release(&r);
                if (image_has_name(&it->img, full)) {
                        item_add_name(it, full);
                        return;
                }
                if (!cell_ref_has_domain(ref)) {
                        _cleanup_free_ char *local = xasprintf("localhost/%s", ref);
                        if (cell_ref_parse(local, &r, &ignored) == 0) {
                                _cleanup_free_ char *lfull = cell_ref_string(&r);
                                cell_ref_release(&r);
                                if (image_has_name(&it->img, lfull)) {
                                        item_add_name(it, lfull);
                                        return;
                                }
                        }
                }
        }
        for (size_t i = 0; i < it->img.n_names; i++)
                item_add_name(it, it->img.names[i]);
}

static void items_free(struct save_item *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                cell_image_release(&items[i].img);
                for (size_t k = 0; k < items[i].n_names; k++)
                        free(items[i].names[k]);
                free(items[i].names);
        }
        free(items);
}

/* ---- the two formats ----------------------------------------------------------------- */

static int save_docker(struct sink *k, struct cell_store *s, struct save_item *items, size_t n,
                       struct cell_error *err)
{
        json_object *manifest = json_object_new_array();
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                struct cell_image *img = &items[i].img;
                json_object *entry = json_object_new_object();
                json_object_array_add(manifest, entry);
                _cleanup_free_ char *config_name = xasprintf("%s.json", cell_digest_hex(img->id));
                _cleanup_free_ char *config = NULL;
                size_t config_len;
                r = cell_blob_read(s, img->id, CELL_ARCHIVE_META_MAX, &config, &config_len, err);
                if (r == 0 && !sink_seen(k, config_name))
                        r = sink_file(k, config_name, config, config_len, err);
                json_object_object_add(entry, "Config", json_object_new_string(config_name));
                json_object *tags = json_object_new_array();
                for (size_t t = 0; t < items[i].n_names; t++)
                        json_object_array_add(tags, json_object_new_string(items[i].names[t]));
                json_object_object_add(entry, "RepoTags", tags);
                json_object *layers = json_object_new_array();
                json_object_object_add(entry, "Layers", layers);
                for (size_t l = 0; r == 0 && l < img->n_layers; l++) {
                        const char *hex = cell_digest_hex(img->layers[l].diff_id);
                        _cleanup_free_ char *tar = xasprintf("%s/layer.tar", hex);
                        r = sink_dir(k, hex, err);
                        if (r == 0)
                                r = sink_layer_tar(k, s, tar, img->layers[l].digest, err);
                        json_object_array_add(layers, json_object_new_string(tar));
                }
                if (r < 0)
                        cell_error_prefix(err, "image %s", img->id);
        }
        if (r == 0) {
                const char *text = json_object_to_json_string_ext(
                        manifest, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = sink_file(k, "manifest.json", text, strlen(text), err);
        }
        json_object_put(manifest);
        return r;
}

static json_object *index_entry(const char *media_type, const char *digest, size_t size,
                                const char *name)
{
        json_object *d = archive_descriptor(media_type, digest, (int64_t)size);
        if (name) {
                json_object *a = json_object_new_object();
                json_object_object_add(a, "io.containerd.image.name", json_object_new_string(name));
                json_object_object_add(a, "org.opencontainers.image.ref.name",
                                       json_object_new_string(name));
                json_object_object_add(d, "annotations", a);
        }
        return d;
}

static int oci_blob_out(struct sink *k, struct cell_store *s, const char *digest,
                        struct cell_error *err)
{
        _cleanup_free_ char *name = archive_blob_name(digest, err);
        if (!name)
                return -1;
        return sink_blob(k, s, name, digest, err);
}

static int save_oci_image(struct sink *k, struct cell_store *s, struct save_item *it,
                          json_object *manifests, struct cell_error *err)
{
        struct cell_image *img = &it->img;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_blob_read(s, img->digest, CELL_ARCHIVE_META_MAX, &text, &len, err) < 0 ||
            oci_blob_out(k, s, img->digest, err) < 0 || oci_blob_out(k, s, img->id, err) < 0)
                return -1;
        for (size_t l = 0; l < img->n_layers; l++) {
                if (oci_blob_out(k, s, img->layers[l].digest, err) < 0)
                        return -1;
        }
        const char *mt = img->manifest_media_type ?: CELL_MT_OCI_MANIFEST;
        if (it->n_names == 0)
                json_object_array_add(manifests, index_entry(mt, img->digest, len, NULL));
        for (size_t t = 0; t < it->n_names; t++)
                json_object_array_add(manifests, index_entry(mt, img->digest, len, it->names[t]));
        return 0;
}

static int save_oci(struct sink *k, struct cell_store *s, struct save_item *items, size_t n,
                    struct cell_error *err)
{
        static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
        if (sink_file(k, "oci-layout", layout, sizeof(layout) - 1, err) < 0 ||
            sink_dir(k, "blobs", err) < 0 || sink_dir(k, "blobs/sha256", err) < 0)
                return -1;
        json_object *index = json_object_new_object();
        json_object *manifests = json_object_new_array();
        json_object_object_add(index, "schemaVersion", json_object_new_int(2));
        json_object_object_add(index, "mediaType", json_object_new_string(CELL_MT_OCI_INDEX));
        json_object_object_add(index, "manifests", manifests);
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                r = save_oci_image(k, s, &items[i], manifests, err);
                if (r < 0)
                        cell_error_prefix(err, "image %s", items[i].img.id);
        }
        if (r == 0) {
                const char *text = json_object_to_json_string_ext(
                        index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = sink_file(k, "index.json", text, strlen(text), err);
        }
        json_object_put(index);
        return r;
}

static int save_to_sink(struct sink *k, struct cell_store *s, enum cell_archive_format format,
                        struct save_item *items, size_t n, struct cell_error *err)
{
        k->buf = xmalloc(COPY_CHUNK);
        int r = format == CELL_ARCHIVE_DOCKER ? save_docker(k, s, items, n, err)
                                              : save_oci(k, s, items, n, err);
        free(k->buf);
        for (size_t i = 0; i < k->n_done; i++)
                free(k->done[i]);
        free(k->done);
        return r;
}

/* ---- where it goes ----------------------------------------------------------------- */

static int save_tar_fd(struct cell_store *s, enum cell_archive_format format,
                       struct save_item *items, size_t n, int fd, struct cell_error *err)
{
        struct sink k = {.dirfd = -1};
        if (cell_tar_writer_new(cell_tar_sink_fd, &fd, &k.tar, err) < 0)
                return -1;
        if (save_to_sink(&k, s, format, items, n, err) < 0) {
                cell_tar_writer_free(k.tar);
                return -1;
        }
        return cell_tar_writer_close(k.tar, err);
}

/* A tar file or a layout directory, written beside `path` and renamed (image/output.h). */
static int save_to_path(struct cell_store *s, enum cell_archive_format format,
                        struct save_item *items, size_t n, const char *path, struct cell_error *err)
{
        struct cell_output o;
        bool dir = format == CELL_ARCHIVE_OCI_DIR;
        if (cell_output_begin(path, dir, &o, err) < 0)
                return -1;
        struct sink k = {.dirfd = o.fd};
        int r = dir ? save_to_sink(&k, s, format, items, n, err)
                    : save_tar_fd(s, format, items, n, o.fd, err);
        if (r < 0) {
                cell_output_abort(&o);
                return -1;
        }
        return cell_output_commit(&o, err);
}

int cell_archive_save(struct cell_store *s, const char *const *refs, size_t n,
                      enum cell_archive_format format, const char *path, int out_fd,
                      struct cell_error *err)
{
        struct save_item *items = xcalloc(n ? n : 1, sizeof(*items));
        size_t n_items = 0;
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                struct save_item *it = NULL;
                struct cell_image img;
                r = cell_image_lookup(s, refs[i], &img, err);
                if (r < 0)
                        break;
                for (size_t k = 0; k < n_items; k++) {
                        if (strcmp(items[k].img.id, img.id) == 0)
                                it = &items[k];
                }
                if (it) {
                        cell_image_release(&img);
                } else {
                        it = &items[n_items++];
                        it->img = img;
                }
                item_names_for(it, refs[i]);
        }
        if (r == 0 && format == CELL_ARCHIVE_OCI_DIR && !path)
                r = cell_error_set(err, EINVAL, "an oci-dir needs an output directory");
        else if (r == 0 && path)
                r = save_to_path(s, format, items, n_items, path, err);
        else if (r == 0)
                r = save_tar_fd(s, format, items, n_items, out_fd, err);
        items_free(items, n_items);
        if (r < 0)
                cell_error_prefix(err, "save%s%s", path ? " " : "", path ? path : "");
        return r;
}
