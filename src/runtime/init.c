/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/dmz.h"
#include "runtime/hooks.h"
#include "runtime/procsetup.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "sandbox/process.h"
#include "sandbox/rootfs.h"
#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/signals.h"
#include "util/socket.h"
#include "util/xalloc.h"

/*
 * Our pid as the runtime's pid namespace sees it (for hook and seccomp
 * state): read from the host's /proc/self before pivot_root.
 */
static pid_t host_pid;

static void read_host_pid(void)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        host_pid = n > 0 ? (pid_t)atoi(buf) : (pid_t)syscall(SYS_getpid);
}

/* exec.fifo, open for writing once `start` released us (see wait_for_start). */
static int start_fifo = -1;

static __attribute__((noreturn)) void fail(const struct cell_init_config *cfg,
                                           struct cell_error *err)
{
        cell_sync_send_error(cfg->sync_fd, err);
        /* After a detached start nobody reads the socket: `start` reads the
         * fifo, and whatever follows its byte is the error. */
        if (start_fifo >= 0)
                cell_write_all(start_fifo, err->msg, strlen(err->msg));
        _exit(1);
}

/*
 * Join the namespaces given by path.  The user namespace goes first: the
 * others may be owned by it, and joining them needs its capabilities.
 */
static int join_namespaces(const struct cell_init_config *cfg, struct cell_error *err)
{
        static const enum cell_ns_type order[] = {CELL_NS_USER, CELL_NS_MOUNT, CELL_NS_NET,
                                                  CELL_NS_IPC,  CELL_NS_UTS,   CELL_NS_CGROUP,
                                                  CELL_NS_TIME};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(order); i++) {
                enum cell_ns_type t = order[i];
                if (cfg->ns_fds[t] < 0)
                        continue;
                if (setns(cfg->ns_fds[t], cell_ns_clone_flag(t)) < 0)
                        return cell_error_errno(err, "join %s namespace %s", cell_ns_type_name(t),
                                                cfg->spec->linux.namespaces[t].path);
                close(cfg->ns_fds[t]);
        }
        return 0;
}

static bool ns_new(const struct cell_spec *spec, enum cell_ns_type t)
{
        return spec->linux.namespaces[t].enabled && !spec->linux.namespaces[t].path;
}

