/* SPDX-License-Identifier: Apache-2.0 */
#include "image/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

/*
 * libcurl over mbedtls 2.x (the static musl build) cannot verify a
 * certificate for an IP address: mbedtls 2 matches the host only against
 * DNS names, so a registry at 127.0.0.1 or 10.0.0.5 with a certificate for
 * that IP (iPAddress subjectAltName, as OpenSSL and Go check) fails with
 * BADCERT_CN_MISMATCH.  A verify callback (installed through
 * CURLOPT_SSL_CTX_FUNCTION, which hands over the mbedtls_ssl_config) clears
 * that one flag when the certificate's SAN holds the connected IP; the
 * chain is verified by mbedtls as before.  The symbol is weak: a build whose
 * libcurl uses OpenSSL links no libmbedtls and never calls it.
 */
#if defined(__has_include)
#if __has_include(<mbedtls/ssl.h>)
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER < 0x03000000
#define CELL_MBEDTLS_IP_SAN 1
#pragma weak mbedtls_ssl_conf_verify
#endif
#endif
#endif

#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CA_FILE_MAX ((size_t)16 << 20)

static const char *const certs_d_roots[] = {"/etc/containers/certs.d", "/etc/docker/certs.d"};

bool cell_http_host_is_loopback(const char *host)
{
        _cleanup_free_ char *h = NULL;
        if (host[0] == '[') {
                const char *end = strchr(host, ']');
                if (!end)
                        return false;
                h = xstrndup(host + 1, (size_t)(end - host - 1));
        } else {
                const char *colon = strchr(host, ':');
                h = colon ? xstrndup(host, (size_t)(colon - host)) : xstrdup(host);
        }
        if (strcasecmp(h, "localhost") == 0)
                return true;
        struct in_addr a4;
        if (inet_pton(AF_INET, h, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        struct in6_addr a6;
        if (inet_pton(AF_INET6, h, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6);
        return false;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
        *buf = xrealloc(*buf, *len + n + 2);
        memcpy(*buf + *len, data, n);
        *len += n;
        if (n && data[n - 1] != '\n')
                (*buf)[(*len)++] = '\n';
        (*buf)[*len] = '\0';
}

/* The system bundle curl would use, so that certs.d adds to it. */
static char *default_ca_file(void)
{
        CURL *c = curl_easy_init();
        char *path = NULL;
        if (c && curl_easy_getinfo(c, CURLINFO_CAINFO, &path) == CURLE_OK && path)
                path = xstrdup(path);
        else
                path = NULL;
        if (c)
                curl_easy_cleanup(c);
        if (!path && access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
                path = xstrdup("/etc/ssl/certs/ca-certificates.crt");
        return path;
}

static int load_cert_dir(struct cell_http_endpoint *ep, const char *dir, struct cell_error *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : cell_error_errno(err, "certificate directory %s", dir);
        char *pem = NULL;
        size_t len = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = cell_path_join(dir, de->d_name);
                if (has_suffix(de->d_name, ".crt")) {
                        _cleanup_free_ char *text = NULL;
                        size_t n = 0;
                        if (cell_read_file(path, &text, &n, err) < 0) {
                                free(pem);
                                return cell_error_prefix(err, "CA certificate");
                        }
                        append(&pem, &len, text, n);
                } else if (has_suffix(de->d_name, ".cert")) {
                        size_t base = strlen(path) - strlen(".cert");
                        _cleanup_free_ char *key = xasprintf("%.*s.key", (int)base, path);
                        if (access(key, R_OK) < 0) {
                                free(pem);
                                return cell_error_set(
                                        err, 0, "client certificate %s: missing key %s", path, key);
                        }
                        free(ep->client_cert);
                        free(ep->client_key);
                        ep->client_cert = steal_ptr(path);
                        ep->client_key = steal_ptr(key);
                }
        }
        if (!pem)
                return 0;
        _cleanup_free_ char *system = default_ca_file();
        if (system) {
                _cleanup_free_ char *text = NULL;
                size_t n = 0;
                struct cell_error ignored = {0};
                /* A host without a system bundle still trusts the certs.d ones. */
                if (cell_read_file(system, &text, &n, &ignored) == 0)
                        append(&pem, &len, text, n);
        }
        ep->ca_pem = pem;
        ep->ca_pem_len = len;
        return 0;
}

int cell_http_endpoint_init(struct cell_http_endpoint *ep, const char *host, bool tls_verify,
                            const char *cert_dir, struct cell_error *err)
{
        memset(ep, 0, sizeof(*ep));
        ep->host = xstrdup(host);
        ep->api_host = xstrdup(strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
        ep->scheme = "https";
        ep->tls_verify = tls_verify;
        if (cert_dir) {
                struct stat st;
                if (stat(cert_dir, &st) < 0)
                        return cell_error_errno(err, "--cert-dir %s", cert_dir);
                return load_cert_dir(ep, cert_dir, err);
        }
        for (size_t i = 0; i < CELL_ARRAY_SIZE(certs_d_roots); i++) {
                _cleanup_free_ char *dir = cell_path_join(certs_d_roots[i], host);
                struct stat st;
                if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
                        return load_cert_dir(ep, dir, err);
        }
        return 0;
}

void cell_http_endpoint_release(struct cell_http_endpoint *ep)
{
        free(ep->host);
        free(ep->api_host);
        free(ep->ca_pem);
        free(ep->client_cert);
        free(ep->client_key);
        memset(ep, 0, sizeof(*ep));
}

char *cell_http_url(const struct cell_http_endpoint *ep, const char *path)
{
        if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
                return xstrdup(path);
        return xasprintf("%s://%s%s", ep->scheme, ep->api_host, path);
}

#ifdef CELL_MBEDTLS_IP_SAN
/* The address of the host `easy` is connecting to (4 or 16 bytes), or 0. */
static size_t connected_ip(CURL *easy, unsigned char addr[16])
{
        char *url = NULL, *host = NULL;
        size_t len = 0;
        if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url)
                return 0;
        CURLU *u = curl_url();
        if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
                size_t n = strlen(host);
                if (inet_pton(AF_INET, host, addr) == 1) {
                        len = 4;
                } else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
                        host[n - 1] = '\0';
                        len = inet_pton(AF_INET6, host + 1, addr) == 1 ? 16 : 0;
                }
        }
        curl_free(host);
        curl_url_cleanup(u);
        return len;
}

static int ip_san_verify(void *easy, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
        unsigned char addr[16];
        size_t len;
        if (depth != 0 || !(*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ||
            !(len = connected_ip(easy, addr)))
                return 0;
        for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san; san = san->next) {
                if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == len &&
                    memcmp(san->buf.p, addr, len) == 0) {
                        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
                        break;
                }
        }
        return 0;
}

