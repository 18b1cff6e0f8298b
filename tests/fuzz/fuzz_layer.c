/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image layers: the input is a layer blob (a tar, or gzip/zstd of one),
 * stored with cell_blob_put() in a fresh store and unpacked with
 * cell_layer_unpack(), as a pull does with what a registry sent.  Unpacking
 * fails with a message naming the layer or yields layers/sha256/<id>/diff;
 * either way nothing is written outside the store: a canary directory next
 * to it stays empty, and no file descriptor is left open.  Each input gets
 * its own directory under $TMPDIR, removed afterwards.
 * Seeds: corpus/layer/.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "image/digest.h"
#include "image/store.h"
#include "util/fs.h"

static char base[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fuzz_tmp_base(base, sizeof(base));
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int fds = fuzz_next_fd();
        char dir[4200], store[4300], canary[4300];
        snprintf(dir, sizeof(dir), "%s/cell-fuzz-layer-XXXXXX", base);
        FUZZ_ASSERT(mkdtemp(dir));
        /* The store's root and a canary beside it (a symlink "../canary" reaches it). */
        snprintf(store, sizeof(store), "%s/store", dir);
        snprintf(canary, sizeof(canary), "%s/canary", dir);
        FUZZ_ASSERT(mkdir(canary, 0755) == 0);

        struct cell_store *s = NULL;
        struct cell_error err = {0};
        FUZZ_ASSERT(cell_store_open(store, &s, &err) == 0);
        char digest[CELL_DIGEST_MAX];
        FUZZ_ASSERT(cell_blob_put(s, data, size, digest, &err) == 0);
        char diff_id[CELL_DIGEST_MAX] = "";
        int rc = cell_layer_unpack(s, digest, NULL, diff_id, &err);
        fuzz_check_result(rc, &err);
        if (getenv("CELL_FUZZ_VERBOSE")) /* to see what a seed does */
                fprintf(stderr, "unpack: %s\n", rc == 0 ? diff_id : err.msg);
        if (rc == 0) {
                FUZZ_ASSERT(strncmp(diff_id, "sha256:", 7) == 0 && strlen(diff_id) == 71);
                FUZZ_ASSERT(cell_layer_exists(s, diff_id));
                /* Unpacked once: a second call with the diff id reads nothing. */
                char again[CELL_DIGEST_MAX] = "";
                FUZZ_ASSERT(cell_layer_unpack(s, digest, diff_id, again, &err) == 0);
        } else {
                /* A failed unpack leaves no layer behind. */
                char *layers = NULL;
                FUZZ_ASSERT(asprintf(&layers, "%s/layers/sha256", store) > 0);
                struct stat st;
                if (stat(layers, &st) == 0)
                        FUZZ_ASSERT(fuzz_dir_empty(layers));
                free(layers);
        }
        cell_store_close(s);

        /* No staging dir of the unpack is left in tmp/. */
        char *tmpdir = NULL;
        FUZZ_ASSERT(asprintf(&tmpdir, "%s/tmp", store) > 0);
        FUZZ_ASSERT(fuzz_dir_empty(tmpdir));
        free(tmpdir);
        FUZZ_ASSERT(fuzz_dir_empty(canary));
        FUZZ_ASSERT(fuzz_next_fd() == fds);
        FUZZ_ASSERT(cell_remove_tree_at(AT_FDCWD, dir, &err) == 0);
        return 0;
}
