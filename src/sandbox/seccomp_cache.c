/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Bump when the key layout or the file layout changes. */
#define CACHE_MAGIC "CELLBPF1"
#define CACHE_MAGIC_LEN 8

static void put_bytes(struct cell_seccomp_cache_key *key, size_t *cap, const void *data, size_t len)
{
        if (key->len + len > *cap) {
                *cap = (key->len + len) * 2;
                key->data = xrealloc(key->data, *cap);
        }
        memcpy(key->data + key->len, data, len);
        key->len += len;
}

static void put_u64(struct cell_seccomp_cache_key *key, size_t *cap, uint64_t value)
{
        put_bytes(key, cap, &value, sizeof(value));
}

/* Length-prefixed, so ["ab","c"] and ["a","bc"] differ; NULL differs from "". */
static void put_str(struct cell_seccomp_cache_key *key, size_t *cap, const char *s)
{
        if (!s) {
                put_u64(key, cap, UINT64_MAX);
                return;
        }
        size_t len = strlen(s);
        put_u64(key, cap, len);
        put_bytes(key, cap, s, len);
}

static void put_strv(struct cell_seccomp_cache_key *key, size_t *cap, char **v, size_t n)
{
        put_u64(key, cap, n);
        for (size_t i = 0; i < n; i++)
                put_str(key, cap, v[i]);
}

static void put_rule(struct cell_seccomp_cache_key *key, size_t *cap,
                     const struct cell_seccomp_rule *rule)
{
        put_strv(key, cap, rule->names, rule->n_names);
        put_str(key, cap, rule->action);
        put_u64(key, cap, rule->has_errno_ret);
        put_u64(key, cap, rule->errno_ret);
        put_u64(key, cap, rule->n_args);
        for (size_t i = 0; i < rule->n_args; i++) {
                put_u64(key, cap, rule->args[i].index);
                put_u64(key, cap, rule->args[i].value);
                put_u64(key, cap, rule->args[i].value_two);
                put_str(key, cap, rule->args[i].op);
        }
}

/*
 * The generated program depends on the libseccomp that generates it (its
 * syscall tables and code generator) and on the native architecture it
 * adds implicitly, so both are part of the key, and on what cell adds to
 * it: PROGRAM_VERSION changes whenever that does (2: runc's -ENOSYS stub).
 */
#define PROGRAM_VERSION 2

void cell_seccomp_cache_key_build(const struct cell_seccomp *seccomp,
                                  struct cell_seccomp_cache_key *key)
{
        size_t cap = 0;
        const struct scmp_version *version = seccomp_version();
        *key = (struct cell_seccomp_cache_key){0};
        put_u64(key, &cap, PROGRAM_VERSION);
        put_u64(key, &cap, version->major);
        put_u64(key, &cap, version->minor);
        put_u64(key, &cap, version->micro);
        put_u64(key, &cap, seccomp_arch_native());
        put_str(key, &cap, seccomp->default_action);
        put_u64(key, &cap, seccomp->has_default_errno_ret);
        put_u64(key, &cap, seccomp->default_errno_ret);
        put_strv(key, &cap, seccomp->architectures, seccomp->n_architectures);
        put_u64(key, &cap, seccomp->n_syscalls);
        for (size_t i = 0; i < seccomp->n_syscalls; i++)
                put_rule(key, &cap, &seccomp->syscalls[i]);
}

/* FNV-1a, 64 bit: a file name, not a security boundary (the key is compared in full). */
static uint64_t fnv1a64(const uint8_t *data, size_t len)
{
        uint64_t hash = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < len; i++) {
                hash ^= data[i];
                hash *= 0x100000001b3ULL;
        }
        return hash;
}

static char *entry_name(const struct cell_seccomp_cache_key *key)
{
        return xasprintf("%016" PRIx64 ".bpf", fnv1a64(key->data, key->len));
}

/* Layout: magic, u64 key length, key, u64 program length, program. */
static int parse_entry(const uint8_t *buf, size_t size, const struct cell_seccomp_cache_key *key,
                       const uint8_t **program, size_t *len)
{
        uint64_t n;
        size_t header = CACHE_MAGIC_LEN + sizeof(n);
        if (size < header || memcmp(buf, CACHE_MAGIC, CACHE_MAGIC_LEN) != 0)
                return 0;
        memcpy(&n, buf + CACHE_MAGIC_LEN, sizeof(n));
        if (n != key->len || size - header < key->len + sizeof(n) ||
            memcmp(buf + header, key->data, key->len) != 0)
                return 0;
        buf += header + key->len;
        size -= header + key->len;
        memcpy(&n, buf, sizeof(n));
        if (n == 0 || n % sizeof(struct sock_filter) != 0 ||
            n > BPF_MAXINSNS * sizeof(struct sock_filter) || n != size - sizeof(n))
                return 0;
        *program = buf + sizeof(n);
        *len = n;
        return 1;
}

int cell_seccomp_cache_get(const char *dir, const struct cell_seccomp_cache_key *key,
                           void **program, size_t *len)
{
        _cleanup_free_ char *name = entry_name(key);
        _cleanup_free_ char *path = cell_path_join(dir, name);
        _cleanup_free_ char *buf = NULL;
        size_t size;
        struct cell_error err = {0};
        *program = NULL;
        if (cell_read_file(path, &buf, &size, &err) < 0) {
                if (err.errnum != ENOENT)
                        cell_debug("seccomp cache: %s", err.msg);
                return 0;
        }
        const uint8_t *found;
        if (!parse_entry((const uint8_t *)buf, size, key, &found, len)) {
                cell_debug("seccomp cache: %s does not match the profile, recompiling", path);
                return 0;
        }
        *program = xmalloc(*len);
        memcpy(*program, found, *len);
        return 1;
}

void cell_seccomp_cache_put(const char *dir, const struct cell_seccomp_cache_key *key,
                            const void *program, size_t len)
{
        struct cell_error err = {0};
        if (cell_mkdir_p(dir, 0700, &err) < 0) {
                cell_debug("seccomp cache: %s", err.msg);
                return;
        }
        _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                cell_debug("seccomp cache: open %s: %s", dir, cell_strerror(errno));
                return;
        }
        uint64_t key_len = key->len, program_len = len;
        size_t size = CACHE_MAGIC_LEN + 2 * sizeof(uint64_t) + key->len + len;
        _cleanup_free_ uint8_t *buf = xmalloc(size);
        uint8_t *p = buf;
        memcpy(p, CACHE_MAGIC, CACHE_MAGIC_LEN);
        p += CACHE_MAGIC_LEN;
        memcpy(p, &key_len, sizeof(key_len));
        p += sizeof(key_len);
        memcpy(p, key->data, key->len);
        p += key->len;
        memcpy(p, &program_len, sizeof(program_len));
        p += sizeof(program_len);
        memcpy(p, program, len);
        _cleanup_free_ char *name = entry_name(key);
        if (cell_write_file_atomic(dirfd, name, (const char *)buf, size, &err) < 0)
                cell_debug("seccomp cache: %s: %s", dir, err.msg);
}
