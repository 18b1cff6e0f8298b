/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_TARWRITE_H
#define CELL_IMAGE_TARWRITE_H

/*
 * Writing tar streams: the archives `cell save` makes, the layer `cell
 * commit` makes from a container's writable layer, the rootfs `cell export`
 * streams.
 *
 * The format is POSIX pax in its restricted form (plain ustar headers; a pax
 * extended header only for what ustar cannot hold: long names, big ids,
 * extended attributes), which docker, podman, skopeo, umoci and GNU tar all
 * read.  Everything this module writes is deterministic for a given input:
 * directory entries in strcmp order, no atime/ctime, no user or group names.
 *
 * The bytes go to a sink, a function the caller gives; a sink that fails
 * fills `err` and returns < 0, and the failure comes back from the call that
 * was writing.  Every function returns < 0 and fills `err` on failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef int (*cell_tar_sink_fn)(void *opaque, const void *buf, size_t len, struct cell_error *err);

/* A sink writing to the fd `*(int *)opaque`. */
int cell_tar_sink_fd(void *opaque, const void *buf, size_t len, struct cell_error *err);

struct cell_tar_writer;

/* A writer whose bytes go to `sink`.  Free it with cell_tar_writer_close() or _free(). */
int cell_tar_writer_new(cell_tar_sink_fn sink, void *opaque, struct cell_tar_writer **out,
                        struct cell_error *err);

/* Writes the end-of-archive blocks and frees `w` (also on failure). */
int cell_tar_writer_close(struct cell_tar_writer *w, struct cell_error *err);

/* Frees `w` without finishing the archive (after a failure).  NULL is fine. */
void cell_tar_writer_free(struct cell_tar_writer *w);

/* A directory entry `name` (mode 0755, owner 0:0, mtime 0). */
int cell_tar_writer_add_dir(struct cell_tar_writer *w, const char *name, struct cell_error *err);

/* A regular file `name` holding `len` bytes of `data` (mode 0644, owner 0:0, mtime 0). */
int cell_tar_writer_add_file(struct cell_tar_writer *w, const char *name, const void *data,
                             size_t len, struct cell_error *err);

/*
 * A regular file `name` of exactly `size` bytes whose content the caller
 * then hands over with cell_tar_writer_data(), in as many pieces as it
 * likes; the next add_* or close checks that exactly `size` bytes came.
 */
int cell_tar_writer_begin_file(struct cell_tar_writer *w, const char *name, uint64_t size,
                               struct cell_error *err);
int cell_tar_writer_data(struct cell_tar_writer *w, const void *buf, size_t len,
                         struct cell_error *err);

enum cell_tar_tree_mode {
        /* Every file as it is on disk (export of a container's rootfs). */
        CELL_TAR_TREE_PLAIN,
        /*
         * `dir` is an overlayfs upper directory, written as an OCI layer: a
         * whiteout (a 0/0 character device) becomes an empty file ".wh.NAME",
         * an opaque directory (xattr trusted.overlay.opaque = "y") gets an
         * empty ".wh..wh..opq" inside it, and overlayfs's own trusted.overlay.*
         * attributes are left out.
         */
        CELL_TAR_TREE_OVERLAY_UPPER,
};

/*
 * Every entry below `dir` (not `dir` itself), names relative to it ("etc/",
 * "etc/passwd"), depth first, each directory's entries in strcmp order:
 * owners, modes, mtimes, symlinks, hard links (as tar hard links),
 * extended attributes and device nodes as on disk.  Sockets are skipped (tar
 * cannot hold them).  A file that changes while it is read is written with
 * the size it had when it was looked at (cut or zero padded).
 */
int cell_tar_writer_add_tree(struct cell_tar_writer *w, const char *dir,
                             enum cell_tar_tree_mode mode, struct cell_error *err);

/* The whole tar of `dir` (cell_tar_writer_add_tree) into `sink`: what commit and export use. */
int cell_layer_tar_from_dir(const char *dir, enum cell_tar_tree_mode mode, cell_tar_sink_fn sink,
                            void *opaque, struct cell_error *err);

#endif
