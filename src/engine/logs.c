/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <json-c/json.h>

#include "engine/monitor_log.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
        if (a->tv_sec != b->tv_sec)
                return a->tv_sec < b->tv_sec ? -1 : 1;
        return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

/* Go's time.ParseDuration, the units people write: "1h30m", "90s", "1.5h", "500ms". */
static int parse_duration(const char *s, double *seconds)
{
        static const struct {
                const char *unit;
                double scale;
        } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
        double total = 0;
        if (!*s)
                return -1;
        while (*s) {
                char *end;
                errno = 0;
                double v = strtod(s, &end);
                if (end == s || errno || v < 0 || *end == '\0')
                        return -1;
                size_t best = 0;
                double scale = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t len = strlen(units[i].unit);
                        /* "ms" before "m": take the longest unit that matches */
                        if (strncmp(end, units[i].unit, len) == 0 && len > best) {
                                best = len;
                                scale = units[i].scale;
                        }
                }
                if (best == 0)
                        return -1;
                total += v * scale;
                s = end + best;
        }
        *seconds = total;
        return 0;
}

int cell_logs_parse_time(const char *s, const struct timespec *now, struct timespec *out,
                         struct cell_error *err)
{
        if (cell_log_parse_time(s, out) == 0)
                return 0;
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = strptime(s, "%Y-%m-%d", &tm);
        if (end && *end == '\0') {
                out->tv_sec = timegm(&tm);
                out->tv_nsec = 0;
                return 0;
        }
        char *e;
        errno = 0;
        double unix_s = strtod(s, &e);
        if (*s >= '0' && *s <= '9' && e != s && *e == '\0' && errno == 0 && unix_s >= 0) {
                out->tv_sec = (time_t)unix_s;
                out->tv_nsec = (long)((unix_s - floor(unix_s)) * 1e9);
                return 0;
        }
        double ago;
        if (parse_duration(s, &ago) == 0) {
                double t = (double)now->tv_sec + now->tv_nsec / 1e9 - ago;
                out->tv_sec = (time_t)floor(t);
                out->tv_nsec = (long)((t - floor(t)) * 1e9);
                return 0;
        }
        return cell_error_set(err, 0, "invalid time \"%s\": want RFC 3339 (2026-12-07T21:00:00Z), "
                                      "a date, Unix seconds or a duration (10m)", s);
}

static void write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t r = write(fd, buf, n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return;
                buf += r;
                n -= (size_t)r;
        }
}

struct entry {
        json_object *obj;
        const char *log, *time;
        size_t log_len;
        bool err;
};

/* Parse one log line; false when it is not an entry or filtered out by --since/--until. */
static bool parse_entry(const char *line, size_t len, const struct cell_logs_opts *o,
                        struct entry *e)
{
        memset(e, 0, sizeof(*e));
        json_tokener *tok = json_tokener_new();
        e->obj = json_tokener_parse_ex(tok, line, (int)len);
        json_tokener_free(tok);
        json_object *log, *stream, *t;
        if (!e->obj || !json_object_object_get_ex(e->obj, "log", &log) ||
            !json_object_object_get_ex(e->obj, "time", &t)) {
                json_object_put(e->obj);
                return false;
        }
        e->log = json_object_get_string(log);
        e->log_len = (size_t)json_object_get_string_len(log);
        e->time = json_object_get_string(t);
        e->err = json_object_object_get_ex(e->obj, "stream", &stream) &&
                 strcmp(json_object_get_string(stream), "stderr") == 0;
        struct timespec ts;
        if ((o->has_since || o->has_until) && cell_log_parse_time(e->time, &ts) == 0 &&
            ((o->has_since && ts_cmp(&ts, &o->since) < 0) ||
             (o->has_until && ts_cmp(&ts, &o->until) >= 0))) {
                json_object_put(e->obj);
                return false;
        }
        return true;
}

