/* SPDX-License-Identifier: Apache-2.0 */
/* Name tables of the runtime-spec: namespaces, capabilities, rlimits, hook kinds. */
#include "oci/spec.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/cleanup.h"
#include "util/fs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
        const char *spec_name;
        const char *proc_name;
        int clone_flag;
} ns_table[CELL_NS__COUNT] = {
        [CELL_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
        [CELL_NS_PID] = {"pid", "pid", CLONE_NEWPID},
        [CELL_NS_NET] = {"network", "net", CLONE_NEWNET},
        [CELL_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
        [CELL_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
        [CELL_NS_USER] = {"user", "user", CLONE_NEWUSER},
        [CELL_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
        [CELL_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *cell_ns_type_name(enum cell_ns_type type)
{
        if ((unsigned)type >= CELL_NS__COUNT)
                return NULL;
        return ns_table[type].spec_name;
}

int cell_ns_type_from_name(const char *name)
{
        for (int i = 0; i < CELL_NS__COUNT; i++)
                if (strcmp(ns_table[i].spec_name, name) == 0)
                        return i;
        return -1;
}

int cell_ns_clone_flag(enum cell_ns_type type)
{
        if ((unsigned)type >= CELL_NS__COUNT)
                return 0;
        return ns_table[type].clone_flag;
}

const char *cell_ns_proc_name(enum cell_ns_type type)
{
        if ((unsigned)type >= CELL_NS__COUNT)
                return NULL;
        return ns_table[type].proc_name;
}

/* Indexed by capability number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE. */
static const char *const cap_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int cell_cap_from_name(const char *name)
{
        if (strncmp(name, "CAP_", 4) != 0)
                return -1;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(cap_names); i++)
                if (strcmp(cap_names[i] + 4, name + 4) == 0)
                        return (int)i;
        return -1;
}

const char *cell_cap_name(int cap)
{
        if (cap < 0 || (size_t)cap >= CELL_ARRAY_SIZE(cap_names))
                return NULL;
        return cap_names[cap];
}

/*
 * Read once and cached: the value cannot change while we run.  When /proc is
 * unavailable, assume the kernel knows every capability in our table.
 */
int cell_cap_last(void)
{
        static int cached = -1;
        if (cached >= 0)
                return cached;
        int last = (int)CELL_ARRAY_SIZE(cap_names) - 1;
        char buf[16];
        if (cell_read_small("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) > 0) {
                char *end;
                long v = strtol(buf, &end, 10);
                if (end != buf && (*end == '\n' || *end == '\0') && v >= 0 && v < 64)
                        last = (int)v;
        }
        cached = last;
        return cached;
}

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
        {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int cell_rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(rlimit_table); i++)
                if (strcmp(rlimit_table[i].name, name) == 0)
                        return rlimit_table[i].resource;
        return -1;
}

const char *cell_rlimit_name(int resource)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].name;
        return NULL;
}

static const char *const hook_kind_names[CELL_HOOK__COUNT] = {
        [CELL_HOOK_PRESTART] = "prestart",
        [CELL_HOOK_CREATE_RUNTIME] = "createRuntime",
        [CELL_HOOK_CREATE_CONTAINER] = "createContainer",
        [CELL_HOOK_START_CONTAINER] = "startContainer",
        [CELL_HOOK_POSTSTART] = "poststart",
        [CELL_HOOK_POSTSTOP] = "poststop",
};

const char *cell_hook_kind_name(enum cell_hook_kind kind)
{
        if ((unsigned)kind >= CELL_HOOK__COUNT)
                return NULL;
        return hook_kind_names[kind];
}
