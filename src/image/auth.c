/* SPDX-License-Identifier: Apache-2.0 */
#include "image/auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ---- base64 (RFC 4648; libcurl keeps its own private) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cell_base64_encode(const void *data, size_t len)
{
        const unsigned char *in = data;
        char *out = xmalloc((len + 2) / 3 * 4 + 1), *p = out;
        for (size_t i = 0; i < len; i += 3) {
                unsigned v = (unsigned)in[i] << 16;
                if (i + 1 < len)
                        v |= (unsigned)in[i + 1] << 8;
                if (i + 2 < len)
                        v |= in[i + 2];
                *p++ = b64[(v >> 18) & 63];
                *p++ = b64[(v >> 12) & 63];
                *p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
                *p++ = i + 2 < len ? b64[v & 63] : '=';
        }
        *p = '\0';
        return out;
}

char *cell_base64_decode(const char *text, size_t *len)
{
        size_t n = strlen(text);
        if (n % 4)
                return NULL;
        _cleanup_free_ char *out = xmalloc(n / 4 * 3 + 1);
        size_t o = 0;
        for (size_t i = 0; i < n; i += 4) {
                unsigned v = 0;
                int pad = 0;
                for (int k = 0; k < 4; k++) {
                        char ch = text[i + k];
                        const char *pos = ch ? strchr(b64, ch) : NULL;
                        if (ch == '=' && i + 4 == n && k >= 2) {
                                pad++;
                                v <<= 6;
                                continue;
                        }
                        if (!pos || pad)
                                return NULL;
                        v = (v << 6) | (unsigned)(pos - b64);
                }
                out[o++] = (char)(v >> 16);
                if (pad < 2)
                        out[o++] = (char)(v >> 8);
                if (pad < 1)
                        out[o++] = (char)v;
        }
        out[o] = '\0';
        *len = o;
        return steal_ptr(out);
}

/* ---- auth.json ---- */

char *cell_auth_file_path(const char *authfile)
{
        if (authfile && *authfile)
                return xstrdup(authfile);
        const char *env = getenv("REGISTRY_AUTH_FILE");
        if (env && *env)
                return xstrdup(env);
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg)
                return xasprintf("%s/containers/auth.json", xdg);
        return xasprintf("/run/containers/%u/auth.json", (unsigned)getuid());
}

/* The parsed file, or a fresh {"auths":{}} when there is none. */
static int auth_file_load(const char *path, json_object **out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        struct cell_error rerr = {0};
        if (cell_read_file(path, &text, NULL, &rerr) < 0) {
                if (rerr.errnum != ENOENT) {
                        *err = rerr;
                        return cell_error_prefix(err, "auth file");
                }
                *out = json_object_new_object();
        } else {
                *out = json_tokener_parse(text);
                if (!*out || !json_object_is_type(*out, json_type_object)) {
                        /* The caller's cleanup puts *out too: leave it NULL. */
                        json_object_putp(out);
                        *out = NULL;
                        return cell_error_set(err, 0, "auth file %s: not a JSON object", path);
                }
        }
        json_object *auths;
        if (!json_object_object_get_ex(*out, "auths", &auths) ||
            !json_object_is_type(auths, json_type_object))
                json_object_object_add(*out, "auths", json_object_new_object());
        return 0;
}

static int auth_file_store(const char *path, json_object *root, struct cell_error *err)
{
        _cleanup_free_ char *copy = xstrdup(path);
        const char *dir = dirname(copy);
        if (cell_mkdir_p(dir, 0700, err) < 0)
                return cell_error_prefix(err, "auth file %s", path);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return cell_error_errno(err, "auth file %s: open %s", path, dir);
        _cleanup_free_ char *base_copy = xstrdup(path);
        const char *text = json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_free_ char *with_nl = xasprintf("%s\n", text);
        if (cell_write_file_atomic(dfd, basename(base_copy), with_nl, strlen(with_nl), err) < 0)
                return cell_error_prefix(err, "auth file %s", path);
        return 0;
}

int cell_auth_file_get(const char *path, const char *host, char **user, char **password,
                       struct cell_error *err)
{
        _cleanup_(json_object_putp) json_object *root = NULL;
        if (auth_file_load(path, &root, err) < 0)
                return -1;
        json_object *auths, *entry = NULL, *auth;
        json_object_object_get_ex(root, "auths", &auths);
        if (!json_object_object_get_ex(auths, host, &entry) && strcmp(host, "docker.io") == 0)
                json_object_object_get_ex(auths, "https://index.docker.io/v1/", &entry);
        if (!entry || !json_object_object_get_ex(entry, "auth", &auth))
                return 0;
        size_t len;
        _cleanup_free_ char *plain = cell_base64_decode(json_object_get_string(auth), &len);
        char *colon = plain ? memchr(plain, ':', len) : NULL;
        if (!colon)
                return cell_error_set(err, 0,
                                      "auth file %s: the entry for %s is not base64(user:password)",
                                      path, host);
        *user = xstrndup(plain, (size_t)(colon - plain));
        *password = xstrndup(colon + 1, len - (size_t)(colon - plain) - 1);
        return 1;
}

