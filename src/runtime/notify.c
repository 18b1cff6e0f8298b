/* SPDX-License-Identifier: Apache-2.0 */
/* NOTIFY_SOCKET: sd_notify from the container to the caller (notify.h). */
#include "runtime/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define NOTIFY_DIR "notify"
#define NOTIFY_SOCK "notify.sock"
#define BARRIER_TIMEOUT_MS 30000

const char *cell_notify_host_socket(void)
{
        const char *s = getenv("NOTIFY_SOCKET");
        return s && s[0] ? s : NULL;
}

int cell_notify_prepare(int dirfd, const char *state_dir, struct cell_spec *spec,
                        struct cell_error *err)
{
        static const char *const options[] = {"bind", "nosuid", "noexec", "nodev", "ro", NULL};
        if (mkdirat(dirfd, NOTIFY_DIR, 0755) < 0 && errno != EEXIST)
                return cell_error_errno(err, "NOTIFY_SOCKET: make %s/%s", state_dir, NOTIFY_DIR);
        _cleanup_free_ char *source = cell_path_join(state_dir, NOTIFY_DIR);
        cell_spec_add_bind_mount(spec, source, CELL_NOTIFY_DIR_IN_CONTAINER, options);
        return 0;
}

/*
 * Bound through /proc/self/fd: a state directory deep enough would not fit
 * sun_path's 108 bytes, the magic link always does.  Anyone in the
 * container may write to it (0777), as with runc: the container's process
 * may run as any user.
 */
int cell_notify_listen(int dirfd, struct cell_error *err)
{
        _cleanup_close_ int dir = openat(dirfd, NOTIFY_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET: open %s", NOTIFY_DIR);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/" NOTIFY_SOCK, dir);
        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET: socket");
        unlinkat(dir, NOTIFY_SOCK, 0); /* from a start that failed */
        /* Born 0777: a chmod by name afterwards would follow whatever a
         * container that can write there (CAP_SYS_ADMIN remounts the
         * directory rw) swapped in for the socket. */
        mode_t old_umask = umask(0);
        int r = bind(sock, (struct sockaddr *)&addr, sizeof(addr));
        umask(old_umask);
        if (r < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET: bind %s/%s", NOTIFY_DIR, NOTIFY_SOCK);
        return steal_fd(sock);
}

static int connect_host(const char *host, struct cell_error *err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        size_t len = strlen(host);
        if (len >= sizeof(addr.sun_path))
                return cell_error_set(err, ENAMETOOLONG, "NOTIFY_SOCKET %s: path too long", host);
        memcpy(addr.sun_path, host, len);
        if (host[0] == '@') /* systemd's spelling of the abstract namespace */
                addr.sun_path[0] = '\0';
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET: socket");
        socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
        if (connect(fd, (struct sockaddr *)&addr, alen) < 0) {
                cell_error_errno(err, "NOTIFY_SOCKET %s: connect", host);
                close(fd);
                return -1;
        }
        return fd;
}

/*
 * sd_notify_barrier(3): BARRIER=1 with the write end of a pipe; the
 * manager closes it once it has processed what came before.  A caller that
 * does not know the protocol never closes it: give up after 30 s, as runc.
 */
static int send_barrier(int fd, const char *host, struct cell_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET: pipe");
        _cleanup_close_ int rd = p[0];
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = {.iov_base = (char *)"BARRIER=1", .iov_len = 9};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &p[1], sizeof(int));
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        close(p[1]);
        if (n < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET %s: send BARRIER=1", host);
        struct pollfd pfd = {.fd = rd, .events = POLLIN};
        int r;
        while ((r = poll(&pfd, 1, BARRIER_TIMEOUT_MS)) < 0 && errno == EINTR)
                ;
        if (r == 0)
                cell_warn("NOTIFY_SOCKET %s: no answer to BARRIER=1 in 30 s, going on", host);
        return 0;
}

static int forward_ready(const char *line, size_t len, pid_t pid, const char *host,
                         struct cell_error *err)
{
        _cleanup_close_ int fd = connect_host(host, err);
        if (fd < 0)
                return -1;
        _cleanup_free_ char *ready = xasprintf("%.*s\n", (int)len, line);
        _cleanup_free_ char *mainpid = xasprintf("MAINPID=%d\n", (int)pid);
        if (send(fd, ready, strlen(ready), MSG_NOSIGNAL) < 0 ||
            send(fd, mainpid, strlen(mainpid), MSG_NOSIGNAL) < 0)
                return cell_error_errno(err, "NOTIFY_SOCKET %s: send", host);
        return send_barrier(fd, host, err);
}

/* The READY= line of a datagram, if it has one. */
static const char *find_ready(const char *buf, size_t n, size_t *len)
{
        for (const char *line = buf; line < buf + n;) {
                const char *end = memchr(line, '\n', (size_t)(buf + n - line));
                size_t l = end ? (size_t)(end - line) : (size_t)(buf + n - line);
                if (l >= 6 && memcmp(line, "READY=", 6) == 0) {
                        *len = l;
                        return line;
                }
                line += l + 1;
        }
        return NULL;
}

int cell_notify_relay(int sock, pid_t pid, const char *host, struct cell_error *err)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return errno == ESRCH ? 0 : cell_error_errno(err, "NOTIFY_SOCKET: pidfd_open");
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        char buf[4096];
        for (;;) {
                int r = poll(p, 2, -1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return cell_error_errno(err, "NOTIFY_SOCKET: poll");
                if (p[0].revents & POLLIN) {
                        ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
                        size_t len;
                        const char *line = n > 0 ? find_ready(buf, (size_t)n, &len) : NULL;
                        if (line)
                                return forward_ready(line, len, pid, host, err);
                } else if (p[1].revents) {
                        return 0; /* exited without READY: nothing to say (runc) */
                }
        }
}
