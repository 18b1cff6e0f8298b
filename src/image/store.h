/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_STORE_H
#define CELL_IMAGE_STORE_H

/*
 * The image store: content-addressed blobs, unpacked layers and the image
 * records, under one directory (DESIGN.md, "Store"):
 *
 *     lock              flock: LOCK_SH for a command that reads or adds, LOCK_EX for gc
 *     meta.lock         flock LOCK_EX around every read-modify-write of images.json
 *     tmp/              "<pid>-..." ingest files and unpack dirs; ingest-<hex>.partial
 *     blobs/sha256/<hex>
 *     layers/sha256/<diff-id hex>/diff/
 *     images.json
 *
 * Crash safety: nothing becomes visible under blobs/ or layers/ until it is
 * complete and verified; both are written under tmp/ and renamed into place
 * (a layer as one directory, so a half-renamed layer cannot exist).
 * images.json is replaced by rename.  cell_store_open() removes tmp/ entries
 * whose process is gone, so a SIGKILL at any point leaves a store the next
 * command uses.  Partial downloads (tmp/ingest-<hex>.partial) are kept on
 * purpose: the next pull of that blob resumes them.
 *
 * Every fallible call returns < 0 and fills `err` with a message naming the
 * object (blob digest, layer, image name) and the reason.
 *
 * The image code knows nothing of containers: whether an image is in use is
 * the caller's question (src/engine/).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "util/error.h"

struct cell_store; /* opaque */

/*
 * Open (creating the directories when missing, mode 0700 for the root) the
 * store at `root` and repair it: tmp/ entries "<pid>-..." of processes that
 * no longer exist are removed.  No lock is taken.  `*out` is freed with
 * cell_store_close().
 */
int cell_store_open(const char *root, struct cell_store **out, struct cell_error *err);
/* Release the locks and free.  NULL is accepted. */
void cell_store_close(struct cell_store *s);
/* The store's directory as given to open (canonical: symlinks resolved). */
const char *cell_store_root(const struct cell_store *s);

/*
 * Take the store lock shared (readers and adders: pull, load, run, create,
 * commit, import) or exclusive (garbage collection), blocking until granted.
 * Held until cell_store_close().  Taking shared while exclusive is held
 * keeps the exclusive lock; exclusive while shared is held upgrades (flock
 * semantics: not atomic, another process may get in between).
 */
int cell_store_lock_shared(struct cell_store *s, struct cell_error *err);
int cell_store_lock_exclusive(struct cell_store *s, struct cell_error *err);

/*
 * A fresh empty directory tmp/<pid>-<what>-XXXXXX for the caller's staging
 * (an archive being read, a layer tar being built).  The caller removes it
 * when done; if the process dies, the next open removes it.  Caller frees
 * `*path_out`.
 */
int cell_store_mkdtemp(struct cell_store *s, const char *what, char **path_out,
                       struct cell_error *err);

/* ---- blobs: digests are "sha256:<64 hex>" ---- */

/*
 * A blob being written.  With an `expected_digest`, the data goes to
 * tmp/ingest-<hex>.partial, locked by this writer: when a partial file from
 * an earlier, interrupted writer exists, it is re-hashed and `*resume_from`
 * is set to its length (the caller sends only what follows, or calls
 * cell_blob_writer_restart()); if another live writer holds it, this one
 * writes a private file from 0.  Without a digest, `*resume_from` is 0.
 * `resume_from` may be NULL (then an existing partial is restarted).
 */
struct cell_blob_writer;
int cell_blob_writer_open(struct cell_store *s, const char *expected_digest,
                          struct cell_blob_writer **out, uint64_t *resume_from,
                          struct cell_error *err);
int cell_blob_writer_write(struct cell_blob_writer *w, const void *buf, size_t len,
                           struct cell_error *err);
