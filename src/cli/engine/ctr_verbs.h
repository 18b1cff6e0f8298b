/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_CTR_VERBS_H
#define CELL_CLI_ENGINE_CTR_VERBS_H

/*
 * What the container verbs (run, create, start, stop, ps, ...) share.
 * Implemented in ctr_verbs.c.
 */

#include <stdbool.h>

#include "cli/engine/ecli.h"
#include "engine/container.h"
#include "engine/create.h"
#include "engine/engine.h"

/* Open the engine context from the global options. */
int ctr_verbs_engine(struct ecli_ctx *ctx, struct cell_engine *e, struct cell_error *err);

/* The options run and create share (their tables start with these). */
#define CTR_VERBS_CREATE_OPTIONS                                                                          \
        {"name", 0, ECLI_VALUE, "NAME", "Assign a name to the container"},                                \
        {"env", 'e', ECLI_VALUES, "K=V", "Set environment variables"},                                   \
        {"env-file", 0, ECLI_VALUES, "FILE", "Read in a file of environment variables", .complete = "file"}, \
        {"workdir", 'w', ECLI_VALUE, "DIR", "Working directory inside the container"},                    \
        {"user", 'u', ECLI_VALUE, "USER", "Username or UID (format: <name|uid>[:<group|gid>])"},          \
        {"entrypoint", 0, ECLI_VALUE, "CMD", "Overwrite the default ENTRYPOINT of the image"},            \
        {"hostname", 'h', ECLI_VALUE, "NAME", "Container host name"},                                     \
        {"read-only", 0, ECLI_FLAG, NULL, "Mount the container's root filesystem as read only"},          \
        {"memory", 'm', ECLI_VALUE, "BYTES", "Memory limit (512m, 1g)"},                                  \
        {"cpus", 0, ECLI_VALUE, "N", "Number of CPUs (1.5)"},                                             \
        {"pids-limit", 0, ECLI_VALUE, "N", "Tune container pids limit (-1 for unlimited)"},               \
        {"cap-add", 0, ECLI_VALUES, "CAP", "Add Linux capabilities (ALL for all)"},                       \
        {"cap-drop", 0, ECLI_VALUES, "CAP", "Drop Linux capabilities (ALL for all)"},                     \
        {"security-opt", 0, ECLI_VALUES, "OPT",                                                           \
         "Security options: seccomp=FILE|unconfined, no-new-privileges"},                                 \
        {"privileged", 0, ECLI_FLAG, NULL, "Give extended privileges to this container"},                 \
        {"tmpfs", 0, ECLI_VALUES, "PATH[:OPTS]", "Mount a tmpfs directory"},                              \
        {"volume", 'v', ECLI_VALUES, "SRC:DST[:ro]", "Bind mount a host path or a named volume"},         \
        {"init", 0, ECLI_FLAG, NULL, "Run an init inside the container that forwards signals and reaps processes"}, \
        {"interactive", 'i', ECLI_FLAG, NULL, "Keep STDIN open"},                                         \
        {"tty", 't', ECLI_FLAG, NULL, "Allocate a pseudo-TTY"},                                           \
        {"rm", 0, ECLI_FLAG, NULL, "Automatically remove the container when it exits"},                   \
        {"restart", 0, ECLI_VALUE, "POLICY", "Restart policy: no, on-failure[:N], always, unless-stopped",  \
         .complete = "no|on-failure|always|unless-stopped"},                                              \
        {"network", 0, ECLI_VALUE, "NETWORK",                                                             \
         "Connect a container to a network: bridge (default), none, host, NAME, container:NAME, ns:PATH",  \
         .complete = "bridge|none|host"},                                                                 \
        {"publish", 'p', ECLI_VALUES, "[IP:][HOSTPORT:]PORT[/PROTO]", "Publish a container's port(s) to the host"}, \
        {"publish-all", 'P', ECLI_FLAG, NULL, "Publish all exposed ports to random ports"},               \
        {"ip", 0, ECLI_VALUE, "IP", "IPv4 address (e.g., 172.30.100.104)"},                               \
        {"network-alias", 0, ECLI_VALUES, "NAME", "Add network-scoped alias for the container"},          \
        {"dns", 0, ECLI_VALUES, "IP", "Set custom DNS servers"},                                          \
        {"add-host", 0, ECLI_VALUES, "HOST:IP", "Add a custom host-to-IP mapping (host:ip)"},             \
        {"mac-address", 0, ECLI_VALUE, "MAC", "Container MAC address (e.g., 92:d0:c6:0a:29:33)"},         \
        {"stop-signal", 0, ECLI_VALUE, "SIGNAL", "Signal to stop the container", .complete = "signal"},   \
        {"stop-timeout", 0, ECLI_VALUE, "SECONDS", "Timeout (in seconds) to stop a container"},           \
        {"isolation", 0, ECLI_VALUE, "MODE", "Isolation: container, or vm (a micro-VM with its own kernel)", .complete = "container|vm"}, \
        {"pull", 0, ECLI_VALUE, "POLICY", "Pull image before running: missing, always, never",            \
         .def = "missing", .complete = "missing|always|never"},                                           \
        {"tls-verify", 0, ECLI_FLAG, NULL, "Require HTTPS and verify certificates when pulling (default true)"}, \
        {"platform", 0, ECLI_VALUE, "OS/ARCH", "Platform of the image to pull"}

/*
 * Make a container from the options above and a[0] = IMAGE, a[1..] = the
 * command: the image found (or pulled), the container created (record
 * locked on return).
 */
int ctr_verbs_create(struct ecli_ctx *ctx, struct cell_engine *e, const struct ecli_args *a,
                     struct cell_ctr *out, struct cell_error *err);

/* Stop a running container as `stop` does: its stop signal, SIGKILL after `timeout` seconds. */
int ctr_verbs_stop(struct cell_engine *e, struct cell_ctr *c, int timeout, struct cell_error *err);

/* Start a created or exited container (detached or attached), as `start` and `restart` do. */
int ctr_verbs_start(struct cell_engine *e, struct cell_ctr *c, bool attach, bool interactive,
                    int *exit_status, struct cell_error *err);

/*
 * The loop of the verbs that act on each container named on the command line
 * (stop, kill, pause, update...): each name is looked up (its record locked
 * when `lock`) and handed to `fn`; on success the name is printed, as docker
 * does, on failure the error is reported and the loop goes on with the next
 * name.  Returns the verb's exit status: 0, or 125 when any name failed.
 */
typedef int (*ctr_verbs_fn)(struct cell_engine *e, struct cell_ctr *c, const char *name, void *data,
                            struct cell_error *err);
int ctr_verbs_each(struct ecli_ctx *ctx, const struct ecli_args *a, bool lock, ctr_verbs_fn fn,
                   void *data);

/* The exit status of a verb that failed with `err` (125, or 126/127 for an exec failure). */
int ctr_verbs_fail(const struct cell_error *err);

/* docker's `inspect` object of a container. */
struct json_object *ctr_verbs_inspect_json(struct cell_engine *e, const struct cell_ctr *c);

#endif
