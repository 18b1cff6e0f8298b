/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI config.json of an engine container, from its plan (plan.h):
 * docker's defaults (mounts, devices, masked and read-only paths,
 * capabilities, seccomp) with the user's flags applied.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <string.h>

#include "engine/network.h"
#include "engine/plan.h"
#include "engine/seccomp_default.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/vm.h"

#define INIT_PATH "/sbin/cell-init"

static const char *const masked_paths[] = {
        "/proc/asound",        "/proc/acpi",       "/proc/interrupts", "/proc/kcore",
        "/proc/keys",          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",    "/sys/devices/virtual/powercap",
        NULL,
};

static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
        const char *destination, *type, *source, *options;
};

static const struct default_mount default_mounts[] = {
        {"/proc", "proc", "proc", "nosuid,noexec,nodev"},
        {"/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
        {"/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"},
        {"/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"},
        {"/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"},
        {"/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"},
        {"/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=67108864"},
};

/* The device cgroup rules docker gives: mknod of anything, use of the standard nodes. */
struct device_rule {
        char type;
        long major, minor; /* -1: any */
        const char *access;
};

static const struct device_rule device_rules[] = {
        {'c', -1, -1, "m"}, {'b', -1, -1, "m"},   {'c', 1, 3, "rwm"},  {'c', 1, 5, "rwm"},
        {'c', 1, 7, "rwm"}, {'c', 1, 8, "rwm"},   {'c', 1, 9, "rwm"},  {'c', 5, 0, "rwm"},
        {'c', 5, 1, "rwm"}, {'c', 5, 2, "rwm"},   {'c', 136, -1, "rwm"}, {'c', 10, 200, "rwm"},
};

static void add(json_object *o, const char *k, json_object *v)
{
        json_object_object_add(o, k, v);
}

static json_object *str(const char *s)
{
        return json_object_new_string(s);
}

static json_object *strv(char *const *v)
{
        json_object *a = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(a, str(*v));
        return a;
}

static json_object *options_array(const char *csv)
{
        json_object *a = json_object_new_array();
        _cleanup_free_ char *copy = xstrdup(csv ? csv : "");
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
                json_object_array_add(a, str(o));
        return a;
}

static json_object *mount_obj(const char *dst, const char *type, const char *src, const char *options)
{
        json_object *m = json_object_new_object();
        add(m, "destination", str(dst));
        add(m, "type", str(type));
        add(m, "source", str(src));
        add(m, "options", options_array(options));
        return m;
}

static json_object *process_obj(const struct cell_ctr_plan *p)
{
        json_object *proc = json_object_new_object(), *user = json_object_new_object();
        add(proc, "terminal", json_object_new_boolean(p->tty));
        add(user, "uid", json_object_new_int64(p->uid));
        add(user, "gid", json_object_new_int64(p->gid));
        if (p->n_gids) {
                json_object *g = json_object_new_array();
                for (size_t i = 0; i < p->n_gids; i++)
                        json_object_array_add(g, json_object_new_int64(p->gids[i]));
                add(user, "additionalGids", g);
        }
        add(proc, "user", user);
        json_object *args = strv(p->args);
        if (p->init) {
                json_object *with_init = json_object_new_array();
                json_object_array_add(with_init, str(INIT_PATH));
                json_object_array_add(with_init, str("--"));
                for (size_t i = 0; i < json_object_array_length(args); i++)
                        json_object_array_add(with_init,
                                              json_object_get(json_object_array_get_idx(args, i)));
                json_object_put(args);
                args = with_init;
        }
        add(proc, "args", args);
        add(proc, "env", strv(p->env));
        add(proc, "cwd", str(p->cwd));
        json_object *caps = json_object_new_object();
        add(caps, "bounding", strv(p->caps));
        add(caps, "effective", strv(p->caps));
        add(caps, "permitted", strv(p->caps));
        add(proc, "capabilities", caps);
        add(proc, "noNewPrivileges", json_object_new_boolean(p->no_new_privileges));
        add(proc, "oomScoreAdj", json_object_new_int(0));
        return proc;
}

/* docker orders user mounts so that a parent is mounted before what lies below it */
static int by_depth(const void *a, const void *b)
{
        const struct cell_mount_req *x = *(const struct cell_mount_req *const *)a;
        const struct cell_mount_req *y = *(const struct cell_mount_req *const *)b;
        size_t dx = 0, dy = 0;
        for (const char *s = x->destination; *s; s++)
                dx += *s == '/';
        for (const char *s = y->destination; *s; s++)
                dy += *s == '/';
        return dx < dy ? -1 : dx > dy ? 1 : strcmp(x->destination, y->destination);
}

static json_object *mounts_array(const struct cell_ctr_plan *p, const char *ctr_dir)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < CELL_ARRAY_SIZE(default_mounts); i++) {
                const struct default_mount *m = &default_mounts[i];
                const char *opts = m->options;
                if (p->privileged && strcmp(m->destination, "/sys") == 0)
                        opts = "nosuid,noexec,nodev,rw";
                json_object_array_add(a, mount_obj(m->destination, m->type, m->source, opts));
        }
        static const char *const files[] = {"resolv.conf", "hostname", "hosts"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *src = xasprintf("%s/%s", ctr_dir, files[i]);
                _cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
                json_object_array_add(a, mount_obj(dst, "bind", src, "rbind,rprivate"));
        }
        _cleanup_free_ const struct cell_mount_req **sorted = xcalloc(p->n_mounts + 1, sizeof(*sorted));
        for (size_t i = 0; i < p->n_mounts; i++)
                sorted[i] = &p->mounts[i];
        qsort(sorted, p->n_mounts, sizeof(*sorted), by_depth);
        for (size_t i = 0; i < p->n_mounts; i++) {
                const struct cell_mount_req *m = sorted[i];
                if (m->kind == CELL_MOUNT_TMPFS) {
                        json_object_array_add(a, mount_obj(m->destination, "tmpfs", "tmpfs", m->options));
                        continue;
                }
                json_object_array_add(a, mount_obj(m->destination, "bind", m->source,
                                                   m->read_only ? "rbind,rprivate,ro" : "rbind,rprivate"));
        }
        if (p->init)
                json_object_array_add(a, mount_obj(INIT_PATH, "bind", p->init_binary, "bind,ro"));
        return a;
}

