/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_HOSTCHECK_H
#define CELL_RUNTIME_HOSTCHECK_H

#include "util/error.h"

/*
 * For `cell check`, the host settings besides cgroups that cost every
 * container start, one line each: the filesystem holding the state root
 * `root` (and whether it discards freed blocks synchronously), and whether
 * this binary sits on a read-only mount (runtime/dmz.h).  `*out` is the
 * caller's to free.
 */
int cell_runtime_host_report(const char *root, char **out, struct cell_error *err);

#endif
