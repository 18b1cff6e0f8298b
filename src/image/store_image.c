/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image records: images.json, read without a lock (it is only ever replaced
 * by rename) and rewritten under meta.lock.  Lookup rules are in store.h.
 */
#include "image/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* images.json of 100,000 images is ~100 MB: far more than anyone keeps. */
#define IMAGES_JSON_MAX ((size_t)256 << 20)
#define CONFIG_MAX ((size_t)16 << 20)

/* ---- records in memory ---- */

void cell_image_release(struct cell_image *img)
{
        if (!img)
                return;
        free(img->id);
        free(img->digest);
        free(img->manifest_media_type);
        for (size_t i = 0; i < img->n_names; i++)
                free(img->names[i]);
        free(img->names);
        for (size_t i = 0; i < img->n_layers; i++) {
                free(img->layers[i].digest);
                free(img->layers[i].diff_id);
                free(img->layers[i].media_type);
        }
        free(img->layers);
        free(img->created);
        memset(img, 0, sizeof(*img));
}

void cell_image_list_free(struct cell_image *imgs, size_t n)
{
        for (size_t i = 0; imgs && i < n; i++)
                cell_image_release(&imgs[i]);
        free(imgs);
}

void cell_image_copy(struct cell_image *dst, const struct cell_image *src)
{
        memset(dst, 0, sizeof(*dst));
        dst->id = xstrdup_or_null(src->id);
        dst->digest = xstrdup_or_null(src->digest);
        dst->manifest_media_type = xstrdup_or_null(src->manifest_media_type);
        dst->names = xcalloc(src->n_names + 1, sizeof(char *));
        for (size_t i = 0; i < src->n_names; i++)
                dst->names[i] = xstrdup(src->names[i]);
        dst->n_names = src->n_names;
        dst->layers = xcalloc(src->n_layers + 1, sizeof(*dst->layers));
        for (size_t i = 0; i < src->n_layers; i++) {
                dst->layers[i].digest = xstrdup_or_null(src->layers[i].digest);
                dst->layers[i].diff_id = xstrdup_or_null(src->layers[i].diff_id);
                dst->layers[i].media_type = xstrdup_or_null(src->layers[i].media_type);
                dst->layers[i].size = src->layers[i].size;
        }
        dst->n_layers = src->n_layers;
        dst->size = src->size;
        dst->created = xstrdup_or_null(src->created);
}

static bool image_has_name(const struct cell_image *img, const char *name)
{
        for (size_t i = 0; i < img->n_names; i++)
                if (strcmp(img->names[i], name) == 0)
                        return true;
        return false;
}

static void image_add_name(struct cell_image *img, const char *name)
{
        if (image_has_name(img, name))
                return;
        img->names = xreallocarray(img->names, img->n_names + 2, sizeof(char *));
        img->names[img->n_names++] = xstrdup(name);
        img->names[img->n_names] = NULL;
}

static bool image_drop_name(struct cell_image *img, const char *name)
{
        for (size_t i = 0; i < img->n_names; i++) {
                if (strcmp(img->names[i], name) != 0)
                        continue;
                free(img->names[i]);
                memmove(&img->names[i], &img->names[i + 1], (img->n_names - i) * sizeof(char *));
                img->n_names--;
                return true;
        }
        return false;
}

/* ---- images.json ---- */

