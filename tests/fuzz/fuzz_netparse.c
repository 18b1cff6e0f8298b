/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network flags' text (issue 14): `-p` values (cell_ports_parse),
 * `--subnet` (cell_cidr_parse) and `--ip`/`--gateway` (cell_ip_canonical)
 * on arbitrary input.  The first byte picks the parser.  A parse either
 * fails with a message or yields values that obey net/ports.h and
 * net/ipam.h: known protocols, ports in range, a subnet whose text form
 * parses back to itself and contains its own host addresses.  Seeds:
 * corpus/netparse/.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "fuzz.h"
#include "net/ipam.h"
#include "net/ports.h"

static void check_ports(const char *s)
{
        struct cell_port_map *maps = NULL;
        size_t n = 0;
        struct cell_error err = {0};
        int rc = cell_ports_parse(s, &maps, &n, &err);
        fuzz_check_result(rc, &err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                const struct cell_port_map *m = &maps[i];
                FUZZ_ASSERT(!strcmp(m->proto, "tcp") || !strcmp(m->proto, "udp"));
                FUZZ_ASSERT(m->ctr_port >= 1);
                FUZZ_ASSERT(memchr(m->host_ip, '\0', sizeof(m->host_ip)));
                if (m->host_port == 0 && m->host_lo)
                        FUZZ_ASSERT(m->host_lo <= m->host_hi);
        }
        free(maps);
}

static void check_cidr(const char *s)
{
        struct cell_cidr c;
        struct cell_error err = {0};
        int rc = cell_cidr_parse(s, &c, &err);
        fuzz_check_result(rc, &err);
        if (rc != 0)
                return;
        FUZZ_ASSERT(c.family == AF_INET || c.family == AF_INET6);
        char text[INET6_ADDRSTRLEN + 8];
        cell_cidr_format(&c, text, sizeof(text));
        struct cell_cidr again;
        FUZZ_ASSERT(cell_cidr_parse(text, &again, &err) == 0);
        FUZZ_ASSERT(again.family == c.family && again.prefix == c.prefix &&
                    memcmp(again.addr, c.addr, sizeof(c.addr)) == 0);
        FUZZ_ASSERT(cell_cidr_overlap(&c, &again));
        uint64_t last = cell_cidr_last_host(&c);
        uint64_t probes[] = {1, last / 2, last};
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
                char ip[INET6_ADDRSTRLEN];
                if (probes[i] < 1 || cell_cidr_nth(&c, probes[i], ip, sizeof(ip)) < 0)
                        continue;
                FUZZ_ASSERT(cell_cidr_contains(&c, ip));
        }
}

static void check_ip(const char *s)
{
        char buf[INET6_ADDRSTRLEN];
        int family = 0;
        if (cell_ip_canonical(s, &family, buf, sizeof(buf)) < 0)
                return;
        FUZZ_ASSERT(family == AF_INET || family == AF_INET6);
        char again[INET6_ADDRSTRLEN];
        int family2 = 0;
        FUZZ_ASSERT(cell_ip_canonical(buf, &family2, again, sizeof(again)) == 0);
        FUZZ_ASSERT(family2 == family && strcmp(buf, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        char *s = fuzz_strndup(data + 1, size - 1);
        switch (data[0] % 3) {
        case 0:
                check_ports(s);
                break;
        case 1:
                check_cidr(s);
                break;
        default:
                check_ip(s);
                break;
        }
        free(s);
        return 0;
}
