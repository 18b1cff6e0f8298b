/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `create`: flags checked first (flags.c), then every resource recorded
 * before it is made (the record first, then the rootfs mount, volumes, the
 * files), so that a failure, or `rm -f` after a crash, finds and removes
 * all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/create.h"
#include "engine/lifecycle.h"
#include "engine/network.h"
#include "engine/plan.h"
#include "engine/rootfs.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/signals.h"
#include "util/xalloc.h"

static json_object *jstr(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static json_object *jstrv(char *const *v)
{
        json_object *a = json_object_new_array();
        for (; v && *v; v++)
                json_object_array_add(a, json_object_new_string(*v));
        return a;
}

static json_object *jstrv_const(const char *const *v)
{
        return jstrv((char *const *)v);
}

static json_object *image_member(json_object *image_config, const char *key)
{
        json_object *c, *v;
        if (!image_config || !json_object_object_get_ex(image_config, "config", &c) || !c ||
            !json_object_object_get_ex(c, key, &v) || !v)
                return NULL;
        return json_object_get(v);
}

/* docker's "Config": what the process runs with, image defaults merged. */
static json_object *docker_config(const struct cell_ctr_opts *o, const struct cell_ctr_plan *p,
                                  json_object *image_config)
{
        json_object *c = json_object_new_object();
        json_object_object_add(c, "Hostname", jstr(p->hostname));
        json_object_object_add(c, "User", jstr(p->user));
        json_object_object_add(c, "Tty", json_object_new_boolean(p->tty));
        json_object_object_add(c, "OpenStdin", json_object_new_boolean(p->open_stdin));
        json_object_object_add(c, "Env", jstrv(p->env));
        bool cmd_given = o->cmd && o->cmd[0];
        json_object_object_add(c, "Cmd", cmd_given ? jstrv_const(o->cmd)
                                                   : (o->entrypoint ? NULL : image_member(image_config, "Cmd")));
        json_object *ep = NULL;
        if (o->entrypoint) {
                ep = json_object_new_array();
                if (*o->entrypoint)
                        json_object_array_add(ep, json_object_new_string(o->entrypoint));
        } else {
                ep = image_member(image_config, "Entrypoint");
        }
        json_object_object_add(c, "Entrypoint", ep);
        json_object_object_add(c, "Image", jstr(o->image));
        json_object_object_add(c, "WorkingDir", jstr(p->cwd));
        json_object_object_add(c, "ExposedPorts", image_member(image_config, "ExposedPorts"));
        json_object_object_add(c, "Labels", image_member(image_config, "Labels"));
        json_object_object_add(c, "StopSignal", jstr(cell_signal_name(p->stop_signal)));
        json_object_object_add(c, "StopTimeout", json_object_new_int(p->stop_timeout));
        return c;
}

/* docker's "HostConfig": the flags as given. */
static json_object *docker_host_config(const struct cell_ctr_opts *o, const struct cell_ctr_plan *p)
{
        json_object *h = json_object_new_object();
        json_object_object_add(h, "Binds", jstrv_const(o->volumes));
        json_object_object_add(h, "NetworkMode", jstr(p->network));
        json_object *rp = json_object_new_object();
        json_object_object_add(rp, "Name", jstr(cell_restart_policy_name(p->restart)));
        json_object_object_add(rp, "MaximumRetryCount", json_object_new_int(p->restart_max));
        json_object_object_add(h, "RestartPolicy", rp);
        json_object_object_add(h, "AutoRemove", json_object_new_boolean(o->auto_remove));
        json_object_object_add(h, "CapAdd", jstrv_const(o->cap_add));
        json_object_object_add(h, "CapDrop", jstrv_const(o->cap_drop));
        json_object_object_add(h, "SecurityOpt", jstrv_const(o->security_opt));
        json_object_object_add(h, "Privileged", json_object_new_boolean(p->privileged));
        json_object_object_add(h, "ReadonlyRootfs", json_object_new_boolean(p->read_only));
        json_object_object_add(h, "Init", json_object_new_boolean(p->init));
        json_object_object_add(h, "Isolation", jstr(p->vm ? "vm" : "container"));
        json_object *tmpfs = json_object_new_object();
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].kind == CELL_MOUNT_TMPFS)
                        json_object_object_add(tmpfs, p->mounts[i].destination,
                                               jstr(p->mounts[i].options));
        json_object_object_add(h, "Tmpfs", tmpfs);
        json_object_object_add(h, "Memory", json_object_new_int64(p->memory));
        json_object_object_add(h, "NanoCpus", json_object_new_int64(p->nano_cpus));
        json_object_object_add(h, "PidsLimit", json_object_new_int64(p->pids_limit));
        return h;
}

