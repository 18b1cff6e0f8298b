/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/ipam.h"
#include "net/netstore.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *net_dir(const char *storage)
{
        return cell_path_join(storage, "networks");
}

static int open_dir(const char *storage, struct cell_error *err)
{
        _cleanup_free_ char *dir = net_dir(storage);
        if (cell_mkdir_p(dir, 0700, err) < 0)
                return -1;
        int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open %s", dir);
        return fd;
}

int cell_netstore_lock(const char *storage, struct cell_error *err)
{
        _cleanup_free_ char *dir = net_dir(storage);
        _cleanup_free_ char *path = cell_path_join(dir, "lock");
        if (cell_mkdir_p(dir, 0700, err) < 0)
                return -1;
        /* Not O_CLOEXEC, on purpose: cell-net, spawned while the lock is held, inherits
         * the open file and so holds the lock until it exits.  A cell SIGKILLed while
         * cell-net attaches leaves it running; the detach of the next `rm -f` must wait
         * for it to finish, or it would find nothing yet and the attach would land after. */
        int fd = open(path, O_RDWR | O_CREAT, 0600);
        if (fd < 0)
                return cell_error_errno(err, "open %s", path);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        cell_error_errno(err, "lock %s", path);
                        close(fd);
                        return -1;
                }
        }
        return fd;
}

void cell_netrec_release(struct cell_netrec *r)
{
        free(r->name);
        free(r->id);
        free(r->driver);
        free(r->device);
        free(r->created);
        free(r->subnet4);
        free(r->gateway4);
        free(r->subnet6);
        free(r->gateway6);
        free(r->parent);
        json_object_put(r->labels);
        memset(r, 0, sizeof(*r));
}

static void add_str(json_object *o, const char *k, const char *v)
{
        if (v)
                json_object_object_add(o, k, json_object_new_string(v));
}

static char *get_str(json_object *o, const char *k)
{
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && v ? xstrdup(json_object_get_string(v)) : NULL;
}

