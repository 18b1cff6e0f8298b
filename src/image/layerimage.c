/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/archive_internal.h"
#include "image/archive_source.h"
#include "image/layerimage.h"
#include "image/manifest.h"
#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

/* ---- --change ---------------------------------------------------------------------- */

/* CMD/ENTRYPOINT: a JSON array of strings, else the shell form ["/bin/sh", "-c", ARG]. */
static json_object *command_value(const char *arg)
{
        json_object *v = json_tokener_parse(arg);
        bool ok = v && json_object_is_type(v, json_type_array);
        for (size_t i = 0; ok && i < json_object_array_length(v); i++)
                ok = json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
        if (ok)
                return v;
        json_object_put(v);
        v = json_object_new_array();
        json_object_array_add(v, json_object_new_string("/bin/sh"));
        json_object_array_add(v, json_object_new_string("-c"));
        json_object_array_add(v, json_object_new_string(arg));
        return v;
}

static json_object *object_at(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
                v = json_object_new_object();
                json_object_object_add(o, key, v);
        }
        return v;
}

/* "K=V K2=V2" (or the old "K V") into the array "Env" or the object "Labels". */
static int key_values(json_object *config, const char *what, const char *arg, bool env,
                      struct cell_error *err)
{
        const char *eq = strchr(arg, '='), *sp = strpbrk(arg, " \t");
        if (!eq || (sp && sp < eq)) {
                if (!sp)
                        return cell_error_set(err, 0, "--change \"%s %s\": want KEY=VALUE", what,
                                              arg);
                _cleanup_free_ char *k = xstrndup(arg, (size_t)(sp - arg));
                _cleanup_free_ char *pair = xasprintf("%s=%s", k, sp + strspn(sp, " \t"));
                return key_values(config, what, pair, env, err);
        }
        /* K=V pairs separated by blanks; a value may be quoted with "". */
        _cleanup_free_ char *copy = xstrdup(arg);
        char *p = copy;
        while (*p) {
                p += strspn(p, " \t");
                if (!*p)
                        break;
                char *key = p, *e = strchr(p, '=');
                if (!e)
                        return cell_error_set(err, 0, "--change \"%s %s\": want KEY=VALUE", what,
                                              arg);
                *e = '\0';
                char *val = e + 1, *end;
                if (*val == '"') {
                        val++;
                        end = strchr(val, '"');
                        if (!end)
                                return cell_error_set(
                                        err, 0, "--change \"%s %s\": unbalanced quote", what, arg);
                } else {
                        end = val + strcspn(val, " \t");
                }
                char saved = *end;
                *end = '\0';
                if (env) {
                        json_object *list;
                        if (!json_object_object_get_ex(config, "Env", &list) ||
                            !json_object_is_type(list, json_type_array)) {
                                list = json_object_new_array();
                                json_object_object_add(config, "Env", list);
                        }
                        /* A later value of the same variable replaces the earlier. */
                        size_t klen = strlen(key);
                        for (size_t i = json_object_array_length(list); i-- > 0;) {
                                const char *cur =
                                        json_object_get_string(json_object_array_get_idx(list, i));
                                if (cur && strncmp(cur, key, klen) == 0 && cur[klen] == '=')
                                        json_object_array_del_idx(list, i, 1);
                        }
                        _cleanup_free_ char *kv = xasprintf("%s=%s", key, val);
                        json_object_array_add(list, json_object_new_string(kv));
                } else {
                        json_object_object_add(object_at(config, "Labels"), key,
                                               json_object_new_string(val));
                }
                p = saved ? end + 1 : end;
        }
        return 0;
}

int cell_image_config_change(json_object *config, const char *change, struct cell_error *err)
{
        const char *p = change + strspn(change, " \t");
        size_t n = strcspn(p, " \t");
        _cleanup_free_ char *word = xstrndup(p, n);
        for (char *c = word; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        const char *arg = p + n;
        arg += strspn(arg, " \t");
        if (!*arg)
                return cell_error_set(err, 0, "--change \"%s\": no value", change);
        if (strcmp(word, "CMD") == 0 || strcmp(word, "ENTRYPOINT") == 0) {
                json_object_object_add(config, word[0] == 'C' ? "Cmd" : "Entrypoint",
                                       command_value(arg));
        } else if (strcmp(word, "ENV") == 0 || strcmp(word, "LABEL") == 0) {
                return key_values(config, word, arg, word[0] == 'E', err);
        } else if (strcmp(word, "WORKDIR") == 0 || strcmp(word, "USER") == 0 ||
                   strcmp(word, "STOPSIGNAL") == 0) {
                const char *key = word[0] == 'W'   ? "WorkingDir"
                                  : word[0] == 'U' ? "User"
                                                   : "StopSignal";
                json_object_object_add(config, key, json_object_new_string(arg));
        } else if (strcmp(word, "EXPOSE") == 0 || strcmp(word, "VOLUME") == 0) {
                json_object *set = object_at(config, word[0] == 'E' ? "ExposedPorts" : "Volumes");
                _cleanup_free_ char *copy = xstrdup(arg);
                char *save = NULL;
                for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                        _cleanup_free_ char *key = word[0] == 'E' && !strchr(t, '/')
                                                           ? xasprintf("%s/tcp", t)
                                                           : xstrdup(t);
                        json_object_object_add(set, key, json_object_new_object());
                }
        } else {
                return cell_error_set(err, 0,
                                      "--change \"%s\": unknown instruction %s (CMD, ENTRYPOINT, "
                                      "ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)",
                                      change, word);
        }
        return 0;
}

