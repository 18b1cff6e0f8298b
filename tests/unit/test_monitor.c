/* SPDX-License-Identifier: Apache-2.0 */
/* engine/monitor: the log writer (json-file), its times, the restart policy, start statuses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "engine/logs.h"
#include "engine/monitor.h"
#include "engine/monitor_log.h"
#include "unit.h"

/* Every byte value, through the writer, read back by json-c as the same bytes (valid UTF-8). */
static void test_escape_roundtrip(void)
{
        char in[256 + 16];
        size_t n = 0;
        for (int c = 0; c < 128; c++)
                in[n++] = (char)c;
        const char *utf8 = "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3";
        memcpy(in + n, utf8, strlen(utf8));
        n += strlen(utf8);
        char *out = malloc(n * 6 + 3);
        out[0] = '"';
        size_t len = cell_log_json_escape(in, n, out + 1);
        out[len + 1] = '"';
        out[len + 2] = '\0';
        json_object *o = json_tokener_parse(out);
        CHECK(o != NULL);
        CHECK(json_object_is_type(o, json_type_string));
        CHECK_INT_EQ(json_object_get_string_len(o), (int)n);
        CHECK(memcmp(json_object_get_string(o), in, n) == 0);
        json_object_put(o);
        free(out);
}

/* Invalid UTF-8 becomes U+FFFD (docker's encoder does the same), the rest stays. */
static void test_escape_invalid_utf8(void)
{
        char out[64];
        size_t len = cell_log_json_escape("a\xff" "b\xc3", 4, out);
        out[len] = '\0';
        CHECK_STR_EQ(out, "a\\ufffdb\\ufffd");
        len = cell_log_json_escape("\xed\xa0\x80", 3, out); /* a surrogate */
        out[len] = '\0';
        CHECK_STR_EQ(out, "\\ufffd\\ufffd\\ufffd");
}

static int count_lines(const char *path, json_object **entries, int max)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return -1;
        char *line = NULL;
        size_t cap = 0;
        int n = 0;
        while (getline(&line, &cap, f) > 0 && n < max)
                entries[n++] = json_tokener_parse(line);
        free(line);
        fclose(f);
        return n;
}

static void test_writer_lines(void)
{
        char path[] = "/tmp/test_monitor_log_XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        close(fd);
        struct cell_log_writer *w = cell_log_writer_open(path);
        CHECK(w != NULL);
        cell_log_writer_feed(w, CELL_LOG_STDOUT, "one\ntw", 6);
        cell_log_writer_feed(w, CELL_LOG_STDERR, "err\n", 4);
        cell_log_writer_feed(w, CELL_LOG_STDOUT, "o\nthree", 7);
        char *big = malloc(CELL_LOG_LINE_MAX + 10);
        memset(big, 'x', CELL_LOG_LINE_MAX + 10);
        big[CELL_LOG_LINE_MAX + 9] = '\n';
        cell_log_writer_feed(w, CELL_LOG_STDERR, big, CELL_LOG_LINE_MAX + 10);
        free(big);
        cell_log_writer_close(w); /* flushes "three" */
        json_object *e[8] = {0};
        CHECK_INT_EQ(count_lines(path, e, 8), 6);
        const char *want[][2] = {{"one\n", "stdout"}, {"err\n", "stderr"}, {"two\n", "stdout"},
                                 {NULL, "stderr"},    {"xxxxxxxxx\n", "stderr"},
                                 {"three", "stdout"}};
        for (int i = 0; i < 6; i++) {
                CHECK(e[i] != NULL);
                json_object *log, *stream, *t;
                CHECK(json_object_object_get_ex(e[i], "log", &log));
                CHECK(json_object_object_get_ex(e[i], "stream", &stream));
                CHECK(json_object_object_get_ex(e[i], "time", &t));
                CHECK_STR_EQ(json_object_get_string(stream), want[i][1]);
                if (want[i][0])
                        CHECK_STR_EQ(json_object_get_string(log), want[i][0]);
                else
                        CHECK_INT_EQ(json_object_get_string_len(log), CELL_LOG_LINE_MAX);
                struct timespec ts;
                CHECK_INT_EQ(cell_log_parse_time(json_object_get_string(t), &ts), 0);
                CHECK(ts.tv_sec > 1700000000);
                json_object_put(e[i]);
        }
        unlink(path);
}

