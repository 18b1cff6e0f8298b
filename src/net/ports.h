/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_PORTS_H
#define CELL_NET_PORTS_H

/*
 * Published ports: docker's -p syntax, -P, the choice of free host ports
 * and the check that a host port is free, before the container starts.
 *
 *   -p [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]     HOSTIP may be [v6] in brackets
 *   -p 8000-8002:80-82   ranges of the same length map one to one
 *   -p 8000-8010:80      one port picked from the host range
 *   -p 80, -p IP::80     a free host port (the kernel's ephemeral range)
 * A port is 1-65535; anything else: 'invalid port "X" in -p "SPEC"'.
 *
 * A host port is taken when a socket of the host namespace (where cell
 * runs) is bound to it (tried with bind(2), SO_REUSEADDR so that TIME_WAIT
 * does not count) or when another cell container published it: the
 * registry <storage>/networks/ports.json, claimed and released under the
 * networks lock (netstore.h) so that two concurrent runs never get one port.
 */

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/error.h"

struct cell_port_map {
        char proto[4];      /* "tcp" or "udp" */
        char host_ip[46];   /* "" for every address */
        uint16_t host_port; /* 0: to be picked (within host_lo..host_hi when set) */
        uint16_t host_lo, host_hi;
        uint16_t ctr_port;
};

/* One -p value, appended to *maps (ranges expanded). */
int cell_ports_parse(const char *spec, struct cell_port_map **maps, size_t *n, struct cell_error *err);
/* -P: each key of the image's ExposedPorts ("80/tcp") as a port to pick. */
int cell_ports_exposed(json_object *exposed, struct cell_port_map **maps, size_t *n,
                       struct cell_error *err);

/*
 * Networks lock held.  Pick the host ports still 0, check every one (bind
 * test, registry), and record them in the registry for `ctr_id`.  A
 * container's own earlier claims do not conflict (idempotent).  Errors:
 * "bind for 0.0.0.0:8080 failed: port is already allocated" (a cell
 * container: "... by container ID"); nothing is claimed on failure.
 */
int cell_ports_claim(const char *storage, struct cell_port_map *maps, size_t n, const char *ctr_id,
                     struct cell_error *err);
/* Networks lock held.  Every port `ctr_id` claimed released. */
int cell_ports_release(const char *storage, const char *ctr_id, struct cell_error *err);

#endif
