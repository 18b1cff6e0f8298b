/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/features.h"

#include <json-c/json.h>
#include <seccomp.h>

#include "oci/spec.h"
#include "sandbox/lsm.h"
#include "sandbox/seccomp.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/*
 * The names of mount_options[] in src/oci/parse_mounts.c, in its order.
 * That table is private to the parser; tests/unit/test_features.c parses a
 * mount with each of these names to keep the two in step.
 */
static const char *const mount_options[] = {
        "defaults",    "ro",        "rw",         "suid",         "nosuid",         "dev",
        "nodev",       "exec",      "noexec",     "sync",         "async",          "dirsync",
        "remount",     "mand",      "nomand",     "atime",        "noatime",        "diratime",
        "nodiratime",  "relatime",  "norelatime", "strictatime",  "nostrictatime",  "nosymfollow",
        "symfollow",   "lazytime",  "nolazytime", "iversion",     "noiversion",     "silent",
        "loud",        "acl",       "noacl",      "bind",         "rbind",          "private",
        "rprivate",    "shared",    "rshared",    "slave",        "rslave",         "unbindable",
        "runbindable", "rro",       "rrw",        "rnosuid",      "rsuid",          "rnodev",
        "rdev",        "rnoexec",   "rexec",      "rnodiratime",  "rdiratime",      "rrelatime",
        "rnorelatime", "rnoatime",  "ratime",     "rstrictatime", "rnostrictatime", "rnosymfollow",
        "rsymfollow",  "tmpcopyup", "idmap",      "ridmap",
};

static json_object *string_array(const char *(*nth)(size_t))
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; nth(i); i++)
                json_object_array_add(a, json_object_new_string(nth(i)));
        return a;
}

static const char *nth_hook(size_t i)
{
        return i < CELL_HOOK__COUNT ? cell_hook_kind_name((enum cell_hook_kind)i) : NULL;
}

static const char *nth_mount_option(size_t i)
{
        return i < CELL_ARRAY_SIZE(mount_options) ? mount_options[i] : NULL;
}

static const char *nth_namespace(size_t i)
{
        return i < CELL_NS__COUNT ? cell_ns_type_name((enum cell_ns_type)i) : NULL;
}

/* Every name in the build's table, including ones the running kernel lacks. */
static const char *nth_capability(size_t i)
{
        return cell_cap_name((int)i);
}

static const char *nth_supported_flag(size_t i)
{
        for (size_t k = 0, found = 0; cell_seccomp_nth_flag(k); k++)
                if (cell_seccomp_flag_supported(cell_seccomp_nth_flag(k)) && found++ == i)
                        return cell_seccomp_nth_flag(k);
        return NULL;
}

static json_object *enabled(bool on)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "enabled", json_object_new_boolean(on));
        return o;
}

static json_object *seccomp_features(void)
{
        json_object *o = enabled(true);
        json_object_object_add(o, "actions", string_array(cell_seccomp_nth_action));
        json_object_object_add(o, "operators", string_array(cell_seccomp_nth_operator));
        json_object_object_add(o, "archs", string_array(cell_seccomp_nth_arch));
        json_object_object_add(o, "knownFlags", string_array(cell_seccomp_nth_flag));
        json_object_object_add(o, "supportedFlags", string_array(nth_supported_flag));
        return o;
}

static json_object *cgroup_features(void)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "v1", json_object_new_boolean(true));
        json_object_object_add(o, "v2", json_object_new_boolean(true));
        json_object_object_add(o, "systemd", json_object_new_boolean(false));
        json_object_object_add(o, "systemdUser", json_object_new_boolean(false));
        json_object_object_add(o, "rdma", json_object_new_boolean(true));
        return o;
}

static json_object *memory_policy_features(void)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "modes", string_array(cell_mempolicy_nth_mode));
        json_object_object_add(o, "flags", string_array(cell_mempolicy_nth_flag));
        return o;
}

static json_object *linux_features(void)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "namespaces", string_array(nth_namespace));
        json_object_object_add(o, "capabilities", string_array(nth_capability));
        json_object_object_add(o, "cgroup", cgroup_features());
        json_object_object_add(o, "seccomp", seccomp_features());
        /* Whether this host has them: cell refuses the fields otherwise
         * (sandbox/lsm.h).  runc reports its build's support instead. */
        unsigned lsm = cell_lsm_enabled("");
        json_object_object_add(o, "apparmor", enabled(lsm & CELL_LSM_APPARMOR));
        json_object_object_add(o, "selinux", enabled(lsm & CELL_LSM_SELINUX));
        json_object *rdt = enabled(true);
        json_object_object_add(rdt, "schemata", json_object_new_boolean(true));
        json_object_object_add(rdt, "monitoring", json_object_new_boolean(true));
        json_object_object_add(o, "intelRdt", rdt);
        json_object *mount_extensions = json_object_new_object();
        json_object_object_add(mount_extensions, "idmap", enabled(true));
        json_object_object_add(o, "mountExtensions", mount_extensions);
        json_object_object_add(o, "memoryPolicy", memory_policy_features());
        json_object_object_add(o, "netDevices", enabled(true));
        return o;
}

static json_object *annotations(void)
{
        const struct scmp_version *v = seccomp_version();
        _cleanup_free_ char *version = xasprintf("%u.%u.%u", v->major, v->minor, v->micro);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "io.github.seccomp.libseccomp.version",
                               json_object_new_string(version));
        return o;
}

char *cell_features_json(void)
{
        json_object *root = json_object_new_object();
        json_object_object_add(root, "ociVersionMin", json_object_new_string("1.0.0"));
        json_object_object_add(root, "ociVersionMax", json_object_new_string(CELL_OCI_VERSION));
        json_object_object_add(root, "hooks", string_array(nth_hook));
        json_object_object_add(root, "mountOptions", string_array(nth_mount_option));
        json_object_object_add(root, "linux", linux_features());
        json_object_object_add(root, "annotations", annotations());
        char *json = xstrdup(json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                              JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
        return json;
}
