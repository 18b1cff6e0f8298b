/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_SELFEXE_H
#define CELL_RUNTIME_SELFEXE_H

/*
 * CVE-2019-5736: a process in a container that can open the runtime's
 * /proc/<pid>/exe (for instance by making the container's entrypoint
 * /proc/self/exe, which execs the runtime binary inside the container) can
 * later write through that handle and replace the host's runtime binary.
 *
 * The defence: the processes that enter containers (create, run, exec) run
 * from an image that cannot be written.  cell_selfexe_protect() checks
 * whether the running binary already is such an image — a sealed memfd, or
 * a file on a read-only mount (install cell on one and this costs nothing
 * beyond one statfs) — and otherwise copies itself into a sealed memfd and
 * re-executes from it with the same argv and environment.  It returns only
 * when the binary is protected (0) or on failure (-1 with `err`).
 */

#include "util/error.h"

int cell_selfexe_protect(char **argv, struct cell_error *err);

#endif
