/* SPDX-License-Identifier: Apache-2.0 */
#include "util/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* A stream message that carries an fd is read whole: its payload stays small. */
#define RECV_BUF_SIZE 4096

static int connect_addr(int sock, const char *addr_path)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(addr_path) >= sizeof(addr.sun_path)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        strcpy(addr.sun_path, addr_path);
        int r;
        do
                r = connect(sock, (struct sockaddr *)&addr, sizeof(addr));
        while (r < 0 && errno == EINTR);
        return r;
}

/*
 * sun_path holds 107 characters.  A longer path is reached through an
 * O_PATH fd of its directory: the kernel resolves /proc/self/fd/N/name as
 * an ordinary path, so connect() finds the socket.
 */
static int connect_long(int sock, const char *path)
{
        _cleanup_free_ char *dir_copy = xstrdup(path);
        _cleanup_free_ char *base_copy = xstrdup(path);
        _cleanup_close_ int dirfd = open(dirname(dir_copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -1;
        char short_path[108];
        int n = snprintf(short_path, sizeof(short_path), "/proc/self/fd/%d/%s", dirfd,
                         basename(base_copy));
        if (n < 0 || (size_t)n >= sizeof(short_path)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        return connect_addr(sock, short_path);
}

int cell_socket_connect_unix(const char *path, struct cell_error *err)
{
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return cell_error_errno(err, "socket");
        struct sockaddr_un addr;
        int r = strlen(path) < sizeof(addr.sun_path) ? connect_addr(sock, path)
                                                     : connect_long(sock, path);
        if (r < 0)
                return cell_error_errno(err, "connect to %s", path);
        return steal_fd(sock);
}

int cell_socket_send_fd(int sock, int fd, const void *data, size_t len, struct cell_error *err)
{
        if (len == 0)
                return cell_error_set(err, EINVAL, "send fd: empty payload");
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        memset(&control, 0, sizeof(control));
        struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

        ssize_t n;
        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return cell_error_errno(err, "send fd %d", fd);
        /* The fd travelled with the first byte; finish any short write plainly. */
        if ((size_t)n < len && send(sock, (const char *)data + n, len - (size_t)n, MSG_NOSIGNAL) !=
                                       (ssize_t)(len - (size_t)n))
                return cell_error_errno(err, "send fd %d: short write", fd);
        return 0;
}

/* Take the first fd of an SCM_RIGHTS message; close any others. */
static int take_fds(struct msghdr *msg)
{
        int received = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < count; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (received < 0)
                                received = fd;
                        else
                                close(fd);
                }
        }
        return received;
}

int cell_socket_recv_fd(int sock, void *buf, size_t size, size_t *len_out, struct cell_error *err)
{
        char data[RECV_BUF_SIZE];
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return cell_error_errno(err, "receive fd");
        /* On MSG_CTRUNC the kernel has already closed the fds that did not fit. */
        int fd = take_fds(&msg);
        if (n == 0 && fd < 0)
                return cell_error_set(err, 0, "receive fd: connection closed by peer");
        if (fd < 0)
                return cell_error_set(err, 0, "receive fd: message carried no file descriptor");
        size_t copy = (size_t)n < size ? (size_t)n : size;
        if (copy)
                memcpy(buf, data, copy);
        if (len_out)
                *len_out = copy;
        return fd;
}
