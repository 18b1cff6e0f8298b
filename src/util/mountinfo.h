/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_MOUNTINFO_H
#define CELL_UTIL_MOUNTINFO_H

/*
 * /proc/<pid>/mountinfo (proc(5)), one parser for every module:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)    (10)         (11)
 */

#include <stdbool.h>

#include "util/error.h"

struct cell_mountinfo {
        const char *devno;         /* (3) "major:minor" */
        char *root;                /* (4), unescaped */
        char *mount_point;         /* (5), unescaped */
        const char *options;       /* (6) per-mount options */
        bool shared;               /* "shared:N" among the optional fields (7) */
        const char *fstype;        /* (9) */
        const char *source;        /* (10) */
        const char *super_options; /* (11) */
};

/*
 * Split one line in place: the fields point into `line`, and the two paths
 * are unescaped (the kernel writes space, tab, newline and backslash as
 * \ooo).  Returns false for a malformed line.
 */
bool cell_mountinfo_split(char *line, struct cell_mountinfo *m);

/* Whether the comma-separated list `options` holds `name` as a whole item. */
bool cell_option_listed(const char *options, const char *name);

/* The mount that holds a path: the last and longest mount point above it. */
struct cell_mount_holding {
        char *mount_point;
        char *fstype;
        char *super_options;
        bool shared;
};

/*
 * Look up, in this process' /proc/self/mountinfo, the mount holding the
 * absolute, resolved `path`.  Fills `*out` (free with
 * cell_mount_holding_free) or fails with `err`.
 */
int cell_mount_holding(const char *path, struct cell_mount_holding *out, struct cell_error *err);
void cell_mount_holding_free(struct cell_mount_holding *m);

#endif