static bool get_bool(json_object *o, const char *k)
{
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

/* The record as stored (DESIGN.md). */
static json_object *rec_to_store(const struct cell_netrec *r)
{
        json_object *o = json_object_new_object();
        add_str(o, "name", r->name);
        add_str(o, "id", r->id);
        add_str(o, "driver", r->driver);
        add_str(o, "device", r->device);
        json_object *subs = json_object_new_array();
        const char *s[2][2] = {{r->subnet4, r->gateway4}, {r->subnet6, r->gateway6}};
        for (int i = 0; i < 2; i++) {
                if (!s[i][0])
                        continue;
                json_object *e = json_object_new_object();
                add_str(e, "subnet", s[i][0]);
                add_str(e, "gateway", s[i][1]);
                json_object_array_add(subs, e);
        }
        json_object_object_add(o, "subnets", subs);
        json_object_object_add(o, "internal", json_object_new_boolean(r->internal));
        json_object_object_add(o, "ipv6", json_object_new_boolean(r->ipv6));
        json_object *opts = json_object_new_object();
        add_str(opts, "parent", r->parent);
        json_object_object_add(o, "options", opts);
        add_str(o, "created", r->created);
        json_object_object_add(o, "labels", json_object_get(r->labels));
        return o;
}

static void rec_from_store(json_object *o, struct cell_netrec *r)
{
        memset(r, 0, sizeof(*r));
        r->name = get_str(o, "name");
        r->id = get_str(o, "id");
        r->driver = get_str(o, "driver");
        r->device = get_str(o, "device");
        r->created = get_str(o, "created");
        r->internal = get_bool(o, "internal");
        r->ipv6 = get_bool(o, "ipv6");
        json_object *subs, *opts, *lab;
        if (json_object_object_get_ex(o, "subnets", &subs) && json_object_is_type(subs, json_type_array))
                for (size_t i = 0; i < json_object_array_length(subs); i++) {
                        json_object *e = json_object_array_get_idx(subs, i);
                        char *sub = get_str(e, "subnet");
                        bool v6 = sub && strchr(sub, ':');
                        char **sp = v6 ? &r->subnet6 : &r->subnet4, **gp = v6 ? &r->gateway6 : &r->gateway4;
                        free(*sp);
                        free(*gp);
                        *sp = sub;
                        *gp = get_str(e, "gateway");
                }
        if (json_object_object_get_ex(o, "options", &opts))
                r->parent = get_str(opts, "parent");
        r->labels = json_object_object_get_ex(o, "labels", &lab) && lab ? json_object_get(lab)
                                                                         : json_object_new_object();
}

json_object *cell_netrec_to_json(const struct cell_netrec *r)
{
        json_object *o = json_object_new_object();
        add_str(o, "Name", r->name);
        add_str(o, "Id", r->id);
        add_str(o, "Created", r->created);
        add_str(o, "Scope", "local");
        add_str(o, "Driver", r->driver);
        json_object_object_add(o, "EnableIPv6", json_object_new_boolean(r->ipv6));
        json_object *ipam = json_object_new_object(), *cfg = json_object_new_array();
        add_str(ipam, "Driver", "default");
        const char *s[2][2] = {{r->subnet4, r->gateway4}, {r->subnet6, r->gateway6}};
        for (int i = 0; i < 2; i++) {
                if (!s[i][0])
                        continue;
                json_object *e = json_object_new_object();
                add_str(e, "Subnet", s[i][0]);
                add_str(e, "Gateway", s[i][1]);
                json_object_array_add(cfg, e);
        }
        json_object_object_add(ipam, "Config", cfg);
        json_object_object_add(o, "IPAM", ipam);
        json_object_object_add(o, "Internal", json_object_new_boolean(r->internal));
        json_object *opts = json_object_new_object();
        if (r->device && strcmp(r->driver, "bridge") == 0)
                add_str(opts, "com.docker.network.bridge.name", r->device);
        add_str(opts, "parent", r->parent);
        json_object_object_add(o, "Options", opts);
        json_object_object_add(o, "Labels", json_object_get(r->labels));
        return o;
}

static int write_json(const char *storage, const char *name, json_object *o, struct cell_error *err)
{
        _cleanup_close_ int dfd = open_dir(storage, err);
        if (dfd < 0)
                return -1;
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        return cell_write_file_atomic(dfd, name, text, strlen(text), err);
}

/* A JSON file of the networks directory; NULL (and ENOENT in err) when missing. */
static json_object *read_json(const char *storage, const char *name, struct cell_error *err)
{
        _cleanup_free_ char *dir = net_dir(storage);
        _cleanup_free_ char *path = cell_path_join(dir, name);
        _cleanup_free_ char *text = NULL;
        if (cell_read_file(path, &text, NULL, err) < 0)
                return NULL;
        json_object *o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                cell_error_set(err, EINVAL, "%s: not a JSON object", path);
                return NULL;
        }
        return o;
}

static json_object *read_object_or_empty(const char *storage, const char *name)
{
        struct cell_error ignored;
        json_object *o = read_json(storage, name, &ignored);
        return o ? o : json_object_new_object();
}

static bool name_valid(const char *s)
{
        if (!s || !*s || strlen(s) > 64)
                return false;
        for (const char *p = s; *p; p++) {
                bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
                if (!alnum && (p == s || !strchr("_.-", *p)))
                        return false;
        }
        return true;
}

static bool has_suffix(const char *s, const char *suf)
{
        size_t a = strlen(s), b = strlen(suf);
        return a >= b && strcmp(s + a - b, suf) == 0;
}

int cell_netstore_list(const char *storage, struct cell_netrec **out, size_t *n, struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        _cleanup_free_ char *dir = net_dir(storage);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open %s", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!has_suffix(de->d_name, ".json") || has_suffix(de->d_name, ".leases.json") ||
                    strcmp(de->d_name, "ports.json") == 0)
                        continue;
                struct cell_error ignored;
                json_object *o = read_json(storage, de->d_name, &ignored);
                if (!o)
                        continue;
                *out = xreallocarray(*out, *n + 1, sizeof(**out));
                rec_from_store(o, &(*out)[(*n)++]);
                json_object_put(o);
        }
        for (size_t i = 1; i < *n; i++)
                for (size_t j = i; j > 0 && strcmp((*out)[j - 1].name, (*out)[j].name) > 0; j--) {
                        struct cell_netrec t = (*out)[j];
                        (*out)[j] = (*out)[j - 1];
                        (*out)[j - 1] = t;
                }
        return 0;
}

