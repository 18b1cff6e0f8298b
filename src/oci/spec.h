/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_OCI_SPEC_H
#define CELL_OCI_SPEC_H

/*
 * The runtime-spec (1.x, Linux) model: config.json parsed and validated into
 * plain C structs.  Every other module reads these; none of them touches
 * JSON.  The parser fills defaults so consumers need no "is it set" checks
 * beyond the explicit `has_*` flags.
 *
 * Ownership: cell_spec_free() releases everything reachable from a spec.
 * Arrays come as (pointer, count) pairs; string vectors (`char **`) are
 * NULL-terminated as well.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* The runtime-spec version cell implements: `cell spec` writes it, `cell
 * features` reports it as ociVersionMax, `cell --version` prints it. */
#define CELL_OCI_VERSION "1.3.0"

/* gcc's gnu11 dialect predefines `linux` as 1; struct cell_spec has a field of that name. */
#undef linux

enum cell_ns_type {
        CELL_NS_MOUNT,
        CELL_NS_PID,
        CELL_NS_NET,
        CELL_NS_IPC,
        CELL_NS_UTS,
        CELL_NS_USER,
        CELL_NS_CGROUP,
        CELL_NS_TIME,
        CELL_NS__COUNT
};

/* Spec name ("mount", "network", ...) <-> type; NULL / -1 when unknown. */
const char *cell_ns_type_name(enum cell_ns_type type);
int cell_ns_type_from_name(const char *name);
/* CLONE_NEW* flag for a type. */
int cell_ns_clone_flag(enum cell_ns_type type);
/* The /proc/<pid>/ns/<file> name for a type ("mnt", "net", ...). */
const char *cell_ns_proc_name(enum cell_ns_type type);

struct cell_namespace {
        bool enabled; /* listed in linux.namespaces */
        char *path;   /* join this namespace; NULL = create a new one */
};

struct cell_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

/* One entry of `mounts`, options already translated to mount(2) terms. */
struct cell_mount {
        char *destination; /* absolute, inside the container */
        char *type;        /* may be NULL for bind mounts */
        char *source;      /* may be NULL */
        char **options;    /* as written, for messages and features */
        size_t n_options;

        unsigned long flags;       /* MS_* to set (MS_RDONLY, MS_NOSUID, ...) */
        unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC] */
        bool bind;                 /* "bind" or "rbind" */
        bool recursive;            /* "rbind" (attr_set/attr_clr always apply recursively) */
        uint64_t attr_set;         /* MOUNT_ATTR_* from r* options (rro, rnosuid, ...) */
        uint64_t attr_clr;
        bool idmap;   /* "idmap"/"ridmap" (parsed; the runtime decides) */
        bool copy_up; /* "tmpcopyup" */
        char *data;   /* comma-joined filesystem options ("mode=755,size=65536k") */

        struct cell_id_mapping *uid_mappings; /* mount idmapping (rarely used) */
        size_t n_uid_mappings;
        struct cell_id_mapping *gid_mappings;
        size_t n_gid_mappings;
};

struct cell_device {
        char *path;
        char type; /* 'c', 'b', 'u' or 'p' */
        int64_t major, minor;
        bool has_file_mode;
        mode_t file_mode;
        bool has_uid, has_gid;
        uid_t uid;
        gid_t gid;
};

/*
 * The devices every container with a /dev of its own gets (runc's list):
 * character devices, 0666 root:root.  `made` is false for /dev/ptmx, which
 * cell makes a symlink to pts/ptmx.  A linux.devices entry at one of these
 * paths must be that same device (see parse_linux.c).
 */
struct cell_default_device {
        const char *path;
        unsigned major, minor;
        bool made;
};
extern const struct cell_default_device cell_default_devices[];
extern const size_t cell_n_default_devices;

struct cell_rlimit {
        int resource; /* RLIMIT_* */
        char *name;   /* as written: "RLIMIT_NOFILE" */
        uint64_t soft, hard;
};

/* Capability sets as bitmasks indexed by capability number (CAP_CHOWN = bit 0). */
struct cell_caps {
        bool present; /* process.capabilities given at all */
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct cell_io_priority {
        bool present;
        int class; /* IOPRIO_CLASS_RT/BE/IDLE */
        int priority;
};

struct cell_scheduler {
        bool present;
        int policy; /* SCHED_* */
        int nice;
        int priority;
        uint64_t flags; /* SCHED_FLAG_* */
        uint64_t runtime, deadline, period;
};

struct cell_process {
        bool terminal;
        bool has_console_size;
        unsigned console_height, console_width;
        char *cwd; /* absolute */
        char **env;
        size_t n_env;
        char **args; /* non-empty */
        size_t n_args;
        char *command_line; /* Windows only; ignored */

        uid_t uid;
        gid_t gid;
        gid_t *additional_gids;
        size_t n_additional_gids;
        bool has_umask;
        mode_t umask;

