/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_msg(int fd, const struct cell_sync_msg *m, int passed_fd, struct cell_error *err)
{
        struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (passed_fd >= 0) {
                memset(&control, 0, sizeof(control));
                mh.msg_control = control.buf;
                mh.msg_controllen = sizeof(control.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &passed_fd, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(fd, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return cell_error_errno(err, "sync with container init");
        return 0;
}

int cell_sync_send(int fd, enum cell_sync_type type, struct cell_error *err)
{
        struct cell_sync_msg m = {.type = type};
        return send_msg(fd, &m, -1, err);
}

int cell_sync_send_msg_fd(int fd, const struct cell_sync_msg *m, int passed_fd,
                          struct cell_error *err)
{
        return send_msg(fd, m, passed_fd, err);
}

int cell_sync_send_fd(int fd, enum cell_sync_type type, int passed_fd, struct cell_error *err)
{
        struct cell_sync_msg m = {.type = type};
        return send_msg(fd, &m, passed_fd, err);
}

void cell_sync_send_error(int fd, const struct cell_error *e)
{
        struct cell_sync_msg m = {.type = CELL_SYNC_ERROR, .errnum = e->errnum};
        /* Only the message: the bytes after its NUL were never written
         * (valgrind: sendmsg of uninitialised bytes); the rest stays 0. */
        memcpy(m.msg, e->msg, strnlen(e->msg, sizeof(m.msg) - 1));
        send_msg(fd, &m, -1, NULL);
}

int cell_sync_recv(int fd, struct cell_sync_msg *msg, int *passed_fd, struct cell_error *err)
{
        struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } control;
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = control.buf,
                            .msg_controllen = sizeof(control.buf)};
        if (passed_fd)
                *passed_fd = -1;
        ssize_t n;
        do
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return cell_error_errno(err, "sync with container init");
        if (n == 0)
                return 0;
        if ((size_t)n < offsetof(struct cell_sync_msg, msg))
                return cell_error_set(err, 0, "sync with container init: short message");
        /* cell-dmz sends only as much of the text as there is (its NUL
         * included, or not): end it where the message ends. */
        size_t text = (size_t)n - offsetof(struct cell_sync_msg, msg);
        if (text < sizeof(msg->msg))
                msg->msg[text] = '\0';
        msg->msg[sizeof(msg->msg) - 1] = '\0';
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                int got;
                memcpy(&got, CMSG_DATA(c), sizeof(int));
                if (passed_fd)
                        *passed_fd = got;
                else
                        close(got);
        }
        return 1;
}

int cell_sync_expect(int fd, enum cell_sync_type type, struct cell_error *err)
{
        struct cell_sync_msg m;
        int r = cell_sync_recv(fd, &m, NULL, err);
        if (r < 0)
                return -1;
        if (r == 0)
                return cell_error_set(err, 0, "container init exited unexpectedly");
        if (m.type == CELL_SYNC_ERROR) {
                err->errnum = m.errnum;
                memcpy(err->msg, m.msg, sizeof(err->msg));
                return -1;
        }
        if (m.type != (int)type)
                return cell_error_set(err, 0, "sync with container init: unexpected message %d",
                                      m.type);
        return 0;
}
