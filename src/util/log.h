/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_LOG_H
#define CELL_UTIL_LOG_H

/*
 * Logging for the runtime.  By default warnings and errors go to stderr as
 * "cell: <level>: <msg>".  cell_log_open() redirects them to a file (the
 * global --log option); with CELL_LOG_JSON each record is one line
 *
 *     {"level":"error","msg":"...","time":"2026-11-22T01:02:03.000000Z"}
 *
 * which is what containerd and conmon read back (the last "error" line).
 * Debug records are written only after cell_log_set_debug(1).
 *
 * The log fd is opened O_APPEND|O_CLOEXEC and never leaks into a container.
 */

#include <stdbool.h>

enum cell_log_level { CELL_LOG_DEBUG, CELL_LOG_INFO, CELL_LOG_WARN, CELL_LOG_ERROR };
enum cell_log_format { CELL_LOG_TEXT, CELL_LOG_JSON };

/* Returns -1 with errno set when the file cannot be opened. */
int cell_log_open(const char *path, enum cell_log_format format);
void cell_log_set_debug(bool on);
bool cell_log_debug_enabled(void);
void cell_log_close(void);

/*
 * Log a record.  When a log file is set, records go there; errors are also
 * always printed to stderr (text) so a person at a shell sees them.
 */
void cell_log(enum cell_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cell_debug(...)                                                                            \
        do {                                                                                       \
                if (cell_log_debug_enabled())                                                      \
                        cell_log(CELL_LOG_DEBUG, __VA_ARGS__);                                     \
        } while (0)
#define cell_warn(...) cell_log(CELL_LOG_WARN, __VA_ARGS__)

#endif