/* docker's "Mounts", once the volumes have their directories. */
static json_object *docker_mounts(const struct cell_ctr_plan *p)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < p->n_mounts; i++) {
                const struct cell_mount_req *m = &p->mounts[i];
                if (m->kind == CELL_MOUNT_TMPFS)
                        continue;
                json_object *o = json_object_new_object();
                bool vol = m->kind == CELL_MOUNT_VOLUME;
                json_object_object_add(o, "Type", jstr(vol ? "volume" : "bind"));
                if (vol) {
                        json_object_object_add(o, "Name", jstr(m->volume));
                        json_object_object_add(o, "Driver", jstr("local"));
                        json_object_object_add(o, "Anonymous", json_object_new_boolean(m->anonymous));
                }
                json_object_object_add(o, "Source", jstr(m->source));
                json_object_object_add(o, "Destination", jstr(m->destination));
                json_object_object_add(o, "Mode", jstr(m->read_only ? "ro" : ""));
                json_object_object_add(o, "RW", json_object_new_boolean(!m->read_only));
                json_object_object_add(o, "Propagation", jstr("rprivate"));
                json_object_array_add(a, o);
        }
        return a;
}

static int fill_record(const struct cell_ctr_opts *o, const struct cell_ctr_plan *p,
                       const struct cell_image_source *img, const char *id, json_object *net_request,
                       struct cell_ctr *c)
{
        cell_ctr_init(c);
        c->id = xstrdup(id);
        c->name = xstrdup_or_null(o->name);
        c->image = xstrdup(o->image);
        c->image_id = xstrdup_or_null(img->id);
        c->created = cell_engine_now();
        c->network_mode = xstrdup(p->network);
        /* what the network driver starts from (engine/network.h) */
        c->network = json_object_new_object();
        json_object_object_add(c->network, "request", net_request);
        c->config = docker_config(o, p, img->config);
        c->host_config = docker_host_config(o, p);
        c->mounts = json_object_new_array();
        size_t n = 0;
        while (img->lower_dirs && img->lower_dirs[n])
                n++;
        c->lower_dirs = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                c->lower_dirs[i] = xstrdup(img->lower_dirs[i]);
        c->tty = p->tty;
        c->open_stdin = p->open_stdin;
        c->auto_remove = o->auto_remove;
        c->restart_policy = p->restart;
        c->restart_max = p->restart_max;
        c->stop_signal = p->stop_signal;
        c->stop_timeout = p->stop_timeout;
        c->state.status = CELL_CTR_CREATED;
        return 0;
}

/* Named and anonymous volumes: made (or found), filled from the image when new. */
static int make_volumes(struct cell_engine *e, struct cell_ctr_plan *p, const char *rootfs,
                        struct cell_error *err)
{
        for (size_t i = 0; i < p->n_mounts; i++) {
                struct cell_mount_req *m = &p->mounts[i];
                if (m->kind != CELL_MOUNT_VOLUME)
                        continue;
                struct cell_volume v;
                bool created_now = false;
                if (cell_volume_create(e, m->volume, m->anonymous, NULL, &v, &created_now, err) < 0)
                        return -1;
                free(m->volume);
                m->volume = xstrdup(v.name);
                free(m->source);
                m->source = xstrdup(v.mountpoint);
                cell_volume_release(&v);
                if (created_now && cell_volume_copy_up(rootfs, m->destination, m->source, err) < 0)
                        return -1;
        }
        return 0;
}

/* hostname, hosts and resolv.conf: written into the container's directory as it is made. */
struct etc_files {
        char *hostname, *hosts, *resolv;
};

static void etc_files_release(struct etc_files *f)
{
        free(f->hostname);
        free(f->hosts);
        free(f->resolv);
}

static void etc_files_make(const struct cell_ctr_plan *p, json_object *request, struct etc_files *f)
{
        f->hostname = xasprintf("%s\n", p->hostname);
        cell_net_etc_files(p->network, p->hostname, request, &f->hosts, &f->resolv);
}