static json_object *device_rule_obj(const struct device_rule *r)
{
        json_object *o = json_object_new_object();
        char type[2] = {r->type, 0};
        add(o, "allow", json_object_new_boolean(1));
        add(o, "type", str(type));
        if (r->major >= 0)
                add(o, "major", json_object_new_int64(r->major));
        if (r->minor >= 0)
                add(o, "minor", json_object_new_int64(r->minor));
        add(o, "access", str(r->access));
        return o;
}

static json_object *resources_obj(const struct cell_ctr_plan *p)
{
        json_object *res = json_object_new_object(), *devs = json_object_new_array();
        json_object *deny = json_object_new_object();
        add(deny, "allow", json_object_new_boolean(p->privileged));
        add(deny, "access", str("rwm"));
        json_object_array_add(devs, deny);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(device_rules) && !p->privileged; i++)
                json_object_array_add(devs, device_rule_obj(&device_rules[i]));
        add(res, "devices", devs);
        if (p->memory > 0) {
                json_object *mem = json_object_new_object();
                add(mem, "limit", json_object_new_int64(p->memory));
                add(res, "memory", mem);
        }
        if (p->nano_cpus > 0) {
                json_object *cpu = json_object_new_object();
                const int64_t period = 100000;
                add(cpu, "quota", json_object_new_int64(p->nano_cpus * period / 1000000000));
                add(cpu, "period", json_object_new_uint64(period));
                add(res, "cpu", cpu);
        }
        if (p->pids_limit > 0) {
                json_object *pids = json_object_new_object();
                add(pids, "limit", json_object_new_int64(p->pids_limit));
                add(res, "pids", pids);
        }
        return res;
}

