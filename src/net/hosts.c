/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/hosts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void append(char **out, const char *fmt, const char *a)
{
        char *more = xasprintf(fmt, *out, a);
        free(*out);
        *out = more;
}

static void add_entry(char **out, const struct cell_hosts_entry *e, const char *fallback_ip)
{
        const char *ip = e->ip && *e->ip ? e->ip : fallback_ip;
        if (!ip || !e->names || !e->names[0])
                return;
        append(out, "%s%s\t", ip);
        for (const char *const *n = e->names; *n; n++) {
                /* a name given twice (name = hostname) once */
                bool seen = false;
                for (const char *const *m = e->names; m < n; m++)
                        seen = seen || strcmp(*m, *n) == 0;
                if (!seen && **n)
                        append(out, n == e->names ? "%s%s" : "%s %s", *n);
        }
        append(out, "%s%s", "\n");
}

char *cell_hosts_text(const struct cell_hosts_entry *self, const struct cell_hosts_entry *peers,
                      size_t n_peers, const struct cell_hosts_entry *extra, size_t n_extra)
{
        char *out = xstrdup("127.0.0.1\tlocalhost\n"
                            "::1\tlocalhost ip6-localhost ip6-loopback\n"
                            "fe00::0\tip6-localnet\n"
                            "ff00::0\tip6-mcastprefix\n"
                            "ff02::1\tip6-allnodes\n"
                            "ff02::2\tip6-allrouters\n");
        for (size_t i = 0; i < n_extra; i++)
                add_entry(&out, &extra[i], NULL);
        if (self)
                add_entry(&out, self, "127.0.1.1");
        for (size_t i = 0; i < n_peers; i++)
                add_entry(&out, &peers[i], NULL);
        return out;
}

static bool loopback(const char *ip)
{
        return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

char *cell_resolv_text(const char *host_resolv, const char *const *dns)
{
        char *out = xstrdup("");
        if (dns && dns[0])
                for (const char *const *d = dns; *d; d++)
                        append(&out, "%snameserver %s\n", *d);
        _cleanup_free_ char *copy = xstrdup(host_resolv ? host_resolv : "");
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char ns[128];
                if (sscanf(line, " nameserver %127s", ns) == 1) {
                        if ((dns && dns[0]) || loopback(ns))
                                continue;
                }
                append(&out, "%s%s\n", line);
        }
        return out;
}

int cell_hosts_write_in_place(const char *path, const char *text, struct cell_error *err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return cell_error_errno(err, "open %s", path);
        if (cell_write_all(fd, text, strlen(text)) < 0)
                return cell_error_errno(err, "write %s", path);
        return 0;
}
