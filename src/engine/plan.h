/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_PLAN_H
#define CELL_ENGINE_PLAN_H

/*
 * Internal to src/engine: the container's settings as data, between the
 * flags (flags.c parses and checks them, no side effects) and the OCI
 * config (spec.c writes it).  create.c fills in what needs the mounted
 * rootfs (the user's ids) and the made volumes.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "engine/create.h"

enum cell_mount_kind {
        CELL_MOUNT_BIND,   /* -v /host:/ctr */
        CELL_MOUNT_VOLUME, /* -v name:/ctr, -v /ctr (anonymous) */
        CELL_MOUNT_TMPFS,  /* --tmpfs /ctr[:opts] */
};

struct cell_mount_req {
        enum cell_mount_kind kind;
        char *source;      /* host path; for a volume its _data (filled by create.c) */
        char *volume;      /* volume name */
        bool anonymous;    /* -v /ctr: removed by rm -v */
        char *destination; /* absolute, cleaned */
        bool read_only;
        char *options;     /* tmpfs options, comma separated; may be NULL */
};

enum cell_seccomp_mode {
        CELL_SECCOMP_DEFAULT,
        CELL_SECCOMP_UNCONFINED,
        CELL_SECCOMP_FILE,
};

struct cell_ctr_plan {
        char **args;      /* entrypoint + cmd */
        char **env;       /* final K=V list */
        char *cwd;
        char *user;       /* as given (flag or image), resolved later */
        uid_t uid;
        gid_t gid;
        gid_t *gids;
        size_t n_gids;
        char *hostname;
        bool read_only, privileged, init, tty, open_stdin, no_new_privileges;
        int64_t memory;          /* bytes; 0 none */
        int64_t nano_cpus;       /* 0 none */
        int64_t pids_limit;      /* 0 none */
        char **caps;             /* "CAP_X", NULL-terminated */
        size_t n_caps;
        enum cell_seccomp_mode seccomp;
        json_object *seccomp_profile; /* CELL_SECCOMP_FILE: the file's object */
        struct cell_mount_req *mounts;
        size_t n_mounts;
        char *network;           /* "none", "host" */
        enum cell_restart_policy restart;
        int restart_max;
        int stop_signal;
        int stop_timeout;
        char *init_binary;       /* --init: host path of cell-init */
        bool vm;                 /* --isolation=vm: config.json asks for a micro-VM */
};

void cell_ctr_plan_release(struct cell_ctr_plan *p);

/*
 * Parse and check every flag against the image config (`image_config`: the
 * whole image config document, its "config" member holds Entrypoint, Cmd,
 * ...).  No side effects.  `id` gives the default hostname.
 */
int cell_ctr_plan_from_flags(const struct cell_ctr_opts *o, json_object *image_config,
                             const char *id, struct cell_ctr_plan *p, struct cell_error *err);

/*
 * Resolve p->user ("name|uid[:group|gid]") against <rootfs>/etc/passwd and
 * /etc/group as docker does: supplementary groups from /etc/group; HOME
 * added to the env when not set.
 */
int cell_ctr_plan_resolve_user(struct cell_ctr_plan *p, const char *rootfs,
                               struct cell_error *err);

/*
 * The runtime-spec config.json for the plan; `ctr_dir` holds hostname,
 * hosts and resolv.conf; `netns` is the network driver's choice
 * (engine/network.h) and `netns_path` its file for CELL_NET_NS_PATH.
 * Caller puts.
 */
json_object *cell_ctr_plan_spec(const struct cell_ctr_plan *p, const char *ctr_dir, int netns,
                                const char *netns_path);

#endif
