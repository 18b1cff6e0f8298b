/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's directory, its locks, tmp/ and its repair.  Blobs are in
 * store_blob.c, image records in store_image.c, layers in layer.c.
 */
#include "image/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/signals.h"
#include "util/xalloc.h"

static const char *const store_dirs[] = {"tmp", "blobs", "blobs/sha256", "layers", "layers/sha256"};

const char *cell_store_root(const struct cell_store *s)
{
        return s->root;
}

char *store_tmp_name(const char *what)
{
        unsigned char r[6] = {0};
        if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
                /* Early boot without entropy: the pid prefix keeps names apart between
                 * processes; within one, the address of a stack variable and the time do. */
                unsigned long x =
                        (unsigned long)&r ^ (unsigned long)time(NULL) ^ (unsigned long)clock();
                memcpy(r, &x, sizeof(r));
        }
        return xasprintf("%d-%s-%02x%02x%02x%02x%02x%02x", (int)getpid(), what, r[0], r[1], r[2],
                         r[3], r[4], r[5]);
}

int store_fsync_dir(struct cell_store *s, const char *rel, struct cell_error *err)
{
        _cleanup_close_ int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return cell_error_errno(err, "store %s: fsync %s", s->root, rel);
        return 0;
}

/* The pid a tmp/ entry "<pid>-..." belongs to, or 0 when it is not such a name. */
static pid_t tmp_entry_pid(const char *name)
{
        char *end;
        errno = 0;
        long pid = strtol(name, &end, 10);
        if (errno || end == name || *end != '-' || pid <= 0 || pid > INT_MAX)
                return 0;
        return (pid_t)pid;
}

/*
 * Remove tmp/ entries of processes that are gone (or zombies).  An entry of a live pid is
 * kept even if the pid was reused by an unrelated process: it costs disk
 * space until a later open, never correctness.  Partial downloads
 * (ingest-*.partial) carry no pid and stay.
 */
static int repair_tmp(struct cell_store *s, struct cell_error *err)
{
        _cleanup_close_ int fd = openat(s->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "store %s: open tmp", s->root);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d)
                return cell_error_errno(err, "store %s: read tmp", s->root);
        int dfd = steal_fd(fd);
        struct dirent *de;
        while ((de = readdir(d))) {
                pid_t pid = tmp_entry_pid(de->d_name);
                if (pid == 0 || pid == getpid() || cell_pid_running(pid))
                        continue;
                if (cell_remove_tree_at(dfd, de->d_name, err) < 0)
                        return cell_error_prefix(err, "store %s: repair tmp", s->root);
        }
        return 0;
}

static int make_dirs(struct cell_store *s, struct cell_error *err)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(store_dirs); i++)
                if (mkdirat(s->root_fd, store_dirs[i], 0700) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "store %s: mkdir %s", s->root, store_dirs[i]);
        return 0;
}

int cell_store_open(const char *root, struct cell_store **out, struct cell_error *err)
{
        *out = NULL;
        if (cell_mkdir_p(root, 0700, err) < 0)
                return cell_error_prefix(err, "store %s", root);
        /* Canonical, so that libarchive's refusal to write through a symlink
         * (layer.c) only ever looks at the layer's own entries. */
        char *real = realpath(root, NULL);
        if (!real)
                return cell_error_errno(err, "store %s", root);
        struct cell_store *s = xzalloc(sizeof(*s));
        s->root = real;
        s->lock_fd = -1;
        s->root_fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                cell_error_errno(err, "store %s", root);
                cell_store_close(s);
                return -1;
        }
        s->lock_fd = openat(s->root_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lock_fd < 0) {
                cell_error_errno(err, "store %s: open lock", root);
                cell_store_close(s);
                return -1;
        }
        if (make_dirs(s, err) < 0 || repair_tmp(s, err) < 0) {
                cell_store_close(s);
                return -1;
        }
        *out = s;
        return 0;
}

void cell_store_close(struct cell_store *s)
{
        if (!s)
                return;
        if (s->lock_fd >= 0)
                close(s->lock_fd);
        if (s->root_fd >= 0)
                close(s->root_fd);
        free(s->root);
        free(s);
}

