/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/dmz.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/intelrdt.h"
#include "runtime/launch.h"
#include "vm/vm.h"
#include "runtime/notify.h"
#include "runtime/owner.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "sandbox/netdev.h"
#include "sandbox/terminal.h"
#include "sandbox/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

void cell_launch_init(struct cell_launch *l)
{
        memset(l, 0, sizeof(*l));
        l->dirfd = l->fifo_fd = l->dmz_fd = l->sync_fd = l->child_sync = l->pidfd = l->pty_master =
                l->notify_fd = -1;
        for (int i = 0; i < CELL_NS__COUNT; i++)
                l->ns_fds[i] = -1;
}

static int load_config(struct cell_launch *l, struct cell_error *err)
{
        const char *bundle = l->opts->bundle ? l->opts->bundle : ".";
        l->bundle = realpath(bundle, NULL);
        if (!l->bundle)
                return cell_error_errno(err, "bundle %s", bundle);
        _cleanup_free_ char *path = cell_path_join(l->bundle, "config.json");
        if (cell_read_input("config.json", path, false, &l->config_text, &l->config_len, err) < 0)
                return -1;
        if (cell_spec_parse(l->config_text, l->config_len, &l->spec, err) < 0)
                return cell_error_prefix(err, "%s", path);
        return 0;
}

/*
 * A sysctl is only safe to set when the kernel scopes it to a namespace the
 * container has of its own (runc's rules); anything else would change the
 * host.  Keys may use '.' or '/' as the separator.
 */
static int validate_sysctl(const struct cell_spec *spec, struct cell_error *err)
{
        static const char *const ipc_keys[] = {
                "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
        const struct cell_namespace *ns = spec->linux.namespaces;
        for (size_t i = 0; i < spec->linux.n_sysctl; i++) {
                _cleanup_free_ char *key = xstrdup(spec->linux.sysctl[i].key);
                for (char *p = key; *p; p++)
                        if (*p == '/')
                                *p = '.';
                bool ipc = !strncmp(key, "fs.mqueue.", 10);
                for (size_t k = 0; k < CELL_ARRAY_SIZE(ipc_keys); k++)
                        ipc = ipc || !strcmp(key, ipc_keys[k]);
                if (ipc && ns[CELL_NS_IPC].enabled)
                        continue;
                if (ipc)
                        return cell_error_set(err, 0,
                                              "linux.sysctl: \"%s\" is not allowed in "
                                              "the host's ipc namespace",
                                              key);
                if (!strncmp(key, "net.", 4)) {
                        if (ns[CELL_NS_NET].enabled)
                                continue;
                        return cell_error_set(err, 0,
                                              "linux.sysctl: \"%s\" is not allowed in "
                                              "the host's network namespace",
                                              key);
                }
                if (ns[CELL_NS_UTS].enabled && !strcmp(key, "kernel.domainname"))
                        continue;
                if (!strcmp(key, "kernel.hostname"))
                        return cell_error_set(err, 0,
                                              "linux.sysctl: \"kernel.hostname\" is "
                                              "not allowed; use hostname");
                return cell_error_set(err, 0,
                                      "linux.sysctl: \"%s\" is not in a separate "
                                      "kernel namespace",
                                      key);
        }
        return 0;
}

/* Checks that need the command line as well as the spec. */
static int validate_launch(struct cell_launch *l, struct cell_error *err)
{
        const struct cell_spec *spec = l->spec;
        if (!spec->has_process)
                return cell_error_set(err, 0, "process: required to create a container");
        bool terminal = spec->process.terminal;
        if (terminal && !l->opts->console_socket && !l->foreground)
                return cell_error_set(err, 0,
                                      "process.terminal: a --console-socket is required "
                                      "when the container runs detached with a terminal");
        if (!terminal && l->opts->console_socket)
                return cell_error_set(err, 0,
                                      "--console-socket given but process.terminal is "
                                      "false");
        if ((spec->hostname || spec->domainname) && !spec->linux.namespaces[CELL_NS_UTS].enabled)
                return cell_error_set(err, 0,
                                      "hostname: requires a UTS namespace in "
                                      "linux.namespaces");
        if (validate_sysctl(spec, err) < 0)
                return -1;
        if (spec->linux.intel_rdt.set && cell_intelrdt_check(CELL_RESCTRL_ROOT, err) < 0)
                return -1;
        if (l->opts->preserve_fds < 0)
                return cell_error_set(err, 0, "--preserve-fds: must not be negative");
        l->rootfs = cell_path_absolute(l->bundle, spec->root_path);
        struct stat st;
        if (stat(l->rootfs, &st) < 0)
                return cell_error_errno(err, "root.path: %s", l->rootfs);
        if (!S_ISDIR(st.st_mode))
                return cell_error_set(err, ENOTDIR, "root.path: %s", l->rootfs);
        return 0;
}

/* Move an fd above the preserved range so the container gets exactly 0..2+N. */
static int fd_above(int fd, int floor, struct cell_error *err)
{
        if (fd >= floor)
                return fd;
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor);
        if (moved < 0)
                return cell_error_errno(err, "fcntl(F_DUPFD_CLOEXEC)");
        close(fd);
        return moved;
}

