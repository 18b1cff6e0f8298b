/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_ARCHIVE_PLAN_H
#define CELL_IMAGE_ARCHIVE_PLAN_H

/*
 * Internal to `cell load` (archive_load.c, archive_oci.c, archive_docker.c).
 *
 * Loading is a plan, then its execution.  A format's loader reads the
 * archive's metadata and appends pending images to `struct load`: names,
 * the config (its blob already stored and parsed), and for each layer the
 * archive file that holds it and what the manifest says of it.  The
 * executor (archive_load.c) then stores and unpacks every layer, makes what
 * the format lacks (a manifest for docker archives, a config for the old
 * layout), and adds the images only when all of that worked.
 *
 * All functions return < 0 and fill `err` on failure, naming the file.
 */

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "image/archive_source.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "util/error.h"

struct pending_layer {
        char *name;       /* the file in the archive */
        char *expected;   /* the blob digest a manifest names, or NULL */
        char *media_type; /* NULL: told by the blob's magic */
        char *diff_id;    /* from the config; NULL in an old docker archive */
        char digest[CELL_DIGEST_MAX];
        int64_t size;
};

struct pending_image {
        char *what;   /* names the image in errors */
        char **names; /* fully qualified */
        size_t n_names;
        char *manifest_digest; /* NULL: made here (docker archives) */
        char *manifest_media_type;
        char config_digest[CELL_DIGEST_MAX]; /* "": made after unpacking (old docker) */
        json_object *config;                 /* the config, or an old layout's top v1 json */
        json_object *legacy;                 /* old layout: each layer's v1 json, bottom first */
        struct pending_layer *layers;
        size_t n_layers;
};

struct load {
        struct cell_store *s;
        struct archive_source *src;
        struct pending_image *imgs;
        size_t n;
        struct cell_platform platform; /* this machine's */
};

/* The loaders of each format: append to l->imgs. */
int archive_load_oci(struct load *l, struct cell_error *err);
int archive_load_docker(struct load *l, struct cell_error *err);
int archive_load_legacy(struct load *l, struct cell_error *err);
/* Old layout, after unpacking: the config from p->config (top v1 json) and the diff ids. */
int archive_legacy_config(struct load *l, struct pending_image *p, struct cell_error *err);

/* A new pending image (zeroed, owned by `l`), `what` naming it in errors. */
struct pending_image *archive_pending_new(struct load *l, const char *what);
/* A new layer of `p`, held by archive file `name`. */
struct pending_layer *archive_pending_layer_new(struct pending_image *p, const char *name);
/* Add `name` (as the archive spells it) to p's names, normalized; `where` names the file. */
int archive_pending_add_name(struct pending_image *p, const char *name, const char *where,
                             struct cell_error *err);

/* JSON from `text`; "WHAT: not JSON (reason)". */
int archive_parse_json(const char *text, size_t len, const char *what, json_object **out,
                       struct cell_error *err);
/* The archive's file `name`, parsed, of JSON type `type` (object or array). */
int archive_read_json(struct load *l, const char *name, json_type type, json_object **out,
                      struct cell_error *err);
/* o[key] when it is a string, else NULL. */
const char *archive_json_string(json_object *o, const char *key);
/* The config's rootfs.diff_ids (checked: `n_layers` sha256 digests), or NULL. */
json_object *archive_config_diff_ids(json_object *config, size_t n_layers, const char *what,
                                     struct cell_error *err);

#endif