static void list_free(struct cell_netrec *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cell_netrec_release(&l[i]);
        free(l);
}

int cell_netstore_get(const char *storage, const char *name, struct cell_netrec *out,
                      struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        if (name_valid(name)) {
                _cleanup_free_ char *file = xasprintf("%s.json", name);
                struct cell_error e2;
                json_object *o = read_json(storage, file, &e2);
                if (o) {
                        rec_from_store(o, out);
                        json_object_put(o);
                        return 0;
                }
        }
        /* an id or a unique prefix of one */
        struct cell_netrec *l;
        size_t n;
        if (strlen(name) >= 3 && cell_netstore_list(storage, &l, &n, err) == 0) {
                int found = -1;
                for (size_t i = 0; i < n; i++)
                        if (l[i].id && strncmp(l[i].id, name, strlen(name)) == 0)
                                found = found == -1 ? (int)i : -2;
                if (found >= 0) {
                        *out = l[found];
                        memset(&l[found], 0, sizeof(l[found]));
                }
                list_free(l, n);
                if (found >= 0)
                        return 0;
        }
        return cell_error_set(err, ENOENT, "network %s not found", name);
}

static void new_id(char out[65])
{
        unsigned char b[32];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (unsigned char)rand();
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

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

/* IPv4 routes of the host namespace (destination/prefix), from /proc/net/route. */
static bool overlaps_host_route(const struct cell_cidr *c)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
        char line[256];
        if (!f || !fgets(line, sizeof(line), f))
                return false;
        while (fgets(line, sizeof(line), f)) {
                char ifname[64];
                unsigned dest, gw, flags, refcnt, use, metric, mask;
                if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dest, &gw, &flags, &refcnt,
                           &use, &metric, &mask) != 8 || mask == 0)
                        continue; /* the default route overlaps everything: not a conflict */
                struct cell_cidr r = {.family = AF_INET, .prefix = __builtin_popcount(mask)};
                memcpy(r.addr, &dest, 4);
                if (cell_cidr_overlap(c, &r))
                        return true;
        }
        return false;
}

