/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default profile as data: one table of rules, each a set of system
 * call names with an action, optional argument conditions, and the
 * capability that must be held (or must not be) for the rule to apply.
 * cell_seccomp_default_profile() filters it by the container's
 * capabilities and writes the runtime-spec JSON; the runtime compiles it
 * (and caches the program, sandbox/seccomp_cache.h).
 */
#include <stdbool.h>
#include <string.h>

#include "engine/seccomp_default.h"
#include "util/cleanup.h"

#define EPERM_ERRNO 1
#define ENOSYS_ERRNO 38

/* clone(2) flags that create namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define CLONE_NAMESPACE_FLAGS 0x7E020000ULL
#define AF_VSOCK_FAMILY 40

struct rule_arg {
        unsigned index;
        unsigned long long value, value_two;
        const char *op;
};

struct rule {
        const char *const *names;
        const char *action;     /* "SCMP_ACT_ALLOW" unless given */
        int errno_ret;          /* with SCMP_ACT_ERRNO */
        struct rule_arg args[1];
        size_t n_args;
        const char *needs_cap;  /* the rule applies only with this capability */
        const char *unless_cap; /* ... only without it */
};

/* What every container may call (docker's unconditional allowlist). */
static const char *const allowed[] = {
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
        "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
        "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
        "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
        "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
        "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
        "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
        "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
        "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
        "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
        "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
        "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
        "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
        "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
        "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
        "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
        "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
        "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
        "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
        "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
        "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
        "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
        "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
        "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
        "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
        "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
        "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
        "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
        "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
        "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
        "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
        "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
        "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
        "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
        "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
        "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
        "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
        "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
        "set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
        "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
        "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
        "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
        "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
        "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
        "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
        "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
        "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
        "waitid", "waitpid", "write", "writev",
        /* since 4.8 the kernel checks ptrace against seccomp itself */
        "ptrace", "process_vm_readv", "process_vm_writev",
        /* x86 */
        "arch_prctl", "modify_ldt",
        NULL,
};

static const char *const personality[] = {"personality", NULL};
static const char *const socket_call[] = {"socket", NULL};
static const char *const clone_call[] = {"clone", NULL};
static const char *const clone3_call[] = {"clone3", NULL};

static const char *const sys_admin[] = {
        "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
        "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
        "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount",
        "umount2", "unshare", NULL,
};
static const char *const sys_boot[] = {"reboot", NULL};
static const char *const sys_chroot[] = {"chroot", NULL};
static const char *const sys_module[] = {"delete_module", "init_module", "finit_module", NULL};
static const char *const sys_pacct[] = {"acct", NULL};
static const char *const sys_ptrace[] = {"kcmp", "pidfd_getfd", "process_madvise", NULL};
static const char *const sys_rawio[] = {"iopl", "ioperm", NULL};
static const char *const sys_time[] = {"settimeofday", "stime", "clock_settime", "clock_settime64",
                                       NULL};
static const char *const sys_tty_config[] = {"vhangup", NULL};
static const char *const sys_nice[] = {"get_mempolicy", "mbind", "set_mempolicy",
                                       "set_mempolicy_home_node", NULL};
static const char *const syslog_call[] = {"syslog", NULL};
static const char *const bpf_call[] = {"bpf", NULL};
static const char *const perfmon[] = {"perf_event_open", NULL};
static const char *const dac_read_search[] = {"open_by_handle_at", NULL};

