/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.netDevices: move host interfaces into the container (netdev.h).
 *
 * The rtnetlink messages are built by hand here rather than with libmnl:
 * four request kinds (dump addresses, move+rename, add address, set up),
 * each a header and a few attributes, are less code than adding a library
 * to the static musl build (scripts/musl-deps.sh) for them.  Should cell
 * need more of netlink, this file is the one to port to libmnl.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/netdev.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* A dump message is at most 32 KiB (the kernel sizes it to the reader). */
#define NL_BUF 32768

struct nl_request {
        union {
                struct nlmsghdr hdr;
                char buf[1024];
        };
};

/* One address to put back after the move, attributes kept as read. */
struct saved_addr {
        struct ifaddrmsg ifa;
        unsigned char local[16], address[16], broadcast[4];
        size_t local_len, address_len, broadcast_len;
        uint32_t flags;
        bool has_flags;
};

struct saved_addrs {
        struct saved_addr *v;
        size_t n;
        int ifindex;
};

static void *nl_begin(struct nl_request *r, int type, int flags, size_t body)
{
        memset(r, 0, sizeof(*r));
        r->hdr.nlmsg_len = NLMSG_LENGTH(body);
        r->hdr.nlmsg_type = (unsigned short)type;
        r->hdr.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
        return NLMSG_DATA(&r->hdr);
}

static void nl_put(struct nl_request *r, int type, const void *data, size_t len)
{
        struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->hdr.nlmsg_len));
        a->rta_type = (unsigned short)type;
        a->rta_len = (unsigned short)RTA_LENGTH(len);
        memcpy(RTA_DATA(a), data, len);
        r->hdr.nlmsg_len = NLMSG_ALIGN(r->hdr.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int nl_socket(struct cell_error *err)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return cell_error_errno(err, "netlink socket");
        return fd;
}

/*
 * Send `r` and read replies until the ACK (or the end of a dump), calling
 * `each` on every RTM_* reply.  A negative NLMSG_ERROR comes back as -1
 * with errno set.
 */
static int nl_talk(int fd, struct nl_request *r, void (*each)(struct nlmsghdr *, void *), void *ctx)
{
        _cleanup_free_ char *buf = xmalloc(NL_BUF);
        /* A dump ends with NLMSG_DONE, which carries its error; the other
         * requests end with the ACK they ask for.  NLM_F_DUMP is two bits,
         * one of them NLM_F_EXCL's. */
        if ((r->hdr.nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
                r->hdr.nlmsg_flags |= NLM_F_ACK;
        if (send(fd, r->buf, r->hdr.nlmsg_len, 0) < 0)
                return -1;
        for (;;) {
                ssize_t n = recv(fd, buf, NL_BUF, 0);
                if (n < 0)
                        return -1;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type == NLMSG_DONE) {
                                int e = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))
                                                ? *(int *)NLMSG_DATA(h)
                                                : 0;
                                errno = -e;
                                return e < 0 ? -1 : 0;
                        }
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                                errno = -e;
                                return e ? -1 : 0;
                        }
                        if (each)
                                each(h, ctx);
                }
        }
}

static void copy_attr(const struct rtattr *a, unsigned char *dst, size_t cap, size_t *len)
{
        size_t n = RTA_PAYLOAD(a);
        if (n <= cap) {
                memcpy(dst, RTA_DATA(a), n);
                *len = n;
        }
}

/* RT_SCOPE_UNIVERSE and IFA_F_PERMANENT: what the spec says to carry over. */
static void keep_addr(struct nlmsghdr *h, void *ctx)
{
        struct saved_addrs *s = ctx;
        struct ifaddrmsg *ifa = NLMSG_DATA(h);
        if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != s->ifindex ||
            ifa->ifa_scope != RT_SCOPE_UNIVERSE)
                return;
        struct saved_addr a = {.ifa = *ifa, .flags = ifa->ifa_flags};
        int len = (int)IFA_PAYLOAD(h);
        for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
                if (rta->rta_type == IFA_LOCAL)
                        copy_attr(rta, a.local, sizeof(a.local), &a.local_len);
                else if (rta->rta_type == IFA_ADDRESS)
                        copy_attr(rta, a.address, sizeof(a.address), &a.address_len);
                else if (rta->rta_type == IFA_BROADCAST)
                        copy_attr(rta, a.broadcast, sizeof(a.broadcast), &a.broadcast_len);
                else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) == sizeof(uint32_t)) {
                        memcpy(&a.flags, RTA_DATA(rta), sizeof(a.flags));
                        a.has_flags = true;
                }
        }
        if (!(a.flags & IFA_F_PERMANENT))
                return;
        s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
        s->v[s->n++] = a;
}

