/* SPDX-License-Identifier: Apache-2.0 */
/* What the container verbs share: opening the engine, create, start, stop, inspect. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "cli/engine/image_verbs.h"
#include "engine/image_source.h"
#include "engine/lifecycle.h"
#include "engine/network.h"
#include "engine/runner.h"
#include "engine/vm_ctr.h"
#include "image/registry.h"
#include "runtime/dmz.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/signals.h"

int ctr_verbs_engine(struct ecli_ctx *ctx, struct cell_engine *e, struct cell_error *err)
{
        /* The runtime must never re-execute an engine verb halfway (it would redo what was
         * done): the monitor's starter re-executes itself instead (engine/monitor.h). */
        struct cell_engine_opts o = {.storage = ctx->g.storage, .runroot = ctx->g.runroot,
                                     .debug = ctx->g.debug,
                                     .self_argv = cell_dmz_self_protected() ? ctx->argv : NULL};
        return cell_engine_open(&o, e, err);
}

int ctr_verbs_each(struct ecli_ctx *ctx, const struct ecli_args *a, bool lock, ctr_verbs_fn fn,
                   void *data)
{
        struct cell_error err = {0};
        struct cell_engine e;
        if (ctr_verbs_engine(ctx, &e, &err) < 0)
                return ecli_fail(&err);
        int rc = 0;
        for (int i = 0; i < a->argc; i++) {
                struct cell_ctr c;
                if (cell_ctr_lookup(&e, a->argv[i], lock, &c, &err) < 0) {
                        rc = ecli_fail(&err);
                        continue;
                }
                if (fn(&e, &c, a->argv[i], data, &err) < 0)
                        rc = ecli_fail(&err);
                else
                        printf("%s\n", a->argv[i]);
                cell_ctr_release(&c);
        }
        cell_engine_close(&e);
        return rc;
}

int ctr_verbs_fail(const struct cell_error *err)
{
        int code = cell_engine_exit_code_for(err);
        ecli_fail(err);
        return code;
}

static void fill_opts(const struct ecli_args *a, struct cell_ctr_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->image = a->argv[0];
        o->cmd = (const char *const *)a->argv + 1;
        o->name = ecli_value(a, "name");
        o->env = ecli_values(a, "env", NULL);
        o->env_files = ecli_values(a, "env-file", NULL);
        o->workdir = ecli_value(a, "workdir");
        o->user = ecli_value(a, "user");
        o->entrypoint = ecli_given(a, "entrypoint") ? ecli_value(a, "entrypoint") : NULL;
        o->hostname = ecli_value(a, "hostname");
        o->read_only = ecli_flag(a, "read-only");
        o->privileged = ecli_flag(a, "privileged");
        o->init = ecli_flag(a, "init");
        o->tty = ecli_flag(a, "tty");
        o->interactive = ecli_flag(a, "interactive");
        o->auto_remove = ecli_flag(a, "rm");
        o->memory = ecli_value(a, "memory");
        o->cpus = ecli_value(a, "cpus");
        o->pids_limit = ecli_value(a, "pids-limit");
        o->cap_add = ecli_values(a, "cap-add", NULL);
        o->cap_drop = ecli_values(a, "cap-drop", NULL);
        o->security_opt = ecli_values(a, "security-opt", NULL);
        o->tmpfs = ecli_values(a, "tmpfs", NULL);
        o->volumes = ecli_values(a, "volume", NULL);
        o->restart = ecli_value(a, "restart");
        o->network = ecli_value(a, "network");
        o->net.publish = ecli_values(a, "publish", NULL);
        o->net.publish_all = ecli_flag(a, "publish-all");
        o->net.ip = ecli_value(a, "ip");
        o->net.aliases = ecli_values(a, "network-alias", NULL);
        o->net.dns = ecli_values(a, "dns", NULL);
        o->net.add_host = ecli_values(a, "add-host", NULL);
        o->net.mac = ecli_value(a, "mac-address");
        o->stop_signal = ecli_value(a, "stop-signal");
        o->isolation = ecli_value(a, "isolation");
        o->stop_timeout = -1;
}

/* docker prints this to stderr before it pulls an image run or create needs */
static int pull_image(struct cell_store *s, const char *ref, struct cell_image *out, void *data,
                      struct cell_error *err)
{
        fprintf(stderr, "Unable to find image '%s' locally\n", ref);
        return cell_registry_pull(s, ref, data, out, err);
}

