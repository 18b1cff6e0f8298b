/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell_vm_run(): spawn QEMU, speak the protocol (protocol.h) with
 * cell-guest-init, relay stdio and signals, and make sure QEMU is gone on
 * every return.
 *
 * QEMU is spawned with PR_SET_PDEATHSIG=SIGKILL (a SIGKILL of cell takes the VM
 * with it) and in its own process group (a Ctrl-C on the terminal reaches cell,
 * which forwards it to the guest's process, instead of killing QEMU).
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/protocol.h"
#include "vm/vm.h"

#define TAIL_MAX 4096
#define CONSOLE_LINES 12
#define SHUTDOWN_TIMEOUT_MS 10000

/* The last TAIL_MAX bytes of a stream (the console, QEMU's stderr). */
struct tail {
        char buf[TAIL_MAX];
        size_t len;
};

/* An exec's client (cell_vm_exec): its frames go to the guest as session `id`. */
struct exec_client {
        int fd;      /* -1: gone (the session still runs in the guest until its EXIT) */
        bool active; /* the session is in use in the guest */
        unsigned char *in; /* bytes from the client not yet a whole frame */
        size_t in_len;
};

struct vm_run {
        const struct cell_vm_config *cfg;
        pid_t qemu;
        int pidfd, io, console, qemu_stderr, sigfd;
        bool stdin_open;
        unsigned char *out; /* frames not yet written to the guest */
        size_t out_len;
        unsigned char *in; /* bytes from the guest not yet a whole frame */
        size_t in_len;
        struct tail console_tail, qemu_tail;
        bool started, finished, qemu_gone;
        int status;        /* EXIT's status, or ERROR's */
        char *guest_error; /* ERROR's message */
        int qemu_wait_status;
        struct exec_client execs[CELL_VM_SESSIONS_MAX]; /* [0] unused: the VM's own process */
        struct cell_vm_net net; /* tap_fd -1: no network */
};

static void tail_append(struct tail *t, const char *buf, size_t len)
{
        if (len >= TAIL_MAX) {
                buf += len - TAIL_MAX;
                len = TAIL_MAX;
        }
        if (t->len + len > TAIL_MAX) {
                size_t drop = t->len + len - TAIL_MAX;
                memmove(t->buf, t->buf + drop, t->len - drop);
                t->len -= drop;
        }
        memcpy(t->buf + t->len, buf, len);
        t->len += len;
}

/* The last `lines` non-empty lines, each prefixed "  | ", without \r; caller frees. */
static char *tail_lines(const struct tail *t, int lines)
{
        size_t start = t->len;
        int seen = 0;
        while (start > 0 && seen <= lines) {
                start--;
                if (t->buf[start] == '\n' && start + 1 < t->len)
                        seen++;
        }
        if (seen > lines)
                start++;
        char *out = xmalloc((t->len - start) * 2 + 8), *o = out;
        bool line_start = true;
        for (size_t i = start; i < t->len; i++) {
                char c = t->buf[i];
                if (c == '\r' || (c == '\n' && line_start))
                        continue;
                if (line_start) {
                        memcpy(o, "\n  | ", 5);
                        o += 5;
                }
                line_start = c == '\n';
                if (!line_start)
                        *o++ = (c >= ' ' || c == '\t') ? c : '?';
        }
        *o = '\0';
        return out;
}

static int pidfd_open_(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void queue_frame_to(struct vm_run *r, int type, int session, const void *payload,
                           size_t len)
{
        r->out = xrealloc(r->out, r->out_len + CELL_VM_FRAME_HEADER + len);
        cell_vm_frame_header(r->out + r->out_len, type, session, (uint32_t)len);
        if (len)
                memcpy(r->out + r->out_len + CELL_VM_FRAME_HEADER, payload, len);
        r->out_len += CELL_VM_FRAME_HEADER + len;
}

static void queue_frame(struct vm_run *r, int type, const void *payload, size_t len)
{
        queue_frame_to(r, type, 0, payload, len);
}

/* The terminal's size as "<rows> <cols>", from stdin when it is one. */
static int terminal_size(const struct cell_vm_config *c, char *buf, size_t size)
{
        struct winsize ws = {.ws_row = c->rows ? c->rows : 24, .ws_col = c->cols ? c->cols : 80};
        if (c->stdin_fd >= 0)
                ioctl(c->stdin_fd, TIOCGWINSZ, &ws);
        if (!ws.ws_row || !ws.ws_col)
                ws = (struct winsize){.ws_row = 24, .ws_col = 80};
        return snprintf(buf, size, "%u %u", ws.ws_row, ws.ws_col);
}

static void queue_config(struct vm_run *r)
{
        const struct cell_vm_config *c = r->cfg;
        char *buf = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        bool has_path = false;
        for (char *const *a = c->argv; *a; a++)
                fprintf(f, "arg=%s%c", *a, 0);
        for (char *const *e = c->env; e && *e; e++) {
                has_path |= !strncmp(*e, "PATH=", 5);
                fprintf(f, "env=%s%c", *e, 0);
        }
        if (!has_path)
                fprintf(f,
                        "env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin%c",
                        0);
        fprintf(f, "cwd=%s%c", c->cwd ? c->cwd : "/", 0);
        fprintf(f, "uid=%u%cgid=%u%c", (unsigned)c->uid, 0, (unsigned)c->gid, 0);
        fprintf(f, "groups=");
        for (size_t i = 0; i < c->n_groups; i++)
                fprintf(f, "%s%u", i ? "," : "", (unsigned)c->groups[i]);
        fprintf(f, "%c", 0);
        fprintf(f, "hostname=%s%c", c->hostname ? c->hostname : "cell", 0);
        fprintf(f, "rootfs=%s%c",
                c->rootfs_shared ? (c->rootfs_readonly ? "shared-ro" : "shared") : "overlay", 0);
        if (r->net.tap_fd >= 0) {
                _cleanup_free_ char *net = cell_vm_net_record(&r->net);
                fprintf(f, "net=%s%c", net, 0);
        }
        if (c->tty) {
                char size[32];
                unsigned rows = 24, cols = 80;
                terminal_size(c, size, sizeof size);
                sscanf(size, "%u %u", &rows, &cols);
                fprintf(f, "tty=1%crows=%u%ccols=%u%c", 0, rows, 0, cols, 0);
        }
        for (size_t i = 0; i < c->n_shares; i++)
                fprintf(f, "mount=" CELL_VM_SHARE_TAG "%zu %s %s%c", i,
                        c->shares[i].read_only ? "ro" : "rw", c->shares[i].destination, 0);
        fclose(steal_ptr(f));
        queue_frame(r, CELL_VM_CONFIG, buf, len);
        free(buf);
}

static int validate(const struct cell_vm_config *c, struct cell_error *err)
{
        if (!c->argv || !c->argv[0] || !*c->argv[0])
                return cell_error_set(err, EINVAL, "micro-VM: no command to run");
        if (!c->rootfs)
                return cell_error_set(err, EINVAL, "micro-VM: no rootfs");
        struct stat st;
        if (stat(c->rootfs, &st) < 0)
                return cell_error_errno(err, "rootfs %s", c->rootfs);
        if (!S_ISDIR(st.st_mode))
                return cell_error_set(err, ENOTDIR, "rootfs %s", c->rootfs);
        size_t total = 0;
        for (char *const *a = c->argv; *a; a++)
                total += strlen(*a) + 5;
        for (char *const *e = c->env; e && *e; e++)
                total += strlen(*e) + 5;
        if (total + 512 > CELL_VM_FRAME_MAX)
                return cell_error_set(err, E2BIG,
                                      "micro-VM: command and environment exceed %d bytes",
                                      CELL_VM_FRAME_MAX - 512);
        return 0;
}

/* In the child: the three fds QEMU inherits keep their numbers (argv names them). */
static void __attribute__((noreturn))
exec_qemu(char **argv, const int keep[4], int stderr_fd, pid_t parent)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(125);
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(stderr_fd, 1) < 0 || dup2(stderr_fd, 2) < 0)
                _exit(125);
        for (int i = 0; i < 4; i++)
                if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
                        _exit(125);
        execv(argv[0], argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
}

static int spawn(struct vm_run *r, const char *qemu, const char *kernel, const char *init,
                 enum cell_vm_accel accel, struct cell_error *err)
{
        int io[2], con[2], errpipe[2];
        _cleanup_close_ int initrd = cell_vm_initramfs(init, err);
        if (initrd < 0)
                return -1;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io) < 0)
                return cell_error_errno(err, "micro-VM: socketpair");
        r->io = io[0];
        _cleanup_close_ int io_child = io[1];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, con) < 0)
                return cell_error_errno(err, "micro-VM: socketpair");
        r->console = con[0];
        _cleanup_close_ int con_child = con[1];
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return cell_error_errno(err, "micro-VM: pipe");
        r->qemu_stderr = errpipe[0];
        _cleanup_close_ int err_child = errpipe[1];
        _cleanup_free_ char *initrd_path = xasprintf("/proc/self/fd/%d", initrd);
        _cleanup_strv_ char **argv = cell_vm_qemu_argv(r->cfg, qemu, kernel, accel, initrd_path,
                                                       io_child, con_child, err);
        if (!argv)
                return -1;
        if (r->net.tap_fd >= 0)
                argv = cell_vm_qemu_argv_net(argv, &r->net);
        pid_t parent = getpid();
        r->qemu = fork();
        if (r->qemu < 0)
                return cell_error_errno(err, "micro-VM: fork");
        if (r->qemu == 0)
                exec_qemu(argv, (int[4]){io_child, con_child, initrd, r->net.tap_fd}, err_child,
                          parent);
        r->pidfd = pidfd_open_(r->qemu);
        if (r->pidfd < 0)
                return cell_error_errno(err, "micro-VM: pidfd_open of QEMU");
        for (int fd = 0; fd < 3; fd++)
                fcntl((int[]){r->io, r->console, r->qemu_stderr}[fd], F_SETFL, O_NONBLOCK);
        return 0;
}

