/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's network planning without the kernel: IPAM, -p parsing, hosts/resolv.conf text, leases. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/hosts.h"
#include "net/ipam.h"
#include "net/netstore.h"
#include "net/ports.h"
#include "unit.h"
#include "util/fs.h"

static void test_cidr(void)
{
        struct cell_cidr c, d;
        struct cell_error err = {0};
        char buf[64];
        CHECK(cell_cidr_parse("10.88.0.0/16", &c, &err) == 0);
        cell_cidr_format(&c, buf, sizeof(buf));
        CHECK_STR_EQ(buf, "10.88.0.0/16");
        CHECK(cell_cidr_contains(&c, "10.88.255.254") && !cell_cidr_contains(&c, "10.89.0.1"));
        CHECK(cell_cidr_parse("10.88.3.0/24", &d, &err) == 0 && cell_cidr_overlap(&c, &d));
        CHECK(cell_cidr_parse("10.89.0.0/24", &d, &err) == 0 && !cell_cidr_overlap(&c, &d));
        CHECK(cell_cidr_parse("10.1.2.3/24", &d, &err) < 0);
        CHECK_CONTAINS(err.msg, "it should be 10.1.2.0/24");
        CHECK(cell_cidr_parse("10.1.2.0/31", &d, &err) < 0);
        CHECK(cell_cidr_parse("10.1.2.0", &d, &err) < 0);
        CHECK(cell_cidr_parse("fd00:1::/64", &d, &err) == 0 && !cell_cidr_overlap(&c, &d));
        CHECK(cell_cidr_nth(&d, 2, buf, sizeof(buf)) == 0);
        CHECK_STR_EQ(buf, "fd00:1::2");
        CHECK(cell_cidr_parse("10.9.0.0/30", &d, &err) == 0);
        CHECK(cell_cidr_last_host(&d) == 2);
}

static void test_pick(void)
{
        struct cell_cidr c;
        struct cell_error err = {0};
        char buf[64];
        CHECK(cell_cidr_parse("10.9.0.0/29", &c, &err) == 0);
        json_object *taken = json_object_new_object();
        CHECK(cell_ipam_pick(&c, "10.9.0.1", taken, "n", buf, sizeof(buf), &err) == 0);
        CHECK_STR_EQ(buf, "10.9.0.2");
        for (int i = 2; i <= 6; i++) {
                char ip[32];
                snprintf(ip, sizeof(ip), "10.9.0.%d", i);
                json_object_object_add(taken, ip, json_object_new_string("x"));
        }
        /* .7 is the broadcast address: full */
        CHECK(cell_ipam_pick(&c, "10.9.0.1", taken, "n", buf, sizeof(buf), &err) < 0);
        CHECK_CONTAINS(err.msg, "network n: no free address in 10.9.0.0/29");
        json_object_put(taken);
}

static void test_ports_parse(void)
{
        struct cell_error err = {0};
        struct cell_port_map *m = NULL;
        size_t n = 0;
        CHECK(cell_ports_parse("8080:80", &m, &n, &err) == 0 && n == 1);
        CHECK(m[0].host_port == 8080 && m[0].ctr_port == 80 && strcmp(m[0].proto, "tcp") == 0 && !m[0].host_ip[0]);
        CHECK(cell_ports_parse("127.0.0.1::53/udp", &m, &n, &err) == 0 && n == 2);
        CHECK(m[1].host_port == 0 && m[1].ctr_port == 53 && strcmp(m[1].proto, "udp") == 0);
        CHECK_STR_EQ(m[1].host_ip, "127.0.0.1");
        CHECK(cell_ports_parse("[::1]:9000:90", &m, &n, &err) == 0 && n == 3);
        CHECK_STR_EQ(m[2].host_ip, "::1");
        CHECK(cell_ports_parse("7000-7002:70-72", &m, &n, &err) == 0 && n == 6);
        CHECK(m[5].host_port == 7002 && m[5].ctr_port == 72);
        CHECK(cell_ports_parse("7000-7010:70", &m, &n, &err) == 0 && n == 7);
        CHECK(m[6].host_port == 0 && m[6].host_lo == 7000 && m[6].host_hi == 7010);
        CHECK(cell_ports_parse("0:80", &m, &n, &err) < 0);
        CHECK_CONTAINS(err.msg, "invalid port \"0\" in -p \"0:80\"");
        CHECK(cell_ports_parse("65536", &m, &n, &err) < 0);
        CHECK(cell_ports_parse("80/sctp", &m, &n, &err) < 0);
        CHECK(cell_ports_parse("1.2.3:80:80", &m, &n, &err) < 0);
        CHECK(cell_ports_parse("7000-7002:70-71", &m, &n, &err) < 0);
        CHECK(n == 7);
        free(m);
}

