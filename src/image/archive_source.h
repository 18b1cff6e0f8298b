/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_ARCHIVE_SOURCE_H
#define CELL_IMAGE_ARCHIVE_SOURCE_H

/*
 * Internal to src/image/archive*.c: the files of an archive being loaded,
 * whatever holds them.  Two drivers:
 *
 *   directory  files are read when asked for, through openat2(RESOLVE_BENEATH),
 *              so a name in a manifest ("../../etc/shadow") or a symlink cannot
 *              reach outside the directory;
 *   tar        (a file or a pipe, possibly compressed) read in one pass when
 *              opened: small metadata files (*.json, json, VERSION,
 *              repositories, oci-layout) are kept in memory, every other
 *              regular file goes into the store through the blob writer
 *              (verified against its name under blobs/sha256/).  Symlinks
 *              and hard links between entries (docker save links duplicate
 *              layers) are followed inside the archive only.
 *
 * Names are relative to the archive's root, cleaned ("./x" is "x"); a name
 * that is absolute or climbs out with ".." is refused.
 */

#include <stdbool.h>
#include <stddef.h>

#include "image/store.h"
#include "util/error.h"

/* The largest metadata file (manifest, config, index) an archive may hold. */
#define CELL_ARCHIVE_META_MAX ((size_t)4 << 20)

struct archive_source;

struct archive_source_ops {
        /* Whether `name` is a file of the archive. */
        bool (*exists)(struct archive_source *src, const char *name);
        /* The content of the small file `name` (NUL-terminated; at most `max` bytes). */
        int (*read)(struct archive_source *src, const char *name, size_t max, char **out,
                    size_t *len, struct cell_error *err);
        /*
         * Make sure file `name` is a blob of the store; its digest in
         * `digest`.  With `expected`, the content must have that digest.
         */
        int (*blob)(struct archive_source *src, const char *name, const char *expected,
                    char digest[72], struct cell_error *err);
        void (*free)(struct archive_source *src);
};

struct archive_source {
        const struct archive_source_ops *ops;
        struct cell_store *store;
        char *label; /* the archive as the user named it, for errors */
};

/*
 * Open `path` ("-": standard input) as a directory or tar source.  Errors
 * from reading a tar (truncated, not a tar, a bad blob) come from here,
 * since the tar is read while opening.
 */
int archive_source_open(struct cell_store *s, const char *path, struct archive_source **out,
                        struct cell_error *err);
void archive_source_free(struct archive_source *src);

/*
 * "blobs/sha256/<hex>" for "sha256:<hex>"; NULL (err set) when `digest` is
 * not a well-formed sha256 digest.  Caller frees.
 */
char *archive_blob_name(const char *digest, struct cell_error *err);

/* "sha256:<hex>" when `name` is "blobs/sha256/<hex>", else NULL.  Caller frees. */
char *archive_digest_of_name(const char *name);

/* Cleaned relative name, or NULL (err set) when it is absolute or leaves the root. */
char *archive_clean_name(const char *name, struct cell_error *err);

#endif
