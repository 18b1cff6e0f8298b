/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `linux` object: namespaces, id mappings, devices, sysctl, masked and
 * read-only paths, rootfs propagation, personality and time offsets.
 * linux.resources and linux.seccomp have their own files.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const struct {
        const char *name;
        unsigned long flags;
} propagations[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static const struct {
        const char *name;
        unsigned long flag;
} personality_flags[] = {
        {"UNAME26", UNAME26},
        {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
        {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
        {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
        {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
        {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
        {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
        {"SHORT_INODE", SHORT_INODE},
        {"WHOLE_SECONDS", WHOLE_SECONDS},
        {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
        {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
};

static int parse_namespace(json_object *v, const struct oci_path *path, struct cell_linux *l,
                           struct cell_error *err)
{
        _cleanup_free_ char *type = NULL;
        _cleanup_free_ char *ns_path = NULL;
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_string(v, path, "type", true, &type, err) < 0)
                return -1;
        /* "path": "" is no path, as for runc (Go's zero value): a new
         * namespace.  Any other path must be absolute. */
        json_object *p = oci_member(v, "path");
        bool empty =
                p && json_object_is_type(p, json_type_string) && json_object_get_string_len(p) == 0;
        if (!empty && oci_field_abs_path(v, path, "path", false, &ns_path, err) < 0)
                return -1;
        int t = cell_ns_type_from_name(type);
        if (t < 0)
                return oci_error(err, OCI_KEY(path, "type"), "unknown namespace type \"%s\"", type);
        if (l->namespaces[t].enabled)
                return oci_error(err, path->parent, "duplicate namespace \"%s\"", type);
        l->namespaces[t].enabled = true;
        l->namespaces[t].path = steal_ptr(ns_path);
        return 0;
}

static int parse_namespaces(json_object *v, const struct oci_path *path, struct cell_linux *l,
                            struct cell_error *err)
{
        size_t n;
        if (oci_expect_array(v, path, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (parse_namespace(json_object_array_get_idx(v, i), OCI_INDEX(path, i), l, err) <
                    0)
                        return -1;
        return 0;
}

/* The kernel's device numbers: 12-bit major, 20-bit minor (MINORBITS). */
#define KERNEL_MAJOR_MAX 4095
#define KERNEL_MINOR_MAX 1048575

const struct cell_default_device cell_default_devices[] = {
        {"/dev/null", 1, 3, true},   {"/dev/zero", 1, 5, true},    {"/dev/full", 1, 7, true},
        {"/dev/random", 1, 8, true}, {"/dev/urandom", 1, 9, true}, {"/dev/tty", 5, 0, true},
        {"/dev/ptmx", 5, 2, false},
};
const size_t cell_n_default_devices = CELL_ARRAY_SIZE(cell_default_devices);

/*
 * runc lets linux.devices replace a default device with any node; cell
 * refuses a different one: /dev/null with the numbers of a disk would turn
 * every "> /dev/null" in the container into a write to that disk, behind
 * the back of anyone reading the config for "/dev/sda".  The same device
 * (as podman lists /dev/null for --device /dev/null) is fine.
 */
static int check_default_device(const struct cell_device *d, const struct oci_path *path,
                                struct cell_error *err)
{
        for (size_t i = 0; i < cell_n_default_devices; i++) {
                const struct cell_default_device *def = &cell_default_devices[i];
                if (strcmp(d->path, def->path) != 0)
                        continue;
                if ((d->type == 'c' || d->type == 'u') && d->major == def->major &&
                    d->minor == def->minor)
                        return 0;
                return oci_error(err, path,
                                 "%s must be the character device %u:%u it is by default, "
                                 "got %c %" PRId64 ":%" PRId64,
                                 def->path, def->major, def->minor, d->type, d->major, d->minor);
        }
        return 0;
}

/*
 * fileMode: the permission bits only.  runc passes setuid, setgid and sticky
 * bits on to mknod(2); a device node has no use for them and a setuid or
 * setgid node in the container is at best confusing, so they are refused
 * rather than silently dropped (the author asked for something cell will
 * not do).  File-type bits (S_IFCHR...), which some clients copy from
 * stat(2), are ignored as runc ignores them: `type` says what is made.
 */
static int parse_file_mode(json_object *v, const struct oci_path *path, struct cell_device *d,
                           struct cell_error *err)
{
        uint32_t mode;
        int r = oci_field_uint32(v, path, "fileMode", false, &mode, err);
        if (r <= 0)
                return r;
        if (mode & ~(uint32_t)(S_IFMT | 07777))
                return oci_error(err, OCI_KEY(path, "fileMode"), "%#o is not a file mode", mode);
        if (mode & 07000)
                return oci_error(err, OCI_KEY(path, "fileMode"),
                                 "%#o has setuid, setgid or sticky bits (only the permission "
                                 "bits 0777 are allowed)",
                                 mode);
        d->has_file_mode = true;
        d->file_mode = mode & 0777;
        return 0;
}

static int parse_device_type(json_object *v, const struct oci_path *path, struct cell_device *d,
                             struct cell_error *err)
{
        _cleanup_free_ char *type = NULL;
        if (oci_field_string(v, path, "type", true, &type, err) < 0)
                return -1;
        if (strlen(type) != 1 || !strchr("cbup", type[0]))
                return oci_error(err, OCI_KEY(path, "type"),
                                 "unknown device type \"%s\" (want c, b, u or p)", type);
        d->type = type[0];
        return 0;
}

static int parse_device(json_object *v, const struct oci_path *path, struct cell_device *d,
                        struct cell_error *err)
{
        bool need_numbers;
        uint32_t id;
        int r;
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_abs_path(v, path, "path", true, &d->path, err) < 0 ||
            parse_device_type(v, path, d, err) < 0)
                return -1;
        /* "/dev//null" and "/dev/../dev/null" are /dev/null too. */
        char *clean = cell_path_clean(d->path);
        free(d->path);
        d->path = clean;
        need_numbers = d->type != 'p';
        /* mknod(2) takes a 32-bit dev: a bigger number would alias another
         * device (major 4104 is made as 8, a disk). */
        if (oci_field_int_range(v, path, "major", 0, KERNEL_MAJOR_MAX, &d->major, err) < 0 ||
            oci_field_int_range(v, path, "minor", 0, KERNEL_MINOR_MAX, &d->minor, err) < 0)
                return -1;
        if (need_numbers && !oci_member(v, "major"))
                return oci_error(err, OCI_KEY(path, "major"), "required for device type '%c'",
                                 d->type);
        if (need_numbers && !oci_member(v, "minor"))
                return oci_error(err, OCI_KEY(path, "minor"), "required for device type '%c'",
                                 d->type);
        if (parse_file_mode(v, path, d, err) < 0)
                return -1;
        if ((r = oci_field_id(v, path, "uid", "user", false, &id, err)) < 0)
                return -1;
        d->has_uid = r > 0;
        d->uid = id;
        if ((r = oci_field_id(v, path, "gid", "group", false, &id, err)) < 0)
                return -1;
        d->has_gid = r > 0;
        d->gid = id;
        return check_default_device(d, path, err);
}

static int parse_devices(json_object *v, const struct oci_path *path, struct cell_linux *l,
                         struct cell_error *err)
{
        size_t n;
        if (oci_expect_array(v, path, &n, err) < 0)
                return -1;
        l->devices = xcalloc(n + 1, sizeof(*l->devices));
        l->n_devices = n;
        for (size_t i = 0; i < n; i++)
                if (parse_device(json_object_array_get_idx(v, i), OCI_INDEX(path, i),
                                 &l->devices[i], err) < 0)
                        return -1;
        return 0;
}

static int parse_abs_paths(json_object *obj, const struct oci_path *parent, const char *key,
                           char ***out, size_t *n, struct cell_error *err)
{
        const struct oci_path *path = OCI_KEY(parent, key);
        if (oci_field_strv(obj, parent, key, out, n, err) < 0)
                return -1;
        for (size_t i = 0; i < *n; i++)
                if ((*out)[i][0] != '/')
                        return oci_error(err, OCI_INDEX(path, i),
                                         "must be an absolute path, got \"%s\"", (*out)[i]);
        return 0;
}

static int parse_propagation(json_object *obj, const struct oci_path *parent, struct cell_linux *l,
                             struct cell_error *err)
{
        _cleanup_free_ char *name = NULL;
        int r = oci_field_string(obj, parent, "rootfsPropagation", false, &name, err);
        if (r <= 0 || name[0] == '\0')
                return r;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(propagations); i++) {
                if (strcmp(propagations[i].name, name) == 0) {
                        l->rootfs_propagation = propagations[i].flags;
                        return 0;
                }
        }
        return oci_error(err, OCI_KEY(parent, "rootfsPropagation"), "unknown propagation \"%s\"",
                         name);
}

static int parse_personality_flags(json_object *v, const struct oci_path *path,
                                   struct cell_linux *l, struct cell_error *err)
{
        size_t n;
        if (!v)
                return 0;
        if (oci_expect_array(v, path, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                const char *name;
                size_t j = 0;
                if (oci_get_cstring(json_object_array_get_idx(v, i), OCI_INDEX(path, i), &name,
                                    err) < 0)
                        return -1;
                while (j < CELL_ARRAY_SIZE(personality_flags) &&
                       strcmp(personality_flags[j].name, name) != 0)
                        j++;
                if (j == CELL_ARRAY_SIZE(personality_flags))
                        return oci_error(err, OCI_INDEX(path, i), "unknown personality flag \"%s\"",
                                         name);
                l->personality |= personality_flags[j].flag;
        }
        return 0;
}

static int parse_personality(json_object *v, const struct oci_path *path, struct cell_linux *l,
                             struct cell_error *err)
{
        _cleanup_free_ char *domain = NULL;
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_string(v, path, "domain", true, &domain, err) < 0)
                return -1;
        if (strcmp(domain, "LINUX") == 0)
                l->personality = PER_LINUX;
        else if (strcmp(domain, "LINUX32") == 0)
                l->personality = PER_LINUX32;
        else
                return oci_error(err, OCI_KEY(path, "domain"),
                                 "unknown domain \"%s\" (want LINUX or LINUX32)", domain);
        l->has_personality = true;
        return parse_personality_flags(oci_member(v, "flags"), OCI_KEY(path, "flags"), l, err);
}

static int parse_time_offset(json_object *v, const struct oci_path *path, int64_t *secs,
                             uint32_t *nanosecs, struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_int64(v, path, "secs", false, secs, err) < 0 ||
            oci_field_uint32(v, path, "nanosecs", false, nanosecs, err) < 0)
                return -1;
        if (*nanosecs >= 1000000000U)
                return oci_error(err, OCI_KEY(path, "nanosecs"),
                                 "%u is out of range (0..999999999)", *nanosecs);
        return 0;
}

static int parse_time_offsets(json_object *v, const struct oci_path *path, struct cell_linux *l,
                              struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        l->has_time_offsets = true;
        json_object_object_foreach(v, clock, offset)
        {
                const struct oci_path *c_path = OCI_KEY(path, clock);
                int r;
                if (strcmp(clock, "monotonic") == 0)
                        r = parse_time_offset(offset, c_path, &l->monotonic_secs,
                                              &l->monotonic_nanosecs, err);
                else if (strcmp(clock, "boottime") == 0)
                        r = parse_time_offset(offset, c_path, &l->boottime_secs,
                                              &l->boottime_nanosecs, err);
                else
                        r = oci_error(err, c_path, "unknown clock (want monotonic or boottime)");
                if (r < 0)
                        return -1;
        }
        return 0;
}

static int parse_linux_mappings(json_object *v, const struct oci_path *path, struct cell_linux *l,
                                struct cell_error *err)
{
        json_object *uid = oci_member(v, "uidMappings");
        json_object *gid = oci_member(v, "gidMappings");
        if (uid && oci_parse_id_mappings(uid, OCI_KEY(path, "uidMappings"), &l->uid_mappings,
                                         &l->n_uid_mappings, err) < 0)
                return -1;
        if (gid && oci_parse_id_mappings(gid, OCI_KEY(path, "gidMappings"), &l->gid_mappings,
                                         &l->n_gid_mappings, err) < 0)
                return -1;
        return 0;
}

int oci_parse_linux(json_object *v, const struct oci_path *path, struct cell_linux *l,
                    struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        if (OCI_PARSE_MEMBER(v, path, "namespaces", parse_namespaces, l, err) < 0 ||
            parse_linux_mappings(v, path, l, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "devices", parse_devices, l, err) < 0 ||
            oci_field_string(v, path, "cgroupsPath", false, &l->cgroups_path, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "resources", oci_parse_resources, &l->resources, err) < 0)
                return -1;
        json_object *sysctl = oci_member(v, "sysctl");
        if (sysctl &&
            oci_get_key_values(sysctl, OCI_KEY(path, "sysctl"), &l->sysctl, &l->n_sysctl, err) < 0)
                return -1;
        if (parse_abs_paths(v, path, "maskedPaths", &l->masked_paths, &l->n_masked_paths, err) <
                    0 ||
            parse_abs_paths(v, path, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths,
                            err) < 0 ||
            parse_propagation(v, path, l, err) < 0 ||
            oci_field_string(v, path, "mountLabel", false, &l->mount_label, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "seccomp", oci_parse_seccomp, &l->seccomp, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "personality", parse_personality, l, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "timeOffsets", parse_time_offsets, l, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "memoryPolicy", oci_parse_memory_policy, &l->memory_policy,
                             err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "netDevices", oci_parse_net_devices, l, err) < 0 ||
            OCI_PARSE_MEMBER(v, path, "intelRdt", oci_parse_intel_rdt, &l->intel_rdt, err) < 0)
                return -1;
        return 0;
}

void oci_linux_release(struct cell_linux *l)
{
        for (int i = 0; i < CELL_NS__COUNT; i++)
                free(l->namespaces[i].path);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        oci_resources_release(&l->resources);
        oci_key_values_free(l->sysctl, l->n_sysctl);
        oci_strv_free(l->masked_paths, l->n_masked_paths);
        oci_strv_free(l->readonly_paths, l->n_readonly_paths);
        free(l->mount_label);
        oci_seccomp_release(&l->seccomp);
        oci_host_resources_release(l);
        memset(l, 0, sizeof(*l));
}