static const char *jstr(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int64_t jint(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return 0;
        return json_object_get_int64(v);
}

static int parse_record(json_object *o, struct cell_image *img, struct cell_error *err)
{
        memset(img, 0, sizeof(*img));
        const char *id = jstr(o, "id");
        if (!json_object_is_type(o, json_type_object) || !cell_digest_valid(id))
                return cell_error_set(err, 0, "a record without a valid \"id\"");
        img->id = xstrdup(id);
        img->digest = xstrdup_or_null(jstr(o, "digest"));
        img->manifest_media_type = xstrdup_or_null(jstr(o, "manifest_media_type"));
        img->created = xstrdup_or_null(jstr(o, "created"));
        img->size = jint(o, "size");
        json_object *names, *layers;
        size_t nn = json_object_object_get_ex(o, "names", &names) &&
                                    json_object_is_type(names, json_type_array)
                            ? json_object_array_length(names)
                            : 0;
        img->names = xcalloc(nn + 1, sizeof(char *));
        for (size_t i = 0; i < nn; i++) {
                const char *n = json_object_get_string(json_object_array_get_idx(names, i));
                if (n)
                        img->names[img->n_names++] = xstrdup(n);
        }
        size_t nl = json_object_object_get_ex(o, "layers", &layers) &&
                                    json_object_is_type(layers, json_type_array)
                            ? json_object_array_length(layers)
                            : 0;
        img->layers = xcalloc(nl + 1, sizeof(*img->layers));
        for (size_t i = 0; i < nl; i++) {
                json_object *l = json_object_array_get_idx(layers, i);
                struct cell_image_layer *il = &img->layers[img->n_layers++];
                il->digest = xstrdup_or_null(jstr(l, "digest"));
                il->diff_id = xstrdup_or_null(jstr(l, "diff_id"));
                il->media_type = xstrdup_or_null(jstr(l, "media_type"));
                il->size = jint(l, "size");
                if (!cell_digest_valid(il->digest) || !cell_digest_valid(il->diff_id))
                        return cell_error_set(err, 0, "image %s: layer %zu without valid digests",
                                              id, i);
        }
        return 0;
}

int store_images_parse(const char *text, struct cell_image **out, size_t *n,
                       struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        if (!text)
                return 0;
        enum json_tokener_error jerr;
        json_object *root = json_tokener_parse_verbose(text, &jerr);
        json_object *arr;
        if (!root || !json_object_object_get_ex(root, "images", &arr) ||
            !json_object_is_type(arr, json_type_array)) {
                json_object_put(root);
                return cell_error_set(err, 0, "not an object with an \"images\" array");
        }
        size_t len = json_object_array_length(arr);
        struct cell_image *imgs = xcalloc(len + 1, sizeof(*imgs));
        for (size_t i = 0; i < len; i++) {
                if (parse_record(json_object_array_get_idx(arr, i), &imgs[i], err) < 0) {
                        cell_image_list_free(imgs, i + 1);
                        json_object_put(root);
                        return -1;
                }
        }
        json_object_put(root);
        *out = imgs;
        *n = len;
        return 0;
}

static int load_images(struct cell_store *s, struct cell_image **out, size_t *n,
                       struct cell_error *err)
{
        _cleanup_close_ int fd = openat(s->root_fd, "images.json", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT)
                return store_images_parse(NULL, out, n, err);
        if (fd < 0)
                return cell_error_errno(err, "store %s: open images.json", s->root);
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ char *label = xasprintf("store %s: images.json", s->root);
        if (cell_read_fd(fd, label, IMAGES_JSON_MAX, &text, NULL, err) < 0)
                return -1;
        if (store_images_parse(text, out, n, err) < 0)
                return cell_error_prefix(err, "store %s: images.json", s->root);
        return 0;
}

static json_object *record_json(const struct cell_image *img)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(img->id));
        if (img->digest)
                json_object_object_add(o, "digest", json_object_new_string(img->digest));
        if (img->manifest_media_type)
                json_object_object_add(o, "manifest_media_type",
                                       json_object_new_string(img->manifest_media_type));
        json_object *names = json_object_new_array();
        for (size_t i = 0; i < img->n_names; i++)
                json_object_array_add(names, json_object_new_string(img->names[i]));
        json_object_object_add(o, "names", names);
        json_object *layers = json_object_new_array();
        for (size_t i = 0; i < img->n_layers; i++) {
                const struct cell_image_layer *l = &img->layers[i];
                json_object *lo = json_object_new_object();
                json_object_object_add(lo, "digest", json_object_new_string(l->digest));
                json_object_object_add(lo, "diff_id", json_object_new_string(l->diff_id));
                if (l->media_type)
                        json_object_object_add(lo, "media_type", json_object_new_string(l->media_type));
                json_object_object_add(lo, "size", json_object_new_int64(l->size));
                json_object_array_add(layers, lo);
        }
        json_object_object_add(o, "layers", layers);
        json_object_object_add(o, "size", json_object_new_int64(img->size));
        if (img->created)
                json_object_object_add(o, "created", json_object_new_string(img->created));
        return o;
}

