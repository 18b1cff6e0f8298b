/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI bundle as a micro-VM: the config.json that a container would run
 * becomes a struct cell_vm_config, and the VM runs in a child process of its
 * own ("cell-vm") that stands where a container's init would: its stdio is the
 * container's, its exit status the container's, the signals sent to it go to
 * the process in the guest, and its SIGKILL takes QEMU with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/protocol.h"
#include "vm/vm.h"

bool cell_vm_spec_wants_vm(const struct cell_spec *spec)
{
        for (size_t i = 0; spec && i < spec->n_annotations; i++)
                if (!strcmp(spec->annotations[i].key, CELL_VM_ANNOTATION))
                        return spec->annotations[i].value &&
                               !strcmp(spec->annotations[i].value, "vm");
        return false;
}

void cell_vm_bundle_config_release(struct cell_vm_bundle_config *b)
{
        free(b->rootfs);
        free(b->env);
        free(b->shares);
        memset(b, 0, sizeof *b);
}

static bool is_dir(const char *path)
{
        struct stat st;
        return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The spec's bind mounts of host directories, read-only when "ro" is among the options. */
static void collect_shares(const struct cell_spec *spec, struct cell_vm_bundle_config *b)
{
        b->shares = xcalloc(spec->n_mounts + 1, sizeof *b->shares);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct cell_mount *m = &spec->mounts[i];
                bool bind = m->bind || (m->type && !strcmp(m->type, "bind"));
                /* files (hosts, resolv.conf, --init's binary): 9p shares directories only */
                if (!bind || !is_dir(m->source))
                        continue;
                b->shares[b->config.n_shares++] = (struct cell_vm_share){
                        .source = m->source,
                        .destination = m->destination,
                        .read_only = (m->flags & MS_RDONLY) != 0,
                };
        }
        b->config.shares = b->shares;
}

/* CPUs as the quota allows, rounded up (docker's --cpus=1.5 is two vCPUs). */
static unsigned cpus_of(const struct cell_resources *r)
{
        if (!r->cpu.has_quota || r->cpu.quota <= 0)
                return 0;
        uint64_t period = r->cpu.has_period && r->cpu.period ? r->cpu.period : 100000;
        return (unsigned)(((uint64_t)r->cpu.quota + period - 1) / period);
}

int cell_vm_bundle_config(const char *bundle, const struct cell_spec *spec,
                          struct cell_vm_bundle_config *b, struct cell_error *err)
{
        memset(b, 0, sizeof *b);
        if (!spec->has_process)
                return cell_error_set(err, EINVAL, "micro-VM: bundle %s has no process", bundle);
        const struct cell_process *p = &spec->process;
        const char *root = spec->root_path ? spec->root_path : "rootfs";
        b->rootfs = root[0] == '/' ? xstrdup(root) : cell_path_join(bundle, root);
        b->env = xcalloc(p->n_env + 1, sizeof *b->env);
        for (size_t i = 0; i < p->n_env; i++)
                b->env[i] = p->env[i];
        struct cell_vm_config *c = &b->config;
        c->rootfs = b->rootfs;
        c->rootfs_shared = true; /* the container's own writable rootfs: the guest writes it */
        c->rootfs_readonly = spec->root_readonly;
        c->argv = p->args;
        c->env = b->env;
        c->cwd = p->cwd;
        c->uid = p->uid;
        c->gid = p->gid;
        c->groups = p->additional_gids;
        c->n_groups = p->n_additional_gids;
        c->hostname = spec->hostname;
        const struct cell_namespace *net = &spec->linux.namespaces[CELL_NS_NET];
        c->netns_path = net->enabled ? net->path : NULL; /* a new, empty one: no NIC */
        const struct cell_resources *r = &spec->linux.resources;
        if (r->memory.has_limit && r->memory.limit > 0)
                c->memory_bytes = (uint64_t)r->memory.limit;
        c->cpus = cpus_of(r);
        collect_shares(spec, b);
        c->stdin_fd = 0;
        c->stdout_fd = 1;
        c->stderr_fd = 2;
        c->console_fd = -1;
        c->exec_listen_fd = -1;
        c->forward_signals = true;
        if (c->memory_bytes && c->memory_bytes < CELL_VM_MEMORY_MIN)
                return cell_error_set(err, EINVAL,
                                      "micro-VM: memory %llu MiB is below the %llu MiB the guest "
                                      "needs",
                                      (unsigned long long)(c->memory_bytes >> 20),
                                      (unsigned long long)(CELL_VM_MEMORY_MIN >> 20));
        if (c->n_shares > CELL_VM_SHARES_MAX)
                return cell_error_set(err, E2BIG, "micro-VM: %zu volumes, at most %d",
                                      c->n_shares, CELL_VM_SHARES_MAX);
        return 0;
}

