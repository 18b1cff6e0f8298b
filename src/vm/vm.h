/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_VM_VM_H
#define CELL_VM_VM_H

/*
 * Micro-VM isolation (issue 15): run one process from a rootfs directory in a
 * QEMU microvm with cell's own guest kernel and init.
 *
 * The pieces, and where they are:
 *   scripts/guest-kernel.sh       builds the guest kernel (tinyconfig + guest-kernel.config)
 *   src/vm/guest/init.c           cell-guest-init, PID 1 in the guest
 *   src/vm/protocol.h             the one channel between host and guest
 *   src/vm/accel.c                which accelerator QEMU uses (KVM or TCG) and why
 *   src/vm/qemu.c                 the QEMU command line (a plan, testable without QEMU)
 *   src/vm/initramfs.c            the one-file initramfs that carries the init
 *   src/vm/run.c                  spawn QEMU, relay stdio, boot timeout, exit status, cleanup
 *   src/vm/paths.c                where the kernel, the init and QEMU are found
 *   src/vm/exec.c                 cell_vm_exec: a process added to a running VM
 *   src/vm/bundle.c               an OCI bundle as a VM, launched where a container's init would be
 *   src/vm/net.c                  the container's network namespace handed to the guest (tap + bridge)
 *
 * Every function returns < 0 and fills `err` on failure, and leaves no process
 * behind: QEMU runs with PR_SET_PDEATHSIG=SIGKILL and in its own process group,
 * and every error path after the spawn kills and reaps it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

enum cell_vm_accel {
        CELL_VM_ACCEL_AUTO = 0, /* probe (cell_vm_accel_probe) */
        CELL_VM_ACCEL_TCG,
        CELL_VM_ACCEL_KVM,
};

struct cell_vm_accel_info {
        enum cell_vm_accel accel; /* TCG or KVM, never AUTO */
        char reason[512];         /* one sentence: why this one */
        bool from_cache;
};

const char *cell_vm_accel_name(enum cell_vm_accel accel);

/*
 * Decide the accelerator.  $CELL_VM_ACCEL ("kvm" or "tcg") forces a choice.
 * Otherwise /dev/kvm must open, run a few bytes of real-mode code through
 * KVM_RUN (an OUT then a HLT, both seen as exits) and then boot `kernel` with
 * `init` under `-accel kvm` to a reply from the init within a few seconds:
 * a /dev/kvm that opens, or even runs a toy guest, is not proof (the
 * paravirtual KVM of some hosts emulates every instruction and crashes stock
 * kernels).  Any failure means TCG, with the reason.  The answer is cached in
 * `cache_dir`/vm-accel (keyed by boot id, QEMU, kernel and init) when
 * cache_dir is not NULL.  Returns < 0 only when nothing can be decided (QEMU
 * missing for the boot check is a TCG answer, not an error).
 */
int cell_vm_accel_probe(const char *qemu, const char *kernel, const char *init,
                        const char *cache_dir, struct cell_vm_accel_info *out,
                        struct cell_error *err);

/* The KVM_RUN check alone: 0 when a real-mode toy guest ran, else < 0 and why. */
int cell_vm_kvm_toy_guest(struct cell_error *err);

/*
 * Where the parts are found, each by an environment variable first:
 *   QEMU:   $CELL_QEMU, else qemu-system-x86_64 in $PATH
 *   kernel: $CELL_GUEST_KERNEL, else <dir of this executable>/../.deps/guest-kernel/current/vmlinux
 *           (the build tree), else /usr/lib/cell/vmlinux
 *   init:   $CELL_GUEST_INIT, else <dir of this executable>/cell-guest-init (build tree and
 *           install), else <dir>/src/vm/cell-guest-init, else /usr/libexec/cell/cell-guest-init
 * Each returns a malloc'ed path the caller frees, or NULL and an error that says
 * what is missing and how to get it.
 */
char *cell_vm_find_qemu(struct cell_error *err);
char *cell_vm_find_kernel(struct cell_error *err);
char *cell_vm_find_init(struct cell_error *err);

/*
 * What `cell check` prints about micro-VMs: one line per part (QEMU, kernel,
 * init: the path, or what is missing), and the accelerator with why
 * (cell_vm_accel_probe with `cache_dir`).  *out is malloc'ed text.
 */
int cell_vm_check_report(const char *cache_dir, char **out, struct cell_error *err);

/* A host directory shared with the guest over 9p and mounted at `destination` (-v). */
struct cell_vm_share {
        const char *source;      /* host directory */
        const char *destination; /* absolute path in the guest's root */
        bool read_only;
};

