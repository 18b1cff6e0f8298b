/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink with libmnl: every request is one message with NLM_F_ACK, and the
 * answer is read until the ACK (or the error that replaces it) arrives.
 */
#include "net/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/ethernet.h>
#include <netinet/ether.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define SELF_NETNS "/proc/thread-self/ns/net"
/* Requests are small; answers (ACKs, one link) fit a page easily. */
#define NL_BUF 8192

int cell_nl_open(struct cell_nl *nl, struct cell_error *err)
{
        nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl->sock)
                return cell_error_errno(err, "netlink socket");
        if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
                cell_error_errno(err, "bind netlink socket");
                cell_nl_close(nl);
                return -1;
        }
        nl->portid = mnl_socket_get_portid(nl->sock);
        nl->seq = 1;
        return 0;
}

/* A netlink socket stays in the namespace it was made in: make it there, come back. */
int cell_nl_open_in(struct cell_nl *nl, int netns_fd, struct cell_error *err)
{
        _cleanup_close_ int self = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return cell_error_errno(err, "open %s", SELF_NETNS);
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return cell_error_errno(err, "enter network namespace");
        int r = cell_nl_open(nl, err);
        if (setns(self, CLONE_NEWNET) < 0)
                abort(); /* cell-net would go on in the wrong namespace */
        return r;
}

void cell_nl_close(struct cell_nl *nl)
{
        if (nl->sock)
                mnl_socket_close(nl->sock);
        nl->sock = NULL;
}

struct index_answer {
        int ifindex;
        int master;
        char kind[16];
};

static int link_info_cb(const struct nlattr *attr, void *data)
{
        struct index_answer *a = data;
        if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
                snprintf(a->kind, sizeof(a->kind), "%s", mnl_attr_get_str(attr));
        return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
        struct index_answer *a = data;
        switch (mnl_attr_get_type(attr)) {
        case IFLA_MASTER:
                if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
                        a->master = (int)mnl_attr_get_u32(attr);
                break;
        case IFLA_LINKINFO:
                if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
                        mnl_attr_parse_nested(attr, link_info_cb, a);
                break;
        }
        return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
        struct index_answer *a = data;
        if (nlh->nlmsg_type == RTM_NEWLINK) {
                const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
                a->ifindex = ifi->ifi_index;
                mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, a);
        }
        return MNL_CB_OK;
}

/* Sends `nlh` and reads to its ACK; < 0 with errno the kernel's answer. */
static int talk(struct cell_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
        nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = nl->seq++;
        if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
                return -1;
        char buf[32768]; /* MNL_SOCKET_DUMP_SIZE of newer libmnl */
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
                if (n < 0)
                        return -1;
                int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, cb, data);
                if (r <= MNL_CB_STOP)
                        return r;
        }
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return nlh;
}

int cell_nl_ifindex(struct cell_nl *nl, const char *ifname, struct cell_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
        struct index_answer a = {0};
        if (talk(nl, nlh, link_cb, &a) < 0) {
                if (errno == ENODEV)
                        return 0;
                return cell_error_errno(err, "interface %s", ifname);
        }
        return a.ifindex;
}

bool cell_nl_is_port(struct cell_nl *nl, const char *ifname, const char *kind, int master)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
        struct index_answer a = {0};
        return talk(nl, nlh, link_cb, &a) == 0 && a.ifindex > 0 && a.master == master &&
               strcmp(a.kind, kind) == 0;
}

static int put_mac(struct nlmsghdr *nlh, const char *what, const char *mac, struct cell_error *err)
{
        if (!mac)
                return 0;
        struct ether_addr ea;
        if (!ether_aton_r(mac, &ea))
                return cell_error_set(err, 0, "interface %s: invalid MAC address '%s'", what, mac);
        mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, &ea);
        return 0;
}

