/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell-monitor: the holder of a detached container (engine/monitor.h).
 *
 *   cell-monitor --id ID --bundle B --log FILE [--tty] [--rm]
 *                --restart POLICY --restart-max N --restart-count N -- CELL...
 *
 * CELL... is how to run cell's hidden verb (`cell --storage S --runroot R
 * __monitor`).  fd 3 is the pipe to `cell run -d`: the first start's
 * report ("ok PID" / "err STATUS MESSAGE") goes there, then it is closed.
 *
 * A static program of its own that links libc and json-c only: it lives
 * as long as the container and must stay under 1 MB of RSS, which no
 * process of cell (dynamic glibc, libcurl...) does.  Each start and each
 * exit runs cell for the work that needs the runtime library and the
 * engine's record, as a short-lived child:
 *
 *   start:  CELL... start ID --bundle B [--console-socket P] ...   answers on its fd 3
 *   exit:   CELL... exited ID --status S ...                        "restart" / "done"
 *
 * It is a child subreaper, so the container's init (the starter's child)
 * becomes its child when the starter exits, and is reaped here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor_attach.h"
#include "engine/monitor_log.h"

struct holder {
        const char *id, *bundle, *log_path, *restart;
        bool tty, auto_remove, open_stdin;
        int restart_max, restart_count;
        int restarts; /* done by this holder */
        char **cell; /* CELL... (NULL-terminated) */
        int n_cell;
        int report; /* fd 3 until the first start reported, then -1 */
        int out[2], err[2];
        int in[2]; /* the container's stdin with --stdin (no tty) */
        char dir[4096]; /* the log's directory: the container's */
        struct cell_attach_hub *hub;
        int lsock;
        char sock_path[4200];
        int master;
        int sfd;
        struct cell_log_writer *log;
};

static void write_all(int fd, const char *s, size_t n)
{
        while (n > 0) {
                ssize_t r = write(fd, s, n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return;
                s += r;
                n -= (size_t)r;
        }
}

/* A line for the log's stderr stream: what went wrong in the monitor itself. */
static void note(struct holder *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct holder *h, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n > sizeof(buf) - 2)
                n = (int)sizeof(buf) - 2;
        buf[n++] = '\n';
        if (h->log) {
                cell_log_writer_feed(h->log, CELL_LOG_STDERR, "cell-monitor: ", 14);
                cell_log_writer_feed(h->log, CELL_LOG_STDERR, buf, (size_t)n);
        }
}

static int parse_args(struct holder *h, int argc, char **argv)
{
        static const struct option longopts[] = {
                {"id", required_argument, NULL, 'i'},
                {"bundle", required_argument, NULL, 'b'},
                {"log", required_argument, NULL, 'l'},
                {"tty", no_argument, NULL, 't'},
                {"rm", no_argument, NULL, 'R'},
                {"stdin", no_argument, NULL, 's'},
                {"restart", required_argument, NULL, 'r'},
                {"restart-max", required_argument, NULL, 'm'},
                {"restart-count", required_argument, NULL, 'n'},
                {0},
        };
        h->restart = "no";
        int c;
        while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
                switch (c) {
                case 'i': h->id = optarg; break;
                case 'b': h->bundle = optarg; break;
                case 'l': h->log_path = optarg; break;
                case 't': h->tty = true; break;
                case 'R': h->auto_remove = true; break;
                case 's': h->open_stdin = true; break;
                case 'r': h->restart = optarg; break;
                case 'm': h->restart_max = atoi(optarg); break;
                case 'n': h->restart_count = atoi(optarg); break;
                default: return -1;
                }
        }
        if (!h->id || !h->bundle || !h->log_path || optind >= argc)
                return -1;
        h->cell = argv + optind;
        h->n_cell = argc - optind;
        return 0;
}

static int recv_master(int lsock)
{
        int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return -1;
        char byte[64];
        struct iovec iov = {.iov_base = byte, .iov_len = sizeof(byte)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf)};
        int fd = -1;
        if (recvmsg(c, &msg, MSG_CMSG_CLOEXEC) >= 0) {
                struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
                if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        }
        close(c);
        return fd;
}

/* Run CELL... PHASE ID ARGS with fds 0-2 as given and a pipe on 3; the answer line in `line`. */
static int run_cell(struct holder *h, const char *const *extra, int in, int out, int err,
                    char *line, size_t size)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        char *argv[64];
        int n = 0;
        for (int i = 0; i < h->n_cell && n < 40; i++)
                argv[n++] = h->cell[i];
        for (int i = 0; extra[i] && n < 63; i++)
                argv[n++] = (char *)extra[i];
        argv[n] = NULL;
        pid_t c = fork();
        if (c == 0) {
                int fds[4] = {in, out, err, p[1]}, high[4];
                for (int i = 0; i < 4; i++)
                        high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
                for (int i = 0; i < 4; i++)
                        if (high[i] < 0 || dup2(high[i], i) < 0)
                                _exit(125);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execv(argv[0], argv);
                dprintf(3, "err 125 execute %s: %s\n", argv[0], strerror(errno));
                _exit(125);
        }
        close(p[1]);
        size_t got = 0;
        line[0] = '\0';
        while (c > 0 && got + 1 < size) {
                ssize_t r = read(p[0], line + got, size - 1 - got);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        line[got] = '\0';
        char *nl = strchr(line, '\n');
        if (nl)
                *nl = '\0';
        close(p[0]);
        while (c > 0 && waitpid(c, NULL, 0) < 0 && errno == EINTR)
                ;
        return c > 0 ? 0 : -1;
}

/* The starter: 0 and the init's pid, or the start's exit status (125-127). */
static int start(struct holder *h, pid_t *pid, char *line, size_t size)
{
        char count[32], mpid[32];
        snprintf(count, sizeof(count), "--restart-count=%d", h->restart_count);
        snprintf(mpid, sizeof(mpid), "--monitor-pid=%ld", (long)getpid());
        const char *extra[16] = {"start", h->id, "--bundle", h->bundle, count, mpid};
        int n = 6;
        if (h->auto_remove)
                extra[n++] = "--rm";
        if (h->restarts > 0)
                extra[n++] = "--prepare";
        if (h->tty) {
                extra[n++] = "--console-socket";
                extra[n++] = h->sock_path;
        }
        extra[n] = NULL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int in = h->in[0] >= 0 ? h->in[0] : null;
        int r = run_cell(h, extra, in, h->tty ? null : h->out[1], h->tty ? null : h->err[1],
                         line, size);
        close(null);
        long v;
        int off = 0;
        if (r == 0 && sscanf(line, "ok %ld", &v) == 1 && v > 0) {
                *pid = (pid_t)v;
                return 0;
        }
        if (r == 0 && sscanf(line, "err %ld %n", &v, &off) == 1 && v > 0)
                return (int)v;
        return 125;
}

/* The reaper: true when the container restarts. */
static bool exited(struct holder *h, int status)
{
        char st[32], max[32], count[32], line[256];
        snprintf(st, sizeof(st), "--status=%d", status);
        snprintf(max, sizeof(max), "--restart-max=%d", h->restart_max);
        snprintf(count, sizeof(count), "--restart-count=%d", h->restart_count);
        const char *extra[16] = {"exited", h->id, st, "--restart", h->restart, max, count};
        int n = 7;
        if (h->auto_remove)
                extra[n++] = "--rm";
        extra[n] = NULL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int r = run_cell(h, extra, null, null, null, line, sizeof(line));
        close(null);
        if (r < 0 || strcmp(line, "done") != 0) {
                if (strcmp(line, "restart") == 0)
                        return true;
                note(h, "cell __monitor exited: %s", line[0] ? line : "no answer");
        }
        return false;
}

static bool pump(struct holder *h, int fd, enum cell_log_stream s)
{
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        cell_log_writer_feed(h->log, s, buf, (size_t)n);
        if (h->hub)
                cell_attach_hub_output(h->hub, s == CELL_LOG_STDERR ? CELL_ATTACH_STDERR
                                                                    : CELL_ATTACH_STDOUT,
                                       buf, (size_t)n);
        return true;
}

static void drain(struct holder *h)
{
        int fds[3] = {h->out[0], h->err[0], h->master};
        for (int i = 0; i < 3; i++) {
                if (fds[i] < 0)
                        continue;
                fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
                char buf[16384];
                ssize_t n;
                while ((n = read(fds[i], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
                        if (n <= 0)
                                continue;
                        cell_log_writer_feed(h->log, i == 1 ? CELL_LOG_STDERR : CELL_LOG_STDOUT,
                                             buf, (size_t)n);
                        if (h->hub)
                                cell_attach_hub_output(h->hub, i == 1 ? CELL_ATTACH_STDERR
                                                                      : CELL_ATTACH_STDOUT,
                                                       buf, (size_t)n);
                }
                if (i < 2)
                        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) & ~O_NONBLOCK);
        }
        cell_log_writer_flush(h->log);
}

/* Log until `pid` exits; its exit status (code, or 128+N after signal N). */
static int hold(struct holder *h, pid_t pid)
{
        int ws = 0;
        bool done = waitpid(pid, &ws, WNOHANG) == pid;
        while (!done) {
                struct pollfd p[4 + 1 + CELL_ATTACH_MAX_CLIENTS];
                int n = 0;
                p[n++] = (struct pollfd){.fd = h->sfd, .events = POLLIN};
                int srcs[3] = {h->out[0], h->err[0], h->master};
                for (int i = 0; i < 3; i++)
                        if (srcs[i] >= 0)
                                p[n++] = (struct pollfd){.fd = srcs[i], .events = POLLIN};
                int first_hub = n;
                if (h->hub)
                        n += cell_attach_hub_poll_fds(h->hub, p + n);
                if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
                        break;
                for (int i = 1; i < first_hub; i++)
                        if (p[i].revents && !pump(h, p[i].fd,
                                                  p[i].fd == h->err[0] ? CELL_LOG_STDERR
                                                                       : CELL_LOG_STDOUT)) {
                                /* The pty's EIO: the other end is closed; the init's exit follows. */
                                if (p[i].fd == h->master) {
                                        close(h->master);
                                        h->master = -1;
                                        if (h->hub)
                                                cell_attach_hub_set_input(h->hub, -1);
                                }
                        }
                for (int i = first_hub; i < n; i++)
                        if (p[i].revents)
                                cell_attach_hub_ready(h->hub, p[i].fd, p[i].revents);
                struct signalfd_siginfo si;
                if ((p[0].revents & POLLIN) && read(h->sfd, &si, sizeof(si)) == sizeof(si)) {
                        pid_t r;
                        int st;
                        while ((r = waitpid(-1, &st, WNOHANG)) > 0)
                                if (r == pid) {
                                        ws = st;
                                        done = true;
                                }
                }
        }
        drain(h);
        if (h->hub)
                cell_attach_hub_hang_up(h->hub);
        if (h->master >= 0) {
                close(h->master);
                h->master = -1;
        }
        if (WIFEXITED(ws))
                return WEXITSTATUS(ws);
        if (WIFSIGNALED(ws))
                return 128 + WTERMSIG(ws);
        return 255;
}

static int setup(struct holder *h)
{
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        h->sfd = signalfd(-1, &chld, SFD_CLOEXEC);
        h->log = cell_log_writer_open(h->log_path);
        if (h->sfd < 0 || !h->log)
                return -1;
        snprintf(h->dir, sizeof(h->dir), "%s", h->log_path);
        char *slash = strrchr(h->dir, '/');
        if (slash)
                *slash = '\0';
        else
                snprintf(h->dir, sizeof(h->dir), ".");
        /* `cell attach` is a nicety: a container runs without it */
        h->hub = cell_attach_hub_open(h->dir, h->tty);
        if (!h->hub)
                note(h, "no attach socket in %s: %s", h->dir, strerror(errno));
        if (h->tty) {
                char name[64];
                snprintf(name, sizeof(name), "console-%ld.sock", (long)getpid());
                h->lsock = cell_hold_listen(h->dir, name, h->sock_path, sizeof(h->sock_path));
                return h->lsock < 0 ? -1 : 0;
        }
        if (pipe2(h->out, O_CLOEXEC) < 0 || pipe2(h->err, O_CLOEXEC) < 0)
                return -1;
        if (h->open_stdin) {
                if (pipe2(h->in, O_CLOEXEC) < 0)
                        return -1;
                if (h->hub)
                        cell_attach_hub_set_input(h->hub, h->in[1]);
        }
        return 0;
}

static void backoff(int restarts)
{
        /* docker's: 100 ms, doubling, at most a minute */
        long ms = 100;
        for (int i = 0; i < restarts && ms < 60000; i++)
                ms *= 2;
        if (ms > 60000)
                ms = 60000;
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void report(struct holder *h, const char *line)
{
        if (h->report < 0)
                return;
        write_all(h->report, line, strlen(line));
        write_all(h->report, "\n", 1);
        close(h->report);
        h->report = -1;
}

int main(int argc, char **argv)
{
        struct holder h = {.report = 3, .out = {-1, -1}, .err = {-1, -1}, .in = {-1, -1}, .lsock = -1,
                           .master = -1, .sfd = -1};
        if (parse_args(&h, argc, argv) < 0) {
                dprintf(3, "err 125 cell-monitor: bad arguments\n");
                return 125;
        }
        if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
                h.report = -1;
        if (setup(&h) < 0) {
                char line[512];
                snprintf(line, sizeof(line), "err 125 cell-monitor: set up %s: %s", h.log_path,
                         strerror(errno));
                report(&h, line);
                return 125;
        }
        for (;;) {
                char line[4096];
                pid_t pid = 0;
                int st = start(&h, &pid, line, sizeof(line));
                if (st != 0) {
                        if (h.report < 0)
                                note(&h, "restart: %s", line);
                        report(&h, line[0] ? line : "err 125 the starter said nothing");
                        break;
                }
                report(&h, line);
                if (h.tty && (h.master = recv_master(h.lsock)) < 0)
                        note(&h, "no terminal from the container: %s", strerror(errno));
                if (h.tty && h.hub)
                        cell_attach_hub_set_input(h.hub, h.master);
                int status = hold(&h, pid);
                if (!exited(&h, status))
                        break;
                backoff(h.restarts);
                h.restart_count++;
                h.restarts++;
        }
        cell_log_writer_close(h.log);
        cell_attach_hub_close(h.hub);
        if (h.tty)
                unlink(h.sock_path);
        return 0;
}
