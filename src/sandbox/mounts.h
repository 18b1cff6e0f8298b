/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_MOUNTS_H
#define CELL_SANDBOX_MOUNTS_H

/*
 * Internal to src/sandbox/: the pieces cell_rootfs_mount_all() is made of.
 *
 * One `mounts` entry becomes a *plan*: a short array of mount operations
 * (struct cell_mount_op) built without touching the system by
 * cell_mount_plan_build(), then run by one executor loop in
 * cell_mount_execute().  Plans are pure data so they are unit-tested
 * without root (tests/unit/test_rootfs.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "sandbox/paths.h"
#include "util/error.h"

/* State shared by the phases of cell_rootfs_mount_all(). */
struct cell_rootfs_ctx {
        const struct cell_spec *spec;
        const char *rootfs; /* absolute host path */
        int rootfd;         /* O_PATH fd of the rootfs after it was bound onto itself */
        int pidns_fd;       /* the pid namespace joined by path, or -1 */
        int *mount_fds; /* per mounts[] entry, a tree the runtime opened (taken), or -1; or NULL */
        int journal_fd; /* no mount namespace: the host-mount journal (host_mounts.c), or -1 */
        char *rootfs_real;         /* with journal_fd: the rootfs' canonical host path (owned) */
        uint64_t *host_premounted; /* with journal_fd: IDs of mounts below it before ours (owned) */
        size_t n_host_premounted;
        struct cell_path_id root_id; /* what rootfd names: no mount may go there */
        bool userns;                 /* container has a user namespace: no mknod */
        bool netns;                  /* container has its own network namespace */
        bool cgroupns;               /* container has its own cgroup namespace */
        /* the hierarchies for a "cgroup" mount; n_cgroups < 0: read them from /proc */
        const struct cell_cgroup_hierarchy *cgroups;
        ssize_t n_cgroups;
        /* what the spec mounted, for the /dev setup that follows the mounts */
        bool proc_mounted, dev_mounted, dev_bind, dev_readonly, pts_mounted, shm_mounted;
};

enum cell_mount_op_kind {
        /* mount(2) a filesystem onto the destination fd (via /proc/self/fd/N). */
        CELL_MOP_MOUNT,
        /* open_tree(source, OPEN_TREE_CLONE [| AT_RECURSIVE]): a detached copy. */
        CELL_MOP_CLONE,
        /* mount_setattr(MOUNT_ATTR_IDMAP) of the detached copy ([AT_RECURSIVE]: "ridmap"). */
        CELL_MOP_IDMAP,
        /* mount_setattr() on the mount at hand ([AT_RECURSIVE]); keeps other flags. */
        CELL_MOP_SETATTR,
        /* move_mount() the detached copy onto the destination. */
        CELL_MOP_ATTACH,
        /* copy what the destination held into the new (tmpfs) mount. */
        CELL_MOP_COPYUP,
        /* set the propagation type (MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [| MS_REC]). */
        CELL_MOP_PROPAGATE,
        /* the cgroup filesystem tree (tmpfs + one bind or mount per hierarchy). */
        CELL_MOP_CGROUP,
        /*
         * procfs of the pid namespace joined by path (ctx->pidns_fd), which
         * the init itself is not in yet: fsopen + procfs' "pidns" parameter,
         * `data` through fsconfig, fsmount with `flags` as MOUNT_ATTR_*,
         * move_mount onto the destination.
         */
        CELL_MOP_PROC_PIDNS,
};

struct cell_mount_op {
        enum cell_mount_op_kind kind;
        const char *source;          /* MOUNT, CLONE */
        const char *type;            /* MOUNT, PROC_PIDNS */
        const char *data;            /* MOUNT, PROC_PIDNS */
        unsigned long flags;         /* MOUNT, PROC_PIDNS: MS_*; PROPAGATE: MS_* propagation */
        uint64_t attr_set, attr_clr; /* SETATTR */
        bool recursive;              /* CLONE, SETATTR */
};

#define CELL_MOUNT_PLAN_MAX 8

struct cell_mount_plan {
        bool bind;           /* a bind mount: the destination's kind follows the source */
        bool recursive_bind; /* "rbind" */
        bool copy_up;        /* destination content must be read before mounting */
        bool idmapped;       /* has a CELL_MOP_IDMAP op */
        struct cell_mount_op ops[CELL_MOUNT_PLAN_MAX];
        size_t n_ops;
};