static int open_namespace_paths(struct cell_launch *l, int floor, struct cell_error *err)
{
        for (int t = 0; t < CELL_NS__COUNT; t++) {
                const struct cell_namespace *ns = &l->spec->linux.namespaces[t];
                if (!ns->enabled || !ns->path)
                        continue;
                int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return cell_error_errno(err, "linux.namespaces: %s namespace path %s",
                                                cell_ns_type_name(t), ns->path);
                l->ns_fds[t] = fd;
                int type = ioctl(fd, NS_GET_NSTYPE);
                if (type >= 0 && type != cell_ns_clone_flag(t))
                        return cell_error_set(err, 0, "linux.namespaces: %s is not a %s namespace",
                                              ns->path, cell_ns_type_name(t));
                if ((l->ns_fds[t] = fd_above(fd, floor, err)) < 0)
                        return -1;
        }
        return 0;
}

/*
 * LISTEN_FDS (systemd socket activation) passes fds 3.. on to the
 * container, as runc and crun do: they join the preserved range, and the
 * container learns about them from LISTEN_FDS/LISTEN_PID=1.
 */
static int listen_fds(void)
{
        const char *v = getenv("LISTEN_FDS");
        if (!v)
                return 0;
        char *end;
        long n = strtol(v, &end, 10);
        return (*end || n < 0 || n > 1024) ? 0 : (int)n;
}

static void build_env(struct cell_launch *l, int n_listen)
{
        const struct cell_process *p = &l->spec->process;
        size_t n = 0;
        bool notify = cell_notify_host_socket() != NULL;
        l->env = xcalloc(p->n_env + 4, sizeof(char *));
        for (size_t i = 0; i < p->n_env; i++)
                if (!notify || strncmp(p->env[i], "NOTIFY_SOCKET=", 14) != 0)
                        l->env[n++] = xstrdup(p->env[i]);
        if (notify)
                l->env[n++] = xstrdup("NOTIFY_SOCKET=" CELL_NOTIFY_SOCKET_IN_CONTAINER);
        if (n_listen > 0) {
                l->env[n++] = xasprintf("LISTEN_FDS=%d", n_listen);
                l->env[n++] = xstrdup("LISTEN_PID=1");
        }
}

static int preserved_fd_count(const struct cell_launch *l)
{
        int n_listen = listen_fds();
        return l->opts->preserve_fds + n_listen;
}

static uint64_t clone_flags(const struct cell_spec *spec)
{
        uint64_t flags = 0;
        /* With a user namespace joined by path, the others must be created
         * after joining it (in the child), so that it owns them. */
        bool user_path = spec->linux.namespaces[CELL_NS_USER].path != NULL;
        static const enum cell_ns_type at_clone[] = {CELL_NS_USER, CELL_NS_MOUNT, CELL_NS_PID,
                                                     CELL_NS_NET,  CELL_NS_IPC,   CELL_NS_UTS};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(at_clone); i++) {
                const struct cell_namespace *ns = &spec->linux.namespaces[at_clone[i]];
                if (ns->enabled && !ns->path && !user_path)
                        flags |= (uint64_t)cell_ns_clone_flag(at_clone[i]);
        }
        return flags;
}

