/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/attach.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor_attach.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/socket.h"
#include "util/signals.h"

#define DETACH_1 0x10 /* ctrl-p */
#define DETACH_2 0x11 /* ctrl-q */

struct relay {
        int sock;
        bool tty;
        bool saw_detach_1;
        /* the multiplexed stream (no tty): a frame may arrive in pieces */
        unsigned char head[8];
        size_t head_len;
        uint32_t left;
        int stream;
};

static void write_all(int fd, const void *buf, size_t n)
{
        const char *p = buf;
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                p += w;
                n -= (size_t)w;
        }
}

/* Demultiplex `n` bytes of the stream: each frame's payload to stdout or stderr. */
static void demux(struct relay *r, const unsigned char *buf, size_t n)
{
        while (n > 0) {
                if (r->left == 0) {
                        size_t take = sizeof(r->head) - r->head_len;
                        if (take > n)
                                take = n;
                        memcpy(r->head + r->head_len, buf, take);
                        r->head_len += take;
                        buf += take;
                        n -= take;
                        if (r->head_len < sizeof(r->head))
                                return;
                        r->stream = r->head[0];
                        r->left = (uint32_t)r->head[4] << 24 | (uint32_t)r->head[5] << 16 |
                                  (uint32_t)r->head[6] << 8 | r->head[7];
                        r->head_len = 0;
                        continue;
                }
                size_t take = n < r->left ? n : r->left;
                write_all(r->stream == CELL_ATTACH_STDERR ? 2 : 1, buf, take);
                buf += take;
                n -= take;
                r->left -= (uint32_t)take;
        }
}

/* Our input to the container; true when the detach keys were typed. */
static bool forward_input(struct relay *r, const char *buf, size_t n)
{
        for (size_t i = 0; r->tty && i < n; i++) {
                if (r->saw_detach_1 && buf[i] == DETACH_2)
                        return true;
                r->saw_detach_1 = buf[i] == DETACH_1;
        }
        write_all(r->sock, buf, n);
        return false;
}

/* Returns 1 when detached by the keys, 0 when the container hung up. */
static int relay_loop(struct relay *r, bool input)
{
        for (;;) {
                struct pollfd p[2] = {{.fd = r->sock, .events = POLLIN},
                                      {.fd = input ? 0 : -1, .events = POLLIN}};
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return 0;
                }
                if (p[0].revents) {
                        unsigned char buf[16384];
                        ssize_t n = read(r->sock, buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                return 0;
                        if (r->tty)
                                write_all(1, buf, (size_t)n);
                        else
                                demux(r, buf, (size_t)n);
                }
                if (p[1].revents) {
                        char buf[4096];
                        ssize_t n = read(0, buf, sizeof(buf));
                        if (n <= 0)
                                input = false;
                        else if (forward_input(r, buf, (size_t)n))
                                return 1;
                }
        }
}

/*
 * The monitor records the exit right after it hangs up (until then the
 * record reads as exited with an unknown status): wait for its word, or
 * for the monitor to be gone.  Its reaper deletes the runtime container
 * first, which on a busy host took more than the 10 s this waited before
 * (CI saw 255 for a container that exited 9): a minute.
 */
static int final_status(struct cell_engine *e, struct cell_ctr *c, pid_t monitor)
{
        struct cell_error ignored;
        for (int i = 0; i < 2400; i++) {
                if (cell_ctr_reload(e, c, &ignored) < 0)
                        return 0; /* removed: --rm */
                bool monitor_gone = !cell_pid_running(monitor);
                if (c->state.status == CELL_CTR_EXITED && (c->state.monitor_pid == 0 || monitor_gone))
                        return c->state.exit_code < 0 ? 255 : c->state.exit_code;
                nanosleep(&(struct timespec){0, 25 * 1000 * 1000}, NULL);
        }
        return 255;
}

int cell_engine_attach(struct cell_engine *e, struct cell_ctr *c,
                       const struct cell_engine_attach_opts *opts, int *exit_status,
                       struct cell_error *err)
{
        *exit_status = 125;
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0,
                                      "container %s is not running: you cannot attach to a stopped "
                                      "container, start it first",
                                      c->name);
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *path = cell_path_join(dir, CELL_ATTACH_SOCKET);
        pid_t monitor = c->state.monitor_pid;
        struct relay r = {.tty = c->tty};
        r.sock = cell_socket_connect_unix(path, err);
        if (r.sock < 0)
                return cell_error_prefix(err, "cannot attach to %s (only a detached container "
                                              "can be attached)", c->name);
        struct termios saved;
        bool raw = c->tty && isatty(0) && tcgetattr(0, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                cfmakeraw(&t);
                tcsetattr(0, TCSANOW, &t);
        }
        bool input = !opts->no_stdin && (c->tty || c->open_stdin);
        int detached = relay_loop(&r, input);
        if (raw)
                tcsetattr(0, TCSANOW, &saved);
        close(r.sock);
        *exit_status = detached ? 0 : final_status(e, c, monitor);
        return 0;
}