/* Replace images.json: write a tmp file, fsync, rename, fsync the root.  Under meta.lock. */
static int save_images(struct cell_store *s, const struct cell_image *imgs, size_t n,
                       struct cell_error *err)
{
        json_object *root = json_object_new_object();
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(arr, record_json(&imgs[i]));
        json_object_object_add(root, "images", arr);
        size_t len;
        const char *text = json_object_to_json_string_length(
                root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        int r = -1;
        _cleanup_close_ int fd = openat(s->root_fd, "images.json.tmp",
                                        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                cell_error_errno(err, "store %s: create images.json.tmp", s->root);
        else if (cell_write_all(fd, text, len) < 0 || cell_write_all(fd, "\n", 1) < 0 || fsync(fd) < 0)
                cell_error_errno(err, "store %s: write images.json.tmp", s->root);
        else if (renameat(s->root_fd, "images.json.tmp", s->root_fd, "images.json") < 0)
                cell_error_errno(err, "store %s: rename images.json", s->root);
        else
                r = store_fsync_dir(s, ".", err);
        json_object_put(root);
        if (r < 0)
                unlinkat(s->root_fd, "images.json.tmp", 0);
        return r;
}

/* ---- lookup ---- */

static bool is_hex(const char *s, size_t min, size_t max)
{
        size_t len = strlen(s);
        if (len < min || len > max)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static const char *strip_sha256(const char *q)
{
        return strncmp(q, "sha256:", 7) == 0 ? q + 7 : q;
}

/* Index of the image that holds name `full` (fully qualified), or -1. */
static ssize_t find_name(const struct cell_image *imgs, size_t n, const char *full)
{
        for (size_t i = 0; i < n; i++)
                if (image_has_name(&imgs[i], full))
                        return (ssize_t)i;
        return -1;
}

/* An image whose manifest digest is `digest` and that has a name in repository `repo`. */
static ssize_t find_repo_digest(const struct cell_image *imgs, size_t n, const char *repo,
                                const char *digest)
{
        size_t rlen = strlen(repo);
        for (size_t i = 0; i < n; i++) {
                if (!imgs[i].digest || strcmp(imgs[i].digest, digest) != 0)
                        continue;
                for (size_t k = 0; k < imgs[i].n_names; k++) {
                        const char *nm = imgs[i].names[k];
                        if (strncmp(nm, repo, rlen) == 0 && (nm[rlen] == ':' || nm[rlen] == '@'))
                                return (ssize_t)i;
                }
        }
        return -1;
}

static ssize_t find_ref(const struct cell_image *imgs, size_t n, const struct cell_ref *ref)
{
        _cleanup_free_ char *repo = cell_ref_repository(ref);
        if (ref->digest)
                return find_repo_digest(imgs, n, repo, ref->digest);
        _cleanup_free_ char *full = cell_ref_string(ref);
        return find_name(imgs, n, full);
}

/*
 * The repositories a short name may mean, in search order (DESIGN.md):
 * docker.io/library/NAME (for a one-component name), docker.io/NAME,
 * localhost/NAME.
 */
static ssize_t find_short(const struct cell_image *imgs, size_t n, const struct cell_ref *ref)
{
        const char *path = ref->path;
        if (strncmp(path, "library/", 8) == 0 && !strchr(path + 8, '/'))
                path += 8;
        const char *domains[][2] = {{"docker.io", "library/"}, {"docker.io", ""}, {"localhost", ""}};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(domains); i++) {
                if (i == 0 && strchr(path, '/'))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s%s", domains[i][1], path);
                struct cell_ref c = {.domain = (char *)domains[i][0], .path = p, .tag = ref->tag,
                                     .digest = ref->digest};
                ssize_t k = find_ref(imgs, n, &c);
                if (k >= 0)
                        return k;
        }
        return -1;
}

static ssize_t find_index(const struct cell_image *imgs, size_t n, const char *q,
                          struct cell_error *err)
{
        const char *hex = strip_sha256(q);
        if (is_hex(hex, 64, 64))
                for (size_t i = 0; i < n; i++)
                        if (strcmp(imgs[i].id + 7, hex) == 0)
                                return (ssize_t)i;
        struct cell_ref ref;
        struct cell_error ignored = {0};
        if (hex == q && cell_ref_parse(q, &ref, &ignored) == 0) {
                ssize_t k = cell_ref_has_domain(q) ? find_ref(imgs, n, &ref) : find_short(imgs, n, &ref);
                cell_ref_release(&ref);
                if (k >= 0)
                        return k;
        }
        if (is_hex(hex, 3, 64)) {
                ssize_t found = -1;
                for (size_t i = 0; i < n; i++) {
                        if (strncmp(imgs[i].id + 7, hex, strlen(hex)) != 0)
                                continue;
                        if (found >= 0) {
                                cell_error_set(err, 0, "image id prefix %s is ambiguous", q);
                                err->errnum = EINVAL;
                                return -1;
                        }
                        found = (ssize_t)i;
                }
                if (found >= 0)
                        return found;
        }
        cell_error_set(err, 0, "image not known: %s", q);
        err->errnum = ENOENT;
        return -1;
}

char *cell_image_matched_name(const struct cell_image *img, const char *query)
{
        struct cell_ref ref;
        struct cell_error ignored = {0};
        if (strncmp(query, "sha256:", 7) == 0 || cell_ref_parse(query, &ref, &ignored) < 0)
                return NULL;
        char *found = NULL;
        if (!ref.digest) {
                /* One image at a time: which of its names the search reaches. */
                for (size_t i = 0; i < img->n_names && !found; i++) {
                        struct cell_image one = {.id = img->id, .names = &img->names[i], .n_names = 1};
                        ssize_t k = cell_ref_has_domain(query) ? find_ref(&one, 1, &ref)
                                                               : find_short(&one, 1, &ref);
                        if (k == 0)
                                found = xstrdup(img->names[i]);
                }
        }
        cell_ref_release(&ref);
        return found;
}

int cell_image_list(struct cell_store *s, struct cell_image **out, size_t *n,
                    struct cell_error *err)
{
        return load_images(s, out, n, err);
}

int cell_image_find(struct cell_store *s, const char *name_or_id, struct cell_image *out,
                    struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        struct cell_image *imgs;
        size_t n;
        if (load_images(s, &imgs, &n, err) < 0)
                return -1;
        ssize_t i = find_index(imgs, n, name_or_id, err);
        if (i >= 0)
                cell_image_copy(out, &imgs[i]);
        cell_image_list_free(imgs, n);
        return i >= 0 ? 0 : -1;
}

/* "busybox", "busybox:latest", "localhost/busybox[:latest]": the built-in image's names. */
static bool names_builtin(const char *q)
{
        struct cell_ref ref;
        struct cell_error ignored = {0};
        if (cell_ref_parse(q, &ref, &ignored) < 0)
                return false;
        bool yes = !ref.digest && strcmp(ref.tag, "latest") == 0 &&
                   ((!cell_ref_has_domain(q) && strcmp(ref.path, "library/busybox") == 0) ||
                    (strcmp(ref.domain, "localhost") == 0 && strcmp(ref.path, "busybox") == 0));
        cell_ref_release(&ref);
        return yes;
}

int cell_image_lookup(struct cell_store *s, const char *name_or_id, struct cell_image *out,
                      struct cell_error *err)
{
        if (cell_image_find(s, name_or_id, out, err) == 0)
                return 0;
        if (err->errnum != ENOENT || !names_builtin(name_or_id))
                return -1;
        cell_error_clear(err);
        return cell_image_builtin_busybox(s, out, err);
}

/* ---- changes, each a read-modify-write of images.json under meta.lock ---- */

/* The normalized form of reference `name` ("docker.io/library/x:latest").  NULL on error. */
static char *normalize_name(const char *name, struct cell_error *err)
{
        struct cell_ref ref;
        if (cell_ref_parse(name, &ref, err) < 0)
                return NULL;
        char *full = cell_ref_string(&ref);
        cell_ref_release(&ref);
        return full;
}

static void drop_name_everywhere(struct cell_image *imgs, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                image_drop_name(&imgs[i], name);
}

static int check_blobs(struct cell_store *s, const struct cell_image *img, struct cell_error *err)
{
        if (cell_digest_check(img->id, "image id", err) < 0)
                return -1;
        if (img->digest && cell_digest_check(img->digest, "manifest digest", err) < 0)
                return -1;
        const char *need[2] = {img->id, img->digest};
        for (size_t i = 0; i < 2; i++)
                if (need[i] && !cell_blob_exists(s, need[i]))
                        return cell_error_set(err, ENOENT, "image %s: blob %s not in the store",
                                              img->id, need[i]);
        for (size_t i = 0; i < img->n_layers; i++) {
                const struct cell_image_layer *l = &img->layers[i];
                if (cell_digest_check(l->digest, "layer digest", err) < 0 ||
                    cell_digest_check(l->diff_id, "layer diff id", err) < 0)
                        return -1;
                if (!cell_blob_exists(s, l->digest) && !cell_layer_exists(s, l->diff_id))
                        return cell_error_set(err, ENOENT, "image %s: layer %s not in the store",
                                              img->id, l->digest);
        }
        return 0;
}

/* Apply `change` to the loaded list under meta.lock and save it when it returns 1. */
typedef int (*images_change_fn)(struct cell_image **imgs, size_t *n, void *arg,
                                struct cell_error *err);

static int images_update(struct cell_store *s, images_change_fn change, void *arg,
                         struct cell_error *err)
{
        _cleanup_close_ int lock = store_meta_lock(s, err);
        if (lock < 0)
                return -1;
        struct cell_image *imgs;
        size_t n;
        if (load_images(s, &imgs, &n, err) < 0)
                return -1;
        int r = change(&imgs, &n, arg, err);
        if (r > 0)
                r = save_images(s, imgs, n, err);
        cell_image_list_free(imgs, n);
        return r;
}

struct add_arg {
        const struct cell_image *img;
        char **names; /* normalized, NULL-terminated */
};

static int change_add(struct cell_image **imgs, size_t *n, void *arg, struct cell_error *err)
{
        (void)err;
        struct add_arg *a = arg;
        for (char **nm = a->names; *nm; nm++)
                drop_name_everywhere(*imgs, *n, *nm);
        struct cell_image *target = NULL;
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*imgs)[i].id, a->img->id) == 0)
                        target = &(*imgs)[i];
        if (target) {
                /* Same config: the same image, perhaps from another manifest (a
                 * re-compressed push).  The newest record wins, names add up. */
                char **old = target->names;
                size_t n_old = target->n_names;
                target->names = NULL;
                target->n_names = 0;
                cell_image_release(target);
                cell_image_copy(target, a->img);
                for (size_t i = 0; i < target->n_names; i++)
                        free(target->names[i]);
                target->n_names = 0;
                for (size_t i = 0; i < n_old; i++)
                        image_add_name(target, old[i]);
                cell_strv_free(old);
        } else {
                *imgs = xreallocarray(*imgs, *n + 1, sizeof(**imgs));
                target = &(*imgs)[(*n)++];
                cell_image_copy(target, a->img);
                for (size_t i = 0; i < target->n_names; i++)
                        free(target->names[i]);
                target->n_names = 0;
        }
        for (char **nm = a->names; *nm; nm++)
                image_add_name(target, *nm);
        return 1;
}