static int write_id_map(pid_t pid, const char *file, const struct cell_id_mapping *m, size_t n,
                        struct cell_error *err)
{
        char buf[4096];
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof(buf); i++)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
                                        m[i].container_id, m[i].host_id, m[i].size);
        if (len >= sizeof(buf))
                return cell_error_set(err, E2BIG, "%s: too many mappings", file);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
        if (cell_write_file(path, buf, len, err) < 0)
                return cell_error_prefix(err, "linux.%s",
                                         strcmp(file, "uid_map") == 0 ? "uidMappings"
                                                                      : "gidMappings");
        return 0;
}

static int spawn_init(struct cell_launch *l, struct cell_init_config *cfg, struct cell_error *err)
{
        /* A joined pid namespace is entered by the init itself, late (init.c). */
        pid_t pid = cell_spawn_clone(clone_flags(l->spec), -1, cell_cgroup_clone_fd(l->cgroup),
                                     &cfg->placed_by_clone, &l->pidfd, err);
        if (pid == 0)
                cell_init_main(cfg);
        if (pid < 0)
                return cell_error_prefix(err, "clone container init");
        l->pid = pid;
        return 0;
}

/*
 * The status hooks see is runc 1.1.5's, checked on it: "creating" for
 * prestart, createRuntime and createContainer (the runtime-spec's word for
 * the state until create has finished; the brief's "created" for prestart
 * is not what runc sends), "created" for startContainer, "stopped" for
 * poststop.  poststart is the one difference: runc hands it "created" (its
 * state is read before the start is recorded) where we send "running", the
 * state the runtime-spec has the container in once its process was
 * started; no client we know of reads poststart's status.
 */
static int run_runtime_hooks(struct cell_launch *l, struct cell_error *err)
{
        static const enum cell_hook_kind kinds[] = {CELL_HOOK_PRESTART, CELL_HOOK_CREATE_RUNTIME};
        const struct cell_hook_context ctx = {.cwd = l->bundle};
        l->rec.pid = l->pid;
        _cleanup_free_ char *state = cell_state_record_json(&l->rec, CELL_STATUS_CREATING, l->pid);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(kinds); i++) {
                if (cell_hooks_run(l->spec, kinds[i], state, &ctx, err) < 0) {
                        l->hook_failed = true;
                        return -1;
                }
        }
        return 0;
}

static int take_pty(struct cell_launch *l, int master, struct cell_error *err)
{
        if (master < 0)
                return cell_error_set(err, 0, "container init sent no terminal");
        if (!l->opts->console_socket) {
                l->pty_master = master;
                return 0;
        }
        int r = cell_console_socket_send(l->opts->console_socket, master, err);
        close(master);
        return r < 0 ? cell_error_prefix(err, "--console-socket %s", l->opts->console_socket) : 0;
}

/* How often serve_init looks whether the init can still answer. */
#define SERVE_CHECK_MS 250

static int set_recv_timeout(int fd, int ms, struct cell_error *err)
{
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return cell_error_errno(err, "set a timeout on the sync socket");
        return 0;
}

/*
 * The init said nothing for a while: fine while it works (hooks, a slow
 * rootfs), not when it never will.  A cgroup frozen after create looked
 * (cell_cgroup_realize refuses a frozen one) has stopped it; a foreground
 * `run` was asked to stop (its signals are blocked for the container's sake,
 * and the container is not running yet).
 */
