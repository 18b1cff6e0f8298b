/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/monitor_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int on_claim(void *data, struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        if (cell_ctr_lock(me->e, me->c, err) < 0)
                return cell_error_prefix(err, "start container %s", me->id);
        /* a starter moves its stdio onto fds 0-3 after the claim: the lock stays above */
        if (me->c->lock_fd < 10) {
                int high = fcntl(me->c->lock_fd, F_DUPFD_CLOEXEC, 10);
                if (high < 0) {
                        cell_ctr_unlock(me->c);
                        return cell_error_errno(err, "start container %s: lock fd", me->id);
                }
                close(me->c->lock_fd);
                me->c->lock_fd = high;
        }
        /* a lock taken on a directory rm -f renamed away: the reload finds no record */
        if (cell_ctr_reload(me->e, me->c, err) < 0) {
                cell_ctr_unlock(me->c);
                return cell_error_prefix(err, "start container %s: it was removed meanwhile", me->id);
        }
        if (me->c->state.status == CELL_CTR_RUNNING || me->c->state.status == CELL_CTR_PAUSED) {
                cell_ctr_unlock(me->c);
                return cell_error_set(err, 0, "start container %s: it is running already", me->id);
        }
        return 0;
}

static int on_prepare(void *data, struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        return cell_engine_ctr_prepare(me->e, me->c, err);
}

static void set_count(struct cell_ctr *c, int count)
{
        c->state.restart_count = count;
}

static int on_started(void *data, pid_t pid, pid_t monitor_pid, int restart_count,
                      struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        if (cell_ctr_lock(me->e, me->c, err) < 0)
                return -1;
        int r = cell_engine_ctr_mark_running(me->e, me->c, pid, monitor_pid, err);
        if (r == 0 && me->c->state.restart_count != restart_count) {
                set_count(me->c, restart_count);
                r = cell_ctr_save(me->e, me->c, err);
        }
        cell_ctr_unlock(me->c);
        return r;
}

static int on_start_failed(void *data, int exit_status, const char *msg, struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        if (cell_ctr_lock(me->e, me->c, err) < 0)
                return -1;
        int r = cell_engine_ctr_mark_exited(me->e, me->c, exit_status, err);
        if (r == 0) {
                free(me->c->state.error);
                me->c->state.error = xstrdup(msg);
                r = cell_ctr_save(me->e, me->c, err);
        }
        cell_ctr_unlock(me->c);
        struct cell_error e2;
        if (cell_engine_ctr_teardown(me->e, me->c, &e2) < 0 && r == 0) {
                *err = e2;
                r = -1;
        }
        return r;
}

/*
 * `rm -f` removes the record while the monitor reaps what it killed: taking
 * the record's lock then would make containers/<id>/lock again under its
 * feet.  A record that is gone has nothing to write.
 */
static bool record_gone(struct cell_monitor_engine *me)
{
        _cleanup_free_ char *dir = cell_engine_container_dir(me->e, me->id);
        _cleanup_free_ char *path = cell_path_join(dir, "container.json");
        return access(path, F_OK) < 0 && errno == ENOENT;
}

static int on_exited(void *data, int exit_status, bool *stopped_by_user, struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        if (record_gone(me)) {
                *stopped_by_user = true;
                return 0;
        }
        /* The record's lock is held until the teardown is done: a `start` right after
         * `stop` (which returns once the record says exited) must not mount the rootfs
         * and attach the network while this teardown still unmounts and detaches them. */
        bool locked_here = me->c->lock_fd < 0;
        if (cell_ctr_lock(me->e, me->c, err) < 0)
                return -1;
        int r = cell_engine_ctr_mark_exited(me->e, me->c, exit_status, err);
        /* mark_exited re-read the record: `stop`/`kill` have said so by now */
        *stopped_by_user = me->c->state.stopped_by_user;
        struct cell_error e2;
        if (cell_engine_ctr_teardown(me->e, me->c, &e2) < 0 && r == 0) {
                *err = e2;
                r = -1;
        }
        if (locked_here)
                cell_ctr_unlock(me->c);
        return r;
}

static int on_remove(void *data, struct cell_error *err)
{
        struct cell_monitor_engine *me = data;
        return cell_engine_ctr_remove(me->e, me->c, true, true, err);
}

struct cell_monitor_callbacks cell_monitor_engine_callbacks(struct cell_monitor_engine *me)
{
        return (struct cell_monitor_callbacks){
                .data = me,
                .claim = on_claim,
                .prepare = on_prepare,
                .started = on_started,
                .start_failed = on_start_failed,
                .exited = on_exited,
                .remove = on_remove,
        };
}

static enum cell_monitor_restart policy_of(enum cell_restart_policy p)
{
        switch (p) {
        case CELL_RESTART_ON_FAILURE: return CELL_MONITOR_RESTART_ON_FAILURE;
        case CELL_RESTART_ALWAYS: return CELL_MONITOR_RESTART_ALWAYS;
        case CELL_RESTART_UNLESS_STOPPED: return CELL_MONITOR_RESTART_UNLESS_STOPPED;
        default: return CELL_MONITOR_RESTART_NO;
        }
}

void cell_monitor_engine_init(struct cell_monitor_engine *me, struct cell_engine *e,
                              struct cell_ctr *c, struct cell_monitor_opts *o)
{
        memset(me, 0, sizeof(*me));
        me->e = e;
        me->c = c;
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        /* c's strings are replaced by each reload of the record: keep our own */
        me->id = xstrdup(c->id);
        me->bundle = cell_path_join(dir, "bundle");
        me->log_path = cell_path_join(dir, "ctr.log");
        memset(o, 0, sizeof(*o));
        o->id = me->id;
        o->bundle = me->bundle;
        o->log_path = me->log_path;
        o->rt = &e->rt;
        o->storage = e->storage;
        o->tty = c->tty;
        o->open_stdin = c->open_stdin;
        o->auto_remove = c->auto_remove;
        o->restart = policy_of(c->restart_policy);
        o->restart_max = c->restart_max;
        o->restart_count = c->state.restart_count;
}

void cell_monitor_engine_release(struct cell_monitor_engine *me)
{
        free(me->id);
        free(me->bundle);
        free(me->log_path);
        me->id = me->bundle = me->log_path = NULL;
}