static void test_hosts_and_resolv(void)
{
        const char *self_names[] = {"web", "abc123", "web", "alias", NULL};
        const char *peer_names[] = {"db", NULL};
        struct cell_hosts_entry self = {"10.89.0.2", self_names}, peer = {"10.89.0.3", peer_names};
        char *t = cell_hosts_text(&self, &peer, 1, NULL, 0);
        CHECK_CONTAINS(t, "127.0.0.1\tlocalhost\n");
        CHECK_CONTAINS(t, "10.89.0.2\tweb abc123 alias\n10.89.0.3\tdb\n");
        free(t);
        char *r = cell_resolv_text("# c\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch x\n", NULL);
        CHECK_STR_EQ(r, "# c\nnameserver 192.0.2.1\nsearch x\n");
        free(r);
        const char *dns[] = {"9.9.9.9", NULL};
        r = cell_resolv_text("nameserver 192.0.2.1\noptions ndots:2\n", dns);
        CHECK_STR_EQ(r, "nameserver 9.9.9.9\noptions ndots:2\n");
        free(r);
}

static void test_leases(void)
{
        char dir[] = "/tmp/cell-test-net-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        struct cell_error err = {0};
        int lock = cell_netstore_lock(dir, &err);
        CHECK(lock >= 0);
        struct cell_netstore_create_opts o = {.name = "n", .subnet = "10.50.0.0/29"};
        struct cell_netrec r;
        CHECK(cell_netstore_create(dir, &o, &r, &err) == 0);
        CHECK_STR_EQ(r.gateway4, "10.50.0.1");
        char ip4[64], ip6[64];
        CHECK(cell_netstore_lease(dir, &r, NULL, "aaa", ip4, ip6, &err) == 0);
        CHECK_STR_EQ(ip4, "10.50.0.2");
        CHECK(cell_netstore_lease(dir, &r, NULL, "aaa", ip4, ip6, &err) == 0);
        CHECK_STR_EQ(ip4, "10.50.0.2"); /* the same container keeps its address */
        CHECK(cell_netstore_lease(dir, &r, "10.50.0.2", "bbb", ip4, ip6, &err) < 0);
        CHECK_CONTAINS(err.msg, "address 10.50.0.2 is already in use on network n by container aaa");
        CHECK(cell_netstore_lease(dir, &r, "10.50.0.1", "bbb", ip4, ip6, &err) < 0);
        CHECK(cell_netstore_lease(dir, &r, "10.50.0.6", "bbb", ip4, ip6, &err) == 0);
        struct cell_netstore_create_opts o2 = {.name = "m", .subnet = "10.50.0.4/30"};
        struct cell_netrec r2;
        CHECK(cell_netstore_create(dir, &o2, &r2, &err) < 0);
        CHECK_CONTAINS(err.msg, "overlaps subnet 10.50.0.0/29 of network n");
        CHECK(cell_netstore_remove(dir, &r, &err) < 0);
        CHECK_CONTAINS(err.msg, "has active endpoints");
        CHECK(cell_netstore_release(dir, "n", "aaa", &err) == 0);
        CHECK(cell_netstore_release(dir, "n", "bbb", &err) == 0);
        CHECK(cell_netstore_remove(dir, &r, &err) == 0);
        cell_netrec_release(&r);
        close(lock);
        CHECK(cell_remove_tree_at(AT_FDCWD, dir, &err) == 0);
}

UNIT_MAIN(UNIT_TEST(test_cidr), UNIT_TEST(test_pick), UNIT_TEST(test_ports_parse), UNIT_TEST(test_hosts_and_resolv),
          UNIT_TEST(test_leases))