static int check_init_stuck(struct cell_launch *l, struct cell_error *err)
{
        if (cell_cgroup_check_thawed(l->cgroup, err) < 0) {
                l->init_frozen = true;
                return -1;
        }
        if (!l->foreground)
                return 0;
        sigset_t stop;
        sigemptyset(&stop);
        for (const int *s = (const int[]){SIGTERM, SIGINT, SIGHUP, SIGQUIT, 0}; *s; s++)
                sigaddset(&stop, *s);
        int sig = sigtimedwait(&stop, NULL, &(struct timespec){0, 0});
        if (sig > 0)
                return cell_error_set(err, EINTR, "interrupted by signal %d (%s)", sig,
                                      strsignal(sig));
        return 0;
}

/* Serve the init's requests until it reports READY (see runtime/sync.h). */
static int serve_init(struct cell_launch *l, struct cell_error *err)
{
        for (;;) {
                struct cell_sync_msg m;
                int fd = -1;
                int r = cell_sync_recv(l->sync_fd, &m, &fd, err);
                if (r < 0 && (err->errnum == EAGAIN || err->errnum == EWOULDBLOCK)) {
                        cell_error_clear(err);
                        if (check_init_stuck(l, err) < 0)
                                return -1;
                        continue;
                }
                if (r < 0)
                        return -1;
                if (r == 0)
                        return cell_error_set(err, 0, "container init exited during set-up");
                switch (m.type) {
                case CELL_SYNC_HOOKS:
                        if (run_runtime_hooks(l, err) < 0 ||
                            cell_sync_send(l->sync_fd, CELL_SYNC_HOOKS_DONE, err) < 0)
                                return -1;
                        break;
                case CELL_SYNC_PTY:
                        if (take_pty(l, fd, err) < 0)
                                return -1;
                        break;
                case CELL_SYNC_HOOK_FAILED:
                        l->hook_failed = true;
                        break;
                case CELL_SYNC_PID:
                        if (cell_spawn_take_hop(&m, fd, &l->pid, &l->pidfd, err) < 0)
                                return -1;
                        break;
                case CELL_SYNC_READY:
                        return 0;
                case CELL_SYNC_ERROR:
                        err->errnum = m.errnum;
                        memcpy(err->msg, m.msg, sizeof(err->msg));
                        return -1;
                default:
                        if (fd >= 0)
                                close(fd);
                        return cell_error_set(err, 0, "unexpected message %d from init", m.type);
                }
        }
}

int cell_write_pid_file(const char *path, pid_t pid, struct cell_error *err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.cell-tmp", path);
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%d", pid);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || cell_write_all(fd, buf, (size_t)len) < 0)
                return cell_error_errno(err, "--pid-file %s", path);
        if (rename(tmp, path) < 0) {
                cell_error_errno(err, "--pid-file %s", path);
                unlink(tmp);
                return -1;
        }
        return 0;
}

static void fill_record(struct cell_launch *l)
{
        struct cell_state_record *rec = &l->rec;
        rec->oci_version = xstrdup(l->spec->oci_version);
        rec->id = xstrdup(l->id);
        rec->bundle = xstrdup(l->bundle);
        rec->rootfs = xstrdup(l->rootfs);
        rec->created = cell_time_rfc3339();
        rec->cgroup = cell_cgroup_to_string(l->cgroup);
        cell_owner_choose(l->spec, rec);
        rec->n_annotations = l->spec->n_annotations;
        rec->annotations = xcalloc(rec->n_annotations, sizeof(*rec->annotations));
        for (size_t i = 0; i < rec->n_annotations; i++) {
                rec->annotations[i].key = xstrdup(l->spec->annotations[i].key);
                rec->annotations[i].value = xstrdup(l->spec->annotations[i].value);
        }
}