        struct cell_caps caps;
        struct cell_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile; /* applied at exec, refused without AppArmor (sandbox/lsm.h) */
        char *selinux_label;    /* likewise, SELinux */
        bool has_oom_score_adj;
        int oom_score_adj;
        struct cell_io_priority io_priority;
        struct cell_scheduler scheduler;
};

enum cell_hook_kind {
        CELL_HOOK_PRESTART,
        CELL_HOOK_CREATE_RUNTIME,
        CELL_HOOK_CREATE_CONTAINER,
        CELL_HOOK_START_CONTAINER,
        CELL_HOOK_POSTSTART,
        CELL_HOOK_POSTSTOP,
        CELL_HOOK__COUNT
};

/* Spec name ("prestart", "createRuntime", ...) of a hook kind. */
const char *cell_hook_kind_name(enum cell_hook_kind kind);

struct cell_hook {
        char *path;  /* absolute */
        char **args; /* may be NULL */
        size_t n_args;
        char **env; /* may be NULL */
        size_t n_env;
        int timeout; /* seconds; 0 = none */
};

struct cell_hook_list {
        struct cell_hook *items;
        size_t n;
};

/* linux.resources.* — consumed by src/cgroup/. Unset numbers: has_* false. */
struct cell_device_rule {
        bool allow;
        char type;            /* 'a', 'c', 'b' */
        int64_t major, minor; /* -1 = wildcard */
        char access[4];       /* subset of "rwm" */
};

struct cell_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct cell_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct cell_hugepage_limit {
        char *page_size; /* "2MB" */
        uint64_t limit;
};

struct cell_net_priority {
        char *name;
        uint32_t priority;
};

struct cell_rdma_limit {
        char *device;
        bool has_hca_handles, has_hca_objects;
        uint32_t hca_handles, hca_objects;
};

struct cell_key_value {
        char *key;
        char *value;
};

struct cell_resources {
        bool present;
        struct cell_device_rule *devices;
        size_t n_devices;

        struct {
                bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp,
                        has_swappiness, has_disable_oom_killer, has_use_hierarchy,
                        has_check_before_update;
                int64_t limit, reservation, swap, kernel, kernel_tcp;
                uint64_t swappiness;
                bool disable_oom_killer, use_hierarchy, check_before_update;
        } memory;

        struct {
                bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
                        has_realtime_period, has_idle;
                uint64_t shares, period, burst, realtime_period;
                int64_t quota, realtime_runtime, idle;
                char *cpus, *mems;
        } cpu;

        struct {
                bool has_limit;
                int64_t limit;
        } pids;

        struct {
                bool has_weight, has_leaf_weight;
                uint16_t weight, leaf_weight;
                struct cell_weight_device *weight_devices;
                size_t n_weight_devices;
                struct cell_throttle_device *throttle_read_bps, *throttle_write_bps,
                        *throttle_read_iops, *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
                        n_throttle_write_iops;
        } block_io;

        struct cell_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;

        struct {
                bool has_class_id;
                uint32_t class_id;
                struct cell_net_priority *priorities;
                size_t n_priorities;
        } network;

        struct cell_rdma_limit *rdma;
        size_t n_rdma;

