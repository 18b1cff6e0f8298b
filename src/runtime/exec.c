/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/dmz.h"
#include "runtime/exec_process.h"
#include "vm/vm.h"
#include "runtime/launch.h"
#include "runtime/procsetup.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "sandbox/process.h"
#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/xalloc.h"

/* One exec: what the parent prepares, and what the child reads from its copy. */
struct exec_run {
        const struct cell_exec_opts *opts;
        struct cell_state_record rec;
        enum cell_status status;
        struct cell_spec *spec;
        struct cell_process file_process;
        struct cell_process *process;
        struct cell_cgroup *cgroup;
        struct cell_seccomp_filter *seccomp;
        struct cell_lsm_attr lsm; /* apparmorProfile / selinuxLabel, --apparmor / --process-label */
        bool placed_by_clone;
        pid_t runtime; /* the `cell exec` process, the child's parent */
        int init_pidfd;
        int ns_flags; /* namespaces to join, CLONE_NEWPID excepted */
        int dmz_fd, sync_fd, child_sync;
        pid_t pid;
        int pidfd;
        int pty_master;
};

static void exec_run_release(struct exec_run *x)
{
        int *fds[] = {&x->init_pidfd, &x->dmz_fd, &x->sync_fd,
                      &x->child_sync, &x->pidfd,  &x->pty_master};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(fds); i++)
                if (*fds[i] >= 0)
                        close(steal_fd(*fds[i]));
        cell_process_release(&x->file_process);
        cell_spec_free(x->spec);
        cell_cgroup_free(x->cgroup);
        cell_seccomp_filter_free(x->seccomp);
        cell_lsm_attr_release(&x->lsm);
        cell_state_record_release(&x->rec);
}

/* ---- the child: runs inside the container ---------------------------- */

/*
 * Without noNewPrivileges, the filter is loaded here, before the
 * credential change (runtime/procsetup.h), and its listener fd goes to the
 * runtime at once (SYNC_SECCOMP), which sends it to listenerPath.
 */
static int load_privileged_seccomp(struct exec_run *x, struct cell_error *err)
{
        int notify_fd = -1;
        if (cell_proc_load_privileged_seccomp(x->process, x->seccomp, &notify_fd, err) < 0)
                return -1;
        if (notify_fd < 0)
                return 0;
        int r = cell_sync_send_fd(x->child_sync, CELL_SYNC_SECCOMP, notify_fd, err);
        close(notify_fd);
        return r;
}

/*
 * Join everything of the container but its pid namespace, which setns()
 * only sets for our children: we never enter it.  cell-dmz, execed from a
 * sealed memfd at the end, forks the process into it (CELL_DMZ_HOP), so no
 * clone of cell is ever visible to the container's processes, whatever
 * capabilities they hold (CVE-2019-5736, ptrace): no read-only re-exec of
 * cell is needed.  We still drop to the process' identity first.  The cwd
 * is entered before that, as the init does, and before the seccomp filter
 * (openat2, which a profile need not allow).
 */
/*
 * A container without a mount namespace shares ours: joining its
 * namespaces leaves us at the host's "/", where the init chrooted into
 * the rootfs.  Its root is taken from /proc/<pid>/root (the host's /proc
 * here), checked to be the init's still by its pidfd; -1 with `err`, or
 * an O_PATH fd, or -2 with a mount namespace (setns sets the root).
 */
static int open_init_root(const struct exec_run *x, struct cell_error *err)
{
        if (x->spec->linux.namespaces[CELL_NS_MOUNT].enabled)
                return -2;
        char path[48];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)x->rec.pid);
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_pidfd_send_signal, x->init_pidfd, 0, NULL, 0) < 0) {
                cell_error_errno(err, "open the root of the container's init (%s)", path);
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return fd;
}

static int enter_init_root(int rootfd, struct cell_error *err)
{
        if (rootfd == -2)
                return 0;
        if (fchdir(rootfd) < 0 || chroot(".") < 0)
                return cell_error_errno(err, "enter the root of the container's init");
        return 0;
}

