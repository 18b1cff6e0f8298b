/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image archives: the input is a file given to `cell load` (a docker
 * archive with manifest.json, the legacy layout, or an OCI layout tar with
 * index.json; maybe compressed), loaded with cell_archive_load() into a
 * fresh store.  A load fails with a message naming the archive or adds
 * images that the store then finds by id; either way nothing is written
 * outside the store (a canary directory beside it stays empty), tmp/ is
 * left empty and no file descriptor open.  Each input gets its own
 * directory under $TMPDIR, removed afterwards.  Seeds: corpus/archive/.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "image/archive.h"
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
        char dir[4200], store[4300], canary[4300], file[4300];
        snprintf(dir, sizeof(dir), "%s/cell-fuzz-archive-XXXXXX", base);
        FUZZ_ASSERT(mkdtemp(dir));
        snprintf(store, sizeof(store), "%s/store", dir);
        snprintf(canary, sizeof(canary), "%s/canary", dir);
        snprintf(file, sizeof(file), "%s/in.tar", dir);
        FUZZ_ASSERT(mkdir(canary, 0755) == 0);
        int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        FUZZ_ASSERT(fd >= 0);
        FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
        close(fd);

        struct cell_store *s = NULL;
        struct cell_error err = {0};
        FUZZ_ASSERT(cell_store_open(store, &s, &err) == 0);
        FUZZ_ASSERT(cell_store_lock_shared(s, &err) == 0);
        struct cell_load_result res = {0};
        int rc = cell_archive_load(s, file, &res, &err);
        fuzz_check_result(rc, &err);
        if (getenv("CELL_FUZZ_VERBOSE")) /* to see what a seed does */
                fprintf(stderr, "load: %s (%zu images)\n", rc == 0 ? "ok" : err.msg, res.n);
        if (rc == 0) {
                for (size_t i = 0; i < res.n; i++) {
                        fuzz_touch(res.images[i].id);
                        for (size_t j = 0; j < res.images[i].n_names; j++)
                                fuzz_touch(res.images[i].names[j]);
                        struct cell_image img;
                        memset(&img, 0, sizeof(img));
                        FUZZ_ASSERT(cell_image_lookup(s, res.images[i].id, &img, &err) == 0);
                        cell_image_release(&img);
                }
                cell_load_result_release(&res);
        } else {
                FUZZ_ASSERT(res.n == 0);
        }
        cell_store_close(s);

        char *tmpdir = NULL;
        FUZZ_ASSERT(asprintf(&tmpdir, "%s/tmp", store) > 0);
        FUZZ_ASSERT(fuzz_dir_empty(tmpdir));
        free(tmpdir);
        FUZZ_ASSERT(fuzz_dir_empty(canary));
        FUZZ_ASSERT(fuzz_next_fd() == fds);
        FUZZ_ASSERT(cell_remove_tree_at(AT_FDCWD, dir, &err) == 0);
        return 0;
}
