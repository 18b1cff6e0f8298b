/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_FS_H
#define CELL_UTIL_FS_H

/*
 * File and fd helpers shared by every module.  All return < 0 and fill `err`
 * on failure (the message names the file); every fd they open is O_CLOEXEC.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Write `len` bytes, retrying on EINTR and short writes.  Sets errno. */
int cell_write_all(int fd, const void *buf, size_t len);
/* Read until EOF or `len` bytes.  Returns bytes read, or -1 with errno. */
ssize_t cell_read_all(int fd, void *buf, size_t len);

/*
 * A small /proc or /sys file into `buf` with one read(2) (the kernel hands
 * such a file over whole when the buffer holds it), NUL-terminated: its
 * length, or -1 with errno.  No allocation: for start-up paths.
 */
ssize_t cell_read_small(const char *path, char *buf, size_t size);

/* Write `data` to an existing file (O_WRONLY|O_TRUNC), e.g. a /proc file. */
int cell_write_file(const char *path, const char *data, size_t len, struct cell_error *err);
/* Same, relative to `dirfd`. */
int cell_write_file_at(int dirfd, const char *name, const char *data, size_t len,
                       struct cell_error *err);

/*
 * Replace `name` in `dirfd` atomically: write "<name>.tmp", fsync is not done
 * (state lives on tmpfs), rename over `name`.  Mode 0600.
 */
int cell_write_file_atomic(int dirfd, const char *name, const char *data, size_t len,
                           struct cell_error *err);

/*
 * Read a whole file into a NUL-terminated buffer the caller frees.
 * `*len_out` (optional) receives the length without the NUL.
 */
int cell_read_file(const char *path, char **out, size_t *len_out, struct cell_error *err);
int cell_read_file_at(int dirfd, const char *name, char **out, size_t *len_out,
                      struct cell_error *err);

/* mkdir -p with `mode` for created components. */
int cell_mkdir_p(const char *path, mode_t mode, struct cell_error *err);

/* rm -rf of `name` inside `dirfd` (does not cross mount points). */
int cell_remove_tree_at(int dirfd, const char *name, struct cell_error *err);

/* Join two path components with exactly one '/'.  Caller frees. */
char *cell_path_join(const char *a, const char *b);

/* Make `path` absolute relative to `base` (if not already).  Caller frees. */
char *cell_path_absolute(const char *base, const char *path);

/* Mark every fd >= `from` close-on-exec (close_range, with a /proc fallback). */
int cell_fds_cloexec_from(int from, struct cell_error *err);

/* True when `path` (cleaned) equals `prefix` or lies below it ("/proc/sys" under "/proc"). */
bool cell_path_has_prefix(const char *path, const char *prefix);

#endif
