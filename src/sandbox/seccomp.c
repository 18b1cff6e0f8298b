/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/seccomp_cache.h"
#include "sandbox/seccomp_enosys.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/*
 * The filter is compiled by libseccomp and exported as a raw BPF program
 * at prepare time; load installs that program with the seccomp(2) syscall
 * itself.  So load does no allocation and no rule resolution, the same
 * loader serves a program read back from the cache, and the flags the
 * libseccomp in use cannot express (WAIT_KILLABLE_RECV on 2.5.x) are
 * plain kernel flags here.  This is what seccomp_load() does too
 * (libseccomp 2.5 src/system.c: sys_filter_load), minus NO_NEW_PRIVS,
 * which the runtime sets itself from process.noNewPrivileges.
 */
struct cell_seccomp_filter {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

struct name_value {
        const char *name;
        uint32_t value;
};

/* "SCMP_ACT_ERRNO" and "SCMP_ACT_TRACE" take errnoRet; resolved in action_value(). */
static const struct name_value actions[] = {
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
        {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
        {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_LOG", SCMP_ACT_LOG},
        {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
        {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
};

static const struct name_value operators[] = {
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
        {"SCMP_CMP_NE", SCMP_CMP_NE},
};

/* The runtime-spec names libseccomp 2.5 knows; newer ones only when the headers have them. */
static const struct name_value archs[] = {
        {"SCMP_ARCH_X86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
        {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
        {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
        {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
        {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
        {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", SCMP_ARCH_S390},
        {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
        {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
        {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
        {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
        {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
        {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
        {"SCMP_ARCH_SH", SCMP_ARCH_SH},
        {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

static const struct name_value filter_flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct name_value *lookup(const struct name_value *table, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (name && strcmp(table[i].name, name) == 0)
                        return &table[i];
        return NULL;
}

#define LOOKUP(table, name) lookup(table, CELL_ARRAY_SIZE(table), name)
#define NTH(table, i) ((i) < CELL_ARRAY_SIZE(table) ? table[i].name : NULL)

const char *cell_seccomp_nth_action(size_t i)
{
        return NTH(actions, i);
}

const char *cell_seccomp_nth_operator(size_t i)
{
        return NTH(operators, i);
}

const char *cell_seccomp_nth_arch(size_t i)
{
        return NTH(archs, i);
}

const char *cell_seccomp_nth_flag(size_t i)
{
        return NTH(filter_flags, i);
}

static long seccomp_syscall(unsigned int op, unsigned int flags, void *args)
{
        return syscall(SYS_seccomp, op, flags, args);
}

/*
 * Probe as runc does: with a NULL program the kernel validates the flags
 * first (EINVAL for an unknown one) and then fails to copy the program
 * (EFAULT).  WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER.
 */
bool cell_seccomp_flag_supported(const char *name)
{
        const struct name_value *flag = LOOKUP(filter_flags, name);
        if (!flag)
                return false;
        unsigned int flags = flag->value;
        if (flags == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        return seccomp_syscall(SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

/* An action with its errno data; errnoRet defaults to EPERM as in runc. */
static int action_value(const char *name, bool has_errno_ret, unsigned errno_ret, const char *path,
                        uint32_t *out, struct cell_error *err)
{
        const struct name_value *action = LOOKUP(actions, name);
        if (!action)
                return cell_error_set(err, 0, "%s: unknown seccomp action '%s'", path,
                                      name ? name : "");
        unsigned data = has_errno_ret ? errno_ret : EPERM;
        if (has_errno_ret && errno_ret > 0xffff)
                return cell_error_set(err, 0, "%s: errnoRet %u out of range", path, errno_ret);
        if (action->value == SCMP_ACT_ERRNO(0))
                *out = SCMP_ACT_ERRNO(data);
        else if (action->value == SCMP_ACT_TRACE(0))
                *out = SCMP_ACT_TRACE(data);
        else
                *out = action->value;
        return 0;
}

static int add_architectures(scmp_filter_ctx ctx, const struct cell_seccomp *seccomp,
                             struct cell_error *err)
{
        for (size_t i = 0; i < seccomp->n_architectures; i++) {
                const char *name = seccomp->architectures[i];
                const struct name_value *arch = LOOKUP(archs, name);
                if (!arch)
                        return cell_error_set(err, 0,
                                              "linux.seccomp.architectures[%zu]: '%s' not "
                                              "supported by this build",
                                              i, name);
                int rc = seccomp_arch_add(ctx, arch->value);
                /*
                 * EDOM: the byte order differs from the native one (s390x on
                 * x86_64).  The kernel never reports such an arch here, so
                 * the entry is moot; skipping it lets one profile serve
                 * several hosts.  Its syscalls still meet the bad-arch kill.
                 */
                if (rc == -EDOM) {
                        cell_debug("seccomp: architecture %s cannot run on this host, skipped",
                                   name);
                        continue;
                }
                if (rc < 0 && rc != -EEXIST)
                        return cell_error_set(err, -rc, "linux.seccomp.architectures[%zu]: add %s",
                                              i, name);
        }
        return 0;
}

static int filter_flags_value(const struct cell_seccomp *seccomp, unsigned int *out,
                              struct cell_error *err)
{
        *out = 0;
        for (size_t i = 0; i < seccomp->n_flags; i++) {
                const struct name_value *flag = LOOKUP(filter_flags, seccomp->flags[i]);
                if (!flag)
                        return cell_error_set(err, 0, "linux.seccomp.flags[%zu]: unknown flag '%s'",
                                              i, seccomp->flags[i]);
                *out |= flag->value;
        }
        return 0;
}

static int make_conditions(const struct cell_seccomp_rule *rule, const char *path,
                           struct scmp_arg_cmp *out, struct cell_error *err)
{
        for (size_t i = 0; i < rule->n_args; i++) {
                const struct cell_seccomp_arg *arg = &rule->args[i];
                const struct name_value *op = LOOKUP(operators, arg->op);
                if (!op)
                        return cell_error_set(err, 0, "%s.args[%zu].op: unknown operator '%s'",
                                              path, i, arg->op ? arg->op : "");
                if (arg->index > 5)
                        return cell_error_set(err, 0, "%s.args[%zu].index: %u out of range 0-5",
                                              path, i, arg->index);
                out[i] = (struct scmp_arg_cmp){
                        .arg = arg->index,
                        .op = (enum scmp_compare)op->value,
                        .datum_a = arg->value,
                        .datum_b = arg->value_two,
                };
        }
        return 0;
}

static bool has_repeated_index(const struct cell_seccomp_rule *rule)
{
        unsigned seen = 0;
        for (size_t i = 0; i < rule->n_args; i++) {
                if (seen & (1u << rule->args[i].index))
                        return true;
                seen |= 1u << rule->args[i].index;
        }
        return false;
}

/*
 * libseccomp rejects two conditions on the same argument in one rule; runc
 * then adds each condition as a rule of its own (so they OR), and profiles
 * in the wild rely on that.
 */
static int add_syscall(scmp_filter_ctx ctx, int nr, uint32_t action,
                       const struct cell_seccomp_rule *rule, const struct scmp_arg_cmp *conds)
{
        if (!has_repeated_index(rule))
                return seccomp_rule_add_array(ctx, action, nr, (unsigned)rule->n_args, conds);
        for (size_t i = 0; i < rule->n_args; i++) {
                int rc = seccomp_rule_add_array(ctx, action, nr, 1, &conds[i]);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct cell_seccomp_rule *rule, size_t index,
                    uint32_t default_action, struct cell_error *err)
{
        char path[64];
        snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", index);
        uint32_t action;
        if (action_value(rule->action, rule->has_errno_ret, rule->errno_ret, path, &action, err) <
            0)
                return -1;
        /* libseccomp refuses a rule equal to the default (EACCES); it is a no-op anyway. */
        if (action == default_action) {
                cell_debug("seccomp: %s: action %s equals the default action, skipped", path,
                           rule->action);
                return 0;
        }
        if (rule->n_args > 6)
                return cell_error_set(err, 0, "%s.args: more than 6 conditions", path);
        struct scmp_arg_cmp conds[6];
        if (make_conditions(rule, path, conds, err) < 0)
                return -1;
        for (size_t i = 0; i < rule->n_names; i++) {
                int nr = seccomp_syscall_resolve_name(rule->names[i]);
                if (nr == __NR_SCMP_ERROR) {
                        cell_debug("seccomp: %s: unknown syscall '%s' skipped", path,
                                   rule->names[i]);
                        continue;
                }
                int rc = add_syscall(ctx, nr, action, rule, conds);
                if (rc < 0)
                        return cell_error_set(err, -rc, "%s: add rule for '%s'", path,
                                              rule->names[i]);
        }
        return 0;
}

static bool is_notify(const char *action)
{
        return action && strcmp(action, "SCMP_ACT_NOTIFY") == 0;
}

/*
 * Between load and execve the container's init still has to hand the
 * listener fd on (write/sendmsg on its sync socket); a NOTIFY on those
 * would block it forever on a listener that has no fd yet.  runc refuses
 * NOTIFY on write for the same reason.  The texts are runc's.  Returns 1
 * when NOTIFY is used.
 */
static int check_notify(const struct cell_seccomp *seccomp, struct cell_error *err)
{
        static const char *const handoff[] = {"write", "sendmsg"};
        bool used = false;
        if (is_notify(seccomp->default_action))
                return cell_error_set(err, 0,
                                      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY "
                                      "cannot be used as default action");
        for (size_t i = 0; i < seccomp->n_syscalls; i++) {
                const struct cell_seccomp_rule *rule = &seccomp->syscalls[i];
                if (!is_notify(rule->action))
                        continue;
                used = true;
                for (size_t j = 0; j < rule->n_names; j++)
                        for (size_t k = 0; k < CELL_ARRAY_SIZE(handoff); k++)
                                if (strcmp(rule->names[j], handoff[k]) == 0)
                                        return cell_error_set(
                                                err, 0,
                                                "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY "
                                                "cannot be used for the %s syscall",
                                                i, handoff[k]);
        }
        if (used && (!seccomp->listener_path || !seccomp->listener_path[0]))
                return cell_error_set(err, 0,
                                      "linux.seccomp: SCMP_ACT_NOTIFY is used but "
                                      "listenerPath is not set");
        return used ? 1 : 0;
}

/* seccomp_export_bpf() writes to an fd; a memfd has no pipe-buffer size limit. */
static int export_program(scmp_filter_ctx ctx, struct cell_seccomp_filter *filter,
                          struct cell_error *err)
{
        _cleanup_close_ int fd = memfd_create("cell-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "linux.seccomp: memfd_create");
        int rc = seccomp_export_bpf(ctx, fd);
        if (rc < 0)
                return cell_error_set(err, -rc, "linux.seccomp: generate BPF program");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "linux.seccomp: stat BPF program");
        size_t size = (size_t)st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0 || size / 8 > BPF_MAXINSNS)
                return cell_error_set(err, 0, "linux.seccomp: BPF program of %zu bytes is invalid",
                                      size);
        filter->insns = xmalloc(size);
        if (pread(fd, filter->insns, size, 0) != (ssize_t)size)
                return cell_error_errno(err, "linux.seccomp: read BPF program");
        filter->n_insns = size / sizeof(struct sock_filter);
        return 0;
}

/*
 * libseccomp's default program tests the syscall number against each rule
 * in turn; its binary tree (optimize level 2) sorts by number.  For
 * podman's default profile on x86_64+x86+x32 the tree makes load 3.5x
 * faster (0.26 vs 0.90 ms: the kernel emulates the filter for every
 * syscall number to build its action cache) and every filtered syscall
 * O(log n).  Like runc, only past a few rules: with none, libseccomp before
 * 2.5.4 lost the default action (libseccomp#370).
 */
#define BINARY_TREE_MIN_SYSCALLS 8

static bool use_binary_tree(const struct cell_seccomp *seccomp)
{
        size_t names = 0;
        for (size_t i = 0; i < seccomp->n_syscalls; i++)
                names += seccomp->syscalls[i].n_names;
        return names > BINARY_TREE_MIN_SYSCALLS;
}

/* runc's -ENOSYS stub (sandbox/seccomp_enosys.h) in front of libseccomp's program. */
static int prepend_enosys_stub(scmp_filter_ctx ctx, const struct cell_seccomp *seccomp,
                               uint32_t default_action, struct cell_seccomp_filter *filter,
                               struct cell_error *err)
{
        _cleanup_free_ struct sock_filter *stub = NULL;
        size_t n;
        if (cell_seccomp_enosys_stub(ctx, seccomp, default_action, &stub, &n, err) < 0)
                return -1;
        if (!n)
                return 0;
        if (n + filter->n_insns > BPF_MAXINSNS)
                return cell_error_set(err, E2BIG,
                                      "linux.seccomp: BPF program of %zu instructions is too long",
                                      n + filter->n_insns);
        filter->insns = xreallocarray(filter->insns, n + filter->n_insns, sizeof(*stub));
        memmove(filter->insns + n, filter->insns, filter->n_insns * sizeof(*stub));
        memcpy(filter->insns, stub, n * sizeof(*stub));
        filter->n_insns += n;
        return 0;
}

static int compile(const struct cell_seccomp *seccomp, struct cell_seccomp_filter *filter,
                   struct cell_error *err)
{
        uint32_t default_action;
        if (action_value(seccomp->default_action, seccomp->has_default_errno_ret,
                         seccomp->default_errno_ret, "linux.seccomp.defaultAction", &default_action,
                         err) < 0)
                return -1;
        scmp_filter_ctx ctx = seccomp_init(default_action);
        if (!ctx)
                return cell_error_set(err, EINVAL, "linux.seccomp: defaultAction %s",
                                      seccomp->default_action);
        int rc = add_architectures(ctx, seccomp, err);
        if (rc == 0 && use_binary_tree(seccomp)) {
                rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
                if (rc < 0)
                        rc = cell_error_set(err, -rc, "linux.seccomp: binary tree optimization");
        }
        for (size_t i = 0; rc == 0 && i < seccomp->n_syscalls; i++)
                rc = add_rule(ctx, &seccomp->syscalls[i], i, default_action, err);
        if (rc == 0)
                rc = export_program(ctx, filter, err);
        if (rc == 0)
                rc = prepend_enosys_stub(ctx, seccomp, default_action, filter, err);
        seccomp_release(ctx);
        return rc;
}

/* On a cache hit nothing resolves names, so say what compile would have skipped. */
static void debug_unknown_syscalls(const struct cell_seccomp *seccomp)
{
        if (!cell_log_debug_enabled())
                return;
        for (size_t i = 0; i < seccomp->n_syscalls; i++)
                for (size_t j = 0; j < seccomp->syscalls[i].n_names; j++)
                        if (seccomp_syscall_resolve_name(seccomp->syscalls[i].names[j]) ==
                            __NR_SCMP_ERROR)
                                cell_debug("seccomp: linux.seccomp.syscalls[%zu]: unknown "
                                           "syscall '%s' skipped",
                                           i, seccomp->syscalls[i].names[j]);
}

static int compile_cached(const struct cell_seccomp *seccomp, const char *cache_dir,
                          struct cell_seccomp_filter *filter, struct cell_error *err)
{
        if (!cache_dir)
                return compile(seccomp, filter, err);
        struct cell_seccomp_cache_key key;
        cell_seccomp_cache_key_build(seccomp, &key);
        void *program;
        size_t len;
        int rc = 0;
        if (cell_seccomp_cache_get(cache_dir, &key, &program, &len)) {
                filter->insns = program;
                filter->n_insns = len / sizeof(struct sock_filter);
                debug_unknown_syscalls(seccomp);
        } else {
                rc = compile(seccomp, filter, err);
                if (rc == 0)
                        cell_seccomp_cache_put(cache_dir, &key, filter->insns,
                                               filter->n_insns * sizeof(struct sock_filter));
        }
        free(key.data);
        return rc;
}

static int load_flags(const struct cell_seccomp *seccomp, unsigned int *flags,
                      struct cell_error *err)
{
        if (filter_flags_value(seccomp, flags, err) < 0)
                return -1;
        int notify = check_notify(seccomp, err);
        if (notify < 0)
                return -1;
        if (notify) {
                *flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        } else if (*flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
                /* Only meaningful with a listener; the kernel refuses it alone. */
                cell_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without "
                           "SCMP_ACT_NOTIFY ignored");
                *flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        }
        /* TSYNC's failure report (a tid) would collide with the listener fd. */
        if ((*flags & SECCOMP_FILTER_FLAG_TSYNC) && (*flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
                *flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        return 0;
}

int cell_seccomp_prepare_cached(const struct cell_seccomp *seccomp, const char *cache_dir,
                                struct cell_seccomp_filter **out, struct cell_error *err)
{
        *out = NULL;
        if (!seccomp || !seccomp->present)
                return 0;
        struct cell_seccomp_filter *filter = xzalloc(sizeof(*filter));
        if (load_flags(seccomp, &filter->flags, err) < 0 ||
            compile_cached(seccomp, cache_dir, filter, err) < 0) {
                cell_seccomp_filter_free(filter);
                return -1;
        }
        *out = filter;
        return 0;
}

int cell_seccomp_prepare(const struct cell_seccomp *seccomp, struct cell_seccomp_filter **out,
                         struct cell_error *err)
{
        return cell_seccomp_prepare_cached(seccomp, NULL, out, err);
}

int cell_seccomp_load(struct cell_seccomp_filter *filter, int *notify_fd, struct cell_error *err)
{
        if (notify_fd)
                *notify_fd = -1;
        if (!filter)
                return 0;
        struct sock_fprog prog = {
                .len = (unsigned short)filter->n_insns,
                .filter = filter->insns,
        };
        long rc = seccomp_syscall(SECCOMP_SET_MODE_FILTER, filter->flags, &prog);
        if (rc < 0) {
                if (errno == EACCES)
                        return cell_error_errno(err, "load seccomp filter (needs no_new_privs "
                                                     "or CAP_SYS_ADMIN)");
                return cell_error_errno(err, "load seccomp filter");
        }
        if (!(filter->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && rc > 0)
                return cell_error_set(err, ESRCH,
                                      "load seccomp filter: thread %ld could not be synchronized",
                                      rc);
        if (filter->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
                if (notify_fd)
                        *notify_fd = (int)rc;
                else
                        close((int)rc);
        }
        return 0;
}

void cell_seccomp_filter_program(const struct cell_seccomp_filter *filter, unsigned *flags,
                                 const void **insns, size_t *n_insns)
{
        *flags = filter->flags;
        *insns = filter->insns;
        *n_insns = filter->n_insns;
}

bool cell_seccomp_has_listener(const struct cell_seccomp_filter *filter)
{
        return filter && (filter->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

void cell_seccomp_filter_free(struct cell_seccomp_filter *filter)
{
        if (!filter)
                return;
        free(filter->insns);
        free(filter);
}
