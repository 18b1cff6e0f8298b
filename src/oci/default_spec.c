/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config.json that `cell spec` writes: the content of `runc spec`
 * (and `runc spec --rootless`), with hostname "cell".
 */
#include <string.h>
#include <unistd.h>

#include "oci/json_read.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct default_mount {
        const char *destination, *type, *source;
        const char *options[8]; /* NULL-terminated */
};

static const struct default_mount default_mounts[] = {
        {"/proc", "proc", "proc", {NULL}},
        {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
        {"/dev/pts",
         "devpts",
         "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
        {"/dev/shm",
         "tmpfs",
         "shm",
         {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
        {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
        {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
        {"/sys/fs/cgroup",
         "cgroup",
         "cgroup",
         {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* runc --rootless: sysfs cannot be mounted without a network namespace of our own. */
static const struct default_mount rootless_sys = {
        "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};

static const char *const masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
        NULL,
};

static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_object *string_array(const char *const *items)
{
        json_object *a = json_object_new_array();
        for (; *items; items++)
                json_object_array_add(a, json_object_new_string(*items));
        return a;
}

static void add(json_object *obj, const char *key, json_object *value)
{
        json_object_object_add(obj, key, value);
}

static json_object *default_process(void)
{
        static const char *const args[] = {"sh", NULL};
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                NULL};
        json_object *p = json_object_new_object(), *user = json_object_new_object();
        json_object *caps = json_object_new_object(), *rlimit = json_object_new_object();
        json_object *rlimits = json_object_new_array();

        add(p, "terminal", json_object_new_boolean(1));
        add(user, "uid", json_object_new_int(0));
        add(user, "gid", json_object_new_int(0));
        add(p, "user", user);
        add(p, "args", string_array(args));
        add(p, "env", string_array(env));
        add(p, "cwd", json_object_new_string("/"));
        add(caps, "bounding", string_array(default_caps));
        add(caps, "effective", string_array(default_caps));
        add(caps, "permitted", string_array(default_caps));
        add(p, "capabilities", caps);
        add(rlimit, "type", json_object_new_string("RLIMIT_NOFILE"));
        add(rlimit, "hard", json_object_new_int(1024));
        add(rlimit, "soft", json_object_new_int(1024));
        json_object_array_add(rlimits, rlimit);
        add(p, "rlimits", rlimits);
        add(p, "noNewPrivileges", json_object_new_boolean(1));
        return p;
}

/* A mount object; with `rootless`, uid=/gid= options are dropped as runc does. */
static json_object *mount_object(const struct default_mount *m, bool rootless)
{
        json_object *o = json_object_new_object();
        add(o, "destination", json_object_new_string(m->destination));
        add(o, "type", json_object_new_string(m->type));
        add(o, "source", json_object_new_string(m->source));
        if (!m->options[0])
                return o;
        json_object *opts = json_object_new_array();
        for (const char *const *opt = m->options; *opt; opt++) {
                if (rootless && (strncmp(*opt, "uid=", 4) == 0 || strncmp(*opt, "gid=", 4) == 0))
                        continue;
                json_object_array_add(opts, json_object_new_string(*opt));
        }
        add(o, "options", opts);
        return o;
}

static json_object *default_mounts_array(bool rootless)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < CELL_ARRAY_SIZE(default_mounts); i++) {
                const struct default_mount *m = &default_mounts[i];
                if (rootless && strcmp(m->destination, "/sys") == 0)
                        m = &rootless_sys;
                json_object_array_add(a, mount_object(m, rootless));
        }
        return a;
}

static json_object *id_mapping(unsigned host_id)
{
        json_object *maps = json_object_new_array(), *m = json_object_new_object();
        add(m, "containerID", json_object_new_int(0));
        add(m, "hostID", json_object_new_int64(host_id));
        add(m, "size", json_object_new_int(1));
        json_object_array_add(maps, m);
        return maps;
}

static json_object *default_namespaces(bool rootless, bool cgroup_ns)
{
        static const char *const normal[] = {"pid", "network", "ipc", "uts", "mount", NULL};
        static const char *const rootless_ns[] = {"pid", "ipc", "uts", "mount", "user", NULL};
        json_object *a = json_object_new_array();
        for (const char *const *t = rootless ? rootless_ns : normal; *t; t++) {
                json_object *ns = json_object_new_object();
                add(ns, "type", json_object_new_string(*t));
                json_object_array_add(a, ns);
        }
        if (cgroup_ns) {
                json_object *ns = json_object_new_object();
                add(ns, "type", json_object_new_string("cgroup"));
                json_object_array_add(a, ns);
        }
        return a;
}

static json_object *default_linux(bool rootless, bool cgroup_ns)
{
        json_object *l = json_object_new_object();
        if (rootless) {
                add(l, "uidMappings", id_mapping((unsigned)geteuid()));
                add(l, "gidMappings", id_mapping((unsigned)getegid()));
        } else {
                json_object *res = json_object_new_object(), *devs = json_object_new_array();
                json_object *deny = json_object_new_object();
                add(deny, "allow", json_object_new_boolean(0));
                add(deny, "access", json_object_new_string("rwm"));
                json_object_array_add(devs, deny);
                add(res, "devices", devs);
                add(l, "resources", res);
        }
        add(l, "namespaces", default_namespaces(rootless, cgroup_ns));
        add(l, "maskedPaths", string_array(masked_paths));
        add(l, "readonlyPaths", string_array(readonly_paths));
        return l;
}

char *cell_spec_default_json(bool rootless, bool cgroup_ns)
{
        json_object *doc = json_object_new_object(), *root = json_object_new_object();
        add(doc, "ociVersion", json_object_new_string(CELL_OCI_VERSION));
        add(doc, "process", default_process());
        add(root, "path", json_object_new_string("rootfs"));
        add(root, "readonly", json_object_new_boolean(1));
        add(doc, "root", root);
        add(doc, "hostname", json_object_new_string("cell"));
        add(doc, "mounts", default_mounts_array(rootless));
        add(doc, "linux", default_linux(rootless, cgroup_ns));
        char *text = xstrdup(json_object_to_json_string_ext(
                doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        return text;
}
