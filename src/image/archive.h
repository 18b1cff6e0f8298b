/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_ARCHIVE_H
#define CELL_IMAGE_ARCHIVE_H

/*
 * Image archives: `cell load` and `cell save`.
 *
 * Read:  an OCI image layout (oci-layout, index.json, blobs/sha256/...) as a
 *        directory or a tar; a docker archive as `docker save` and `podman
 *        save` write it, the current layout (manifest.json with Config,
 *        RepoTags and Layers) and the old one (repositories, <id>/json,
 *        <id>/layer.tar).  A tar may be compressed (gzip, zstd, xz, bzip2);
 *        layers inside may be gzip, zstd or plain tar.
 * Write: docker-archive (what docker and podman save by default), an OCI
 *        layout tar (oci-archive) or directory (oci-dir).
 *
 * Loading is all or nothing as far as anyone can see: every blob goes
 * through the store's blob writer (its digest verified), every layer is
 * unpacked by the store, and only then are the images added.  A failure
 * leaves the image list as it was; blobs it already verified stay in the
 * store unreferenced until garbage collection, as a pull's would.
 *
 * The caller holds the store's shared lock (cell_store_lock_shared) for the
 * whole call, as for every command that adds images.
 *
 * Related: the tar writer, cell_layer_tar_from_dir() included, is
 * image/tarwrite.h; images made from one new layer (import, commit) are
 * image/layerimage.h; a container's rootfs as a read-only tree (export) is
 * image/layerview.h.
 */

#include <stddef.h>

#include "image/store.h"
#include "util/error.h"

/* One image a load added: its id ("sha256:<config digest hex>") and the names it got. */
struct cell_loaded_image {
        char *id;
        char **names; /* fully qualified, as stored */
        size_t n_names;
};

struct cell_load_result {
        struct cell_loaded_image *images;
        size_t n;
};

void cell_load_result_release(struct cell_load_result *r);

/*
 * Load every image of the archive at `path` (a file, a directory, or "-"
 * for standard input) into the store.  From an OCI layout every manifest
 * index.json lists is loaded, an index (nested or not) resolved to this
 * platform; the names come from the annotations io.containerd.image.name or
 * org.opencontainers.image.ref.name.  Errors name the archive and what in it
 * failed: "load x.tar: blob sha256:ab..: digest mismatch ...",
 * "load x.tar: manifest.json: not JSON ...".
 */
int cell_archive_load(struct cell_store *s, const char *path, struct cell_load_result *out,
                      struct cell_error *err);

enum cell_archive_format {
        CELL_ARCHIVE_DOCKER,  /* "docker-archive" */
        CELL_ARCHIVE_OCI,     /* "oci-archive": an OCI layout in a tar */
        CELL_ARCHIVE_OCI_DIR, /* "oci-dir": an OCI layout directory */
};

/* "docker-archive", "oci-archive", "oci-dir".  Error: 'unknown archive format "X"'. */
int cell_archive_format_parse(const char *name, enum cell_archive_format *out,
                              struct cell_error *err);

/*
 * Save the images `refs[0..n)` (names or ids, as cell_image_lookup takes
 * them) in one archive.  With `path`, the archive is written to a temporary
 * file (or directory) beside it and renamed over `path` once complete, so a
 * failure leaves no half archive; without (NULL), a tar is streamed to
 * `out_fd`.  An image asked for by name is saved with that name only; one
 * asked for by id with all its names.
 * A docker-archive holds each layer uncompressed as <diff id hex>/layer.tar
 * and each config as <config digest hex>.json; an OCI layout holds the
 * store's blobs as they are, and names in org.opencontainers.image.ref.name.
 */
int cell_archive_save(struct cell_store *s, const char *const *refs, size_t n,
                      enum cell_archive_format format, const char *path, int out_fd,
                      struct cell_error *err);

#endif