/* Throw away what was written (a server that ignored a Range request). */
int cell_blob_writer_restart(struct cell_blob_writer *w, struct cell_error *err);
/* Bytes written so far, a resumed prefix included. */
uint64_t cell_blob_writer_size(const struct cell_blob_writer *w);
/*
 * Verify, fsync and rename into blobs/.  Mismatch: err = "blob sha256:<want>:
 * digest mismatch: got sha256:<got>" and the data is deleted.  On success
 * `digest_out` (may be NULL) holds the digest.  Frees `w` either way.
 */
int cell_blob_writer_commit(struct cell_blob_writer *w, char digest_out[CELL_DIGEST_MAX],
                            struct cell_error *err);
/*
 * Give up; `keep_partial` keeps a resumable tmp/ingest-<hex>.partial (only
 * for a writer with an expected digest), else the data is deleted.  Frees w.
 * NULL is accepted.
 */
void cell_blob_writer_abort(struct cell_blob_writer *w, bool keep_partial);

/* Store `buf` as a blob (idempotent). */
int cell_blob_put(struct cell_store *s, const void *buf, size_t len,
                  char digest_out[CELL_DIGEST_MAX], struct cell_error *err);
/* False for an invalid digest too. */
bool cell_blob_exists(struct cell_store *s, const char *digest);
/* blobs/sha256/<hex>, whether or not it exists.  Caller frees; NULL for a bad digest. */
char *cell_blob_path(struct cell_store *s, const char *digest);
/* An O_RDONLY|O_CLOEXEC fd.  Unknown: err "blob sha256:...: not in the store", ENOENT. */
int cell_blob_open(struct cell_store *s, const char *digest, struct cell_error *err);
/*
 * A whole blob (at most `max` bytes) into a NUL-terminated buffer the caller
 * frees; its content is verified against `digest` again (manifests and
 * configs are small and decide what runs).
 */
int cell_blob_read(struct cell_store *s, const char *digest, size_t max, char **out,
                   size_t *len, struct cell_error *err);

/* ---- layers ---- */

/*
 * Unpack the layer blob `blob_digest` (gzip, zstd or a plain tar, told by
 * its magic) into layers/sha256/<diff-id hex>/diff, once: when `diff_id` is
 * given and that layer exists, nothing is read.  The diff id (sha256 of the
 * uncompressed tar) is computed while unpacking, checked against `diff_id`
 * when given ("layer sha256:<blob>: diff id mismatch: ..."), and written to
 * `diff_id_out` (may be NULL).  Safe to run concurrently with itself: each
 * process unpacks into its own tmp dir and the loser of the final rename
 * discards its copy.
 *
 * Refused, naming the layer and the entry: a path with a ".." component,
 * an entry written through a symlink, a hard link to a path that is not an
 * earlier entry of the layer, a character or block device, a truncated or
 * corrupt compressed stream, anything but a tar.  A leading "/" or "./" of
 * an entry name is stripped (as docker does), so "/etc/x" is "etc/x".
 * Whiteouts become overlayfs's form: ".wh.NAME" a 0/0 character device
 * NAME, ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory.
 * Owners, modes (setuid too), mtimes and xattrs are kept, except trusted.*
 * xattrs of the tar, which could fake overlay metadata.
 */
int cell_layer_unpack(struct cell_store *s, const char *blob_digest, const char *diff_id,
                      char diff_id_out[CELL_DIGEST_MAX], struct cell_error *err);
/* layers/sha256/<hex>/diff, whether or not it exists.  Caller frees; NULL for a bad digest. */
char *cell_layer_path(struct cell_store *s, const char *diff_id);
bool cell_layer_exists(struct cell_store *s, const char *diff_id);

/* ---- images ---- */

struct cell_image_layer {
        char *digest;     /* the blob */
        char *diff_id;    /* the unpacked layer */
        char *media_type; /* of the blob */
        int64_t size;     /* of the blob */
};

struct cell_image {
        char *id;                  /* "sha256:<config digest hex>" */
        char *digest;              /* manifest digest (the manifest is a blob) */
        char *manifest_media_type; /* application/vnd.oci.image.manifest.v1+json, ... */
        char **names;              /* fully qualified "domain/path:tag" */
        size_t n_names;
        struct cell_image_layer *layers; /* bottom first */
        size_t n_layers;
        int64_t size;  /* sum of the layer blobs' sizes and the config's */
        char *created; /* RFC 3339, from the config; may be NULL */
};

