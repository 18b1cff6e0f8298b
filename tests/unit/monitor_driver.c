/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives the monitor (engine/monitor.h) without the engine, for
 * tests/engine/test_monitor_driver.py:
 *
 *   monitor_driver --storage DIR --runroot R run [-d] [-t] [-i] [--rm]
 *                  [--restart POLICY[:N]] ID BUNDLE
 *   monitor_driver --storage DIR --runroot R __monitor PHASE ID ...   (the hidden verb)
 *
 * The "record" is DIR/ID.events, one line per callback ("started PID
 * MONITOR_PID COUNT", "exited STATUS", "start_failed STATUS MSG",
 * "remove"); DIR/ID.stopped present means stopped by the user.  The log is
 * DIR/ID.log.  `run` prints "pid PID" (detached) or exits with the
 * container's status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "util/log.h"

struct rec {
        const char *storage, *id;
};

static void event(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event(struct rec *r, const char *fmt, ...)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.events", r->storage, r->id);
        FILE *f = fopen(path, "a");
        if (!f)
                return;
        va_list ap;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
}

static int started(void *data, pid_t pid, pid_t monitor_pid, int count, struct cell_error *err)
{
        (void)err;
        event(data, "started %ld %ld %d", (long)pid, (long)monitor_pid, count);
        return 0;
}

static int start_failed(void *data, int status, const char *msg, struct cell_error *err)
{
        (void)err;
        event(data, "start_failed %d %s", status, msg);
        return 0;
}

static int exited(void *data, int status, bool *stopped, struct cell_error *err)
{
        (void)err;
        struct rec *r = data;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.stopped", r->storage, r->id);
        *stopped = access(path, F_OK) == 0;
        event(data, "exited %d", status);
        return 0;
}

static int removed(void *data, struct cell_error *err)
{
        (void)err;
        event(data, "remove");
        return 0;
}

int main(int argc, char **argv)
{
        struct cell_runtime rt = {.root = "/run/cell-test", .self_argv = argv};
        struct rec r = {.storage = "/tmp"};
        int i = 1;
        for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
                if (strcmp(argv[i], "--storage") == 0)
                        r.storage = argv[i + 1];
                else if (strcmp(argv[i], "--runroot") == 0)
                        rt.root = argv[i + 1];
        }
        struct cell_monitor_callbacks cb = {.data = &r, .started = started,
                                            .start_failed = start_failed, .exited = exited,
                                            .remove = removed};
        if (i < argc && strcmp(argv[i], "__monitor") == 0) {
                if (i + 2 >= argc)
                        return 125;
                r.id = argv[i + 2];
                return cell_monitor_main(argc - i, argv + i, &rt, &cb);
        }
        if (i >= argc || strcmp(argv[i], "run") != 0)
                return 125;
        struct cell_monitor_opts o = {.rt = &rt, .storage = r.storage};
        for (i++; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "-d") == 0)
                        o.detach = true;
                else if (strcmp(argv[i], "-t") == 0)
                        o.tty = true;
                else if (strcmp(argv[i], "-i") == 0)
                        o.open_stdin = true;
                else if (strcmp(argv[i], "--rm") == 0)
                        o.auto_remove = true;
                else if (strcmp(argv[i], "--restart") == 0 && i + 1 < argc) {
                        char *policy = argv[++i], *colon = strchr(policy, ':');
                        if (colon) {
                                *colon = '\0';
                                o.restart_max = atoi(colon + 1);
                        }
                        o.restart = (enum cell_monitor_restart)cell_monitor_restart_from_name(policy);
                }
        }
        if (i + 2 != argc)
                return 125;
        o.id = r.id = argv[i];
        o.bundle = argv[i + 1];
        char log[4096];
        snprintf(log, sizeof(log), "%s/%s.log", r.storage, r.id);
        o.log_path = log;
        pid_t pid = 0;
        int status = 0;
        struct cell_error err;
        cell_error_clear(&err);
        if (cell_monitor_run(&o, &cb, &pid, &status, &err) < 0) {
                fprintf(stderr, "monitor_driver: %s\n", err.msg);
                return status;
        }
        if (o.detach)
                printf("pid %ld\n", (long)pid);
        return o.detach ? 0 : status;
}
