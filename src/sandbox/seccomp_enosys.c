/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why a BPF prefix and not libseccomp rules: libseccomp can only add rules
 * for syscall numbers one by one, so "everything above N" would be
 * thousands of rules up to an arbitrary bound, and a number it does not
 * know cannot be added on every architecture.  A prefix of a few
 * comparisons per architecture covers every number, costs a handful of
 * instructions per call, and leaves libseccomp's program (whose jumps are
 * relative) untouched behind it.
 */
#include "sandbox/seccomp_enosys.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

#define X32_SYSCALL_BIT 0x40000000u
/* seccomp_data: nr at offset 0, arch at 4. */
#define OFFSET_NR 0
#define OFFSET_ARCH 4

/* Every architecture libseccomp may hold in a filter (SCMP_ARCH_* values). */
static const uint32_t known_archs[] = {
        SCMP_ARCH_X86,         SCMP_ARCH_X86_64,   SCMP_ARCH_X32,         SCMP_ARCH_ARM,
        SCMP_ARCH_AARCH64,     SCMP_ARCH_MIPS,     SCMP_ARCH_MIPS64,      SCMP_ARCH_MIPS64N32,
        SCMP_ARCH_MIPSEL,      SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC,
        SCMP_ARCH_PPC64,       SCMP_ARCH_PPC64LE,  SCMP_ARCH_S390,        SCMP_ARCH_S390X,
        SCMP_ARCH_PARISC,      SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64,
#ifdef SCMP_ARCH_LOONGARCH64
        SCMP_ARCH_LOONGARCH64,
#endif
#ifdef SCMP_ARCH_M68K
        SCMP_ARCH_M68K,
#endif
#ifdef SCMP_ARCH_SH
        SCMP_ARCH_SH,          SCMP_ARCH_SHEB,
#endif
};

/* Jump targets before they become offsets. */
enum { NEXT = -1, ENOSYS_RET = -2, FILTER = -3 };

struct insn {
        struct sock_filter f;
        int jt, jf; /* for a conditional jump; `jt` alone for BPF_JA */
};

struct stub {
        struct insn *insns;
        size_t n;
};

static size_t emit(struct stub *s, uint16_t code, uint32_t k, int jt, int jf)
{
        s->insns = xreallocarray(s->insns, s->n + 1, sizeof(*s->insns));
        s->insns[s->n] = (struct insn){.f = BPF_STMT(code, k), .jt = jt, .jf = jf};
        return s->n++;
}

/* The highest number any rule names on `arch`, or -1. */
static int64_t highest_syscall(const struct cell_seccomp *seccomp, uint32_t arch)
{
        int64_t max = -1;
        for (size_t i = 0; i < seccomp->n_syscalls; i++)
                for (size_t j = 0; j < seccomp->syscalls[i].n_names; j++) {
                        int nr = seccomp_syscall_resolve_name_arch(arch,
                                                                   seccomp->syscalls[i].names[j]);
                        if (nr >= 0 && nr > max)
                                max = nr; /* negative: a pseudo-number, not on this arch */
                }
        if (max >= 0 && arch == SCMP_ARCH_X32)
                max |= X32_SYSCALL_BIT;
        return max;
}

static bool lets_calls_through(uint32_t action)
{
        return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG ||
               (action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_TRACE(0) ||
               action == SCMP_ACT_ERRNO(ENOSYS);
}

static bool in_filter(scmp_filter_ctx ctx, uint32_t arch)
{
        return seccomp_arch_exist(ctx, arch) == 0;
}

/*
 * One architecture's section, entered with the arch loaded: load the
 * number and send it to the ENOSYS return or on to the filter.  On
 * AUDIT_ARCH_X86_64 the x32 bit picks the x86_64 or the x32 limit; a mode
 * without a limit goes to the filter (which kills a foreign arch).
 */
static void emit_section(struct stub *s, int64_t max, int64_t max_x32, bool x86_64)
{
        emit(s, BPF_LD | BPF_W | BPF_ABS, OFFSET_NR, 0, 0);
        if (!x86_64) {
                emit(s, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, ENOSYS_RET, FILTER);
                return;
        }
        size_t jset = emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, FILTER, NEXT);
        if (max >= 0)
                emit(s, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, ENOSYS_RET, FILTER);
        else
                s->insns[jset].jf = FILTER;
        if (max_x32 >= 0) {
                s->insns[jset].jt = (int)s->n;
                emit(s, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max_x32, ENOSYS_RET, FILTER);
        }
}

