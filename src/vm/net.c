/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's network: the container's network namespace, as the network driver
 * made it, handed to the guest.  In that namespace the first interface with an
 * IPv4 address (the container's eth0) is enslaved to a bridge together with a
 * tap device that QEMU's virtio-net uses; the address, its prefix and the
 * default gateway move to the guest (the guest's NIC takes the interface's
 * MAC, the interface a new one: a bridge delivers frames for its ports' own
 * addresses to itself instead of forwarding them).  So the guest answers at
 * the container's address, and whatever the driver routes or publishes to it
 * reaches the guest.  Everything lives in the container's namespace and goes
 * with it.
 *
 * The old ioctls (SIOCBRADDBR, SIOCSIFADDR...) rather than netlink: a handful
 * of fixed operations on one namespace, in the VM process only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "vm/vm.h"

#define TAP_NAME "cellvm0"
#define BRIDGE_NAME "cellvmbr0"

/* The first non-loopback interface with an IPv4 address. */
static int find_interface(struct cell_vm_net *n, struct cell_error *err)
{
        struct ifaddrs *list = NULL;
        if (getifaddrs(&list) < 0)
                return cell_error_errno(err, "micro-VM network: list interfaces");
        int r = -1;
        for (struct ifaddrs *i = list; i && r < 0; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
                    (i->ifa_flags & IFF_LOOPBACK) || !i->ifa_netmask)
                        continue;
                snprintf(n->ifname, sizeof n->ifname, "%s", i->ifa_name);
                n->address = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
                uint32_t mask = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
                n->prefix = (unsigned)__builtin_popcount(mask);
                r = 0;
        }
        freeifaddrs(list);
        if (r < 0)
                return cell_error_set(err, ENODEV,
                                      "micro-VM network: no interface with an IPv4 address in the "
                                      "container's namespace");
        return 0;
}

/* The default route's gateway from /proc/net/route (of our namespace); 0 when none. */
static uint32_t default_gateway(const char *ifname)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
        char line[256], dev[IFNAMSIZ + 1];
        unsigned dest, gw, flags;
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "%16s %x %x %x", dev, &dest, &gw, &flags) == 4 && dest == 0 &&
                    !strcmp(dev, ifname) && (flags & 0x2 /* RTF_GATEWAY */))
                        return gw; /* already in network order, as the kernel prints it */
        return 0;
}

static int ifreq_ioctl(int sock, unsigned long req, struct ifreq *ifr, const char *what,
                       struct cell_error *err)
{
        if (ioctl(sock, req, ifr) < 0)
                return cell_error_errno(err, "micro-VM network: %s %s", what, ifr->ifr_name);
        return 0;
}

static int set_up(int sock, const char *name, bool up, struct cell_error *err)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
        if (ifreq_ioctl(sock, SIOCGIFFLAGS, &ifr, "flags of", err) < 0)
                return -1;
        ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
        return ifreq_ioctl(sock, SIOCSIFFLAGS, &ifr, up ? "bring up" : "bring down", err);
}

/* The interface's MAC goes to the guest; it takes a random locally administered one. */
static int swap_mac(int sock, struct cell_vm_net *n, struct cell_error *err)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", n->ifname);
        if (ifreq_ioctl(sock, SIOCGIFHWADDR, &ifr, "MAC of", err) < 0)
                return -1;
        memcpy(n->mac, ifr.ifr_hwaddr.sa_data, 6);
        unsigned char fresh[6];
        if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh)
                return cell_error_errno(err, "micro-VM network: getrandom");
        fresh[0] = (unsigned char)((fresh[0] & 0xfe) | 0x02);
        memcpy(ifr.ifr_hwaddr.sa_data, fresh, 6);
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        if (set_up(sock, n->ifname, false, err) < 0 ||
            ifreq_ioctl(sock, SIOCSIFHWADDR, &ifr, "set the MAC of", err) < 0)
                return -1;
        /* an address of 0.0.0.0 removes the interface's IPv4 address (and its routes) */
        struct ifreq addr = {0};
        snprintf(addr.ifr_name, IFNAMSIZ, "%s", n->ifname);
        struct sockaddr_in *sin = (struct sockaddr_in *)&addr.ifr_addr;
        sin->sin_family = AF_INET;
        return ifreq_ioctl(sock, SIOCSIFADDR, &addr, "remove the address of", err);
}

static int open_tap(struct cell_error *err)
{
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "micro-VM network: open /dev/net/tun");
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", TAP_NAME);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        if (ifreq_ioctl(fd, TUNSETIFF, &ifr, "create tap", err) < 0)
                return -1;
        return steal_fd(fd);
}

static int bridge(int sock, const char *port, struct cell_error *err)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", BRIDGE_NAME);
        ifr.ifr_ifindex = (int)if_nametoindex(port);
        if (!ifr.ifr_ifindex)
                return cell_error_errno(err, "micro-VM network: interface %s", port);
        return ifreq_ioctl(sock, SIOCBRADDIF, &ifr, "add a port to", err);
}

int cell_vm_net_prepare(const char *netns_path, struct cell_vm_net *n, struct cell_error *err)
{
        memset(n, 0, sizeof *n);
        n->tap_fd = -1;
        _cleanup_close_ int ns = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return cell_error_errno(err, "micro-VM network: open %s", netns_path);
        if (setns(ns, CLONE_NEWNET) < 0)
                return cell_error_errno(err, "micro-VM network: join %s", netns_path);
        if (find_interface(n, err) < 0)
                return -1;
        n->gateway = default_gateway(n->ifname);
        _cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return cell_error_errno(err, "micro-VM network: socket");
        _cleanup_close_ int tap = open_tap(err);
        if (tap < 0 || swap_mac(sock, n, err) < 0)
                return -1;
        if (ioctl(sock, SIOCBRADDBR, BRIDGE_NAME) < 0)
                return cell_error_errno(err, "micro-VM network: create bridge %s", BRIDGE_NAME);
        if (bridge(sock, n->ifname, err) < 0 || bridge(sock, TAP_NAME, err) < 0 ||
            set_up(sock, TAP_NAME, true, err) < 0 || set_up(sock, BRIDGE_NAME, true, err) < 0 ||
            set_up(sock, n->ifname, true, err) < 0)
                return -1;
        n->tap_fd = steal_fd(tap);
        return 0;
}

char *cell_vm_net_record(const struct cell_vm_net *n)
{
        char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN] = "-";
        inet_ntop(AF_INET, &n->address, ip, sizeof ip);
        if (n->gateway)
                inet_ntop(AF_INET, &n->gateway, gw, sizeof gw);
        char *out = NULL;
        if (asprintf(&out, "%s/%u %s", ip, n->prefix, gw) < 0)
                abort();
        return out;
}