/* personality(2) values docker allows: PER_LINUX, PER_LINUX32, UNAME26 variants, and the query. */
static const unsigned long long personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static const struct rule rules[] = {
        {.names = allowed},
        {.names = socket_call, .args = {{0, AF_VSOCK_FAMILY, 0, "SCMP_CMP_NE"}}, .n_args = 1},
        {.names = clone_call,
         .args = {{0, CLONE_NAMESPACE_FLAGS, 0, "SCMP_CMP_MASKED_EQ"}},
         .n_args = 1,
         .unless_cap = "CAP_SYS_ADMIN"},
        /* ENOSYS: glibc and musl then fall back to clone, whose flags the rule above sees */
        {.names = clone3_call,
         .action = "SCMP_ACT_ERRNO",
         .errno_ret = ENOSYS_ERRNO,
         .unless_cap = "CAP_SYS_ADMIN"},
        {.names = sys_admin, .needs_cap = "CAP_SYS_ADMIN"},
        {.names = sys_boot, .needs_cap = "CAP_SYS_BOOT"},
        {.names = sys_chroot, .needs_cap = "CAP_SYS_CHROOT"},
        {.names = sys_module, .needs_cap = "CAP_SYS_MODULE"},
        {.names = sys_pacct, .needs_cap = "CAP_SYS_PACCT"},
        {.names = sys_ptrace, .needs_cap = "CAP_SYS_PTRACE"},
        {.names = sys_rawio, .needs_cap = "CAP_SYS_RAWIO"},
        {.names = sys_time, .needs_cap = "CAP_SYS_TIME"},
        {.names = sys_tty_config, .needs_cap = "CAP_SYS_TTY_CONFIG"},
        {.names = sys_nice, .needs_cap = "CAP_SYS_NICE"},
        {.names = syslog_call, .needs_cap = "CAP_SYSLOG"},
        {.names = bpf_call, .needs_cap = "CAP_BPF"},
        {.names = perfmon, .needs_cap = "CAP_PERFMON"},
        {.names = dac_read_search, .needs_cap = "CAP_DAC_READ_SEARCH"},
};

static bool has_cap(const char *const *caps, size_t n, const char *cap)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(caps[i], cap) == 0)
                        return true;
        return false;
}

static json_object *names_array(const char *const *names)
{
        json_object *a = json_object_new_array();
        for (; *names; names++)
                json_object_array_add(a, json_object_new_string(*names));
        return a;
}

static json_object *arg_object(const struct rule_arg *arg, unsigned long long value)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "index", json_object_new_int((int)arg->index));
        json_object_object_add(o, "value", json_object_new_uint64(value));
        json_object_object_add(o, "valueTwo", json_object_new_uint64(arg->value_two));
        json_object_object_add(o, "op", json_object_new_string(arg->op));
        return o;
}

static json_object *rule_object(const struct rule *r)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "names", names_array(r->names));
        json_object_object_add(o, "action",
                               json_object_new_string(r->action ? r->action : "SCMP_ACT_ALLOW"));
        if (r->errno_ret)
                json_object_object_add(o, "errnoRet", json_object_new_int(r->errno_ret));
        if (r->n_args) {
                json_object *args = json_object_new_array();
                for (size_t i = 0; i < r->n_args; i++) {
                        /* MASKED_EQ: (arg & value) == valueTwo, "no namespace flag" for clone */
                        const struct rule_arg *arg = &r->args[i];
                        json_object_array_add(args, arg_object(arg, arg->value));
                }
                json_object_object_add(o, "args", args);
        }
        return o;
}

/* One rule per allowed personality value: conditions within a rule are ANDed. */
static void add_personality_rules(json_object *syscalls)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(personalities); i++) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "names", names_array(personality));
                json_object_object_add(o, "action", json_object_new_string("SCMP_ACT_ALLOW"));
                json_object *args = json_object_new_array();
                struct rule_arg eq = {0, personalities[i], 0, "SCMP_CMP_EQ"};
                json_object_array_add(args, arg_object(&eq, eq.value));
                json_object_object_add(o, "args", args);
                json_object_array_add(syscalls, o);
        }
}

json_object *cell_seccomp_default_profile(const char *const *caps, size_t n)
{
        json_object *p = json_object_new_object();
        json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
        json_object_object_add(p, "defaultErrnoRet", json_object_new_int(EPERM_ERRNO));
        json_object *arches = json_object_new_array();
        json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86_64"));
        json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86"));
        json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X32"));
        json_object_object_add(p, "architectures", arches);
        json_object *syscalls = json_object_new_array();
        for (size_t i = 0; i < CELL_ARRAY_SIZE(rules); i++) {
                const struct rule *r = &rules[i];
                if (r->needs_cap && !has_cap(caps, n, r->needs_cap))
                        continue;
                if (r->unless_cap && has_cap(caps, n, r->unless_cap))
                        continue;
                json_object_array_add(syscalls, rule_object(r));
        }
        add_personality_rules(syscalls);
        json_object_object_add(p, "syscalls", syscalls);
        return p;
}