struct cell_vm_config {
        const char *qemu, *kernel, *init; /* NULL: cell_vm_find_*() */
        enum cell_vm_accel accel;         /* AUTO: cell_vm_accel_probe() */
        const char *accel_cache_dir;      /* for the probe's cache; NULL: no cache */

        const char *rootfs; /* host directory shared with the guest over 9p */
        bool rootfs_shared; /* true: the guest writes into rootfs itself; false: a tmpfs
                               overlay in the guest, rootfs is only read */
        bool rootfs_readonly; /* with rootfs_shared: mounted read-only (--read-only) */

        char *const *argv; /* the process, argv[0] looked up in the env's PATH in the guest */
        char *const *env;  /* NULL-terminated; PATH is added when missing */
        const char *cwd;   /* NULL: "/" */
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        const char *hostname; /* NULL: "cell" */
        const char *netns_path; /* NULL, or the container's network namespace: its interface
                                   goes to the guest (cell_vm_net_prepare) */
        const struct cell_vm_share *shares; /* mounted after the rootfs, in order */
        size_t n_shares;

        uint64_t memory_bytes; /* 0: 256 MiB; at least CELL_VM_MEMORY_MIN */
        unsigned cpus;         /* 0: 1 */
        int boot_timeout_ms;   /* 0: 30 s (TCG), from spawn to the init's "started" */

        int stdin_fd;  /* -1: the process reads end of file */
        int stdout_fd; /* the process' stdout and stderr are written here */
        int stderr_fd;
        int console_fd;       /* -1, or where the guest's kernel console is copied (debugging) */
        bool forward_signals; /* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 of the caller go to
                                 the process while cell_vm_run() runs */
        bool tty;            /* the process gets a pty in the guest; stdin_fd is a terminal (or -1)
                                whose size the guest's pty follows (SIGWINCH, with forward_signals) */
        unsigned short rows, cols; /* the first size when stdin_fd is no terminal; 0: 24x80 */
        int exec_listen_fd;  /* -1, or a listening unix socket: each connection is an exec
                                (cell_vm_exec) into the running VM, served while it runs */
};

#define CELL_VM_MEMORY_MIN (48ull << 20)

/*
 * The QEMU argv for `cfg` (NULL-terminated, caller frees with cell_strv_free),
 * given the accelerator, the initramfs path and the fd numbers QEMU will have
 * for the channel and the console socket.
 */
char **cell_vm_qemu_argv(const struct cell_vm_config *cfg, const char *qemu, const char *kernel,
                         enum cell_vm_accel accel, const char *initrd, int io_fd, int console_fd,
                         struct cell_error *err);

/*
 * The guest's network (vm/net.c).  In `netns_path` (which the calling process
 * joins, for good: call it in the VM process only) the first interface with an
 * IPv4 address is bridged with a new tap device, and its address, prefix,
 * default gateway and MAC are handed to the guest's virtio-net NIC.
 */
struct cell_vm_net {
        char ifname[16]; /* IFNAMSIZ */
        uint32_t address, gateway; /* network order; gateway 0: none */
        unsigned prefix;
        unsigned char mac[6];
        int tap_fd; /* QEMU's -netdev tap,fd= */
};
int cell_vm_net_prepare(const char *netns_path, struct cell_vm_net *out, struct cell_error *err);
/* The CONFIG record's value: "<address>/<prefix> <gateway|->". Caller frees. */
char *cell_vm_net_record(const struct cell_vm_net *net);
/* `argv` (from cell_vm_qemu_argv) with the virtio-net NIC on `net`'s tap; reallocated. */
char **cell_vm_qemu_argv_net(char **argv, const struct cell_vm_net *net);

/* The kernel command line cell boots the guest with. Caller frees. */
char *cell_vm_kernel_cmdline(enum cell_vm_accel accel);

/*
 * A memfd holding the newc initramfs with `init` as /init and /dev/console,
 * not close-on-exec (QEMU opens it as /proc/self/fd/N).  Returns the fd.
 */
int cell_vm_initramfs(const char *init, struct cell_error *err);

/*
 * Boot the VM, run the process, relay its stdio, return once QEMU is gone.
 * Returns 0 and the process' exit status (docker's numbering: 128+N after
 * signal N) in *status.  Returns < 0 when the process did not run to an exit
 * status: *status is then 126 or 127 when the guest could not execute or find
 * the command, else 125; `err` says why and, for a guest that did not boot,
 * quotes the last lines of its console.  QEMU is gone on every return.
 */
int cell_vm_run(const struct cell_vm_config *cfg, int *status, struct cell_error *err);

/*
 * OCI bundles.  A config.json whose annotation CELL_VM_ANNOTATION is "vm"
 * asks for a micro-VM instead of a container (the engine's --isolation=vm
 * writes it; podman passes it with --annotation).
 */
