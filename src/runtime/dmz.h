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
 */

#include "util/error.h"

int cell_dmz_open(struct cell_error *err);
int cell_dmz_exec(int dmz_fd, const char *path, char *const argv[], char *const envp[],
                  int sync_fd);

#endif
