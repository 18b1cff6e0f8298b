/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which accelerator QEMU gets: KVM when /dev/kvm really runs cell's guest,
 * TCG (QEMU's emulator) otherwise.
 *
 * Why not just open /dev/kvm: some hosts (these development machines among
 * them) expose a paravirtual /dev/kvm that opens, creates VMs and runs toy
 * guests, but emulates every instruction and crashes stock kernels.  So the
 * probe has two steps: a toy guest through the raw KVM API (cheap, rules out a
 * missing or broken device), then a real boot of the guest kernel and init
 * under `-accel kvm` with a short deadline.  Only a reply from the init counts.
 * The answer is cached per boot of the host, QEMU binary, kernel and init.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define PROBE_BOOT_TIMEOUT_MS 8000
#define TOY_PORT 0x10
#define TOY_VALUE 0x2a

const char *cell_vm_accel_name(enum cell_vm_accel accel)
{
        switch (accel) {
        case CELL_VM_ACCEL_KVM:
                return "kvm";
        case CELL_VM_ACCEL_TCG:
                return "tcg";
        default:
                return "auto";
        }
}

struct toy {
        int kvm, vm, vcpu;
        void *mem;
        struct kvm_run *run;
        size_t run_size;
};

static void toy_release(struct toy *t)
{
        if (t->run && t->run != MAP_FAILED)
                munmap(t->run, t->run_size);
        if (t->mem && t->mem != MAP_FAILED)
                munmap(t->mem, 0x1000);
        int fds[] = {t->vcpu, t->vm, t->kvm};
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* Real mode at 0x1000: mov al, 0x2a; out 0x10, al; hlt */
static int toy_setup(struct toy *t, struct cell_error *err)
{
        static const unsigned char code[] = {0xb0, TOY_VALUE, 0xe6, TOY_PORT, 0xf4};
        t->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (t->kvm < 0)
                return cell_error_errno(err, "open /dev/kvm");
        int version = ioctl(t->kvm, KVM_GET_API_VERSION, 0);
        if (version != KVM_API_VERSION)
                return cell_error_set(err, 0, "/dev/kvm speaks API version %d, not %d", version,
                                      KVM_API_VERSION);
        t->vm = ioctl(t->kvm, KVM_CREATE_VM, 0);
        if (t->vm < 0)
                return cell_error_errno(err, "KVM_CREATE_VM");
        t->mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (t->mem == MAP_FAILED)
                return cell_error_errno(err, "mmap guest memory");
        memcpy(t->mem, code, sizeof code);
        struct kvm_userspace_memory_region region = {
                .guest_phys_addr = 0x1000,
                .memory_size = 0x1000,
                .userspace_addr = (uintptr_t)t->mem,
        };
        if (ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
                return cell_error_errno(err, "KVM_SET_USER_MEMORY_REGION");
        t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
        if (t->vcpu < 0)
                return cell_error_errno(err, "KVM_CREATE_VCPU");
        int size = ioctl(t->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
        if (size <= 0)
                return cell_error_errno(err, "KVM_GET_VCPU_MMAP_SIZE");
        t->run_size = (size_t)size;
        t->run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, t->vcpu, 0);
        if (t->run == MAP_FAILED)
                return cell_error_errno(err, "mmap kvm_run");
        struct kvm_sregs sregs;
        if (ioctl(t->vcpu, KVM_GET_SREGS, &sregs) < 0)
                return cell_error_errno(err, "KVM_GET_SREGS");
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        if (ioctl(t->vcpu, KVM_SET_SREGS, &sregs) < 0)
                return cell_error_errno(err, "KVM_SET_SREGS");
        struct kvm_regs regs = {.rip = 0x1000, .rflags = 0x2};
        if (ioctl(t->vcpu, KVM_SET_REGS, &regs) < 0)
                return cell_error_errno(err, "KVM_SET_REGS");
        return 0;
}

int cell_vm_kvm_toy_guest(struct cell_error *err)
{
        struct toy t = {.kvm = -1, .vm = -1, .vcpu = -1};
        int ret = toy_setup(&t, err);
        if (ret == 0 && ioctl(t.vcpu, KVM_RUN, 0) < 0)
                ret = cell_error_errno(err, "KVM_RUN");
        if (ret == 0) {
                struct kvm_run *run = t.run;
                unsigned char *data = (unsigned char *)run + run->io.data_offset;
                if (run->exit_reason != KVM_EXIT_IO || run->io.port != TOY_PORT ||
                    *data != TOY_VALUE)
                        ret = cell_error_set(
                                err, 0, "toy guest: exit reason %u instead of an OUT to port 0x%x",
                                run->exit_reason, TOY_PORT);
                else if (ioctl(t.vcpu, KVM_RUN, 0) < 0)
                        ret = cell_error_errno(err, "KVM_RUN");
                else if (run->exit_reason != KVM_EXIT_HLT)
                        ret = cell_error_set(err, 0, "toy guest: exit reason %u instead of HLT",
                                             run->exit_reason);
        }
        toy_release(&t);
        return ret;
}

/* Boots kernel + init under KVM; any report of the init (here: "exec: not found") is a success. */
static int kvm_boot_check(const char *qemu, const char *kernel, const char *init,
                          struct cell_error *err)
{
        char dir[] = "/tmp/cell-vm-probe-XXXXXX";
        if (!mkdtemp(dir))
                return cell_error_errno(err, "mkdtemp");
        _cleanup_close_ int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        char *argv[] = {"/cell-accel-probe", NULL};
        struct cell_vm_config cfg = {
                .qemu = qemu,
                .kernel = kernel,
                .init = init,
                .accel = CELL_VM_ACCEL_KVM,
                .rootfs = dir,
                .argv = argv,
                .memory_bytes = 64ull << 20,
                .boot_timeout_ms = PROBE_BOOT_TIMEOUT_MS,
                .stdin_fd = -1,
                .stdout_fd = null,
                .stderr_fd = null,
                .console_fd = -1,
                .exec_listen_fd = -1,
        };
        int status;
        struct cell_error run_err = {0};
        int ret = cell_vm_run(&cfg, &status, &run_err);
        rmdir(dir);
        if (ret < 0 && status == 127)
                return 0;
        if (ret == 0)
                return cell_error_set(err, 0,
                                      "the probe guest ran a command that should not exist");
        return cell_error_set(err, run_err.errnum, "%s", run_err.msg);
}

static char *cache_key(const char *qemu, const char *kernel, const char *init)
{
        _cleanup_free_ char *boot_id = NULL;
        struct cell_error ignored;
        if (cell_read_file("/proc/sys/kernel/random/boot_id", &boot_id, NULL, &ignored) < 0)
                return NULL;
        boot_id[strcspn(boot_id, "\n")] = '\0';
        struct stat q, k, i;
        if (stat(qemu, &q) < 0 || stat(kernel, &k) < 0 || stat(init, &i) < 0)
                return NULL;
        return xasprintf("%s %s:%lld:%lld %s:%lld:%lld %s:%lld:%lld", boot_id, qemu,
                         (long long)q.st_size, (long long)q.st_mtime, kernel, (long long)k.st_size,
                         (long long)k.st_mtime, init, (long long)i.st_size, (long long)i.st_mtime);
}

static bool cache_read(const char *path, const char *key, struct cell_vm_accel_info *out)
{
        _cleanup_free_ char *text = NULL;
        struct cell_error ignored;
        if (cell_read_file(path, &text, NULL, &ignored) < 0)
                return false;
        char *save = NULL;
        char *k = strtok_r(text, "\n", &save), *a = strtok_r(NULL, "\n", &save),
             *why = strtok_r(NULL, "\n", &save);
        if (!k || !a || !why || strcmp(k, key) || (strcmp(a, "kvm") && strcmp(a, "tcg")))
                return false;
        out->accel = strcmp(a, "kvm") ? CELL_VM_ACCEL_TCG : CELL_VM_ACCEL_KVM;
        snprintf(out->reason, sizeof out->reason, "%s", why);
        out->from_cache = true;
        return true;
}

/* Best effort: without a cache the next command probes again. */
static void cache_write(const char *dir, const char *key, const struct cell_vm_accel_info *info)
{
        struct cell_error ignored;
        _cleanup_free_ char *text =
                xasprintf("%s\n%s\n%s\n", key, cell_vm_accel_name(info->accel), info->reason);
        if (cell_mkdir_p(dir, 0700, &ignored) < 0)
                return;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                cell_write_file_atomic(dfd, "vm-accel", text, strlen(text), &ignored);
}

/* The error's quoted lines ("\n  | ...") joined into one line, for the cache and `cell check`. */
static void one_line(char *msg)
{
        char *w = msg;
        for (const char *r = msg; *r; r++) {
                if (*r == '\n') {
                        *w++ = ' ';
                        while (r[1] == ' ' || r[1] == '|')
                                r++;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static void decide(const char *qemu, const char *kernel, const char *init,
                   struct cell_vm_accel_info *out)
{
        struct cell_error why = {0};
        out->accel = CELL_VM_ACCEL_TCG;
        if (cell_vm_kvm_toy_guest(&why) < 0) {
                snprintf(out->reason, sizeof out->reason,
                         "TCG: /dev/kvm cannot run a toy guest (%.400s)", why.msg);
        } else if (kvm_boot_check(qemu, kernel, init, &why) < 0) {
                one_line(why.msg);
                snprintf(out->reason, sizeof out->reason,
                         "TCG: /dev/kvm runs a toy guest but not cell's guest kernel (%.400s)",
                         why.msg);
        } else {
                out->accel = CELL_VM_ACCEL_KVM;
                snprintf(out->reason, sizeof out->reason,
                         "KVM: /dev/kvm booted cell's guest kernel and init");
        }
}

int cell_vm_accel_probe(const char *qemu, const char *kernel, const char *init,
                        const char *cache_dir, struct cell_vm_accel_info *out,
                        struct cell_error *err)
{
        (void)err;
        memset(out, 0, sizeof *out);
        const char *forced = getenv("CELL_VM_ACCEL");
        if (forced && (!strcmp(forced, "kvm") || !strcmp(forced, "tcg"))) {
                out->accel = strcmp(forced, "kvm") ? CELL_VM_ACCEL_TCG : CELL_VM_ACCEL_KVM;
                snprintf(out->reason, sizeof out->reason, "%s: forced by $CELL_VM_ACCEL",
                         strcmp(forced, "kvm") ? "TCG" : "KVM");
                return 0;
        }
        if (forced && *forced && strcmp(forced, "auto"))
                return cell_error_set(err, EINVAL, "$CELL_VM_ACCEL=%s: expected kvm, tcg or auto",
                                      forced);
        _cleanup_free_ char *key = cache_key(qemu, kernel, init);
        _cleanup_free_ char *path = cache_dir ? xasprintf("%s/vm-accel", cache_dir) : NULL;
        if (key && path && cache_read(path, key, out))
                return 0;
        decide(qemu, kernel, init, out);
        if (key && path)
                cache_write(cache_dir, key, out);
        return 0;
}

int cell_vm_check_report(const char *cache_dir, char **out, struct cell_error *err)
{
        (void)err;
        struct cell_error e1 = {0}, e2 = {0}, e3 = {0};
        _cleanup_free_ char *qemu = cell_vm_find_qemu(&e1);
        _cleanup_free_ char *kernel = cell_vm_find_kernel(&e2);
        _cleanup_free_ char *init = cell_vm_find_init(&e3);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                abort();
        fprintf(f, "vm: qemu: %s\n", qemu ? qemu : e1.msg);
        fprintf(f, "vm: guest kernel: %s\n", kernel ? kernel : e2.msg);
        fprintf(f, "vm: guest init: %s\n", init ? init : e3.msg);
        if (qemu && kernel && init) {
                struct cell_vm_accel_info info;
                if (cell_vm_accel_probe(qemu, kernel, init, cache_dir, &info, &e1) < 0)
                        fprintf(f, "vm: accelerator: %s\n", e1.msg);
                else
                        fprintf(f, "vm: accelerator: %s (%s%s)\n", cell_vm_accel_name(info.accel),
                                info.reason, info.from_cache ? ", cached" : "");
        } else {
                fprintf(f, "vm: accelerator: not probed (micro-VMs unavailable)\n");
        }
        fclose(f);
        *out = text;
        return 0;
}
