/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the registry client's pure parts: base64, WWW-Authenticate
 * challenges, auth.json, manifests and platforms, hosts (no network). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/auth.h"
#include "image/http.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "unit.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void test_base64(void)
{
        static const char *const plain[] = {"", "a", "ab", "abc", "alice:wonderland", "\xff\x00x"};
        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
                size_t n = i == 5 ? 3 : strlen(plain[i]);
                char *enc = cell_base64_encode(plain[i], n);
                size_t len;
                char *dec = cell_base64_decode(enc, &len);
                CHECK(dec != NULL);
                CHECK_INT_EQ(len, n);
                CHECK(dec && memcmp(dec, plain[i], n) == 0);
                free(enc);
                free(dec);
        }
        char *enc = cell_base64_encode("alice:wonderland", 16);
        CHECK_STR_EQ(enc, "YWxpY2U6d29uZGVybGFuZA==");
        free(enc);
        size_t len;
        CHECK(cell_base64_decode("abc", &len) == NULL);
        CHECK(cell_base64_decode("ab=c", &len) == NULL);
        CHECK(cell_base64_decode("a*bc", &len) == NULL);
}

static void test_challenge(void)
{
        struct cell_auth a;
        struct cell_error err = {0};
        cell_auth_init(&a, NULL, NULL);
        struct cell_http_response r = {.status = 401};
        r.www_authenticate = xstrdup(
                "Bearer realm=\"https://auth.example/token?x=1,y\",service=\"reg\\\"istry\","
                "scope=\"repository:a/b:pull\"");
        CHECK_INT_EQ(cell_auth_challenge(&a, &r, &err), 0);
        CHECK_STR_EQ(a.scheme, "bearer");
        CHECK_STR_EQ(a.realm, "https://auth.example/token?x=1,y");
        CHECK_STR_EQ(a.service, "reg\"istry");
        free(r.www_authenticate);
        r.www_authenticate = xstrdup("Basic realm=\"registry\"");
        CHECK_INT_EQ(cell_auth_challenge(&a, &r, &err), 0);
        CHECK_STR_EQ(a.scheme, "basic");
        free(r.www_authenticate);
        r.www_authenticate = xstrdup("Negotiate abc");
        CHECK_INT_EQ(cell_auth_challenge(&a, &r, &err), -1);
        CHECK_CONTAINS(err.msg, "unsupported authentication");
        free(r.www_authenticate);
        r.www_authenticate = xstrdup("Bearer service=\"x\"");
        CHECK_INT_EQ(cell_auth_challenge(&a, &r, &err), -1);
        CHECK_CONTAINS(err.msg, "no realm");
        free(r.www_authenticate);
        /* Basic with credentials: the header, cached; anonymous Basic: none. */
        cell_auth_release(&a);
        cell_auth_init(&a, "alice", "wonderland");
        r.www_authenticate = xstrdup("Basic realm=x");
        CHECK_INT_EQ(cell_auth_challenge(&a, &r, &err), 0);
        const char *h = NULL;
        CHECK_INT_EQ(cell_auth_header(&a, NULL, "repository:x:pull", &h, &err), 0);
        CHECK_STR_EQ(h, "Authorization: Basic YWxpY2U6d29uZGVybGFuZA==");
        free(r.www_authenticate);
        cell_auth_release(&a);
}

