/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_MONITOR_LOG_H
#define CELL_ENGINE_MONITOR_LOG_H

/*
 * ctr.log, docker's json-file format: one JSON object per line,
 *
 *   {"log":"hello\n","stream":"stdout","time":"2026-12-07T21:30:00.123456789Z"}
 *
 * A line of the container's output is one entry, its newline included; a
 * line longer than CELL_LOG_LINE_MAX is cut into entries of that size
 * without one, as is a last line that has no newline when the stream ends.
 * With a terminal there is one stream, "stdout", carrying the pty's bytes
 * as they are (\r\n included).
 *
 * Used by the holder program (cell-monitor), which links nothing but libc,
 * so this file includes nothing of cell's but its own header.
 */

#include <stddef.h>
#include <time.h>

#define CELL_LOG_LINE_MAX 16384

enum cell_log_stream {
        CELL_LOG_STDOUT,
        CELL_LOG_STDERR,
};

const char *cell_log_stream_name(enum cell_log_stream s);

struct cell_log_writer;

/* Open `path` for appending (created 0640 when missing); NULL with errno set. */
struct cell_log_writer *cell_log_writer_open(const char *path);
/* Take `n` bytes of a stream: complete lines are written at once, the rest kept. */
void cell_log_writer_feed(struct cell_log_writer *w, enum cell_log_stream s, const char *buf,
                          size_t n);
/* Write what is kept of each stream (end of the streams: the process exited). */
void cell_log_writer_flush(struct cell_log_writer *w);
/* Flush, close, free.  NULL is fine. */
void cell_log_writer_close(struct cell_log_writer *w);

/*
 * `buf` as the inside of a JSON string (no quotes), as Go's encoder writes
 * it: ", \ and control characters escaped, valid UTF-8 as it is, an invalid
 * byte as \ufffd.  `out` holds 6 * n bytes; returns the length written.
 */
size_t cell_log_json_escape(const char *buf, size_t n, char *out);

/* `ts` as RFC 3339 with nanoseconds in UTC ("...T21:30:00.123456789Z"); `out` holds 40 bytes. */
void cell_log_format_time(const struct timespec *ts, char out[40]);
/* Back: RFC 3339 with or without fractional seconds, "Z" or a +hh:mm offset; -1 when malformed. */
int cell_log_parse_time(const char *s, struct timespec *out);

#endif
