/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in image localhost/busybox:latest, made from Debian's
 * busybox-static: one uncompressed layer written with libarchive, every
 * entry with fixed owner and mtime and in a fixed order, so that the same
 * busybox binary always gives the same layer, config and image id.
 */
#include "image/store_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define BUILTIN_NAME "localhost/busybox:latest"
/* 2024-01-01T00:00:00Z: every entry's mtime and the config's "created". */
#define BUILTIN_EPOCH 1704067200
#define BUILTIN_CREATED "2024-01-01T00:00:00Z"
#define LAYER_MEDIA_TYPE "application/vnd.oci.image.layer.v1.tar"
#define CONFIG_MEDIA_TYPE "application/vnd.oci.image.config.v1+json"
#define MANIFEST_MEDIA_TYPE "application/vnd.oci.image.manifest.v1+json"
#define APPLETS_MAX ((size_t)1 << 20)

extern char **environ;

static const struct {
        const char *path;
        mode_t mode;
} builtin_dirs[] = {
        {"bin", 0755},     {"dev", 0755},      {"etc", 0755}, {"home", 0755},     {"proc", 0755},
        {"root", 0700},    {"sbin", 0755},     {"sys", 0755}, {"tmp", 01777},     {"usr", 0755},
        {"usr/bin", 0755}, {"usr/sbin", 0755}, {"var", 0755}, {"var/tmp", 01777},
};

static const char builtin_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char builtin_group[] = "root:x:0:\nnogroup:x:65534:\n";

/*
 * Empty files where every container gets a bind mount (the engine's
 * /etc/hostname, /etc/hosts and /etc/resolv.conf): with the mount points in
 * the image, the runtime mounts over them and a container's writable layer
 * stays empty, where it would otherwise copy /etc up and make three files
 * in it for every container, only to delete them again after a --rm.
 */
static const char *const builtin_mount_points[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf"};

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The applet paths `busybox --list-full` prints ("bin/ls", "usr/bin/awk"), sorted. */
static int list_applets(const char *busybox, char ***out, struct cell_error *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return cell_error_errno(err, "pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        char *argv[] = {(char *)busybox, (char *)"--list-full", NULL};
        pid_t pid;
        int r = posix_spawn(&pid, busybox, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        _cleanup_close_ int rfd = p[0];
        if (r != 0)
                return cell_error_set(err, r, "run %s --list-full", busybox);
        _cleanup_free_ char *text = xmalloc(APPLETS_MAX + 1);
        ssize_t len = cell_read_all(rfd, text, APPLETS_MAX);
        int rr = len < 0 ? cell_error_errno(err, "%s --list-full: read", busybox) : 0;
        if (rr == 0)
                text[len] = '\0';
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (rr < 0)
                return -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return cell_error_set(err, 0, "%s --list-full: failed (status %d)", busybox,
                                      status);
        size_t n = 0, cap = 16;
        char **v = xcalloc(cap, sizeof(char *));
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                if (!*line || strcmp(line, "bin/busybox") == 0 || strstr(line, "..") ||
                    line[0] == '/')
                        continue;
                if (n + 2 > cap)
                        v = xreallocarray(v, cap *= 2, sizeof(char *));
                v[n++] = xstrdup(line);
        }
        v[n] = NULL;
        qsort(v, n, sizeof(char *), cmp_str);
        *out = v;
        return 0;
}

struct tar_out {
        struct cell_blob_writer *w;
        struct cell_error err;
        bool failed;
};

static la_ssize_t tar_write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
        struct tar_out *t = data;
        if (cell_blob_writer_write(t->w, buf, len, &t->err) < 0) {
                t->failed = true;
                archive_set_error(a, EIO, "%s", t->err.msg);
                return -1;
        }
        return (la_ssize_t)len;
}

static struct archive_entry *new_entry(const char *path, mode_t type, mode_t perm, int64_t size)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_size(e, size);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, BUILTIN_EPOCH, 0);
        return e;
}

