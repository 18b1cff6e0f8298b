/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_NETDEV_H
#define CELL_SANDBOX_NETDEV_H

/*
 * linux.netDevices (runtime-spec 1.3): host network interfaces handed to
 * the container.  Run by the runtime (in the host's network namespace)
 * once the container's init exists in its new network namespace, before
 * the container can start.
 *
 * For each device, in config order: it must exist on the host; its
 * permanent global addresses (IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, every
 * family) are read; it is moved into the namespace of `pid` and renamed
 * there in one RTM_NEWLINK; the addresses the move flushed are added back
 * and the device is set up.
 *
 * Nothing moves a device back: as the spec requires, when the namespace
 * goes (the container's last process exits) the kernel returns physical
 * devices to the initial namespace and destroys virtual ones (veth, dummy,
 * macvlan...).
 *
 * Returns < 0 with `err` naming "linux.netDevices.<host name>" and why.
 * The caller's network namespace is the same on return, success or not.
 */

#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

int cell_netdev_move_all(const struct cell_linux *linux_cfg, pid_t pid, struct cell_error *err);

#endif