/*
 * Translate one `mounts` entry into operations.  Fails (validation, no
 * errno) for an entry without a type that is not a bind mount.  With
 * `pidns_joined` (linux.namespaces has a pid entry with a path) a "proc"
 * mount becomes CELL_MOP_PROC_PIDNS.  Pure: no syscalls.  The ops point
 * into `m`; keep it alive while the plan is used.
 */
int cell_mount_plan_build(const struct cell_mount *m, bool pidns_joined,
                          struct cell_mount_plan *plan, struct cell_error *err);

/*
 * Run the ops of a bind-mount `plan` that come before CELL_MOP_ATTACH on
 * `source` (a host path): the detached copy, its idmapping and attributes.
 * Returns the tree's fd (close-on-exec, the caller's), or -1 with `err`
 * naming mounts[index].  `lx` gives the container's mappings for "idmap".
 */
int cell_mount_open_tree(const struct cell_linux *lx, const struct cell_mount *m, size_t index,
                         const struct cell_mount_plan *plan, const char *source,
                         struct cell_error *err);

/* The mapping of an idmapped mount (pointers into the spec). */
struct cell_mount_idmap {
        const struct cell_id_mapping *uid;
        size_t n_uid;
        const struct cell_id_mapping *gid;
        size_t n_gid;
};

/*
 * The mapping of idmapped mounts[index]: its own uidMappings and
 * gidMappings, else the container's (`lx`).  Validation only (sizes,
 * overflow, both present); errors name mounts[index].uidMappings[j].
 */
int cell_mount_idmap_resolve(const struct cell_mount *m, size_t index, const struct cell_linux *lx,
                             struct cell_mount_idmap *out, struct cell_error *err);

/*
 * A user namespace holding `map` (a throwaway child's, the child gone on
 * return): an O_RDONLY fd for mount_attr.userns_fd, or -1 with `err`.
 */
int cell_mount_idmap_userns(const struct cell_mount_idmap *map, struct cell_error *err);

/* host_mounts.c: the journal's file in the state directory, opened O_APPEND. */
int cell_host_mounts_journal_open(int state_dirfd, struct cell_error *err);
/* Start the journal (ctx->journal_fd) with the rootfs' canonical path; sets rootfs_real. */
int cell_host_mounts_begin(struct cell_rootfs_ctx *ctx, struct cell_error *err);
/* Record the destination `dstfd` before mounting on it (nothing without a journal). */
int cell_host_mounts_record(struct cell_rootfs_ctx *ctx, int dstfd, const char *destination,
                            struct cell_error *err);
/* Every mount made: record their mount IDs and seal the journal (nothing without one). */
int cell_host_mounts_seal(struct cell_rootfs_ctx *ctx, struct cell_error *err);

/* MS_* flags (and clear flags) -> MOUNT_ATTR_* set/clear masks for mount_setattr(). */
void cell_mount_flags_to_attr(unsigned long flags, unsigned long clear_flags, uint64_t *attr_set,
                              uint64_t *attr_clr);

/* Plan and execute mounts[index]; the error names the mount and the index. */
int cell_mount_execute(struct cell_rootfs_ctx *ctx, const struct cell_mount *m, size_t index,
                       struct cell_error *err);

/*
 * The cgroup tree at `dstfd` (an O_PATH fd of the destination directory,
 * whose cleaned container path is `dest`).
 * See mount_cgroup.c for the layout chosen for each host.
 */
int cell_mount_cgroup(struct cell_rootfs_ctx *ctx, const struct cell_mount *m, const char *dest,
                      int dstfd, struct cell_error *err);

/*
 * An fs context (fsopen() fd, close-on-exec) for a procfs that shows the
 * pid namespace `pidns_fd`, which the caller is not in: procfs' "pidns"
 * parameter (Linux 6.18), else a short-lived helper that creates it from
 * inside the namespace (see procfs.c for why it is safe there).  The caller
 * configures, creates and mounts it.  Returns the fd, or -1 with errno.
 */
int cell_procfs_context(int pidns_fd);
/* The helper alone, whatever the kernel (for the tests). */
int cell_procfs_context_by_helper(int pidns_fd);

/* Fill /dev after the mounts (see rootfs.h); error messages name the device. */
int cell_rootfs_setup_dev(struct cell_rootfs_ctx *ctx, struct cell_error *err);

/* "/proc/self/fd/N" for a mount(2) target, in a caller-provided buffer. */
#define CELL_PROC_FD_BUF 32
const char *cell_proc_fd_path(char buf[CELL_PROC_FD_BUF], int fd);

/* open_tree(OPEN_TREE_CLONE) of `source` + move_mount() onto `dstfd`. */
int cell_mount_bind_fd(const char *source, int dstfd, bool recursive);

#endif
