/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_CP_H
#define CELL_ENGINE_CP_H

/*
 * `cell cp`: files and directories between the host and a container's root
 * filesystem (its overlay mount, mounted for the copy when the container
 * does not run).
 *
 * Paths in the container are resolved as the container would: every
 * symlink on the way, an absolute one or "..", stays inside its root
 * (openat2 RESOLVE_IN_ROOT), so a container cannot make cp read or write a
 * host file.  A symlink that is the last component of the source is copied
 * as a symlink; inside copied directories symlinks are copied as they are,
 * never followed.  Regular files, directories, symlinks and fifos are
 * copied with their permission bits; other files (devices, sockets) are
 * skipped.  Ownership is the caller's (docker's default without -a).
 *
 * Where things land, as docker's: a destination that is an existing
 * directory receives the source under its own name; otherwise the source
 * is copied to the destination's name.  A source ending in "/." copies the
 * directory's content.
 */

#include "engine/container.h"
#include "engine/engine.h"

enum cell_cp_direction {
        CELL_CP_FROM_CONTAINER,
        CELL_CP_TO_CONTAINER,
};

/*
 * Copy `src` to `dst`; the container's path is the one on the side that
 * `dir` names.  Errors name the path: "no such file or directory in
 * container web: /nope", "copy /x: ...".
 */
int cell_engine_cp(struct cell_engine *e, struct cell_ctr *c, enum cell_cp_direction dir,
                   const char *src, const char *dst, struct cell_error *err);

/* "CONTAINER:PATH" -> container and path (both malloc'd); 0 when `arg` is a host path. */
int cell_cp_split(const char *arg, char **container, char **path);

#endif
