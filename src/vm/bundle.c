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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
        c->argv = p->args;
        c->env = b->env;
        c->cwd = p->cwd;
        c->uid = p->uid;
        c->gid = p->gid;
        c->groups = p->additional_gids;
        c->n_groups = p->n_additional_gids;
        c->hostname = spec->hostname;
        const struct cell_resources *r = &spec->linux.resources;
        if (r->memory.has_limit && r->memory.limit > 0)
                c->memory_bytes = (uint64_t)r->memory.limit;
        c->cpus = cpus_of(r);
        collect_shares(spec, b);
        c->stdin_fd = 0;
        c->stdout_fd = 1;
        c->stderr_fd = 2;
        c->console_fd = -1;
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

static void __attribute__((noreturn))
vm_child(struct cell_vm_config *c, int gate, pid_t parent)
{
        prctl(PR_SET_NAME, CELL_VM_PROCESS_NAME);
        if (dup2(gate, 3) < 0)
                _exit(125);
        close_above(3);
        /* The launcher's exit opens the gate: from then on our parent is the
         * subreaper that holds the container (or init), and its death is ours. */
        char byte;
        while (read(3, &byte, 1) < 0 && errno == EINTR)
                ;
        close(3);
        /* An exiting process closes its files before its children are re-parented. */
        for (int i = 0; i < 10000 && getppid() == parent; i++)
                nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        pid_t holder = getppid();
        if (holder == parent || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != holder) {
                dprintf(2, "cell: micro-VM: its holder went away before the VM started\n");
                _exit(125);
        }
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

pid_t cell_vm_launch(struct cell_vm_config *c, struct cell_error *err)
{
        int gate[2];
        if (pipe2(gate, O_CLOEXEC) < 0)
                return cell_error_errno(err, "micro-VM: pipe");
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                cell_error_errno(err, "micro-VM: fork");
                close(gate[0]);
                close(gate[1]);
                return -1;
        }
        if (pid == 0) {
                close(gate[1]);
                vm_child(c, gate[0], parent);
        }
        close(gate[0]);
        /* gate[1] stays open, close-on-exec, until this process exits or execs */
        return pid;
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

pid_t cell_vm_launch_bundle(const char *bundle, const char *cache_dir, struct cell_error *err)
{
        struct cell_spec *spec = NULL;
        if (read_spec(bundle, &spec, err) < 0)
                return -1;
        struct cell_vm_bundle_config b = {0};
        pid_t pid = -1;
        if (spec->has_process && spec->process.terminal)
                cell_error_set(err, ENOTSUP, "micro-VM: a terminal (-t) is not supported yet");
        else if (cell_vm_bundle_config(bundle, spec, &b, err) == 0) {
                b.config.accel_cache_dir = cache_dir;
                pid = cell_vm_launch(&b.config, err);
        }
        cell_vm_bundle_config_release(&b);
        cell_spec_free(spec);
        return pid;
}
