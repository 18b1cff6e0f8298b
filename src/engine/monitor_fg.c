/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The foreground monitor (`cell run` without -d, `start -a`): this process
 * is the holder.  It starts the container through a forked starter, relays
 * the container's output to our stdout/stderr and into ctr.log, forwards
 * signals, reaps, and applies the restart policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/monitor_internal.h"
#include "engine/monitor_log.h"
#include "runtime/launch.h"
#include "util/arena.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/socket.h"
#include "util/xalloc.h"

struct fg {
        const struct cell_monitor_opts *o;
        const struct cell_monitor_callbacks *cb;
        int out_r, out_w, err_r, err_w; /* pipes (no tty) */
        int lsock;                      /* console socket (tty) */
        char *sock_path;
        int master; /* pty master (tty), per start */
        struct cell_log_writer *log;
        sigset_t all, old;
        bool raw;
        struct termios saved;
};

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

/*
 * Listen on "<dir of the log>/console-<pid>.sock".  The path can be longer
 * than sun_path: it is bound through /proc/self/fd/<dirfd>/ and the starter
 * connects the same way (util/socket.h).
 */
int cell_monitor_listen_console(const char *log_path, char **path_out, struct cell_error *err)
{
        _cleanup_free_ char *copy = xstrdup(log_path);
        char *slash = strrchr(copy, '/');
        const char *dir = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
        _cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return cell_error_errno(err, "open %s", dir);
        char name[64];
        snprintf(name, sizeof(name), "console-%ld.sock", (long)getpid());
        unlinkat(dirfd, name, 0);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return cell_error_errno(err, "socket");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
        if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 4) < 0) {
                cell_error_errno(err, "listen on %s/%s", dir, name);
                close(s);
                return -1;
        }
        *path_out = cell_path_join(dir, name);
        return s;
}

int cell_monitor_accept_pty(int lsock, struct cell_error *err)
{
        _cleanup_close_ int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return cell_error_errno(err, "accept the container's terminal");
        char buf[64];
        size_t n;
        int fd = cell_socket_recv_fd(c, buf, sizeof(buf), &n, err);
        if (fd < 0)
                return cell_error_prefix(err, "receive the container's terminal");
        return fd;
}

/* Put `fds[i]` on fd i (i = 0, 1, 2, 3) in a child, whatever numbers they have now. */
static void place_fds(const int fds[4])
{
        int high[4];
        for (int i = 0; i < 4; i++)
                high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        for (int i = 0; i < 4; i++)
                if (high[i] < 0 || dup2(high[i], i) < 0)
                        _exit(125);
}

