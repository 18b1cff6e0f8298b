/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell_vm_exec(): a process added to a running micro-VM.  The VM's process
 * (cell_vm_run with exec_listen_fd) accepts the connection, gives it a
 * session of the one channel to the guest (protocol.h) and passes the frames
 * on both ways; this side speaks the protocol as if it were session 0.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"
#include "util/xalloc.h"
#include "vm/protocol.h"
#include "vm/vm.h"

struct exec_relay {
        const struct cell_vm_exec_opts *o;
        int sock, sigfd;
        bool stdin_open, started, done;
        int status;
        char *error;
        unsigned char *in;
        size_t in_len;
};

static int send_frame(int sock, int type, const void *payload, size_t len)
{
        unsigned char hdr[CELL_VM_FRAME_HEADER];
        cell_vm_frame_header(hdr, type, 0, (uint32_t)len);
        if (cell_write_all(sock, hdr, sizeof hdr) < 0)
                return -1;
        return len ? cell_write_all(sock, payload, len) : 0;
}

static int send_config(const struct cell_vm_exec_opts *o, int sock)
{
        char *buf = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        for (char *const *a = o->argv; *a; a++)
                fprintf(f, "arg=%s%c", *a, 0);
        for (char *const *e = o->env; e && *e; e++)
                fprintf(f, "env=%s%c", *e, 0);
        fprintf(f, "cwd=%s%cuid=%u%cgid=%u%cgroups=", o->cwd ? o->cwd : "/", 0, (unsigned)o->uid,
                0, (unsigned)o->gid, 0);
        for (size_t i = 0; i < o->n_groups; i++)
                fprintf(f, "%s%u", i ? "," : "", (unsigned)o->groups[i]);
        fprintf(f, "%c", 0);
        if (o->tty) {
                struct winsize ws = {0};
                if (o->stdin_fd < 0 || ioctl(o->stdin_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
                        ws = (struct winsize){.ws_row = 24, .ws_col = 80};
                fprintf(f, "tty=1%crows=%u%ccols=%u%c", 0, ws.ws_row, 0, ws.ws_col, 0);
        }
        fclose(steal_ptr(f));
        int r = len > CELL_VM_FRAME_MAX ? -1 : send_frame(sock, CELL_VM_CONFIG, buf, len);
        free(buf);
        return r;
}

static void handle_frame(struct exec_relay *x, int type, const char *p, size_t len)
{
        switch (type) {
        case CELL_VM_STARTED:
                x->started = true;
                break;
        case CELL_VM_STDOUT:
                cell_write_all(x->o->stdout_fd, p, len);
                break;
        case CELL_VM_STDERR:
                cell_write_all(x->o->stderr_fd, p, len);
                break;
        case CELL_VM_EXIT:
        case CELL_VM_ERROR: {
                _cleanup_free_ char *text = xstrndup(p, len);
                char *rest = NULL;
                x->status = (int)strtol(text, &rest, 10);
                if (type == CELL_VM_ERROR)
                        x->error = xstrdup(rest && *rest == ' ' ? rest + 1 : "unknown failure");
                x->done = x->started = true;
                break;
        }
        default:
                break;
        }
}

/* -1 when the VM's process closed the connection. */
static int read_sock(struct exec_relay *x)
{
        x->in = xrealloc(x->in, x->in_len + CELL_VM_FRAME_MAX + CELL_VM_FRAME_HEADER);
        ssize_t n = read(x->sock, x->in + x->in_len, CELL_VM_FRAME_MAX);
        if (n < 0 && errno == EINTR)
                return 0;
        if (n <= 0)
                return -1;
        x->in_len += (size_t)n;
        size_t off = 0;
        while (x->in_len - off >= CELL_VM_FRAME_HEADER) {
                uint32_t len = cell_vm_frame_length(x->in + off);
                if (len > CELL_VM_FRAME_MAX)
                        return -1;
                if (x->in_len - off < CELL_VM_FRAME_HEADER + len)
                        break;
                handle_frame(x, x->in[off], (const char *)x->in + off + CELL_VM_FRAME_HEADER, len);
                off += CELL_VM_FRAME_HEADER + len;
        }
        memmove(x->in, x->in + off, x->in_len - off);
        x->in_len -= off;
        return 0;
}

static void read_stdin(struct exec_relay *x)
{
        char buf[CELL_VM_FRAME_MAX];
        ssize_t n = read(x->o->stdin_fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                send_frame(x->sock, CELL_VM_STDIN_EOF, NULL, 0);
                x->stdin_open = false;
                return;
        }
        send_frame(x->sock, CELL_VM_STDIN, buf, (size_t)n);
}

static void forward_signal(struct exec_relay *x)
{
        struct signalfd_siginfo si;
        if (read(x->sigfd, &si, sizeof si) != (ssize_t)sizeof si)
                return;
        char text[32];
        if (si.ssi_signo == SIGWINCH) {
                struct winsize ws;
                if (x->o->tty && ioctl(x->o->stdin_fd, TIOCGWINSZ, &ws) == 0) {
                        int n = snprintf(text, sizeof text, "%u %u", ws.ws_row, ws.ws_col);
                        send_frame(x->sock, CELL_VM_RESIZE, text, (size_t)n);
                }
                return;
        }
        int n = snprintf(text, sizeof text, "%u", si.ssi_signo);
        send_frame(x->sock, CELL_VM_SIGNAL, text, (size_t)n);
}

static int relay(struct exec_relay *x, struct cell_error *err)
{
        while (!x->done && !(x->o->detach && x->started)) {
                struct pollfd p[3] = {
                        {.fd = x->sock, .events = POLLIN},
                        {.fd = x->stdin_open && x->started ? x->o->stdin_fd : -1, .events = POLLIN},
                        {.fd = x->sigfd, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return cell_error_errno(err, "micro-VM exec: poll");
                }
                if (p[0].revents && read_sock(x) < 0 && !x->done)
                        return cell_error_set(err, EPIPE,
                                              "micro-VM exec: the VM ended before the process did");
                if (p[1].revents)
                        read_stdin(x);
                if (p[2].revents)
                        forward_signal(x);
        }
        return 0;
}

int cell_vm_exec(const char *socket_path, const struct cell_vm_exec_opts *o, int *status,
                 struct cell_error *err)
{
        *status = 125;
        if (!o->argv || !o->argv[0])
                return cell_error_set(err, EINVAL, "micro-VM exec: no command");
        struct exec_relay x = {.o = o, .sigfd = -1, .stdin_open = o->stdin_fd >= 0 && !o->detach};
        x.sock = cell_socket_connect_unix(socket_path, err);
        if (x.sock < 0)
                return cell_error_prefix(err, "micro-VM exec: the VM does not answer");
        sigset_t set, old;
        sigemptyset(&set);
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
                sigaddset(&set, sigs[i]);
        sigprocmask(SIG_BLOCK, &set, &old);
        x.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        struct termios saved;
        bool raw = o->tty && !o->detach && o->stdin_fd >= 0 && tcgetattr(o->stdin_fd, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                tcsetattr(o->stdin_fd, TCSANOW, &t);
        }
        int r;
        if (send_config(o, x.sock) < 0)
                r = cell_error_set(err, EPIPE, "micro-VM exec: the VM refused the process");
        else if (!x.stdin_open && !o->tty && send_frame(x.sock, CELL_VM_STDIN_EOF, NULL, 0) < 0)
                r = cell_error_set(err, EPIPE, "micro-VM exec: the VM went away");
        else
                r = relay(&x, err);
        if (raw)
                tcsetattr(o->stdin_fd, TCSANOW, &saved);
        close(x.sock);
        if (x.sigfd >= 0)
                close(x.sigfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (r == 0 && x.error) {
                *status = x.status == 126 || x.status == 127 ? x.status : 125;
                r = cell_error_set(err, 0, "%s", x.error); /* the guest's words name the errno */
                err->errnum = x.status == 127 ? ENOENT : x.status == 126 ? EACCES : 0;
        } else if (r == 0) {
                *status = o->detach ? 0 : x.status;
        }
        free(x.error);
        free(x.in);
        return r;
}
