/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_SECCOMP_CACHE_H
#define CELL_SANDBOX_SECCOMP_CACHE_H

/*
 * On-disk cache of compiled seccomp programs (internal to src/sandbox/).
 *
 * Compiling a docker-sized profile with libseccomp costs milliseconds (see
 * bench/seccomp_compile.c); reading it back costs microseconds.  An entry is
 * keyed by a canonical serialization of everything that shapes the program
 * (the linux.seccomp fields except flags and listener, the libseccomp
 * version and the native architecture).  The file name is the 64-bit FNV-1a
 * hash of the key; the file holds the whole key too, and an entry is used
 * only when that key matches byte for byte, so a hash collision or a torn
 * file is a miss, never a wrong filter.
 *
 * The cache is an optimisation: every failure to read or write it is a miss
 * (logged with --debug), never an error.
 */

#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"

struct cell_seccomp_cache_key {
        uint8_t *data;
        size_t len;
};

/* Build the key of `seccomp` (present).  Release with free(key->data). */
void cell_seccomp_cache_key_build(const struct cell_seccomp *seccomp,
                                  struct cell_seccomp_cache_key *key);

/*
 * Look `key` up in `dir`.  On a hit returns 1 and `*program` (caller frees)
 * holds `*len` bytes of BPF instructions; on a miss returns 0.
 */
int cell_seccomp_cache_get(const char *dir, const struct cell_seccomp_cache_key *key,
                           void **program, size_t *len);

/* Store a program under `key` in `dir` (created 0700 when missing), atomically. */
void cell_seccomp_cache_put(const char *dir, const struct cell_seccomp_cache_key *key,
                            const void *program, size_t len);

#endif
