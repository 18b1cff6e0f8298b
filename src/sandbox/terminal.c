/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/terminal.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"
#include "util/xalloc.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define RELAY_BUF_SIZE 4096

/*
 * Open the slave of `master`.  TIOCGPTPEER (Linux 4.13) opens it through the
 * master itself, so a /dev/pts/N path swapped by the container's processes
 * cannot redirect us; ptsname() + open() is the fallback.
 */
static int open_slave(int master, struct cell_error *err)
{
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave >= 0)
                return slave;
        if (errno != EINVAL && errno != ENOTTY)
                return cell_error_errno(err, "terminal: open pty slave (TIOCGPTPEER)");
        char name[64];
        if (ptsname_r(master, name, sizeof(name)) != 0)
                return cell_error_errno(err, "terminal: ptsname");
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return cell_error_errno(err, "terminal: open %s", name);
        return slave;
}

/* Make `slave` fds 0, 1, 2 and, with `session`, the controlling terminal of a new session. */
static int become_tty_owner(int slave, bool session, struct cell_error *err)
{
        /* setsid() fails for a process-group leader; a session leader is already fine. */
        if (session && setsid() < 0 && getsid(0) != getpid())
                return cell_error_errno(err, "terminal: setsid");
        if (session && ioctl(slave, TIOCSCTTY, 0) < 0)
                return cell_error_errno(err, "terminal: set controlling terminal (TIOCSCTTY)");
        for (int fd = 0; fd <= 2; fd++) {
                /* dup2() onto itself would keep O_CLOEXEC: clear it instead. */
                int r = fd == slave ? fcntl(fd, F_SETFD, 0) : dup2(slave, fd);
                if (r < 0)
                        return cell_error_errno(err, "terminal: dup pty slave onto fd %d", fd);
        }
        return 0;
}

int cell_terminal_open_in_container(const struct cell_process *process, int *master_out,
                                    struct cell_error *err)
{
        return cell_terminal_open(process, true, master_out, err);
}