static int read_addrs(int fd, struct saved_addrs *s)
{
        struct nl_request r;
        struct ifaddrmsg *ifa = nl_begin(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
        ifa->ifa_family = AF_UNSPEC;
        return nl_talk(fd, &r, keep_addr, s);
}

static int move_link(int fd, int ifindex, pid_t pid, const char *name)
{
        struct nl_request r;
        struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        uint32_t target = (uint32_t)pid;
        nl_put(&r, IFLA_NET_NS_PID, &target, sizeof(target));
        nl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
        return nl_talk(fd, &r, NULL, NULL);
}

static int add_addr(int fd, int ifindex, const struct saved_addr *a)
{
        struct nl_request r;
        struct ifaddrmsg *ifa = nl_begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
        *ifa = a->ifa;
        ifa->ifa_index = (unsigned)ifindex;
        if (a->local_len)
                nl_put(&r, IFA_LOCAL, a->local, a->local_len);
        if (a->address_len)
                nl_put(&r, IFA_ADDRESS, a->address, a->address_len);
        if (a->broadcast_len)
                nl_put(&r, IFA_BROADCAST, a->broadcast, a->broadcast_len);
        if (a->has_flags)
                nl_put(&r, IFA_FLAGS, &a->flags, sizeof(a->flags));
        return nl_talk(fd, &r, NULL, NULL);
}

static int set_up(int fd, int ifindex)
{
        struct nl_request r;
        struct ifinfomsg *ifi = nl_begin(&r, RTM_NEWLINK, 0, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return nl_talk(fd, &r, NULL, NULL);
}

/* Inside the container's namespace: the addresses back, then up. */
static int configure_inside(int fd, const struct cell_net_device *d, const struct saved_addrs *s,
                            struct cell_error *err)
{
        int ifindex = (int)if_nametoindex(d->name);
        if (ifindex == 0)
                return cell_error_errno(err, "find %s in the container after the move", d->name);
        for (size_t i = 0; i < s->n; i++)
                if (add_addr(fd, ifindex, &s->v[i]) < 0 && errno != EEXIST)
                        return cell_error_errno(err, "restore an address of %s in the container",
                                                d->name);
        if (set_up(fd, ifindex) < 0)
                return cell_error_errno(err, "set %s up in the container", d->name);
        return 0;
}

/*
 * A netlink socket belongs to the namespace it was made in, but
 * if_nametoindex() makes its own socket: the runtime enters the container's
 * namespace for the duration and always comes back.
 */
static int in_container(int host_ns, int ctr_ns, const struct cell_net_device *d,
                        const struct saved_addrs *s, struct cell_error *err)
{
        if (setns(ctr_ns, CLONE_NEWNET) < 0)
                return cell_error_errno(err, "enter the container's network namespace");
        _cleanup_close_ int fd = nl_socket(err);
        int r = fd < 0 ? -1 : configure_inside(fd, d, s, err);
        if (setns(host_ns, CLONE_NEWNET) < 0) {
                cell_error_errno(err, "return to the runtime's network namespace");
                return -1;
        }
        return r;
}

static int move_one(int fd, int host_ns, int ctr_ns, pid_t pid, const struct cell_net_device *d,
                    struct cell_error *err)
{
        struct saved_addrs s = {.ifindex = (int)if_nametoindex(d->host_name)};
        if (s.ifindex == 0)
                return cell_error_set(err, errno, "no such network device on the host");
        int r = -1;
        if (read_addrs(fd, &s) < 0)
                cell_error_errno(err, "read the addresses of %s", d->host_name);
        else if (move_link(fd, s.ifindex, pid, d->name) < 0)
                cell_error_errno(err, "move %s into the container as %s", d->host_name, d->name);
        else
                r = in_container(host_ns, ctr_ns, d, &s, err);
        free(s.v);
        return r;
}

int cell_netdev_move_all(const struct cell_linux *lx, pid_t pid, struct cell_error *err)
{
        if (lx->n_net_devices == 0)
                return 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        _cleanup_close_ int host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int ctr_ns = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int fd = nl_socket(err);
        if (host_ns < 0 || ctr_ns < 0)
                return cell_error_errno(err, "linux.netDevices: open the network namespaces");
        if (fd < 0)
                return cell_error_prefix(err, "linux.netDevices");
        for (size_t i = 0; i < lx->n_net_devices; i++)
                if (move_one(fd, host_ns, ctr_ns, pid, &lx->net_devices[i], err) < 0)
                        return cell_error_prefix(err, "linux.netDevices.%s",
                                                 lx->net_devices[i].host_name);
        return 0;
}
