/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_NETWORK_CNI_H
#define CELL_ENGINE_NETWORK_CNI_H

/*
 * `--network cni:NAME`: the driver that runs the CNI configuration list NAME
 * (net/cni.h) for a container.  An entry of engine/network.c's table, in a
 * file of its own so that the bridge/macvlan drivers and this one can grow
 * apart.  Which directories it reads: network_cni.c.
 */

#include "engine/network.h"

extern const struct cell_net_driver cell_net_cni_driver;

#endif