/* A guest frame of an exec's session: to its client, as session 0. */
static void exec_frame(struct vm_run *r, int type, int session, const char *p, size_t len)
{
        struct exec_client *x = &r->execs[session];
        if (x->fd >= 0) {
                unsigned char hdr[CELL_VM_FRAME_HEADER];
                cell_vm_frame_header(hdr, type, 0, (uint32_t)len);
                if (cell_write_all(x->fd, hdr, sizeof hdr) < 0 ||
                    cell_write_all(x->fd, p, len) < 0) {
                        close(x->fd);
                        x->fd = -1;
                }
        }
        if (type == CELL_VM_EXIT || type == CELL_VM_ERROR) {
                if (x->fd >= 0)
                        close(x->fd);
                free(x->in);
                *x = (struct exec_client){.fd = -1};
        }
}

static void handle_frame(struct vm_run *r, int type, int session, const char *p, size_t len)
{
        const struct cell_vm_config *c = r->cfg;
        if (session != 0) {
                if (session < CELL_VM_SESSIONS_MAX)
                        exec_frame(r, type, session, p, len);
                return;
        }
        switch (type) {
        case CELL_VM_STARTED:
                r->started = true;
                break;
        case CELL_VM_STDOUT:
                cell_write_all(c->stdout_fd, p, len);
                break;
        case CELL_VM_STDERR:
                cell_write_all(c->stderr_fd, p, len);
                break;
        case CELL_VM_EXIT:
        case CELL_VM_ERROR: {
                _cleanup_free_ char *text = xstrndup(p, len);
                char *rest = NULL;
                r->status = (int)strtol(text, &rest, 10);
                if (type == CELL_VM_ERROR) {
                        r->guest_error =
                                xstrdup(rest && *rest == ' ' ? rest + 1 : "unknown failure");
                        if (r->status != 126 && r->status != 127)
                                r->status = 125;
                }
                r->started = r->finished = true;
                queue_frame(r, CELL_VM_ACK, NULL, 0);
                break;
        }
        default:
                break;
        }
}

