/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/vm_ctr.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/container.h"
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

void cell_engine_vm_kill_wait(const struct cell_ctr *c)
{
        if (!cell_ctr_is_vm(c) || !cell_engine_vm_alive(c->state.pid))
                return;
        /* QEMU is the VM process' child: it dies by PR_SET_PDEATHSIG, a moment later */
        char path[96], children[256] = "";
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)c->state.pid,
                 (int)c->state.pid);
        cell_read_small(path, children, sizeof(children));
        kill(c->state.pid, SIGKILL);
        /* reaped by its holder (or init): wait until they are gone, briefly */
        for (int i = 0; i < 1000 && cell_engine_vm_alive(c->state.pid); i++)
                nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        char *p = children, *end;
        for (long child; (child = strtol(p, &end, 10)) > 0; p = end)
                for (int i = 0; i < 1000 && pid_live((pid_t)child); i++)
                        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}