int cell_image_add(struct cell_store *s, const struct cell_image *img, const char *name,
                   struct cell_error *err)
{
        if (check_blobs(s, img, err) < 0)
                return -1;
        _cleanup_strv_ char **names = xcalloc(img->n_names + 2, sizeof(char *));
        size_t k = 0;
        for (size_t i = 0; i <= img->n_names; i++) {
                const char *nm = i < img->n_names ? img->names[i] : name;
                if (!nm)
                        continue;
                names[k] = normalize_name(nm, err);
                if (!names[k])
                        return cell_error_prefix(err, "image %s", img->id);
                k++;
        }
        struct add_arg a = {.img = img, .names = names};
        return images_update(s, change_add, &a, err);
}

struct tag_arg {
        const char *id;
        const char *name; /* normalized */
        const char *query;
};

static int change_tag(struct cell_image **imgs, size_t *n, void *arg, struct cell_error *err)
{
        struct tag_arg *a = arg;
        for (size_t i = 0; i < *n; i++) {
                if (strcmp((*imgs)[i].id, a->id) != 0)
                        continue;
                drop_name_everywhere(*imgs, *n, a->name);
                image_add_name(&(*imgs)[i], a->name);
                return 1;
        }
        /* Removed between our lookup and the lock. */
        cell_error_set(err, 0, "image not known: %s", a->query);
        err->errnum = ENOENT;
        return -1;
}