int cell_auth_file_set(const char *path, const char *host, const char *user, const char *password,
                       struct cell_error *err)
{
        _cleanup_(json_object_putp) json_object *root = NULL;
        if (auth_file_load(path, &root, err) < 0)
                return -1;
        json_object *auths;
        json_object_object_get_ex(root, "auths", &auths);
        _cleanup_free_ char *plain = xasprintf("%s:%s", user, password);
        _cleanup_free_ char *enc = cell_base64_encode(plain, strlen(plain));
        json_object *entry = json_object_new_object();
        json_object_object_add(entry, "auth", json_object_new_string(enc));
        json_object_object_add(auths, host, entry);
        return auth_file_store(path, root, err);
}

int cell_auth_file_remove(const char *path, const char *host, struct cell_error *err)
{
        if (!host && access(path, F_OK) < 0)
                return 0;
        _cleanup_(json_object_putp) json_object *root = NULL;
        if (auth_file_load(path, &root, err) < 0)
                return -1;
        json_object *auths;
        json_object_object_get_ex(root, "auths", &auths);
        int removed = 0;
        if (!host) {
                removed = json_object_object_length(auths) > 0;
                json_object_object_add(root, "auths", json_object_new_object());
        } else {
                /* docker's key for Docker Hub goes with docker.io's. */
                const char *keys[] = {host, strcmp(host, "docker.io") == 0
                                                    ? "https://index.docker.io/v1/"
                                                    : NULL};
                for (size_t i = 0; i < CELL_ARRAY_SIZE(keys) && keys[i]; i++) {
                        if (json_object_object_get_ex(auths, keys[i], NULL)) {
                                json_object_object_del(auths, keys[i]);
                                removed = 1;
                        }
                }
        }
        if (removed && auth_file_store(path, root, err) < 0)
                return -1;
        return removed;
}

/* ---- the challenge flow ---- */

void cell_auth_init(struct cell_auth *a, const char *user, const char *password)
{
        memset(a, 0, sizeof(*a));
        a->user = xstrdup_or_null(user);
        a->password = xstrdup_or_null(password);
}

static void drop_tokens(struct cell_auth *a)
{
        for (size_t i = 0; i < a->n_tokens; i++) {
                free(a->tokens[i].scope);
                free(a->tokens[i].header);
        }
        free(a->tokens);
        a->tokens = NULL;
        a->n_tokens = 0;
}

void cell_auth_release(struct cell_auth *a)
{
        drop_tokens(a);
        free(a->user);
        free(a->password);
        free(a->scheme);
        free(a->realm);
        free(a->service);
        memset(a, 0, sizeof(*a));
}

/* One auth-param (name=value or name="value") from *p; false at the end. */
static bool next_param(const char **p, char **name, char **value)
{
        const char *s = *p;
        while (*s == ',' || isspace((unsigned char)*s))
                s++;
        const char *eq = strchr(s, '=');
        if (!*s || !eq)
                return false;
        *name = xstrndup(s, (size_t)(eq - s));
        s = eq + 1;
        char *v = xmalloc(strlen(s) + 1), *o = v;
        if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                        if (*s == '\\' && s[1])
                                s++;
                        *o++ = *s;
                }
                if (*s == '"')
                        s++;
        } else {
                while (*s && *s != ',' && !isspace((unsigned char)*s))
                        *o++ = *s++;
        }
        *o = '\0';
        *value = v;
        *p = s;
        return true;
}

