/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp translation: the input is a seccomp object, spliced into a
 * minimal config.json as linux.seccomp (so that the fuzzer spends its time
 * on the profile, not on the rest of the document), parsed with
 * cell_spec_parse() and, when that succeeds, compiled to BPF with
 * cell_seccomp_prepare() -- never loaded.  The cache key serialization is
 * exercised too (it is computed from the same struct; no file is written).
 * Debug logging is on, into /dev/null, so the "unknown syscall skipped"
 * records (which quote input) go through the JSON log writer.
 * Seeds: corpus/seccomp/ (podman's default profile, as podman passes it).
 *
 * Known leak, not ours: libseccomp 2.5.4 (Debian 12) loses 96 bytes per rule
 * when several rules are added for a syscall that x86 (32-bit) multiplexes
 * (socketcall/ipc: socket, bind, ...), inside seccomp_rule_add_array ->
 * arch_filter_rule_add -> db_rule_add, although seccomp_release() is called;
 * a 10-line program without cell shows the same.  Reproducer:
 * corpus/seccomp/regress-libseccomp-x86-socket-leak.  So LeakSanitizer
 * ignores what libseccomp allocates (matching a deeper frame would need the
 * slow unwinder, libseccomp having no frame pointers: 10x slower), and the
 * harness checks cell's side itself: it wraps seccomp_init/seccomp_release
 * (the executable's definitions win over the shared library's) and asserts
 * that no filter context, and no fd, outlives cell_seccomp_prepare().
 */
#include <dlfcn.h>
#include <seccomp.h>
#include <stdbool.h>

#include "fuzz.h"
#include "oci/spec.h"
#include "sandbox/seccomp.h"
#include "sandbox/seccomp_cache.h"
#include "util/log.h"
#include "walk.h"

static const char prefix[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                             "\"linux\":{\"seccomp\":";
static const char suffix[] = "}}";

const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
        return "leak:libseccomp.so\n";
}

static int live_contexts;

scmp_filter_ctx seccomp_init(uint32_t def_action)
{
        static scmp_filter_ctx (*real)(uint32_t);
        if (!real)
                real = (scmp_filter_ctx(*)(uint32_t))dlsym(RTLD_NEXT, "seccomp_init");
        FUZZ_ASSERT(real);
        scmp_filter_ctx ctx = real(def_action);
        if (ctx)
                live_contexts++;
        return ctx;
}

void seccomp_release(scmp_filter_ctx ctx)
{
        static void (*real)(scmp_filter_ctx);
        if (!real)
                real = (void (*)(scmp_filter_ctx))dlsym(RTLD_NEXT, "seccomp_release");
        FUZZ_ASSERT(real);
        if (ctx)
                live_contexts--;
        real(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        FUZZ_ASSERT(cell_log_open("/dev/null", CELL_LOG_JSON) == 0);
        cell_log_set_debug(true);
        return 0;
}

static void compile(const struct cell_seccomp *seccomp)
{
        struct cell_seccomp_filter *filter = NULL;
        struct cell_error err = {0};
        int next_fd = fuzz_next_fd();
        int rc = cell_seccomp_prepare(seccomp, &filter, &err);
        fuzz_check_result(rc, &err);
        FUZZ_ASSERT(live_contexts == 0);
        FUZZ_ASSERT(fuzz_next_fd() == next_fd); /* the memfd of the export is closed */
        FUZZ_ASSERT(rc == 0 ? filter != NULL : filter == NULL);
        cell_seccomp_filter_free(filter);

        struct cell_seccomp_cache_key key = {0};
        cell_seccomp_cache_key_build(seccomp, &key);
        FUZZ_ASSERT(key.len > 0);
        fuzz_read(key.data, key.len);
        free(key.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t len = sizeof(prefix) - 1 + size + sizeof(suffix) - 1;
        char *json = malloc(len);
        FUZZ_ASSERT(json);
        memcpy(json, prefix, sizeof(prefix) - 1);
        if (size)
                memcpy(json + sizeof(prefix) - 1, data, size);
        memcpy(json + sizeof(prefix) - 1 + size, suffix, sizeof(suffix) - 1);

        struct cell_spec *spec = NULL;
        struct cell_error err = {0};
        int rc = cell_spec_parse(json, len, &spec, &err);
        fuzz_check_result(rc, &err);
        if (rc == 0) {
                fuzz_walk_spec(spec);
                if (spec->linux.seccomp.present)
                        compile(&spec->linux.seccomp);
                cell_spec_free(spec);
        }
        free(json);
        return 0;
}