/* Reads what the guest sent and handles every whole frame; -1 at end of file. */
static int read_io(struct vm_run *r)
{
        for (;;) {
                r->in = xrealloc(r->in, r->in_len + CELL_VM_FRAME_MAX + CELL_VM_FRAME_HEADER);
                ssize_t n = read(r->io, r->in + r->in_len, CELL_VM_FRAME_MAX);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        return -1;
                r->in_len += (size_t)n;
                size_t off = 0;
                while (r->in_len - off >= CELL_VM_FRAME_HEADER) {
                        uint32_t len = cell_vm_frame_length(r->in + off);
                        if (len > CELL_VM_FRAME_MAX)
                                return -1;
                        if (r->in_len - off < CELL_VM_FRAME_HEADER + len)
                                break;
                        handle_frame(r, r->in[off], r->in[off + 1],
                                     (const char *)r->in + off + CELL_VM_FRAME_HEADER, len);
                        off += CELL_VM_FRAME_HEADER + len;
                }
                memmove(r->in, r->in + off, r->in_len - off);
                r->in_len -= off;
        }
}

static void flush_out(struct vm_run *r)
{
        while (r->out_len > 0) {
                ssize_t n = send(r->io, r->out, r->out_len, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        if (errno != EAGAIN)
                                r->out_len = 0; /* the guest is gone: nothing to deliver to */
                        return;
                }
                memmove(r->out, r->out + n, r->out_len - (size_t)n);
                r->out_len -= (size_t)n;
        }
}