/* Namespaces that clone() cannot create with the right parent: cgroup, time. */
static int unshare_late_namespaces(const struct cell_init_config *cfg, struct cell_error *err)
{
        const struct cell_spec *spec = cfg->spec;
        /* With a user namespace joined by path, clone() created nothing: the
         * new namespaces are made now, owned by the joined user namespace. */
        if (spec->linux.namespaces[CELL_NS_USER].path) {
                static const enum cell_ns_type late[] = {CELL_NS_MOUNT, CELL_NS_PID, CELL_NS_NET,
                                                         CELL_NS_IPC, CELL_NS_UTS};
                int flags = 0;
                for (size_t i = 0; i < CELL_ARRAY_SIZE(late); i++)
                        if (ns_new(spec, late[i]))
                                flags |= cell_ns_clone_flag(late[i]);
                if (flags && unshare(flags) < 0)
                        return cell_error_errno(err, "create namespaces in user namespace %s",
                                                spec->linux.namespaces[CELL_NS_USER].path);
                /* A new pid namespace holds our children, not us: hop into
                 * it as its pid 1 now, before /proc is mounted (procfs takes
                 * the mounter's pid namespace) and before anything of the
                 * container exists.  Nothing else is in it to see the hop. */
                if ((flags & CLONE_NEWPID) && cell_spawn_hop(cfg->sync_fd, err) < 0)
                        return -1;
                if (flags & CLONE_NEWPID)
                        prctl(PR_SET_PDEATHSIG, SIGKILL); /* cleared for a new process */
        }
        /* After the parent moved us into the container's cgroup, so that it
         * becomes the root of the new cgroup namespace. */
        if (ns_new(spec, CELL_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return cell_error_errno(err, "create cgroup namespace");
        /* The offsets can only be written before any process enters the
         * namespace; the init itself enters it at execve. */
        if (ns_new(spec, CELL_NS_TIME)) {
                if (unshare(cell_ns_clone_flag(CELL_NS_TIME)) < 0)
                        return cell_error_errno(err, "create time namespace");
                if (cell_sandbox_apply_time_offsets(&spec->linux, err) < 0)
                        return -1;
        }
        return 0;
}

static int become_root_in_userns(const struct cell_spec *spec, struct cell_error *err)
{
        if (!spec->linux.namespaces[CELL_NS_USER].enabled)
                return 0;
        if (setresgid(0, 0, 0) < 0)
                return cell_error_errno(err, "setresgid(0) in the user namespace");
        if (setresuid(0, 0, 0) < 0)
                return cell_error_errno(err, "setresuid(0) in the user namespace");
        return 0;
}

static bool has_hooks(const struct cell_spec *spec, enum cell_hook_kind kind)
{
        return spec->hooks[kind].n > 0;
}

/* The runtime-spec state of this container, as hooks and listeners get it. */
static char *init_state_json(const struct cell_init_config *cfg, enum cell_status status)
{
        const struct cell_spec *spec = cfg->spec;
        struct cell_container_state st = {
                .oci_version = spec->oci_version,
                .id = (char *)cfg->id,
                .status = status,
                .pid = host_pid,
                .bundle = (char *)cfg->bundle,
                .rootfs = (char *)cfg->rootfs,
                .created = (char *)"",
                .owner = (char *)"",
                .annotations = spec->annotations,
                .n_annotations = spec->n_annotations,
        };
        return cell_container_state_json(&st, false);
}

static int run_container_hooks(const struct cell_init_config *cfg, enum cell_hook_kind kind,
                               enum cell_status status, struct cell_error *err)
{
        if (!has_hooks(cfg->spec, kind))
                return 0;
        _cleanup_free_ char *state = init_state_json(cfg, status);
        /* runc's init runs them with process.env as its environment, and
         * createContainer in the rootfs (startContainer: after pivot, "/"). */
        const struct cell_hook_context ctx = {
                .env = cfg->env, .cwd = kind == CELL_HOOK_CREATE_CONTAINER ? cfg->rootfs : NULL};
        return cell_hooks_run(cfg->spec, kind, state, &ctx, err);
}

static int setup_rootfs(const struct cell_init_config *cfg, struct cell_error *err)
{
        const struct cell_spec *spec = cfg->spec;
        struct cell_cgroup_hierarchy cgroups[32];
        ssize_t n_cgroups = cell_cgroup_hierarchies(cfg->cgroup, cgroups, CELL_ARRAY_SIZE(cgroups));
        if (cell_rootfs_mount_all(spec, cfg->rootfs, cgroups, n_cgroups, cfg->ns_fds[CELL_NS_PID],
                                  cfg->rootfs_prep, err) < 0)
                return -1;
        if (has_hooks(spec, CELL_HOOK_PRESTART) || has_hooks(spec, CELL_HOOK_CREATE_RUNTIME)) {
                if (cell_sync_send(cfg->sync_fd, CELL_SYNC_HOOKS, err) < 0 ||
                    cell_sync_expect(cfg->sync_fd, CELL_SYNC_HOOKS_DONE, err) < 0)
                        return -1;
        }
        if (run_container_hooks(cfg, CELL_HOOK_CREATE_CONTAINER, CELL_STATUS_CREATING, err) < 0) {
                /* The runtime then runs the poststop hooks (runtime-spec). */
                cell_sync_send(cfg->sync_fd, CELL_SYNC_HOOK_FAILED, NULL);
                return -1;
        }
        if (cell_rootfs_pivot(spec, cfg->rootfs, cfg->no_pivot, err) < 0 ||
            cell_proc_make_cwd(spec->process.cwd, err) < 0)
                return -1;
        /* Before finalize: readonlyPaths usually makes /proc/sys read-only. */
        if (cell_sandbox_apply_sysctl(&spec->linux, err) < 0)
                return -1;
        return cell_rootfs_finalize(spec, err);
}

/*
 * The executable, looked up now so that a missing one fails `create`.  In a
 * pid namespace joined by path, /proc/self of the container's procfs is
 * ours only after the hop (finish_init): a path under /proc is left to the
 * exec to check.
 */
static char *find_executable(const struct cell_init_config *cfg, struct cell_error *err)
{
        const char *name = cfg->spec->process.args[0];
        if (cfg->ns_fds[CELL_NS_PID] >= 0 && cell_path_has_prefix(name, "/proc"))
                return xstrdup(name);
        return cell_proc_find_executable(name, cfg->env, err);
}

static int apply_process_attributes(const struct cell_init_config *cfg, struct cell_error *err)
{
        const struct cell_spec *spec = cfg->spec;
        if (cell_sandbox_apply_rlimits(&spec->process, err) < 0 ||
            cell_sandbox_apply_sched(&spec->process, err) < 0 ||
            cell_sandbox_apply_personality(&spec->linux, err) < 0 ||
            cell_proc_give_stdio(spec->process.uid, spec->process.terminal, err) < 0 ||
            cell_sandbox_apply_memory_policy(&spec->linux, err) < 0)
                return -1;
        /* A fresh session keyring keeps the host's keys out of reach; kernels
         * or user namespaces without keyring support are not an error. */
        if (!cfg->no_new_keyring &&
            syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, cfg->id, 0, 0, 0) < 0 &&
            errno != ENOSYS && errno != EACCES && errno != EPERM)
                return cell_error_errno(err, "join a new session keyring");
        return 0;
}

/*
 * Block until `cell start` opens the exec fifo, then write one byte.  The
 * fifo stays open (close-on-exec) until our exec: `start` reads to EOF, so
 * it returns only once the user process runs, and the poststart hooks it
 * then runs come after that, as the runtime-spec requires.
 */
static int wait_for_start(const struct cell_init_config *cfg, int procfd, struct cell_error *err)
{
        /* A foreground run starts at once: its runtime has recorded the
         * state while we set up, and has nothing left to do before the
         * process runs (runtime/sync.h). */
        if (cfg->foreground)
                return 0;
        char name[16];
        snprintf(name, sizeof(name), "%d", cfg->fifo_fd);
        int fd = openat(procfd, name, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open exec fifo");
        if (cell_write_all(fd, "0", 1) < 0)
                return cell_error_errno(err, "write exec fifo");
        start_fifo = fd;
        return 0;
}

/*
 * listenerPath is a host path: connect before pivot_root (an absent listener
 * then fails create, not start), send after the filter is loaded.
 */
static int connect_seccomp_listener(const struct cell_init_config *cfg, int *sock,
                                    struct cell_error *err)
{
        const struct cell_seccomp *s = &cfg->spec->linux.seccomp;
        *sock = -1;
        if (!cfg->seccomp || !s->listener_path)
                return 0;
        *sock = cell_seccomp_connect_listener(s->listener_path, err);
        return *sock < 0 ? -1 : 0;
}

/*
 * What goes with the listener fd: the container-process state, with the
 * container's status "creating" as runc sends it (the filter belongs to the
 * process being set up; with noNewPrivileges cell-dmz sends it at start).
 */
static int seccomp_listener_message(const struct cell_init_config *cfg, char **msg,
                                    struct cell_error *err)
{
        _cleanup_free_ char *container = init_state_json(cfg, CELL_STATUS_CREATING);
        return cell_seccomp_state_json(container, host_pid,
                                       cfg->spec->linux.seccomp.listener_metadata, msg, err);
}

static int send_seccomp_listener(const struct cell_init_config *cfg, int sock, int notify_fd,
                                 struct cell_error *err)
{
        if (sock < 0 || notify_fd < 0)
                return 0;
        _cleanup_free_ char *msg = NULL;
        if (seccomp_listener_message(cfg, &msg, err) < 0)
                return -1;
        int r = cell_socket_send_fd(sock, notify_fd, msg, strlen(msg), err);
        close(notify_fd);
        return r < 0 ? cell_error_prefix(err, "linux.seccomp.listenerPath") : 0;
}

/* With noNewPrivileges, the filter for cell-dmz to load (runtime/procsetup.h). */
static int dmz_filter(const struct cell_init_config *cfg, int listener, struct cell_dmz_filter *out,
                      struct cell_error *err)
{
        _cleanup_free_ char *msg = NULL;
        if (cfg->seccomp && cfg->spec->process.no_new_privileges &&
            cell_seccomp_has_listener(cfg->seccomp) && seccomp_listener_message(cfg, &msg, err) < 0)
                return -1;
        return cell_proc_dmz_filter(&cfg->spec->process, cfg->seccomp,
                                    listener >= 0 ? listener : cfg->sync_fd, msg,
                                    msg ? strlen(msg) : 0, out, err);
}

/*
 * A pid namespace joined by path already holds processes, which must not
 * see us while our root, cwd or fds are the host's (with CAP_SYS_PTRACE
 * they can open /proc/<pid>/root of a non-dumpable process).  So we were
 * cloned outside it, and enter only now, after pivot_root, by a hop
 * (runtime/spawn.h): our stand-in returns here, in the namespace.
 */
static int hop_into_pid_ns(const struct cell_init_config *cfg, int *procfd, struct cell_error *err)
{
        if (cfg->ns_fds[CELL_NS_PID] < 0)
                return 0;
        if (*procfd >= 0)
                close(steal_fd(*procfd));
        if (cell_spawn_hop(cfg->sync_fd, err) < 0)
                return -1;
        host_pid = getpid(); /* the host's /proc is gone: this namespace's pid */
        if (cfg->foreground)
                return 0;
        *procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*procfd < 0)
                return cell_error_errno(err, "joining a pid namespace needs /proc mounted in the "
                                             "container: open /proc/self/fd");
        return 0;
}

/* setns() for the hop: applies to our children only, and needs privileges. */
static int join_pid_ns(const struct cell_init_config *cfg, struct cell_error *err)
{
        int fd = cfg->ns_fds[CELL_NS_PID];
        if (fd >= 0 && setns(fd, CLONE_NEWPID) < 0)
                return cell_error_errno(err, "join pid namespace %s",
                                        cfg->spec->linux.namespaces[CELL_NS_PID].path);
        return 0;
}

/*
 * From the final identity to the exec.  Credentials change first: a
 * created init waits for start in reach of whatever the container's pid
 * namespace will hold (an exec'd process, a pod neighbour), and one with
 * CAP_SYS_PTRACE could attach to a process still holding our capabilities.
 * The seccomp filter comes as late as that allows (runtime/procsetup.h):
 * right before the credential change without noNewPrivileges, with its
 * listener fd handed on at once; else loaded by cell-dmz right before it
 * execs the user's program.
 */
static void finish_init(const struct cell_init_config *cfg, int procfd, int listener,
                        const char *exe, char **env, bool cwd_later, struct cell_error *err)
{
        const struct cell_spec *spec = cfg->spec;
        bool setgroups_allowed = cell_sandbox_setgroups_allowed();
        int notify_fd = -1;
        if (join_pid_ns(cfg, err) < 0 ||
            cell_proc_load_privileged_seccomp(&spec->process, cfg->seccomp, &notify_fd, err) < 0 ||
            send_seccomp_listener(cfg, listener, notify_fd, err) < 0 ||
            cell_sandbox_apply_identity(&spec->process, setgroups_allowed, err) < 0 ||
            (cwd_later && cell_proc_enter_cwd(spec->process.cwd, false, err) < 0) ||
            hop_into_pid_ns(cfg, &procfd, err) < 0)
                return;
        /* The credential change cleared the parent-death signal.  In create
         * the parent exits after READY: we must outlive it, but only once
         * the state it saved names us (SAVED).  A create killed before that
         * leaves a state through which delete --force cannot tell us from
         * another's process in the cgroup: its EOF ends us then. */
        prctl(PR_SET_PDEATHSIG, cfg->foreground ? SIGKILL : 0);
        if (cell_sync_send(cfg->sync_fd, CELL_SYNC_READY, err) < 0 ||
            (!cfg->foreground && cell_sync_expect(cfg->sync_fd, CELL_SYNC_SAVED, err) < 0))
                return;
        if (wait_for_start(cfg, procfd, err) < 0)
                return;
        if (procfd >= 0)
                close(procfd);
        struct cell_dmz_filter filter;
        int with_filter;
        if (run_container_hooks(cfg, CELL_HOOK_START_CONTAINER, CELL_STATUS_CREATED, err) < 0 ||
            (with_filter = dmz_filter(cfg, listener, &filter, err)) < 0)
                return;
        cell_dmz_exec(cfg->dmz_fd, exe, spec->process.args, env, cfg->sync_fd, 0,
                      with_filter ? &filter : NULL, cfg->lsm);
        cell_error_errno(err, "exec cell-dmz for \"%s\"", spec->process.args[0]);
}

bool cell_init_awaits_go(const struct cell_spec *spec)
{
        return ns_new(spec, CELL_NS_USER) || spec->linux.n_net_devices > 0;
}

/* SYNC_GO, after the mount trees the runtime opened for us (sandbox/rootfs.h). */
static int await_go(const struct cell_init_config *cfg, struct cell_error *err)
{
        struct cell_rootfs_prepared *prep = cfg->rootfs_prep;
        size_t n = cfg->spec->n_mounts;
        for (;;) {
                struct cell_sync_msg m;
                int fd = -1;
                int r = cell_sync_recv(cfg->sync_fd, &m, &fd, err);
                if (r <= 0)
                        return r < 0 ? -1 : cell_error_set(err, 0, "the runtime went away");
                if (m.type == CELL_SYNC_GO) {
                        cell_closep(&fd);
                        return 0;
                }
                if (m.type != CELL_SYNC_MOUNT_FD || fd < 0 || m.errnum < 0 ||
                    (size_t)m.errnum >= n || !prep) {
                        cell_closep(&fd);
                        return cell_error_set(
                                err, 0, "sync with the runtime: unexpected message %d", m.type);
                }
                if (!prep->mount_fds) {
                        prep->mount_fds = xmalloc(n * sizeof(*prep->mount_fds));
                        for (size_t i = 0; i < n; i++)
                                prep->mount_fds[i] = -1;
                }
                cell_closep(&prep->mount_fds[m.errnum]);
                prep->mount_fds[m.errnum] = fd;
        }
}

static void run_init(const struct cell_init_config *cfg, struct cell_error *err)
{
        const struct cell_spec *spec = cfg->spec;
        if (cell_init_awaits_go(spec) && await_go(cfg, err) < 0)
                return;
        /* Joining by ourselves writes "0" to each v1 `tasks` file, which moves
         * only this thread and skips the RCU grace period a write of our pid
         * by the parent waits for (~9 ms per create on v1).  Still host root
         * here (kuid 0) even in a new user namespace, so the write is allowed. */
        if (cell_cgroup_enter_self(cfg->cgroup, cfg->placed_by_clone, err) < 0)
                return;
        if (join_namespaces(cfg, err) < 0 || become_root_in_userns(spec, err) < 0 ||
            unshare_late_namespaces(cfg, err) < 0 || cell_sandbox_set_hostname(spec, err) < 0 ||
            cell_sandbox_loopback_up(spec, err) < 0)
                return;
        /* The exec fifo is reopened through our own /proc/<pid>/fd after
         * pivot_root, whether or not the container mounts a /proc. */
        _cleanup_close_ int procfd = -1;
        if (!cfg->foreground) {
                procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (procfd < 0) {
                        cell_error_errno(err, "open /proc/self/fd");
                        return;
                }
        }
        read_host_pid();
        /* Relative paths in the spec (bind sources) are relative to the bundle. */
        if (chdir(cfg->bundle) < 0) {
                cell_error_errno(err, "chdir to bundle %s", cfg->bundle);
                return;
        }
        _cleanup_close_ int listener = -1;
        if (connect_seccomp_listener(cfg, &listener, err) < 0)
                return;
        /* Through the host's /proc: the container's may be that of a pid
         * namespace joined by path, which has no /proc/self for us yet. */
        if (cell_sandbox_apply_oom_score_adj(&spec->process, err) < 0)
                return;
        int cwd_later = -1;
        if (setup_rootfs(cfg, err) < 0 ||
            cell_proc_send_terminal(&spec->process, cfg->sync_fd, true, err) < 0 ||
            apply_process_attributes(cfg, err) < 0 ||
            (cwd_later = cell_proc_enter_cwd(spec->process.cwd, true, err)) < 0)
                return;
        _cleanup_free_ char *exe = find_executable(cfg, err);
        if (exe)
                finish_init(cfg, steal_fd(procfd), listener, exe,
                            cell_proc_env_with_home(cfg->env, spec->process.uid), cwd_later, err);
}

/*
 * Close every fd above the preserved range except the ones the init needs.
 * The runtime's own fds must go now, not at exec: the locked state
 * directory would otherwise stay locked by us after `create` returns, and
 * a cgroup or namespace fd has no business near the container.
 */
/*
 * The preserved range 3..3+N-1 is the caller's, passed on as it is: its
 * fds came through execve, so they are never close-on-exec.  A hole in it
 * (a caller with, say, fd 4 closed) may have been filled by one of ours,
 * always O_CLOEXEC — the locked state directory, a cgroup directory: those
 * are closed here, not merely at exec, so that neither hooks nor a lock
 * outlive create.
 */
static void close_preserved_range_holes(int preserve_fds)
{
        for (int fd = 3; fd < 3 + preserve_fds; fd++) {
                int flags = fcntl(fd, F_GETFD);
                if (flags >= 0 && (flags & FD_CLOEXEC))
                        close(fd);
        }
}

static void close_runtime_fds(const struct cell_init_config *cfg)
{
        size_t n_mounts = cfg->spec->n_mounts;
        _cleanup_free_ int *keep = xmalloc((5 + CELL_NS__COUNT + n_mounts) * sizeof(*keep));
        int n = 0;
        keep[n++] = cfg->sync_fd;
        if (cfg->fifo_fd >= 0)
                keep[n++] = cfg->fifo_fd;
        keep[n++] = cfg->dmz_fd;
        for (int t = 0; t < CELL_NS__COUNT; t++)
                if (cfg->ns_fds[t] >= 0)
                        keep[n++] = cfg->ns_fds[t];
        n += cell_rootfs_prepared_fds(cfg->rootfs_prep, n_mounts, keep + n);
        cell_proc_close_fds_except(3 + cfg->preserve_fds, keep, n);
}

void cell_init_main(const struct cell_init_config *cfg)
{
        struct cell_error err;
        cell_error_clear(&err);
        /* First: until the user process runs we are a clone of the cell
         * binary, and a process that could open our /proc/<pid>/exe could
         * later write through it (CVE-2019-5736).  Non-dumpable, only
         * CAP_SYS_PTRACE over the runtime can; see cell_dmz_needed(). */
        prctl(PR_SET_DUMPABLE, 0);
        cell_proc_scrub_environ();
        cell_signals_reset();
        /* Die with the runtime until the container is created (`run` keeps
         * this until exec, so a killed `cell run` takes its container along).
         * Should the parent die before this, the wait for SYNC_GO sees EOF. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close_preserved_range_holes(cfg->preserve_fds);
        close_runtime_fds(cfg);
        /* A session of its own, as runc's init (a terminal makes one too). */
        if (!cfg->spec->process.terminal)
                setsid();
        run_init(cfg, &err);
        fail(cfg, &err);
}
