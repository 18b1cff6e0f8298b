/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_IPAM_H
#define CELL_NET_IPAM_H

/*
 * Address arithmetic for cell's IPAM: subnets (IPv4 and IPv6 CIDRs) parsed
 * and checked as docker checks them, overlap tests, and the choice of a
 * free address of a subnet given the ones taken.  Pure functions: the
 * leases themselves (who holds which address) are netstore.h's, under its
 * lock.
 *
 * Allocation order: the first free host address after the gateway (the
 * network address, the gateway and, for IPv4, the broadcast address are
 * never given out).  IPv6 subnets allocate from ::2 upwards too, but only
 * within the first 2^32 addresses (enough for any bridge).
 */

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/error.h"

struct cell_cidr {
        int family;        /* AF_INET or AF_INET6 */
        uint8_t addr[16];  /* network address (host bits zero) */
        int prefix;
};

/*
 * "10.88.0.0/16", "fd00:1::/64".  Errors name the value: "invalid subnet
 * X: ...".  Host bits set: docker's "invalid subnet 10.1.2.3/24: it should
 * be 10.1.2.0/24".  IPv4 prefixes must leave room for hosts (<= 30).
 */
int cell_cidr_parse(const char *s, struct cell_cidr *out, struct cell_error *err);
/* "10.88.0.0/16" into buf (INET6_ADDRSTRLEN + 4). */
void cell_cidr_format(const struct cell_cidr *c, char *buf, size_t size);
bool cell_cidr_overlap(const struct cell_cidr *a, const struct cell_cidr *b);
/* Is `ip` (text) inside `c`? false for bad text or another family. */
bool cell_cidr_contains(const struct cell_cidr *c, const char *ip);
/* The address at offset `n` of the subnet, as text (buf INET6_ADDRSTRLEN). -1 out of range. */
int cell_cidr_nth(const struct cell_cidr *c, uint64_t n, char *buf, size_t size);
/* Number of usable offsets: 1 .. size-2 (IPv4), 1 .. min(2^32, size)-1 (IPv6). */
uint64_t cell_cidr_last_host(const struct cell_cidr *c);

/*
 * The first address of `c` that is not `gateway` and not a key of `taken`
 * (a JSON object whose keys are addresses); into buf.  Error when the
 * subnet is full: "network N: no free address in SUBNET".
 */
int cell_ipam_pick(const struct cell_cidr *c, const char *gateway, json_object *taken,
                   const char *netname, char *buf, size_t size, struct cell_error *err);

/* Canonical text of an address (inet_pton + inet_ntop); -1 when it is not one. */
int cell_ip_canonical(const char *ip, int *family, char *buf, size_t size);

#endif