int ctr_verbs_create(struct ecli_ctx *ctx, struct cell_engine *e, const struct ecli_args *a,
                     struct cell_ctr *out, struct cell_error *err)
{
        struct cell_ctr_opts o;
        fill_opts(a, &o);
        long long timeout = -1;
        if (ecli_given(a, "stop-timeout") &&
            ecli_value_int(a, "stop-timeout", -1, -1, 1000000, &timeout, err) < 0)
                return -1;
        o.stop_timeout = (int)timeout;
        enum cell_pull_policy policy;
        if (cell_pull_policy_parse(ecli_value(a, "pull"), &policy, err) < 0)
                return -1;
        struct cell_store *s;
        if (ecli_store(ctx, &s, err) < 0 || cell_store_lock_shared(s, err) < 0)
                return -1;
        struct cell_pull_opts po = CELL_PULL_OPTS_DEFAULT;
        po.tls_verify = !ecli_given(a, "tls-verify") || ecli_flag(a, "tls-verify");
        po.platform = ecli_value(a, "platform");
        po.progress = CELL_PROGRESS_AUTO;
        struct cell_engine_image img;
        if (cell_engine_image_resolve(s, o.image, policy, pull_image, &po, &img, err) < 0)
                return -1;
        int r = cell_engine_ctr_new(e, &o, &img.src, out, err);
        cell_engine_image_release(&img);
        /* The store's shared lock goes now, not at the end of the command: a foreground run
         * may last hours and gc (rmi, prune) would wait for it.  The rootfs is mounted and the
         * record names the image, which rmi then refuses to remove. */
        if (ctx->store_close)
                ctx->store_close(ctx->store);
        ctx->store = NULL;
        ctx->store_close = NULL;
        return r;
}

static bool wait_pid_exit(pid_t pid, int timeout_ms)
{
        if (pid <= 0)
                return true;
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return errno == ESRCH;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        return r > 0;
}

