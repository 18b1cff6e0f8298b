/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_LOGS_H
#define CELL_ENGINE_LOGS_H

/*
 * `cell logs`: reading a container's ctr.log (engine/monitor_log.h has the
 * format).  Knows nothing of records: the verb finds the log and the
 * monitor's pid.
 */

#include <stdbool.h>
#include <time.h>

#include "util/error.h"

struct cell_logs_opts {
        bool timestamps;        /* -t: each line prefixed with its time and a space */
        long tail;              /* --tail N: the last N entries; < 0 all */
        bool has_since, has_until;
        struct timespec since;  /* --since: entries at or after */
        struct timespec until;  /* --until: entries before */
        /*
         * -f: after what is there, follow new entries (inotify) until this
         * process (a pidfd of the container's monitor) exits, or the log is
         * removed.  -1: no following.
         */
        int follow_pidfd;
};

/*
 * Print the entries of `log_path`: a stdout entry's text to `out_fd`, a
 * stderr one's to `err_fd`.  A missing log is empty (a container that never
 * ran).  A line that is not an entry is skipped.
 */
int cell_logs_print(const char *log_path, const struct cell_logs_opts *o, int out_fd, int err_fd,
                    struct cell_error *err);

/*
 * A --since/--until value: RFC 3339 ("2026-12-07T21:00:00Z", with or
 * without fractions or an offset), a date "2026-12-07", Unix seconds
 * ("1765143000[.5]"), or a duration before `now` ("10m", "1h30m", "90s",
 * "1.5h").  Error: 'invalid time "X"'.
 */
int cell_logs_parse_time(const char *s, const struct timespec *now, struct timespec *out,
                         struct cell_error *err);

#endif