/* Offsets from the symbolic targets; every one must fit the 8-bit jt/jf. */
static int resolve(struct stub *s, struct sock_filter **out, size_t *n, struct cell_error *err)
{
        size_t ret = emit(s, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
        size_t filter = s->n;
        *out = xreallocarray(NULL, s->n, sizeof(**out));
        for (size_t i = 0; i < s->n; i++) {
                struct insn *in = &s->insns[i];
                int targets[2] = {in->jt, in->jf};
                size_t off[2];
                for (int t = 0; t < 2; t++) {
                        size_t to = targets[t] == NEXT         ? i + 1
                                    : targets[t] == ENOSYS_RET ? ret
                                    : targets[t] == FILTER     ? filter
                                                               : (size_t)targets[t];
                        off[t] = to - (i + 1);
                }
                (*out)[i] = in->f;
                if (BPF_CLASS(in->f.code) != BPF_JMP)
                        continue;
                if (BPF_OP(in->f.code) == BPF_JA) {
                        (*out)[i].k = (uint32_t)off[0];
                        continue;
                }
                if (off[0] > 255 || off[1] > 255) {
                        free(steal_ptr(*out));
                        return cell_error_set(err, E2BIG, "linux.seccomp: ENOSYS stub too long");
                }
                (*out)[i].jt = (uint8_t)off[0];
                (*out)[i].jf = (uint8_t)off[1];
        }
        *n = s->n;
        return 0;
}

int cell_seccomp_enosys_stub(scmp_filter_ctx ctx, const struct cell_seccomp *seccomp,
                             uint32_t default_action, struct sock_filter **out, size_t *n,
                             struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        if (lets_calls_through(default_action))
                return 0;
        struct stub s = {0};
        int64_t max[CELL_ARRAY_SIZE(known_archs)];
        size_t jeq[CELL_ARRAY_SIZE(known_archs)];
        int64_t max_x32 =
                in_filter(ctx, SCMP_ARCH_X32) ? highest_syscall(seccomp, SCMP_ARCH_X32) : -1;
        emit(&s, BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH, 0, 0);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(known_archs); i++) {
                uint32_t arch = known_archs[i];
                bool x86_64 = arch == SCMP_ARCH_X86_64;
                max[i] = arch != SCMP_ARCH_X32 && in_filter(ctx, arch)
                                 ? highest_syscall(seccomp, arch)
                                 : -1;
                /* x32 alone in the filter still has AUDIT_ARCH_X86_64's section. */
                if (x86_64 ? max[i] < 0 && max_x32 < 0 : max[i] < 0)
                        continue;
                jeq[i] = emit(&s, BPF_JMP | BPF_JEQ | BPF_K, arch, 0, NEXT);
        }
        if (s.n == 1) {
                free(s.insns);
                return 0;
        }
        emit(&s, BPF_JMP | BPF_JA, 0, FILTER, 0);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(known_archs); i++) {
                bool x86_64 = known_archs[i] == SCMP_ARCH_X86_64;
                if (x86_64 ? max[i] < 0 && max_x32 < 0 : max[i] < 0)
                        continue;
                s.insns[jeq[i]].jt = (int)s.n;
                emit_section(&s, max[i], max_x32, x86_64);
        }
        int rc = resolve(&s, out, n, err);
        free(s.insns);
        return rc;
}
