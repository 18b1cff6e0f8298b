/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell vm run ROOTFS_DIR CMD...`: a rootfs directory's command in a micro-VM
 * (src/vm/vm.h), stdio relayed, the command's exit status as cell's.  The
 * backend that `cell run --isolation=vm` will call with a container's rootfs.
 * `cell vm check`: which parts are there and which accelerator is used, why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/engine/ecli.h"
#include "engine/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "vm/vm.h"

static const struct ecli_option run_options[] = {
        {"memory", 'm', ECLI_VALUE, "BYTES", "Guest memory (docker's size syntax: 512m, 1g)",
         .def = "256m"},
        {"cpus", 0, ECLI_VALUE, "N", "Virtual CPUs", .def = "1"},
        {"env", 'e', ECLI_VALUES, "K=V", "Set an environment variable"},
        {"user", 'u', ECLI_VALUE, "UID[:GID]", "Numeric user and group of the process"},
        {"workdir", 'w', ECLI_VALUE, "DIR", "Working directory of the process in the guest"},
        {"hostname", 0, ECLI_VALUE, "NAME", "The guest's hostname", .def = "cell"},
        {"writable", 0, ECLI_FLAG, NULL,
         "Let the guest write into ROOTFS_DIR (default: a throwaway layer)"},
        {"boot-timeout", 0, ECLI_VALUE, "MS",
         "Milliseconds until the guest must have started the command", .def = "30000"},
        {"accel", 0, ECLI_VALUE, "ACCEL", "Accelerator: auto, kvm or tcg",
         .complete = "auto|kvm|tcg", .def = "auto"},
        {"console", 0, ECLI_FLAG, NULL, "Copy the guest kernel's console to stderr"},
        {"print-qemu", 0, ECLI_FLAG, NULL,
         "Print QEMU's command line, one argument a line (INITRD and fd=-1 stand for what cell "
         "passes), "
         "and exit",
         .hidden = true},
        {0},
};

static int parse_user(const char *s, struct cell_vm_config *c)
{
        char *end;
        c->uid = (uid_t)strtoul(s, &end, 10);
        if (end == s || (*end && *end != ':'))
                return -1;
        c->gid = 0; /* docker's group for a bare uid */
        if (*end == ':') {
                const char *g = end + 1;
                c->gid = (gid_t)strtoul(g, &end, 10);
                if (end == g || *end)
                        return -1;
        }
        return 0;
}

static int parse_accel(const char *s, enum cell_vm_accel *out)
{
        if (!strcmp(s, "auto"))
                *out = CELL_VM_ACCEL_AUTO;
        else if (!strcmp(s, "kvm"))
                *out = CELL_VM_ACCEL_KVM;
        else if (!strcmp(s, "tcg"))
                *out = CELL_VM_ACCEL_TCG;
        else
                return -1;
        return 0;
}

/* bench/vm.sh's plain QEMU baseline starts from exactly what cell would run. */
static int print_qemu(const struct cell_vm_config *c)
{
        struct cell_error err = {0};
        _cleanup_free_ char *qemu = cell_vm_find_qemu(&err);
        _cleanup_free_ char *kernel = qemu ? cell_vm_find_kernel(&err) : NULL;
        if (!kernel)
                return ecli_fail(&err);
        enum cell_vm_accel accel = c->accel;
        if (accel == CELL_VM_ACCEL_AUTO) {
                _cleanup_free_ char *init = cell_vm_find_init(&err);
                struct cell_vm_accel_info info;
                if (!init ||
                    cell_vm_accel_probe(qemu, kernel, init, c->accel_cache_dir, &info, &err) < 0)
                        return ecli_fail(&err);
                accel = info.accel;
        }
        _cleanup_strv_ char **argv =
                cell_vm_qemu_argv(c, qemu, kernel, accel, "INITRD", -1, -1, &err);
        if (!argv)
                return ecli_fail(&err);
        for (char **p = argv; *p; p++)
                puts(*p);
        return 0;
}

static int run_vm_run(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_vm_config c = {
                .rootfs = a->argv[0],
                .argv = a->argv + 1,
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
                .console_fd = -1,
                .exec_listen_fd = -1,
                .forward_signals = true,
                .accel_cache_dir = ctx->g.runroot,
                .cwd = ecli_value(a, "workdir"),
                .hostname = ecli_value(a, "hostname"),
                .rootfs_shared = ecli_flag(a, "writable"),
        };
        int64_t memory;
        if (cell_size_parse(ecli_value(a, "memory"), &memory, &err) < 0)
                return ecli_fail(&err);
        c.memory_bytes = (uint64_t)memory;
        long long cpus, timeout;
        if (ecli_value_int(a, "cpus", 1, 1, 16, &cpus, &err) < 0 ||
            ecli_value_int(a, "boot-timeout", 30000, 1, 3600000, &timeout, &err) < 0)
                return ecli_fail(&err);
        c.cpus = (unsigned)cpus;
        c.boot_timeout_ms = (int)timeout;
        if (ecli_given(a, "user") && parse_user(ecli_value(a, "user"), &c) < 0)
                return ecli_error("invalid --user \"%s\": expected UID[:GID] (numbers)",
                                  ecli_value(a, "user"));
        if (parse_accel(ecli_value(a, "accel"), &c.accel) < 0)
                return ecli_error("invalid --accel \"%s\": must be auto, kvm or tcg",
                                  ecli_value(a, "accel"));
        if (ecli_flag(a, "console"))
                c.console_fd = STDERR_FILENO;
        c.env = (char *const *)ecli_values(a, "env", NULL);
        if (ecli_flag(a, "print-qemu"))
                return print_qemu(&c);
        int status;
        if (cell_vm_run(&c, &status, &err) < 0) {
                ecli_fail(&err);
                return status;
        }
        return status;
}

const struct ecli_verb ecli_verb_vm_run = {
        .name = "run",
        .group = "vm",
        .usage = "[OPTIONS] ROOTFS_DIR COMMAND [ARG...]",
        .summary = "Run a command of a rootfs directory in a micro-VM",
        .description =
                "Boots cell's guest kernel in a QEMU microvm, shares ROOTFS_DIR with it over 9p "
                "(read-only under a throwaway writable layer unless --writable) and runs "
                "COMMAND there with stdin, stdout and stderr relayed; exits with its status.",
        .options = run_options,
        .stop_at_positional = true,
        .min_args = 2,
        .complete_args = "dir",
        .run = run_vm_run,
};

static int run_vm_check(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)a;
        struct cell_error err = {0};
        _cleanup_free_ char *report = NULL;
        if (cell_vm_check_report(ctx->g.runroot, &report, &err) < 0)
                return ecli_fail(&err);
        fputs(report, stdout);
        return 0;
}

const struct ecli_verb ecli_verb_vm_check = {
        .name = "check",
        .group = "vm",
        .usage = "",
        .summary = "Show what micro-VMs need and which accelerator they use, and why",
        .max_args = -1,
        .run = run_vm_check,
};