static CURLcode mbedtls_ctx(CURL *easy, void *config, void *unused)
{
        (void)unused;
        mbedtls_ssl_conf_verify(config, ip_san_verify, easy);
        return CURLE_OK;
}

static bool curl_uses_mbedtls(void)
{
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        return mbedtls_ssl_conf_verify && v->ssl_version &&
               strncmp(v->ssl_version, "mbedTLS/", 8) == 0;
}
#endif

CURL *cell_http_easy(const struct cell_http_endpoint *ep, const char *url)
{
        CURL *c = curl_easy_init();
        if (!c)
                abort();
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "cell");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        /* A registry that stalls for a minute is as good as gone. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, ep->tls_verify ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, ep->tls_verify ? 2L : 0L);
        if (ep->ca_pem) {
                struct curl_blob blob = {
                        .data = ep->ca_pem, .len = ep->ca_pem_len, .flags = CURL_BLOB_NOCOPY};
                curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
        }
#ifdef CELL_MBEDTLS_IP_SAN
        if (ep->tls_verify && curl_uses_mbedtls())
                curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, mbedtls_ctx);
#endif
        if (ep->client_cert) {
                curl_easy_setopt(c, CURLOPT_SSLCERT, ep->client_cert);
                curl_easy_setopt(c, CURLOPT_SSLKEY, ep->client_key);
        }
        return c;
}

void cell_http_response_release(struct cell_http_response *r)
{
        free(r->body);
        free(r->content_type);
        free(r->location);
        free(r->www_authenticate);
        free(r->docker_content_digest);
        size_t max = r->max;
        memset(r, 0, sizeof(*r));
        r->max = max;
}

static void set_header(char **slot, const char *value, size_t n)
{
        while (n && isspace((unsigned char)value[n - 1]))
                n--;
        while (n && isspace((unsigned char)*value)) {
                value++;
                n--;
        }
        free(*slot);
        *slot = xstrndup(value, n);
}

static size_t header_cb(char *data, size_t size, size_t n, void *opaque)
{
        struct cell_http_response *r = opaque;
        size_t len = size * n;
        /* A new status line: the headers of an earlier response (a redirect,
         * a 100 Continue) are not this one's. */
        if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
                free(r->content_type);
                free(r->location);
                free(r->www_authenticate);
                free(r->docker_content_digest);
                r->content_type = r->location = r->www_authenticate = r->docker_content_digest =
                        NULL;
                return len;
        }
        const char *colon = memchr(data, ':', len);
        if (!colon)
                return len;
        size_t name_len = (size_t)(colon - data);
        const char *value = colon + 1;
        size_t value_len = len - name_len - 1;
        static const struct {
                const char *name;
                size_t offset;
        } wanted[] = {
                {"content-type", offsetof(struct cell_http_response, content_type)},
                {"location", offsetof(struct cell_http_response, location)},
                {"www-authenticate", offsetof(struct cell_http_response, www_authenticate)},
                {"docker-content-digest",
                 offsetof(struct cell_http_response, docker_content_digest)},
        };
        for (size_t i = 0; i < CELL_ARRAY_SIZE(wanted); i++)
                if (strlen(wanted[i].name) == name_len &&
                    strncasecmp(data, wanted[i].name, name_len) == 0)
                        set_header((char **)((char *)r + wanted[i].offset), value, value_len);
        return len;
}

