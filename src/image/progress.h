/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_PROGRESS_H
#define CELL_IMAGE_PROGRESS_H

/*
 * What a pull or push shows while it works, one line per item (a blob).
 *   live    (a terminal): every line redrawn in place, at most 10 times a
 *           second, with a bar and the bytes done;
 *   plain   (a file, a pipe): a line per item when it finishes;
 *   quiet:  nothing.
 * Messages (cell_progress_say) appear in every mode but quiet.
 */

#include <stdint.h>
#include <stdio.h>

enum cell_progress_mode {
        CELL_PROGRESS_AUTO,
        CELL_PROGRESS_PLAIN,
        CELL_PROGRESS_QUIET,
        CELL_PROGRESS_LIVE
};

struct cell_progress;

/* AUTO picks live when `out` is a terminal. `out` NULL: stderr. */
struct cell_progress *cell_progress_new(enum cell_progress_mode mode, FILE *out);
void cell_progress_free(struct cell_progress *p);

/* A new item; returns its index. `total` < 0 when unknown. */
size_t cell_progress_add(struct cell_progress *p, const char *label, int64_t total);
void cell_progress_update(struct cell_progress *p, size_t item, int64_t done);
/* The item is finished with `status` ("done", "skipped: already exists"). */
void cell_progress_finish(struct cell_progress *p, size_t item, const char *status);
void cell_progress_say(struct cell_progress *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