static int check_overlap(const char *storage, const struct cell_cidr *c, const char *text,
                         const char *name, struct cell_error *err)
{
        struct cell_netrec *l;
        size_t n;
        if (cell_netstore_list(storage, &l, &n, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                const char *subs[2] = {l[i].subnet4, l[i].subnet6};
                for (int k = 0; k < 2 && r == 0; k++) {
                        struct cell_cidr o;
                        struct cell_error ignored;
                        if (subs[k] && cell_cidr_parse(subs[k], &o, &ignored) == 0 && cell_cidr_overlap(c, &o))
                                r = cell_error_set(err, EEXIST,
                                                   "network %s: subnet %s overlaps subnet %s of network %s",
                                                   name, text, subs[k], l[i].name);
                }
        }
        list_free(l, n);
        return r;
}

/* The first free /24 of 10.89.0.0/16 (DESIGN.md). */
static int pick_subnet4(const char *storage, const char *name, char *buf, size_t size,
                        struct cell_error *err)
{
        for (int i = 0; i < 256; i++) {
                snprintf(buf, size, "10.89.%d.0/24", i);
                struct cell_cidr c;
                struct cell_error ignored;
                if (cell_cidr_parse(buf, &c, err) < 0)
                        return -1;
                if (!overlaps_host_route(&c) && check_overlap(storage, &c, buf, name, &ignored) == 0)
                        return 0;
        }
        return cell_error_set(err, ENOSPC, "network %s: no free subnet left in 10.89.0.0/16", name);
}

/* One address family's subnet and gateway, checked, into *sub / *gw. */
static int fill_subnet(const char *storage, const char *name, const char *subnet, const char *gateway,
                       char **sub, char **gw, struct cell_error *err)
{
        struct cell_cidr c;
        if (cell_cidr_parse(subnet, &c, err) < 0)
                return cell_error_prefix(err, "network %s", name);
        if (check_overlap(storage, &c, subnet, name, err) < 0)
                return -1;
        char g[INET6_ADDRSTRLEN];
        if (gateway) {
                int fam;
                if (cell_ip_canonical(gateway, &fam, g, sizeof(g)) < 0)
                        return cell_error_set(err, EINVAL, "network %s: invalid gateway %s: not an IP address",
                                              name, gateway);
                if (fam != c.family || !cell_cidr_contains(&c, g))
                        return cell_error_set(err, EINVAL, "network %s: gateway %s is not in subnet %s", name,
                                              gateway, subnet);
                char net[INET6_ADDRSTRLEN];
                cell_cidr_nth(&c, 0, net, sizeof(net));
                if (strcmp(net, g) == 0)
                        return cell_error_set(err, EINVAL,
                                              "network %s: gateway %s is the network address of %s", name,
                                              gateway, subnet);
        } else {
                cell_cidr_nth(&c, 1, g, sizeof(g));
        }
        char text[INET6_ADDRSTRLEN + 4];
        cell_cidr_format(&c, text, sizeof(text));
        *sub = xstrdup(text);
        *gw = xstrdup(g);
        return 0;
}

/* In the caller's network namespace (not /sys, which shows the one sysfs was mounted in). */
static bool iface_exists(const char *ifname)
{
        return strlen(ifname) < IF_NAMESIZE && if_nametoindex(ifname) != 0;
}

static int validate_create(const char *storage, const struct cell_netstore_create_opts *o,
                           const char *driver, struct cell_error *err)
{
        if (!name_valid(o->name))
                return cell_error_set(err, EINVAL,
                                      "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                      o->name ? o->name : "");
        if (strcmp(o->name, "none") == 0 || strcmp(o->name, "host") == 0)
                return cell_error_set(err, EINVAL, "network %s: the name is reserved", o->name);
        if (strcmp(driver, "bridge") != 0 && strcmp(driver, "macvlan") != 0)
                return cell_error_set(err, EINVAL, "network %s: driver %s not supported (bridge or macvlan)",
                                      o->name, driver);
        struct cell_error ignored;
        _cleanup_free_ char *file = xasprintf("%s.json", o->name);
        json_object *existing = read_json(storage, file, &ignored);
        if (existing) {
                json_object_put(existing);
                return cell_error_set(err, EEXIST, "network with name %s already exists", o->name);
        }
        if (o->gateway && !o->subnet)
                return cell_error_set(err, EINVAL, "network %s: --gateway needs --subnet", o->name);
        if (strcmp(driver, "macvlan") == 0) {
                if (!o->parent || !*o->parent)
                        return cell_error_set(err, EINVAL, "network %s: macvlan needs -o parent=INTERFACE",
                                              o->name);
                if (!iface_exists(o->parent))
                        return cell_error_set(err, ENODEV, "network %s: parent interface %s not found",
                                              o->name, o->parent);
        } else if (o->parent) {
                return cell_error_set(err, EINVAL, "network %s: -o parent is for macvlan networks", o->name);
        }
        return 0;
}

static int fill_default_v6(const char *storage, struct cell_netrec *r, struct cell_error *err)
{
        char sub[64];
        snprintf(sub, sizeof(sub), "fd%.2s:%.4s:%.4s::/64", r->id, r->id + 2, r->id + 6);
        return fill_subnet(storage, r->name, sub, NULL, &r->subnet6, &r->gateway6, err);
}

int cell_netstore_create(const char *storage, const struct cell_netstore_create_opts *o,
                         struct cell_netrec *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        const char *driver = o->driver ? o->driver : "bridge";
        if (validate_create(storage, o, driver, err) < 0)
                return -1;
        char id[65];
        new_id(id);
        struct cell_netrec r = {.name = xstrdup(o->name), .id = xstrdup(id), .driver = xstrdup(driver),
                                .created = now_rfc3339(), .internal = o->internal, .ipv6 = o->ipv6,
                                .parent = xstrdup_or_null(o->parent),
                                .labels = o->labels ? json_object_get(o->labels) : json_object_new_object()};
        if (strcmp(driver, "bridge") == 0)
                r.device = strcmp(o->name, CELL_NET_DEFAULT) == 0 ? xstrdup("cell0")
                                                                  : xasprintf("cell-%.10s", id);
        char auto4[32];
        const char *sub4 = o->subnet && strchr(o->subnet, ':') ? NULL : o->subnet;
        const char *sub6 = o->subnet && strchr(o->subnet, ':') ? o->subnet : o->subnet6;
        const char *gw6 = o->subnet && strchr(o->subnet, ':') ? o->gateway : o->gateway6;
        int rc = 0;
        if (!sub4)
                rc = pick_subnet4(storage, o->name, auto4, sizeof(auto4), err);
        if (rc == 0)
                rc = fill_subnet(storage, o->name, sub4 ? sub4 : auto4, sub4 ? o->gateway : NULL,
                                 &r.subnet4, &r.gateway4, err);
        if (rc == 0 && sub6)
                rc = fill_subnet(storage, o->name, sub6, gw6, &r.subnet6, &r.gateway6, err);
        else if (rc == 0 && o->ipv6)
                rc = fill_default_v6(storage, &r, err);
        if (rc == 0 && sub6)
                r.ipv6 = true;
        if (rc == 0) {
                json_object *j = rec_to_store(&r);
                _cleanup_free_ char *file = xasprintf("%s.json", r.name);
                rc = write_json(storage, file, j, err);
                json_object_put(j);
        }
        if (rc < 0) {
                cell_netrec_release(&r);
                return -1;
        }
        *out = r;
        return 0;
}

int cell_netstore_get_or_default(const char *storage, const char *name, struct cell_netrec *out,
                                 struct cell_error *err)
{
        if (strcmp(name, CELL_NET_DEFAULT) != 0)
                return cell_netstore_get(storage, name, out, err);
        struct cell_error e2;
        if (cell_netstore_get(storage, name, out, &e2) == 0)
                return 0;
        struct cell_netstore_create_opts o = {.name = CELL_NET_DEFAULT, .subnet = "10.88.0.0/16",
                                              .gateway = "10.88.0.1"};
        return cell_netstore_create(storage, &o, out, err);
}

static int unlink_at(const char *storage, const char *name, struct cell_error *err)
{
        _cleanup_free_ char *dir = net_dir(storage);
        _cleanup_free_ char *path = cell_path_join(dir, name);
        if (unlink(path) < 0 && errno != ENOENT)
                return cell_error_errno(err, "remove %s", path);
        return 0;
}

int cell_netstore_remove(const char *storage, const struct cell_netrec *r, struct cell_error *err)
{
        json_object *leases = cell_netstore_leases(storage, r->name);
        int busy = json_object_object_length(leases);
        json_object_put(leases);
        if (busy)
                return cell_error_set(err, EBUSY, "error while removing network: network %s id %s has active endpoints",
                                      r->name, r->id);
        _cleanup_free_ char *file = xasprintf("%s.json", r->name);
        _cleanup_free_ char *lfile = xasprintf("%s.leases.json", r->name);
        if (unlink_at(storage, lfile, err) < 0 || unlink_at(storage, file, err) < 0)
                return -1;
        return 0;
}

json_object *cell_netstore_leases(const char *storage, const char *name)
{
        _cleanup_free_ char *file = xasprintf("%s.leases.json", name);
        return read_object_or_empty(storage, file);
}

static int leases_save(const char *storage, const char *name, json_object *l, struct cell_error *err)
{
        _cleanup_free_ char *file = xasprintf("%s.leases.json", name);
        if (json_object_object_length(l) == 0)
                return unlink_at(storage, file, err);
        return write_json(storage, file, l, err);
}

/* The address `ctr_id` already holds in `family` on the network, into buf. */
static bool held(json_object *l, const char *ctr_id, int family, char *buf, size_t size)
{
        json_object_object_foreach(l, ip, owner) {
                if (strcmp(json_object_get_string(owner), ctr_id) == 0 &&
                    (strchr(ip, ':') != NULL) == (family == AF_INET6)) {
                        snprintf(buf, size, "%s", ip);
                        return true;
                }
        }
        return false;
}

static int lease_one(json_object *l, const struct cell_netrec *r, const char *subnet, const char *gw,
                     const char *want, const char *ctr_id, char *buf, struct cell_error *err)
{
        struct cell_cidr c;
        if (cell_cidr_parse(subnet, &c, err) < 0)
                return -1;
        if (held(l, ctr_id, c.family, buf, INET6_ADDRSTRLEN))
                return 0;
        if (!want)
                return cell_ipam_pick(&c, gw, l, r->name, buf, INET6_ADDRSTRLEN, err);
        int fam;
        if (cell_ip_canonical(want, &fam, buf, INET6_ADDRSTRLEN) < 0)
                return cell_error_set(err, EINVAL, "invalid IP address %s", want);
        if (fam != c.family || !cell_cidr_contains(&c, buf))
                return cell_error_set(err, EINVAL, "address %s is not in subnet %s of network %s", want,
                                      subnet, r->name);
        char net[INET6_ADDRSTRLEN], bcast[INET6_ADDRSTRLEN] = "";
        cell_cidr_nth(&c, 0, net, sizeof(net));
        if (c.family == AF_INET)
                cell_cidr_nth(&c, cell_cidr_last_host(&c) + 1, bcast, sizeof(bcast));
        if (strcmp(buf, net) == 0 || strcmp(buf, bcast) == 0 || (gw && strcmp(buf, gw) == 0))
                return cell_error_set(err, EADDRINUSE, "address %s is reserved on network %s", want, r->name);
        json_object *owner;
        if (json_object_object_get_ex(l, buf, &owner))
                return cell_error_set(err, EADDRINUSE,
                                      "address %s is already in use on network %s by container %.12s", want,
                                      r->name, json_object_get_string(owner));
        return 0;
}

int cell_netstore_lease(const char *storage, const struct cell_netrec *r, const char *want4,
                        const char *ctr_id, char *ip4, char *ip6, struct cell_error *err)
{
        ip4[0] = ip6[0] = '\0';
        json_object *l = cell_netstore_leases(storage, r->name);
        int rc = 0;
        if (r->subnet4)
                rc = lease_one(l, r, r->subnet4, r->gateway4, want4, ctr_id, ip4, err);
        else if (want4)
                rc = cell_error_set(err, EINVAL, "network %s has no IPv4 subnet for --ip %s", r->name, want4);
        if (rc == 0 && r->subnet6)
                rc = lease_one(l, r, r->subnet6, r->gateway6, NULL, ctr_id, ip6, err);
        if (rc == 0) {
                if (*ip4)
                        json_object_object_add(l, ip4, json_object_new_string(ctr_id));
                if (*ip6)
                        json_object_object_add(l, ip6, json_object_new_string(ctr_id));
                rc = leases_save(storage, r->name, l, err);
        }
        json_object_put(l);
        return rc;
}

int cell_netstore_release(const char *storage, const char *name, const char *ctr_id,
                          struct cell_error *err)
{
        json_object *l = cell_netstore_leases(storage, name);
        json_object *keep = json_object_new_object();
        bool changed = false;
        json_object_object_foreach(l, ip, owner) {
                if (strcmp(json_object_get_string(owner), ctr_id) == 0)
                        changed = true;
                else
                        json_object_object_add(keep, ip, json_object_get(owner));
        }
        int rc = changed ? leases_save(storage, name, keep, err) : 0;
        json_object_put(keep);
        json_object_put(l);
        return rc;
}

json_object *cell_netstore_ports(const char *storage)
{
        return read_object_or_empty(storage, "ports.json");
}

int cell_netstore_ports_save(const char *storage, json_object *ports, struct cell_error *err)
{
        return write_json(storage, "ports.json", ports, err);
}
