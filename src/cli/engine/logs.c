/* SPDX-License-Identifier: Apache-2.0 */
/* `cell logs`: a container's output from its ctr.log (engine/logs.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/logs.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const struct ecli_option options[] = {
        {"follow", 'f', ECLI_FLAG, NULL, "Follow log output until the container exits"},
        {"tail", 'n', ECLI_VALUE, "N", "Number of lines to show from the end of the logs", .def = "all"},
        {"timestamps", 't', ECLI_FLAG, NULL, "Show timestamps"},
        {"since", 0, ECLI_VALUE, "TIME",
         "Show logs since a time (2026-12-07T21:00:00Z) or a duration before now (10m)"},
        {"until", 0, ECLI_VALUE, "TIME", "Show logs before a time or a duration before now"},
        {0},
};

static int parse_opts(const struct ecli_args *a, struct cell_logs_opts *o, struct cell_error *err)
{
        memset(o, 0, sizeof(*o));
        o->follow_pidfd = -1;
        o->timestamps = ecli_flag(a, "timestamps");
        const char *tail = ecli_value(a, "tail");
        o->tail = -1;
        if (tail && strcmp(tail, "all") != 0) {
                char *end;
                errno = 0;
                long n = strtol(tail, &end, 10);
                if (*tail == '\0' || *end || errno || n < -1)
                        return cell_error_set(err, 0, "invalid value \"%s\" for --tail: a number or \"all\"",
                                              tail);
                o->tail = n;
        }
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        const char *since = ecli_value(a, "since"), *until = ecli_value(a, "until");
        if (since && *since) {
                if (cell_logs_parse_time(since, &now, &o->since, err) < 0)
                        return cell_error_prefix(err, "--since");
                o->has_since = true;
        }
        if (until && *until) {
                if (cell_logs_parse_time(until, &now, &o->until, err) < 0)
                        return cell_error_prefix(err, "--until");
                o->has_until = true;
        }
        return 0;
}

/*
 * Who to follow: the container's monitor (the holder of its stdio writes
 * the log until the container exits for good).  A container that does not
 * run has nothing more to say.
 */
static int follow_fd(const struct cell_ctr *c)
{
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return -1;
        pid_t pid = c->state.monitor_pid > 0 ? c->state.monitor_pid : c->state.pid;
        if (pid <= 0)
                return -1;
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int run_logs(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_logs_opts o;
        if (parse_opts(a, &o, &err) < 0)
                return ecli_fail(&err);
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        struct cell_ctr c;
        int r = cell_ctr_lookup(&e, a->argv[0], false, &c, &err);
        if (r == 0) {
                if (ecli_flag(a, "follow"))
                        o.follow_pidfd = follow_fd(&c);
                _cleanup_free_ char *dir = cell_engine_container_dir(&e, c.id);
                _cleanup_free_ char *path = cell_path_join(dir, "ctr.log");
                r = cell_logs_print(path, &o, 1, 2, &err);
                if (o.follow_pidfd >= 0)
                        close(o.follow_pidfd);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_logs = {
        .name = "logs",
        .usage = "[OPTIONS] CONTAINER",
        .summary = "Fetch the logs of a container",
        .description = "Prints what the container wrote, its standard output to ours and its "
                       "standard error to ours, from the log its monitor keeps (docker's json-file "
                       "format, containers/ID/ctr.log). With -f it goes on printing what comes until "
                       "the container exits.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_logs,
};