int cell_nl_bridge_add(struct cell_nl *nl, const char *name, int mtu, struct cell_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, info);
        if (talk(nl, nlh, NULL, NULL) == 0)
                return 1;
        if (errno != EEXIST)
                return cell_error_errno(err, "create bridge %s", name);
        /* There already: make sure it is up (and has the MTU asked for). */
        int idx = cell_nl_ifindex(nl, name, err);
        if (idx <= 0)
                return idx < 0 ? -1 : cell_error_set(err, ENODEV, "bridge %s", name);
        return cell_nl_link_set(nl, name, idx, 0, mtu, err);
}

int cell_nl_veth_add(struct cell_nl *nl, const char *name, int master, const char *peer,
                     int peer_netns_fd, const char *peer_mac, int mtu, struct cell_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (master > 0)
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct nlattr *pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
        pifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
        if (put_mac(nlh, peer, peer_mac, err) < 0)
                return -1;
        mnl_attr_nest_end(nlh, pinfo);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        if (talk(nl, nlh, NULL, NULL) < 0)
                return cell_error_errno(err, "create veth %s (peer %s in the container)", name,
                                        peer);
        return 0;
}

int cell_nl_macvlan_add(struct cell_nl *nl, const char *name, const char *parent, int netns_fd,
                        const char *mac, int mtu, struct cell_error *err)
{
        int pidx = cell_nl_ifindex(nl, parent, err);
        if (pidx < 0)
                return -1;
        if (pidx == 0)
                return cell_error_set(err, ENODEV, "macvlan parent interface %s", parent);
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)pidx);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
        if (put_mac(nlh, name, mac, err) < 0)
                return -1;
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        if (talk(nl, nlh, NULL, NULL) < 0)
                return cell_error_errno(err, "create macvlan %s on %s", name, parent);
        return 0;
}

int cell_nl_link_set(struct cell_nl *nl, const char *ifname, int ifindex, int master, int mtu,
                     struct cell_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        if (master > 0)
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
        if (mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
        if (talk(nl, nlh, NULL, NULL) < 0)
                return cell_error_errno(err, "set up interface %s", ifname);
        return 0;
}

int cell_nl_link_del(struct cell_nl *nl, const char *ifname, struct cell_error *err)
{
        char buf[NL_BUF];
        struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
        if (talk(nl, nlh, NULL, NULL) < 0 && errno != ENODEV)
                return cell_error_errno(err, "delete interface %s", ifname);
        return 0;
}

struct inet_prefix {
        int family;
        unsigned char bytes[16];
        int len;    /* address length in bytes */
        int prefix; /* -1: none given */
};

static int parse_ip(const char *text, bool want_prefix, struct inet_prefix *p,
                    struct cell_error *err)
{
        char host[INET6_ADDRSTRLEN + 8];
        if (snprintf(host, sizeof(host), "%s", text) >= (int)sizeof(host))
                return cell_error_set(err, 0, "invalid address '%s'", text);
        char *slash = strchr(host, '/');
        p->prefix = -1;
        if (slash) {
                *slash = '\0';
                char *end;
                long v = strtol(slash + 1, &end, 10);
                if (*end || end == slash + 1 || v < 0)
                        return cell_error_set(err, 0, "invalid prefix length in '%s'", text);
                p->prefix = (int)v;
        }
        if (inet_pton(AF_INET, host, p->bytes) == 1)
                p->family = AF_INET, p->len = 4;
        else if (inet_pton(AF_INET6, host, p->bytes) == 1)
                p->family = AF_INET6, p->len = 16;
        else
                return cell_error_set(err, 0, "invalid address '%s'", text);
        if (p->prefix > p->len * 8 || (want_prefix && p->prefix < 0))
                return cell_error_set(err, 0, "invalid address '%s': want ADDRESS/PREFIX", text);
        return 0;
}

int cell_nl_addr_add(struct cell_nl *nl, const char *ifname, int ifindex, const char *cidr,
                     bool exist_ok, struct cell_error *err)
{
        struct inet_prefix p;
        if (parse_ip(cidr, true, &p, err) < 0)
                return cell_error_prefix(err, "interface %s", ifname);
        char buf[NL_BUF];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWADDR;
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (uint8_t)p.family;
        ifa->ifa_prefixlen = (uint8_t)p.prefix;
        ifa->ifa_index = (uint32_t)ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        mnl_attr_put(nlh, IFA_LOCAL, (size_t)p.len, p.bytes);
        mnl_attr_put(nlh, IFA_ADDRESS, (size_t)p.len, p.bytes);
        if (p.family == AF_INET6)
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        if (talk(nl, nlh, NULL, NULL) < 0 && !(exist_ok && errno == EEXIST))
                return cell_error_errno(err, "add address %s to interface %s", cidr, ifname);
        return 0;
}

int cell_nl_route_default(struct cell_nl *nl, const char *ifname, int ifindex, const char *gateway,
                          struct cell_error *err)
{
        struct inet_prefix gw;
        if (parse_ip(gateway, false, &gw, err) < 0)
                return cell_error_prefix(err, "default route via %s", gateway);
        char buf[NL_BUF];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWROUTE;
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (uint8_t)gw.family;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, (size_t)gw.len, gw.bytes);
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
        if (talk(nl, nlh, NULL, NULL) < 0)
                return cell_error_errno(err, "default route via %s on interface %s", gateway,
                                        ifname);
        return 0;
}