/* Close everything above `keep` (the caller's locks and pipes are not the VM's). */
static void close_above(int keep)
{
        if (syscall(SYS_close_range, keep + 1, ~0U, 0) == 0)
                return;
        for (int fd = keep + 1; fd < 1024; fd++)
                close(fd);
}

/* The host side of the guest's pty: our stdio, raw (the guest's pty does the line discipline). */
static int take_terminal(int slave)
{
        struct termios t;
        if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || tcgetattr(slave, &t) < 0)
                return -1;
        cfmakeraw(&t);
        if (tcsetattr(slave, TCSANOW, &t) < 0)
                return -1;
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return -1;
        return 0;
}

/* How the VM process starts: what launch() hands to the child. */
struct launch_fds {
        int gate;      /* -1: die with the launcher at once (it waits for us) */
        int tty_slave; /* -1: no terminal */
        int start;     /* -1, or an O_PATH fd of a runtime's exec.fifo: wait for `start` */
};

/* fds 0-2 (or the tty), the gate as 3, the exec socket as 4, the start fifo as 5. */
static void arrange_fds(struct cell_vm_config *c, struct launch_fds *f)
{
        int g = f->gate >= 0 ? fcntl(f->gate, F_DUPFD, 10) : -1;
        int l = c->exec_listen_fd >= 0 ? fcntl(c->exec_listen_fd, F_DUPFD, 10) : -1;
        int t = f->tty_slave >= 0 ? fcntl(f->tty_slave, F_DUPFD, 10) : -1;
        int s = f->start >= 0 ? fcntl(f->start, F_DUPFD, 10) : -1;
        if ((f->gate >= 0 && g < 0) || (c->exec_listen_fd >= 0 && l < 0) ||
            (f->tty_slave >= 0 && t < 0) || (f->start >= 0 && s < 0) ||
            (t >= 0 && take_terminal(t) < 0) || (g >= 0 && dup2(g, 3) < 0) ||
            (l >= 0 && dup2(l, 4) < 0) || (s >= 0 && dup2(s, 5) < 0))
                _exit(125);
        c->exec_listen_fd = l >= 0 ? 4 : -1;
        f->gate = g >= 0 ? 3 : -1;
        f->start = s >= 0 ? 5 : -1;
        close_above(5);
        for (int fd = 3; fd <= 5; fd++)
                if (fd != f->gate && fd != c->exec_listen_fd && fd != f->start)
                        close(fd);
}

/* Blocks until a runtime's `start` opens exec.fifo, then says so with a byte and closes it. */
static void wait_for_start(int fifo)
{
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fifo);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
                _exit(125);
        close(fd);
        close(fifo);
}

static void __attribute__((noreturn))
vm_child(struct cell_vm_config *c, struct launch_fds *f, pid_t parent)
{
        prctl(PR_SET_NAME, CELL_VM_PROCESS_NAME);
        arrange_fds(c, f);
        if (f->gate >= 0) {
                /* The launcher's exit opens the gate: from then on our parent is the
                 * subreaper that holds the container (or init), and its death is ours. */
                char byte;
                while (read(f->gate, &byte, 1) < 0 && errno == EINTR)
                        ;
                close(f->gate);
                /* An exiting process closes its files before its children are re-parented. */
                for (int i = 0; i < 10000 && getppid() == parent; i++)
                        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
        pid_t holder = getppid();
        if ((f->gate >= 0 && holder == parent) || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
            getppid() != holder) {
                dprintf(2, "cell: micro-VM: its holder went away before the VM started\n");
                _exit(125);
        }
        if (f->start >= 0)
                wait_for_start(f->start);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int s = 1; s < NSIG; s++)
                sigaction(s, &dfl, NULL);
        int status = 125;
        struct cell_error err;
        cell_error_clear(&err);
        if (cell_vm_run(c, &status, &err) < 0)
                dprintf(2, "cell: %s\n", err.msg);
        _exit(status);
}

