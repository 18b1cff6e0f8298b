/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_NET_CNI_H
#define CELL_NET_CNI_H

/*
 * CNI: running a network configuration list's plugins for one container, as
 * the CNI specification 1.0.0 says a runtime does (github.com/containernetworking
 * /cni, SPEC.md), for users who already have CNI networks (`--network cni:NAME`).
 *
 * A configuration list is a JSON file in a directory (/etc/cni/net.d) with a
 * "name", a "cniVersion" and "plugins": [{"type": ..., ...}, ...]; a *.conf
 * file holding one plugin's configuration counts as a list of one.  Each
 * plugin is an executable named by its "type" in one of the plugin
 * directories (CNI_PATH, /usr/lib/cni).  A plugin gets its operation in the
 * environment (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS,
 * CNI_PATH) and its configuration on stdin: its own object from the list plus
 * "name", "cniVersion", "prevResult" (the result of the plugin before it on
 * ADD; the cached final result on CHECK and DEL) and "runtimeConfig" with the
 * capabilities it declares that the runtime can fill (portMappings).  It
 * answers with a result object on stdout, or with an error object
 * ({"code", "msg", "details"}) and a non-zero exit: then the error names the
 * network, the plugin and the operation, with the plugin's own words.
 *
 * ADD runs the plugins in order; DEL in reverse order; CHECK in order.
 *
 * Crash safety: before the first plugin of an ADD runs, the list's
 * configuration and the runtime config are written to the cache
 * (<cache_dir>/<network>-<container id>-<ifname>.json, libcni's layout); the
 * final result is added when ADD finishes.  DEL works from that file alone:
 * it runs even when the list was changed or removed since, with the cached
 * result as prevResult and the plugin directories of the ADD searched first,
 * and removes the file last.  No file: nothing was ever
 * attempted, DEL does nothing.  So a DEL after a SIGKILL at any point of an
 * ADD (or of an earlier DEL) finishes the job, and a repeated DEL is a no-op.
 * A failed ADD is undone (DEL of the whole list) before it returns, as the
 * specification asks of the runtime.
 *
 * Leaf module: util/ and json-c only; no engine types.
 */

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/error.h"

/* A published port, handed to plugins that declare the portMappings capability. */
struct cell_cni_port {
        const char *proto;   /* "tcp" or "udp" */
        const char *host_ip; /* NULL or "": every address */
        uint16_t host_port;
        uint16_t ctr_port;
};

/* Everything about one attachment besides the list itself.  Only read. */
struct cell_cni_rt {
        const char *container_id;
        const char *netns;       /* the namespace file (CNI_NETNS) */
        const char *ifname;      /* "eth0" */
        const char *plugin_path; /* CNI_PATH: directories, ':'-separated */
        const char *cache_dir;   /* created if missing */
        const struct cell_cni_port *ports;
        size_t n_ports;
        int timeout_s; /* a plugin still running after this long is killed (error); 0: wait */
};

/*
 * The configuration list called `name` in `dir`: the *.conflist, *.conf or
 * *.json file whose "name" is `name` (the first in name order, as libcni
 * picks).  Validated: a "cniVersion", a non-empty "plugins" array whose
 * every entry has a "type" that is a plain file name.  `*out` is a new
 * reference the caller puts.  Not found: errnum ENOENT, the message names
 * the network and the directory.
 */
int cell_cni_conflist_load(const char *dir, const char *name, json_object **out,
                           struct cell_error *err);

/* ADD of the whole list.  `*result` (optional) gets the final result (a new reference). */
int cell_cni_add(json_object *conflist, const struct cell_cni_rt *rt, json_object **result,
                 struct cell_error *err);

/* CHECK of the whole list against the cached result (ENOENT: never added). */
int cell_cni_check(const char *name, const struct cell_cni_rt *rt, struct cell_error *err);

/* DEL from the cache of network `name`; nothing cached: 0.  Idempotent. */
int cell_cni_del(const char *name, const struct cell_cni_rt *rt, struct cell_error *err);

/* The cache file's path of that attachment.  Caller frees. */
char *cell_cni_cache_path(const char *name, const struct cell_cni_rt *rt);

#endif