static void test_time_format_parse(void)
{
        struct timespec ts = {.tv_sec = 1765143000, .tv_nsec = 5};
        char buf[40];
        cell_log_format_time(&ts, buf);
        CHECK_STR_EQ(buf, "2025-12-07T21:30:00.000000005Z");
        struct timespec back;
        CHECK_INT_EQ(cell_log_parse_time(buf, &back), 0);
        CHECK(back.tv_sec == ts.tv_sec && back.tv_nsec == 5);
        CHECK_INT_EQ(cell_log_parse_time("2025-12-07T22:30:00.5+01:00", &back), 0);
        CHECK(back.tv_sec == ts.tv_sec && back.tv_nsec == 500000000);
        CHECK_INT_EQ(cell_log_parse_time("2025-12-07T21:30:00Z", &back), 0);
        CHECK(back.tv_sec == ts.tv_sec && back.tv_nsec == 0);
        CHECK_INT_EQ(cell_log_parse_time("2025-12-07 21:30:00", &back), -1);
        CHECK_INT_EQ(cell_log_parse_time("2025-12-07T21:30:00+1", &back), -1);
}

static void test_restart_policy(void)
{
        /* on-failure:2 restarts twice after failures, never after a success */
        CHECK(cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 2, 0, 1, false));
        CHECK(cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 2, 1, 1, false));
        CHECK(!cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 2, 2, 1, false));
        CHECK(!cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 2, 0, 0, false));
        CHECK(cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 0, 99, 137, false));
        CHECK(cell_monitor_should_restart(CELL_MONITOR_RESTART_ALWAYS, 0, 5, 0, false));
        CHECK(cell_monitor_should_restart(CELL_MONITOR_RESTART_UNLESS_STOPPED, 0, 5, 0, false));
        /* a stop or kill by the user never restarts */
        CHECK(!cell_monitor_should_restart(CELL_MONITOR_RESTART_ALWAYS, 0, 0, 143, true));
        CHECK(!cell_monitor_should_restart(CELL_MONITOR_RESTART_ON_FAILURE, 0, 0, 137, true));
        CHECK(!cell_monitor_should_restart(CELL_MONITOR_RESTART_NO, 0, 0, 1, false));
        CHECK_INT_EQ(cell_monitor_restart_from_name("unless-stopped"),
                     CELL_MONITOR_RESTART_UNLESS_STOPPED);
        CHECK_INT_EQ(cell_monitor_restart_from_name("sometimes"), -1);
        CHECK_STR_EQ(cell_monitor_restart_name(CELL_MONITOR_RESTART_ON_FAILURE), "on-failure");
}

static int status_of(int errnum, const char *msg)
{
        struct cell_error err;
        cell_error_set(&err, errnum, "%s", msg);
        return cell_monitor_start_status(&err);
}

static void test_start_status(void)
{
        CHECK_INT_EQ(status_of(ENOENT, "exec \"/x\": stat /x"), 127);
        CHECK_INT_EQ(status_of(0, "exec: \"x\": executable file not found in $PATH"), 127);
        CHECK_INT_EQ(status_of(EACCES, "exec \"/etc\""), 126);
        CHECK_INT_EQ(status_of(ENOEXEC, "exec"), 126);
        CHECK_INT_EQ(status_of(0, "bad config"), 125);
        CHECK_INT_EQ(status_of(EINVAL, "mount"), 125);
}

