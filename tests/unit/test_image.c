/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/image: references, digests, layer entry plans (no root needed). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/layer_internal.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/fs.h"
#include "unit.h"

static void check_ref(const char *in, const char *domain, const char *path, const char *tag,
                      const char *digest, const char *full)
{
        struct cell_ref r;
        struct cell_error err = {0};
        int rc = cell_ref_parse(in, &r, &err);
        CHECK_INT_EQ(rc, 0);
        if (rc < 0) {
                fprintf(stderr, "  %s: %s\n", in, err.msg);
                return;
        }
        CHECK_STR_EQ(r.domain, domain);
        CHECK_STR_EQ(r.path, path);
        if (tag)
                CHECK_STR_EQ(r.tag, tag);
        else
                CHECK(r.tag == NULL);
        if (digest)
                CHECK_STR_EQ(r.digest, digest);
        else
                CHECK(r.digest == NULL);
        char *s = cell_ref_string(&r);
        CHECK_STR_EQ(s, full);
        free(s);
        cell_ref_release(&r);
}

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_normalize(void)
{
        check_ref("busybox", "docker.io", "library/busybox", "latest", NULL,
                  "docker.io/library/busybox:latest");
        check_ref("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
                  "docker.io/library/busybox:1.36");
        check_ref("foo/bar", "docker.io", "foo/bar", "latest", NULL, "docker.io/foo/bar:latest");
        check_ref("docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
                  "docker.io/library/busybox:latest");
        check_ref("index.docker.io/library/alpine:3", "docker.io", "library/alpine", "3", NULL,
                  "docker.io/library/alpine:3");
        check_ref("localhost/foo:1", "localhost", "foo", "1", NULL, "localhost/foo:1");
        check_ref("localhost:5000/a/b/c", "localhost:5000", "a/b/c", "latest", NULL,
                  "localhost:5000/a/b/c:latest");
        check_ref("127.0.0.1:5000/x:v1.2-rc_3", "127.0.0.1:5000", "x", "v1.2-rc_3", NULL,
                  "127.0.0.1:5000/x:v1.2-rc_3");
        check_ref("quay.io/a-b__c.d/e", "quay.io", "a-b__c.d/e", "latest", NULL,
                  "quay.io/a-b__c.d/e:latest");
        check_ref("busybox@" D64, "docker.io", "library/busybox", NULL, D64,
                  "docker.io/library/busybox@" D64);
        check_ref("r.io/x:t@" D64, "r.io", "x", "t", D64, "r.io/x:t@" D64);
        /* The first component is only a domain with '.', ':' or "localhost". */
        check_ref("localhostx/y", "docker.io", "localhostx/y", "latest", NULL,
                  "docker.io/localhostx/y:latest");
        check_ref("localhost:5000", "docker.io", "library/localhost", "5000", NULL,
                  "docker.io/library/localhost:5000");
}

static void check_bad_ref(const char *in, const char *why)
{
        struct cell_ref r;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_ref_parse(in, &r, &err), -1);
        CHECK_CONTAINS(err.msg, why);
        char quoted[512];
        snprintf(quoted, sizeof(quoted), "\"%s\"", in);
        CHECK_CONTAINS(err.msg, quoted);
        CHECK(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL);
}

static void test_ref_errors(void)
{
        check_bad_ref("Busybox", "repository name must be lowercase");
        check_bad_ref("quay.io/Foo/bar", "repository name must be lowercase");
        check_bad_ref("busybox:", "invalid tag");
        check_bad_ref("busybox:-x", "invalid tag");
        check_bad_ref("busybox@sha256:abc", "invalid digest");
        check_bad_ref("busybox@md5:0123", "invalid digest");
        check_bad_ref("a//b", "invalid repository name");
        check_bad_ref("a_/b", "invalid repository name");
        check_bad_ref("-a", "invalid repository name");
        check_bad_ref("a..b", "invalid repository name");
        check_bad_ref("bad-.domain.io/x", "invalid registry domain");
        check_bad_ref("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                      "64 hexadecimal");
        char long_name[300];
        memset(long_name, 'a', 260);
        long_name[260] = '\0';
        check_bad_ref(long_name, "longer than 255");
        /* 250 characters as typed, 268 once "docker.io/library/" is added. */
        long_name[250] = '\0';
        check_bad_ref(long_name, "longer than 255");
        struct cell_ref r;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_ref_parse("", &r, &err), -1);
}

static void test_ref_has_domain(void)
{
        CHECK(!cell_ref_has_domain("busybox"));
        CHECK(!cell_ref_has_domain("foo/bar"));
        CHECK(cell_ref_has_domain("localhost/foo"));
        CHECK(cell_ref_has_domain("docker.io/foo"));
        CHECK(cell_ref_has_domain("reg:5000/foo"));
        CHECK(!cell_ref_has_domain("localhost:5000"));
}

