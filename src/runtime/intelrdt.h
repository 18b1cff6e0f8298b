/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_INTELRDT_H
#define CELL_RUNTIME_INTELRDT_H

/*
 * linux.intelRdt: the container's resctrl group (cache and memory-bandwidth
 * allocation, monitoring).  `root` is the resctrl mount, CELL_RESCTRL_ROOT
 * in the runtime; the unit tests pass a directory of their own.
 *
 *   group       <root>/<closID>, or <root>/<container id> without a closID
 *   schemata    l3CacheSchema (minus its MB: lines when memBwSchema is
 *               set), memBwSchema, then the `schemata` lines, which come
 *               last so that they win; nothing written when all are unset
 *   monitoring  enableMonitoring: <group>/mon_groups/<container id>
 *
 * A group that already exists (a shared closID) is joined, never written:
 * its schemata must already say what the config asks for, else an error.
 * What the runtime made is listed in the state directory ("intelrdt") and
 * removed on delete; a shared group is left alone.
 *
 * All return < 0 with `err` starting "linux.intelRdt".
 */

#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

#define CELL_RESCTRL_ROOT "/sys/fs/resctrl"

/* Is `root` a mounted resctrl?  The error says why not. */
int cell_intelrdt_check(const char *root, struct cell_error *err);

/* The text to write to the group's schemata file, NULL when nothing. */
char *cell_intelrdt_schemata(const struct cell_intel_rdt *rdt);

/* Make or join the group, write the schemata, put `pid` in. */
int cell_intelrdt_apply(const char *root, const struct cell_intel_rdt *rdt, const char *id,
                        pid_t pid, int state_dirfd, struct cell_error *err);

/* Remove what cell_intelrdt_apply made (listed in the state directory). */
int cell_intelrdt_remove(int state_dirfd, struct cell_error *err);

#endif