static int put_entry(struct archive *a, struct archive_entry *e, const void *data, size_t len)
{
        int r = archive_write_header(a, e);
        if (r == ARCHIVE_OK && len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
                r = ARCHIVE_FATAL;
        archive_entry_free(e);
        return r == ARCHIVE_OK ? 0 : -1;
}

static int put_busybox(struct archive *a, const char *busybox, struct cell_error *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        _cleanup_close_ int fd = open(busybox, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return cell_error_errno(err, "open %s", busybox);
        if (cell_read_fd(fd, busybox, (size_t)64 << 20, &data, &len, err) < 0)
                return -1;
        if (put_entry(a, new_entry("bin/busybox", AE_IFREG, 0755, (int64_t)len), data, len) < 0)
                return cell_error_set(err, 0, "write the layer: %s", archive_error_string(a));
        return 0;
}

static int tar_fail(struct archive *a, struct cell_error *err)
{
        return cell_error_set(err, 0, "write the layer: %s", archive_error_string(a));
}

static int write_layer_entries(struct archive *a, const char *busybox, char **applets,
                               struct cell_error *err)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(builtin_dirs); i++)
                if (put_entry(a, new_entry(builtin_dirs[i].path, AE_IFDIR, builtin_dirs[i].mode, 0),
                              NULL, 0) < 0)
                        return tar_fail(a, err);
        if (put_busybox(a, busybox, err) < 0)
                return -1;
        if (put_entry(a, new_entry("etc/passwd", AE_IFREG, 0644, sizeof(builtin_passwd) - 1),
                      builtin_passwd, sizeof(builtin_passwd) - 1) < 0 ||
            put_entry(a, new_entry("etc/group", AE_IFREG, 0644, sizeof(builtin_group) - 1),
                      builtin_group, sizeof(builtin_group) - 1) < 0)
                return tar_fail(a, err);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(builtin_mount_points); i++)
                if (put_entry(a, new_entry(builtin_mount_points[i], AE_IFREG, 0644, 0), NULL, 0) <
                    0)
                        return tar_fail(a, err);
        for (char **p = applets; *p; p++) {
                struct archive_entry *e = new_entry(*p, AE_IFLNK, 0777, 0);
                archive_entry_set_symlink(e, "/bin/busybox");
                if (put_entry(a, e, NULL, 0) < 0)
                        return tar_fail(a, err);
        }
        return 0;
}

/* Write the layer tar as a blob; its digest is also its diff id (no compression). */
static int write_layer(struct cell_store *s, const char *busybox, char digest[CELL_DIGEST_MAX],
                       int64_t *size, struct cell_error *err)
{
        _cleanup_strv_ char **applets = NULL;
        if (list_applets(busybox, &applets, err) < 0)
                return -1;
        struct tar_out t = {0};
        if (cell_blob_writer_open(s, NULL, &t.w, NULL, err) < 0)
                return -1;
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_none(a);
        int r = archive_write_open(a, &t, NULL, tar_write_cb, NULL) == ARCHIVE_OK ? 0 : -1;
        if (r == 0)
                r = write_layer_entries(a, busybox, applets, err);
        if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
                r = cell_error_set(err, 0, "write the layer: %s", archive_error_string(a));
        archive_write_free(a);
        if (r < 0 || t.failed) {
                if (t.failed)
                        *err = t.err;
                cell_blob_writer_abort(t.w, false);
                return -1;
        }
        *size = (int64_t)cell_blob_writer_size(t.w);
        return cell_blob_writer_commit(t.w, digest, err);
}

