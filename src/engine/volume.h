/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_VOLUME_H
#define CELL_ENGINE_VOLUME_H

/*
 * Named volumes: <storage>/volumes/<name>/volume.json + _data/ (the
 * directory bind-mounted into containers).  volume.json:
 *   {"name": ..., "driver": "local", "created": RFC 3339, "anonymous": bool,
 *    "labels": {...}}
 * A volume is "in use" while a container record (running or not) mounts
 * it; such a volume is not removed (`rm`, `prune`).  Creation and removal
 * take <storage>/volumes/.lock.
 */

#include <stdbool.h>

#include <json-c/json.h>

#include "engine/engine.h"

struct cell_volume {
        char *name;
        char *mountpoint; /* .../_data */
        char *created;
        bool anonymous;   /* made for `-v /path`: `rm -v` removes it with the container */
        json_object *labels; /* may be NULL */
};

void cell_volume_release(struct cell_volume *v);

/*
 * Create volume `name` (NULL: a random 64-hex name, anonymous), or find
 * it when it exists (*created_now false).  Bad name: 'create X:
 * "X" includes invalid characters for a local volume name ...'.
 */
int cell_volume_create(struct cell_engine *e, const char *name, bool anonymous,
                       json_object *labels, struct cell_volume *out, bool *created_now,
                       struct cell_error *err);

/* Unknown: "no such volume: X" (errnum ENOENT). */
int cell_volume_get(struct cell_engine *e, const char *name, struct cell_volume *out,
                    struct cell_error *err);

/* Sorted by name.  Free each with cell_volume_release, then the array. */
int cell_volume_list(struct cell_engine *e, struct cell_volume **out, size_t *n,
                     struct cell_error *err);

/* Ids of the containers whose record mounts volume `name` (NULL-terminated; caller frees). */
char **cell_volume_users(struct cell_engine *e, const char *name, struct cell_error *err);

/*
 * Remove a volume.  In use: "remove X: volume is in use - [ID, ...]"
 * unless `force`.
 */
int cell_volume_remove(struct cell_engine *e, const char *name, bool force, struct cell_error *err);

/*
 * Copy the content of directory `src` of the container's `rootfs` (resolved
 * inside it) into the empty volume directory `dst`, owners and modes kept,
 * as docker does for a new volume.  No such directory: nothing to do.
 */
int cell_volume_copy_up(const char *rootfs, const char *src, const char *dst,
                        struct cell_error *err);

#endif