/* Free every field and zero `img`; NULL is accepted. */
void cell_image_release(struct cell_image *img);
/* Release `n` images and free the array. */
void cell_image_list_free(struct cell_image *imgs, size_t n);
/* A deep copy into `dst`. */
void cell_image_copy(struct cell_image *dst, const struct cell_image *src);

/* Every image record, in the order they were added.  Free with cell_image_list_free(). */
int cell_image_list(struct cell_store *s, struct cell_image **out, size_t *n,
                    struct cell_error *err);

/*
 * Find an image by: full id or "sha256:"+id; reference (a name with a
 * registry is matched exactly; a short name tries docker.io/library/NAME,
 * docker.io/NAME, then localhost/NAME; a digest reference matches the
 * manifest digest); then a unique id prefix of >= 3 hex digits.  Unknown:
 * err "image not known: NAME", errnum ENOENT; an ambiguous prefix: err
 * "image id prefix NAME is ambiguous", errnum EINVAL.
 *
 * cell_image_lookup() makes the built-in localhost/busybox:latest when the
 * name is "busybox" (or localhost/busybox, with tag latest) and nothing
 * matches; the caller must hold the store lock shared (or exclusive).
 * cell_image_find() never makes anything (rmi, tag's target check).
 */
int cell_image_lookup(struct cell_store *s, const char *name_or_id, struct cell_image *out,
                      struct cell_error *err);
int cell_image_find(struct cell_store *s, const char *name_or_id, struct cell_image *out,
                    struct cell_error *err);

/*
 * Which of `img`'s names the reference `query` designates, by the rules of
 * cell_image_find() ("busybox" -> "localhost/busybox:latest" when that is
 * the name `img` has).  NULL when `query` names no name of `img` (an id, an
 * id prefix, a digest reference).  Caller frees.
 */
char *cell_image_matched_name(const struct cell_image *img, const char *query);

/*
 * Record `img` (its names, plus `name` when not NULL, normalized as
 * references).  The manifest, config and layer blobs must be in the store.
 * An image with the same id is merged (names added, the rest replaced); a
 * name held by another image moves here (that image keeps its other names,
 * or becomes dangling).
 */
int cell_image_add(struct cell_store *s, const struct cell_image *img, const char *name,
                   struct cell_error *err);
/* Add name `new_name` to the image `name_or_id` finds (moving it from another image). */
int cell_image_tag(struct cell_store *s, const char *name_or_id, const char *new_name,
                   struct cell_error *err);
/* Remove name `name` (a reference, normalized) from its image; "image not known" when no image has it. */
int cell_image_untag(struct cell_store *s, const char *name, struct cell_error *err);
/* Remove the record of image `id` (full "sha256:..." id); its blobs stay until gc. */
int cell_image_remove(struct cell_store *s, const char *id, struct cell_error *err);

/*
 * The image config (the blob `img->id`), parsed; the caller puts it with
 * json_object_put().  Not JSON or not an object: an error naming the image.
 */
int cell_image_config(struct cell_store *s, const struct cell_image *img,
                      struct json_object **out, struct cell_error *err);

/*
 * Remove blobs and layers that no image record uses, and tmp/ leftovers.
 * Takes the exclusive lock itself (a shared lock already held by `s` is
 * upgraded).  Unfinished partial downloads are kept.
 */
int cell_store_gc(struct cell_store *s, struct cell_error *err);

/*
 * Make (or find, when it is already there with the same content) the
 * built-in image localhost/busybox:latest from /bin/busybox ($CELL_BUSYBOX
 * overrides the path): one deterministic layer, so the same busybox gives
 * the same image id on every machine.  The caller holds the store lock.
 */
int cell_image_builtin_busybox(struct cell_store *s, struct cell_image *out,
                               struct cell_error *err);

#endif