#define CELL_VM_ANNOTATION "cell.isolation"
/* comm of the process that runs a bundle's VM (what `rm -f` may kill). */
#define CELL_VM_PROCESS_NAME "cell-vm"

bool cell_vm_spec_wants_vm(const struct cell_spec *spec);

/*
 * A bundle's VM configuration: rootfs (root.path, shared writable: the
 * guest writes into it as the container would), process args, env, cwd,
 * user and groups, hostname, memory limit as guest RAM, CPU quota as vCPUs
 * (rounded up), and every bind mount of a host directory as a 9p share
 * (file binds are left out: 9p shares directories).  stdio is fds 0-2,
 * signals are forwarded.  `config` points into `spec` and into the struct's
 * own allocations: keep both until the VM is launched; release with
 * cell_vm_bundle_config_release.
 */
struct cell_vm_bundle_config {
        struct cell_vm_config config;
        char *rootfs;
        char **env;
        struct cell_vm_share *shares;
};

int cell_vm_bundle_config(const char *bundle, const struct cell_spec *spec,
                          struct cell_vm_bundle_config *out, struct cell_error *err);
void cell_vm_bundle_config_release(struct cell_vm_bundle_config *b);

/*
 * Launch `cfg` in a child process named CELL_VM_PROCESS_NAME and return its
 * pid.  The child inherits fds 0-2 (the container's stdio) and nothing else,
 * and waits until the calling process has exited or exec'd before it spawns
 * QEMU: from then on it dies with its (new) parent, the subreaper that holds
 * the container (PR_SET_PDEATHSIG), and QEMU dies with it.  It exits with
 * cell_vm_run()'s status (128+N after signal N in the guest; 125/126/127
 * with the reason on its stderr when the process could not run), or is
 * killed by a signal: SIGKILL of it is the VM's SIGKILL.  Signals it gets
 * (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2) go to the guest's process.
 */
pid_t cell_vm_launch(struct cell_vm_config *cfg, struct cell_error *err);

/* Whether `bundle`/config.json asks for a VM (false when it cannot be read). */
bool cell_vm_bundle_wants_vm(const char *bundle);

/*
 * cell_vm_bundle_config() of `bundle` and cell_vm_launch(): the VM that stands
 * for the bundle's container init, serving exec on <bundle>/CELL_VM_EXEC_SOCKET.
 * With process.terminal the process gets a pty in the guest, relayed through a
 * pty on the host whose master goes to `console_socket` (required then), as a
 * runtime's would.  `cache_dir` keeps the accelerator probe's answer (may be
 * NULL).  Returns the pid, or -1 with err.
 */
pid_t cell_vm_launch_bundle(const char *bundle, const char *console_socket, const char *cache_dir,
                            struct cell_error *err);

/*
 * The same for a parsed `spec` of `bundle`, with `start_fd` >= 0 an O_PATH fd
 * of a runtime's exec.fifo: the VM process holds it (the container reads as
 * created) until `start` opens the fifo, writes one byte, closes it (running)
 * and only then boots the VM.
 */
struct cell_vm_launch_opts {
        const char *console_socket;
        const char *cache_dir;
        int start_fd;
};
pid_t cell_vm_launch_spec(const char *bundle, const struct cell_spec *spec,
                          const struct cell_vm_launch_opts *o, struct cell_error *err);

/* Where a bundle's VM serves exec: <bundle>/CELL_VM_EXEC_SOCKET, made by cell_vm_launch_bundle. */
#define CELL_VM_EXEC_SOCKET "cell-vm.sock"

/* A process added to a running VM (cell_vm_exec). */
struct cell_vm_exec_opts {
        char *const *argv; /* argv[0] looked up in env's PATH in the guest */
        char *const *env;  /* the whole environment (NULL-terminated) */
        const char *cwd;   /* NULL: "/" */
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        bool tty;    /* a pty in the guest; a terminal stdin_fd is put in raw mode meanwhile */
        bool detach; /* return once it runs: *status 0, its output dropped */
        int stdin_fd; /* -1: end of file */
        int stdout_fd, stderr_fd;
};

/*
 * Run `o` in the VM whose process (cell_vm_launch) listens on `socket_path`
 * (CELL_VM_EXEC_SOCKET of its bundle) and relay its stdio and our signals
 * (SIGWINCH: the size of a tty).  Returns 0 and its exit status (128+N after
 * signal N), or < 0: *status is 126/127 when the guest could not execute or
 * find the command (errnum EACCES/ENOENT), else 125.
 */
int cell_vm_exec(const char *socket_path, const struct cell_vm_exec_opts *o, int *status,
                 struct cell_error *err);

#endif
