/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 device rules as an eBPF program (see devices_ebpf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/devices_ebpf.h"
#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* The uapi header has the opcodes; the instruction macros live in the kernel's filter.h. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        return (struct bpf_insn){
                .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV32_IMM(dst, imm) insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) insn(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define JMP_REG(op, dst, src, off) insn(BPF_JMP | (op) | BPF_X, dst, src, off, 0)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue. */
enum { R_TMP = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5 };

static unsigned access_mask(const char *access)
{
        unsigned mask = 0;
        for (const char *a = *access ? access : "rwm"; *a; a++)
                mask |= *a == 'r'   ? BPF_DEVCG_ACC_READ
                        : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                        : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
                                    : 0;
        return mask;
}

struct emitter {
        struct bpf_insn *insns;
        size_t n;
};

static void emit(struct emitter *e, struct bpf_insn i)
{
        e->insns = xreallocarray(e->insns, e->n + 1, sizeof(*e->insns));
        e->insns[e->n++] = i;
}

/*
 * One rule: each check jumps past the rest of the rule when it fails, so the
 * jump offsets are counted down from the rule's length.
 */
static bool matches_everything(const struct cell_device_rule *r)
{
        unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        return r->type == 'a' && access_mask(r->access) == all && r->major < 0 && r->minor < 0;
}

static void emit_rule(struct emitter *e, const struct cell_device_rule *r)
{
        unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        unsigned mask = access_mask(r->access);
        bool check_type = r->type != 'a', check_access = mask != all;
        bool check_major = r->major >= 0, check_minor = r->minor >= 0;
        int left = check_type + 3 * check_access + check_major + check_minor + 2;
        if (check_type)
                emit(e, JMP_IMM(BPF_JNE, R_TYPE,
                                r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                                (int16_t)--left));
        if (check_access) {
                emit(e, MOV32_REG(R_TMP, R_ACCESS));
                emit(e, ALU32_IMM(BPF_AND, R_TMP, (int32_t)mask));
                left -= 3;
                /* allow: request within the rule's access; deny: any overlap */
                emit(e, r->allow ? JMP_REG(BPF_JNE, R_TMP, R_ACCESS, (int16_t)left)
                                 : JMP_IMM(BPF_JEQ, R_TMP, 0, (int16_t)left));
        }
        if (check_major)
                emit(e, JMP_IMM(BPF_JNE, R_MAJOR, (int32_t)r->major, (int16_t)--left));
        if (check_minor)
                emit(e, JMP_IMM(BPF_JNE, R_MINOR, (int32_t)r->minor, (int16_t)--left));
        emit(e, MOV32_IMM(0, r->allow ? 1 : 0));
        emit(e, EXIT());
}

size_t cell_cg_devices_ebpf_build(const struct cell_device_rule *rules, size_t n,
                                  struct bpf_insn **insns)
{
        struct emitter e = {0};
        /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
        emit(&e, LDX_W(R_TYPE, 1, 0));
        emit(&e, ALU32_IMM(BPF_AND, R_TYPE, 0xFFFF));
        emit(&e, LDX_W(R_ACCESS, 1, 0));
        emit(&e, ALU32_IMM(BPF_RSH, R_ACCESS, 16));
        emit(&e, LDX_W(R_MAJOR, 1, 4));
        emit(&e, LDX_W(R_MINOR, 1, 8));
        /*
         * Last match wins: test the rules from the end.  A rule matching
         * everything ends the program (the verifier rejects unreachable code).
         */
        bool complete = false;
        for (size_t i = n; i-- > 0 && !complete;) {
                emit_rule(&e, &rules[i]);
                complete = matches_everything(&rules[i]);
        }
        if (!complete) {
                emit(&e, MOV32_IMM(0, 0));
                emit(&e, EXIT());
        }
        *insns = e.insns;
        return e.n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, size_t n, struct cell_error *err)
{
        union bpf_attr attr = {0};
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = (uint32_t)n;
        attr.license = (uint64_t)(uintptr_t) "Apache";
        int fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        int saved = errno;
        /* Load again with the verifier's log, whose last line says why. */
        static char log[16384];
        log[0] = '\0';
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                close(fd);
        size_t len = strlen(log);
        while (len > 0 && log[len - 1] == '\n')
                log[--len] = '\0';
        const char *last = strrchr(log, '\n');
        return cell_error_set(err, saved, "load the device eBPF program (%zu instructions%s%s)", n,
                              len ? "; verifier: " : "", last ? last + 1 : log);
}

/* Ids of the device programs attached to `cgfd` now (at most 64). */
static int query(int cgfd, uint32_t *ids, uint32_t *n)
{
        union bpf_attr attr = {0};
        attr.query.target_fd = (uint32_t)cgfd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = *n;
        if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
                return -1;
        *n = attr.query.prog_cnt;
        return 0;
}

static void detach_id(int cgfd, uint32_t id)
{
        union bpf_attr attr = {0};
        attr.prog_id = id;
        _cleanup_close_ int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return;
        attr = (union bpf_attr){0};
        attr.target_fd = (uint32_t)cgfd;
        attr.attach_bpf_fd = (uint32_t)fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        sys_bpf(BPF_PROG_DETACH, &attr);
}

int cell_cg_devices_ebpf_attach(const char *path, const struct cell_device_rule *rules, size_t n,
                                struct cell_error *err)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t count = cell_cg_devices_ebpf_build(rules, n, &insns);
        _cleanup_close_ int cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return cell_error_errno(err, "open %s", path);
        _cleanup_close_ int prog = load(insns, count, err);
        if (prog < 0)
                return -1;
        uint32_t old[64], n_old = CELL_ARRAY_SIZE(old);
        if (query(cgfd, old, &n_old) < 0)
                n_old = 0;
        union bpf_attr attr = {0};
        attr.target_fd = (uint32_t)cgfd;
        attr.attach_bpf_fd = (uint32_t)prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return cell_error_errno(err, "attach the device eBPF program to %s", path);
        /* Attached programs all must allow: drop the previous rules. */
        for (uint32_t i = 0; i < n_old; i++)
                detach_id(cgfd, old[i]);
        return 0;
}
