/* SPDX-License-Identifier: Apache-2.0 */
#include "util/log.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static enum cell_log_format log_format = CELL_LOG_TEXT;
static bool log_debug;

static const char *const level_names[] = {"debug", "info", "warning", "error"};

int cell_log_open(const char *path, enum cell_log_format format)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0)
                return -1;
        cell_log_close();
        log_fd = fd;
        log_format = format;
        return 0;
}

void cell_log_set_debug(bool on)
{
        log_debug = on;
}

bool cell_log_debug_enabled(void)
{
        return log_debug;
}

void cell_log_close(void)
{
        if (log_fd >= 0)
                close(log_fd);
        log_fd = -1;
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n <= 0)
                        return;
                buf += n;
                len -= (size_t)n;
        }
}

static void format_time(char *out, size_t size)
{
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

static void write_json_record(enum cell_log_level level, const char *msg)
{
        char when[64];
        format_time(when, sizeof(when));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "level", json_object_new_string(level_names[level]));
        json_object_object_add(o, "msg", json_object_new_string(msg));
        json_object_object_add(o, "time", json_object_new_string(when));
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
        char *line = NULL;
        int n = asprintf(&line, "%s\n", s);
        if (n > 0)
                write_all(log_fd, line, (size_t)n);
        free(line);
        json_object_put(o);
}

void cell_log(enum cell_log_level level, const char *fmt, ...)
{
        if (level == CELL_LOG_DEBUG && !log_debug)
                return;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;

        if (log_fd >= 0) {
                if (log_format == CELL_LOG_JSON) {
                        write_json_record(level, msg);
                } else {
                        char when[64];
                        format_time(when, sizeof(when));
                        char *line = NULL;
                        int n = asprintf(&line, "%s %s: %s\n", when, level_names[level], msg);
                        if (n > 0)
                                write_all(log_fd, line, (size_t)n);
                        free(line);
                }
        }
        if (log_fd < 0 || level == CELL_LOG_ERROR) {
                char *line = NULL;
                int n = level == CELL_LOG_ERROR
                                ? asprintf(&line, "cell: %s\n", msg)
                                : asprintf(&line, "cell: %s: %s\n", level_names[level], msg);
                if (n > 0)
                        write_all(STDERR_FILENO, line, (size_t)n);
                free(line);
        }
        free(msg);
}
