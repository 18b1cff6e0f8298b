/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_AUTH_H
#define CELL_IMAGE_AUTH_H

/*
 * Registry authentication: the credentials file and the challenge flow.
 *
 * Credentials file: podman's auth.json, {"auths":{"HOST[:PORT]":{"auth":
 * "base64(user:password)"}}}.  Its path: the --authfile given, else
 * $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
 * /run/containers/<uid>/auth.json.  Reading also looks at docker's key for
 * docker.io ("https://index.docker.io/v1/").  Written atomically, mode 0600.
 *
 * Challenge flow (distribution's, in one place): the registry's answer to
 * GET /v2/ (or a 401 later) names a scheme.  "Basic": every request carries
 * the credentials.  "Bearer realm=R,service=S": a token for each scope
 * ("repository:library/busybox:pull") is fetched from R (with the
 * credentials as Basic auth when there are some, anonymously otherwise) and
 * cached for the life of the session.
 */

#include <stdbool.h>

#include "image/http.h"
#include "util/error.h"

/* The path to use: `authfile` when not NULL, else the default above.  Caller frees. */
char *cell_auth_file_path(const char *authfile);

/* Credentials for `host` from the file at `path`.  Returns 1 and fills
 * user/password (caller frees) when found, 0 when the file or the entry is
 * absent, < 0 when the file cannot be read or parsed. */
int cell_auth_file_get(const char *path, const char *host, char **user, char **password,
                       struct cell_error *err);
/* Store (replace) the entry for `host`. */
int cell_auth_file_set(const char *path, const char *host, const char *user, const char *password,
                       struct cell_error *err);
/* Remove the entry for `host` (every entry when host is NULL).  Returns 1
 * when something was removed, 0 when there was nothing to remove. */
int cell_auth_file_remove(const char *path, const char *host, struct cell_error *err);

struct cell_auth_token {
        char *scope;
        char *header; /* "Authorization: Bearer ..." */
};

struct cell_auth {
        char *user, *password; /* NULL: anonymous */
        char *scheme;          /* "basic", "bearer" or NULL (none asked for) */
        char *realm, *service;
        struct cell_auth_token *tokens;
        size_t n_tokens;
};

/* Take a copy of user/password (both NULL for anonymous). */
void cell_auth_init(struct cell_auth *a, const char *user, const char *password);
void cell_auth_release(struct cell_auth *a);

/* Learn the scheme from a response's WWW-Authenticate header (a response
 * without one leaves the session as it was). Drops cached tokens when the
 * realm changes. */
int cell_auth_challenge(struct cell_auth *a, const struct cell_http_response *r,
                        struct cell_error *err);

/* Forget the cached token for `scope` (it was refused). */
void cell_auth_forget(struct cell_auth *a, const char *scope);

/*
 * The Authorization header line for a request needing `scope` (NULL: the
 * /v2/ root), fetching a token when the scheme is Bearer.  *header is NULL
 * when nothing is to be sent.  The header is owned by the session.  A
 * refused token request fails with the token server's reason.
 */
int cell_auth_header(struct cell_auth *a, const struct cell_http_endpoint *ep, const char *scope,
                     const char **header, struct cell_error *err);

/* base64 of `len` bytes; caller frees. */
char *cell_base64_encode(const void *data, size_t len);
/* Decode; NULL when `text` is not base64.  *len receives the length. */
char *cell_base64_decode(const char *text, size_t *len);

#endif
