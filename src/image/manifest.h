/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_MANIFEST_H
#define CELL_IMAGE_MANIFEST_H

/*
 * Image manifests and indexes as a registry serves them: OCI image manifest
 * and index, docker v2 schema 2 manifest and manifest list (docker's schema
 * 1 is refused).  Parsing checks what a pull relies on: JSON, a known media
 * type that agrees with the Content-Type it came with, sha256 digests,
 * sizes, known layer and config media types.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "util/error.h"

#define CELL_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CELL_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CELL_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CELL_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define CELL_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define CELL_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* The Accept header of a manifest request. */
#define CELL_MANIFEST_ACCEPT                                                                       \
        "Accept: " CELL_MT_OCI_MANIFEST ", " CELL_MT_OCI_INDEX ", " CELL_MT_DOCKER_MANIFEST        \
        ", " CELL_MT_DOCKER_LIST

struct cell_descriptor {
        char *media_type;
        char *digest; /* "sha256:<64 hex>" */
        int64_t size;
        char *os, *arch, *variant; /* an index entry's platform, else NULL */
};

struct cell_manifest {
        bool is_index;
        char *media_type;
        struct cell_descriptor config;   /* image manifests only */
        struct cell_descriptor *entries; /* layers (bottom first), or an index's manifests */
        size_t n_entries;
};

/*
 * Parse `body` (len bytes) served with `content_type` (may be NULL).
 * `what` names it in errors ("manifest latest in 127.0.0.1:5000/foo").
 */
int cell_manifest_parse(const char *body, size_t len, const char *content_type, const char *what,
                        struct cell_manifest *out, struct cell_error *err);
void cell_manifest_release(struct cell_manifest *m);

/* True for the layer media types a pull can unpack (tar, gzip, zstd). */
bool cell_layer_media_type_known(const char *media_type);

struct cell_platform {
        char *os, *arch, *variant; /* variant may be NULL */
};
/* Parse "os/arch[/variant]"; NULL or "" means this machine's. */
int cell_platform_parse(const char *text, struct cell_platform *out, struct cell_error *err);
void cell_platform_release(struct cell_platform *p);
/* "linux/arm64/v8".  Caller frees. */
char *cell_platform_string(const struct cell_platform *p);

/*
 * The entry of an index for `want`: os and architecture equal, and the
 * variant equal when `want` names one (arm64's "v8" and none are the same).
 * No match fails with "no manifest for linux/amd64 in REF (have:
 * linux/arm64, linux/arm/v7)".
 */
int cell_manifest_select(const struct cell_manifest *index, const struct cell_platform *want,
                         const char *ref, const struct cell_descriptor **out,
                         struct cell_error *err);

#endif
