/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's cell side: starting the holder, the starter and reaper
 * phases of the hidden verb `__monitor`, and what they share with the
 * foreground (monitor_fg.c).  See engine/monitor.h for the processes.
 */
#include "engine/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/monitor_internal.h"
#include "runtime/dmz.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "vm/vm.h"

static const char *const restart_names[] = {
        [CELL_MONITOR_RESTART_NO] = "no",
        [CELL_MONITOR_RESTART_ON_FAILURE] = "on-failure",
        [CELL_MONITOR_RESTART_ALWAYS] = "always",
        [CELL_MONITOR_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *cell_monitor_restart_name(enum cell_monitor_restart policy)
{
        return (unsigned)policy < 4 ? restart_names[policy] : "no";
}

int cell_monitor_restart_from_name(const char *name)
{
        for (int i = 0; i < 4; i++)
                if (strcmp(restart_names[i], name) == 0)
                        return i;
        return -1;
}

bool cell_monitor_should_restart(enum cell_monitor_restart policy, int restart_max,
                                 int restart_count, int exit_status, bool stopped_by_user)
{
        if (stopped_by_user)
                return false;
        switch (policy) {
        case CELL_MONITOR_RESTART_ALWAYS:
        case CELL_MONITOR_RESTART_UNLESS_STOPPED:
                return true;
        case CELL_MONITOR_RESTART_ON_FAILURE:
                return exit_status != 0 && (restart_max <= 0 || restart_count < restart_max);
        default:
                return false;
        }
}

int cell_monitor_start_status(const struct cell_error *err)
{
        switch (err->errnum) {
        case ENOENT:
        case ENOTDIR:
                return 127;
        case EACCES:
        case EPERM:
        case ENOEXEC:
        case EISDIR:
        case ETXTBSY:
                return 126;
        default:
                /* the runtime's own words for a command it looked for in $PATH */
                return strstr(err->msg, "executable file not found") ? 127 : 125;
        }
}

char *cell_monitor_holder_path(struct cell_error *err)
{
        return cell_sibling_program("cell-monitor", "src/engine", err);
}

char *cell_init_path(struct cell_error *err)
{
        return cell_sibling_program("cell-init", "src/engine", err);
}

char *cell_monitor_self_path(struct cell_error *err)
{
        return cell_self_exe(err);
}

void cell_argv_push(struct cell_argv *a, const char *s)
{
        a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
        a->v[a->n++] = xstrdup(s);
        a->v[a->n] = NULL;
}

void cell_argv_pushf(struct cell_argv *a, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        cell_argv_push(a, s);
        free(s);
}

void cell_argv_release(struct cell_argv *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
        a->v = NULL;
        a->n = 0;
}

int cell_monitor_verb_prefix(const struct cell_monitor_opts *o, struct cell_argv *a,
                             struct cell_error *err)
{
        _cleanup_free_ char *self = cell_monitor_self_path(err);
        if (!self)
                return -1;
        cell_argv_push(a, self);
        if (o->storage) {
                cell_argv_push(a, "--storage");
                cell_argv_push(a, o->storage);
        }
        if (o->rt->root) {
                cell_argv_push(a, "--runroot");
                cell_argv_push(a, o->rt->root);
        }
        cell_argv_push(a, "__monitor");
        return 0;
}

/* Write all of `s` to `fd`; the reports are a line each, far below PIPE_BUF. */
static void report_line(int fd, const char *s)
{
        size_t len = strlen(s);
        while (len > 0) {
                ssize_t r = write(fd, s, len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return;
                s += r;
                len -= (size_t)r;
        }
}

int cell_monitor_read_report(int fd, char *buf, size_t size)
{
        size_t n = 0;
        while (n + 1 < size) {
                ssize_t r = read(fd, buf + n, size - 1 - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
                if (memchr(buf, '\n', n))
                        break;
        }
        buf[n] = '\0';
        char *nl = strchr(buf, '\n');
        if (nl)
                *nl = '\0';
        return n > 0 ? 0 : -1;
}

int cell_monitor_parse_report(const char *line, pid_t *pid, int *status, struct cell_error *err)
{
        long v;
        int off = 0;
        if (sscanf(line, "ok %ld", &v) == 1 && v > 0) {
                *pid = (pid_t)v;
                *status = 0;
                return 0;
        }
        if (sscanf(line, "err %ld %n", &v, &off) == 1 && off > 0) {
                *status = (int)v;
                return cell_error_set(err, 0, "%s", line + off);
        }
        *status = 125;
        return cell_error_set(err, 0, "the container's starter exited without a word%s%s",
                              *line ? ": " : "", line);
}

/*
 * Create and start the runtime container, as the starter (a process whose
 * fds 0-2 are what the container gets).  Returns the init's pid, or -1 with
 * err and `*status` 125/126/127; on failure nothing of the runtime container
 * is left.
 */
static pid_t create_and_start(const struct cell_runtime *rt, const char *id, const char *bundle,
                              const char *console_socket, int *status, struct cell_error *err)
{
        /* started below, at once: the runtime protects the init as a foreground run's */
        struct cell_create_opts co = {.bundle = bundle, .console_socket = console_socket,
                                      .start_now = true};
        struct cell_container_state st;
        memset(&st, 0, sizeof(st));
        /* The pid is read before the start: a process that is gone by the time
         * start returns has no pid in the state any more, and is still ours to reap. */
        if (cell_container_create(rt, id, &co, err) < 0 ||
            cell_container_state(rt, id, &st, err) < 0 || cell_container_start(rt, id, err) < 0) {
                *status = cell_monitor_start_status(err);
                cell_container_state_release(&st);
                struct cell_error ignored;
                cell_container_delete(rt, id, true, &ignored);
                return -1;
        }
        pid_t pid = st.pid;
        cell_container_state_release(&st);
        return pid;
}

/*
 * The CVE-2019-5736 defence, by the runtime's own rule for an init started at
 * once (cell_dmz_needed): re-execute from a read-only view of the binary
 * only when some process that can be in the container's pid namespace may
 * hold CAP_SYS_PTRACE.  Anything unreadable protects: the create that
 * follows fails on it anyway.
 */
static int protect_if_needed(const struct cell_runtime *rt, const char *bundle,
                             struct cell_error *err)
{
        if (cell_dmz_self_protected())
                return 0;
        _cleanup_free_ char *path = cell_path_join(bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct cell_spec *spec = NULL;
        struct cell_error ignored;
        bool needed = true;
        if (cell_read_input("config.json", path, false, &text, &len, &ignored) == 0 &&
            cell_spec_parse(text, len, &spec, &ignored) == 0) {
                needed = cell_dmz_needed(spec, NULL);
                cell_spec_free(spec);
        }
        return needed ? cell_dmz_protect_self(rt->self_argv, err) : 0;
}

int cell_monitor_start_child(const struct cell_runtime *rt, const char *id, const char *bundle,
                             const char *console_socket, const struct cell_monitor_callbacks *cb,
                             const struct cell_monitor_start_record *rec, int report_fd)
{
        struct cell_error err;
        cell_error_clear(&err);
        int status = 125;
        pid_t pid = -1;
        /* the re-execution (if any) first: the record's lock would not survive it */
        bool claimed = false;
        /* a micro-VM (issue 15) stands where the container's init would: no runtime container */
        bool vm = cell_vm_bundle_wants_vm(bundle);
        if ((vm || protect_if_needed(rt, bundle, &err) == 0) &&
            (!cb || !cb->claim || (claimed = (cb->claim(cb->data, &err) == 0))) &&
            (!rec || !rec->prepare || !cb || !cb->prepare || cb->prepare(cb->data, &err) == 0))
                pid = vm ? cell_vm_launch_bundle(bundle, console_socket, rt->root, &err)
                         : create_and_start(rt, id, bundle, console_socket, &status, &err);
        if (pid < 0 && cell_error_is_set(&err) == 0)
                cell_error_set(&err, 0, "start container %s failed", id);
        /* a claim refused: the record is not ours to write (gone, or being removed) */
        if (cb && cb->claim && !claimed)
                cb = NULL;
        struct cell_error cb_err;
        cell_error_clear(&cb_err);
        if (pid >= 0 && rec && cb && cb->started &&
            cb->started(cb->data, pid, rec->monitor_pid, rec->restart_count, &cb_err) < 0)
                cell_warn("%s", cb_err.msg);
        if (pid < 0 && rec && cb) {
                if (cb->start_failed && cb->start_failed(cb->data, status, err.msg, &cb_err) < 0)
                        cell_warn("%s", cb_err.msg);
                if (rec->auto_remove && cb->remove && cb->remove(cb->data, &cb_err) < 0)
                        cell_warn("%s", cb_err.msg);
        }
        char line[CELL_ERROR_MSG_MAX + 32];
        if (pid >= 0)
                snprintf(line, sizeof(line), "ok %ld\n", (long)pid);
        else
                snprintf(line, sizeof(line), "err %d %s\n", status, err.msg);
        report_line(report_fd, line);
        return pid >= 0 ? 0 : status;
}

int cell_monitor_after_exit(const struct cell_runtime *rt, const char *id,
                            const struct cell_monitor_callbacks *cb,
                            enum cell_monitor_restart policy, int restart_max, int restart_count,
                            bool auto_remove, int exit_status)
{
        struct cell_error err;
        cell_error_clear(&err);
        /* The init is reaped; what it left in its cgroup goes with the container.
         * A micro-VM has no runtime container: ENOENT. */
        if (cell_container_delete(rt, id, true, &err) < 0 && err.errnum != ENOENT)
                cell_warn("%s", err.msg);
        bool stopped = false;
        if (cb && cb->exited && cb->exited(cb->data, exit_status, &stopped, &err) < 0)
                cell_warn("%s", err.msg);
        bool restart = cell_monitor_should_restart(policy, restart_max, restart_count,
                                                   exit_status, stopped);
        if (!restart && auto_remove && cb && cb->remove && cb->remove(cb->data, &err) < 0)
                cell_warn("%s", err.msg);
        return restart;
}

/* ---- the hidden verb ---------------------------------------------------- */

struct phase_args {
        const char *bundle, *console_socket;
        enum cell_monitor_restart restart;
        int restart_max, restart_count, status;
        pid_t monitor_pid;
        bool auto_remove, record, prepare;
};

static int parse_phase_args(int argc, char **argv, struct phase_args *p)
{
        static const struct option longopts[] = {
                {"bundle", required_argument, NULL, 'b'},
                {"console-socket", required_argument, NULL, 'c'},
                {"restart", required_argument, NULL, 'r'},
                {"restart-max", required_argument, NULL, 'm'},
                {"restart-count", required_argument, NULL, 'n'},
                {"status", required_argument, NULL, 's'},
                {"monitor-pid", required_argument, NULL, 'p'},
                {"rm", no_argument, NULL, 'R'},
                {"no-record", no_argument, NULL, 'N'},
                {"prepare", no_argument, NULL, 'P'},
                {0},
        };
        memset(p, 0, sizeof(*p));
        p->record = true;
        optind = 1;
        int c;
        while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
                switch (c) {
                case 'b': p->bundle = optarg; break;
                case 'c': p->console_socket = optarg; break;
                case 'r': {
                        int r = cell_monitor_restart_from_name(optarg);
                        if (r < 0)
                                return -1;
                        p->restart = (enum cell_monitor_restart)r;
                        break;
                }
                case 'm': p->restart_max = atoi(optarg); break;
                case 'n': p->restart_count = atoi(optarg); break;
                case 's': p->status = atoi(optarg); break;
                case 'p': p->monitor_pid = (pid_t)atoi(optarg); break;
                case 'R': p->auto_remove = true; break;
                case 'N': p->record = false; break;
                case 'P': p->prepare = true; break;
                default: return -1;
                }
        }
        return 0;
}

/*
 * argv: "__monitor" PHASE ID [OPTIONS].  Both phases write their answer on
 * fd 3 (the holder's pipe): the starter "ok PID" / "err STATUS MESSAGE", the
 * reaper "restart" / "done".
 */
int cell_monitor_main(int argc, char **argv, const struct cell_runtime *rt,
                      const struct cell_monitor_callbacks *cb)
{
        if (argc < 3) {
                fprintf(stderr, "cell: __monitor: usage: __monitor start|exited ID [OPTIONS]\n");
                return 125;
        }
        const char *phase = argv[1], *id = argv[2];
        struct phase_args p;
        if (parse_phase_args(argc - 2, argv + 2, &p) < 0) {
                fprintf(stderr, "cell: __monitor: bad arguments\n");
                return 125;
        }
        if (fcntl(3, F_GETFD) < 0) {
                fprintf(stderr, "cell: __monitor: fd 3 is not open: run by the monitor only\n");
                return 125;
        }
        /* fd 3 stays open across an exec: the runtime may re-execute this
         * very process (runtime/dmz.h); the container's init does not get
         * it (the runtime closes what is above its stdio). */
        if (strcmp(phase, "start") == 0) {
                if (!p.bundle) {
                        report_line(3, "err 125 __monitor start: no --bundle\n");
                        return 125;
                }
                struct cell_monitor_start_record rec = {
                        .prepare = p.prepare,
                        .monitor_pid = p.monitor_pid ? p.monitor_pid : getppid(),
                        .restart_count = p.restart_count,
                        .auto_remove = p.auto_remove,
                };
                return cell_monitor_start_child(rt, id, p.bundle, p.console_socket, cb,
                                                p.record ? &rec : NULL, 3);
        }
        if (strcmp(phase, "exited") == 0) {
                bool restart = cell_monitor_after_exit(rt, id, cb, p.restart, p.restart_max,
                                                       p.restart_count, p.auto_remove, p.status);
                report_line(3, restart ? "restart\n" : "done\n");
                return 0;
        }
        fprintf(stderr, "cell: __monitor: unknown phase \"%s\"\n", phase);
        return 125;
}