static void test_auth_file(void)
{
        char dir[] = "/tmp/cell-test-auth-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char *path = xasprintf("%s/sub/auth.json", dir);
        struct cell_error err = {0};
        char *u = NULL, *p = NULL;
        CHECK_INT_EQ(cell_auth_file_get(path, "h:5000", &u, &p, &err), 0);
        CHECK_INT_EQ(cell_auth_file_set(path, "h:5000", "alice", "pa:ss", &err), 0);
        CHECK_INT_EQ(cell_auth_file_set(path, "docker.io", "bob", "x", &err), 0);
        CHECK_INT_EQ(cell_auth_file_get(path, "h:5000", &u, &p, &err), 1);
        CHECK_STR_EQ(u, "alice");
        CHECK_STR_EQ(p, "pa:ss");
        free(u);
        free(p);
        CHECK_INT_EQ(cell_auth_file_remove(path, "h:5000", &err), 1);
        CHECK_INT_EQ(cell_auth_file_remove(path, "h:5000", &err), 0);
        CHECK_INT_EQ(cell_auth_file_get(path, "docker.io", &u, &p, &err), 1);
        free(u);
        free(p);
        CHECK_INT_EQ(cell_auth_file_remove(path, NULL, &err), 1);
        CHECK_INT_EQ(cell_auth_file_get(path, "docker.io", &u, &p, &err), 0);
        /* docker's key for Docker Hub is read too. */
        const char *docker =
                "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOng=\"}}}";
        FILE *f = fopen(path, "w");
        fputs(docker, f);
        fclose(f);
        CHECK_INT_EQ(cell_auth_file_get(path, "docker.io", &u, &p, &err), 1);
        CHECK_STR_EQ(u, "bob");
        free(u);
        free(p);
        CHECK_INT_EQ(cell_auth_file_remove(path, "docker.io", &err), 1);
        CHECK_INT_EQ(cell_auth_file_get(path, "docker.io", &u, &p, &err), 0);
        f = fopen(path, "w");
        fputs("{\"auths\":{\"h\":{\"auth\":\"!!!\"}}}", f);
        fclose(f);
        CHECK_INT_EQ(cell_auth_file_get(path, "h", &u, &p, &err), -1);
        CHECK_CONTAINS(err.msg, "not base64(user:password)");
        /* JSON that is not an object: an error, not a double free. */
        f = fopen(path, "w");
        fputs("[]", f);
        fclose(f);
        CHECK_INT_EQ(cell_auth_file_get(path, "h", &u, &p, &err), -1);
        CHECK_CONTAINS(err.msg, "not a JSON object");
        CHECK_INT_EQ(cell_auth_file_set(path, "h", "u", "p", &err), -1);
        CHECK_CONTAINS(err.msg, "not a JSON object");
        f = fopen(path, "w");
        fputs("nonsense", f);
        fclose(f);
        CHECK_INT_EQ(cell_auth_file_get(path, "h", &u, &p, &err), -1);
        CHECK_CONTAINS(err.msg, "not a JSON object");
        char *sub = xasprintf("%s/sub", dir);
        unlink(path);
        rmdir(sub);
        rmdir(dir);
        free(sub);
        free(path);
}

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char index_json[] =
        "{\"schemaVersion\":2,\"mediaType\":\"" CELL_MT_DOCKER_LIST "\",\"manifests\":["
        "{\"mediaType\":\"" CELL_MT_DOCKER_MANIFEST "\",\"digest\":\"" DA "\",\"size\":10,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
        "{\"mediaType\":\"" CELL_MT_DOCKER_MANIFEST "\",\"digest\":\"" DB "\",\"size\":10,"
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";

static void test_index_select(void)
{
        struct cell_manifest m;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_manifest_parse(index_json, strlen(index_json), CELL_MT_DOCKER_LIST, "idx",
                                         &m, &err),
                     0);
        CHECK(m.is_index);
        CHECK_INT_EQ(m.n_entries, 2);
        struct cell_platform want;
        const struct cell_descriptor *d;
        CHECK_INT_EQ(cell_platform_parse("linux/arm64", &want, &err), 0);
        CHECK_INT_EQ(cell_manifest_select(&m, &want, "r", &d, &err), 0);
        CHECK_STR_EQ(d->digest, DA);
        cell_platform_release(&want);
        CHECK_INT_EQ(cell_platform_parse("linux/arm/v7", &want, &err), 0);
        CHECK_INT_EQ(cell_manifest_select(&m, &want, "r", &d, &err), 0);
        CHECK_STR_EQ(d->digest, DB);
        cell_platform_release(&want);
        CHECK_INT_EQ(cell_platform_parse("linux/arm/v6", &want, &err), 0);
        CHECK_INT_EQ(cell_manifest_select(&m, &want, "h/r:1", &d, &err), -1);
        CHECK_STR_EQ(err.msg,
                     "no manifest for linux/arm/v6 in h/r:1 (have: linux/arm64/v8, linux/arm/v7)");
        cell_platform_release(&want);
        cell_manifest_release(&m);
        static const char *const bad[] = {"",          "linux",   "/amd64", "linux/",
                                          "linux//v7", "a/b/c/d", "a/b/"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (!*bad[i])
                        continue; /* "" means this machine */
                CHECK_INT_EQ(cell_platform_parse(bad[i], &want, &err), -1);
        }
        CHECK_INT_EQ(cell_platform_parse(NULL, &want, &err), 0);
        CHECK_STR_EQ(want.os, "linux");
        CHECK(want.arch && *want.arch);
        cell_platform_release(&want);
}