/* GOARCH of this machine, as image configs name it. */
static const char *go_arch(void)
{
        static const char *const map[][2] = {
                {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"armv7l", "arm"},
                {"armv6l", "arm"},      {"i686", "386"},      {"i386", "386"},
                {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
        };
        static struct utsname u;
        if (uname(&u) < 0)
                return "unknown";
        for (size_t i = 0; i < CELL_ARRAY_SIZE(map); i++)
                if (strcmp(u.machine, map[i][0]) == 0)
                        return map[i][1];
        return u.machine;
}

static json_object *jstrs(const char *const *v)
{
        json_object *a = json_object_new_array();
        for (; *v; v++)
                json_object_array_add(a, json_object_new_string(*v));
        return a;
}

static char *config_json(const char *diff_id, const char *busybox)
{
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
        static const char *const cmd[] = {"sh", NULL};
        const char *diff_ids[] = {diff_id, NULL};
        json_object *c = json_object_new_object();
        json_object_object_add(c, "created", json_object_new_string(BUILTIN_CREATED));
        json_object_object_add(c, "architecture", json_object_new_string(go_arch()));
        json_object_object_add(c, "os", json_object_new_string("linux"));
        json_object *cfg = json_object_new_object();
        json_object_object_add(cfg, "Env", jstrs(env));
        json_object_object_add(cfg, "Cmd", jstrs(cmd));
        json_object_object_add(c, "config", cfg);
        json_object *rootfs = json_object_new_object();
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(rootfs, "diff_ids", jstrs(diff_ids));
        json_object_object_add(c, "rootfs", rootfs);
        json_object *h = json_object_new_object();
        json_object_object_add(h, "created", json_object_new_string(BUILTIN_CREATED));
        _cleanup_free_ char *by = xasprintf("cell: built-in image from %s", busybox);
        json_object_object_add(h, "created_by", json_object_new_string(by));
        json_object *hist = json_object_new_array();
        json_object_array_add(hist, h);
        json_object_object_add(c, "history", hist);
        char *text = xstrdup(json_object_to_json_string_ext(
                c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(c);
        return text;
}

static json_object *descriptor(const char *media_type, const char *digest, int64_t size)
{
        json_object *d = json_object_new_object();
        json_object_object_add(d, "mediaType", json_object_new_string(media_type));
        json_object_object_add(d, "digest", json_object_new_string(digest));
        json_object_object_add(d, "size", json_object_new_int64(size));
        return d;
}

static char *manifest_json(const char *config, int64_t config_size, const char *layer,
                           int64_t layer_size)
{
        json_object *m = json_object_new_object();
        json_object_object_add(m, "schemaVersion", json_object_new_int(2));
        json_object_object_add(m, "mediaType", json_object_new_string(MANIFEST_MEDIA_TYPE));
        json_object_object_add(m, "config", descriptor(CONFIG_MEDIA_TYPE, config, config_size));
        json_object *layers = json_object_new_array();
        json_object_array_add(layers, descriptor(LAYER_MEDIA_TYPE, layer, layer_size));
        json_object_object_add(m, "layers", layers);
        char *text = xstrdup(json_object_to_json_string_ext(
                m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(m);
        return text;
}

static int make_builtin(struct cell_store *s, const char *busybox, struct cell_image *img,
                        struct cell_error *err)
{
        char layer[CELL_DIGEST_MAX], config[CELL_DIGEST_MAX], manifest[CELL_DIGEST_MAX];
        int64_t layer_size;
        if (write_layer(s, busybox, layer, &layer_size, err) < 0)
                return -1;
        _cleanup_free_ char *cfg = config_json(layer, busybox);
        if (cell_blob_put(s, cfg, strlen(cfg), config, err) < 0)
                return -1;
        _cleanup_free_ char *man = manifest_json(config, (int64_t)strlen(cfg), layer, layer_size);
        if (cell_blob_put(s, man, strlen(man), manifest, err) < 0)
                return -1;
        if (cell_layer_unpack(s, layer, layer, NULL, err) < 0)
                return -1;
        img->id = xstrdup(config);
        img->digest = xstrdup(manifest);
        img->manifest_media_type = xstrdup(MANIFEST_MEDIA_TYPE);
        img->names = xcalloc(2, sizeof(char *));
        img->names[0] = xstrdup(BUILTIN_NAME);
        img->n_names = 1;
        img->layers = xcalloc(1, sizeof(*img->layers));
        img->layers[0] = (struct cell_image_layer){.digest = xstrdup(layer),
                                                   .diff_id = xstrdup(layer),
                                                   .media_type = xstrdup(LAYER_MEDIA_TYPE),
                                                   .size = layer_size};
        img->n_layers = 1;
        img->size = layer_size + (int64_t)strlen(cfg);
        img->created = xstrdup(BUILTIN_CREATED);
        return 0;
}

int cell_image_builtin_busybox(struct cell_store *s, struct cell_image *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        const char *busybox = getenv("CELL_BUSYBOX");
        if (!busybox || !*busybox)
                busybox = "/bin/busybox";
        struct stat st;
        if (stat(busybox, &st) < 0)
                return cell_error_errno(err,
                                        "built-in image %s: %s (install Debian's busybox-static)",
                                        BUILTIN_NAME, busybox);
        if (!S_ISREG(st.st_mode))
                return cell_error_set(err, 0, "built-in image %s: %s: not a regular file",
                                      BUILTIN_NAME, busybox);
        /* Its blobs must not be collected between being written and recorded. */
        if (cell_store_lock_shared(s, err) < 0)
                return -1;
        struct cell_image img = {0};
        if (make_builtin(s, busybox, &img, err) < 0 || cell_image_add(s, &img, NULL, err) < 0) {
                cell_image_release(&img);
                return cell_error_prefix(err, "built-in image %s", BUILTIN_NAME);
        }
        *out = img;
        return 0;
}
