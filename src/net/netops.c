/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine side of cell-net: a request built with json-c, one spawn, the
 * answer read back.  The request's schema is written down in cell-net.c.
 *
 * posix_spawn (musl: a vfork-like clone) with the three standard streams on
 * pipes and no shell; the request is written whole before anything is read
 * (it is far smaller than a pipe buffer), then stdout and stderr are drained
 * together with poll() so that neither can fill up and stall the child.
 */
#include "net/netops.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

extern char **environ;

#define HELPER_NAME "cell-net"
#define OUTPUT_MAX (64 * 1024)

static void json_put_free(void *p)
{
        json_object_put(*(json_object **)p);
}
#define _cleanup_json_ _cleanup_(json_put_free)

char *cell_netops_helper_path(struct cell_error *err)
{
        /* in a build tree meson puts src/net's target in its own directory */
        char *path = cell_sibling_program(HELPER_NAME, "src/net", err);
        if (path && access(path, X_OK) < 0) {
                cell_error_errno(err, "network helper %s", path);
                free(path);
                return NULL;
        }
        return path;
}

static void put_str(json_object *o, const char *key, const char *v)
{
        if (v && *v)
                json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *bridge_json(const struct cell_net_bridge *b)
{
        json_object *o = json_object_new_object();
        put_str(o, "name", b->name);
        put_str(o, "device", b->device);
        put_str(o, "subnet4", b->subnet4);
        put_str(o, "gateway4", b->gateway4);
        put_str(o, "subnet6", b->subnet6);
        put_str(o, "gateway6", b->gateway6);
        if (b->mtu > 0)
                json_object_object_add(o, "mtu", json_object_new_int(b->mtu));
        json_object_object_add(o, "internal", json_object_new_boolean(b->internal));
        return o;
}

static json_object *ports_json(const struct cell_net_port *ports, size_t n)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_new_object();
                put_str(p, "proto", ports[i].proto);
                put_str(p, "host_ip", ports[i].host_ip);
                json_object_object_add(p, "host_port", json_object_new_int(ports[i].host_port));
                json_object_object_add(p, "ctr_port", json_object_new_int(ports[i].ctr_port));
                json_object_array_add(a, p);
        }
        return a;
}

static json_object *endpoint_json(const struct cell_net_endpoint *ep)
{
        json_object *o = json_object_new_object();
        put_str(o, "id", ep->id);
        put_str(o, "netns", ep->netns);
        put_str(o, "driver", ep->driver);
        put_str(o, "host_ifname", ep->host_ifname);
        put_str(o, "parent", ep->parent);
        put_str(o, "ifname", ep->ifname);
        put_str(o, "mac", ep->mac);
        put_str(o, "addr4", ep->addr4);
        put_str(o, "addr6", ep->addr6);
        put_str(o, "gateway4", ep->gateway4);
        put_str(o, "gateway6", ep->gateway6);
        if (ep->mtu > 0)
                json_object_object_add(o, "mtu", json_object_new_int(ep->mtu));
        json_object_object_add(o, "default_route", json_object_new_boolean(ep->default_route));
        json_object_object_add(o, "ports", ports_json(ep->ports, ep->n_ports));
        return o;
}

/* Reads both pipes to their end; each keeps at most OUTPUT_MAX bytes. */
static void drain(int out_fd, int err_fd, char *out, size_t *out_len, char *errbuf, size_t *err_len)
{
        struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
        char *bufs[2] = {out, errbuf};
        size_t *lens[2] = {out_len, err_len};
        int open_fds = 2;
        while (open_fds > 0) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                for (int i = 0; i < 2; i++) {
                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        char tmp[4096];
                        ssize_t n = read(p[i].fd, tmp, sizeof(tmp));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                p[i].fd = -1;
                                open_fds--;
                                continue;
                        }
                        size_t room = OUTPUT_MAX - 1 - *lens[i];
                        size_t take = (size_t)n < room ? (size_t)n : room;
                        memcpy(bufs[i] + *lens[i], tmp, take);
                        *lens[i] += take;
                }
        }
        out[*out_len] = '\0';
        errbuf[*err_len] = '\0';
}

