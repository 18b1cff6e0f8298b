/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_DMZ_H
#define CELL_RUNTIME_DMZ_H

/*
 * The defence against CVE-2019-5736 (see src/runtime/dmz/dmz.c for the
 * attack and the program): the container's init never execs the user's
 * program itself; it execs cell-dmz from a sealed memfd, which execs the
 * user's program.
 *
 * cell_dmz_open() returns a new O_CLOEXEC memfd holding cell-dmz, sealed
 * against any write, shrink or grow; the caller owns it.
 *
 * cell_dmz_exec() replaces the calling process: cell-dmz runs `path` with
 * `argv` and `envp`; a failure of that final execve is reported over
 * `sync_fd` as SYNC_ERROR.  It returns only when cell-dmz itself could not
 * be executed (-1, errno set).
 *
 * cell_dmz_protect_self() closes the other way to the binary: every process
 * cell clones into a container (the init until it execs cell-dmz, an exec'd
 * process during its start) runs cell's own binary, and a container process
 * allowed to open their /proc/<pid>/exe (CAP_SYS_PTRACE suffices, dumpable
 * or not) can reopen that file for writing once no cell process runs it.
 * So cell re-executes itself (same argv, same environment) from a
 * read-only detached bind mount of its binary, or where the mount API is
 * refused, from a sealed memfd copy of it: /proc/<pid>/exe then opens for
 * writing with EROFS (or writes fail with EPERM).  Returns 0 without
 * exec'ing when the binary already is read-only or sealed (as after the
 * re-exec); otherwise it returns only on failure.
 */

#include "util/error.h"

int cell_dmz_open(struct cell_error *err);
int cell_dmz_exec(int dmz_fd, const char *path, char *const argv[], char *const envp[],
                  int sync_fd);
int cell_dmz_protect_self(char *const argv[], struct cell_error *err);

#endif