/* The record's owner (a foreground run, a monitor) finalizes it; else we do. */
static void finalize_stopped(struct cell_engine *e, struct cell_ctr *c, int code)
{
        struct cell_error ignored;
        for (int i = 0; i < 50; i++) {
                if (cell_ctr_reload(e, c, &ignored) < 0)
                        return; /* removed (--rm) */
                if (c->state.monitor_pid == 0 || !cell_pid_running(c->state.monitor_pid))
                        break;
                if (c->state.finished_at && c->state.status == CELL_CTR_EXITED)
                        return;
                struct timespec ts = {0, 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        if (cell_ctr_reload(e, c, &ignored) < 0)
                return;
        if (!c->state.finished_at || c->state.exit_code < 0 || c->state.exit_code == 255)
                cell_engine_ctr_mark_exited(e, c, code, &ignored);
        cell_engine_ctr_teardown(e, c, &ignored);
}

int ctr_verbs_stop(struct cell_engine *e, struct cell_ctr *c, int timeout, struct cell_error *err)
{
        if (c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                return 0;
        struct cell_error ignored;
        if (cell_ctr_lock(e, c, err) < 0)
                return -1;
        if (cell_ctr_reload(e, c, err) < 0) {
                cell_ctr_unlock(c);
                return -1;
        }
        c->state.stopped_by_user = true;
        cell_ctr_save(e, c, &ignored);
        cell_ctr_unlock(c);
        pid_t pid = c->state.pid;
        int sig = c->stop_signal > 0 ? c->stop_signal : SIGTERM;
        if (c->state.status == CELL_CTR_PAUSED)
                cell_container_resume(&e->rt, c->id, &ignored);
        int code = 128 + sig;
        if (timeout != 0 && cell_engine_ctr_kill(e, c, sig, false, &ignored) == 0 &&
            wait_pid_exit(pid, timeout < 0 ? -1 : timeout * 1000)) {
                finalize_stopped(e, c, code);
                return 0;
        }
        code = 128 + SIGKILL;
        cell_engine_ctr_kill(e, c, SIGKILL, true, &ignored);
        wait_pid_exit(pid, 10000);
        finalize_stopped(e, c, code);
        return 0;
}

int ctr_verbs_start(struct cell_engine *e, struct cell_ctr *c, bool attach, bool interactive,
                    int *exit_status, struct cell_error *err)
{
        *exit_status = 0;
        if (cell_ctr_lock(e, c, err) < 0 || cell_ctr_reload(e, c, err) < 0)
                return -1;
        if (c->state.status == CELL_CTR_RUNNING || c->state.status == CELL_CTR_PAUSED) {
                cell_ctr_unlock(c);
                return 0;
        }
        /* what a previous run left when its owner died: runtime state, mounts (a container
         * just created has none, and its rootfs, mounted by create, stays) */
        struct cell_error ignored;
        if (c->state.status == CELL_CTR_EXITED)
                cell_engine_ctr_teardown(e, c, &ignored);
        struct cell_run_process_opts o = {.detach = !attach, .attach_stdin = interactive};
        return cell_engine_ctr_run_process(e, c, &o, exit_status, err);
}

/* ---- inspect ---- */

static json_object *jstr(const char *s)
{
        return json_object_new_string(s ? s : "");
}

static const char *zero_time(const char *t)
{
        return t ? t : "0001-01-01T00:00:00Z";
}

static json_object *state_json(const struct cell_ctr *c)
{
        const struct cell_ctr_state *s = &c->state;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Status", jstr(cell_ctr_status_name(s->status)));
        json_object_object_add(o, "Running", json_object_new_boolean(s->status == CELL_CTR_RUNNING ||
                                                                      s->status == CELL_CTR_PAUSED));
        json_object_object_add(o, "Paused", json_object_new_boolean(s->status == CELL_CTR_PAUSED));
        json_object_object_add(o, "Restarting", json_object_new_boolean(0));
        json_object_object_add(o, "OOMKilled", json_object_new_boolean(s->oom_killed));
        json_object_object_add(o, "Dead", json_object_new_boolean(0));
        json_object_object_add(o, "Pid", json_object_new_int(s->pid));
        json_object_object_add(o, "ExitCode", json_object_new_int(s->exit_code < 0 ? 0 : s->exit_code));
        json_object_object_add(o, "Error", jstr(s->error));
        json_object_object_add(o, "StartedAt", jstr(zero_time(s->started_at)));
        json_object_object_add(o, "FinishedAt", jstr(zero_time(s->finished_at)));
        return o;
}

static json_object *graph_driver(struct cell_engine *e, const struct cell_ctr *c)
{
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *lower = xstrdup("");
        for (char **l = c->lower_dirs; l && *l; l++) {
                char *more = *lower ? xasprintf("%s:%s", lower, *l) : xstrdup(*l);
                free(lower);
                lower = more;
        }
        json_object *data = json_object_new_object();
        json_object_object_add(data, "LowerDir", jstr(lower));
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        _cleanup_free_ char *work = xasprintf("%s/work", dir);
        _cleanup_free_ char *merged = xasprintf("%s/bundle/rootfs", dir);
        json_object_object_add(data, "UpperDir", jstr(upper));
        json_object_object_add(data, "WorkDir", jstr(work));
        json_object_object_add(data, "MergedDir", jstr(merged));
        json_object *g = json_object_new_object();
        json_object_object_add(g, "Name", jstr("overlay"));
        json_object_object_add(g, "Data", data);
        return g;
}

static json_object *oci_spec(struct cell_engine *e, const struct cell_ctr *c)
{
        _cleanup_free_ char *path = xasprintf("%s/containers/%s/bundle/config.json", e->storage, c->id);
        _cleanup_free_ char *text = NULL;
        struct cell_error ignored;
        if (cell_read_file(path, &text, NULL, &ignored) < 0)
                return NULL;
        return json_tokener_parse(text);
}

json_object *ctr_verbs_inspect_json(struct cell_engine *e, const struct cell_ctr *c)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "Id", jstr(c->id));
        json_object_object_add(o, "Created", jstr(c->created));
        json_object *args = NULL, *path = NULL, *spec = oci_spec(e, c), *proc, *pa;
        if (spec && json_object_object_get_ex(spec, "process", &proc) &&
            json_object_object_get_ex(proc, "args", &pa) && json_object_array_length(pa) > 0) {
                path = json_object_get(json_object_array_get_idx(pa, 0));
                args = json_object_new_array();
                for (size_t i = 1; i < json_object_array_length(pa); i++)
                        json_object_array_add(args, json_object_get(json_object_array_get_idx(pa, i)));
        }
        json_object_object_add(o, "Path", path ? path : jstr(""));
        json_object_object_add(o, "Args", args ? args : json_object_new_array());
        json_object_object_add(o, "State", state_json(c));
        json_object_object_add(o, "Image", jstr(c->image_id));
        json_object_object_add(o, "ImageName", jstr(c->image));
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *f1 = xasprintf("%s/resolv.conf", dir), *f2 = xasprintf("%s/hostname", dir),
                            *f3 = xasprintf("%s/hosts", dir), *f4 = xasprintf("%s/ctr.log", dir);
        json_object_object_add(o, "ResolvConfPath", jstr(f1));
        json_object_object_add(o, "HostnamePath", jstr(f2));
        json_object_object_add(o, "HostsPath", jstr(f3));
        json_object_object_add(o, "LogPath", jstr(f4));
        _cleanup_free_ char *name = xasprintf("/%s", c->name);
        json_object_object_add(o, "Name", jstr(name));
        json_object_object_add(o, "RestartCount", json_object_new_int(c->state.restart_count));
        json_object_object_add(o, "Driver", jstr("overlay"));
        json_object_object_add(o, "HostConfig", c->host_config ? json_object_get(c->host_config)
                                                               : json_object_new_object());
        json_object_object_add(o, "GraphDriver", graph_driver(e, c));
        json_object_object_add(o, "Mounts", c->mounts ? json_object_get(c->mounts) : json_object_new_array());
        json_object_object_add(o, "Config", c->config ? json_object_get(c->config) : json_object_new_object());
        json_object_object_add(o, "NetworkSettings", cell_net_settings_json(c));
        json_object_object_add(o, "CellOCISpec", spec);
        return o;
}