static void test_digest(void)
{
        char d[CELL_DIGEST_MAX];
        cell_sha256_digest("", 0, d);
        CHECK_STR_EQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        cell_sha256_digest("abc", 3, d);
        CHECK_STR_EQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        /* Incremental equals one-shot, and reset starts over. */
        struct cell_sha256 *h = cell_sha256_new();
        cell_sha256_update(h, "a", 1);
        cell_sha256_update(h, "bc", 2);
        char d2[CELL_DIGEST_MAX];
        cell_sha256_final(h, d2);
        CHECK_STR_EQ(d2, d);
        cell_sha256_reset(h);
        cell_sha256_final(h, d2);
        CHECK_STR_EQ(d2, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        /* Reused after final and reset: the same digest again. */
        cell_sha256_reset(h);
        cell_sha256_update(h, "abc", 3);
        cell_sha256_final(h, d2);
        CHECK_STR_EQ(d2, d);
        cell_sha256_free(h);
        /* FIPS 180-2's two-block and million-'a' vectors, the latter fed in
         * odd-sized pieces that straddle the 64-byte blocks. */
        static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        cell_sha256_digest(two, sizeof(two) - 1, d);
        CHECK_STR_EQ(d, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        static char million[1000000];
        memset(million, 'a', sizeof(million));
        h = cell_sha256_new();
        for (size_t off = 0, step = 1; off < sizeof(million); off += step, step = step * 7 % 997 + 1)
                cell_sha256_update(h, million + off,
                                   step < sizeof(million) - off ? step : sizeof(million) - off);
        cell_sha256_final(h, d2);
        CHECK_STR_EQ(d2, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        cell_sha256_digest(million, sizeof(million), d);
        CHECK_STR_EQ(d, d2);
        cell_sha256_free(h);
        cell_sha256_free(NULL);
        CHECK(cell_digest_valid(D64));
        CHECK(!cell_digest_valid("sha256:0123"));
        CHECK(!cell_digest_valid(
                "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
        CHECK(!cell_digest_valid(
                "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
        CHECK(!cell_digest_valid(NULL));
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_digest_check("sha256:zz", "blob", &err), -1);
        CHECK_CONTAINS(err.msg, "blob \"sha256:zz\": not a sha256 digest");
        CHECK_STR_EQ(cell_digest_hex(D64), &D64[7]);
}

static void check_plan(const char *name, enum layer_entry_kind kind, const char *path)
{
        struct layer_entry_plan p;
        struct cell_error err = {0};
        int r = layer_entry_plan(name, &p, &err);
        CHECK_INT_EQ(r, 0);
        if (r < 0) {
                fprintf(stderr, "  %s: %s\n", name, err.msg);
                return;
        }
        CHECK_INT_EQ(p.kind, kind);
        CHECK_STR_EQ(p.path, path);
        free(p.path);
}

static void test_layer_plan(void)
{
        check_plan("etc/passwd", LAYER_ENTRY_FILE, "etc/passwd");
        check_plan("./etc/passwd", LAYER_ENTRY_FILE, "etc/passwd");
        check_plan("/etc//passwd", LAYER_ENTRY_FILE, "etc/passwd");
        check_plan("etc/./x/", LAYER_ENTRY_FILE, "etc/x");
        check_plan("./", LAYER_ENTRY_ROOT, "");
        check_plan("/", LAYER_ENTRY_ROOT, "");
        /* Whiteouts become the path of what they hide; opaque markers their dir. */
        check_plan("etc/.wh.passwd", LAYER_ENTRY_WHITEOUT, "etc/passwd");
        check_plan("./.wh.tmp", LAYER_ENTRY_WHITEOUT, "tmp");
        check_plan("usr/share/.wh..wh..opq", LAYER_ENTRY_OPAQUE, "usr/share");
        check_plan(".wh..wh..opq", LAYER_ENTRY_OPAQUE, "");
        check_plan("a/.wh..wh.plnk", LAYER_ENTRY_SKIP, "a/.wh..wh.plnk");
        check_plan("a/x.wh.y", LAYER_ENTRY_FILE, "a/x.wh.y");
}

static void check_bad_plan(const char *name, const char *why)
{
        struct layer_entry_plan p;
        struct cell_error err = {0};
        CHECK_INT_EQ(layer_entry_plan(name, &p, &err), -1);
        CHECK_CONTAINS(err.msg, why);
        CHECK_CONTAINS(err.msg, name);
}

static void test_layer_plan_refuses(void)
{
        check_bad_plan("../etc/passwd", "\"..\" component");
        check_bad_plan("a/../../b", "\"..\" component");
        check_bad_plan("/..", "\"..\" component");
        check_bad_plan("a/.wh...", "whiteout of no file");
        check_bad_plan("a/.wh..", "whiteout of no file");
        check_bad_plan(".wh.", "whiteout of no file");
        struct cell_error err = {0};
        char *c = layer_clean_path("/a/./b", &err);
        CHECK_STR_EQ(c, "a/b");
        free(c);
        CHECK(layer_clean_path("a/../b", &err) == NULL);
        /* "..x" and "x.." are names, not the parent. */
        c = layer_clean_path("..x/y..", &err);
        CHECK_STR_EQ(c, "..x/y..");
        free(c);
}

/* A store in a fresh temporary directory (no root needed). */
static struct cell_store *tmp_store(char *dir)
{
        strcpy(dir, "/tmp/cell-test-image-XXXXXX");
        CHECK(mkdtemp(dir) != NULL);
        struct cell_store *s = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_store_open(dir, &s, &err), 0);
        return s;
}

static void rm_store(struct cell_store *s, const char *dir)
{
        cell_store_close(s);
        struct cell_error err = {0};
        cell_remove_tree_at(AT_FDCWD, dir, &err);
}

static void test_blob_digest_verify(void)
{
        char dir[64];
        struct cell_store *s = tmp_store(dir);
        struct cell_error err = {0};
        char d[CELL_DIGEST_MAX];
        CHECK_INT_EQ(cell_blob_put(s, "abc", 3, d, &err), 0);
        CHECK_STR_EQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(cell_blob_exists(s, d));
        char *text = NULL;
        size_t len = 0;
        CHECK_INT_EQ(cell_blob_read(s, d, 100, &text, &len, &err), 0);
        CHECK_STR_EQ(text, "abc");
        free(text);

        /* A writer told the digest refuses other content, and leaves nothing. */
        const char *want =
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        struct cell_blob_writer *w;
        uint64_t resume = 99;
        CHECK_INT_EQ(cell_blob_writer_open(s, want, &w, &resume, &err), 0);
        CHECK_INT_EQ(resume, 0);
        CHECK_INT_EQ(cell_blob_writer_write(w, "x", 1, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_commit(w, NULL, &err), -1);
        CHECK_CONTAINS(
                err.msg,
                "blob sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855: "
                "digest mismatch: got "
                "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
        CHECK(!cell_blob_exists(s, want));
        char path[128];
        snprintf(path, sizeof(path), "%s/tmp", dir);
        struct cell_error e2 = {0};
        CHECK_INT_EQ(rmdir(path), 0); /* empty: nothing left behind */
        CHECK_INT_EQ(mkdir(path, 0700), 0);

        /* A blob changed on disk is caught when read. */
        char *p = cell_blob_path(s, d);
        int fd = open(p, O_WRONLY | O_TRUNC);
        CHECK(fd >= 0);
        CHECK_INT_EQ(write(fd, "abd", 3), 3);
        close(fd);
        free(p);
        CHECK_INT_EQ(cell_blob_read(s, d, 100, &text, &len, &e2), -1);
        CHECK_CONTAINS(e2.msg, "digest mismatch");
        CHECK_INT_EQ(cell_blob_open(s, "sha256:nothex", &e2), -1);
        CHECK_CONTAINS(e2.msg, "not a sha256 digest");
        rm_store(s, dir);
}

static void test_blob_writer_resume(void)
{
        char dir[64];
        struct cell_store *s = tmp_store(dir);
        struct cell_error err = {0};
        const char *want =
                "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; /* "abc"
                                                                                            */
        struct cell_blob_writer *w;
        uint64_t resume = 0;
        CHECK_INT_EQ(cell_blob_writer_open(s, want, &w, &resume, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_write(w, "ab", 2, &err), 0);
        cell_blob_writer_abort(w, true); /* an interrupted download */
        CHECK_INT_EQ(cell_blob_writer_open(s, want, &w, &resume, &err), 0);
        CHECK_INT_EQ(resume, 2);
        /* While one writer holds the partial file, another starts its own from 0. */
        struct cell_blob_writer *w2;
        uint64_t resume2 = 7;
        CHECK_INT_EQ(cell_blob_writer_open(s, want, &w2, &resume2, &err), 0);
        CHECK_INT_EQ(resume2, 0);
        cell_blob_writer_abort(w2, true);
        CHECK_INT_EQ(cell_blob_writer_write(w, "c", 1, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_size(w), 3);
        char d[CELL_DIGEST_MAX];
        CHECK_INT_EQ(cell_blob_writer_commit(w, d, &err), 0);
        CHECK_STR_EQ(d, want);
        /* restart(): a server that ignored the range. */
        CHECK_INT_EQ(cell_blob_writer_open(s, NULL, &w, NULL, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_write(w, "zzz", 3, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_restart(w, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_write(w, "abc", 3, &err), 0);
        CHECK_INT_EQ(cell_blob_writer_commit(w, d, &err), 0);
        CHECK_STR_EQ(d, want);
        rm_store(s, dir);
}

UNIT_MAIN(UNIT_TEST(test_ref_normalize), UNIT_TEST(test_ref_errors), UNIT_TEST(test_ref_has_domain),
          UNIT_TEST(test_digest), UNIT_TEST(test_layer_plan), UNIT_TEST(test_layer_plan_refuses),
          UNIT_TEST(test_blob_digest_verify), UNIT_TEST(test_blob_writer_resume))