int cell_sysctl_set(const char *key, const char *value, struct cell_error *err)
{
        _cleanup_free_ char *path = xasprintf("/proc/sys/%s", key);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || cell_write_all(fd, value, strlen(value)) < 0)
                return cell_error_errno(err, "sysctl %s", path);
        return 0;
}

bool cell_netns_file_is(const char *path)
{
        struct statfs sf;
        return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

static int bring_lo_up(struct cell_error *err)
{
        struct cell_nl nl = {0};
        if (cell_nl_open(&nl, err) < 0)
                return -1;
        /* lo is always index 1 in a new namespace */
        int r = cell_nl_link_set(&nl, "lo", 1, 0, 0, err);
        cell_nl_close(&nl);
        return r;
}

/* A new namespace for this thread, pinned by a bind mount of its nsfs file on `path`. */
static int pin_new_netns(const char *path, struct cell_error *err)
{
        _cleanup_close_ int self = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return cell_error_errno(err, "open %s", SELF_NETNS);
        if (unshare(CLONE_NEWNET) < 0)
                return cell_error_errno(err, "network namespace %s: unshare", path);
        int r = 0;
        if (mount(SELF_NETNS, path, "none", MS_BIND, NULL) < 0)
                r = cell_error_errno(err, "network namespace %s: bind mount", path);
        else if (bring_lo_up(err) < 0)
                r = cell_error_prefix(err, "network namespace %s", path);
        if (setns(self, CLONE_NEWNET) < 0)
                abort(); /* cell-net would go on in the wrong namespace */
        if (r < 0)
                umount2(path, MNT_DETACH);
        return r;
}

int cell_netns_file_create(const char *path, bool *made, struct cell_error *err)
{
        *made = false;
        if (cell_netns_file_is(path))
                return 0;
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (cell_mkdir_p(dir, 0755, err) < 0)
                        return cell_error_prefix(err, "network namespace %s", path);
        }
        int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
        if (fd < 0)
                return cell_error_errno(err, "network namespace %s: create", path);
        close(fd);
        if (pin_new_netns(path, err) < 0) {
                unlink(path);
                return -1;
        }
        *made = true;
        return 0;
}

int cell_netns_file_remove(const char *path, struct cell_error *err)
{
        /* Stacked mounts (two racing creates) each need their own unmount. */
        while (umount2(path, MNT_DETACH) == 0)
                ;
        if (errno != EINVAL && errno != ENOENT)
                return cell_error_errno(err, "network namespace %s: unmount", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return cell_error_errno(err, "network namespace %s: remove", path);
        return 0;
}