int cell_image_tag(struct cell_store *s, const char *name_or_id, const char *new_name,
                   struct cell_error *err)
{
        _cleanup_free_ char *full = normalize_name(new_name, err);
        if (!full)
                return -1;
        struct cell_image img;
        if (cell_image_lookup(s, name_or_id, &img, err) < 0)
                return -1;
        struct tag_arg a = {.id = img.id, .name = full, .query = name_or_id};
        int r = images_update(s, change_tag, &a, err);
        cell_image_release(&img);
        return r;
}

static int change_untag(struct cell_image **imgs, size_t *n, void *arg, struct cell_error *err)
{
        struct tag_arg *a = arg;
        for (size_t i = 0; i < *n; i++)
                if (image_drop_name(&(*imgs)[i], a->name))
                        return 1;
        cell_error_set(err, 0, "image not known: %s", a->query);
        err->errnum = ENOENT;
        return -1;
}

int cell_image_untag(struct cell_store *s, const char *name, struct cell_error *err)
{
        _cleanup_free_ char *full = normalize_name(name, err);
        if (!full)
                return -1;
        struct tag_arg a = {.name = full, .query = name};
        return images_update(s, change_untag, &a, err);
}

static int change_remove(struct cell_image **imgs, size_t *n, void *arg, struct cell_error *err)
{
        struct tag_arg *a = arg;
        for (size_t i = 0; i < *n; i++) {
                if (strcmp((*imgs)[i].id, a->id) != 0)
                        continue;
                cell_image_release(&(*imgs)[i]);
                memmove(&(*imgs)[i], &(*imgs)[i + 1], (*n - i - 1) * sizeof(**imgs));
                (*n)--;
                return 1;
        }
        cell_error_set(err, 0, "image not known: %s", a->id);
        err->errnum = ENOENT;
        return -1;
}

int cell_image_remove(struct cell_store *s, const char *id, struct cell_error *err)
{
        struct tag_arg a = {.id = id};
        return images_update(s, change_remove, &a, err);
}

int cell_image_config(struct cell_store *s, const struct cell_image *img,
                      struct json_object **out, struct cell_error *err)
{
        *out = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (cell_blob_read(s, img->id, CONFIG_MAX, &text, &len, err) < 0)
                return cell_error_prefix(err, "image %s: config", img->id);
        json_tokener *tok = json_tokener_new();
        json_object *cfg = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (!cfg || jerr != json_tokener_success || !json_object_is_type(cfg, json_type_object)) {
                json_object_put(cfg);
                return cell_error_set(err, 0, "image %s: config: not a JSON object%s%s", img->id,
                                      jerr != json_tokener_success ? ": " : "",
                                      jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "");
        }
        *out = cfg;
        return 0;
}
