/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include "engine/container.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

void cell_volume_release(struct cell_volume *v)
{
        free(v->name);
        free(v->mountpoint);
        free(v->created);
        json_object_put(v->labels);
        memset(v, 0, sizeof(*v));
}

static bool name_ok(const char *s)
{
        if (!isalnum((unsigned char)s[0]) || strlen(s) > 255)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
                        return false;
        return true;
}

static int volumes_lock(struct cell_engine *e, struct cell_error *err)
{
        _cleanup_free_ char *path = xasprintf("%s/volumes/.lock", e->storage);
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return cell_error_errno(err, "open %s", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return cell_error_errno(err, "lock %s", path);
        return steal_fd(fd);
}

static int no_such_volume(struct cell_error *err, const char *name)
{
        cell_error_set(err, 0, "no such volume: %s", name);
        err->errnum = ENOENT;
        return -1;
}

int cell_volume_get(struct cell_engine *e, const char *name, struct cell_volume *out,
                    struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (!name_ok(name))
                return no_such_volume(err, name);
        _cleanup_free_ char *path = xasprintf("%s/volumes/%s/volume.json", e->storage, name);
        _cleanup_free_ char *text = NULL;
        if (cell_read_file(path, &text, NULL, err) < 0) {
                if (err->errnum == ENOENT)
                        return no_such_volume(err, name);
                return -1;
        }
        json_object *o = json_tokener_parse(text), *v;
        if (!o)
                return cell_error_set(err, 0, "%s: not JSON", path);
        out->name = xstrdup(name);
        out->mountpoint = xasprintf("%s/volumes/%s/_data", e->storage, name);
        if (json_object_object_get_ex(o, "created", &v) && v)
                out->created = xstrdup(json_object_get_string(v));
        out->anonymous = json_object_object_get_ex(o, "anonymous", &v) && json_object_get_boolean(v);
        if (json_object_object_get_ex(o, "labels", &v) && v)
                out->labels = json_object_get(v);
        json_object_put(o);
        return 0;
}

static int write_volume(struct cell_engine *e, const char *name, bool anonymous, json_object *labels,
                        struct cell_error *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/volumes/%s", e->storage, name);
        _cleanup_free_ char *data = xasprintf("%s/_data", dir);
        if (mkdir(dir, 0700) < 0)
                return cell_error_errno(err, "create volume %s", name);
        if (mkdir(data, 0755) < 0) {
                cell_error_errno(err, "create volume %s: mkdir _data", name);
                rmdir(dir);
                return -1;
        }
        json_object *o = json_object_new_object();
        _cleanup_free_ char *now = cell_engine_now();
        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, "driver", json_object_new_string("local"));
        json_object_object_add(o, "created", json_object_new_string(now));
        json_object_object_add(o, "anonymous", json_object_new_boolean(anonymous));
        json_object_object_add(o, "labels", labels ? json_object_get(labels) : json_object_new_object());
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = dfd < 0 ? cell_error_errno(err, "open %s", dir)
                        : cell_write_file_atomic(dfd, "volume.json", text, strlen(text), err);
        json_object_put(o);
        if (r < 0) {
                struct cell_error ignored;
                _cleanup_free_ char *parent = xasprintf("%s/volumes", e->storage);
                _cleanup_close_ int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (pfd >= 0)
                        cell_remove_tree_at(pfd, name, &ignored);
        }
        return r;
}

int cell_volume_create(struct cell_engine *e, const char *name, bool anonymous,
                       json_object *labels, struct cell_volume *out, bool *created_now,
                       struct cell_error *err)
{
        char random_name[CELL_CTR_ID_LEN + 1];
        if (!name) {
                if (cell_ctr_new_id(random_name, err) < 0)
                        return -1;
                name = random_name;
                anonymous = true;
        }
        if (!name_ok(name))
                return cell_error_set(err, 0,
                                      "create %s: \"%s\" includes invalid characters for a local "
                                      "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                                      name, name);
        _cleanup_close_ int lock = volumes_lock(e, err);
        if (lock < 0)
                return -1;
        *created_now = false;
        if (cell_volume_get(e, name, out, err) == 0)
                return 0;
        if (err->errnum != ENOENT)
                return -1;
        if (write_volume(e, name, anonymous, labels, err) < 0)
                return -1;
        *created_now = true;
        return cell_volume_get(e, name, out, err);
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct cell_volume *)a)->name, ((const struct cell_volume *)b)->name);
}

int cell_volume_list(struct cell_engine *e, struct cell_volume **out, size_t *n,
                     struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        _cleanup_free_ char *dir = cell_engine_volumes_dir(e);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return cell_error_errno(err, "open %s", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                struct cell_volume v;
                struct cell_error ignored;
                if (cell_volume_get(e, de->d_name, &v, &ignored) < 0)
                        continue;
                *out = xreallocarray(*out, *n + 1, sizeof(**out));
                (*out)[(*n)++] = v;
        }
        if (*n)
                qsort(*out, *n, sizeof(**out), by_name);
        return 0;
}