/* State directory, cgroup and the saved record: the parts delete undoes. */
static int make_container_state(struct cell_launch *l, struct cell_error *err)
{
        if (cell_state_open(l->rt->root, l->id, true, true, &l->dirfd, err) < 0)
                return -1;
        l->dir_created = true;
        /* The cgroup handle is saved before any of its directories exists,
         * so that a create killed from here on leaves a state.json through
         * which `delete --force` finds them all.  Killed before this write,
         * it leaves a directory without state.json, which delete removes. */
        if (cell_cgroup_plan(l->rt->cgroup_manager, l->id, l->spec, &l->cgroup, err) < 0)
                return -1;
        fill_record(l);
        if (cell_state_write(l->dirfd, &l->rec, err) < 0)
                return -1;
        /* On failure realize removes what it made; abort must not touch the
         * rest (a planned directory may belong to someone else). */
        if (cell_cgroup_realize(l->cgroup, l->id, l->spec, err) < 0)
                return -1;
        l->cgroup_made = true;
        /* Now saying which directories cell made (saved with the init's pid). */
        free(l->rec.cgroup);
        l->rec.cgroup = cell_cgroup_to_string(l->cgroup);
        /* Keep the config for the poststart/poststop hooks, whatever becomes
         * of the bundle by then. */
        if ((l->spec->hooks[CELL_HOOK_POSTSTART].n > 0 ||
             l->spec->hooks[CELL_HOOK_POSTSTOP].n > 0) &&
            cell_write_file_atomic(l->dirfd, "config.json", l->config_text, l->config_len, err) < 0)
                return -1;
        return 0;
}