static int store_flock(struct cell_store *s, int mode, struct cell_error *err)
{
        int r;
        do
                r = flock(s->lock_fd, mode);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return cell_error_errno(err, "store %s: lock", s->root);
        s->lock_mode = mode;
        return 0;
}

int cell_store_lock_shared(struct cell_store *s, struct cell_error *err)
{
        if (s->lock_mode)
                return 0;
        return store_flock(s, LOCK_SH, err);
}

int cell_store_lock_exclusive(struct cell_store *s, struct cell_error *err)
{
        if (s->lock_mode == LOCK_EX)
                return 0;
        return store_flock(s, LOCK_EX, err);
}

int store_meta_lock(struct cell_store *s, struct cell_error *err)
{
        _cleanup_close_ int fd =
                openat(s->root_fd, "meta.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return cell_error_errno(err, "store %s: open meta.lock", s->root);
        int r;
        do
                r = flock(fd, LOCK_EX);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return cell_error_errno(err, "store %s: lock meta.lock", s->root);
        return steal_fd(fd);
}

int cell_store_mkdtemp(struct cell_store *s, const char *what, char **path_out,
                       struct cell_error *err)
{
        _cleanup_free_ char *name = store_tmp_name(what);
        _cleanup_free_ char *rel = xasprintf("tmp/%s", name);
        if (mkdirat(s->root_fd, rel, 0700) < 0)
                return cell_error_errno(err, "store %s: mkdir %s", s->root, rel);
        *path_out = xasprintf("%s/%s", s->root, rel);
        return 0;
}

/* ---- garbage collection ---- */

static bool hex_in(char *const *set, size_t n, const char *hex)
{
        for (size_t i = 0; i < n; i++)
                if (set[i] && strcmp(cell_digest_hex(set[i]), hex) == 0)
                        return true;
        return false;
}

/* Remove every entry of directory `rel` whose name is not the hex of a digest in `keep`. */
static int gc_dir(struct cell_store *s, const char *rel, char *const *keep, size_t n_keep,
                  struct cell_error *err)
{
        int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "store %s: open %s", s->root, rel);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return cell_error_errno(err, "store %s: read %s", s->root, rel);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || hex_in(keep, n_keep, de->d_name))
                        continue;
                /* Out of sight first, in one rename: a SIGKILL in the middle of
                 * removing a layer must not leave a half layer that looks whole. */
                _cleanup_free_ char *name = store_tmp_name("gc");
                _cleanup_free_ char *tmp = xasprintf("tmp/%s", name);
                if (renameat(fd, de->d_name, s->root_fd, tmp) < 0)
                        return cell_error_errno(err, "store %s: remove %s/%s", s->root, rel,
                                                de->d_name);
                if (cell_remove_tree_at(s->root_fd, tmp, err) < 0)
                        return cell_error_prefix(err, "store %s: remove %s", s->root, tmp);
        }
        return 0;
}

int cell_store_gc(struct cell_store *s, struct cell_error *err)
{
        if (cell_store_lock_exclusive(s, err) < 0)
                return -1;
        struct cell_image *imgs;
        size_t n;
        if (cell_image_list(s, &imgs, &n, err) < 0)
                return -1;
        size_t n_blobs = 0, n_layers = 0;
        for (size_t i = 0; i < n; i++)
                n_blobs += 2 + imgs[i].n_layers, n_layers += imgs[i].n_layers;
        _cleanup_free_ char **blobs = xcalloc(n_blobs + 1, sizeof(char *));
        _cleanup_free_ char **layers = xcalloc(n_layers + 1, sizeof(char *));
        size_t b = 0, l = 0;
        for (size_t i = 0; i < n; i++) {
                blobs[b++] = imgs[i].id;
                blobs[b++] = imgs[i].digest;
                for (size_t k = 0; k < imgs[i].n_layers; k++) {
                        blobs[b++] = imgs[i].layers[k].digest;
                        layers[l++] = imgs[i].layers[k].diff_id;
                }
        }
        int r = gc_dir(s, "blobs/sha256", blobs, b, err);
        if (r == 0)
                r = gc_dir(s, "layers/sha256", layers, l, err);
        /* Staging dirs of processes that died since this store was opened. */
        if (r == 0)
                r = repair_tmp(s, err);
        cell_image_list_free(imgs, n);
        return r;
}
