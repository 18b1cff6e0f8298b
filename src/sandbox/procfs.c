/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A procfs fs context for a pid namespace the caller is not in (mounts.h).
 *
 * procfs shows the pid namespace recorded in its fs context, by default
 * that of the process calling fsopen().  Linux 6.18 takes the namespace as
 * the "pidns" parameter.  Before that, only a process *in* the namespace can
 * make the context, and the container's init must not enter a pid namespace
 * joined by path before pivot_root (runtime/init.c): its processes could
 * reach the init's root, cwd and fds through /proc/<pid>/.  So a helper
 * enters it instead, and is made harmless first:
 *
 *   helper H (a fork, outside the namespace, seen by nobody in it):
 *     keeps only the socket back to us and the namespace fd;
 *     setns(pid) — for its children only, and while it still has the
 *       capabilities that needs;
 *     unshare(user + mount): from here on it holds capabilities only in a
 *       user namespace of its own, which owns nothing but its copy of the
 *       mount table; a process of the container with CAP_SYS_PTRACE that
 *       attached to it would gain nothing over the host;
 *     chroot into an empty detached tmpfs: no parent mount, so no ".."
 *       out of it through /proc/<pid>/root either;
 *   grandchild G (born in the namespace): fsopen("proc"), send it to us
 *     with SCM_RIGHTS, exit.
 *
 * The context records G's pid namespace; we configure, create and mount it.
 */
#include "sandbox/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mount_api.h"
#include "util/socket.h"

/* Failure of the helper or its child: errno is the exit status. */
static __attribute__((noreturn)) void helper_fail(void)
{
        _exit(errno > 0 && errno < 256 ? errno : EIO);
}

/* Only `sock` (as fd 0) and `pidns_fd` (as fd 1) stay open. */
static int keep_only(int sock, int pidns_fd)
{
        int s = fcntl(sock, F_DUPFD_CLOEXEC, 3);
        int p = fcntl(pidns_fd, F_DUPFD_CLOEXEC, 3);
        if (s < 0 || p < 0 || dup2(s, 0) < 0 || dup2(p, 1) < 0)
                return -1;
        return (int)syscall(SYS_close_range, 2, ~0U, 0);
}

/* An empty, parentless tmpfs as root and cwd. */
static int enter_empty_root(void)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -1;
        _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                  MOUNT_ATTR_NOEXEC);
        if (mnt < 0 || fchdir(mnt) < 0 || chroot(".") < 0)
                return -1;
        return chdir("/");
}

static __attribute__((noreturn)) void run_helper(int sock, int pidns_fd)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (keep_only(sock, pidns_fd) < 0)
                helper_fail();
        sock = 0;
        if (setns(1, CLONE_NEWPID) < 0)
                helper_fail();
        close(1);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 || enter_empty_root() < 0)
                helper_fail();
        pid_t child = fork();
        if (child < 0)
                helper_fail();
        if (child == 0) {
                int fs = fsopen("proc", FSOPEN_CLOEXEC);
                if (fs < 0 || cell_socket_send_fd(sock, fs, "p", 1, NULL) < 0)
                        helper_fail();
                _exit(0); /* the fs context lives on in the message */
        }
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : EIO);
}

int cell_procfs_context_by_helper(int pidns_fd)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        pid_t helper = fork();
        if (helper < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                errno = e;
                return -1;
        }
        if (helper == 0)
                run_helper(sv[1], pidns_fd);
        close(sv[1]);
        int fs = cell_socket_recv_fd(sv[0], NULL, 0, NULL, NULL);
        close(sv[0]);
        int status = 0;
        while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
                ;
        if (fs < 0)
                errno = WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EIO;
        return fs;
}

int cell_procfs_context(int pidns_fd)
{
        int fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0)
                return -1;
        if (fsconfig(fs, FSCONFIG_SET_FD, "pidns", NULL, pidns_fd) == 0)
                return fs;
        int e = errno;
        close(fs);
        if (e != EINVAL) { /* a kernel that knows "pidns" but refuses it */
                errno = e;
                return -1;
        }
        return cell_procfs_context_by_helper(pidns_fd);
}
