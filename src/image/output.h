/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_OUTPUT_H
#define CELL_IMAGE_OUTPUT_H

/*
 * A file or directory the user named as output (`save -o`, `export -o`),
 * written whole or not at all: the content goes to a temporary sibling
 * ".<name>.cell-tmp-<pid>-XXXXXX", which is synced and renamed over the
 * name once complete, or removed on failure.  A temporary sibling that a
 * killed cell left (its pid gone) is removed by the next output to the
 * same name.
 */

#include <stdbool.h>

#include "util/error.h"

struct cell_output {
        char *path; /* as given */
        char *tmp;  /* the temporary sibling */
        bool dir;
        int fd; /* the file (O_WRONLY) or the directory (O_RDONLY|O_DIRECTORY) */
};

/* Make the temporary sibling of `path`: a file, or with `dir` a directory. */
int cell_output_begin(const char *path, bool dir, struct cell_output *out, struct cell_error *err);

/*
 * Sync and rename into place (a directory only onto a missing or empty
 * one: "PATH exists and is not empty"), then release.  On failure the
 * temporary sibling is removed.
 */
int cell_output_commit(struct cell_output *o, struct cell_error *err);

/* Remove the temporary sibling and release.  Safe on a zeroed or committed output. */
void cell_output_abort(struct cell_output *o);

#endif
