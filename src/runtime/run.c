/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "runtime/launch.h"
#include "runtime/notify.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/signals.h"

static int run_detached(const struct cell_runtime *rt, const char *id,
                        const struct cell_create_opts *opts, int *exit_status,
                        struct cell_error *err)
{
        if (cell_container_create(rt, id, opts, err) < 0)
                return -1;
        if (cell_container_start(rt, id, err) < 0) {
                struct cell_error ignored;
                cell_container_delete(rt, id, true, &ignored);
                return -1;
        }
        *exit_status = 0;
        return 0;
}

int cell_exit_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}

/* Returns 1 when `pid` has exited (status stored), 0 otherwise. */
static int handle_signal(pid_t pid, int pidfd, struct cell_tty_relay *relay,
                         const struct signalfd_siginfo *si, int *status)
{
        int sig = (int)si->ssi_signo;
        if (sig == SIGCHLD) {
                pid_t p;
                int st;
                while ((p = waitpid(-1, &st, WNOHANG)) > 0)
                        if (p == pid) {
                                *status = st;
                                return 1;
                        }
                return 0;
        }
        if (sig == SIGWINCH && relay) {
                cell_tty_relay_resize(relay);
                return 0;
        }
        if (sig == SIGURG)
                return 0; /* Go runtimes preempt with it; never meant for the container */
        syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        return 0;
}

int cell_wait_foreground(pid_t pid, int pidfd, int pty_master, const sigset_t *all, int *status,
                         struct cell_error *err)
{
        _cleanup_close_ int sfd = signalfd(-1, all, SFD_CLOEXEC);
        if (sfd < 0)
                return cell_error_errno(err, "signalfd");
        struct cell_tty_relay *relay = pty_master >= 0 ? cell_tty_relay_new(pty_master) : NULL;
        int done = 0;
        /* The init may have exited before the signalfd existed. */
        if (waitpid(pid, status, WNOHANG) == pid)
                done = 1;
        while (!done) {
                struct pollfd p[3] = {{.fd = sfd, .events = POLLIN}};
                int relay_fds[2], n = 1;
                int nr = relay ? cell_tty_relay_poll_fds(relay, relay_fds) : 0;
                for (int i = 0; i < nr; i++)
                        p[n++] = (struct pollfd){.fd = relay_fds[i], .events = POLLIN};
                if (poll(p, (nfds_t)n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 1; i < n; i++)
                        if (p[i].revents && cell_tty_relay_pump(relay, p[i].fd) == 1)
                                break;
                struct signalfd_siginfo si;
                if ((p[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
                        done = handle_signal(pid, pidfd, relay, &si, status);
        }
        if (relay)
                cell_tty_relay_free(relay);
        return 0;
}

static void teardown(struct cell_launch *l)
{
        struct cell_error err;
        cell_error_clear(&err);
        cell_launch_close_fds(l, true);
        flock(l->dirfd, LOCK_EX);
        if (cell_container_teardown(l->rt, l->id, l->dirfd, &l->rec, l->spec, l->cgroup, &err) < 0)
                cell_warn("%s", err.msg);
        l->dir_created = false;
        l->pid = 0;
}

static int run_foreground(const struct cell_runtime *rt, const char *id,
                          const struct cell_create_opts *opts, int *exit_status,
                          struct cell_error *err)
{
        sigset_t all, old;
        cell_sigset_fill(&all);
        /* Blocked before the clone, so that no signal meant for the
         * container is lost; the init unblocks them for itself. */
        sigprocmask(SIG_BLOCK, &all, &old);
        struct cell_launch l;
        cell_launch_init(&l);
        int r = cell_launch_create(&l, rt, id, opts, true, err);
        if (r == 0 && cell_spawn_await_exec(l.sync_fd, &l.pid, &l.pidfd, NULL, err) < 0) {
                cell_error_prefix(err, "start container \"%s\"", id);
                cell_launch_abort(&l);
                r = -1;
        }
        if (r == 0) {
                /* Others (kill, delete --force) may act on it while it runs. */
                flock(l.dirfd, LOCK_UN);
                _cleanup_free_ char *state =
                        cell_state_record_json(&l.rec, CELL_STATUS_RUNNING, l.pid);
                const struct cell_hook_context ctx = {.cwd = l.bundle};
                cell_hooks_run_warn(l.spec, CELL_HOOK_POSTSTART, state, &ctx, id);
                /* With a terminal the relay below must run now: the
                 * container is not waited for READY then (its output would
                 * stall meanwhile). */
                if (l.notify_fd >= 0 && l.pty_master < 0 &&
                    cell_notify_relay(l.notify_fd, l.pid, cell_notify_host_socket(), err) < 0)
                        cell_warn("%s", err->msg);
                int status = 0;
                r = cell_wait_foreground(l.pid, l.pidfd, l.pty_master, &all, &status, err);
                *exit_status = cell_exit_code(status);
                if (!opts->keep)
                        teardown(&l);
        }
        cell_launch_release(&l);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int cell_container_run(const struct cell_runtime *rt, const char *id,
                       const struct cell_create_opts *opts, int *exit_status,
                       struct cell_error *err)
{
        if (opts->detach)
                return run_detached(rt, id, opts, exit_status, err);
        return run_foreground(rt, id, opts, exit_status, err);
}
