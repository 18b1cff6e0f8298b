/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `mounts` array and the translation of mount options into mount(2) and
 * mount_setattr(2) terms, with the option set runc accepts.
 *
 * Destinations must be absolute.  runc 1.1 still tolerates relative ones
 * with a warning for very old specs; runtime-spec 1.x says "MUST be an
 * absolute path", so we report the error with its JSON path instead of
 * guessing what a relative destination means.
 */
#include <inttypes.h>
#include <string.h>

#include "oci/parse.h"
#include "util/mount_api.h"
#include "util/xalloc.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum option_kind {
        OPT_FLAG,        /* MS_* set (clear == false) or cleared */
        OPT_PROPAGATION, /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [| MS_REC] */
        OPT_ATTR,        /* MOUNT_ATTR_* set or cleared, recursively */
        OPT_BIND,        /* bind / rbind */
        OPT_COPY_UP,     /* tmpcopyup */
        OPT_IDMAP,       /* idmap / ridmap */
};

struct mount_option {
        const char *name;
        enum option_kind kind;
        bool clear;
        uint64_t value;
};

static const struct mount_option mount_options[] = {
        {"defaults", OPT_FLAG, false, 0},
        {"ro", OPT_FLAG, false, MS_RDONLY},
        {"rw", OPT_FLAG, true, MS_RDONLY},
        {"suid", OPT_FLAG, true, MS_NOSUID},
        {"nosuid", OPT_FLAG, false, MS_NOSUID},
        {"dev", OPT_FLAG, true, MS_NODEV},
        {"nodev", OPT_FLAG, false, MS_NODEV},
        {"exec", OPT_FLAG, true, MS_NOEXEC},
        {"noexec", OPT_FLAG, false, MS_NOEXEC},
        {"sync", OPT_FLAG, false, MS_SYNCHRONOUS},
        {"async", OPT_FLAG, true, MS_SYNCHRONOUS},
        {"dirsync", OPT_FLAG, false, MS_DIRSYNC},
        {"remount", OPT_FLAG, false, MS_REMOUNT},
        {"mand", OPT_FLAG, false, MS_MANDLOCK},
        {"nomand", OPT_FLAG, true, MS_MANDLOCK},
        {"atime", OPT_FLAG, true, MS_NOATIME},
        {"noatime", OPT_FLAG, false, MS_NOATIME},
        {"diratime", OPT_FLAG, true, MS_NODIRATIME},
        {"nodiratime", OPT_FLAG, false, MS_NODIRATIME},
        {"relatime", OPT_FLAG, false, MS_RELATIME},
        {"norelatime", OPT_FLAG, true, MS_RELATIME},
        {"strictatime", OPT_FLAG, false, MS_STRICTATIME},
        {"nostrictatime", OPT_FLAG, true, MS_STRICTATIME},
        {"nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW},
        {"symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW},
        {"lazytime", OPT_FLAG, false, MS_LAZYTIME},
        {"nolazytime", OPT_FLAG, true, MS_LAZYTIME},
        {"iversion", OPT_FLAG, false, MS_I_VERSION},
        {"noiversion", OPT_FLAG, true, MS_I_VERSION},
        {"silent", OPT_FLAG, false, MS_SILENT},
        {"loud", OPT_FLAG, true, MS_SILENT},
        {"acl", OPT_FLAG, false, MS_POSIXACL},
        {"noacl", OPT_FLAG, true, MS_POSIXACL},

        {"bind", OPT_BIND, false, MS_BIND},
        {"rbind", OPT_BIND, false, MS_BIND | MS_REC},

        {"private", OPT_PROPAGATION, false, MS_PRIVATE},
        {"rprivate", OPT_PROPAGATION, false, MS_PRIVATE | MS_REC},
        {"shared", OPT_PROPAGATION, false, MS_SHARED},
        {"rshared", OPT_PROPAGATION, false, MS_SHARED | MS_REC},
        {"slave", OPT_PROPAGATION, false, MS_SLAVE},
        {"rslave", OPT_PROPAGATION, false, MS_SLAVE | MS_REC},
        {"unbindable", OPT_PROPAGATION, false, MS_UNBINDABLE},
        {"runbindable", OPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC},

        {"rro", OPT_ATTR, false, MOUNT_ATTR_RDONLY},
        {"rrw", OPT_ATTR, true, MOUNT_ATTR_RDONLY},
        {"rnosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID},
        {"rsuid", OPT_ATTR, true, MOUNT_ATTR_NOSUID},
        {"rnodev", OPT_ATTR, false, MOUNT_ATTR_NODEV},
        {"rdev", OPT_ATTR, true, MOUNT_ATTR_NODEV},
        {"rnoexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC},
        {"rexec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC},
        {"rnodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME},
        {"rdiratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME},
        {"rrelatime", OPT_ATTR, false, MOUNT_ATTR_RELATIME},
        {"rnorelatime", OPT_ATTR, true, MOUNT_ATTR_RELATIME},
        {"rnoatime", OPT_ATTR, false, MOUNT_ATTR_NOATIME},
        {"ratime", OPT_ATTR, true, MOUNT_ATTR_NOATIME},
        {"rstrictatime", OPT_ATTR, false, MOUNT_ATTR_STRICTATIME},
        {"rnostrictatime", OPT_ATTR, true, MOUNT_ATTR_STRICTATIME},
        {"rnosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW},
        {"rsymfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW},

        {"tmpcopyup", OPT_COPY_UP, false, 0},
        {"idmap", OPT_IDMAP, false, 0},
        {"ridmap", OPT_IDMAP, false, 0},
};

static void append_data(struct cell_mount *m, const char *option)
{
        if (!m->data) {
                m->data = xstrdup(option);
                return;
        }
        size_t old = strlen(m->data), add = strlen(option);
        m->data = xrealloc(m->data, old + add + 2);
        m->data[old] = ',';
        memcpy(m->data + old + 1, option, add + 1);
}

static void apply_flag(struct cell_mount *m, const struct mount_option *o)
{
        if (o->clear) {
                m->flags &= ~o->value;
                m->clear_flags |= o->value;
        } else {
                m->flags |= o->value;
                m->clear_flags &= ~o->value;
        }
}

/*
 * mount_setattr(2): an access-time mode cannot simply be set in attr_set; the
 * whole MOUNT_ATTR__ATIME field must be cleared too (MOUNT_ATTR_RELATIME is 0,
 * so "rrelatime" only clears).  The inverse options ("rnorelatime" etc.)
 * clear their bit, as runc does.
 */
static void apply_attr(struct cell_mount *m, const struct mount_option *o)
{
        if (o->clear) {
                m->attr_clr |= o->value;
                m->attr_set &= ~o->value;
                return;
        }
        m->attr_set |= o->value;
        if ((o->value & MOUNT_ATTR__ATIME) == o->value)
                m->attr_clr |= MOUNT_ATTR__ATIME;
        else
                m->attr_clr &= ~o->value;
}

void oci_mount_apply_option(struct cell_mount *m, const char *option)
{
        const struct mount_option *o = NULL;
        for (size_t i = 0; i < sizeof(mount_options) / sizeof(mount_options[0]); i++) {
                if (strcmp(mount_options[i].name, option) == 0) {
                        o = &mount_options[i];
                        break;
                }
        }
        if (!o) {
                append_data(m, option);
                return;
        }
        switch (o->kind) {
        case OPT_FLAG:
                apply_flag(m, o);
                break;
        case OPT_BIND:
                m->bind = true;
                m->flags |= o->value;
                if (o->value & MS_REC)
                        m->recursive = true;
                break;
        case OPT_PROPAGATION:
                m->propagation = o->value;
                break;
        case OPT_ATTR:
                apply_attr(m, o);
                break;
        case OPT_COPY_UP:
                m->copy_up = true;
                break;
        case OPT_IDMAP:
                /* "ridmap" differs only for rbind mounts; `options` keeps the word. */
                m->idmap = true;
                break;
        }
}

/*
 * The kernel refuses (EINVAL, at write time, in the container's set-up) a
 * range that is empty, includes (u32)-1 or wraps: say which entry here.
 */
static int check_mapping(const struct cell_id_mapping *map, const struct oci_path *path,
                         struct cell_error *err)
{
        uint64_t last = (uint64_t)CELL_ID_MAX + 1;
        if (map->size == 0)
                return oci_error(err, OCI_KEY(path, "size"), "must not be 0");
        if ((uint64_t)map->container_id + map->size > last)
                return oci_error(err, path,
                                 "containerID %" PRIu32 " + size %" PRIu32
                                 " goes past the last valid id %" PRIu32,
                                 map->container_id, map->size, CELL_ID_MAX);
        if ((uint64_t)map->host_id + map->size > last)
                return oci_error(err, path,
                                 "hostID %" PRIu32 " + size %" PRIu32
                                 " goes past the last valid id %" PRIu32,
                                 map->host_id, map->size, CELL_ID_MAX);
        return 0;
}

int oci_parse_id_mappings(json_object *v, const struct oci_path *path, struct cell_id_mapping **out,
                          size_t *n, struct cell_error *err)
{
        size_t len;
        if (oci_expect_array(v, path, &len, err) < 0)
                return -1;
        *out = xcalloc(len + 1, sizeof(**out));
        *n = len;
        for (size_t i = 0; i < len; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const struct oci_path *e_path = OCI_INDEX(path, i);
                struct cell_id_mapping *map = &(*out)[i];
                if (oci_expect_object(e, e_path, err) < 0 ||
                    oci_field_uint32(e, e_path, "containerID", true, &map->container_id, err) < 0 ||
                    oci_field_uint32(e, e_path, "hostID", true, &map->host_id, err) < 0 ||
                    oci_field_uint32(e, e_path, "size", true, &map->size, err) < 0 ||
                    check_mapping(map, e_path, err) < 0)
                        return -1;
        }
        return 0;
}

static int parse_mount_mappings(json_object *v, const struct oci_path *path, struct cell_mount *m,
                                struct cell_error *err)
{
        json_object *uid = oci_member(v, "uidMappings");
        json_object *gid = oci_member(v, "gidMappings");
        if (uid && oci_parse_id_mappings(uid, OCI_KEY(path, "uidMappings"), &m->uid_mappings,
                                         &m->n_uid_mappings, err) < 0)
                return -1;
        if (gid && oci_parse_id_mappings(gid, OCI_KEY(path, "gidMappings"), &m->gid_mappings,
                                         &m->n_gid_mappings, err) < 0)
                return -1;
        return 0;
}

static int parse_mount(json_object *v, const struct oci_path *path, struct cell_mount *m,
                       struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_abs_path(v, path, "destination", true, &m->destination, err) < 0 ||
            oci_field_string(v, path, "type", false, &m->type, err) < 0 ||
            oci_field_string(v, path, "source", false, &m->source, err) < 0 ||
            oci_field_strv(v, path, "options", &m->options, &m->n_options, err) < 0 ||
            parse_mount_mappings(v, path, m, err) < 0)
                return -1;
        for (size_t i = 0; i < m->n_options; i++)
                oci_mount_apply_option(m, m->options[i]);
        /* For a bind mount the type is meaningless; "bind" as a type means a bind mount. */
        if (m->type && strcmp(m->type, "bind") == 0 && !m->bind) {
                m->bind = true;
                m->flags |= MS_BIND;
        }
        return 0;
}

int oci_parse_mounts(json_object *v, const struct oci_path *path, struct cell_mount **out,
                     size_t *n, struct cell_error *err)
{
        size_t len;
        if (oci_expect_array(v, path, &len, err) < 0)
                return -1;
        *out = xcalloc(len + 1, sizeof(**out));
        *n = len;
        for (size_t i = 0; i < len; i++)
                if (parse_mount(json_object_array_get_idx(v, i), OCI_INDEX(path, i), &(*out)[i],
                                err) < 0)
                        return -1;
        return 0;
}

void oci_mounts_free(struct cell_mount *mounts, size_t n)
{
        if (!mounts)
                return;
        for (size_t i = 0; i < n; i++) {
                struct cell_mount *m = &mounts[i];
                free(m->destination);
                free(m->type);
                free(m->source);
                oci_strv_free(m->options, m->n_options);
                free(m->data);
                free(m->uid_mappings);
                free(m->gid_mappings);
        }
        free(mounts);
}

void cell_spec_add_bind_mount(struct cell_spec *spec, const char *source, const char *destination,
                              const char *const *options)
{
        spec->mounts = xreallocarray(spec->mounts, spec->n_mounts + 2, sizeof(*spec->mounts));
        struct cell_mount *m = &spec->mounts[spec->n_mounts++];
        memset(m, 0, 2 * sizeof(*m));
        m->destination = xstrdup(destination);
        m->source = xstrdup(source);
        m->type = xstrdup("bind");
        while (options[m->n_options])
                m->n_options++;
        m->options = xcalloc(m->n_options + 1, sizeof(char *));
        for (size_t i = 0; i < m->n_options; i++) {
                m->options[i] = xstrdup(options[i]);
                oci_mount_apply_option(m, options[i]);
        }
}
