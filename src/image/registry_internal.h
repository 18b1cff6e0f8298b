/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_REGISTRY_INTERNAL_H
#define CELL_IMAGE_REGISTRY_INTERNAL_H

/* What registry.c, registry_push.c, auth.c, manifest.c and http.c share, and
 * nothing outside them includes. */

#include <stdbool.h>
#include <json-c/json.h>

#include "image/auth.h"
#include "image/http.h"
#include "util/error.h"

struct cell_pull_opts;
struct cell_store;
struct cell_descriptor;
struct cell_progress;

/* Largest manifest or index (containers/image's limit), and config. */
#define CELL_MANIFEST_MAX ((size_t)4 << 20)
#define CELL_CONFIG_MAX ((size_t)8 << 20)
/* An error or token response. */
#define CELL_SMALL_BODY_MAX ((size_t)1 << 20)

static inline void json_object_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}

/*
 * A session with one registry: the endpoint (scheme decided by a ping of
 * /v2/), and the authentication state.  Every request goes through
 * registry_request(), which adds the Authorization header for its scope
 * and, on a 401, learns the challenge again and retries once.
 */
struct registry_client {
        struct cell_http_endpoint ep;
        struct cell_auth auth;
};

/* Open a session with `host`: credentials from o->creds or the auth file,
 * certs.d, the ping. */
int registry_client_open(struct registry_client *c, const char *host,
                         const struct cell_pull_opts *o, struct cell_error *err);
void registry_client_close(struct registry_client *c);

/* `path` is "/v2/..." or an absolute URL (a Location).  Any HTTP status is
 * returned in `resp` for the caller to judge. */
int registry_request(struct registry_client *c, const char *method, const char *path,
                     const char *scope, const char *const *headers,
                     const struct cell_http_body *body, size_t max_body,
                     struct cell_http_response *resp, struct cell_error *err);

/*
 * What a caller of registry_fetch_blobs() does alongside the transfers
 * (the pull unpacks layers while the others still stream).  Any member may
 * be NULL.
 */
struct registry_fetch_hooks {
        void *data;
        /* blobs[index] is in the store now (fetched, or there already). */
        int (*blob_ready)(void *data, size_t index, struct cell_error *err);
        /* File descriptors to wake on beside the transfers' sockets. */
        unsigned (*wait_fds)(void *data, struct curl_waitfd *fds, unsigned max);
        /* After every wake-up. */
        int (*after_wait)(void *data, struct cell_error *err);
};

/*
 * Fetch the blobs of `repo` the store lacks into the store, in parallel
 * (registry_blobs.c), each verified against its digest and size.  On a
 * failure the transfers still running stop, their partial files are kept
 * for a later resume, and the error names the first blob that failed.
 */
int registry_fetch_blobs(struct registry_client *c, struct cell_store *s, const char *repo,
                         const char *scope, const struct cell_descriptor *const *blobs, size_t n,
                         struct cell_progress *progress, const struct registry_fetch_hooks *hooks,
                         struct cell_error *err);

/*
 * Layers unpacked by child processes, up to one per CPU, each as soon as
 * its blob is in the store (registry_unpack.c).  Feed it through its hooks
 * while the blobs stream; registry_unpack_finish() waits for the rest.
 */
struct registry_unpack;
struct registry_unpack *registry_unpack_new(struct cell_store *s,
                                            const struct cell_descriptor *layers,
                                            char *const *diff_ids, size_t n);
void registry_unpack_hooks(struct registry_unpack *u, struct registry_fetch_hooks *hooks);
/* Unpack what is left (when `run_rest`) and wait for every child; the first
 * failure is the result.  Frees `u`. */
int registry_unpack_finish(struct registry_unpack *u, bool run_rest, struct cell_error *err);

#endif
