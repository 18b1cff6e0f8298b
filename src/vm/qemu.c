/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QEMU command line of a cell micro-VM, built as data (an argv) so that a
 * test or the benchmark can read it without starting anything.
 *
 * Machine: microvm, the lightest QEMU has: no PCI, no ACPI (acpi=off: the
 * kernel is built without it and finds the CPUs in qboot's MP table), devices on
 * virtio-mmio announced on the kernel command line (auto-kernel-cmdline).  The
 * kernel is booted as an uncompressed vmlinux through its PVH entry point.
 *
 * The CMOS clock stays: the guest reads the wall clock from it, and without it
 * the kernel spends a second of its boot timing out on the read.  The PIC and the
 * PIT stay too: without them no interrupt reached the guest under TCG.
 *
 * Devices: the 8250 serial line carries the kernel console (for the boot
 * timeout's error message); a virtio-serial port "cell.io" carries everything
 * else (protocol.h); a virtio-9p device shares the rootfs.  Both chardevs are
 * sockets that QEMU inherits as fds: no path on disk to clean up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"
#include "vm/protocol.h"
#include "vm/vm.h"

/*
 * Under TCG the guest's TSC runs at the host's rate (QEMU reads the host's
 * TSC), and microvm has no device the kernel could calibrate it against in
 * reasonable time: tsc_early_khz gives the rate.  The host's "cpu MHz" is its
 * TSC rate on hosts with constant_tsc; 1 GHz when it cannot be read.
 */
static unsigned long host_tsc_khz(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
        char line[256];
        double mhz = 0;
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
                        break;
        return mhz > 0 ? (unsigned long)(mhz * 1000) : 1000000;
}

char *cell_vm_kernel_cmdline(enum cell_vm_accel accel)
{
        /*
         * quiet: each console line costs port I/O exits under TCG.  reboot=t and
         * panic=-1: the guest's power-off and a panic both end in an immediate
         * reset, which -no-reboot turns into QEMU's exit.  rdinit: the initramfs'
         * /init is cell-guest-init.
         */
        char *base = xasprintf("console=ttyS0 quiet reboot=t panic=-1 rdinit=/init "
                               "8250.nr_uarts=1 nokaslr tsc=reliable");
        if (accel == CELL_VM_ACCEL_KVM)
                return base;
        char *line = xasprintf("%s tsc_early_khz=%lu", base, host_tsc_khz());
        free(base);
        return line;
}

struct argv_builder {
        char **v;
        size_t n;
};

static void add(struct argv_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv_builder *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        b->v = xreallocarray(b->v, b->n + 2, sizeof *b->v);
        b->v[b->n++] = xvasprintf(fmt, ap);
        b->v[b->n] = NULL;
        va_end(ap);
}

/* QEMU's option syntax doubles a comma inside a value. */
static char *qemu_escape(const char *s)
{
        size_t extra = 0;
        for (const char *p = s; *p; p++)
                extra += *p == ',';
        char *out = xmalloc(strlen(s) + extra + 1), *o = out;
        for (const char *p = s; *p; p++) {
                *o++ = *p;
                if (*p == ',')
                        *o++ = ',';
        }
        *o = '\0';
        return out;
}

char **cell_vm_qemu_argv(const struct cell_vm_config *cfg, const char *qemu, const char *kernel,
                         enum cell_vm_accel accel, const char *initrd, int io_fd, int console_fd,
                         struct cell_error *err)
{
        uint64_t memory = cfg->memory_bytes ? cfg->memory_bytes : 256ull << 20;
        if (memory < CELL_VM_MEMORY_MIN)
                return cell_error_set(err, EINVAL,
                                      "memory %llu MiB is below the %llu MiB a micro-VM needs",
                                      (unsigned long long)(memory >> 20),
                                      (unsigned long long)(CELL_VM_MEMORY_MIN >> 20)),
                       NULL;
        if (cfg->n_shares > CELL_VM_SHARES_MAX)
                return cell_error_set(err, E2BIG, "%zu volumes: a micro-VM takes at most %d",
                                      cfg->n_shares, CELL_VM_SHARES_MAX),
                       NULL;
        unsigned cpus = cfg->cpus ? cfg->cpus : 1;
        if (cpus > 16)
                return cell_error_set(err, EINVAL, "%u vCPUs: the guest kernel supports at most 16",
                                      cpus),
                       NULL;
        _cleanup_free_ char *rootfs = qemu_escape(cfg->rootfs);
        _cleanup_free_ char *cmdline = cell_vm_kernel_cmdline(accel);
        struct argv_builder b = {0};
        add(&b, "%s", qemu);
        add(&b, "-M");
        add(&b, "microvm,accel=%s,acpi=off,rtc=on,isa-serial=on",
            accel == CELL_VM_ACCEL_KVM ? "kvm" : "tcg");
        add(&b, "-cpu");
        add(&b, accel == CELL_VM_ACCEL_KVM ? "host" : "max");
        add(&b, "-m");
        add(&b, "%llum", (unsigned long long)((memory + (1 << 20) - 1) >> 20));
        add(&b, "-smp");
        add(&b, "%u", cpus);
        add(&b, "-nodefaults");
        add(&b, "-no-user-config");
        add(&b, "-display");
        add(&b, "none");
        add(&b, "-no-reboot");
        add(&b, "-kernel");
        add(&b, "%s", kernel);
        add(&b, "-initrd");
        add(&b, "%s", initrd);
        add(&b, "-append");
        add(&b, "%s", cmdline);
        add(&b, "-chardev");
        add(&b, "socket,id=console,fd=%d", console_fd);
        add(&b, "-serial");
        add(&b, "chardev:console");
        add(&b, "-device");
        add(&b, "virtio-serial-device,max_ports=2");
        add(&b, "-chardev");
        add(&b, "socket,id=io,fd=%d", io_fd);
        add(&b, "-device");
        add(&b, "virtserialport,chardev=io,name=%s,nr=1", CELL_VM_PORT_NAME);
        add(&b, "-fsdev");
        add(&b, "local,id=root,path=%s,security_model=%s%s", rootfs,
            geteuid() == 0 ? "passthrough" : "none",
            cfg->rootfs_shared && !cfg->rootfs_readonly ? "" : ",readonly=on");
        add(&b, "-device");
        add(&b, "virtio-9p-device,fsdev=root,mount_tag=%s", CELL_VM_ROOTFS_TAG);
        for (size_t i = 0; i < cfg->n_shares; i++) {
                _cleanup_free_ char *src = qemu_escape(cfg->shares[i].source);
                add(&b, "-fsdev");
                add(&b, "local,id=share%zu,path=%s,security_model=%s%s", i, src,
                    geteuid() == 0 ? "passthrough" : "none",
                    cfg->shares[i].read_only ? ",readonly=on" : "");
                add(&b, "-device");
                add(&b, "virtio-9p-device,fsdev=share%zu,mount_tag=" CELL_VM_SHARE_TAG "%zu", i, i);
        }
        return b.v;
}

char **cell_vm_qemu_argv_net(char **argv, const struct cell_vm_net *net)
{
        struct argv_builder b = {.v = argv};
        while (b.v[b.n])
                b.n++;
        const unsigned char *m = net->mac;
        add(&b, "-netdev");
        add(&b, "tap,id=net0,fd=%d", net->tap_fd);
        add(&b, "-device");
        add(&b, "virtio-net-device,netdev=net0,mac=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
            m[2], m[3], m[4], m[5]);
        return b.v;
}