static json_object *namespaces_array(int netns, const char *netns_path)
{
        static const char *const types[] = {"pid", "ipc", "uts", "mount", "cgroup"};
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < CELL_ARRAY_SIZE(types); i++) {
                json_object *ns = json_object_new_object();
                add(ns, "type", str(types[i]));
                json_object_array_add(a, ns);
        }
        if (netns != CELL_NET_NS_HOST) {
                json_object *ns = json_object_new_object();
                add(ns, "type", str("network"));
                if (netns == CELL_NET_NS_PATH && netns_path)
                        add(ns, "path", str(netns_path));
                json_object_array_add(a, ns);
        }
        return a;
}

/* --privileged: the host's device nodes, as docker gives them (top of /dev and its subdirectories) */
static void add_host_devices(json_object *devices, const char *dir, int depth)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = cell_path_join(dir, de->d_name);
                struct stat st;
                if (lstat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        /* the container has its own of these */
                        if (depth == 0 && strcmp(de->d_name, "pts") && strcmp(de->d_name, "shm") &&
                            strcmp(de->d_name, "mqueue") && strcmp(de->d_name, "fd"))
                                add_host_devices(devices, path, depth + 1);
                        continue;
                }
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        continue;
                if (strcmp(path, "/dev/console") == 0 || strcmp(path, "/dev/ptmx") == 0)
                        continue;
                json_object *o = json_object_new_object();
                add(o, "path", str(path));
                add(o, "type", str(S_ISCHR(st.st_mode) ? "c" : "b"));
                add(o, "major", json_object_new_int64(major(st.st_rdev)));
                add(o, "minor", json_object_new_int64(minor(st.st_rdev)));
                add(o, "fileMode", json_object_new_int(st.st_mode & 07777));
                add(o, "uid", json_object_new_int64(st.st_uid));
                add(o, "gid", json_object_new_int64(st.st_gid));
                json_object_array_add(devices, o);
        }
        closedir(d);
}

static json_object *linux_obj(const struct cell_ctr_plan *p, int netns, const char *netns_path)
{
        json_object *l = json_object_new_object();
        add(l, "resources", resources_obj(p));
        add(l, "namespaces", namespaces_array(netns, netns_path));
        if (p->privileged) {
                json_object *devices = json_object_new_array();
                add_host_devices(devices, "/dev", 0);
                add(l, "devices", devices);
        } else {
                add(l, "maskedPaths", strv((char *const *)masked_paths));
                add(l, "readonlyPaths", strv((char *const *)readonly_paths));
        }
        if (p->seccomp == CELL_SECCOMP_DEFAULT)
                add(l, "seccomp", cell_seccomp_default_profile((const char *const *)p->caps, p->n_caps));
        else if (p->seccomp == CELL_SECCOMP_FILE)
                add(l, "seccomp", json_object_get(p->seccomp_profile));
        return l;
}

json_object *cell_ctr_plan_spec(const struct cell_ctr_plan *p, const char *ctr_dir, int netns,
                                const char *netns_path)
{
        json_object *doc = json_object_new_object(), *root = json_object_new_object();
        add(doc, "ociVersion", str(CELL_OCI_VERSION));
        add(doc, "process", process_obj(p));
        add(root, "path", str("rootfs"));
        add(root, "readonly", json_object_new_boolean(p->read_only));
        add(doc, "root", root);
        add(doc, "hostname", str(p->hostname));
        add(doc, "mounts", mounts_array(p, ctr_dir));
        add(doc, "linux", linux_obj(p, netns, netns_path));
        if (p->vm) {
                json_object *annotations = json_object_new_object();
                add(annotations, CELL_VM_ANNOTATION, str("vm"));
                add(doc, "annotations", annotations);
        }
        return doc;
}