static int write_spec(struct cell_engine *e, const struct cell_ctr *c, const struct cell_ctr_plan *p,
                      const struct cell_net_driver *net, const char *ctr_dir, struct cell_error *err)
{
        _cleanup_free_ char *ns_path = net->ns_path ? net->ns_path(e, c) : NULL;
        json_object *spec = cell_ctr_plan_spec(p, ctr_dir, (int)net->ns, ns_path);
        const char *text = json_object_to_json_string_ext(
                spec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_free_ char *bundle = xasprintf("%s/bundle", ctr_dir);
        /* in place: a create killed here leaves a container that `rm -f` removes */
        _cleanup_close_ int dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = dfd < 0 ? cell_error_errno(err, "open %s", bundle)
                        : cell_ctr_write_file(dfd, "config.json", text, 0600, err);
        json_object_put(spec);
        return r;
}

/* Undo a half-made container: anonymous volumes it made, the mount, the record. */
static void undo(struct cell_engine *e, struct cell_ctr *c, const struct cell_ctr_plan *p)
{
        struct cell_error ignored;
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        cell_rootfs_umount(dir, &ignored);
        for (size_t i = 0; i < p->n_mounts; i++)
                if (p->mounts[i].kind == CELL_MOUNT_VOLUME && p->mounts[i].anonymous &&
                    p->mounts[i].volume)
                        cell_volume_remove(e, p->mounts[i].volume, true, &ignored);
        cell_ctr_remove_record(e, c, &ignored);
        cell_ctr_release(c);
}

static int build(struct cell_engine *e, struct cell_ctr *c, struct cell_ctr_plan *p,
                 const struct cell_net_driver *net, struct cell_error *err)
{
        _cleanup_free_ char *dir = cell_engine_container_dir(e, c->id);
        _cleanup_free_ char *rootfs = xasprintf("%s/bundle/rootfs", dir);
        size_t n = 0;
        while (c->lower_dirs[n])
                n++;
        if (cell_rootfs_mount(dir, c->lower_dirs, n, c->auto_remove, err) < 0 ||
            cell_ctr_plan_resolve_user(p, rootfs, err) < 0 || make_volumes(e, p, rootfs, err) < 0 ||
            write_spec(e, c, p, net, dir, err) < 0)
                return -1;
        json_object_put(c->mounts);
        c->mounts = docker_mounts(p);
        /* the resolved env (HOME) is what inspect should show */
        json_object_object_add(c->config, "Env", jstrv(p->env));
        return cell_ctr_save(e, c, err);
}

int cell_engine_ctr_new(struct cell_engine *e, const struct cell_ctr_opts *opts,
                        const struct cell_image_source *img, struct cell_ctr *out,
                        struct cell_error *err)
{
        char id[CELL_CTR_ID_LEN + 1];
        cell_ctr_init(out);
        if (cell_ctr_new_id(id, err) < 0)
                return -1;
        struct cell_ctr_plan plan;
        if (cell_ctr_plan_from_flags(opts, img->config, id, &plan, err) < 0)
                return -1;
        const struct cell_net_driver *net = cell_net_driver_find(plan.network, err);
        json_object *net_request = NULL;
        if (!net || (opts->name && cell_ctr_name_validate(opts->name, err) < 0) ||
            !(net_request = cell_net_request(e, plan.network, &opts->net, img->config, err))) {
                cell_ctr_plan_release(&plan);
                return -1;
        }
        fill_record(opts, &plan, img, id, net_request, out);
        json_object_object_add(out->host_config, "PortBindings", cell_net_port_bindings(net_request));
        json_object_object_add(out->host_config, "PublishAllPorts", json_object_new_boolean(opts->net.publish_all));
        /* a container's non-root user must read these */
        struct etc_files etc;
        etc_files_make(&plan, net_request, &etc);
        const struct cell_ctr_file files[] = {
                {"hostname", etc.hostname, 0644},
                {"hosts", etc.hosts, 0644},
                {"resolv.conf", etc.resolv, 0644},
                {NULL, NULL, 0},
        };
        int r = cell_ctr_create(e, out, files, err);
        etc_files_release(&etc);
        if (r < 0) {
                cell_ctr_plan_release(&plan);
                cell_ctr_release(out);
                return -1;
        }
        if (build(e, out, &plan, net, err) < 0) {
                cell_error_prefix(err, "create container %s", out->name);
                undo(e, out, &plan);
                cell_ctr_plan_release(&plan);
                return -1;
        }
        cell_ctr_plan_release(&plan);
        return 0;
}