static void print_entry(const struct entry *e, const struct cell_logs_opts *o, int out_fd,
                        int err_fd)
{
        int fd = e->err ? err_fd : out_fd;
        if (o->timestamps) {
                write_all(fd, e->time, strlen(e->time));
                write_all(fd, " ", 1);
        }
        write_all(fd, e->log, e->log_len);
}

struct reader {
        int fd;
        char *buf;
        size_t len, cap;
};

/* Read what the log has now; false on EOF with nothing new. */
static bool read_more(struct reader *r)
{
        bool got = false;
        for (;;) {
                if (r->cap - r->len < 65536) {
                        r->cap = r->cap * 2 + 65536;
                        r->buf = xrealloc(r->buf, r->cap);
                }
                ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return got;
                r->len += (size_t)n;
                got = true;
        }
}

/* Print every complete line in the buffer (the last `skip_to_tail` rules apply once). */
static void print_lines(struct reader *r, const struct cell_logs_opts *o, long tail, int out_fd,
                        int err_fd)
{
        /* Entries that pass the filters, then the last `tail` of them. */
        size_t n_lines = 0, cap = 0;
        struct entry *list = NULL;
        size_t start = 0;
        for (;;) {
                char *nl = memchr(r->buf + start, '\n', r->len - start);
                if (!nl)
                        break;
                struct entry e;
                if (parse_entry(r->buf + start, (size_t)(nl - (r->buf + start)), o, &e)) {
                        if (n_lines == cap) {
                                cap = cap * 2 + 64;
                                list = xrealloc(list, cap * sizeof(*list));
                        }
                        list[n_lines++] = e;
                }
                start = (size_t)(nl - r->buf) + 1;
        }
        size_t first = tail >= 0 && (size_t)tail < n_lines ? n_lines - (size_t)tail : 0;
        for (size_t i = 0; i < n_lines; i++) {
                if (i >= first)
                        print_entry(&list[i], o, out_fd, err_fd);
                json_object_put(list[i].obj);
        }
        free(list);
        memmove(r->buf, r->buf + start, r->len - start);
        r->len -= start;
}

static int follow(struct reader *r, const char *path, const struct cell_logs_opts *o, int out_fd,
                  int err_fd, struct cell_error *err)
{
        _cleanup_close_ int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino < 0)
                return cell_error_errno(err, "inotify");
        if (inotify_add_watch(ino, path, IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
                return cell_error_errno(err, "watch %s", path);
        /* Written between the first read and the watch: */
        if (read_more(r))
                print_lines(r, o, -1, out_fd, err_fd);
        for (;;) {
                struct pollfd p[2] = {{.fd = ino, .events = POLLIN},
                                      {.fd = o->follow_pidfd, .events = POLLIN}};
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return cell_error_errno(err, "poll");
                }
                bool gone = false;
                if (p[0].revents & POLLIN) {
                        char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                        ssize_t n = read(ino, ev, sizeof(ev));
                        for (ssize_t off = 0; off < n;) {
                                const struct inotify_event *ie = (const void *)(ev + off);
                                if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
                                        gone = true;
                                off += (ssize_t)sizeof(*ie) + ie->len;
                        }
                }
                if (p[1].revents)
                        gone = true;
                if (read_more(r))
                        print_lines(r, o, -1, out_fd, err_fd);
                if (gone)
                        return 0;
        }
}

int cell_logs_print(const char *log_path, const struct cell_logs_opts *o, int out_fd, int err_fd,
                    struct cell_error *err)
{
        struct reader r = {.fd = open(log_path, O_RDONLY | O_CLOEXEC)};
        if (r.fd < 0)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open %s", log_path);
        read_more(&r);
        print_lines(&r, o, o->tail, out_fd, err_fd);
        int ret = 0;
        if (o->follow_pidfd >= 0)
                ret = follow(&r, log_path, o, out_fd, err_fd, err);
        close(r.fd);
        free(r.buf);
        return ret;
}