static int null_fd(void)
{
        return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* Fork the starter; returns the init's pid, or -1 with err and *status. */
static pid_t fg_start(struct fg *f, int *status, struct cell_error *err)
{
        const struct cell_monitor_opts *o = f->o;
        int rp[2];
        if (pipe2(rp, O_CLOEXEC) < 0) {
                *status = 125;
                return cell_error_errno(err, "pipe");
        }
        struct cell_argv argv = {0};
        if (cell_monitor_verb_prefix(o, &argv, err) < 0) {
                close(rp[0]);
                close(rp[1]);
                *status = 125;
                return -1;
        }
        cell_argv_push(&argv, "start");
        cell_argv_push(&argv, o->id);
        cell_argv_push(&argv, "--bundle");
        cell_argv_push(&argv, o->bundle);
        cell_argv_push(&argv, "--no-record");
        if (f->sock_path) {
                cell_argv_push(&argv, "--console-socket");
                cell_argv_push(&argv, f->sock_path);
        }
        /* no copy-on-write faults on the heap, in the starter or here (util/arena.h) */
        cell_alloc_fork_point();
        pid_t d = fork();
        if (d == 0) {
                int null = null_fd();
                int fds[4] = {
                        o->open_stdin && !o->tty ? 0 : null,
                        f->out_w >= 0 ? f->out_w : null,
                        f->err_w >= 0 ? f->err_w : null,
                        rp[1],
                };
                /* The record stays ours to write; the starter only claims it, so that
                 * an rm -f of a container whose `cell run` was killed meanwhile cannot
                 * race it (engine/monitor.h).  Before the fds move: the claim reads
                 * the record.  A re-execution (runtime/dmz.h) drops the lock and the
                 * new image claims again (`__monitor start --no-record`). */
                struct cell_error cerr;
                cell_error_clear(&cerr);
                if (f->cb && f->cb->claim && f->cb->claim(f->cb->data, &cerr) < 0) {
                        dprintf(rp[1], "err 125 %s\n", cerr.msg);
                        _exit(125);
                }
                place_fds(fds);
                sigprocmask(SIG_SETMASK, &f->old, NULL);
                struct cell_runtime rt = *o->rt;
                rt.self_argv = argv.v;
                _exit(cell_monitor_start_child(&rt, o->id, o->bundle, f->sock_path, NULL, NULL, 3));
        }
        close(rp[1]);
        cell_argv_release(&argv);
        if (d < 0) {
                close(rp[0]);
                *status = 125;
                return cell_error_errno(err, "fork");
        }
        char line[CELL_ERROR_MSG_MAX + 32];
        int got = cell_monitor_read_report(rp[0], line, sizeof(line));
        close(rp[0]);
        while (waitpid(d, NULL, 0) < 0 && errno == EINTR)
                ;
        pid_t pid = -1;
        if (got < 0)
                line[0] = '\0';
        if (cell_monitor_parse_report(line, &pid, status, err) < 0) {
                /* A starter that died half-way left its init to us. */
                struct cell_error ignored;
                cell_container_delete(o->rt, o->id, true, &ignored);
                return -1;
        }
        return pid;
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

/* Copy what `fd` has to `out` and the log; returns 0 at EOF (or EIO of a pty), 1 otherwise. */
static int pump(struct fg *f, int fd, int out, enum cell_log_stream s)
{
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 1;
        if (n <= 0)
                return 0;
        write_all(out, buf, (size_t)n);
        cell_log_writer_feed(f->log, s, buf, (size_t)n);
        return 1;
}

static void resize(struct fg *f)
{
        struct winsize ws;
        if (f->master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
                ioctl(f->master, TIOCSWINSZ, &ws);
}

static void raw_mode(struct fg *f)
{
        if (!f->o->tty || !isatty(0) || tcgetattr(0, &f->saved) < 0)
                return;
        struct termios t = f->saved;
        cfmakeraw(&t);
        if (tcsetattr(0, TCSANOW, &t) == 0)
                f->raw = true;
}

static void restore_mode(struct fg *f)
{
        if (f->raw)
                tcsetattr(0, TCSANOW, &f->saved);
        f->raw = false;
}

/* Signals: returns true once `pid` exited (its wait status in *wstatus). */
static bool on_signal(struct fg *f, int sfd, pid_t pid, int *wstatus)
{
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                return false;
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
                bool done = false;
                pid_t p;
                int st;
                while ((p = waitpid(-1, &st, WNOHANG)) > 0)
                        if (p == pid) {
                                *wstatus = st;
                                done = true;
                        }
                return done;
        }
        if (sig == SIGWINCH)
                resize(f);
        else if (sig != SIGURG && sig != SIGPIPE)
                kill(pid, sig);
        return false;
}

/* What the pipes or the pty still hold once the init is gone. */
static void drain(struct fg *f)
{
        int fds[3] = {f->out_r, f->err_r, f->master};
        for (int i = 0; i < 3; i++) {
                if (fds[i] < 0)
                        continue;
                fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
                char buf[16384];
                for (;;) {
                        ssize_t n = read(fds[i], buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        write_all(i == 1 ? 2 : 1, buf, (size_t)n);
                        cell_log_writer_feed(f->log, i == 1 ? CELL_LOG_STDERR : CELL_LOG_STDOUT,
                                             buf, (size_t)n);
                }
        }
        cell_log_writer_flush(f->log);
}

/* Relay until `pid` exits; its wait status in *wstatus. */
static int hold(struct fg *f, pid_t pid, int *wstatus, struct cell_error *err)
{
        _cleanup_close_ int sfd = signalfd(-1, &f->all, SFD_CLOEXEC);
        if (sfd < 0)
                return cell_error_errno(err, "signalfd");
        bool stdin_open = f->o->tty && f->o->open_stdin;
        raw_mode(f);
        resize(f);
        /* The init may be gone already, reaped by nobody yet. */
        bool done = waitpid(pid, wstatus, WNOHANG) == pid;
        while (!done) {
                struct pollfd p[4];
                int n = 0;
                p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
                const int srcs[3] = {f->out_r, f->err_r, f->master};
                for (int i = 0; i < 3; i++)
                        if (srcs[i] >= 0)
                                p[n++] = (struct pollfd){.fd = srcs[i], .events = POLLIN};
                if (stdin_open)
                        p[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
                if (poll(p, (nfds_t)n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        restore_mode(f);
                        return cell_error_errno(err, "poll");
                }
                /* Signals first: a resize that came before some input applies to it. */
                if (p[0].revents & POLLIN)
                        done = on_signal(f, sfd, pid, wstatus);
                for (int i = 1; i < n; i++) {
                        if (!p[i].revents)
                                continue;
                        int fd = p[i].fd;
                        if (fd == 0 && stdin_open) {
                                char buf[4096];
                                ssize_t r = read(0, buf, sizeof(buf));
                                if (r > 0)
                                        write_all(f->master, buf, (size_t)r);
                                else if (r == 0 || errno != EINTR)
                                        stdin_open = false;
                        } else if (pump(f, fd, fd == f->err_r ? 2 : 1,
                                        fd == f->err_r ? CELL_LOG_STDERR : CELL_LOG_STDOUT) == 0) {
                                /* EOF (or a pty's EIO): stop polling it, keep waiting. */
                                if (fd == f->master)
                                        close_fd(&f->master);
                                else if (fd == f->out_r)
                                        close_fd(&f->out_r);
                                else
                                        close_fd(&f->err_r);
                        }
                }
        }
        drain(f);
        restore_mode(f);
        close_fd(&f->master);
        return 0;
}

static int fg_setup(struct fg *f, struct cell_error *err)
{
        f->log = cell_log_writer_open(f->o->log_path);
        if (!f->log)
                return cell_error_errno(err, "open the log %s", f->o->log_path);
        if (f->o->tty) {
                f->lsock = cell_monitor_listen_console(f->o->log_path, &f->sock_path, err);
                return f->lsock < 0 ? -1 : 0;
        }
        int p[2], q[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        f->out_r = p[0];
        f->out_w = p[1];
        if (pipe2(q, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        f->err_r = q[0];
        f->err_w = q[1];
        return 0;
}

static void fg_release(struct fg *f)
{
        int *fds[] = {&f->out_r, &f->out_w, &f->err_r, &f->err_w, &f->lsock, &f->master};
        for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
                close_fd(fds[i]);
        if (f->sock_path)
                unlink(f->sock_path);
        free(f->sock_path);
        cell_log_writer_close(f->log);
}

static int run_loop(struct fg *f, pid_t *pid_out, int *exit_status, struct cell_error *err)
{
        const struct cell_monitor_opts *o = f->o;
        const struct cell_monitor_callbacks *cb = f->cb;
        for (int count = o->restart_count;; count++) {
                /* The caller prepared the first start. */
                if (count > o->restart_count && cb && cb->prepare &&
                    cb->prepare(cb->data, err) < 0) {
                        *exit_status = 125;
                        return -1;
                }
                pid_t pid = fg_start(f, exit_status, err);
                if (pid < 0) {
                        struct cell_error e2;
                        cell_error_clear(&e2);
                        if (cb && cb->start_failed &&
                            cb->start_failed(cb->data, *exit_status, err->msg, &e2) < 0)
                                cell_warn("%s", e2.msg);
                        if (o->auto_remove && cb && cb->remove && cb->remove(cb->data, &e2) < 0)
                                cell_warn("%s", e2.msg);
                        return -1;
                }
                if (pid_out)
                        *pid_out = pid;
                if (cb && cb->started && cb->started(cb->data, pid, getpid(), count, err) < 0)
                        cell_warn("%s", err->msg);
                if (f->lsock >= 0 && (f->master = cell_monitor_accept_pty(f->lsock, err)) < 0)
                        kill(pid, SIGKILL);
                int wstatus = 0;
                if (hold(f, pid, &wstatus, err) < 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &wstatus, 0);
                }
                *exit_status = cell_exit_code(wstatus);
                if (!cell_monitor_after_exit(o->rt, o->id, cb, o->restart, o->restart_max, count,
                                             o->auto_remove, *exit_status))
                        return 0;
        }
}

static int run_foreground(const struct cell_monitor_opts *o,
                          const struct cell_monitor_callbacks *cb, pid_t *pid, int *exit_status,
                          struct cell_error *err)
{
        struct fg f = {.o = o, .cb = cb, .out_r = -1, .out_w = -1, .err_r = -1, .err_w = -1,
                       .lsock = -1, .master = -1};
        *exit_status = 125;
        int was_subreaper = 0;
        prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
        /* The starter exits once the init runs: its init becomes ours. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                return cell_error_errno(err, "become a child subreaper");
        cell_sigset_fill(&f.all);
        sigprocmask(SIG_BLOCK, &f.all, &f.old);
        int r = fg_setup(&f, err);
        if (r == 0)
                r = run_loop(&f, pid, exit_status, err);
        fg_release(&f);
        sigprocmask(SIG_SETMASK, &f.old, NULL);
        prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
        return r;
}

int cell_monitor_run(const struct cell_monitor_opts *opts, const struct cell_monitor_callbacks *cb,
                     pid_t *pid, int *exit_status, struct cell_error *err)
{
        if (opts->detach)
                return cell_monitor_run_detached(opts, pid, exit_status, err);
        return run_foreground(opts, cb, pid, exit_status, err);
}