static void close_pair(int fds[2])
{
        for (int i = 0; i < 2; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

static int spawn_helper(const char *helper, int in[2], int out[2], int errp[2], pid_t *pid,
                        struct cell_error *err)
{
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
        char *argv[] = {(char *)HELPER_NAME, NULL};
        int r = posix_spawn(pid, helper, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return cell_error_set(err, r, "spawn %s", helper);
        return 0;
}

/* Trims the helper's stderr to its last non-empty line (its one message). */
static const char *last_line(char *s)
{
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
                s[--n] = '\0';
        char *nl = strrchr(s, '\n');
        return nl ? nl + 1 : s;
}

static int run_request(json_object *req, struct cell_error *err)
{
        _cleanup_free_ char *helper = cell_netops_helper_path(err);
        if (!helper)
                return -1;
        const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
        int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
                cell_error_errno(err, "pipe for %s", HELPER_NAME);
                close_pair(in), close_pair(out), close_pair(errp);
                return -1;
        }
        pid_t pid;
        int r = spawn_helper(helper, in, out, errp, &pid, err);
        close(in[0]), close(out[1]), close(errp[1]);
        if (r < 0) {
                close(in[1]), close(out[0]), close(errp[0]);
                return -1;
        }
        /* A helper that died early makes this EPIPE; its exit status says why. */
        void (*old)(int) = signal(SIGPIPE, SIG_IGN);
        (void)cell_write_all(in[1], text, strlen(text));
        close(in[1]);
        signal(SIGPIPE, old);
        _cleanup_free_ char *obuf = xmalloc(OUTPUT_MAX);
        _cleanup_free_ char *ebuf = xmalloc(OUTPUT_MAX);
        size_t olen = 0, elen = 0;
        drain(out[0], errp[0], obuf, &olen, ebuf, &elen);
        close(out[0]), close(errp[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return cell_error_errno(err, "wait for %s", HELPER_NAME);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        const char *msg = last_line(ebuf);
        if (strncmp(msg, HELPER_NAME ": ", strlen(HELPER_NAME) + 2) == 0)
                msg += strlen(HELPER_NAME) + 2;
        if (*msg)
                return cell_error_set(err, 0, "%s", msg);
        if (WIFSIGNALED(status))
                return cell_error_set(err, 0, "%s: killed by signal %d", HELPER_NAME,
                                      WTERMSIG(status));
        return cell_error_set(err, 0, "%s: exit status %d", HELPER_NAME, WEXITSTATUS(status));
}

static json_object *request(const char *op)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "op", json_object_new_string(op));
        return o;
}

int cell_netops_network_up(const struct cell_net_bridge *b, struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("network_up");
        json_object_object_add(req, "bridge", bridge_json(b));
        return run_request(req, err);
}

int cell_netops_network_down(const struct cell_net_bridge *b, struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("network_down");
        json_object_object_add(req, "bridge", bridge_json(b));
        return run_request(req, err);
}

int cell_netops_attach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                       struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("attach");
        if (b)
                json_object_object_add(req, "bridge", bridge_json(b));
        json_object_object_add(req, "endpoint", endpoint_json(ep));
        return run_request(req, err);
}

int cell_netops_detach(const struct cell_net_bridge *b, const struct cell_net_endpoint *ep,
                       bool remove_netns, struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("detach");
        if (b)
                json_object_object_add(req, "bridge", bridge_json(b));
        json_object_object_add(req, "endpoint", endpoint_json(ep));
        json_object_object_add(req, "remove_netns", json_object_new_boolean(remove_netns));
        return run_request(req, err);
}

int cell_netops_netns_create(const char *path, struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("netns_create");
        put_str(req, "path", path);
        return run_request(req, err);
}

int cell_netops_netns_remove(const char *path, struct cell_error *err)
{
        _cleanup_json_ json_object *req = request("netns_remove");
        put_str(req, "path", path);
        return run_request(req, err);
}
