/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_REGISTRY_INTERNAL_H
#define CELL_IMAGE_REGISTRY_INTERNAL_H

/* What registry.c, registry_push.c, auth.c, manifest.c and http.c share, and
 * nothing outside them includes. */

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
int registry_client_open(struct registry_client *c, const char *host, const struct cell_pull_opts *o,
                         struct cell_error *err);
void registry_client_close(struct registry_client *c);

/* `path` is "/v2/..." or an absolute URL (a Location).  Any HTTP status is
 * returned in `resp` for the caller to judge. */
int registry_request(struct registry_client *c, const char *method, const char *path,
                     const char *scope, const char *const *headers, const struct cell_http_body *body,
                     size_t max_body, struct cell_http_response *resp, struct cell_error *err);

/*
 * Fetch the blobs of `repo` the store lacks into the store, in parallel
 * (registry_blobs.c), each verified against its digest and size.  On a
 * failure the transfers still running stop, their partial files are kept
 * for a later resume, and the error names the first blob that failed.
 */
int registry_fetch_blobs(struct registry_client *c, struct cell_store *s, const char *repo,
                         const char *scope, const struct cell_descriptor *const *blobs, size_t n,
                         struct cell_progress *progress, struct cell_error *err);

#endif
