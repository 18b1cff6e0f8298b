/* SPDX-License-Identifier: Apache-2.0 */
/* The loopback interface of a new network namespace. */
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "sandbox/process.h"
#include "util/cleanup.h"

/*
 * A new network namespace has `lo` down: 127.0.0.1 is then unreachable,
 * which breaks programs that talk to themselves.  runc brings it up when it
 * creates the namespace (not when one is joined by path: that one is
 * someone else's to configure).
 *
 * One SIOCSIFFLAGS on any socket is the cheapest way (3 system calls, no
 * netlink message and no reply to read).  Setting the flags to just IFF_UP
 * is exact for a fresh `lo`: the kernel keeps the flags a caller cannot
 * change (IFF_LOOPBACK, IFF_RUNNING...) whatever we pass, and a new
 * namespace's `lo` has none of the settable ones.
 */
int cell_sandbox_loopback_up(const struct cell_spec *spec, struct cell_error *err)
{
        const struct cell_namespace *net = &spec->linux.namespaces[CELL_NS_NET];
        if (!net->enabled || net->path)
                return 0;
        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return cell_error_errno(err, "bring up lo in the new network namespace: socket");
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        strcpy(ifr.ifr_name, "lo");
        ifr.ifr_flags = IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
                return cell_error_errno(err, "bring up lo in the new network namespace");
        return 0;
}
