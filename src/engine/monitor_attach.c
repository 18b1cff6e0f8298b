/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/monitor_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct cell_attach_hub {
        int lsock;
        bool tty;
        int input;
        int clients[CELL_ATTACH_MAX_CLIENTS];
        int n;
        char path[4200];
};

int cell_hold_listen(const char *dir, const char *name, char *path, size_t size)
{
        int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -1;
        unlinkat(dirfd, name, 0);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
        int r = s < 0 ? -1 : bind(s, (struct sockaddr *)&sa, sizeof(sa));
        if (r == 0)
                r = listen(s, 8);
        int e = errno;
        close(dirfd);
        if (r == 0 && (size_t)snprintf(path, size, "%s/%s", dir, name) >= size) {
                r = -1;
                e = ENAMETOOLONG;
        }
        if (r < 0) {
                if (s >= 0)
                        close(s);
                errno = e;
                return -1;
        }
        return s;
}

struct cell_attach_hub *cell_attach_hub_open(const char *dir, bool tty)
{
        struct cell_attach_hub *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        h->tty = tty;
        h->input = -1;
        h->lsock = cell_hold_listen(dir, CELL_ATTACH_SOCKET, h->path, sizeof(h->path));
        if (h->lsock < 0) {
                free(h);
                return NULL;
        }
        return h;
}

void cell_attach_hub_set_input(struct cell_attach_hub *h, int fd)
{
        h->input = fd;
}

int cell_attach_hub_poll_fds(struct cell_attach_hub *h, struct pollfd *p)
{
        int n = 0;
        p[n++] = (struct pollfd){.fd = h->lsock, .events = POLLIN};
        for (int i = 0; i < h->n; i++)
                p[n++] = (struct pollfd){.fd = h->clients[i], .events = POLLIN};
        return n;
}

static void drop(struct cell_attach_hub *h, int i)
{
        close(h->clients[i]);
        h->clients[i] = h->clients[--h->n];
}

static void write_input(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, buf, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                buf += w;
                n -= (size_t)w;
        }
}

void cell_attach_hub_ready(struct cell_attach_hub *h, int fd, short revents)
{
        if (fd == h->lsock) {
                int c = accept4(h->lsock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0)
                        return;
                if (h->n == CELL_ATTACH_MAX_CLIENTS) {
                        close(c);
                        return;
                }
                h->clients[h->n++] = c;
                return;
        }
        for (int i = 0; i < h->n; i++) {
                if (h->clients[i] != fd)
                        continue;
                (void)revents;
                char buf[4096];
                ssize_t r = read(fd, buf, sizeof(buf));
                if (r > 0 && h->input >= 0)
                        write_input(h->input, buf, (size_t)r);
                else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                        drop(h, i);
                return;
        }
}

/* All of it, or the client goes: a client that stalls must not stall the container. */
static bool send_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN) {
                        struct pollfd p = {.fd = fd, .events = POLLOUT};
                        if (poll(&p, 1, 1000) <= 0)
                                return false;
                        continue;
                }
                if (w <= 0)
                        return false;
                buf += w;
                n -= (size_t)w;
        }
        return true;
}

void cell_attach_hub_output(struct cell_attach_hub *h, enum cell_attach_stream s, const char *buf,
                            size_t n)
{
        unsigned char head[8] = {(unsigned char)s, 0, 0, 0, (unsigned char)(n >> 24),
                                 (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                                 (unsigned char)n};
        for (int i = 0; i < h->n;) {
                bool ok = (h->tty || send_all(h->clients[i], (const char *)head, sizeof(head))) &&
                          send_all(h->clients[i], buf, n);
                if (ok)
                        i++;
                else
                        drop(h, i);
        }
}

void cell_attach_hub_hang_up(struct cell_attach_hub *h)
{
        while (h->n > 0)
                drop(h, 0);
}

void cell_attach_hub_close(struct cell_attach_hub *h)
{
        if (!h)
                return;
        cell_attach_hub_hang_up(h);
        close(h->lsock);
        unlink(h->path);
        free(h);
}
