/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "util/arena.h"
#include "util/cleanup.h"
#include "util/log.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The kernel's struct clone_args (v2), spelled out to avoid header clashes. */
struct clone3_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
                set_tid_size, cgroup;
};

pid_t cell_spawn_clone(uint64_t flags, int pidns_fd, int cgroup_fd, bool *placed, int *pidfd,
                       struct cell_error *err)
{
        _cleanup_close_ int own_pidns = -1;
        if (pidns_fd >= 0) {
                own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (own_pidns < 0)
                        return cell_error_errno(err, "open /proc/self/ns/pid");
                if (setns(pidns_fd, CLONE_NEWPID) < 0)
                        return cell_error_errno(err, "join the pid namespace");
        }
        struct clone3_args args = {.flags = flags | CLONE_PIDFD,
                                   .pidfd = (uint64_t)(uintptr_t)pidfd,
                                   .exit_signal = SIGCHLD};
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        *placed = cgroup_fd >= 0;
        cell_alloc_fork_point(); /* no copy-on-write faults on the heap (util/arena.h) */
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0 && cgroup_fd >= 0) {
                /* Placement can fail (a threaded cgroup, say); the child joins itself. */
                args.flags &= ~CLONE_INTO_CGROUP;
                *placed = false;
                pid = syscall(SYS_clone3, &args, sizeof(args));
        }
        if (pid < 0 && errno == ENOSYS) {
                /* No clone3: a seccomp policy such as Docker's default makes
                 * it fail with ENOSYS so that callers fall back to clone
                 * (valgrind 3.19 too).  clone has no cgroup placement; the
                 * child joins by itself. */
                *placed = false;
                unsigned long legacy = (unsigned long)(args.flags & ~CLONE_INTO_CGROUP);
                pid = syscall(SYS_clone, legacy | SIGCHLD, 0, pidfd, 0, 0);
        }
        if (pid == 0)
                return 0;
        int saved = errno;
        if (own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0)
                cell_warn("return to own pid namespace: %s", cell_strerror(errno));
        if (pid < 0)
                return cell_error_set(err, saved, "clone3");
        return (pid_t)pid;
}

int cell_spawn_start(int sync_fd, pid_t *pid, int *pidfd,
                     const struct cell_spawn_listener *listener, struct cell_error *err)
{
        if (cell_sync_send(sync_fd, CELL_SYNC_START, err) < 0)
                return -1;
        return cell_spawn_await_exec(sync_fd, pid, pidfd, listener, err);
}

int cell_spawn_await_exec(int sync_fd, pid_t *pid, int *pidfd,
                          const struct cell_spawn_listener *listener, struct cell_error *err)
{
        for (;;) {
                struct cell_sync_msg m;
                int fd = -1;
                int r = cell_sync_recv(sync_fd, &m, &fd, err);
                if (r <= 0)
                        return r; /* EOF: exec'd */
                if (m.type == CELL_SYNC_PID) {
                        if (cell_spawn_take_hop(&m, fd, pid, pidfd, err) < 0)
                                return -1;
                        continue;
                }
                if (m.type == CELL_SYNC_SECCOMP && fd >= 0 && listener) {
                        if (listener->forward(listener->ctx, *pid, fd, err) < 0)
                                return -1;
                        continue;
                }
                if (fd >= 0)
                        close(fd);
                if (m.type == CELL_SYNC_ERROR) {
                        err->errnum = m.errnum;
                        memcpy(err->msg, m.msg, sizeof(err->msg));
                        return -1;
                }
                return cell_error_set(err, 0, "unexpected message %d", m.type);
        }
}

int cell_spawn_hop(int sync_fd, struct cell_error *err)
{
        int pidfd = -1;
        /* exit_signal must be 0 with CLONE_PARENT: ours (SIGCHLD) is inherited. */
        cell_alloc_fork_point();
        struct clone3_args args = {.flags = CLONE_PARENT | CLONE_PIDFD,
                                   .pidfd = (uint64_t)(uintptr_t)&pidfd};
        /* The grandchild waits for EOF on `order` before it says anything,
         * so that SYNC_PID always reaches the runtime first. */
        int order[2];
        if (pipe2(order, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        /* Without noNewPrivileges the container's seccomp filter is loaded
         * before we drop our capabilities, which comes before this hop makes
         * us visible (runtime/procsetup.h).  Docker's makes clone3 fail with
         * ENOSYS so that callers fall back to clone; an allow-list without
         * clone3 answers with its default errno, EPERM most often, which
         * clone3 with these flags has no other reason to return. */
        if (pid < 0 && (errno == ENOSYS || errno == EPERM))
                pid = syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD, 0, &pidfd, 0, 0);
        if (pid == 0) {
                close(order[1]);
                char c;
                while (read(order[0], &c, 1) < 0 && errno == EINTR)
                        ;
                close(order[0]);
                return 0;
        }
        if (pid < 0) {
                cell_error_errno(err, "clone3 into the container's pid namespace");
                cell_sync_send_error(sync_fd, err);
                _exit(1);
        }
        struct cell_sync_msg m = {.type = CELL_SYNC_PID, .errnum = (int)pid};
        int r = cell_sync_send_msg_fd(sync_fd, &m, pidfd, err);
        _exit(r < 0 ? 1 : 0);
}

int cell_spawn_take_hop(const struct cell_sync_msg *m, int fd, pid_t *pid, int *pidfd,
                        struct cell_error *err)
{
        if (fd < 0 || m->errnum <= 0)
                return cell_error_set(err, 0, "malformed pid message from the container");
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (*pidfd >= 0)
                close(*pidfd);
        *pidfd = fd;
        *pid = (pid_t)m->errnum;
        return 0;
}
