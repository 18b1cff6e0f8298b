/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_CREATE_H
#define CELL_ENGINE_CREATE_H

/*
 * Making an engine container from an image and docker's flags (`create`,
 * and `run` before it starts the process).
 *
 * Every flag is parsed and checked before anything is made: a bad value
 * fails with an error naming the flag and the value, e.g.
 *   invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'
 * and nothing is left behind.
 */

#include <stdbool.h>

#include <json-c/json.h>

#include "engine/container.h"
#include "engine/engine.h"
#include "engine/network.h"

/* The image, as the store gives it (engine_store.c fills it from image/store.h). */
struct cell_image_source {
        const char *id;          /* "sha256:..." */
        json_object *config;     /* the image config document */
        char *const *lower_dirs; /* layer directories, top first, NULL-terminated */
};

/* The flags as given (strings not owned; NULL-terminated lists, or NULL). */
struct cell_ctr_opts {
        const char *image;            /* as the user gave it */
        const char *const *cmd;       /* after IMAGE; empty: the image's Cmd */
        const char *name;             /* --name; NULL: a random one */
        const char *const *env;       /* -e K=V, or K (copied from our environment) */
        const char *const *env_files; /* --env-file */
        const char *workdir;          /* -w */
        const char *user;             /* -u name|uid[:group|gid] */
        const char *entrypoint;       /* --entrypoint; "" clears the image's */
        const char *hostname;         /* -h; NULL: the short id */
        bool read_only, privileged, init, tty, interactive, auto_remove;
        const char *memory;           /* --memory 512m */
        const char *cpus;             /* --cpus 1.5 */
        const char *pids_limit;       /* --pids-limit N */
        const char *const *cap_add, *const *cap_drop;
        const char *const *security_opt; /* seccomp=FILE|unconfined, no-new-privileges */
        const char *const *tmpfs;        /* PATH[:OPTIONS] */
        const char *const *volumes;      /* HOST:CTR[:ro], VOLUME:CTR[:ro], CTR */
        const char *restart;             /* no|on-failure[:N]|always|unless-stopped */
        const char *network;             /* bridge|none|host|NAME|container:X|ns:PATH (engine/network.h) */
        struct cell_net_opts net;        /* -p -P --ip --network-alias --dns --add-host --mac-address */
        const char *stop_signal;         /* --stop-signal; NULL: the image's */
        int stop_timeout;                /* --stop-timeout; < 0: default */
        const char *isolation;           /* --isolation container|vm; NULL: container */
};

/*
 * Create the container: the record, the rootfs mounted from `img`'s layers
 * with a writable upper, named volumes (created and filled from the image
 * on first use), hostname/hosts/resolv.conf, and bundle/config.json.  The
 * store must stay locked shared (cell_store_lock_shared) meanwhile.  On
 * success `out` holds the record (locked); on failure nothing is left.
 */
int cell_engine_ctr_new(struct cell_engine *e, const struct cell_ctr_opts *opts,
                        const struct cell_image_source *img, struct cell_ctr *out,
                        struct cell_error *err);

#endif