static int prepare_fds(struct cell_launch *l, int floor, struct cell_error *err)
{
        if (!l->foreground) {
                /* Writable by all: in a user namespace the init is no longer host
                 * root; the 0700 state directory keeps everyone else out. */
                if (mkfifoat(l->dirfd, "exec.fifo", 0622) < 0 ||
                    fchmodat(l->dirfd, "exec.fifo", 0622, 0) < 0)
                        return cell_error_errno(err, "create exec.fifo");
                l->fifo_fd = openat(l->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
                if (l->fifo_fd < 0)
                        return cell_error_errno(err, "open exec.fifo");
                if ((l->fifo_fd = fd_above(l->fifo_fd, floor, err)) < 0)
                        return -1;
        }
        if ((l->dmz_fd = cell_dmz_open(err)) < 0 ||
            (l->dmz_fd = fd_above(l->dmz_fd, floor, err)) < 0)
                return -1;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return cell_error_errno(err, "socketpair");
        l->sync_fd = sp[0];
        l->child_sync = sp[1];
        if ((l->child_sync = fd_above(l->child_sync, floor, err)) < 0)
                return -1;
        return open_namespace_paths(l, floor, err);
}

/* The init's pid and start time in state.json. */
static int record_init(struct cell_launch *l, struct cell_error *err)
{
        l->rec.pid = l->pid;
        /* Without its start time the init would read as stopped (EMFILE). */
        if (cell_proc_start_time_checked(l->pid, &l->rec.pid_start, err) < 0 ||
            cell_state_write(l->dirfd, &l->rec, err) < 0)
                return -1;
        return 0;
}

/*
 * The bind-mount sources, opened with our privileges in the init's mount
 * namespace (the init, in its user namespace, may not reach them).
 */
static int send_mount_sources(struct cell_launch *l, struct cell_error *err)
{
        int *fds = NULL;
        if (cell_rootfs_open_sources(l->spec, l->bundle, l->pid, &fds, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; r == 0 && i < l->spec->n_mounts; i++) {
                struct cell_sync_msg m = {.type = CELL_SYNC_MOUNT_FD, .errnum = (int)i};
                if (fds[i] >= 0)
                        r = cell_sync_send_msg_fd(l->sync_fd, &m, fds[i], err);
        }
        cell_rootfs_close_sources(fds, l->spec->n_mounts);
        return r;
}

/* Clone the init with the mount sources prepared for it (sandbox/rootfs.h). */
static int clone_init(struct cell_launch *l, int preserve, struct cell_error *err)
{
        struct cell_init_config cfg = {
                .spec = l->spec,
                .id = l->id,
                .bundle = l->bundle,
                .rootfs = l->rootfs,
                .no_pivot = l->opts->no_pivot,
                .no_new_keyring = l->opts->no_new_keyring,
                .foreground = l->foreground,
                .preserve_fds = preserve,
                .sync_fd = l->child_sync,
                .fifo_fd = l->fifo_fd,
                .dmz_fd = l->dmz_fd,
                .env = l->env,
                .seccomp = l->seccomp,
                .lsm = &l->lsm,
                .cgroup = l->cgroup,
        };
        memcpy(cfg.ns_fds, l->ns_fds, sizeof(cfg.ns_fds));
        /* Inherited by the clone; the runtime has no use for it after. */
        struct cell_rootfs_prepared prep;
        if (cell_rootfs_prepare(l->spec, l->dirfd, &prep, err) < 0)
                return -1;
        cfg.rootfs_prep = &prep;
        int r = spawn_init(l, &cfg, err);
        cell_rootfs_prepared_release(&prep, l->spec->n_mounts);
        if (r < 0)
                return -1;
        close(steal_fd(l->child_sync));
        return 0;
}

/*
 * What the runtime does to the init from outside before it may go on: id
 * maps, bind sources opened with the host's privileges, network devices,
 * the resctrl group; then SYNC_GO when the init waits for it.
 */
static int prepare_from_outside(struct cell_launch *l, struct cell_error *err)
{
        const struct cell_linux *lx = &l->spec->linux;
        if (lx->namespaces[CELL_NS_USER].enabled && !lx->namespaces[CELL_NS_USER].path) {
                if (write_id_map(l->pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err) <
                            0 ||
                    write_id_map(l->pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err) < 0)
                        return -1;
        }
        if (cell_rootfs_sources_needed(l->spec) && send_mount_sources(l, err) < 0)
                return -1;
        /* The init was cloned into its new network namespace, where it
         * waits for SYNC_GO (cell_init_awaits_go) until the devices are in. */
        if (cell_netdev_move_all(lx, l->pid, err) < 0 ||
            cell_intelrdt_apply(CELL_RESCTRL_ROOT, &lx->intel_rdt, l->id, l->pid, l->dirfd, err) <
                    0)
                return -1;
        /* Only the maps are worth waiting for (runtime/init.c: run_init). */
        if (cell_init_awaits_go(l->spec) && cell_sync_send(l->sync_fd, CELL_SYNC_GO, err) < 0)
                return -1;
        return 0;
}

/*
 * Record the init in the state while it sets itself up, serve it until
 * READY, and record what it made (runtime/owner.h); then the pid file, and
 * SYNC_SAVED, after which a created init may outlive us.
 */
static int record_and_serve(struct cell_launch *l, struct cell_error *err)
{
        /* The namespace that tells its processes from others', read now
         * while the init surely lives when the clone made it (one open and
         * an ioctl, saved by record_init()). */
        const struct cell_state_record *rec = &l->rec;
        l->rec.pid = l->pid;
        if (rec->has_own_ns && (clone_flags(l->spec) & (uint64_t)cell_ns_clone_flag(rec->own_ns)) &&
            cell_owner_record(&l->rec, err) < 0)
                return -1;
        /* Recorded while the init sets itself up, on the other CPU; others
         * see the state only once create lets go of the directory's lock. */
        pid_t first = l->pid;
        if (set_recv_timeout(l->sync_fd, SERVE_CHECK_MS, err) < 0 || record_init(l, err) < 0 ||
            serve_init(l, err) < 0)
                return -1;
        /* A foreground run waits on, for the exec, for as long as it takes. */
        if (l->foreground && set_recv_timeout(l->sync_fd, 0, err) < 0)
                return -1;
        /* It hopped: into the pid namespace it made, which is recorded in
         * the same write. */
        if (l->pid != first && (cell_owner_record(&l->rec, err) < 0 || record_init(l, err) < 0))
                return -1;
        /* Else now that the init made them all (one more write). */
        int changed = cell_owner_record(&l->rec, err);
        if (changed < 0 || (changed && cell_state_write(l->dirfd, &l->rec, err) < 0))
                return -1;
        /* Only now: a create that fails must leave no pid file behind (the
         * state directory goes with cell_launch_abort). */
        if (l->opts->pid_file && cell_write_pid_file(l->opts->pid_file, l->pid, err) < 0)
                return -1;
        /* A created init may outlive us now (runtime/init.c: finish_init). */
        if (!l->foreground && cell_sync_send(l->sync_fd, CELL_SYNC_SAVED, err) < 0)
                return -1;
        return 0;
}

static int start_init(struct cell_launch *l, int preserve, struct cell_error *err)
{
        if (clone_init(l, preserve, err) < 0 || prepare_from_outside(l, err) < 0)
                return -1;
        return record_and_serve(l, err);
}

/* NOTIFY_SOCKET (runtime/notify.h): in the state directory, gone with it. */
static int prepare_notify(struct cell_launch *l, struct cell_error *err)
{
        if (!cell_notify_host_socket())
                return 0;
        _cleanup_free_ char *root = realpath(l->rt->root, NULL);
        if (!root)
                return cell_error_errno(err, "state root %s", l->rt->root);
        _cleanup_free_ char *dir = cell_path_join(root, l->id);
        if (cell_notify_prepare(l->dirfd, dir, l->spec, err) < 0)
                return -1;
        /* A foreground init execs as soon as it is set up: listen already. */
        if (l->foreground && (l->notify_fd = cell_notify_listen(l->dirfd, err)) < 0)
                return -1;
        return 0;
}

/* Everything that leaves something behind, which the caller undoes on failure. */
static int build_container(struct cell_launch *l, struct cell_error *err)
{
        int preserve = preserved_fd_count(l);
        build_env(l, preserve - l->opts->preserve_fds);
        if (make_container_state(l, err) < 0 || prepare_notify(l, err) < 0 ||
            prepare_fds(l, 3 + preserve, err) < 0 || start_init(l, preserve, err) < 0)
                return -1;
        return 0;
}

int cell_launch_create(struct cell_launch *l, const struct cell_runtime *rt, const char *id,
                       const struct cell_create_opts *opts, bool foreground, struct cell_error *err)
{
        l->rt = rt;
        l->id = id;
        l->opts = opts;
        l->foreground = foreground;
        if (cell_container_id_validate(id, err) < 0)
                return -1;
        if (load_config(l, err) < 0 || validate_launch(l, err) < 0)
                return -1;
        if (cell_vm_spec_wants_vm(l->spec)) {
                if (cell_launch_create_vm(l, err) == 0)
                        return 0;
                cell_error_prefix(err, "create container \"%s\"", id);
                cell_launch_abort(l);
                return -1;
        }
        const struct cell_process *p = &l->spec->process;
        if (cell_lsm_exec_attr("", "process.apparmorProfile", p->apparmor_profile,
                               "process.selinuxLabel", p->selinux_label, &l->lsm, err) < 0)
                return cell_error_prefix(err, "create container \"%s\"", id);
        /* Before anything exists: this may re-execute the whole command.  A
         * created init waits for start for as long as it takes, and any
         * process later let into its pid namespace (another container of
         * the pod, an exec) could reach it: always protected.  A foreground
         * run's init is cell only until it execs, moments later; it is
         * protected when the container itself could reach it; so is the
         * init of a create whose caller starts it at once (opts->start_now). */
        if ((foreground || opts->start_now ? cell_dmz_protect_if_needed(rt->self_argv, l->spec, NULL, err)
                        : cell_dmz_protect_self(rt->self_argv, err)) < 0)
                return cell_error_prefix(err, "create container \"%s\"", id);
        _cleanup_free_ char *cache = cell_path_join(rt->root, ".seccomp-cache");
        if (cell_seccomp_prepare_cached(&l->spec->linux.seccomp, cache, &l->seccomp, err) < 0)
                return cell_error_prefix(err, "create container \"%s\"", id);
        if (build_container(l, err) < 0) {
                cell_error_prefix(err, "create container \"%s\"", id);
                cell_launch_abort(l);
                return -1;
        }
        return 0;
}

void cell_launch_close_fds(struct cell_launch *l, bool keep_dir)
{
        int *fds[] = {&l->dirfd,      &l->fifo_fd, &l->dmz_fd,     &l->sync_fd,
                      &l->child_sync, &l->pidfd,   &l->pty_master, &l->notify_fd};
        for (size_t i = keep_dir ? 1 : 0; i < CELL_ARRAY_SIZE(fds); i++)
                if (*fds[i] >= 0)
                        close(steal_fd(*fds[i]));
        for (int t = 0; t < CELL_NS__COUNT; t++)
                if (l->ns_fds[t] >= 0)
                        close(steal_fd(l->ns_fds[t]));
}

/* The init is gone: what is left of the container's own processes goes with the cgroup. */
static int destroy_cgroup(struct cell_launch *l, struct cell_error *err)
{
        struct cell_owner owner;
        l->rec.pid = 0;
        if (cell_owner_load(&l->rec, &owner, err) < 0)
                return -1;
        struct cell_cgroup_owner filter = cell_owner_filter(&owner);
        return cell_cgroup_destroy(l->cgroup, &filter, err);
}

/* Out of the cgroup frozen under it, so that the init (and what it started) can die. */
static void evict_frozen(struct cell_launch *l)
{
        struct cell_error err;
        struct cell_owner owner;
        cell_error_clear(&err);
        if (cell_owner_load(&l->rec, &owner, &err) == 0) {
                struct cell_cgroup_owner filter = cell_owner_filter(&owner);
                if (cell_cgroup_evict(l->cgroup, &filter, &err) == 0)
                        return;
        }
        cell_warn("%s", err.msg);
}

void cell_launch_abort(struct cell_launch *l)
{
        struct cell_error err;
        cell_error_clear(&err);
        if (l->init_frozen)
                evict_frozen(l);
        if (l->pid > 0) {
                /* Our child, not reaped yet: its pid cannot have been reused,
                 * and kill() needs no pidfd support (valgrind 3.19 has none). */
                kill(l->pid, SIGKILL);
                while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                l->pid = 0;
        }
        /* After EMFILE, only the fds we hold are left; the state directory's
         * stays open, locked, until the directory is gone (see
         * cell_state_open: else a delete and a create of the same id could
         * slip in, and we would remove the new container). */
        cell_launch_close_fds(l, true);
        if (l->cgroup_made && destroy_cgroup(l, &err) < 0)
                cell_warn("%s", err.msg);
        /* A failed prestart/createRuntime/createContainer hook continues the
         * lifecycle with the poststop hooks (runtime-spec, step 12). */
        if (l->hook_failed && l->spec->hooks[CELL_HOOK_POSTSTOP].n > 0) {
                _cleanup_free_ char *state =
                        cell_state_record_json(&l->rec, CELL_STATUS_STOPPED, 0);
                cell_hooks_run_warn(l->spec, CELL_HOOK_POSTSTOP, state, NULL, l->id);
        }
        if (l->dir_created && cell_intelrdt_remove(l->dirfd, &err) < 0)
                cell_warn("%s", err.msg);
        if (l->dir_created && cell_state_remove_held(l->rt->root, l->id, l->dirfd, &err) < 0)
                cell_warn("%s", err.msg);
        l->dir_created = false;
}

void cell_launch_release(struct cell_launch *l)
{
        cell_launch_close_fds(l, false);
        cell_seccomp_filter_free(l->seccomp);
        cell_lsm_attr_release(&l->lsm);
        cell_cgroup_free(l->cgroup);
        cell_spec_free(l->spec);
        cell_strv_free(l->env);
        free(l->config_text);
        free(l->bundle);
        free(l->rootfs);
        cell_state_record_release(&l->rec);
        cell_launch_init(l);
}

int cell_container_create(const struct cell_runtime *rt, const char *id,
                          const struct cell_create_opts *opts, struct cell_error *err)
{
        struct cell_launch l;
        cell_launch_init(&l);
        int r = cell_launch_create(&l, rt, id, opts, false, err);
        cell_launch_release(&l);
        return r;
}