static int exec_child_enter(struct exec_run *x, bool pidns, struct cell_error *err)
{
        const struct cell_process *p = x->process;
        _cleanup_close_ int rootfd = open_init_root(x, err);
        if (rootfd == -1)
                return -1;
        /* The oom score is written while /proc is still one that knows us. */
        if (cell_cgroup_enter_self(x->cgroup, x->placed_by_clone, err) < 0 ||
            cell_sandbox_apply_oom_score_adj(p, err) < 0 ||
            cell_sandbox_apply_rlimits(p, err) < 0 || cell_sandbox_apply_sched(p, err) < 0)
                return -1;
        int flags = x->ns_flags | (pidns ? CLONE_NEWPID : 0);
        if (flags && setns(x->init_pidfd, flags) < 0)
                return cell_error_errno(err, "join the namespaces of pid %d", x->rec.pid);
        close(x->init_pidfd);
        if (enter_init_root(rootfd, err) < 0)
                return -1;
        if (x->spec->linux.namespaces[CELL_NS_USER].enabled &&
            (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                return cell_error_errno(err, "become root in the user namespace");
        bool setgroups_allowed = cell_sandbox_setgroups_allowed();
        int cwd_later = cell_proc_enter_cwd(p->cwd, true, err);
        if (cwd_later < 0 || cell_proc_give_stdio(p->uid, false, err) < 0)
                return -1;
        x->process->env = cell_proc_env_with_home(p->env, p->uid);
        if (load_privileged_seccomp(x, err) < 0 ||
            cell_sandbox_apply_identity(p, setgroups_allowed, err) < 0 ||
            (cwd_later && cell_proc_enter_cwd(p->cwd, false, err) < 0))
                return -1;
        /* The credential change cleared the parent-death signal. */
        if (!x->opts->detach)
                prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* A session of its own, as runc's: out of its caller's process group
         * (kill(0, ...)) and away from its terminal.  After a hop, the
         * process that cell-dmz forks makes its own. */
        if (!pidns)
                setsid();
        return 0;
}

/*
 * With noNewPrivileges, cell-dmz loads the filter last and sends the
 * listener fd over the sync socket as SYNC_SECCOMP, after its SYNC_PID.
 */
static int dmz_filter(struct exec_run *x, struct cell_dmz_filter *out, struct cell_error *err)
{
        struct cell_sync_msg m = {.type = CELL_SYNC_SECCOMP};
        return cell_proc_dmz_filter(x->process, x->seccomp, x->child_sync, &m,
                                    offsetof(struct cell_sync_msg, msg) + 1, out, err);
}

/* The steps after entering; returns only on failure. */
static int exec_child_run(struct exec_run *x, struct cell_error *err)
{
        const struct cell_process *p = x->process;
        bool pidns = x->spec->linux.namespaces[CELL_NS_PID].enabled;
        if (cell_sync_expect(x->child_sync, CELL_SYNC_GO, err) < 0 ||
            exec_child_enter(x, pidns, err) < 0 ||
            cell_proc_send_terminal(p, x->child_sync, !pidns, err) < 0)
                return -1;
        char *exe = cell_proc_find_executable(p->args[0], p->env, err);
        struct cell_dmz_filter filter;
        int with_filter;
        if (!exe || cell_sync_send(x->child_sync, CELL_SYNC_READY, err) < 0 ||
            cell_sync_expect(x->child_sync, CELL_SYNC_START, err) < 0 ||
            (with_filter = dmz_filter(x, &filter, err)) < 0)
                return -1;
        unsigned dmz = pidns ? CELL_DMZ_HOP | (p->terminal ? CELL_DMZ_TTY : 0) |
                                       (x->opts->detach ? 0 : CELL_DMZ_PDEATHSIG)
                             : 0;
        cell_dmz_exec(x->dmz_fd, exe, p->args, p->env, x->child_sync, dmz,
                      with_filter ? &filter : NULL, &x->lsm);
        return cell_error_errno(err, "exec cell-dmz for \"%s\"", p->args[0]);
}

static __attribute__((noreturn)) void exec_child(struct exec_run *x)
{
        struct cell_error err;
        cell_error_clear(&err);
        prctl(PR_SET_DUMPABLE, 0); /* first: see cell_init_main() */
        cell_proc_scrub_environ();
        cell_signals_reset();
        /* Die with the runtime until in the container.  The runtime sends
         * GO before it waits, so a runtime killed before this line leaves
         * no EOF to stop us: then we stop here, before going on to join
         * the container (teardown would not know us for the container's). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != x->runtime)
                _exit(1);
        /* The preserved range 3..3+N-1 passes on as it is: fds of the
         * caller came through execve, so they are not close-on-exec; a
         * hole in that range may hold one of ours, always O_CLOEXEC, which
         * the exec then closes. */
        int keep[] = {x->child_sync, x->dmz_fd, x->init_pidfd};
        cell_proc_close_fds_except(3 + x->opts->preserve_fds, keep, 3);
        exec_child_run(x, &err);
        cell_sync_send_error(x->child_sync, &err);
        _exit(1);
}

/* ---- the parent ------------------------------------------------------ */

static int load_container(struct exec_run *x, const struct cell_runtime *rt, const char *id,
                          struct cell_error *err)
{
        _cleanup_close_ int dirfd = -1;
        if (cell_container_id_validate(id, err) < 0 ||
            cell_state_open(rt->root, id, false, false, &dirfd, err) < 0 ||
            cell_state_read_of(dirfd, id, &x->rec, err) < 0)
                return -1;
        /* its init is the VM's process on the host: joining it would run on the host */
        for (size_t i = 0; i < x->rec.n_annotations; i++)
                if (!strcmp(x->rec.annotations[i].key, CELL_VM_ANNOTATION) &&
                    !strcmp(x->rec.annotations[i].value, "vm"))
                        return cell_error_set(err, ENOTSUP,
                                              "exec into the micro-VM of container %s: not "
                                              "supported by the OCI runtime yet",
                                              id);
        enum cell_status status;
        if (cell_state_status_checked(dirfd, &x->rec, &status, err) < 0)
                return -1;
        x->status = status;
        /* runc's words; a paused container's new process starts frozen. */
        if (status == CELL_STATUS_PAUSED && !x->opts->ignore_paused)
                return cell_error_set(err, 0,
                                      "cannot exec in a paused container (use --ignore-paused "
                                      "to override)");
        if (status == CELL_STATUS_STOPPED || status == CELL_STATUS_CREATING)
                return cell_error_set(err, 0, "cannot exec in a %s container",
                                      cell_status_name(status));
        x->init_pidfd = (int)syscall(SYS_pidfd_open, x->rec.pid, 0);
        if (x->init_pidfd < 0 && errno != ESRCH)
                return cell_error_errno(err, "pidfd_open %d", x->rec.pid);
        int alive = x->init_pidfd < 0 ? 0 : cell_state_pid_check(&x->rec, err);
        if (alive <= 0)
                return alive < 0 ? -1 : cell_error_set(err, 0, "container not running");
        _cleanup_free_ char *path = cell_path_join(x->rec.bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_read_input("config.json", path, false, &text, &len, err) < 0 ||
            cell_spec_parse(text, len, &x->spec, err) < 0)
                return cell_error_prefix(err, "container config");
        return 0;
}

static int prepare(struct exec_run *x, const struct cell_runtime *rt, struct cell_error *err)
{
        const struct cell_exec_opts *o = x->opts;
        if (cell_exec_build_process(o, x->spec, &x->file_process, &x->process, err) < 0)
                return -1;
        const struct cell_process *p = x->process;
        if (cell_lsm_exec_attr("", o->apparmor ? "--apparmor" : "process.apparmorProfile",
                               p->apparmor_profile,
                               o->process_label ? "--process-label" : "process.selinuxLabel",
                               p->selinux_label, &x->lsm, err) < 0)
                return -1;
        /* A container sharing the host's pid namespace has no hop: its
         * processes could see ours, so then cell runs from a read-only view. */
        if (!x->spec->linux.namespaces[CELL_NS_PID].enabled &&
            cell_dmz_protect_self(rt->self_argv, err) < 0)
                return -1;
        if (x->process->terminal && o->detach && !o->console_socket)
                return cell_error_set(err, 0, "--tty with --detach requires --console-socket");
        if (!x->process->terminal && o->console_socket)
                return cell_error_set(err, 0, "--console-socket given without a terminal");
        if (x->rec.cgroup && cell_cgroup_from_string(x->rec.cgroup, &x->cgroup, err) < 0)
                return -1;
        if (o->cgroups && cell_cgroup_descend(x->cgroup, o->cgroups, err) < 0)
                return -1;
        _cleanup_free_ char *cache = cell_path_join(rt->root, ".seccomp-cache");
        if (cell_seccomp_prepare_cached(&x->spec->linux.seccomp, cache, &x->seccomp, err) < 0)
                return -1;
        for (int t = 0; t < CELL_NS__COUNT; t++)
                if (t != CELL_NS_PID && x->spec->linux.namespaces[t].enabled)
                        x->ns_flags |= cell_ns_clone_flag(t);
        int floor = 3 + o->preserve_fds;
        int sp[2];
        if ((x->dmz_fd = cell_dmz_open(err)) < 0)
                return -1;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return cell_error_errno(err, "socketpair");
        x->sync_fd = sp[0];
        x->child_sync = sp[1];
        int *mine[] = {&x->dmz_fd, &x->child_sync, &x->init_pidfd};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(mine); i++) {
                if (*mine[i] >= floor)
                        continue;
                int moved = fcntl(*mine[i], F_DUPFD_CLOEXEC, floor);
                if (moved < 0)
                        return cell_error_errno(err, "fcntl(F_DUPFD_CLOEXEC)");
                close(*mine[i]);
                *mine[i] = moved;
        }
        return 0;
}

static int spawn(struct exec_run *x, struct cell_error *err)
{
        x->runtime = getpid();
        pid_t pid = cell_spawn_clone(0, -1, cell_cgroup_clone_fd(x->cgroup), &x->placed_by_clone,
                                     &x->pidfd, err);
        if (pid == 0)
                exec_child(x);
        if (pid < 0)
                return -1;
        x->pid = pid;
        close(steal_fd(x->child_sync));
        return 0;
}

/*
 * A seccomp listener fd from the process (SYNC_SECCOMP): every exec'd
 * process has a filter of its own, so listenerPath gets each one with the
 * container-process state, as runc sends it (the container's state, the
 * process' pid).
 */
static int forward_listener(void *ctx, pid_t pid, int fd, struct cell_error *err)
{
        struct exec_run *x = ctx;
        _cleanup_close_ int owned = fd;
        const struct cell_seccomp *s = &x->spec->linux.seccomp;
        _cleanup_free_ char *container = cell_state_record_json(&x->rec, x->status, x->rec.pid);
        _cleanup_free_ char *msg = NULL;
        if (!s->listener_path)
                return cell_error_set(err, 0, "a seccomp listener fd without listenerPath");
        if (cell_seccomp_state_json(container, pid, s->listener_metadata, &msg, err) < 0)
                return -1;
        return cell_seccomp_send_listener(s->listener_path, msg, owned, err);
}

/* A SYNC_PTY: hand the pty master on, or keep it for the relay. */
static int take_pty(struct exec_run *x, int fd, struct cell_error *err)
{
        if (!x->opts->console_socket) {
                x->pty_master = fd;
                return 0;
        }
        int r = cell_console_socket_send(x->opts->console_socket, fd, err);
        close(fd);
        return r < 0 ? cell_error_prefix(err, "--console-socket %s", x->opts->console_socket) : 0;
}

/*
 * Until READY and, with a pid namespace, the hop's SYNC_PID: the child and
 * the grandchild it hopped to write to the same socket, so the
 * grandchild's PTY and READY may arrive before the child's SYNC_PID.
 */
static int serve_child(struct exec_run *x, struct cell_error *err)
{
        bool ready = false;
        while (!ready) {
                struct cell_sync_msg m;
                int fd = -1;
                int r = cell_sync_recv(x->sync_fd, &m, &fd, err);
                if (r <= 0)
                        return r < 0 ? -1 : cell_error_set(err, 0, "exec process exited early");
                if (m.type == CELL_SYNC_READY) {
                        ready = true;
                } else if (m.type == CELL_SYNC_ERROR) {
                        err->errnum = m.errnum;
                        memcpy(err->msg, m.msg, sizeof(err->msg));
                        return -1;
                } else if (m.type == CELL_SYNC_PID) {
                        if (cell_spawn_take_hop(&m, fd, &x->pid, &x->pidfd, err) < 0)
                                return -1;
                } else if (m.type == CELL_SYNC_PTY && fd >= 0) {
                        if (take_pty(x, fd, err) < 0)
                                return -1;
                } else if (m.type == CELL_SYNC_SECCOMP && fd >= 0) {
                        if (forward_listener(x, x->pid, fd, err) < 0)
                                return -1;
                } else {
                        if (fd >= 0)
                                close(fd);
                        return cell_error_set(err, 0, "unexpected message %d", m.type);
                }
        }
        return 0;
}

/* The child or grandchild we are talking to, killed and reaped. */
static int kill_child(struct exec_run *x)
{
        syscall(SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
        while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return -1;
}

/* The container's init has exited (a zombie counts) or does within
 * `wait_ms`: its pidfd reads ready. */
static bool init_exited(const struct exec_run *x, int wait_ms)
{
        struct pollfd p = {.fd = x->init_pidfd, .events = POLLIN};
        return x->init_pidfd >= 0 && poll(&p, 1, wait_ms) == 1;
}

/*
 * When the container stopped while the process was starting, say so: the
 * kernel refuses a new process in a pid namespace whose init is gone (or
 * going: it is killing the rest) with ENOMEM, and our child, killed with
 * the container, leaves only a broken sync socket.
 */
static int explain_failure(const struct exec_run *x, struct cell_error *err)
{
        const char *why = NULL;
        if (err->errnum == ENOMEM && init_exited(x, 200))
                why = " (the container's init has exited: its pid namespace takes no new process)";
        else if (init_exited(x, 0))
                why = " (the container's init has exited meanwhile)";
        if (why) {
                size_t len = strlen(err->msg);
                snprintf(err->msg + len, sizeof(err->msg) - len, "%s", why);
        }
        return -1;
}

static int exec_in(struct exec_run *x, const struct cell_runtime *rt, const char *id,
                   const sigset_t *all, int *exit_status, struct cell_error *err)
{
        if (load_container(x, rt, id, err) < 0 || prepare(x, rt, err) < 0 || spawn(x, err) < 0)
                return -1;
        if (cell_sync_send(x->sync_fd, CELL_SYNC_GO, err) < 0 || serve_child(x, err) < 0 ||
            cell_spawn_start(x->sync_fd, &x->pid, &x->pidfd,
                             &(struct cell_spawn_listener){forward_listener, x}, err) < 0 ||
            (x->opts->pid_file && cell_write_pid_file(x->opts->pid_file, x->pid, err) < 0)) {
                kill_child(x);
                return explain_failure(x, err);
        }
        *exit_status = 0;
        if (x->opts->detach)
                return 0;
        int status = 0;
        if (cell_wait_foreground(x->pid, x->pidfd, x->pty_master, all, &status, err) < 0)
                return -1;
        *exit_status = cell_exit_code(status);
        return 0;
}

int cell_container_exec(const struct cell_runtime *rt, const char *id,
                        const struct cell_exec_opts *opts, int *exit_status, struct cell_error *err)
{
        struct exec_run x = {.opts = opts,
                             .init_pidfd = -1,
                             .dmz_fd = -1,
                             .sync_fd = -1,
                             .child_sync = -1,
                             .pidfd = -1,
                             .pty_master = -1};
        sigset_t all, old;
        if (cell_container_id_validate(id, err) < 0)
                return -1; /* not worth repeating in a prefix */
        cell_sigset_fill(&all);
        /* Blocked before the clone so that no signal for the process is lost. */
        if (!opts->detach)
                sigprocmask(SIG_BLOCK, &all, &old);
        int r = exec_in(&x, rt, id, &all, exit_status, err);
        if (!opts->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        exec_run_release(&x);
        return r < 0 ? cell_error_prefix(err, "exec in container \"%s\"", id) : 0;
}
