/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_HOSTS_H
#define CELL_NET_HOSTS_H

/*
 * A container's /etc/hosts and /etc/resolv.conf, as text.  The files live
 * in containers/<id>/ and are bind-mounted into the container, so updates
 * rewrite them in place (cell_hosts_write_in_place: O_TRUNC + write, never
 * a rename, which would leave the mount on the old inode).
 *
 * resolv.conf: the host's, except that loopback nameservers (127.0.0.0/8,
 * ::1: a local stub resolver such as systemd-resolved's) are dropped: they
 * would be the container's own loopback.  The network's gateway is no
 * resolver either (no daemon runs there), so when the host has only
 * loopback nameservers the container gets none.  --dns replaces the
 * nameservers.
 */

#include <stddef.h>

#include "util/error.h"

struct cell_hosts_entry {
        const char *ip;
        const char *const *names; /* NULL-terminated: name, hostname, aliases */
};

/*
 * localhost lines, then `self` (when ip is set; else "127.0.1.1 names"),
 * then each peer, then `extra` ("--add-host NAME:IP" lines, given as
 * entries too).  Caller frees.
 */
char *cell_hosts_text(const struct cell_hosts_entry *self, const struct cell_hosts_entry *peers,
                      size_t n_peers, const struct cell_hosts_entry *extra, size_t n_extra);

/* resolv.conf from the host's text (may be NULL) and --dns (NULL-terminated, may be NULL). */
char *cell_resolv_text(const char *host_resolv, const char *const *dns);

/* Rewrite `path` in place (it must exist; O_TRUNC, write). */
int cell_hosts_write_in_place(const char *path, const char *text, struct cell_error *err);

#endif
