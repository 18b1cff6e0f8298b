/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals (sandbox/terminal.c) and fd passing (util/socket.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"
#include "util/xalloc.h"
#include "unit.h"

static int open_pty(int *slave)
{
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
                return -1;
        *slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        return *slave < 0 ? -1 : master;
}

/* Read from `fd` until `want` shows up, EOF/EIO, or 5 s pass. */
static char *read_until(int fd, const char *want)
{
        size_t len = 0, cap = 4096;
        char *buf = xzalloc(cap);
        while (len + 1 < cap && !strstr(buf, want)) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 5000) <= 0)
                        break;
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
        }
        return buf;
}

static void test_send_recv_pty_master(void)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        int slave = -1;
        int master = open_pty(&slave);
        CHECK(master >= 0);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_console_socket_send_fd(sv[0], master, &err), 0);
        int received = cell_recv_fd(sv[1], &err);
        CHECK(received >= 0 && received != master);
        CHECK(fcntl(received, F_GETFD) & FD_CLOEXEC);
        close(master);

        CHECK(write(slave, "hello\n", 6) == 6);
        _cleanup_free_ char *got = read_until(received, "\n");
        CHECK_STR_EQ(got, "hello\r\n"); /* the pty's default ONLCR */
        close(received);
        close(slave);
        close(sv[0]);
        close(sv[1]);
}

/* The bytes that travel with the fd: the pty's name, as runc sends it. */
static void test_payload_is_pty_name(void)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        int slave = -1;
        int master = open_pty(&slave);
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_console_socket_send_fd(sv[0], master, &err), 0);
        char name[64] = "";
        size_t len = 0;
        int received = cell_socket_recv_fd(sv[1], name, sizeof(name) - 1, &len, &err);
        CHECK(received >= 0);
        name[len] = '\0';
        CHECK_STR_EQ(name, ptsname(master));
        close(received);
        close(master);
        close(slave);
        close(sv[0]);
        close(sv[1]);
}

static void test_recv_errors(void)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        struct cell_error err = {0};
        CHECK(write(sv[0], "x", 1) == 1);
        CHECK_INT_EQ(cell_recv_fd(sv[1], &err), -1);
        CHECK_STR_EQ(err.msg, "receive fd: message carried no file descriptor");
        close(sv[0]);
        CHECK_INT_EQ(cell_recv_fd(sv[1], &err), -1);
        CHECK_STR_EQ(err.msg, "receive fd: connection closed by peer");
        close(sv[1]);
}

/* --console-socket by path: a listener in `dir`, the pty master sent to it. */
static void send_via_path(const char *dir)
{
        _cleanup_free_ char *path = xasprintf("%s/console.sock", dir);
        struct cell_error err = {0};
        _cleanup_close_ int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/console.sock", dirfd);
        CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0);
        CHECK(listen(listener, 1) == 0);
        int slave = -1;
        int master = open_pty(&slave);
        int sent = cell_console_socket_send(path, master, &err);
        CHECK_INT_EQ(sent, 0);
        if (sent == 0) {
                _cleanup_close_ int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
                int received = cell_recv_fd(conn, &err);
                struct stat a, b;
                CHECK(received >= 0 && fstat(received, &a) == 0 && fstat(master, &b) == 0);
                CHECK(a.st_rdev == b.st_rdev);
                close(received);
        } else {
                fprintf(stderr, "  error: %s\n", err.msg);
        }
        close(master);
        close(slave);
        unlink(path);
}

static void test_console_socket_path(void)
{
        char dir[] = "/tmp/cell-test-terminal-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        send_via_path(dir);
        /* A socket path longer than sun_path (108 bytes). */
        char sub[130];
        memset(sub, 'd', sizeof(sub) - 1);
        sub[sizeof(sub) - 1] = '\0';
        _cleanup_free_ char *long_dir = xasprintf("%s/%s", dir, sub);
        CHECK(mkdir(long_dir, 0700) == 0);
        send_via_path(long_dir);
        CHECK(rmdir(long_dir) == 0);

        struct cell_error err = {0};
        _cleanup_free_ char *missing = xasprintf("%s/missing.sock", dir);
        CHECK_INT_EQ(cell_console_socket_send(missing, 0, &err), -1);
        CHECK_CONTAINS(err.msg, "console socket: connect to ");
        CHECK_CONTAINS(err.msg, "missing.sock: No such file or directory");
        CHECK(rmdir(dir) == 0);
}

/*
 * The container side, in a child: a new pty becomes its controlling
 * terminal and stdio; the master travels to us over a socketpair.
 */
static int container_side(int sock)
{
        struct cell_process p = {
                .has_console_size = true, .console_height = 40, .console_width = 100};
        struct cell_error err = {0};
        int master = -1;
        if (cell_terminal_open_in_container(&p, &master, &err) < 0)
                return 10;
        if (cell_console_socket_send_fd(sock, master, &err) < 0)
                return 11;
        close(master);
        struct winsize ws;
        if (!isatty(0) || !isatty(1) || !isatty(2) || tcgetsid(0) != getpid())
                return 12;
        if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 40 || ws.ws_col != 100)
                return 13;
        if (fcntl(0, F_GETFD) & FD_CLOEXEC)
                return 14;
        /* write(), not stdio: the child leaves with _exit(), unflushed. */
        if (write(1, "from-the-container\n", 19) != 19)
                return 15;
        return 0;
}

