/* SPDX-License-Identifier: Apache-2.0 */
/* A session with one registry (registry_internal.h), login and logout. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "image/reference.h"
#include "image/registry.h"
#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int credentials(const char *host, const struct cell_pull_opts *o, char **user,
                       char **password, struct cell_error *err)
{
        *user = *password = NULL;
        if (o->creds) {
                const char *colon = strchr(o->creds, ':');
                if (!colon || colon == o->creds)
                        return cell_error_set(err, 0, "--creds: want USER:PASSWORD");
                *user = xstrndup(o->creds, (size_t)(colon - o->creds));
                *password = xstrdup(colon + 1);
                return 0;
        }
        _cleanup_free_ char *path = cell_auth_file_path(o->authfile);
        return cell_auth_file_get(path, host, user, password, err) < 0 ? -1 : 0;
}

static int client_connect(struct registry_client *c, const char *host,
                          const struct cell_pull_opts *o, const char *user, const char *password,
                          struct cell_error *err)
{
        memset(c, 0, sizeof(*c));
        cell_auth_init(&c->auth, user, password);
        if (cell_http_endpoint_init(&c->ep, host, o->tls_verify, o->cert_dir, err) < 0)
                return -1;
        struct cell_http_response r = {0};
        int ret = cell_http_endpoint_ping(&c->ep, &r, err);
        if (ret == 0 && r.status != 200 && r.status != 401) {
                _cleanup_free_ char *why = cell_http_error_text(&r);
                ret = cell_error_set(err, 0, "registry %s: GET /v2/: %s", host, why);
        }
        if (ret == 0 && r.status == 401)
                ret = cell_auth_challenge(&c->auth, &r, err);
        cell_http_response_release(&r);
        return ret;
}

int registry_client_open(struct registry_client *c, const char *host,
                         const struct cell_pull_opts *o, struct cell_error *err)
{
        _cleanup_free_ char *user = NULL, *password = NULL;
        if (credentials(host, o, &user, &password, err) < 0) {
                memset(c, 0, sizeof(*c));
                return -1;
        }
        return client_connect(c, host, o, user, password, err);
}

void registry_client_close(struct registry_client *c)
{
        cell_http_endpoint_release(&c->ep);
        cell_auth_release(&c->auth);
}

int registry_request(struct registry_client *c, const char *method, const char *path,
                     const char *scope, const char *const *headers,
                     const struct cell_http_body *body, size_t max_body,
                     struct cell_http_response *resp, struct cell_error *err)
{
        _cleanup_free_ char *url = cell_http_url(&c->ep, path);
        for (int attempt = 0;; attempt++) {
                const char *auth = NULL;
                if (cell_auth_header(&c->auth, &c->ep, scope, &auth, err) < 0)
                        return -1;
                const char *all[16];
                size_t n = 0;
                for (size_t i = 0; headers && headers[i] && n < CELL_ARRAY_SIZE(all) - 2; i++)
                        all[n++] = headers[i];
                if (auth)
                        all[n++] = auth;
                all[n] = NULL;
                if (body && body->fd >= 0 && lseek(body->fd, 0, SEEK_SET) < 0)
                        return cell_error_errno(err, "%s %s: rewind the upload", method, url);
                if (cell_http_request(&c->ep, method, url, all, body, max_body, resp, err) < 0)
                        return -1;
                if (resp->status != 401 || attempt > 0 || !resp->www_authenticate)
                        return 0;
                /* A token that expired, or a scope the registry names anew. */
                cell_auth_forget(&c->auth, scope);
                if (cell_auth_challenge(&c->auth, resp, err) < 0)
                        return -1;
                if (!c->auth.scheme || (strcmp(c->auth.scheme, "basic") == 0 && !c->auth.user))
                        return 0;
        }
}

char *cell_registry_host(const char *text, struct cell_error *err)
{
        const char *t = text;
        if (strncmp(t, "docker://", 9) == 0)
                t += 9;
        else if (strncmp(t, "https://", 8) == 0)
                t += 8;
        else if (strncmp(t, "http://", 7) == 0)
                t += 7;
        /* "host:port", "host/", "localhost": a host by itself. */
        size_t n = strcspn(t, "/");
        if (n == 0)
                return cell_error_set(err, 0, "invalid registry \"%s\"", text), NULL;
        if (t[n] == '\0' || strcmp(t + n, "/") == 0 || strcmp(t + n, "/v1/") == 0 ||
            strcmp(t + n, "/v2/") == 0) {
                _cleanup_free_ char *h = xstrndup(t, n);
                if (strchr(h, '.') || strchr(h, ':') || strcmp(h, "localhost") == 0) {
                        if (strcmp(h, "index.docker.io") == 0 ||
                            strcmp(h, "registry-1.docker.io") == 0)
                                return xstrdup("docker.io");
                        return steal_ptr(h);
                }
        }
        struct cell_ref ref = {0};
        if (cell_ref_parse(t, &ref, err) < 0)
                return NULL;
        char *host = xstrdup(ref.domain);
        cell_ref_release(&ref);
        return host;
}

/* Credentials are right when /v2/ answers 200 with them (Basic), or when the
 * token server hands out a token for them and /v2/ takes it (Bearer). */
static int verify_login(struct registry_client *c, struct cell_error *err)
{
        if (!c->auth.scheme)
                return 0; /* the registry asks for nothing: any credentials do */
        struct cell_http_response r = {0};
        int ret =
                registry_request(c, "GET", "/v2/", NULL, NULL, NULL, CELL_SMALL_BODY_MAX, &r, err);
        if (ret == 0 && r.status != 200) {
                _cleanup_free_ char *why = cell_http_error_text(&r);
                if (r.status == 401 && strncmp(why, "unauthorized", 12) != 0)
                        ret = cell_error_set(err, 0, "unauthorized: %s", why);
                else
                        ret = cell_error_set(err, 0, "%s", why);
        }
        cell_http_response_release(&r);
        return ret;
}

int cell_registry_login(const char *registry, const char *user, const char *password,
                        const struct cell_pull_opts *o, struct cell_error *err)
{
        const struct cell_pull_opts defaults = CELL_PULL_OPTS_DEFAULT;
        if (!o)
                o = &defaults;
        _cleanup_free_ char *host = cell_registry_host(registry, err);
        if (!host)
                return cell_error_prefix(err, "login");
        if (!user || !*user)
                return cell_error_set(err, 0, "login to %s: no user name given", host);
        struct registry_client c;
        int ret = client_connect(&c, host, o, user, password ? password : "", err);
        if (ret == 0)
                ret = verify_login(&c, err);
        registry_client_close(&c);
        if (ret < 0)
                return cell_error_prefix(err, "login to %s", host);
        _cleanup_free_ char *path = cell_auth_file_path(o->authfile);
        if (cell_auth_file_set(path, host, user, password ? password : "", err) < 0)
                return cell_error_prefix(err, "login to %s", host);
        return 0;
}

int cell_registry_logout(const char *registry, const char *authfile, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_auth_file_path(authfile);
        _cleanup_free_ char *host = NULL;
        if (registry) {
                host = cell_registry_host(registry, err);
                if (!host)
                        return cell_error_prefix(err, "logout");
        }
        int r = cell_auth_file_remove(path, host, err);
        if (r < 0)
                return cell_error_prefix(err, "logout");
        if (r == 0 && host)
                return cell_error_set(err, 0, "not logged into %s", host);
        return 0;
}
