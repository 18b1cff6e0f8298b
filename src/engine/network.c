/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "engine/network.h"
#include "engine/network_cni.h"
#include "util/xalloc.h"

/* The runtime makes the namespace and brings lo up (sandbox/network.c): nothing else to do. */
static const struct cell_net_driver none_driver = {
        .name = "none",
        .ns = CELL_NET_NS_NEW,
};

static const struct cell_net_driver host_driver = {
        .name = "host",
        .ns = CELL_NET_NS_HOST,
};

static const struct cell_net_driver *const drivers[] = {
        &none_driver,
        &host_driver,
        &cell_net_cni_driver,
};

const struct cell_net_driver *cell_net_driver_find(const char *mode, struct cell_error *err)
{
        if (strncmp(mode, "cni:", 4) == 0 && mode[4])
                return &cell_net_cni_driver;
        for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
                if (strcmp(drivers[i]->name, mode) == 0)
                        return drivers[i];
        cell_error_set(err, 0, "network %s: not supported yet", mode);
        return NULL;
}

char *cell_net_ports_text(const struct cell_ctr *c)
{
        char *out = xstrdup("");
        json_object *ports;
        if (!c->network || !json_object_object_get_ex(c->network, "ports", &ports) ||
            !json_object_is_type(ports, json_type_array))
                return out;
        for (size_t i = 0; i < json_object_array_length(ports); i++) {
                json_object *p = json_object_array_get_idx(ports, i), *v;
                const char *ctr = json_object_object_get_ex(p, "container", &v) ? json_object_get_string(v) : "";
                const char *ip = json_object_object_get_ex(p, "host_ip", &v) ? json_object_get_string(v) : "0.0.0.0";
                const char *port = json_object_object_get_ex(p, "host_port", &v) ? json_object_get_string(v) : "";
                char *more = xasprintf("%s%s -> %s:%s\n", out, ctr, ip, port);
                free(out);
                out = more;
        }
        return out;
}