static void read_stream(int *fd, struct tail *t, int copy_fd)
{
        char buf[4096];
        for (;;) {
                ssize_t n = read(*fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        close(*fd);
                        *fd = -1;
                        return;
                }
                tail_append(t, buf, (size_t)n);
                if (copy_fd >= 0)
                        cell_write_all(copy_fd, buf, (size_t)n);
        }
}

static void read_stdin(struct vm_run *r)
{
        char buf[CELL_VM_FRAME_MAX];
        ssize_t n = read(r->cfg->stdin_fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                queue_frame(r, CELL_VM_STDIN_EOF, NULL, 0);
                r->stdin_open = false;
                return;
        }
        queue_frame(r, CELL_VM_STDIN, buf, (size_t)n);
}

static void forward_signal(struct vm_run *r)
{
        struct signalfd_siginfo si;
        if (read(r->sigfd, &si, sizeof si) != (ssize_t)sizeof si)
                return;
        char num[32];
        if (si.ssi_signo == SIGWINCH) {
                if (r->cfg->tty)
                        queue_frame(r, CELL_VM_RESIZE, num,
                                    (size_t)terminal_size(r->cfg, num, sizeof num));
                return;
        }
        int len = snprintf(num, sizeof num, "%u", si.ssi_signo);
        queue_frame(r, CELL_VM_SIGNAL, num, (size_t)len);
}

/* A new exec: the first free session, or the connection closed (the client says "busy"). */
static void accept_exec(struct vm_run *r)
{
        int fd = accept4(r->cfg->exec_listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return;
        for (int id = 1; id < CELL_VM_SESSIONS_MAX; id++)
                if (!r->execs[id].active) {
                        r->execs[id] = (struct exec_client){.fd = fd, .active = true};
                        return;
                }
        close(fd);
}

/* What an exec's client sent: its frames, to the guest as its session's. */
static void read_exec(struct vm_run *r, int id)
{
        struct exec_client *x = &r->execs[id];
        x->in = xrealloc(x->in, x->in_len + CELL_VM_FRAME_MAX + CELL_VM_FRAME_HEADER);
        ssize_t n = read(x->fd, x->in + x->in_len, CELL_VM_FRAME_MAX);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) { /* gone: the process runs on to its end, as docker's exec does */
                close(x->fd);
                x->fd = -1;
                return;
        }
        x->in_len += (size_t)n;
        size_t off = 0;
        while (x->in_len - off >= CELL_VM_FRAME_HEADER) {
                uint32_t len = cell_vm_frame_length(x->in + off);
                int type = x->in[off];
                if (len > CELL_VM_FRAME_MAX) {
                        close(x->fd);
                        x->fd = -1;
                        return;
                }
                if (x->in_len - off < CELL_VM_FRAME_HEADER + len)
                        break;
                if (type == CELL_VM_CONFIG || type == CELL_VM_STDIN || type == CELL_VM_STDIN_EOF ||
                    type == CELL_VM_SIGNAL || type == CELL_VM_RESIZE)
                        queue_frame_to(r, type, id, x->in + off + CELL_VM_FRAME_HEADER, len);
                off += CELL_VM_FRAME_HEADER + len;
        }
        memmove(x->in, x->in + off, x->in_len - off);
        x->in_len -= off;
}

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void reap_qemu(struct vm_run *r)
{
        if (r->qemu <= 0 || r->qemu_gone)
                return;
        if (waitpid(r->qemu, &r->qemu_wait_status, 0) == r->qemu)
                r->qemu_gone = true;
}