static void test_open_in_container(void)
{
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
                _exit(container_side(sv[1]));
        close(sv[1]);
        struct cell_error err = {0};
        int master = cell_recv_fd(sv[0], &err);
        CHECK(master >= 0);
        _cleanup_free_ char *got = read_until(master, "container\r\n");
        CHECK_STR_EQ(got, "from-the-container\r\n");
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK_INT_EQ(WEXITSTATUS(status), 0);
        close(master);
        close(sv[0]);
}

/* One poll of the relay's fds, pumping what is ready; 1 when the master hit EOF. */
static int relay_round(struct cell_tty_relay *relay, int *n_fds)
{
        int fds[2];
        int n = cell_tty_relay_poll_fds(relay, fds);
        *n_fds = n;
        struct pollfd p[2];
        for (int i = 0; i < n; i++)
                p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (poll(p, (nfds_t)n, 100) < 0)
                return -1;
        for (int i = 0; i < n; i++)
                if (p[i].revents && cell_tty_relay_pump(relay, p[i].fd) == 1)
                        return 1;
        return 0;
}

/*
 * The relay, in a child whose stdin is a pipe holding "typed\n" (then EOF)
 * and whose stdout is a pipe to us; the pty slave stands in for the
 * container.  Returns 0 or a failure code.
 */
static int relay_side(int out_wr)
{
        int in[2];
        if (pipe(in) < 0 || write(in[1], "typed\n", 6) != 6)
                return 20;
        close(in[1]);
        if (dup2(in[0], 0) < 0 || dup2(out_wr, 1) < 0)
                return 21;
        int slave = -1;
        int master = open_pty(&slave);
        struct termios t;
        tcgetattr(slave, &t);
        t.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(slave, TCSANOW, &t);

        struct cell_tty_relay *relay = cell_tty_relay_new(master);
        /* Phase 1: stdin is copied to the master until its EOF; then it is no longer polled. */
        int n = 2;
        for (int i = 0; i < 50 && n == 2; i++)
                if (relay_round(relay, &n) != 0)
                        return 22;
        if (n != 1)
                return 23;
        char line[64] = "";
        if (read(slave, line, sizeof(line) - 1) != 6 || strcmp(line, "typed\n") != 0)
                return 24;
        /* Phase 2: output is copied to stdout until the "container" closes the pty. */
        if (write(slave, "out\nline\n", 9) != 9)
                return 25;
        close(slave);
        int eof = 0;
        for (int i = 0; i < 50 && eof == 0; i++)
                eof = relay_round(relay, &n);
        cell_tty_relay_free(relay);
        close(master);
        return eof == 1 ? 0 : 26;
}

static void test_relay(void)
{
        int out[2];
        CHECK(pipe(out) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                close(out[0]);
                _exit(relay_side(out[1]));
        }
        close(out[1]);
        char buf[256] = "";
        ssize_t len = cell_read_all(out[0], buf, sizeof(buf) - 1);
        close(out[0]);
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK_INT_EQ(WEXITSTATUS(status), 0);
        /* stdout is a pipe, not a tty: ONLCR was cleared, as runc does. */
        CHECK_INT_EQ(len, 9);
        CHECK_STR_EQ(buf, "out\nline\n");
}

/*
 * Back-pressure: stdin holds more than the pty takes while the "container"
 * does not read.  The relay must neither block (each round returns within
 * its poll timeout) nor read stdin meanwhile, and must deliver every byte
 * once the slave is read.
 */
static int backpressure_side(void)
{
        enum { TOTAL = 100 * 1024 };
        int in = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        char chunk[1024];
        memset(chunk, 'x', sizeof(chunk));
        for (int i = 0; i < TOTAL / 1024; i++)
                if (in < 0 || write(in, chunk, sizeof(chunk)) != sizeof(chunk))
                        return 30;
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (lseek(in, 0, SEEK_SET) != 0 || dup2(in, 0) < 0 || dup2(devnull, 1) < 0)
                return 31;
        int slave = -1;
        int master = open_pty(&slave);
        struct termios t;
        tcgetattr(slave, &t);
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
        fcntl(slave, F_SETFL, O_NONBLOCK);

        struct cell_tty_relay *relay = cell_tty_relay_new(master);
        bool held_back = false;
        for (int i = 0; i < 30; i++) {
                int fds[2], n;
                if (relay_round(relay, &n) != 0)
                        return 32;
                n = cell_tty_relay_poll_fds(relay, fds);
                held_back |= n == 2 && fds[1] != 0;
        }
        if (!held_back)
                return 33;
        size_t got = 0;
        int n = 2;
        for (int i = 0; i < 5000 && (got < TOTAL || n == 2); i++) {
                if (relay_round(relay, &n) != 0)
                        return 34;
                ssize_t r;
                while ((r = read(slave, chunk, sizeof(chunk))) > 0)
                        got += (size_t)r;
        }
        cell_tty_relay_free(relay);
        close(master);
        close(slave);
        return got == TOTAL && n == 1 ? 0 : 35;
}

static void test_relay_backpressure(void)
{
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
                _exit(backpressure_side());
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK_INT_EQ(WEXITSTATUS(status), 0);
}

UNIT_MAIN(UNIT_TEST(test_send_recv_pty_master), UNIT_TEST(test_payload_is_pty_name),
          UNIT_TEST(test_recv_errors), UNIT_TEST(test_console_socket_path),
          UNIT_TEST(test_open_in_container), UNIT_TEST(test_relay),
          UNIT_TEST(test_relay_backpressure))