int cell_terminal_open(const struct cell_process *process, bool session, int *master_out,
                       struct cell_error *err)
{
        /* The container's /dev/ptmx: its own devpts instance (newinstance). */
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return cell_error_errno(err, "terminal: open /dev/ptmx");
        if (master <= 2) {
                /* fds 0-2 are about to become the slave: move the master away. */
                int moved = fcntl(master, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        return cell_error_errno(err, "terminal: move pty master");
                close(master);
                master = moved;
        }
        if (grantpt(master) < 0 || unlockpt(master) < 0)
                return cell_error_errno(err, "terminal: unlock pty");
        _cleanup_close_ int slave = open_slave(master, err);
        if (slave < 0)
                return -1;
        if (process->has_console_size) {
                struct winsize ws = {.ws_row = (unsigned short)process->console_height,
                                     .ws_col = (unsigned short)process->console_width};
                if (ioctl(master, TIOCSWINSZ, &ws) < 0)
                        return cell_error_errno(err, "process.consoleSize: set window size");
        }
        if (become_tty_owner(slave, session, err) < 0)
                return -1;
        if (slave <= 2)
                steal_fd(slave); /* it is one of the standard fds now */
        *master_out = steal_fd(master);
        return 0;
}

int cell_console_socket_send_fd(int sock, int master, struct cell_error *err)
{
        /*
         * runc sends the pty's name as the message bytes; receivers (conmon,
         * containerd's shim, recvtty) only need the fd but need >= 1 byte.
         */
        char name[64] = "/dev/ptmx";
        unsigned int n;
        if (ioctl(master, TIOCGPTN, &n) == 0)
                snprintf(name, sizeof(name), "/dev/pts/%u", n);
        if (cell_socket_send_fd(sock, master, name, strlen(name), err) < 0)
                return cell_error_prefix(err, "console socket");
        return 0;
}

int cell_console_socket_send(const char *path, int master, struct cell_error *err)
{
        _cleanup_close_ int sock = cell_socket_connect_unix(path, err);
        if (sock < 0)
                return cell_error_prefix(err, "console socket");
        return cell_console_socket_send_fd(sock, master, err);
}

int cell_recv_fd(int sock, struct cell_error *err)
{
        return cell_socket_recv_fd(sock, NULL, 0, NULL, err);
}

/* ---- foreground relay ---------------------------------------------------- */

/* Retry period for input the pty could not take yet. */
#define RELAY_RETRY_NS (10 * 1000 * 1000)
/* Upper bound of what cell_tty_relay_free() drains from a still-busy pty. */
#define RELAY_DRAIN_MAX (1024 * 1024)

struct cell_tty_relay {
        int master;
        int in_fd;    /* our stdin; -1 after it reached EOF */
        int out_fd;   /* our stdout */
        int tty_fd;   /* our terminal (first tty among 0, 1, 2) or -1 */
        int timer_fd; /* fires while input is pending; -1 until first needed */
        bool restore;
        struct termios saved;
        bool master_eof;
        char pending[RELAY_BUF_SIZE]; /* stdin bytes the pty has not taken yet */
        size_t pending_off, pending_len;
};

static int first_tty(void)
{
        for (int fd = 0; fd <= 2; fd++)
                if (isatty(fd))
                        return fd;
        return -1;
}

/*
 * With stdout not a terminal (captured by a test or a pipe), clear ONLCR on
 * the pty so "\n" is not turned into "\r\n" in the captured output, as
 * runc does.  On a real terminal in raw mode (OPOST off) the pty's ONLCR is
 * what keeps lines from stair-stepping, so it stays.
 */
static void setup_master(int master, int out_fd)
{
        struct termios t;
        if (!isatty(out_fd) && tcgetattr(master, &t) == 0) {
                t.c_oflag &= ~(tcflag_t)ONLCR;
                tcsetattr(master, TCSANOW, &t);
        }
        int flags = fcntl(master, F_GETFL);
        if (flags >= 0)
                fcntl(master, F_SETFL, flags | O_NONBLOCK);
}

struct cell_tty_relay *cell_tty_relay_new(int master)
{
        struct cell_tty_relay *relay = xzalloc(sizeof(*relay));
        relay->master = master;
        relay->in_fd = fcntl(STDIN_FILENO, F_GETFD) >= 0 ? STDIN_FILENO : -1;
        relay->out_fd = STDOUT_FILENO;
        relay->tty_fd = first_tty();
        relay->timer_fd = -1;
        if (relay->in_fd >= 0 && isatty(relay->in_fd) &&
            tcgetattr(relay->in_fd, &relay->saved) == 0) {
                struct termios raw = relay->saved;
                cfmakeraw(&raw);
                relay->restore = tcsetattr(relay->in_fd, TCSANOW, &raw) == 0;
        }
        setup_master(master, relay->out_fd);
        cell_tty_relay_resize(relay);
        return relay;
}

/*
 * While input is pending the timer stands in for stdin: we stop reading
 * stdin (back-pressure) and retry the write when the timer fires, so the
 * caller's poll() loop never blocks inside the relay and keeps handling
 * signals even when the container does not read its terminal.
 */
int cell_tty_relay_poll_fds(struct cell_tty_relay *relay, int *fds)
{
        int n = 0;
        if (!relay->master_eof)
                fds[n++] = relay->master;
        if (relay->pending_len > 0)
                fds[n++] = relay->timer_fd;
        else if (relay->in_fd >= 0)
                fds[n++] = relay->in_fd;
        return n;
}

/*
 * One read from the master to our stdout.  Returns 1 at EOF: when the last
 * slave fd closes, Linux reports EIO on the master rather than 0.
 */
static int relay_output(struct cell_tty_relay *relay)
{
        char buf[RELAY_BUF_SIZE];
        ssize_t n = read(relay->master, buf, sizeof(buf));
        if (n > 0) {
                /* A broken stdout must not stall the container: keep draining. */
                (void)cell_write_all(relay->out_fd, buf, (size_t)n);
                return 0;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        relay->master_eof = true;
        relay->pending_len = 0;
        return 1;
}

static void arm_retry(struct cell_tty_relay *relay, bool on)
{
        if (on && relay->timer_fd < 0)
                relay->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (relay->timer_fd < 0)
                return;
        struct itimerspec its = {.it_value.tv_nsec = on ? RELAY_RETRY_NS : 0};
        timerfd_settime(relay->timer_fd, 0, &its, NULL);
}

/* Write what the pty takes of the pending input; re-arm the retry if not all. */
static void flush_input(struct cell_tty_relay *relay)
{
        while (relay->pending_len > 0 && !relay->master_eof) {
                ssize_t n = write(relay->master, relay->pending + relay->pending_off,
                                  relay->pending_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN) {
                        relay->pending_len = 0; /* EIO: the container side is gone */
                        break;
                }
                if (n < 0) {
                        /* Full: a one-shot timer stands in for stdin until there is room. */
                        arm_retry(relay, true);
                        if (relay->timer_fd < 0)
                                relay->pending_len = 0; /* no timer (EMFILE): drop, never block */
                        return;
                }
                relay->pending_off += (size_t)n;
                relay->pending_len -= (size_t)n;
        }
        relay->pending_off = 0;
        arm_retry(relay, false);
}

int cell_tty_relay_pump(struct cell_tty_relay *relay, int ready_fd)
{
        if (ready_fd == relay->master && !relay->master_eof) {
                int r = relay_output(relay);
                flush_input(relay);
                return r;
        }
        if (ready_fd == relay->timer_fd && relay->timer_fd >= 0) {
                uint64_t expirations;
                (void)!read(relay->timer_fd, &expirations, sizeof(expirations));
                flush_input(relay);
                return relay->master_eof;
        }
        if (ready_fd != relay->in_fd || relay->in_fd < 0 || relay->pending_len > 0)
                return relay->master_eof;
        ssize_t n = read(relay->in_fd, relay->pending, sizeof(relay->pending));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                /* EOF on our stdin: stop reading it, keep relaying output. */
                relay->in_fd = -1;
                return 0;
        }
        relay->pending_off = 0;
        relay->pending_len = (size_t)n;
        flush_input(relay);
        return relay->master_eof;
}

void cell_tty_relay_resize(struct cell_tty_relay *relay)
{
        struct winsize ws;
        if (relay->tty_fd >= 0 && ioctl(relay->tty_fd, TIOCGWINSZ, &ws) == 0)
                ioctl(relay->master, TIOCSWINSZ, &ws);
}

void cell_tty_relay_free(struct cell_tty_relay *relay)
{
        if (!relay)
                return;
        /* Bounded: processes left in the container may still be writing. */
        for (int i = 0; i < RELAY_DRAIN_MAX / RELAY_BUF_SIZE && !relay->master_eof; i++) {
                struct pollfd p = {.fd = relay->master, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0 || relay_output(relay))
                        break;
        }
        if (relay->restore)
                tcsetattr(STDIN_FILENO, TCSADRAIN, &relay->saved);
        if (relay->timer_fd >= 0)
                close(relay->timer_fd);
        free(relay);
}
