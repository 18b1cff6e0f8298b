/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/monitor_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cell_log_writer {
        int fd;
        char pending[2][CELL_LOG_LINE_MAX];
        size_t n_pending[2];
};

const char *cell_log_stream_name(enum cell_log_stream s)
{
        return s == CELL_LOG_STDERR ? "stderr" : "stdout";
}

void cell_log_format_time(const struct timespec *ts, char out[40])
{
        struct tm tm;
        gmtime_r(&ts->tv_sec, &tm);
        size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 40 - n, ".%09ldZ", (long)ts->tv_nsec);
}

/* "+hh:mm" / "-hh:mm" / "Z" at `s`: the offset east of UTC in seconds, -1 on nonsense. */
static int parse_offset(const char *s, long *off)
{
        if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
                *off = 0;
                return 0;
        }
        int h, m;
        char sign, tail;
        if (sscanf(s, "%c%2d:%2d%c", &sign, &h, &m, &tail) != 3 || (sign != '+' && sign != '-') ||
            h > 23 || m > 59)
                return -1;
        *off = (sign == '-' ? -1 : 1) * (h * 3600L + m * 60L);
        return 0;
}

int cell_log_parse_time(const char *s, struct timespec *out)
{
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -1;
        long nsec = 0;
        if (*p == '.') {
                long scale = 100000000;
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                        if (scale > 0)
                                nsec += (*p - '0') * scale;
        }
        long off;
        if (parse_offset(p, &off) < 0)
                return -1;
        out->tv_sec = timegm(&tm) - off;
        out->tv_nsec = nsec;
        return 0;
}

struct cell_log_writer *cell_log_writer_open(const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
                return NULL;
        struct cell_log_writer *w = calloc(1, sizeof(*w));
        if (!w) {
                close(fd);
                errno = ENOMEM;
                return NULL;
        }
        w->fd = fd;
        return w;
}

/* Length of the valid UTF-8 sequence at `p` (at most `n` bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
        size_t len;
        unsigned min;
        unsigned cp;
        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xe0) == 0xc0)
                len = 2, min = 0x80, cp = p[0] & 0x1f;
        else if ((p[0] & 0xf0) == 0xe0)
                len = 3, min = 0x800, cp = p[0] & 0x0f;
        else if ((p[0] & 0xf8) == 0xf0)
                len = 4, min = 0x10000, cp = p[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

size_t cell_log_json_escape(const char *buf, size_t n, char *out)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)buf;
        char *o = out;
        for (size_t i = 0; i < n;) {
                unsigned char c = p[i];
                if (c == '"' || c == '\\') {
                        *o++ = '\\';
                        *o++ = (char)c;
                } else if (c == '\n' || c == '\r' || c == '\t') {
                        *o++ = '\\';
                        *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
                } else if (c < 0x20 || c == 0x7f) {
                        memcpy(o, "\\u00", 4);
                        o[4] = hex[c >> 4];
                        o[5] = hex[c & 15];
                        o += 6;
                } else if (c >= 0x80) {
                        size_t len = utf8_len(p + i, n - i);
                        if (len == 0) {
                                /* As Go's encoder (docker's): an invalid byte becomes U+FFFD. */
                                memcpy(o, "\\ufffd", 6);
                                o += 6;
                                i++;
                                continue;
                        }
                        memcpy(o, p + i, len);
                        o += len;
                        i += len;
                        continue;
                } else {
                        *o++ = (char)c;
                }
                i++;
        }
        return (size_t)(o - out);
}

/*
 * One entry, written with one write(2) so that a reader never sees half of
 * it.  Written by hand, not with json-c: the holder links libc only (see
 * the header); logs.c reads it back with json-c, and tests/unit checks that
 * json-c reads every byte back as it was.
 */
static void write_entry(struct cell_log_writer *w, enum cell_log_stream s, const char *buf,
                        size_t n)
{
        struct timespec now;
        char stamp[40];
        clock_gettime(CLOCK_REALTIME, &now);
        cell_log_format_time(&now, stamp);
        /* Six bytes at most per input byte (\u00XX), plus the frame. */
        size_t cap = n * 6 + 128;
        char *line = malloc(cap);
        if (!line)
                return;
        size_t len = 0;
        memcpy(line, "{\"log\":\"", 8);
        len = 8;
        len += cell_log_json_escape(buf, n, line + len);
        len += (size_t)snprintf(line + len, cap - len, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                                cell_log_stream_name(s), stamp);
        /* A full disk loses the entry; the container must not stall for it. */
        for (size_t off = 0; off < len;) {
                ssize_t r = write(w->fd, line + off, len - off);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                off += (size_t)r;
        }
        free(line);
}

void cell_log_writer_feed(struct cell_log_writer *w, enum cell_log_stream s, const char *buf,
                          size_t n)
{
        char *pend = w->pending[s];
        size_t *np = &w->n_pending[s];
        while (n > 0) {
                const char *nl = memchr(buf, '\n', n);
                size_t take = nl ? (size_t)(nl - buf) + 1 : n;
                size_t room = CELL_LOG_LINE_MAX - *np;
                if (take > room)
                        take = room;
                memcpy(pend + *np, buf, take);
                *np += take;
                buf += take;
                n -= take;
                if (pend[*np - 1] == '\n' || *np == CELL_LOG_LINE_MAX) {
                        write_entry(w, s, pend, *np);
                        *np = 0;
                }
        }
}

void cell_log_writer_flush(struct cell_log_writer *w)
{
        for (int s = CELL_LOG_STDOUT; s <= CELL_LOG_STDERR; s++) {
                if (w->n_pending[s] > 0)
                        write_entry(w, (enum cell_log_stream)s, w->pending[s], w->n_pending[s]);
                w->n_pending[s] = 0;
        }
}

void cell_log_writer_close(struct cell_log_writer *w)
{
        if (!w)
                return;
        cell_log_writer_flush(w);
        close(w->fd);
        free(w);
}
