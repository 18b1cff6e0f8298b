/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/netstore.h"
#include "net/ports.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* "80" or "8000-8010" into lo..hi (hi = lo for one port). */
static int parse_range(const char *s, const char *spec, uint16_t *lo, uint16_t *hi,
                       struct cell_error *err)
{
        char *end;
        errno = 0;
        long a = strtol(s, &end, 10), b = a;
        if (end != s && *end == '-') {
                const char *t = end + 1;
                b = strtol(t, &end, 10);
                if (end == t)
                        b = -1;
        }
        if (end == s || *end || errno || a < 1 || a > 65535 || b < 1 || b > 65535 || b < a)
                return cell_error_set(err, EINVAL,
                                      "invalid port \"%s\" in -p \"%s\": a port is 1-65535", s,
                                      spec);
        *lo = (uint16_t)a;
        *hi = (uint16_t)b;
        return 0;
}

/* Split "[ip:][host:]ctr" from the right; returns the parts (empty strings when absent). */
static int split_spec(const char *spec, char *body, char **ip, char **host, char **ctr,
                      struct cell_error *err)
{
        *ip = *host = NULL;
        char *last = strrchr(body, ':');
        if (!last) {
                *ctr = body;
                return 0;
        }
        *last = '\0';
        *ctr = last + 1;
        char *prev = body[0] == '[' ? strstr(body, "]:") : strrchr(body, ':');
        if (body[0] == '[' && prev)
                prev++;
        if (!prev) {
                *host = body;
                return 0;
        }
        *prev = '\0';
        *host = prev + 1;
        *ip = body;
        size_t l = strlen(*ip);
        if (l >= 2 && (*ip)[0] == '[' && (*ip)[l - 1] == ']') {
                (*ip)[l - 1] = '\0';
                (*ip)++;
        }
        unsigned char a[16];
        if (**ip && inet_pton(strchr(*ip, ':') ? AF_INET6 : AF_INET, *ip, a) != 1)
                return cell_error_set(err, EINVAL, "invalid IP address \"%s\" in -p \"%s\"", *ip,
                                      spec);
        return 0;
}

int cell_ports_parse(const char *spec, struct cell_port_map **maps, size_t *n,
                     struct cell_error *err)
{
        _cleanup_free_ char *body = xstrdup(spec);
        struct cell_port_map m = {.proto = "tcp"};
        char *slash = strrchr(body, '/');
        if (slash && !strchr(slash, ']')) {
                *slash = '\0';
                if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0)
                        return cell_error_set(err, EINVAL,
                                              "invalid proto \"%s\" in -p \"%s\": tcp or udp",
                                              slash + 1, spec);
                snprintf(m.proto, sizeof(m.proto), "%s", slash + 1);
        }
        char *ip, *host, *ctr;
        if (split_spec(spec, body, &ip, &host, &ctr, err) < 0)
                return -1;
        if (ip)
                snprintf(m.host_ip, sizeof(m.host_ip), "%s", ip);
        if (strcmp(m.host_ip, "0.0.0.0") == 0)
                m.host_ip[0] = '\0';
        uint16_t clo, chi, hlo = 0, hhi = 0;
        if (parse_range(ctr, spec, &clo, &chi, err) < 0)
                return -1;
        if (host && *host && parse_range(host, spec, &hlo, &hhi, err) < 0)
                return -1;
        bool host_range = hlo && hhi != hlo;
        if (hlo && chi != clo && hhi - hlo != chi - clo)
                return cell_error_set(
                        err, EINVAL,
                        "invalid ranges in -p \"%s\": host and container ranges differ in length",
                        spec);
        /* room for the whole range at once: a range of tens of thousands of ports
         * grown one element at a time copied the array as often (the fuzzer's
         * `-p 80-38480` took 36 s) */
        *maps = xreallocarray(*maps, *n + (size_t)(chi - clo) + 1, sizeof(**maps));
        for (unsigned p = clo; p <= chi; p++) {
                m.ctr_port = (uint16_t)p;
                m.host_lo = m.host_hi = 0;
                m.host_port = 0;
                if (hlo && chi != clo)
                        m.host_port = (uint16_t)(hlo + (p - clo));
                else if (host_range) {
                        m.host_lo = hlo;
                        m.host_hi = hhi;
                } else
                        m.host_port = hlo;
                (*maps)[(*n)++] = m;
        }
        return 0;
}

int cell_ports_exposed(json_object *exposed, struct cell_port_map **maps, size_t *n,
                       struct cell_error *err)
{
        if (!exposed || !json_object_is_type(exposed, json_type_object))
                return 0;
        json_object_object_foreach(exposed, key, val)
        {
                (void)val;
                if (cell_ports_parse(key, maps, n, err) < 0)
                        return -1;
        }
        return 0;
}

static const char *ip_text(const struct cell_port_map *m)
{
        return m->host_ip[0] ? m->host_ip : "0.0.0.0";
}

