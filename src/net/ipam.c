/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int addr_len(int family)
{
        return family == AF_INET ? 4 : 16;
}

int cell_ip_canonical(const char *ip, int *family, char *buf, size_t size)
{
        uint8_t a[16];
        int f = strchr(ip, ':') ? AF_INET6 : AF_INET;
        if (inet_pton(f, ip, a) != 1 || !inet_ntop(f, a, buf, (socklen_t)size))
                return -1;
        if (family)
                *family = f;
        return 0;
}

int cell_cidr_parse(const char *s, struct cell_cidr *out, struct cell_error *err)
{
        memset(out, 0, sizeof(*out));
        const char *slash = strchr(s, '/');
        if (!slash || slash == s || !slash[1])
                return cell_error_set(err, EINVAL, "invalid subnet %s: want ADDRESS/PREFIX", s);
        _cleanup_free_ char *ip = xstrndup(s, (size_t)(slash - s));
        out->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
        if (inet_pton(out->family, ip, out->addr) != 1)
                return cell_error_set(err, EINVAL, "invalid subnet %s: %s is not an IP address", s, ip);
        char *end;
        errno = 0;
        long p = strtol(slash + 1, &end, 10);
        int max = addr_len(out->family) * 8;
        if (*end || errno || p < 1 || p > max)
                return cell_error_set(err, EINVAL, "invalid subnet %s: prefix must be 1-%d", s, max);
        if (out->family == AF_INET && p > 30)
                return cell_error_set(err, EINVAL, "invalid subnet %s: no room for addresses (prefix > 30)", s);
        out->prefix = (int)p;
        uint8_t net[16];
        memcpy(net, out->addr, sizeof(net));
        for (int i = 0; i < max; i++)
                if (i >= out->prefix)
                        net[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
        if (memcmp(net, out->addr, (size_t)addr_len(out->family)) != 0) {
                char want[INET6_ADDRSTRLEN];
                inet_ntop(out->family, net, want, sizeof(want));
                return cell_error_set(err, EINVAL, "invalid subnet %s: it should be %s/%d", s, want,
                                      out->prefix);
        }
        return 0;
}

void cell_cidr_format(const struct cell_cidr *c, char *buf, size_t size)
{
        char a[INET6_ADDRSTRLEN];
        inet_ntop(c->family, c->addr, a, sizeof(a));
        snprintf(buf, size, "%s/%d", a, c->prefix);
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
        for (int i = 0; i < bits; i++) {
                uint8_t m = (uint8_t)(0x80 >> (i % 8));
                if ((a[i / 8] & m) != (b[i / 8] & m))
                        return false;
        }
        return true;
}

bool cell_cidr_overlap(const struct cell_cidr *a, const struct cell_cidr *b)
{
        if (a->family != b->family)
                return false;
        return prefix_equal(a->addr, b->addr, a->prefix < b->prefix ? a->prefix : b->prefix);
}

bool cell_cidr_contains(const struct cell_cidr *c, const char *ip)
{
        uint8_t a[16];
        if (inet_pton(c->family, ip, a) != 1)
                return false;
        return prefix_equal(a, c->addr, c->prefix);
}

uint64_t cell_cidr_last_host(const struct cell_cidr *c)
{
        int host_bits = addr_len(c->family) * 8 - c->prefix;
        if (c->family == AF_INET)
                return (1ULL << host_bits) - 2;
        return host_bits >= 32 ? (1ULL << 32) - 1 : (1ULL << host_bits) - 1;
}

int cell_cidr_nth(const struct cell_cidr *c, uint64_t n, char *buf, size_t size)
{
        int host_bits = addr_len(c->family) * 8 - c->prefix;
        if (host_bits < 64 && n >= (1ULL << host_bits))
                return -1;
        uint8_t a[16];
        memcpy(a, c->addr, sizeof(a));
        int len = addr_len(c->family);
        uint64_t carry = n;
        for (int i = len - 1; i >= 0 && carry; i--) {
                uint64_t v = a[i] + (carry & 0xff);
                a[i] = (uint8_t)v;
                carry = (carry >> 8) + (v >> 8);
        }
        return inet_ntop(c->family, a, buf, (socklen_t)size) ? 0 : -1;
}

int cell_ipam_pick(const struct cell_cidr *c, const char *gateway, json_object *taken,
                   const char *netname, char *buf, size_t size, struct cell_error *err)
{
        uint64_t last = cell_cidr_last_host(c);
        for (uint64_t n = 1; n <= last; n++) {
                if (cell_cidr_nth(c, n, buf, size) < 0)
                        break;
                if (gateway && strcmp(buf, gateway) == 0)
                        continue;
                if (taken && json_object_object_get_ex(taken, buf, NULL))
                        continue;
                return 0;
        }
        char sub[INET6_ADDRSTRLEN + 4];
        cell_cidr_format(c, sub, sizeof(sub));
        return cell_error_set(err, ENOSPC, "network %s: no free address in %s", netname, sub);
}