void cell_http_capture_headers(CURL *easy, struct cell_http_response *resp)
{
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, resp);
}

static size_t body_cb(char *data, size_t size, size_t n, void *opaque)
{
        struct cell_http_response *r = opaque;
        size_t len = size * n;
        if (r->len + len > r->max) {
                r->too_large = true;
                return 0;
        }
        r->body = xrealloc(r->body, r->len + len + 1);
        memcpy(r->body + r->len, data, len);
        r->len += len;
        r->body[r->len] = '\0';
        return len;
}

static size_t read_fd_cb(char *buf, size_t size, size_t n, void *opaque)
{
        int fd = *(int *)opaque;
        ssize_t got;
        do
                got = read(fd, buf, size * n);
        while (got < 0 && errno == EINTR);
        return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

int cell_http_request(const struct cell_http_endpoint *ep, const char *method, const char *url,
                      const char *const *headers, const struct cell_http_body *body,
                      size_t max_body, struct cell_http_response *resp, struct cell_error *err)
{
        cell_http_response_release(resp);
        resp->max = max_body;
        CURL *c = cell_http_easy(ep, url);
        struct curl_slist *list = NULL;
        for (size_t i = 0; headers && headers[i]; i++)
                list = curl_slist_append(list, headers[i]);
        int fd = body ? body->fd : -1;
        if (body && body->content_type) {
                _cleanup_free_ char *h = xasprintf("Content-Type: %s", body->content_type);
                list = curl_slist_append(list, h);
        }
        if (strcmp(method, "HEAD") == 0) {
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
                   strcmp(method, "PATCH") == 0) {
                curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
                curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(body ? body->len : 0));
                if (fd >= 0) {
                        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_fd_cb);
                        curl_easy_setopt(c, CURLOPT_READDATA, &fd);
                } else {
                        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                         (curl_off_t)(body ? body->len : 0));
                        curl_easy_setopt(c, CURLOPT_UPLOAD, 0L);
                        curl_easy_setopt(c, CURLOPT_POST, 1L);
                        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body->data : "");
                }
                /* The registry answers at once; waiting a second for
                 * "100 Continue" only slows every upload. */
                list = curl_slist_append(list, "Expect:");
        } else if (strcmp(method, "GET") != 0) {
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
        cell_http_capture_headers(c, resp);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        CURLcode rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_easy_cleanup(c);
        curl_slist_free_all(list);
        if (resp->too_large)
                return cell_error_set(err, 0, "%s %s: response larger than %zu bytes", method, url,
                                      max_body);
        if (rc != CURLE_OK)
                return cell_error_set(err, 0, "%s %s: %s", method, url,
                                      errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (!resp->body)
                resp->body = xstrdup("");
        return 0;
}

int cell_http_endpoint_ping(struct cell_http_endpoint *ep, struct cell_http_response *resp,
                            struct cell_error *err)
{
        ep->scheme = "https";
        _cleanup_free_ char *url = cell_http_url(ep, "/v2/");
        CURL *c = cell_http_easy(ep, url);
        cell_http_response_release(resp);
        resp->max = 64 << 10;
        cell_http_capture_headers(c, resp);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        CURLcode rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_easy_cleanup(c);
        if (rc == CURLE_OK) {
                if (!resp->body)
                        resp->body = xstrdup("");
                return 0;
        }
        /* Only a server that does not speak TLS at all may be spoken to in
         * plain http, and only where that is allowed (see the header). */
        if (rc == CURLE_PEER_FAILED_VERIFICATION)
                return cell_error_set(
                        err, 0,
                        "pinging registry %s: certificate not trusted (%s); give its CA "
                        "with --cert-dir or in /etc/containers/certs.d/%s",
                        ep->host, errbuf[0] ? errbuf : curl_easy_strerror(rc), ep->host);
        bool no_tls = rc == CURLE_SSL_CONNECT_ERROR;
        if (!no_tls)
                return cell_error_set(err, 0, "pinging registry %s: %s", ep->host,
                                      errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (ep->tls_verify && !cell_http_host_is_loopback(ep->host))
                return cell_error_set(err, 0,
                                      "pinging registry %s: no TLS session (%s); a registry "
                                      "that speaks plain HTTP needs --tls-verify=false",
                                      ep->host, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        ep->scheme = "http";
        _cleanup_free_ char *http_url = cell_http_url(ep, "/v2/");
        if (cell_http_request(ep, "GET", http_url, NULL, NULL, 64 << 10, resp, err) < 0)
                return cell_error_prefix(err, "pinging registry %s", ep->host);
        return 0;
}

static char *registry_errors_text(const char *body)
{
        _cleanup_(json_object_putp) json_object *root = json_tokener_parse(body);
        json_object *errors = NULL, *first;
        if (!root || !json_object_object_get_ex(root, "errors", &errors) ||
            !json_object_is_type(errors, json_type_array) || json_object_array_length(errors) == 0)
                return NULL;
        first = json_object_array_get_idx(errors, 0);
        json_object *code = NULL, *message = NULL;
        json_object_object_get_ex(first, "code", &code);
        json_object_object_get_ex(first, "message", &message);
        _cleanup_free_ char *c = xstrdup(code ? json_object_get_string(code) : "error");
        for (char *p = c; *p; p++)
                *p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
        if (!message)
                return steal_ptr(c);
        return xasprintf("%s: %s", c, json_object_get_string(message));
}

char *cell_http_error_text(const struct cell_http_response *r)
{
        char *t = r->body ? registry_errors_text(r->body) : NULL;
        if (t && r->status >= 500) {
                char *with_status = xasprintf("HTTP %ld: %s", r->status, t);
                free(t);
                return with_status;
        }
        if (t)
                return t;
        size_t n = r->body ? strcspn(r->body, "\r\n") : 0;
        bool printable = n > 0 && n <= 200;
        for (size_t i = 0; printable && i < n; i++)
                printable = isprint((unsigned char)r->body[i]);
        /* A HEAD, or a server that says nothing: name the status as docker does. */
        const char *name = r->status == 401   ? "unauthorized: authentication required"
                           : r->status == 403 ? "denied: requested access to the resource is denied"
                           : r->status == 404 ? "not found"
                                              : NULL;
        if (name)
                return xasprintf("%s (HTTP %ld)", name, r->status);
        if (printable)
                return xasprintf("HTTP %ld: %.*s", r->status, (int)n, r->body);
        return xasprintf("HTTP %ld", r->status);
}
