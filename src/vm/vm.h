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
 *
 * Every function returns < 0 and fills `err` on failure, and leaves no process
 * behind: QEMU runs with PR_SET_PDEATHSIG=SIGKILL and in its own process group,
 * and every error path after the spawn kills and reaps it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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

struct cell_vm_config {
        const char *qemu, *kernel, *init; /* NULL: cell_vm_find_*() */
        enum cell_vm_accel accel;         /* AUTO: cell_vm_accel_probe() */
        const char *accel_cache_dir;      /* for the probe's cache; NULL: no cache */

        const char *rootfs; /* host directory shared with the guest over 9p */
        bool rootfs_shared; /* true: the guest writes into rootfs itself; false: a tmpfs
                               overlay in the guest, rootfs is only read */

        char *const *argv; /* the process, argv[0] looked up in the env's PATH in the guest */
        char *const *env;  /* NULL-terminated; PATH is added when missing */
        const char *cwd;   /* NULL: "/" */
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        const char *hostname; /* NULL: "cell" */

        uint64_t memory_bytes; /* 0: 256 MiB; at least CELL_VM_MEMORY_MIN */
        unsigned cpus;         /* 0: 1 */
        int boot_timeout_ms;   /* 0: 30 s (TCG), from spawn to the init's "started" */

        int stdin_fd;  /* -1: the process reads end of file */
        int stdout_fd; /* the process' stdout and stderr are written here */
        int stderr_fd;
        int console_fd;       /* -1, or where the guest's kernel console is copied (debugging) */
        bool forward_signals; /* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 of the caller go to
                                 the process while cell_vm_run() runs */
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

#endif
