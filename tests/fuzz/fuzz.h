/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_TESTS_FUZZ_H
#define CELL_TESTS_FUZZ_H

/*
 * Shared by the libFuzzer targets of tests/fuzz/.  A target defines
 * LLVMFuzzerTestOneInput(); libFuzzer (with ASan+UBSan) reports crashes,
 * leaks and undefined behaviour.  The harnesses add checks of their own with
 * FUZZ_ASSERT, which aborts, so a broken contract is a crash like any other.
 *
 * libFuzzer hands the input in a buffer of exactly `size` bytes, so a parser
 * that takes (data, len) is called on it directly (any read past `len` is an
 * ASan report); APIs that take a C string get a NUL-terminated copy.
 */

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond)                                                                          \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, __LINE__,     \
                                #cond);                                                            \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* `data` as a NUL-terminated string (embedded NULs end it early).  free() it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        FUZZ_ASSERT(s);
        if (size)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/*
 * error.h's contract: a failure (-1 for these parsers) comes with a
 * non-empty, NUL-terminated message.  (Not checked: "no trailing newline",
 * which is about the format strings; a message may quote input that ends
 * in one.)
 */
static inline void fuzz_check_result(int rc, const struct cell_error *err)
{
        FUZZ_ASSERT(rc == 0 || rc == -1);
        if (rc == 0)
                return;
        size_t len = strnlen(err->msg, sizeof(err->msg));
        FUZZ_ASSERT(len > 0 && len < sizeof(err->msg));
}

/* Read `n` bytes at `p` (ASan: out of bounds, freed). */
static inline void fuzz_read(const void *p, size_t n)
{
        const unsigned char *b = p;
        unsigned char x = 0;
        FUZZ_ASSERT(p || n == 0);
        for (size_t i = 0; i < n; i++)
                x ^= b[i];
        __asm__ volatile("" : : "r"(x)); /* keep the reads */
}

/* Touch every byte of a string the parser returned (ASan: freed / unterminated). */
static inline void fuzz_touch(const char *s)
{
        if (s)
                fuzz_read(s, strlen(s) + 1);
}

/* The number the next open() would return: equal before and after = no fd leaked. */
static inline int fuzz_next_fd(void)
{
        int fd = dup(2);
        FUZZ_ASSERT(fd >= 0);
        close(fd);
        return fd;
}

/* A NULL-terminated vector of `n` strings. */
static inline void fuzz_touch_vector(char *const *v, size_t n)
{
        if (!v) {
                FUZZ_ASSERT(n == 0);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                FUZZ_ASSERT(v[i]);
                fuzz_touch(v[i]);
        }
        FUZZ_ASSERT(v[n] == NULL);
}

/* $TMPDIR (run.sh points it into the target's scratch directory), else /tmp, into `buf`. */
static inline void fuzz_tmp_base(char *buf, size_t size)
{
        const char *tmp = getenv("TMPDIR");
        snprintf(buf, size, "%s", tmp && *tmp ? tmp : "/tmp");
}

/* Whether directory `path` holds no entry (a canary beside a scratch store). */
static inline bool fuzz_dir_empty(const char *path)
{
        DIR *d = opendir(path);
        FUZZ_ASSERT(d);
        struct dirent *de;
        bool empty = true;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        empty = false;
        closedir(d);
        return empty;
}

#endif