/* ---- the image ----------------------------------------------------------------------- */

static char *now_rfc3339(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char buf[64];
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

static json_object *new_config(void)
{
        struct cell_platform p;
        struct cell_error ignored;
        json_object *c = json_object_new_object();
        if (cell_platform_parse(NULL, &p, &ignored) == 0) {
                json_object_object_add(c, "architecture", json_object_new_string(p.arch));
                if (p.variant)
                        json_object_object_add(c, "variant", json_object_new_string(p.variant));
                cell_platform_release(&p);
        }
        json_object_object_add(c, "os", json_object_new_string("linux"));
        json_object_object_add(c, "config", json_object_new_object());
        return c;
}

static json_object *array_at(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array)) {
                v = json_object_new_array();
                json_object_object_add(o, key, v);
        }
        return v;
}

/* The new config: `config` (taken) plus the layer, the history entry and the changes. */
static int finish_config(json_object *config, const char *diff_id,
                         const struct cell_layer_image_opts *o, struct cell_error *err)
{
        _cleanup_free_ char *now = now_rfc3339();
        json_object_object_add(config, "created", json_object_new_string(now));
        if (o->author)
                json_object_object_add(config, "author", json_object_new_string(o->author));
        json_object *rootfs = object_at(config, "rootfs");
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_array_add(array_at(rootfs, "diff_ids"), json_object_new_string(diff_id));
        json_object *h = json_object_new_object();
        json_object_object_add(h, "created", json_object_new_string(now));
        if (o->author)
                json_object_object_add(h, "author", json_object_new_string(o->author));
        json_object_object_add(h, "created_by", json_object_new_string(o->created_by ?: ""));
        if (o->comment)
                json_object_object_add(h, "comment", json_object_new_string(o->comment));
        json_object_array_add(array_at(config, "history"), h);
        json_object *cc = object_at(config, "config");
        for (size_t i = 0; i < o->n_changes; i++) {
                if (cell_image_config_change(cc, o->changes[i], err) < 0)
                        return -1;
        }
        return 0;
}

