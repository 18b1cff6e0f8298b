/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_LAYERVIEW_H
#define CELL_IMAGE_LAYERVIEW_H

/*
 * Layer directories seen as one read-only tree, the way a container sees
 * them: overlayfs with every directory a lower layer (whiteouts and opaque
 * directories in overlayfs's form are honoured), and no upper, so nothing
 * can be written.  The mount is made with the new mount API and never
 * attached anywhere: it is not in any mount table, needs no mount point, and
 * goes away when the returned fd is closed (or the process dies), so a
 * SIGKILL leaves nothing behind.  The tree is reached through the fd:
 * openat(fd, ...), or the path "/proc/self/fd/<fd>".
 */

#include <stddef.h>

#include "util/error.h"

/*
 * A detached read-only overlay of `dirs` (top first, n >= 2: overlayfs
 * needs two lower layers when it has no upper).  Returns the mount's fd
 * (O_CLOEXEC), or < 0 with `err` naming the layer the kernel refused.
 */
int cell_layers_view(char *const *dirs, size_t n, struct cell_error *err);

#endif
