/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/vm_ctr.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/fs.h"
#include "vm/vm.h"

bool cell_ctr_is_vm(const struct cell_ctr *c)
{
        json_object *iso = NULL;
        return c->host_config && json_object_object_get_ex(c->host_config, "Isolation", &iso) &&
               json_object_is_type(iso, json_type_string) &&
               strcmp(json_object_get_string(iso), "vm") == 0;
}

/* The pid may have been reused since the record was written: only a cell-vm counts. */
bool cell_engine_vm_alive(pid_t pid)
{
        char path[64], stat[512];
        if (pid <= 0)
                return false;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (cell_read_small(path, stat, sizeof(stat)) <= 0)
                return false;
        /* "pid (comm) S ...": a zombie (Z) or dead (X) VM is gone */
        char *open = strchr(stat, '('), *close = strrchr(stat, ')');
        if (!open || !close || close < open || close[1] != ' ')
                return false;
        size_t len = (size_t)(close - open - 1);
        return len == strlen(CELL_VM_PROCESS_NAME) &&
               memcmp(open + 1, CELL_VM_PROCESS_NAME, len) == 0 && close[2] != 'Z' &&
               close[2] != 'X';
}

int cell_engine_ctr_kill(struct cell_engine *e, struct cell_ctr *c, int sig, bool all,
                         struct cell_error *err)
{
        if (!cell_ctr_is_vm(c))
                return cell_container_kill(&e->rt, c->id, sig, all, err);
        if (!cell_engine_vm_alive(c->state.pid))
                return cell_error_set(err, ESRCH, "container not running");
        if (kill(c->state.pid, sig) < 0)
                return cell_error_errno(err, "container %s: kill the VM process %d", c->name,
                                        (int)c->state.pid);
        return 0;
}

/* A process that exists and is not a zombie. */
static bool pid_live(pid_t pid)
{
        char path[64], stat[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (cell_read_small(path, stat, sizeof(stat)) <= 0)
                return false;
        char *close = strrchr(stat, ')');
        return close && close[1] == ' ' && close[2] != 'Z' && close[2] != 'X';
}

void cell_engine_vm_procs(const struct cell_ctr *c, struct cell_engine_vm_procs *out)
{
        out->n = 0;
        if (!cell_ctr_is_vm(c) || !cell_engine_vm_alive(c->state.pid))
                return;
        out->pids[out->n++] = c->state.pid;
        char path[96], children[256] = "";
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)c->state.pid,
                 (int)c->state.pid);
        cell_read_small(path, children, sizeof(children));
        char *p = children, *end;
        for (long child; out->n < CELL_ENGINE_VM_PROCS_MAX && (child = strtol(p, &end, 10)) > 0;
             p = end)
                out->pids[out->n++] = (pid_t)child;
}

void cell_engine_vm_kill_wait(const struct cell_engine_vm_procs *procs)
{
        /* the VM process first: QEMU dies with it (PR_SET_PDEATHSIG), a moment later */
        if (procs->n > 0 && cell_engine_vm_alive(procs->pids[0]))
                kill(procs->pids[0], SIGKILL);
        /* reaped by their holder (or init): wait until they are gone, briefly */
        for (size_t k = 0; k < procs->n; k++)
                for (int i = 0; i < 1000 && pid_live(procs->pids[k]); i++)
                        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

/* The container's env with `overrides` (K=V) replacing or adding variables. */
static char **merged_env(const struct cell_process *p, char **overrides)
{
        size_t n = 0, k = 0;
        while (overrides && overrides[n])
                n++;
        char **env = xcalloc(p->n_env + n + 1, sizeof(*env));
        for (size_t i = 0; i < p->n_env; i++) {
                size_t key = strcspn(p->env[i], "=");
                bool replaced = false;
                for (size_t j = 0; j < n && !replaced; j++)
                        replaced = strncmp(overrides[j], p->env[i], key + 1) == 0;
                if (!replaced)
                        env[k++] = xstrdup(p->env[i]);
        }
        for (size_t j = 0; j < n; j++)
                env[k++] = xstrdup(overrides[j]);
        return env;
}

int cell_engine_vm_exec(struct cell_engine *e, struct cell_ctr *c, const struct cell_exec_opts *x,
                        int *status, struct cell_error *err)
{
        *status = 125;
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *bundle = cell_path_join(dir, "bundle");
        _cleanup_free_ char *config = cell_path_join(bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        struct cell_spec *spec = NULL;
        if (cell_read_input("config.json", config, false, &text, &len, err) < 0 ||
            cell_spec_parse(text, len, &spec, err) < 0)
                return cell_error_prefix(err, "exec in container %s", c->name);
        const struct cell_process *p = &spec->process;
        _cleanup_(cell_strv_freep) char **env = merged_env(p, x->env);
        size_t n_groups = 0;
        while (x->additional_gids && x->additional_gids[n_groups])
                n_groups++;
        _cleanup_free_ gid_t *groups = xcalloc(n_groups + 1, sizeof(*groups));
        for (size_t i = 0; i < n_groups; i++)
                groups[i] = (gid_t)strtoul(x->additional_gids[i], NULL, 10);
        struct cell_vm_exec_opts o = {
                .argv = x->args,
                .env = env,
                .cwd = x->cwd && *x->cwd ? x->cwd : p->cwd,
                .uid = p->uid,
                .gid = p->gid,
                .groups = x->user ? groups : p->additional_gids,
                .n_groups = x->user ? n_groups : p->n_additional_gids,
                .tty = x->tty,
                .detach = x->detach,
                .stdin_fd = 0,
                .stdout_fd = 1,
                .stderr_fd = 2,
        };
        unsigned uid, gid;
        if (x->user && sscanf(x->user, "%u:%u", &uid, &gid) == 2) {
                o.uid = uid;
                o.gid = gid;
        }
        _cleanup_free_ char *sock = cell_path_join(bundle, CELL_VM_EXEC_SOCKET);
        int r = cell_vm_exec(sock, &o, status, err);
        cell_spec_free(spec);
        return r;
}
