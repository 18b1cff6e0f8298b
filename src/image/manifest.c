/* SPDX-License-Identifier: Apache-2.0 */
#include "image/manifest.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/registry_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *const layer_types[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar.zstd",
};

bool cell_layer_media_type_known(const char *media_type)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(layer_types); i++)
                if (strcmp(media_type, layer_types[i]) == 0)
                        return true;
        return false;
}

static void descriptor_release(struct cell_descriptor *d)
{
        free(d->media_type);
        free(d->digest);
        free(d->os);
        free(d->arch);
        free(d->variant);
        memset(d, 0, sizeof(*d));
}

void cell_manifest_release(struct cell_manifest *m)
{
        free(m->media_type);
        descriptor_release(&m->config);
        for (size_t i = 0; i < m->n_entries; i++)
                descriptor_release(&m->entries[i]);
        free(m->entries);
        memset(m, 0, sizeof(*m));
}

static const char *get_string(json_object *o, const char *key)
{
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int parse_descriptor(json_object *o, const char *what, const char *role,
                            struct cell_descriptor *d, struct cell_error *err)
{
        if (!json_object_is_type(o, json_type_object))
                return cell_error_set(err, 0, "%s: %s is not an object", what, role);
        const char *mt = get_string(o, "mediaType"), *digest = get_string(o, "digest");
        json_object *size;
        if (!mt)
                return cell_error_set(err, 0, "%s: %s has no mediaType", what, role);
        if (!cell_digest_valid(digest))
                return cell_error_set(err, 0, "%s: %s has an invalid or unsupported digest \"%s\"",
                                      what, role, digest ? digest : "");
        if (!json_object_object_get_ex(o, "size", &size) ||
            !json_object_is_type(size, json_type_int) || json_object_get_int64(size) < 0)
                return cell_error_set(err, 0, "%s: %s %s has no valid size", what, role, digest);
        d->media_type = xstrdup(mt);
        d->digest = xstrdup(digest);
        d->size = json_object_get_int64(size);
        json_object *platform;
        if (json_object_object_get_ex(o, "platform", &platform)) {
                d->os = xstrdup_or_null(get_string(platform, "os"));
                d->arch = xstrdup_or_null(get_string(platform, "architecture"));
                d->variant = xstrdup_or_null(get_string(platform, "variant"));
        }
        return 0;
}

static bool is_index_type(const char *mt)
{
        return strcmp(mt, CELL_MT_OCI_INDEX) == 0 || strcmp(mt, CELL_MT_DOCKER_LIST) == 0;
}

static bool is_manifest_type(const char *mt)
{
        return strcmp(mt, CELL_MT_OCI_MANIFEST) == 0 || strcmp(mt, CELL_MT_DOCKER_MANIFEST) == 0;
}

/* The media type: the document's own mediaType, which must agree with the
 * Content-Type when that names a manifest type; else the Content-Type. */
static int media_type_of(json_object *root, const char *content_type, const char *what, char **out,
                         struct cell_error *err)
{
        _cleanup_free_ char *ct = NULL;
        if (content_type) {
                ct = xstrndup(content_type, strcspn(content_type, "; "));
                if (!is_index_type(ct) && !is_manifest_type(ct))
                        free(ct), ct = NULL; /* text/plain, application/json: say nothing */
        }
        const char *own = get_string(root, "mediaType");
        if (own && ct && strcmp(own, ct) != 0)
                return cell_error_set(err, 0, "%s: served as %s but says it is %s", what, ct, own);
        const char *mt = own ? own : ct;
        if (!mt) {
                json_object *v;
                if (json_object_object_get_ex(root, "schemaVersion", &v) &&
                    json_object_get_int(v) == 1)
                        return cell_error_set(
                                err, 0, "%s: docker schema 1 manifests are not supported", what);
                return cell_error_set(err, 0, "%s: no media type", what);
        }
        if (!is_index_type(mt) && !is_manifest_type(mt))
                return cell_error_set(err, 0, "%s: unsupported media type %s", what, mt);
        *out = xstrdup(mt);
        return 0;
}

static int parse_image_manifest(json_object *root, const char *what, struct cell_manifest *m,
                                struct cell_error *err)
{
        json_object *config, *layers;
        if (!json_object_object_get_ex(root, "config", &config))
                return cell_error_set(err, 0, "%s: no config", what);
        if (parse_descriptor(config, what, "config", &m->config, err) < 0)
                return -1;
        if (strcmp(m->config.media_type, CELL_MT_OCI_CONFIG) != 0 &&
            strcmp(m->config.media_type, CELL_MT_DOCKER_CONFIG) != 0)
                return cell_error_set(err, 0,
                                      "%s: config %s has media type %s, not an image config", what,
                                      m->config.digest, m->config.media_type);
        if (!json_object_object_get_ex(root, "layers", &layers) ||
            !json_object_is_type(layers, json_type_array))
                return cell_error_set(err, 0, "%s: no layers array", what);
        size_t n = json_object_array_length(layers);
        m->entries = xcalloc(n ? n : 1, sizeof(*m->entries));
        for (size_t i = 0; i < n; i++) {
                if (parse_descriptor(json_object_array_get_idx(layers, i), what, "layer",
                                     &m->entries[i], err) < 0)
                        return -1;
                m->n_entries++;
                if (!cell_layer_media_type_known(m->entries[i].media_type))
                        return cell_error_set(err, 0, "%s: layer %s has unsupported media type %s",
                                              what, m->entries[i].digest, m->entries[i].media_type);
        }
        return 0;
}

static int parse_index(json_object *root, const char *what, struct cell_manifest *m,
                       struct cell_error *err)
{
        json_object *list;
        if (!json_object_object_get_ex(root, "manifests", &list) ||
            !json_object_is_type(list, json_type_array))
                return cell_error_set(err, 0, "%s: no manifests array", what);
        size_t n = json_object_array_length(list);
        m->entries = xcalloc(n ? n : 1, sizeof(*m->entries));
        for (size_t i = 0; i < n; i++) {
                if (parse_descriptor(json_object_array_get_idx(list, i), what, "manifest",
                                     &m->entries[i], err) < 0)
                        return -1;
                m->n_entries++;
        }
        return 0;
}

int cell_manifest_parse(const char *body, size_t len, const char *content_type, const char *what,
                        struct cell_manifest *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        json_tokener *tok = json_tokener_new();
        _cleanup_(json_object_putp) json_object *root = json_tokener_parse_ex(tok, body, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (!root || jerr != json_tokener_success)
                return cell_error_set(
                        err, 0, "%s: not JSON (%s)", what,
                        json_tokener_error_desc(jerr != json_tokener_success
                                                        ? jerr
                                                        : json_tokener_error_parse_eof));
        if (!json_object_is_type(root, json_type_object))
                return cell_error_set(err, 0, "%s: not a JSON object", what);
        if (media_type_of(root, content_type, what, &out->media_type, err) < 0)
                return -1;
        json_object *v;
        if (!json_object_object_get_ex(root, "schemaVersion", &v) || json_object_get_int(v) != 2) {
                cell_manifest_release(out);
                return cell_error_set(err, 0, "%s: schemaVersion is not 2", what);
        }
        out->is_index = is_index_type(out->media_type);
        int r = out->is_index ? parse_index(root, what, out, err)
                              : parse_image_manifest(root, what, out, err);
        if (r < 0)
                cell_manifest_release(out);
        return r;
}

/* This machine as OCI names it (GOARCH), from uname's machine. */
static void host_platform(struct cell_platform *p)
{
        static const struct {
                const char *machine, *arch, *variant;
        } map[] = {
                {"x86_64", "amd64", NULL}, {"aarch64", "arm64", NULL}, {"armv7l", "arm", "v7"},
                {"armv6l", "arm", "v6"},   {"i686", "386", NULL},      {"i386", "386", NULL},
        };
        struct utsname u;
        if (uname(&u) < 0)
                strcpy(u.machine, "x86_64");
        p->os = xstrdup("linux");
        for (size_t i = 0; i < CELL_ARRAY_SIZE(map); i++) {
                if (strcmp(u.machine, map[i].machine) == 0) {
                        p->arch = xstrdup(map[i].arch);
                        p->variant = xstrdup_or_null(map[i].variant);
                        return;
                }
        }
        p->arch = xstrdup(u.machine); /* ppc64le, s390x, riscv64: the same in both */
}

int cell_platform_parse(const char *text, struct cell_platform *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (!text || !*text) {
                host_platform(out);
                return 0;
        }
        const char *slash = strchr(text, '/');
        const char *slash2 = slash ? strchr(slash + 1, '/') : NULL;
        if (!slash || slash == text || slash[1] == '\0' || slash[1] == '/' ||
            (slash2 && (slash2[1] == '\0' || strchr(slash2 + 1, '/'))))
                return cell_error_set(err, 0, "invalid platform \"%s\": want os/arch[/variant]",
                                      text);
        out->os = xstrndup(text, (size_t)(slash - text));
        out->arch = slash2 ? xstrndup(slash + 1, (size_t)(slash2 - slash - 1)) : xstrdup(slash + 1);
        out->variant = slash2 ? xstrdup(slash2 + 1) : NULL;
        return 0;
}

void cell_platform_release(struct cell_platform *p)
{
        free(p->os);
        free(p->arch);
        free(p->variant);
        memset(p, 0, sizeof(*p));
}

char *cell_platform_string(const struct cell_platform *p)
{
        if (p->variant && *p->variant)
                return xasprintf("%s/%s/%s", p->os, p->arch, p->variant);
        return xasprintf("%s/%s", p->os, p->arch);
}

static bool variant_matches(const char *arch, const char *want, const char *have)
{
        if (!want || !*want)
                return true;
        if (have && strcmp(want, have) == 0)
                return true;
        /* arm64 images mostly say no variant; v8 is the only one there is. */
        return strcmp(arch, "arm64") == 0 && strcmp(want, "v8") == 0 && (!have || !*have);
}

int cell_manifest_select(const struct cell_manifest *index, const struct cell_platform *want,
                         const char *ref, const struct cell_descriptor **out,
                         struct cell_error *err)
{
        for (size_t i = 0; i < index->n_entries; i++) {
                const struct cell_descriptor *d = &index->entries[i];
                if (d->os && d->arch && strcmp(d->os, want->os) == 0 &&
                    strcmp(d->arch, want->arch) == 0 &&
                    variant_matches(want->arch, want->variant, d->variant)) {
                        *out = d;
                        return 0;
                }
        }
        char *have = xstrdup("");
        for (size_t i = 0; i < index->n_entries; i++) {
                const struct cell_descriptor *d = &index->entries[i];
                struct cell_platform p = {.os = d->os ? d->os : "?",
                                          .arch = d->arch ? d->arch : "?",
                                          .variant = d->variant};
                _cleanup_free_ char *s = cell_platform_string(&p);
                char *joined = xasprintf("%s%s%s", have, *have ? ", " : "", s);
                free(have);
                have = joined;
        }
        _cleanup_free_ char *w = cell_platform_string(want);
        cell_error_set(err, 0, "no manifest for %s in %s (have: %s)", w, ref,
                       *have ? have : "none");
        free(have);
        return -1;
}