int cell_auth_challenge(struct cell_auth *a, const struct cell_http_response *r,
                        struct cell_error *err)
{
        const char *h = r->www_authenticate;
        if (!h)
                return 0;
        size_t n = strcspn(h, " \t");
        _cleanup_free_ char *scheme = xstrndup(h, n);
        for (char *p = scheme; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        if (strcmp(scheme, "basic") != 0 && strcmp(scheme, "bearer") != 0)
                return cell_error_set(err, 0, "registry asks for unsupported authentication \"%s\"",
                                      h);
        _cleanup_free_ char *realm = NULL, *service = NULL;
        const char *p = h + n;
        char *name, *value;
        while (next_param(&p, &name, &value)) {
                if (strcasecmp(name, "realm") == 0)
                        free(realm), realm = steal_ptr(value);
                else if (strcasecmp(name, "service") == 0)
                        free(service), service = steal_ptr(value);
                free(name);
                free(value);
        }
        if (strcmp(scheme, "bearer") == 0 && !realm)
                return cell_error_set(err, 0, "registry's Bearer challenge has no realm: \"%s\"",
                                      h);
        bool same = a->scheme && strcmp(a->scheme, scheme) == 0 &&
                    (!realm || (a->realm && strcmp(a->realm, realm) == 0));
        if (!same)
                drop_tokens(a);
        free(a->scheme);
        free(a->realm);
        free(a->service);
        a->scheme = steal_ptr(scheme);
        a->realm = steal_ptr(realm);
        a->service = steal_ptr(service);
        return 0;
}

void cell_auth_forget(struct cell_auth *a, const char *scope)
{
        for (size_t i = 0; i < a->n_tokens; i++) {
                if (strcmp(a->tokens[i].scope, scope ? scope : "") == 0) {
                        free(a->tokens[i].scope);
                        free(a->tokens[i].header);
                        a->tokens[i] = a->tokens[--a->n_tokens];
                        return;
                }
        }
}

static char *basic_header(const struct cell_auth *a)
{
        _cleanup_free_ char *plain = xasprintf("%s:%s", a->user, a->password ? a->password : "");
        _cleanup_free_ char *enc = cell_base64_encode(plain, strlen(plain));
        return xasprintf("Authorization: Basic %s", enc);
}

static char *escape(const char *s)
{
        char *e = curl_easy_escape(NULL, s, 0);
        if (!e)
                abort();
        char *copy = xstrdup(e);
        curl_free(e);
        return copy;
}

static int fetch_token(struct cell_auth *a, const struct cell_http_endpoint *ep, const char *scope,
                       char **header, struct cell_error *err)
{
        _cleanup_free_ char *service = a->service ? escape(a->service) : NULL;
        _cleanup_free_ char *scope_q = scope ? escape(scope) : NULL;
        _cleanup_free_ char *url =
                xasprintf("%s%sservice=%s%s%s", a->realm, strchr(a->realm, '?') ? "&" : "?",
                          service ? service : "", scope_q ? "&scope=" : "", scope_q ? scope_q : "");
        _cleanup_free_ char *basic = a->user ? basic_header(a) : NULL;
        const char *headers[] = {basic, NULL};
        struct cell_http_response r = {0};
        /* The token server may sit elsewhere; it is trusted as the registry is. */
        if (cell_http_request(ep, "GET", url, headers, NULL, CELL_SMALL_BODY_MAX, &r, err) < 0) {
                cell_http_response_release(&r);
                return cell_error_prefix(err, "getting a token for %s", ep->host);
        }
        if (r.status != 200) {
                _cleanup_free_ char *why = cell_http_error_text(&r);
                long status = r.status;
                cell_http_response_release(&r);
                bool refused = status == 401 || status == 403;
                if (refused && strncmp(why, "unauthorized", 12) == 0)
                        return cell_error_set(err, 0, "%s", why);
                return cell_error_set(err, 0, "%s: %s", refused ? "unauthorized" : "token server",
                                      why);
        }
        _cleanup_(json_object_putp) json_object *root = json_tokener_parse(r.body);
        cell_http_response_release(&r);
        json_object *tok = NULL;
        if (!root ||
            (!json_object_object_get_ex(root, "token", &tok) &&
             !json_object_object_get_ex(root, "access_token", &tok)) ||
            !json_object_is_type(tok, json_type_string))
                return cell_error_set(err, 0, "token server %s: answer has no token", a->realm);
        *header = xasprintf("Authorization: Bearer %s", json_object_get_string(tok));
        return 0;
}

int cell_auth_header(struct cell_auth *a, const struct cell_http_endpoint *ep, const char *scope,
                     const char **header, struct cell_error *err)
{
        *header = NULL;
        if (!a->scheme)
                return 0;
        const char *key = scope ? scope : "";
        for (size_t i = 0; i < a->n_tokens; i++) {
                if (strcmp(a->tokens[i].scope, key) == 0) {
                        *header = a->tokens[i].header;
                        return 0;
                }
        }
        char *h = NULL;
        if (strcmp(a->scheme, "basic") == 0) {
                if (!a->user)
                        return 0;
                h = basic_header(a);
        } else if (fetch_token(a, ep, scope, &h, err) < 0) {
                return -1;
        }
        a->tokens = xreallocarray(a->tokens, a->n_tokens + 1, sizeof(*a->tokens));
        a->tokens[a->n_tokens].scope = xstrdup(key);
        a->tokens[a->n_tokens].header = h;
        *header = a->tokens[a->n_tokens++].header;
        return 0;
}
