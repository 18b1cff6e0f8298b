/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_IMAGE_SOURCE_H
#define CELL_ENGINE_IMAGE_SOURCE_H

/*
 * The image a container is made from, as the store has it: its record,
 * config and layer directories (engine/create.h's cell_image_source).
 */

#include <json-c/json.h>

#include "engine/create.h"
#include "engine/engine.h"
#include "image/store.h"

enum cell_pull_policy {
        CELL_PULL_MISSING, /* pull when the store has no such image (default) */
        CELL_PULL_ALWAYS,
        CELL_PULL_NEVER,
};

/* "missing", "always", "never"; else "invalid pull policy: X" */
int cell_pull_policy_parse(const char *s, enum cell_pull_policy *out, struct cell_error *err);

/* Fetches `ref` into the store (registry.h's cell_registry_pull, bound by the verb). */
typedef int (*cell_pull_fn)(struct cell_store *s, const char *ref, struct cell_image *out,
                            void *data, struct cell_error *err);

struct cell_engine_image {
        struct cell_image img;
        json_object *config;
        char **lower_dirs;             /* top first, NULL-terminated */
        struct cell_image_source src;  /* points into the above */
};

/*
 * Find `ref` in the store (the built-in busybox is made on first use), or
 * pull it as `policy` says (`pull` may be NULL: then a missing image is
 * "image not known: REF").  The store `s` must be locked shared.
 */
int cell_engine_image_resolve(struct cell_store *s, const char *ref, enum cell_pull_policy policy,
                              cell_pull_fn pull, void *pull_data, struct cell_engine_image *out,
                              struct cell_error *err);
void cell_engine_image_release(struct cell_engine_image *img);

#endif