static void test_manifest_checks(void)
{
        struct cell_manifest m;
        struct cell_error err = {0};
        const char *ok =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CELL_MT_OCI_CONFIG "\","
                "\"digest\":\"" DA "\",\"size\":3},\"layers\":[{\"mediaType\":"
                "\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" DB
                "\",\"size\":4}]}";
        /* No mediaType of its own: the Content-Type says. */
        CHECK_INT_EQ(cell_manifest_parse(ok, strlen(ok), CELL_MT_OCI_MANIFEST "; charset=utf-8",
                                         "m", &m, &err),
                     0);
        CHECK(!m.is_index);
        CHECK_STR_EQ(m.media_type, CELL_MT_OCI_MANIFEST);
        CHECK_INT_EQ(m.n_entries, 1);
        CHECK_INT_EQ(m.entries[0].size, 4);
        cell_manifest_release(&m);
        /* Neither says: refused. */
        CHECK_INT_EQ(cell_manifest_parse(ok, strlen(ok), "application/json", "m", &m, &err), -1);
        CHECK_CONTAINS(err.msg, "m: no media type");
        const char *v1 = "{\"schemaVersion\":1,\"name\":\"x\"}";
        CHECK_INT_EQ(cell_manifest_parse(v1, strlen(v1), NULL, "m", &m, &err), -1);
        CHECK_CONTAINS(err.msg, "schema 1");
        const char *neg =
                "{\"schemaVersion\":2,\"mediaType\":\"" CELL_MT_OCI_MANIFEST "\",\"config\":{"
                "\"mediaType\":\"" CELL_MT_OCI_CONFIG "\",\"digest\":\"" DA
                "\",\"size\":-1},\"layers\":[]}";
        CHECK_INT_EQ(cell_manifest_parse(neg, strlen(neg), NULL, "m", &m, &err), -1);
        CHECK_CONTAINS(err.msg, "no valid size");
        CHECK_INT_EQ(cell_manifest_parse("{\"a\":", 5, NULL, "m", &m, &err), -1);
        CHECK_CONTAINS(err.msg, "m: not JSON");
}

static void test_hosts(void)
{
        CHECK(cell_http_host_is_loopback("localhost"));
        CHECK(cell_http_host_is_loopback("localhost:5000"));
        CHECK(cell_http_host_is_loopback("127.0.0.1:5000"));
        CHECK(cell_http_host_is_loopback("127.200.3.4"));
        CHECK(cell_http_host_is_loopback("[::1]:5000"));
        CHECK(!cell_http_host_is_loopback("128.0.0.1"));
        CHECK(!cell_http_host_is_loopback("registry.example:5000"));
        CHECK(!cell_http_host_is_loopback("localhost.example"));
        struct cell_error err = {0};
        static const char *const cases[][2] = {
                {"127.0.0.1:5000", "127.0.0.1:5000"},
                {"https://quay.io/", "quay.io"},
                {"docker://127.0.0.1:5000/foo/bar:1", "127.0.0.1:5000"},
                {"index.docker.io", "docker.io"},
                {"busybox", "docker.io"},
                {"localhost", "localhost"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *h = cell_registry_host(cases[i][0], &err);
                CHECK_STR_EQ(h, cases[i][1]);
                free(h);
        }
}

UNIT_MAIN(UNIT_TEST(test_base64), UNIT_TEST(test_challenge), UNIT_TEST(test_auth_file),
          UNIT_TEST(test_index_select), UNIT_TEST(test_manifest_checks), UNIT_TEST(test_hosts))