/* The last words of QEMU (stderr) and of the guest (console), for an error message. */
static char *last_words(const struct vm_run *r)
{
        _cleanup_free_ char *q = tail_lines(&r->qemu_tail, 6);
        _cleanup_free_ char *c = tail_lines(&r->console_tail, CONSOLE_LINES);
        return xasprintf(
                "%s%s%s%s", *q ? "; QEMU said:" : "", q,
                *c ? "; last lines of the guest's console:" : "; the guest's console is empty", c);
}

/* The relay loop: returns when QEMU is gone, or -1 on a boot timeout (QEMU still running). */
static int relay(struct vm_run *r, long boot_deadline)
{
        long shutdown_deadline = -1;
        while (!r->qemu_gone) {
                if (r->finished && shutdown_deadline < 0)
                        shutdown_deadline = now_ms() + SHUTDOWN_TIMEOUT_MS;
                long deadline = r->started ? shutdown_deadline : boot_deadline;
                long wait = deadline < 0 ? -1 : deadline - now_ms();
                if (deadline >= 0 && wait <= 0)
                        return -1;
                bool want_stdin = r->stdin_open && r->out_len < CELL_VM_FRAME_MAX && !r->finished;
                struct pollfd p[7 + CELL_VM_SESSIONS_MAX] = {
                        {.fd = r->pidfd, .events = POLLIN},
                        {.fd = r->io, .events = POLLIN | (r->out_len ? POLLOUT : 0)},
                        {.fd = r->console, .events = POLLIN},
                        {.fd = r->qemu_stderr, .events = POLLIN},
                        {.fd = want_stdin ? r->cfg->stdin_fd : -1, .events = POLLIN},
                        {.fd = r->sigfd, .events = POLLIN},
                        {.fd = r->started && !r->finished ? r->cfg->exec_listen_fd : -1,
                         .events = POLLIN},
                };
                for (int id = 1; id < CELL_VM_SESSIONS_MAX; id++)
                        p[6 + id] = (struct pollfd){.fd = r->execs[id].fd, .events = POLLIN};
                if (poll(p, 7 + CELL_VM_SESSIONS_MAX, (int)wait) < 0 && errno != EINTR)
                        return -1;
                if (p[6].revents)
                        accept_exec(r);
                for (int id = 1; id < CELL_VM_SESSIONS_MAX; id++)
                        if (p[6 + id].revents && r->execs[id].fd >= 0)
                                read_exec(r, id);
                if (p[1].revents & (POLLIN | POLLHUP) && read_io(r) < 0) {
                        close(r->io);
                        r->io = -1;
                }
                if (p[2].revents)
                        read_stream(&r->console, &r->console_tail, r->cfg->console_fd);
                if (p[3].revents)
                        read_stream(&r->qemu_stderr, &r->qemu_tail, -1);
                if (p[4].revents)
                        read_stdin(r);
                if (p[5].revents)
                        forward_signal(r);
                if (r->io >= 0)
                        flush_out(r);
                if (p[0].revents) {
                        /* QEMU is gone: what it wrote before is still in the sockets. */
                        if (r->io >= 0)
                                read_io(r);
                        if (r->console >= 0)
                                read_stream(&r->console, &r->console_tail, r->cfg->console_fd);
                        if (r->qemu_stderr >= 0)
                                read_stream(&r->qemu_stderr, &r->qemu_tail, -1);
                        reap_qemu(r);
                }
        }
        return 0;
}

static void vm_run_release(struct vm_run *r)
{
        if (r->qemu > 0 && !r->qemu_gone) {
                kill(r->qemu, SIGKILL);
                reap_qemu(r);
        }
        int fds[] = {r->pidfd, r->io, r->console, r->qemu_stderr, r->sigfd};
        for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        if (r->net.tap_fd >= 0)
                close(r->net.tap_fd);
        free(r->out);
        free(r->in);
        free(r->guest_error);
        for (int id = 1; id < CELL_VM_SESSIONS_MAX; id++) {
                if (r->execs[id].fd >= 0)
                        close(r->execs[id].fd);
                free(r->execs[id].in);
        }
}

