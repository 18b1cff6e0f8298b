/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/exec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "engine/plan.h"
#include "engine/vm_ctr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* "name|uid[:group|gid]" as "UID:GID" plus supplementary gids, from the container's files. */
static int resolve_user(struct cell_engine *e, const struct cell_ctr *c, const char *user,
                        char **uid_gid, char ***gids, struct cell_error *err)
{
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *rootfs = cell_path_join(dir, "bundle/rootfs");
        struct cell_ctr_plan p;
        memset(&p, 0, sizeof(p));
        p.user = xstrdup(user);
        int r = cell_ctr_plan_resolve_user(&p, rootfs, err);
        if (r == 0) {
                *uid_gid = xasprintf("%u:%u", (unsigned)p.uid, (unsigned)p.gid);
                *gids = xcalloc(p.n_gids + 1, sizeof(char *));
                for (size_t i = 0; i < p.n_gids; i++)
                        (*gids)[i] = xasprintf("%u", (unsigned)p.gids[i]);
        }
        cell_ctr_plan_release(&p);
        return r;
}

/* -e K takes our K's value, as docker; K without one in our environment is left out. */
static char **expand_env(char **env)
{
        size_t n = 0;
        while (env && env[n])
                n++;
        char **out = xcalloc(n + 1, sizeof(char *));
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (strchr(env[i], '=')) {
                        out[k++] = xstrdup(env[i]);
                } else if (getenv(env[i])) {
                        out[k++] = xasprintf("%s=%s", env[i], getenv(env[i]));
                }
        }
        return out;
}

static void stdio_to_null(bool in, bool out)
{
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return;
        if (in)
                dup2(fd, 0);
        if (out) {
                dup2(fd, 1);
                dup2(fd, 2);
        }
        close(fd);
}

int cell_engine_exec(struct cell_engine *e, struct cell_ctr *c,
                     const struct cell_engine_exec_opts *opts, int *exit_status,
                     struct cell_error *err)
{
        *exit_status = 125;
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return cell_error_set(err, 0, "container %s is not running", c->name);
        if (c->state.status == CELL_CTR_PAUSED)
                return cell_error_set(err, 0,
                                      "container %s is paused, unpause the container before exec",
                                      c->name);
        _cleanup_free_ char *uid_gid = NULL;
        _cleanup_(cell_strv_freep) char **gids = NULL;
        if (opts->user && *opts->user &&
            resolve_user(e, c, opts->user, &uid_gid, &gids, err) < 0)
                return -1;
        _cleanup_(cell_strv_freep) char **env = expand_env(opts->env);
        struct cell_exec_opts x = {
                .args = opts->args,
                .tty = opts->tty,
                .detach = opts->detach,
                .cwd = opts->workdir,
                .env = env,
                .user = uid_gid,
                .additional_gids = gids,
        };
        /* What the process gets is our stdio, as the runtime passes it on. */
        stdio_to_null(!opts->interactive || opts->detach, opts->detach);
        int status = 0;
        if ((cell_ctr_is_vm(c) ? cell_engine_vm_exec(e, c, &x, &status, err)
                               : cell_container_exec(&e->rt, c->id, &x, &status, err)) < 0) {
                *exit_status = cell_monitor_start_status(err);
                return -1;
        }
        *exit_status = opts->detach ? 0 : status;
        return 0;
}