        struct cell_key_value *unified;
        size_t n_unified;
};

/* linux.seccomp — consumed by src/sandbox/seccomp.c. */
struct cell_seccomp_arg {
        unsigned index;
        uint64_t value, value_two;
        char *op; /* "SCMP_CMP_EQ", ... (validated) */
};

struct cell_seccomp_rule {
        char **names;
        size_t n_names;
        char *action; /* "SCMP_ACT_ALLOW", ... (validated) */
        bool has_errno_ret;
        unsigned errno_ret;
        struct cell_seccomp_arg *args;
        size_t n_args;
};

struct cell_seccomp {
        bool present;
        char *default_action;
        bool has_default_errno_ret;
        unsigned default_errno_ret;
        char **architectures;
        size_t n_architectures;
        char **flags;
        size_t n_flags;
        char *listener_path;
        char *listener_metadata;
        struct cell_seccomp_rule *syscalls;
        size_t n_syscalls;
};

/*
 * linux.memoryPolicy (runtime-spec 1.3): the NUMA policy set_mempolicy(2)
 * gives the container process.  `mode` and `flags` are the kernel's MPOL_*
 * values; `nodemask` has a bit per node of `nodes` ("0-1,3"), `maxnode` is
 * the highest node + 1 (0: no nodes).
 */
#define CELL_MEMPOLICY_MAX_NODES 1024
struct cell_memory_policy {
        bool set;
        int mode;
        unsigned flags;
        unsigned long maxnode;
        unsigned long nodemask[CELL_MEMPOLICY_MAX_NODES / (8 * sizeof(unsigned long))];
};

/* The names the parser accepts, in the kernel's order; NULL past the end. */
const char *cell_mempolicy_nth_mode(size_t i);
const char *cell_mempolicy_nth_flag(size_t i);

/* linux.netDevices (1.3): the host interface `host_name` moved into the
 * container's new network namespace and named `name` there. */
struct cell_net_device {
        char *host_name;
        char *name; /* never NULL: host_name when the config gives none */
};

/* linux.intelRdt: a resctrl group for the container (runtime/intelrdt.h). */
struct cell_intel_rdt {
        bool set;
        char *clos_id;         /* NULL: the container's id */
        char *l3_cache_schema; /* "L3:0=ff;1=ff", NULL when unset */
        char *mem_bw_schema;   /* "MB:0=70;1=70", NULL when unset */
        char **schemata;       /* whole schemata lines, NULL-terminated */
        size_t n_schemata;
        bool enable_monitoring;
};

struct cell_linux {
        struct cell_namespace namespaces[CELL_NS__COUNT];
        struct cell_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct cell_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        struct cell_device *devices;
        size_t n_devices;
        char *cgroups_path; /* may be NULL */
        struct cell_resources resources;
        struct cell_key_value *sysctl;
        size_t n_sysctl;
        char **masked_paths;
        size_t n_masked_paths;
        char **readonly_paths;
        size_t n_readonly_paths;
        unsigned long rootfs_propagation; /* MS_* | MS_REC, 0 = default */
        char *mount_label;
        struct cell_seccomp seccomp;
        bool has_personality;
        unsigned long personality; /* PER_LINUX / PER_LINUX32 | flags */
        bool has_time_offsets;
        int64_t monotonic_secs, boottime_secs;
        uint32_t monotonic_nanosecs, boottime_nanosecs;
        struct cell_memory_policy memory_policy;
        struct cell_net_device *net_devices;
        size_t n_net_devices;
        struct cell_intel_rdt intel_rdt;
};

struct cell_spec {
        char *oci_version;
        char *root_path; /* as written (may be relative to the bundle) */
        bool root_readonly;
        char *hostname; /* NULL when unset */
        char *domainname;
        struct cell_mount *mounts;
        size_t n_mounts;
        bool has_process;
        struct cell_process process;
        struct cell_hook_list hooks[CELL_HOOK__COUNT];
        struct cell_key_value *annotations;
        size_t n_annotations;
        struct cell_linux linux;
};

/*
 * Parse and validate a config.json document.  On failure returns -1 and the
 * error names the JSON path: "process.args: must be a non-empty array of
 * strings".  On success `*out` is a new spec (release with cell_spec_free).
 */
int cell_spec_parse(const char *json, size_t len, struct cell_spec **out, struct cell_error *err);

/*
 * Append a mount to spec->mounts as if config.json ended with
 * {"destination", "source", "type": "bind", "options"} (`options`
 * NULL-terminated, "bind" or "rbind" among them).  Used for mounts the
 * runtime adds of its own (runtime/notify.h).
 */
void cell_spec_add_bind_mount(struct cell_spec *spec, const char *source, const char *destination,
                              const char *const *options);

/* Read <bundle>/config.json and parse it; errors name the file. */
int cell_spec_load(const char *bundle, struct cell_spec **out, struct cell_error *err);

/*
 * Parse a bare `process` object (exec --process FILE).  `out` is filled in
 * place; release with cell_process_release().
 */
int cell_process_parse(const char *json, size_t len, struct cell_process *out,
                       struct cell_error *err);
void cell_process_release(struct cell_process *process);

/*
 * Check one environment entry: "NAME=value" with a non-empty NAME.  runc
 * refuses the others when the process starts ("invalid environment
 * variable"); cell refuses them while parsing, before anything is made.
 * Returns -1 with the reason ("missing '='", "empty variable name").
 */
int cell_process_env_check(const char *entry, struct cell_error *err);

/*
 * Parse a bare linux.resources object (`update --resources FILE`, as podman
 * and containerd pass it); error paths are rooted at "resources".  `out` is
 * filled in place (has_* flags mark what the document set); release with
 * cell_resources_release().
 */
int cell_resources_parse(const char *json, size_t len, struct cell_resources *out,
                         struct cell_error *err);
void cell_resources_release(struct cell_resources *resources);

void cell_spec_free(struct cell_spec *spec);

/*
 * The default config.json (`cell spec`), as runc spec prints it.  `cgroup_ns`
 * adds a cgroup namespace, which runc does only on a pure cgroup v2 host
 * (the caller knows the host).  Caller frees.
 */
char *cell_spec_default_json(bool rootless, bool cgroup_ns);

/* Capability name ("CAP_SYS_ADMIN") <-> number; -1 / NULL when unknown. */
int cell_cap_from_name(const char *name);
const char *cell_cap_name(int cap);
/* Highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int cell_cap_last(void);

/* Rlimit name ("RLIMIT_NOFILE") <-> resource; -1 / NULL when unknown. */
int cell_rlimit_from_name(const char *name);
const char *cell_rlimit_name(int resource);

#endif