static bool mounts_volume(json_object *mounts, const char *name)
{
        if (!mounts || !json_object_is_type(mounts, json_type_array))
                return false;
        for (size_t i = 0; i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i), *v;
                if (json_object_object_get_ex(m, "Name", &v) && v &&
                    strcmp(json_object_get_string(v), name) == 0)
                        return true;
        }
        return false;
}

char **cell_volume_users(struct cell_engine *e, const char *name, struct cell_error *err)
{
        struct cell_ctr *list;
        size_t n;
        if (cell_ctr_list(e, &list, &n, err) < 0)
                return NULL;
        char **ids = xzalloc(sizeof(char *));
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (mounts_volume(list[i].mounts, name)) {
                        ids = xreallocarray(ids, k + 2, sizeof(char *));
                        ids[k++] = xstrdup(list[i].id);
                        ids[k] = NULL;
                }
        cell_ctr_list_free(list, n);
        return ids;
}

int cell_volume_remove(struct cell_engine *e, const char *name, bool force, struct cell_error *err)
{
        _cleanup_close_ int lock = volumes_lock(e, err);
        if (lock < 0)
                return -1;
        struct cell_volume v;
        if (cell_volume_get(e, name, &v, err) < 0)
                return -1;
        cell_volume_release(&v);
        if (!force) {
                _cleanup_strv_ char **users = cell_volume_users(e, name, err);
                if (!users)
                        return -1;
                if (users[0]) {
                        _cleanup_free_ char *list = xstrdup(users[0]);
                        for (char **u = users + 1; *u; u++) {
                                char *longer = xasprintf("%s, %s", list, *u);
                                free(list);
                                list = longer;
                        }
                        return cell_error_set(err, 0, "remove %s: volume is in use - [%s]", name, list);
                }
        }
        _cleanup_free_ char *dir = cell_engine_volumes_dir(e);
        _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return cell_error_errno(err, "open %s", dir);
        if (cell_remove_tree_at(dfd, name, err) < 0)
                return cell_error_prefix(err, "remove volume %s", name);
        return 0;
}

/* ---- copy-up ---- */

static int copy_entry(int sdir, int ddir, const char *name, struct cell_error *err);

static int copy_dir_content(int sfd, int dfd, struct cell_error *err)
{
        int dupfd = dup(sfd);
        if (dupfd < 0)
                return cell_error_errno(err, "dup");
        _cleanup_closedir_ DIR *d = fdopendir(dupfd);
        if (!d) {
                close(dupfd);
                return cell_error_errno(err, "opendir");
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                    copy_entry(sfd, dfd, de->d_name, err) < 0)
                        return -1;
        return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
                     struct cell_error *err)
{
        _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                         st->st_mode & 07777);
        if (in < 0 || out < 0)
                return cell_error_errno(err, "copy %s", name);
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (cell_write_all(out, buf, (size_t)n) < 0)
                        return cell_error_errno(err, "copy %s", name);
        if (n < 0)
                return cell_error_errno(err, "copy %s", name);
        return 0;
}

static int copy_entry(int sdir, int ddir, const char *name, struct cell_error *err)
{
        struct stat st;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return cell_error_errno(err, "copy %s", name);
        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(ddir, name, st.st_mode & 07777) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "copy %s", name);
                _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return cell_error_errno(err, "copy %s", name);
                if (copy_dir_content(s, d, err) < 0)
                        return -1;
        } else if (S_ISREG(st.st_mode)) {
                if (copy_file(sdir, ddir, name, &st, err) < 0)
                        return -1;
        } else if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return cell_error_errno(err, "copy %s", name);
                target[n] = '\0';
                if (symlinkat(target, ddir, name) < 0)
                        return cell_error_errno(err, "copy %s", name);
        } else if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0) {
                return cell_error_errno(err, "copy %s", name);
        }
        if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return cell_error_errno(err, "copy %s: chown", name);
        if (!S_ISLNK(st.st_mode) && fchmodat(ddir, name, st.st_mode & 07777, 0) < 0)
                return cell_error_errno(err, "copy %s: chmod", name);
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        utimensat(ddir, name, times, AT_SYMLINK_NOFOLLOW);
        return 0;
}

int cell_volume_copy_up(const char *rootfs, const char *src, const char *dst,
                        struct cell_error *err)
{
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return cell_error_errno(err, "open %s", rootfs);
        /* inside the rootfs: an image's symlink must not lead the copy to a host directory */
        struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int s = (int)syscall(SYS_openat2, root, src, &how, sizeof(how));
        if (s < 0)
                return 0; /* nothing in the image at that path: nothing to copy */
        _cleanup_close_ int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0)
                return cell_error_errno(err, "open %s", dst);
        struct stat st;
        if (fstat(s, &st) == 0) {
                if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, st.st_mode & 07777) < 0)
                        return cell_error_errno(err, "copy %s to the volume", src);
        }
        if (copy_dir_content(s, d, err) < 0)
                return cell_error_prefix(err, "copy %s to the volume", src);
        return 0;
}