static int block_forwarded_signals(struct vm_run *r, sigset_t *old, struct cell_error *err)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
        sigset_t set;
        sigemptyset(&set);
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
                sigaddset(&set, sigs[i]);
        if (sigprocmask(SIG_BLOCK, &set, old) < 0)
                return cell_error_errno(err, "micro-VM: block signals");
        r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (r->sigfd < 0)
                return cell_error_errno(err, "micro-VM: signalfd");
        return 0;
}

static int result(struct vm_run *r, int timed_out, int *status, struct cell_error *err)
{
        const struct cell_vm_config *c = r->cfg;
        if (timed_out < 0) {
                _cleanup_free_ char *words = last_words(r);
                kill(r->qemu, SIGKILL);
                reap_qemu(r);
                if (!r->started)
                        return cell_error_set(
                                err, ETIMEDOUT,
                                "micro-VM: the guest did not start the process within %d ms%s",
                                c->boot_timeout_ms ? c->boot_timeout_ms : 30000, words);
                return cell_error_set(err, ETIMEDOUT,
                                      "micro-VM: QEMU did not exit after the guest's exit report%s",
                                      words);
        }
        if (r->guest_error) {
                *status = r->status;
                return cell_error_set(err, 0, "%s", r->guest_error);
        }
        if (r->finished) {
                *status = r->status;
                return 0;
        }
        _cleanup_free_ char *words = last_words(r);
        int ws = r->qemu_wait_status;
        if (WIFSIGNALED(ws))
                return cell_error_set(err, 0,
                                      "micro-VM: QEMU was killed by signal %d before the guest "
                                      "reported an exit status%s",
                                      WTERMSIG(ws), words);
        return cell_error_set(
                err, 0,
                "micro-VM: QEMU exited with status %d before the guest reported an exit status%s",
                WEXITSTATUS(ws), words);
}

int cell_vm_run(const struct cell_vm_config *cfg, int *status, struct cell_error *err)
{
        *status = 125;
        if (validate(cfg, err) < 0)
                return -1;
        _cleanup_free_ char *qemu = cfg->qemu ? xstrdup(cfg->qemu) : cell_vm_find_qemu(err);
        if (!qemu)
                return -1;
        _cleanup_free_ char *kernel = cfg->kernel ? xstrdup(cfg->kernel) : cell_vm_find_kernel(err);
        if (!kernel)
                return -1;
        _cleanup_free_ char *init = cfg->init ? xstrdup(cfg->init) : cell_vm_find_init(err);
        if (!init)
                return -1;
        enum cell_vm_accel accel = cfg->accel;
        if (accel == CELL_VM_ACCEL_AUTO) {
                struct cell_vm_accel_info info;
                if (cell_vm_accel_probe(qemu, kernel, init, cfg->accel_cache_dir, &info, err) < 0)
                        return -1;
                accel = info.accel;
        }

        struct vm_run r = {.cfg = cfg,
                           .pidfd = -1,
                           .io = -1,
                           .console = -1,
                           .qemu_stderr = -1,
                           .sigfd = -1,
                           .stdin_open = cfg->stdin_fd >= 0};
        for (int id = 0; id < CELL_VM_SESSIONS_MAX; id++)
                r.execs[id].fd = -1;
        r.net.tap_fd = -1;
        sigset_t old;
        sigprocmask(SIG_SETMASK, NULL, &old);
        int ret = -1;
        if (cfg->forward_signals && block_forwarded_signals(&r, &old, err) < 0)
                goto out;
        if (cfg->netns_path && cell_vm_net_prepare(cfg->netns_path, &r.net, err) < 0)
                goto out;
        queue_config(&r);
        if (!r.stdin_open)
                queue_frame(&r, CELL_VM_STDIN_EOF, NULL, 0);
        if (spawn(&r, qemu, kernel, init, accel, err) < 0)
                goto out;
        flush_out(&r);
        long deadline = now_ms() + (cfg->boot_timeout_ms > 0 ? cfg->boot_timeout_ms : 30000);
        ret = result(&r, relay(&r, deadline), status, err);
out:
        vm_run_release(&r);
        if (cfg->forward_signals)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return ret;
}