/* Can the host namespace bind this port? */
static bool bind_free(const struct cell_port_map *m, uint16_t port, uint16_t *picked)
{
        bool v6 = strchr(m->host_ip, ':') != NULL;
        int type = strcmp(m->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
        _cleanup_close_ int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_storage ss = {0};
        socklen_t len;
        if (v6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons(port);
                inet_pton(AF_INET6, m->host_ip, &a->sin6_addr);
                len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;
                a->sin_family = AF_INET;
                a->sin_port = htons(port);
                if (m->host_ip[0])
                        inet_pton(AF_INET, m->host_ip, &a->sin_addr);
                len = sizeof(*a);
        }
        if (bind(fd, (struct sockaddr *)&ss, len) < 0)
                return false;
        if (picked) {
                len = sizeof(ss);
                if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                        return false;
                *picked = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                   : ((struct sockaddr_in *)&ss)->sin_port);
        }
        return true;
}

/* The owner of a conflicting registry entry, or NULL. */
static const char *registry_owner(json_object *reg, const struct cell_port_map *m, uint16_t port,
                                  const char *ctr_id)
{
        json_object_object_foreach(reg, key, owner)
        {
                char proto[8], ip[64];
                unsigned p;
                const char *sep = strrchr(key, '/');
                if (!sep || sscanf(sep + 1, "%u", &p) != 1 || sscanf(key, "%7[a-z]/", proto) != 1)
                        continue;
                size_t ipl = (size_t)(sep - key) - strlen(proto) - 1;
                snprintf(ip, sizeof(ip), "%.*s", (int)ipl, key + strlen(proto) + 1);
                const char *o = json_object_get_string(owner);
                if (p != port || strcmp(proto, m->proto) != 0 || strcmp(o, ctr_id) == 0)
                        continue;
                if (!ip[0] || !m->host_ip[0] || strcmp(ip, m->host_ip) == 0)
                        return o;
        }
        return NULL;
}

static char *reg_key(const struct cell_port_map *m)
{
        return xasprintf("%s/%s/%u", m->proto, m->host_ip, m->host_port);
}

static bool registry_holds(json_object *reg, const struct cell_port_map *m, const char *ctr_id)
{
        _cleanup_free_ char *k = reg_key(m);
        json_object *o;
        return json_object_object_get_ex(reg, k, &o) &&
               strcmp(json_object_get_string(o), ctr_id) == 0;
}

static int pick(json_object *reg, struct cell_port_map *m, const char *ctr_id,
                struct cell_error *err)
{
        if (m->host_lo) {
                for (unsigned p = m->host_lo; p <= m->host_hi; p++)
                        if (!registry_owner(reg, m, (uint16_t)p, ctr_id) &&
                            bind_free(m, (uint16_t)p, NULL)) {
                                m->host_port = (uint16_t)p;
                                return 0;
                        }
                return cell_error_set(err, EADDRINUSE, "no free host port in %u-%u for %u/%s",
                                      m->host_lo, m->host_hi, m->ctr_port, m->proto);
        }
        for (int tries = 0; tries < 200; tries++) {
                uint16_t p;
                if (bind_free(m, 0, &p) && !registry_owner(reg, m, p, ctr_id)) {
                        m->host_port = p;
                        return 0;
                }
        }
        return cell_error_set(err, EADDRINUSE, "no free host port for %u/%s", m->ctr_port,
                              m->proto);
}

int cell_ports_claim(const char *storage, struct cell_port_map *maps, size_t n, const char *ctr_id,
                     struct cell_error *err)
{
        json_object *reg = cell_netstore_ports(storage);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                struct cell_port_map *m = &maps[i];
                if (!m->host_port) {
                        rc = pick(reg, m, ctr_id, err);
                } else {
                        const char *owner = registry_owner(reg, m, m->host_port, ctr_id);
                        if (owner)
                                rc = cell_error_set(err, EADDRINUSE,
                                                    "bind for %s:%u failed: port is already "
                                                    "allocated by container %.12s",
                                                    ip_text(m), m->host_port, owner);
                        else if (!registry_holds(reg, m, ctr_id) &&
                                 !bind_free(m, m->host_port, NULL))
                                rc = cell_error_set(
                                        err, EADDRINUSE,
                                        "bind for %s:%u failed: port is already allocated",
                                        ip_text(m), m->host_port);
                }
                for (size_t j = 0; j < i && rc == 0; j++)
                        if (maps[j].host_port == m->host_port &&
                            strcmp(maps[j].proto, m->proto) == 0 &&
                            (!maps[j].host_ip[0] || !m->host_ip[0] ||
                             strcmp(maps[j].host_ip, m->host_ip) == 0))
                                rc = cell_error_set(err, EADDRINUSE,
                                                    "host port %s:%u/%s is published twice",
                                                    ip_text(m), m->host_port, m->proto);
                if (rc == 0) {
                        _cleanup_free_ char *k = reg_key(m);
                        json_object_object_add(reg, k, json_object_new_string(ctr_id));
                }
        }
        if (rc == 0 && n)
                rc = cell_netstore_ports_save(storage, reg, err);
        json_object_put(reg);
        return rc;
}

int cell_ports_release(const char *storage, const char *ctr_id, struct cell_error *err)
{
        json_object *reg = cell_netstore_ports(storage);
        json_object *keep = json_object_new_object();
        bool changed = false;
        json_object_object_foreach(reg, key, owner)
        {
                if (strcmp(json_object_get_string(owner), ctr_id) == 0)
                        changed = true;
                else
                        json_object_object_add(keep, key, json_object_get(owner));
        }
        int rc = changed ? cell_netstore_ports_save(storage, keep, err) : 0;
        json_object_put(keep);
        json_object_put(reg);
        return rc;
}
