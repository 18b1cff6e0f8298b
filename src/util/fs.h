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
 * `*len_out` (optional) receives the length without the NUL.  The file must
 * be a regular file (every /proc, /sys and state file is) of at most
 * CELL_READ_FILE_MAX bytes: a device such as /dev/zero, a FIFO or a huge
 * sparse file is refused ("<path>: not a regular file", "<path>: larger than
 * N bytes") instead of eating memory until the allocator aborts.
 */
#define CELL_READ_FILE_MAX ((size_t)64 << 20)
int cell_read_file(const char *path, char **out, size_t *len_out, struct cell_error *err);
int cell_read_file_at(int dirfd, const char *name, char **out, size_t *len_out,
                      struct cell_error *err);
/*
 * The same for an fd the caller opened (with O_NONBLOCK, so that a FIFO
 * cannot block), at most `max` bytes; `label` names it in errors.
 */
int cell_read_fd(int fd, const char *label, size_t max, char **out, size_t *len_out,
                 struct cell_error *err);

/*
 * The largest document a user hands to cell: config.json, exec --process,
 * update --resources.  A podman config.json is 10-30 KB and a seccomp
 * profile inside it ~100 KB; 4 MiB leaves a wide margin and keeps a hostile
 * file from costing more than a bounded amount of memory (json-c needs a
 * few times the text's size).
 */
#define CELL_INPUT_MAX ((size_t)4 << 20)

/*
 * Read a user-supplied document as cell_read_file() does, capped at
 * CELL_INPUT_MAX.  `what` names it in errors: "config.json /b/config.json:
 * not a regular file", "--process /dev/zero: not a regular file".  When
 * `allow_stdin` and `path` is "-", standard input (fd 0, of any type) is
 * read instead, with the same cap.
 */
int cell_read_input(const char *what, const char *path, bool allow_stdin, char **out,
                    size_t *len_out, struct cell_error *err);

/* mkdir -p with `mode` for created components. */
int cell_mkdir_p(const char *path, mode_t mode, struct cell_error *err);

/* The running executable's path (/proc/self/exe); NULL with err on failure.  Caller frees. */
char *cell_self_exe(struct cell_error *err);

/*
 * A helper program installed next to the running executable (cell-monitor,
 * cell-init, cell-net...): "<its directory>/<name>", or in a build tree
 * "<its directory>/<build_subdir>/<name>", whichever is executable first.
 * When neither is, the installed path (the caller's access() says why).
 * NULL with err only when /proc/self/exe cannot be read.  Caller frees.
 */
char *cell_sibling_program(const char *name, const char *build_subdir, struct cell_error *err);

/* rm -rf of `name` inside `dirfd` (does not cross mount points).  Parts that another
 * process removes at the same time (two walks of one tree) are not an error. */
int cell_remove_tree_at(int dirfd, const char *name, struct cell_error *err);

/*
 * Lexically clean an absolute container path: collapse "//", drop ".",
 * resolve ".." against the preceding component without going above "/"
 * (like runc's CleanPath).  A relative path is taken as relative to "/".
 * Always returns an absolute path without a trailing slash ("/" for the
 * root).  Caller frees.
 */
char *cell_path_clean(const char *path);

/* Join two path components with exactly one '/'.  Caller frees. */
char *cell_path_join(const char *a, const char *b);

/* Make `path` absolute relative to `base` (if not already).  Caller frees. */
char *cell_path_absolute(const char *base, const char *path);

/* Mark every fd >= `from` close-on-exec (close_range, with a /proc fallback). */
int cell_fds_cloexec_from(int from, struct cell_error *err);

/* True when `path` (cleaned) equals `prefix` or lies below it ("/proc/sys" under "/proc"). */
bool cell_path_has_prefix(const char *path, const char *prefix);

#endif
