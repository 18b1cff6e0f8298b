/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_NFT_H
#define CELL_NET_NFT_H

/*
 * cell's own nftables table (libnftables), for cell-net only.
 *
 * One table, `inet cell`, that no other tool touches and that cell never
 * leaves: nothing here flushes or lists the ruleset or another table.  Its
 * chains and rules are fixed and made once, atomically, by the first
 * network_up (`create table` fails when it exists, and the whole transaction
 * with it); everything that changes is an element of a set or map:
 *
 *   masq4, masq6     subnets of non-internal networks (comment: network name)
 *   internal         bridge devices of internal networks
 *   ports_tcp/_udp   host port -> container address . port (any host address)
 *   ports4_tcp/_udp  host address . port -> container address . port
 *                    (elements carry the container id as comment)
 *
 * Rules: prerouting and output DNAT through the port maps for packets to a
 * local address (`fib daddr type local`, so 127.0.0.1 too: route_localnet
 * on the bridge lets those leave it); postrouting masquerades a masq subnet
 * going elsewhere, DNAT'd packets from 127.0.0.0/8 and DNAT'd packets from a
 * cell subnet (a container reaching a published port through the host's
 * address: hairpin); forward drops what enters or leaves an internal bridge
 * from or to another interface.
 *
 * Removal adds then deletes the very element in one transaction: an element
 * that is not there is no error (detach is idempotent), and one whose key
 * maps to another container's address is left alone (add fails: File
 * exists), then retried element by element.
 */

#include <stdbool.h>
#include <stddef.h>

#include "net/netops.h"
#include "util/error.h"

struct nft_ctx;

struct cell_nft {
        struct nft_ctx *ctx;
};

int cell_nft_open(struct cell_nft *n, struct cell_error *err);
void cell_nft_close(struct cell_nft *n);

/* The table (first time) and this network's elements. */
int cell_nft_network_up(struct cell_nft *n, const struct cell_net_bridge *b,
                        struct cell_error *err);
/* This network's elements gone (the table stays). */
int cell_nft_network_down(struct cell_nft *n, const struct cell_net_bridge *b,
                          struct cell_error *err);
/* One transaction adding every port's DNAT element to `ctr_ip4`.  A host
 * port that another container holds: an error naming it, nothing added. */
int cell_nft_ports_add(struct cell_nft *n, const char *id, const char *ctr_ip4,
                       const struct cell_net_port *ports, size_t n_ports, struct cell_error *err);
/* Those elements gone; missing ones are fine.  `ctr_ip4` NULL (not recorded):
 * deleted by key alone, whoever holds it. */
int cell_nft_ports_del(struct cell_nft *n, const char *id, const char *ctr_ip4,
                       const struct cell_net_port *ports, size_t n_ports, struct cell_error *err);

#endif
