/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small command over the store's C API for tests/engine/test_image_*.py,
 * which need to put hand-made blobs and unpack them as layers (no verb of
 * the engine takes a bare layer):
 *
 *     image_driver STORE open                      open (and repair)
 *     image_driver STORE put FILE [DIGEST]         blob from FILE; prints its digest
 *     image_driver STORE unpack BLOB [DIFF_ID]     prints the diff id
 *     image_driver STORE lookup NAME               prints the image id
 *
 * Errors go to stderr as "error: <message>", exit 1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"

static int fail(const struct cell_error *err)
{
        fprintf(stderr, "error: %s\n", err->msg);
        return 1;
}

static int put(struct cell_store *s, const char *file, const char *expect)
{
        struct cell_error err = {0};
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                perror(file);
                return 1;
        }
        struct cell_blob_writer *w;
        uint64_t resume = 0;
        if (cell_blob_writer_open(s, expect, &w, expect ? &resume : NULL, &err) < 0)
                return fail(&err);
        if (resume && lseek(fd, (off_t)resume, SEEK_SET) < 0) {
                perror("lseek");
                cell_blob_writer_abort(w, true);
                return 1;
        }
        char buf[65536];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if (cell_blob_writer_write(w, buf, (size_t)n, &err) < 0) {
                        cell_blob_writer_abort(w, true);
                        return fail(&err);
                }
        char digest[CELL_DIGEST_MAX];
        if (cell_blob_writer_commit(w, digest, &err) < 0)
                return fail(&err);
        printf("%s\n", digest);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: %s STORE open|put|unpack|lookup ...\n", argv[0]);
                return 2;
        }
        struct cell_error err = {0};
        struct cell_store *s;
        if (cell_store_open(argv[1], &s, &err) < 0 || cell_store_lock_shared(s, &err) < 0)
                return fail(&err);
        const char *cmd = argv[2];
        int rc = 0;
        if (strcmp(cmd, "open") == 0) {
                rc = 0;
        } else if (strcmp(cmd, "put") == 0 && argc >= 4) {
                rc = put(s, argv[3], argc > 4 ? argv[4] : NULL);
        } else if (strcmp(cmd, "unpack") == 0 && argc >= 4) {
                char diff[CELL_DIGEST_MAX];
                if (cell_layer_unpack(s, argv[3], argc > 4 ? argv[4] : NULL, diff, &err) < 0)
                        rc = fail(&err);
                else
                        printf("%s\n", diff);
        } else if (strcmp(cmd, "lookup") == 0 && argc >= 4) {
                struct cell_image img;
                if (cell_image_lookup(s, argv[3], &img, &err) < 0)
                        rc = fail(&err);
                else
                        printf("%s\n", img.id);
                cell_image_release(&img);
        } else {
                fprintf(stderr, "unknown command %s\n", cmd);
                rc = 2;
        }
        cell_store_close(s);
        return rc;
}