static void test_logs_parse_time(void)
{
        struct timespec now = {.tv_sec = 1765143000, .tv_nsec = 0}, t;
        struct cell_error err;
        CHECK_INT_EQ(cell_logs_parse_time("10m", &now, &t, &err), 0);
        CHECK(t.tv_sec == now.tv_sec - 600);
        CHECK_INT_EQ(cell_logs_parse_time("1h30m", &now, &t, &err), 0);
        CHECK(t.tv_sec == now.tv_sec - 5400);
        CHECK_INT_EQ(cell_logs_parse_time("1.5h", &now, &t, &err), 0);
        CHECK(t.tv_sec == now.tv_sec - 5400);
        CHECK_INT_EQ(cell_logs_parse_time("500ms", &now, &t, &err), 0);
        CHECK(t.tv_sec == now.tv_sec - 1 && t.tv_nsec == 500000000);
        CHECK_INT_EQ(cell_logs_parse_time("2025-12-07T21:30:00Z", &now, &t, &err), 0);
        CHECK(t.tv_sec == 1765143000);
        CHECK_INT_EQ(cell_logs_parse_time("2025-12-07", &now, &t, &err), 0);
        CHECK(t.tv_sec == 1765065600);
        CHECK_INT_EQ(cell_logs_parse_time("1765143000", &now, &t, &err), 0);
        CHECK(t.tv_sec == 1765143000);
        CHECK_INT_EQ(cell_logs_parse_time("10 minutes", &now, &t, &err), -1);
        CHECK_CONTAINS(err.msg, "invalid time \"10 minutes\"");
        CHECK_INT_EQ(cell_logs_parse_time("m", &now, &t, &err), -1);
        CHECK_INT_EQ(cell_logs_parse_time("", &now, &t, &err), -1);
}

static char *slurp_fd(int fd)
{
        lseek(fd, 0, SEEK_SET);
        char *buf = calloc(1, 65536);
        ssize_t n = read(fd, buf, 65535);
        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

static void test_logs_print(void)
{
        char path[] = "/tmp/test_logs_XXXXXX";
        int fd = mkstemp(path);
        const char *text =
                "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2025-12-07T21:00:00.000000001Z\"}\n"
                "{\"log\":\"b\\n\",\"stream\":\"stderr\",\"time\":\"2025-12-07T21:01:00Z\"}\n"
                "not json\n"
                "{\"log\":\"c\\n\",\"stream\":\"stdout\",\"time\":\"2025-12-07T21:02:00Z\"}\n"
                "{\"log\":\"partial";
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        char op[] = "/tmp/test_logs_out_XXXXXX", ep[] = "/tmp/test_logs_err_XXXXXX";
        int out = mkstemp(op), errfd = mkstemp(ep);
        struct cell_error err;
        struct cell_logs_opts o = {.tail = -1, .follow_pidfd = -1};
        CHECK_INT_EQ(cell_logs_print(path, &o, out, errfd, &err), 0);
        char *so = slurp_fd(out), *se = slurp_fd(errfd);
        CHECK_STR_EQ(so, "a\nc\n");
        CHECK_STR_EQ(se, "b\n");
        free(so);
        free(se);
        CHECK(ftruncate(out, 0) == 0 && ftruncate(errfd, 0) == 0);
        lseek(out, 0, SEEK_SET);
        lseek(errfd, 0, SEEK_SET);
        o.tail = 1;
        o.timestamps = true;
        CHECK_INT_EQ(cell_logs_print(path, &o, out, errfd, &err), 0);
        so = slurp_fd(out);
        CHECK_STR_EQ(so, "2025-12-07T21:02:00Z c\n");
        free(so);
        CHECK(ftruncate(out, 0) == 0 && ftruncate(errfd, 0) == 0);
        lseek(out, 0, SEEK_SET);
        lseek(errfd, 0, SEEK_SET);
        o = (struct cell_logs_opts){.tail = -1, .follow_pidfd = -1, .has_since = true,
                                    .has_until = true};
        cell_log_parse_time("2025-12-07T21:00:00.5Z", &o.since);
        cell_log_parse_time("2025-12-07T21:02:00Z", &o.until);
        CHECK_INT_EQ(cell_logs_print(path, &o, out, errfd, &err), 0);
        so = slurp_fd(out);
        se = slurp_fd(errfd);
        CHECK_STR_EQ(so, "");
        CHECK_STR_EQ(se, "b\n");
        free(so);
        free(se);
        /* a container that never ran has no log: nothing, no error */
        unlink(path);
        CHECK_INT_EQ(cell_logs_print(path, &o, out, errfd, &err), 0);
        close(out);
        close(errfd);
        unlink(op);
        unlink(ep);
}

UNIT_MAIN(UNIT_TEST(test_logs_parse_time), UNIT_TEST(test_logs_print), UNIT_TEST(test_escape_roundtrip), UNIT_TEST(test_escape_invalid_utf8),
          UNIT_TEST(test_writer_lines), UNIT_TEST(test_time_format_parse),
          UNIT_TEST(test_restart_policy), UNIT_TEST(test_start_status))
