/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/lifecycle.h"
#include "engine/vm_ctr.h"
#include "engine/network.h"
#include "engine/rootfs.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/signals.h"

char *cell_engine_ctr_bundle(const struct cell_engine *e, const struct cell_ctr *c)
{
        return xasprintf("%s/containers/%s/bundle", e->storage, c->id);
}

int cell_engine_ctr_prepare(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        const struct cell_net_driver *net = cell_net_driver_find(c->network_mode ? c->network_mode : "none", err);
        if (!net)
                return cell_error_prefix(err, "start container %s", c->name);
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        size_t n = 0;
        while (c->lower_dirs && c->lower_dirs[n])
                n++;
        if (cell_rootfs_mount(dir, c->lower_dirs, n, c->auto_remove, err) < 0)
                return cell_error_prefix(err, "start container %s", c->name);
        if (net->prepare && net->prepare(e, c, err) < 0) {
                struct cell_error ignored;
                cell_rootfs_umount(dir, &ignored);
                return cell_error_prefix(err, "start container %s: network %s", c->name, net->name);
        }
        return 0;
}

int cell_engine_ctr_teardown(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        int r = 0;
        struct cell_error e2;
        cell_error_clear(&e2);
        /* The network first (a cell-net spawn or two, the slow step), then the runtime
         * state and the rootfs back to back: a starter that a SIGKILLed `cell run` left
         * behind gets no wider window between the two than it had before networks. */
        struct cell_error ignored;
        const struct cell_net_driver *net =
                cell_net_driver_find(c->network_mode ? c->network_mode : "none", &ignored);
        if (net && net->detach && net->detach(e, c, &e2) < 0) {
                cell_error_set(err, 0, "container %s: network %s: %s", c->name, net->name, e2.msg);
                r = -1;
        }
        if (cell_container_delete(&e->rt, c->id, true, &e2) < 0 && e2.errnum != ENOENT && r == 0) {
                cell_error_set(err, 0, "container %s: delete the runtime container: %s", c->name, e2.msg);
                r = -1;
        }
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        if (cell_rootfs_umount(dir, &e2) < 0 && r == 0) {
                cell_error_set(err, 0, "container %s: %s", c->name, e2.msg);
                r = -1;
        }
        return r;
}

/* Run `change` on the record under its lock (taken here unless held), then save. */
static int update_record(struct cell_engine *e, struct cell_ctr *c,
                         void (*change)(struct cell_ctr *c, const void *data), const void *data,
                         struct cell_error *err)
{
        bool locked_here = c->lock_fd < 0;
        if (locked_here && cell_ctr_lock(e, c, err) < 0)
                return -1;
        int r = cell_ctr_reload(e, c, err);
        if (r == 0) {
                change(c, data);
                r = cell_ctr_save(e, c, err);
        }
        if (locked_here)
                cell_ctr_unlock(c);
        return r;
}

struct running {
        pid_t pid, monitor_pid;
};

static void set_running(struct cell_ctr *c, const void *data)
{
        const struct running *r = data;
        c->state.status = CELL_CTR_RUNNING;
        c->state.pid = r->pid;
        c->state.monitor_pid = r->monitor_pid;
        c->state.exit_code = -1;
        c->state.stopped_by_user = false;
        c->state.oom_killed = false;
        free(c->state.started_at);
        c->state.started_at = cell_engine_now();
        free(c->state.finished_at);
        c->state.finished_at = NULL;
        free(c->state.error);
        c->state.error = NULL;
}

int cell_engine_ctr_mark_running(struct cell_engine *e, struct cell_ctr *c, pid_t pid,
                                 pid_t monitor_pid, struct cell_error *err)
{
        struct running r = {pid, monitor_pid};
        return update_record(e, c, set_running, &r, err);
}

static void set_exited(struct cell_ctr *c, const void *data)
{
        c->state.status = CELL_CTR_EXITED;
        c->state.pid = 0;
        c->state.monitor_pid = 0;
        c->state.exit_code = *(const int *)data;
        free(c->state.finished_at);
        c->state.finished_at = cell_engine_now();
}

int cell_engine_ctr_mark_exited(struct cell_engine *e, struct cell_ctr *c, int exit_code,
                                struct cell_error *err)
{
        return update_record(e, c, set_exited, &exit_code, err);
}

static void remove_anonymous_volumes(struct cell_engine *e, const struct cell_ctr *c)
{
        if (!c->mounts)
                return;
        for (size_t i = 0; i < json_object_array_length(c->mounts); i++) {
                json_object *m = json_object_array_get_idx(c->mounts, i), *v;
                if (!json_object_object_get_ex(m, "Anonymous", &v) || !json_object_get_boolean(v) ||
                    !json_object_object_get_ex(m, "Name", &v) || !v)
                        continue;
                struct cell_error ignored;
                cell_volume_remove(e, json_object_get_string(v), true, &ignored);
        }
}

/*
 * A running container's holder goes first: left alive, it would see its
 * process die and restart it (a restart policy) into a directory rm is
 * removing.  Not when the holder is the caller (a foreground run) or the
 * caller's parent (the monitor's reaper removing a --rm container).
 */
static void kill_monitor(const struct cell_ctr *c)
{
        pid_t m = c->state.monitor_pid;
        if ((c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED) || m <= 0 ||
            m == getpid() || m == getppid())
                return;
        /* the pid may have been reused since: only a monitor (cell-monitor, or cell in the
         * foreground) is killed */
        char path[64], comm[32];
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)m);
        if (cell_read_small(path, comm, sizeof(comm)) <= 0)
                return;
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, "cell-monitor") != 0 && strcmp(comm, "cell") != 0)
                return;
        if (kill(m, SIGKILL) == 0) {
                /* reaped by its parent (init): wait until it is gone, briefly */
                for (int i = 0; i < 100 && cell_pid_running(m); i++) {
                        struct timespec ts = {0, 10 * 1000 * 1000};
                        nanosleep(&ts, NULL);
                }
        }
}

int cell_engine_ctr_remove(struct cell_engine *e, struct cell_ctr *c, bool force, bool volumes,
                           struct cell_error *err)
{
        bool locked_here = c->lock_fd < 0;
        if (locked_here && cell_ctr_lock(e, c, err) < 0)
                return -1;
        int r = cell_ctr_reload(e, c, err);
        if (r == 0 && !force &&
            (c->state.status == CELL_CTR_RUNNING || c->state.status == CELL_CTR_PAUSED))
                r = cell_error_set(err, 0,
                                   "cannot remove container \"/%s\": container is running: stop the "
                                   "container before removing or force remove",
                                   c->name);
        if (r == 0) {
                struct cell_engine_vm_procs vm;
                cell_engine_vm_procs(c, &vm);
                kill_monitor(c);
                cell_engine_vm_kill_wait(&vm);
                r = cell_engine_ctr_teardown(e, c, err);
        }
        if (r == 0) {
                if (volumes)
                        remove_anonymous_volumes(e, c);
                r = cell_ctr_remove_record(e, c, err);
        }
        if (locked_here)
                cell_ctr_unlock(c);
        return r;
}
