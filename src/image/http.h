/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_HTTP_H
#define CELL_IMAGE_HTTP_H

/*
 * HTTP transport to one registry host (libcurl).  An endpoint knows how to
 * reach a registry: its scheme, its TLS trust and its client certificate.
 * It knows nothing of the distribution API or of authentication (auth.h
 * and registry.c build on it).
 *
 * Scheme.  https first.  Plain http only when the https attempt failed to
 * make a TLS session at all (the server speaks plain http: "wrong version
 * number") AND either --tls-verify=false was given or the host is a
 * loopback one (localhost, 127.0.0.0/8, ::1), as docker treats 127.0.0.0/8
 * as an insecure registry.  A certificate that does not verify is never a
 * reason to fall back.
 *
 * Trust.  With `cert_dir` set, its *.crt files are trusted and a *.cert + *.key
 * pair is the client certificate (podman's --cert-dir); otherwise the first
 * of /etc/containers/certs.d/HOST[:PORT] and /etc/docker/certs.d/HOST[:PORT]
 * that exists.  The *.crt files are added to the system's CA bundle, not
 * substituted for it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#include "util/error.h"

struct cell_http_endpoint {
        char *host;     /* "127.0.0.1:5000", "docker.io": the name in references and auth.json */
        char *api_host; /* where requests go: "registry-1.docker.io" for docker.io, else host */
        const char *scheme; /* "https" or "http"; decided by cell_http_endpoint_ping() */
        bool tls_verify;
        char *ca_pem; /* system bundle + certs.d *.crt, or NULL for curl's default */
        size_t ca_pem_len;
        char *client_cert; /* *.cert file, or NULL */
        char *client_key;  /* its *.key file */
};

/* Set up `ep` for `host`; reads the certs.d directory.  Release with
 * cell_http_endpoint_release() (also after a failure). */
int cell_http_endpoint_init(struct cell_http_endpoint *ep, const char *host, bool tls_verify,
                            const char *cert_dir, struct cell_error *err);
void cell_http_endpoint_release(struct cell_http_endpoint *ep);

/* True for localhost, 127.0.0.0/8 and ::1, with or without a port. */
bool cell_http_host_is_loopback(const char *host);

/* "https://api_host" + path (path starts with '/'), or path itself when it is
 * already an absolute URL (a Location header).  Caller frees. */
char *cell_http_url(const struct cell_http_endpoint *ep, const char *path);

/* A new easy handle for `url` with the endpoint's TLS settings, timeouts
 * and user agent.  Caller cleans it up. */
CURL *cell_http_easy(const struct cell_http_endpoint *ep, const char *url);

/* A response read into memory. */
struct cell_http_response {
        long status;
        char *body; /* NUL-terminated, may be empty */
        size_t len;
        size_t max; /* larger bodies fail the request */
        bool too_large;
        char *content_type;
        char *location;
        char *www_authenticate;
        char *docker_content_digest;
};
void cell_http_response_release(struct cell_http_response *r);

/* Request body: `data` (len bytes), or `fd` streamed (len bytes) when fd >= 0. */
struct cell_http_body {
        const void *data;
        size_t len;
        int fd;
        const char *content_type;
};

/*
 * One request, performed at once.  `headers` are extra "Name: value"
 * lines (NULL-terminated, may be NULL).  Fails only when no HTTP response
 * was had (connection, TLS, a body over `max_body`); any status is a
 * success here and is the caller's to judge.  `what` names the request in
 * errors ("GET https://127.0.0.1:5000/v2/").
 */
int cell_http_request(const struct cell_http_endpoint *ep, const char *method, const char *url,
                      const char *const *headers, const struct cell_http_body *body,
                      size_t max_body, struct cell_http_response *resp, struct cell_error *err);

/* Install the response-header capture used by cell_http_request on a handle
 * of the caller's (for the multi interface).  `resp` must outlive the transfer. */
void cell_http_capture_headers(CURL *easy, struct cell_http_response *resp);

/* Decide the scheme: GET /v2/ over https, falling back to http as the
 * header says.  Fills `resp` with the answer (any status). */
int cell_http_endpoint_ping(struct cell_http_endpoint *ep, struct cell_http_response *resp,
                            struct cell_error *err);

/* The text of a registry error body {"errors":[{"code","message"}]}:
 * "unauthorized: authentication required"; else "HTTP <status>" plus the
 * body's first line when it is short text.  Caller frees. */
char *cell_http_error_text(const struct cell_http_response *r);

#endif