static pid_t launch(struct cell_vm_config *c, int tty_slave, int start_fd, bool gated,
                    struct cell_error *err)
{
        int gate[2] = {-1, -1};
        if (gated && pipe2(gate, O_CLOEXEC) < 0)
                return cell_error_errno(err, "micro-VM: pipe");
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                cell_error_errno(err, "micro-VM: fork");
                if (gated) {
                        close(gate[0]);
                        close(gate[1]);
                }
                return -1;
        }
        if (pid == 0) {
                if (gated)
                        close(gate[1]);
                struct launch_fds f = {.gate = gate[0], .tty_slave = tty_slave, .start = start_fd};
                vm_child(c, &f, parent);
        }
        if (gated)
                close(gate[0]);
        /* gate[1] stays open, close-on-exec, until this process exits or execs */
        return pid;
}

pid_t cell_vm_launch(struct cell_vm_config *c, struct cell_error *err)
{
        return launch(c, -1, -1, true, err);
}

/* <bundle>/CELL_VM_EXEC_SOCKET, listening; reached through /proc for a long bundle path. */
static int exec_socket(const char *bundle, struct cell_error *err)
{
        _cleanup_close_ int dir = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return cell_error_errno(err, "micro-VM: open bundle %s", bundle);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/" CELL_VM_EXEC_SOCKET, dir);
        unlinkat(dir, CELL_VM_EXEC_SOCKET, 0);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0)
                return cell_error_errno(err, "micro-VM: the exec socket %s/%s", bundle,
                                        CELL_VM_EXEC_SOCKET);
        return steal_fd(fd);
}

/* A host pty whose master goes to `console_socket`; returns the slave. */
static int host_terminal(const char *console_socket, struct cell_error *err)
{
        if (!console_socket)
                return cell_error_set(err, EINVAL, "micro-VM: a terminal needs a console socket");
        char name[64];
        _cleanup_close_ int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
            ptsname_r(master, name, sizeof name) != 0)
                return cell_error_errno(err, "micro-VM: open a pty");
        _cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return cell_error_errno(err, "micro-VM: open %s", name);
        if (cell_console_socket_send(console_socket, master, err) < 0)
                return cell_error_prefix(err, "micro-VM: --console-socket %s", console_socket);
        return steal_fd(slave);
}

static int read_spec(const char *bundle, struct cell_spec **spec, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (cell_read_input("config.json", path, false, &text, &len, err) < 0)
                return -1;
        return cell_spec_parse(text, len, spec, err);
}

bool cell_vm_bundle_wants_vm(const char *bundle)
{
        struct cell_spec *spec = NULL;
        struct cell_error ignored;
        if (read_spec(bundle, &spec, &ignored) < 0)
                return false;
        bool vm = cell_vm_spec_wants_vm(spec);
        cell_spec_free(spec);
        return vm;
}

pid_t cell_vm_launch_bundle(const char *bundle, const char *console_socket, const char *cache_dir,
                            struct cell_error *err)
{
        struct cell_spec *spec = NULL;
        if (read_spec(bundle, &spec, err) < 0)
                return -1;
        struct cell_vm_launch_opts o = {.console_socket = console_socket, .cache_dir = cache_dir,
                                        .start_fd = -1};
        pid_t pid = cell_vm_launch_spec(bundle, spec, &o, err);
        cell_spec_free(spec);
        return pid;
}

pid_t cell_vm_launch_spec(const char *bundle, const struct cell_spec *spec,
                          const struct cell_vm_launch_opts *o, struct cell_error *err)
{
        const char *console_socket = o->console_socket;
        struct cell_vm_bundle_config b = {0};
        pid_t pid = -1;
        int listen_fd = -1, tty = -1;
        if (cell_vm_bundle_config(bundle, spec, &b, err) == 0 &&
            (listen_fd = exec_socket(bundle, err)) >= 0 &&
            (!spec->process.terminal || (tty = host_terminal(console_socket, err)) >= 0)) {
                b.config.accel_cache_dir = o->cache_dir;
                b.config.exec_listen_fd = listen_fd;
                b.config.tty = spec->process.terminal;
                pid = launch(&b.config, tty, o->start_fd, true, err);
        }
        if (listen_fd >= 0)
                close(listen_fd);
        if (tty >= 0)
                close(tty);
        cell_vm_bundle_config_release(&b);
        return pid;
}