/* OCI media types for a base layer that a docker manifest described. */
static const char *oci_layer_type(const char *mt)
{
        if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip") == 0)
                return "application/vnd.oci.image.layer.v1.tar+gzip";
        if (strcmp(mt, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") == 0)
                return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
        if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
                return LAYER_TAR;
        if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.zstd") == 0)
                return "application/vnd.oci.image.layer.v1.tar+zstd";
        return mt;
}

/* Store `config`, a manifest for it, and add the image `base` + the new layer. */
static int add_layer_image(struct cell_store *s, const struct cell_image *base, json_object *config,
                           const char *layer, int64_t layer_size,
                           const struct cell_layer_image_opts *o, char id_out[CELL_DIGEST_MAX],
                           struct cell_error *err)
{
        const char *text = json_object_to_json_string_ext(
                config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t config_len = strlen(text);
        char config_digest[CELL_DIGEST_MAX], manifest_digest[CELL_DIGEST_MAX];
        if (cell_blob_put(s, text, config_len, config_digest, err) < 0)
                return -1;
        size_t n = base ? base->n_layers : 0;
        struct cell_image img = {0};
        img.layers = xcalloc(n + 1, sizeof(*img.layers));
        img.n_layers = n + 1;
        json_object *m = json_object_new_object(), *layers = json_object_new_array();
        json_object_object_add(m, "schemaVersion", json_object_new_int(2));
        json_object_object_add(m, "mediaType", json_object_new_string(CELL_MT_OCI_MANIFEST));
        json_object_object_add(
                m, "config",
                archive_descriptor(CELL_MT_OCI_CONFIG, config_digest, (int64_t)config_len));
        img.size = (int64_t)config_len;
        for (size_t i = 0; i <= n; i++) {
                struct cell_image_layer *l = &img.layers[i];
                if (i < n) {
                        l->digest = xstrdup(base->layers[i].digest);
                        l->diff_id = xstrdup(base->layers[i].diff_id);
                        l->media_type = xstrdup(oci_layer_type(base->layers[i].media_type));
                        l->size = base->layers[i].size;
                } else {
                        l->digest = xstrdup(layer);
                        l->diff_id = xstrdup(layer);
                        l->media_type = xstrdup(LAYER_TAR);
                        l->size = layer_size;
                }
                img.size += l->size;
                json_object_array_add(layers,
                                      archive_descriptor(l->media_type, l->digest, l->size));
        }
        json_object_object_add(m, "layers", layers);
        text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = cell_blob_put(s, text, strlen(text), manifest_digest, err);
        json_object_put(m);
        if (r == 0) {
                json_object *created;
                img.id = xstrdup(config_digest);
                img.digest = xstrdup(manifest_digest);
                img.manifest_media_type = xstrdup(CELL_MT_OCI_MANIFEST);
                if (json_object_object_get_ex(config, "created", &created))
                        img.created = xstrdup(json_object_get_string(created));
                r = cell_image_add(s, &img, o->name, err);
        }
        if (r == 0)
                snprintf(id_out, CELL_DIGEST_MAX, "%s", config_digest);
        cell_image_release(&img);
        return r;
}

/* Unpack the uncompressed layer blob `digest` (its own diff id) and return its size. */
static int unpack_new_layer(struct cell_store *s, const char *digest, int64_t *size,
                            struct cell_error *err)
{
        if (cell_layer_unpack(s, digest, digest, NULL, err) < 0)
                return -1;
        _cleanup_close_ int fd = cell_blob_open(s, digest, err);
        struct stat st;
        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0)
                return cell_error_errno(err, "blob %s", digest);
        *size = st.st_size;
        return 0;
}

static int blob_sink(void *opaque, const void *buf, size_t len, struct cell_error *err)
{
        return cell_blob_writer_write(opaque, buf, len, err);
}

int cell_image_commit(struct cell_store *s, const struct cell_image *base, const char *upper,
                      const struct cell_layer_image_opts *o, char id_out[CELL_DIGEST_MAX],
                      struct cell_error *err)
{
        struct cell_blob_writer *w;
        char digest[CELL_DIGEST_MAX];
        int64_t size;
        if (cell_blob_writer_open(s, NULL, &w, NULL, err) < 0)
                return -1;
        if (cell_layer_tar_from_dir(upper, CELL_TAR_TREE_OVERLAY_UPPER, blob_sink, w, err) < 0) {
                cell_blob_writer_abort(w, false);
                return -1;
        }
        if (cell_blob_writer_commit(w, digest, err) < 0 ||
            unpack_new_layer(s, digest, &size, err) < 0)
                return -1;
        json_object *config;
        if (cell_image_config(s, base, &config, err) < 0)
                return -1;
        int r = finish_config(config, digest, o, err);
        if (r == 0)
                r = add_layer_image(s, base, config, digest, size, o, id_out, err);
        json_object_put(config);
        return r;
}

/* The tar at `fd`, decompressed whatever its compression, into a new blob. */
static int import_blob(struct cell_store *s, int fd, const char *label,
                       char digest[CELL_DIGEST_MAX], struct cell_error *err)
{
        struct archive *a = archive_read_new();
        if (!a)
                abort();
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        struct archive_entry *e;
        struct cell_blob_writer *w = NULL;
        int r = 0;
        if (archive_read_open_fd(a, fd, 1024 * 1024) != ARCHIVE_OK ||
            archive_read_next_header(a, &e) != ARCHIVE_OK)
                r = cell_error_set(err, 0, "%s: %s", label, archive_error_string(a) ?: "empty");
        if (r == 0)
                r = cell_blob_writer_open(s, NULL, &w, NULL, err);
        const void *buf;
        size_t len;
        la_int64_t off;
        int rc = ARCHIVE_OK;
        while (r == 0 && (rc = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
                r = cell_blob_writer_write(w, buf, len, err);
        if (r == 0 && rc != ARCHIVE_EOF)
                r = cell_error_set(err, 0, "%s: %s", label,
                                   archive_error_string(a) ?: "read failed");
        archive_read_free(a);
        if (r < 0) {
                cell_blob_writer_abort(w, false);
                return -1;
        }
        return cell_blob_writer_commit(w, digest, err);
}

int cell_image_import(struct cell_store *s, const char *path, const struct cell_layer_image_opts *o,
                      char id_out[CELL_DIGEST_MAX], struct cell_error *err)
{
        bool is_stdin = strcmp(path, "-") == 0;
        const char *label = is_stdin ? "standard input" : path;
        _cleanup_close_ int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return cell_error_errno(err, "import %s", label);
        if (S_ISDIR(st.st_mode))
                return cell_error_set(err, EISDIR, "import %s: a directory, not a tar", label);
        char digest[CELL_DIGEST_MAX];
        int64_t size;
        if (import_blob(s, fd, label, digest, err) < 0 ||
            unpack_new_layer(s, digest, &size, err) < 0)
                return cell_error_prefix(err, "import %s", label);
        json_object *config = new_config();
        _cleanup_free_ char *comment = xasprintf("Imported from %s", is_stdin ? "-" : path);
        struct cell_layer_image_opts with_comment = *o;
        if (!with_comment.comment)
                with_comment.comment = comment;
        int r = finish_config(config, digest, &with_comment, err);
        if (r == 0)
                r = add_layer_image(s, NULL, config, digest, size, o, id_out, err);
        json_object_put(config);
        return r < 0 ? cell_error_prefix(err, "import %s", label) : 0;
}
