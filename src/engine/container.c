/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/vm_ctr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define RECORD "container.json"
#define NAMES_LOCK ".lock"

static const char *const status_names[] = {
        [CELL_CTR_CREATED] = "created",
        [CELL_CTR_RUNNING] = "running",
        [CELL_CTR_PAUSED] = "paused",
        [CELL_CTR_EXITED] = "exited",
};

const char *cell_ctr_status_name(enum cell_ctr_status s)
{
        return (unsigned)s < CELL_ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

int cell_ctr_status_from_name(const char *name)
{
        for (size_t i = 0; i < CELL_ARRAY_SIZE(status_names); i++)
                if (strcmp(status_names[i], name) == 0)
                        return (int)i;
        return -1;
}

static const char *const policy_names[] = {
        [CELL_RESTART_NO] = "no",
        [CELL_RESTART_ON_FAILURE] = "on-failure",
        [CELL_RESTART_ALWAYS] = "always",
        [CELL_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *cell_restart_policy_name(enum cell_restart_policy p)
{
        return (unsigned)p < CELL_ARRAY_SIZE(policy_names) ? policy_names[p] : "no";
}

int cell_restart_policy_parse(const char *s, enum cell_restart_policy *policy, int *max_retries,
                              struct cell_error *err)
{
        *max_retries = 0;
        const char *colon = strchr(s, ':');
        size_t len = colon ? (size_t)(colon - s) : strlen(s);
        for (size_t i = 0; i < CELL_ARRAY_SIZE(policy_names); i++) {
                if (strlen(policy_names[i]) != len || strncmp(policy_names[i], s, len) != 0)
                        continue;
                *policy = (enum cell_restart_policy)i;
                if (!colon)
                        return 0;
                if (i != CELL_RESTART_ON_FAILURE)
                        return cell_error_set(err, 0,
                                              "invalid restart policy: maximum retry count "
                                              "cannot be used with restart policy '%s'",
                                              policy_names[i]);
                char *end;
                errno = 0;
                long n = strtol(colon + 1, &end, 10);
                if (errno || end == colon + 1 || *end || n < 0 || n > 1000000)
                        return cell_error_set(err, 0, "invalid restart policy: bad retry count \"%s\"",
                                              colon + 1);
                *max_retries = (int)n;
                return 0;
        }
        return cell_error_set(err, 0, "invalid restart policy: %s", s);
}

void cell_ctr_init(struct cell_ctr *c)
{
        memset(c, 0, sizeof(*c));
        c->lock_fd = -1;
        c->state.exit_code = -1;
        c->stop_signal = SIGTERM;
        c->stop_timeout = 10;
}

static void state_release(struct cell_ctr_state *s)
{
        free(s->started_at);
        free(s->finished_at);
        free(s->error);
        s->started_at = s->finished_at = s->error = NULL;
}

void cell_ctr_release(struct cell_ctr *c)
{
        cell_ctr_unlock(c);
        free(c->id);
        free(c->name);
        free(c->image);
        free(c->image_id);
        free(c->created);
        free(c->network_mode);
        json_object_put(c->config);
        json_object_put(c->host_config);
        json_object_put(c->mounts);
        json_object_put(c->network);
        cell_strv_free(c->lower_dirs);
        state_release(&c->state);
        cell_ctr_init(c);
}

int cell_ctr_new_id(char out[CELL_CTR_ID_LEN + 1], struct cell_error *err)
{
        unsigned char raw[CELL_CTR_ID_LEN / 2];
        size_t got = 0;
        while (got < sizeof(raw)) {
                ssize_t r = getrandom(raw + got, sizeof(raw) - got, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return cell_error_errno(err, "getrandom");
                got += (size_t)r;
        }
        for (size_t i = 0; i < sizeof(raw); i++)
                snprintf(out + 2 * i, 3, "%02x", raw[i]);
        /* docker never hands out an all-digit id: it would read as a number */
        return 0;
}

int cell_ctr_name_validate(const char *name, struct cell_error *err)
{
        const char *n = name[0] == '/' ? name + 1 : name;
        bool ok = isalnum((unsigned char)n[0]);
        for (const char *p = n; ok && *p; p++)
                ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
        if (!ok || strlen(n) > 200)
                return cell_error_set(err, 0,
                                      "invalid container name \"%s\", only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                                      "are allowed",
                                      name);
        return 0;
}

/* ---- the record as JSON ---- */

static void add_str(json_object *o, const char *key, const char *v)
{
        json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static json_object *get_ref(json_object *o)
{
        return o ? json_object_get(o) : NULL;
}

json_object *cell_ctr_to_json(const struct cell_ctr *c)
{
        json_object *o = json_object_new_object();
        add_str(o, "id", c->id);
        add_str(o, "name", c->name);
        add_str(o, "image", c->image);
        add_str(o, "image_id", c->image_id);
        add_str(o, "created", c->created);
        add_str(o, "network_mode", c->network_mode);
        json_object_object_add(o, "config", get_ref(c->config));
        json_object_object_add(o, "host_config", get_ref(c->host_config));
        json_object_object_add(o, "mounts", get_ref(c->mounts));
        json_object_object_add(o, "network", get_ref(c->network));
        json_object *lowers = json_object_new_array();
        for (char **l = c->lower_dirs; l && *l; l++)
                json_object_array_add(lowers, json_object_new_string(*l));
        json_object_object_add(o, "lower_dirs", lowers);
        json_object_object_add(o, "tty", json_object_new_boolean(c->tty));
        json_object_object_add(o, "open_stdin", json_object_new_boolean(c->open_stdin));
        json_object_object_add(o, "auto_remove", json_object_new_boolean(c->auto_remove));
        json_object *rp = json_object_new_object();
        add_str(rp, "name", cell_restart_policy_name(c->restart_policy));
        json_object_object_add(rp, "maximum_retry_count", json_object_new_int(c->restart_max));
        json_object_object_add(o, "restart_policy", rp);
        json_object_object_add(o, "stop_signal", json_object_new_int(c->stop_signal));
        json_object_object_add(o, "stop_timeout", json_object_new_int(c->stop_timeout));

        const struct cell_ctr_state *s = &c->state;
        json_object *st = json_object_new_object();
        add_str(st, "status", cell_ctr_status_name(s->status));
        json_object_object_add(st, "pid", json_object_new_int(s->pid));
        json_object_object_add(st, "exit_code", json_object_new_int(s->exit_code));
        add_str(st, "started_at", s->started_at);
        add_str(st, "finished_at", s->finished_at);
        json_object_object_add(st, "restart_count", json_object_new_int(s->restart_count));
        json_object_object_add(st, "monitor_pid", json_object_new_int(s->monitor_pid));
        json_object_object_add(st, "stopped_by_user", json_object_new_boolean(s->stopped_by_user));
        json_object_object_add(st, "oom_killed", json_object_new_boolean(s->oom_killed));
        add_str(st, "error", s->error);
        json_object_object_add(o, "state", st);
        return o;
}

static char *dup_member(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return xstrdup(json_object_get_string(v));
}

static int int_member(json_object *o, const char *key, int fallback)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return fallback;
        return json_object_get_int(v);
}

static bool bool_member(json_object *o, const char *key)
{
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static json_object *obj_member(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return NULL;
        return json_object_get(v);
}

static int from_json(json_object *o, struct cell_ctr *c, const char *label, struct cell_error *err)
{
        c->id = dup_member(o, "id");
        c->name = dup_member(o, "name");
        if (!c->id || !c->name)
                return cell_error_set(err, 0, "%s: the record has no id or name", label);
        c->image = dup_member(o, "image");
        c->image_id = dup_member(o, "image_id");
        c->created = dup_member(o, "created");
        c->network_mode = dup_member(o, "network_mode");
        c->config = obj_member(o, "config");
        c->host_config = obj_member(o, "host_config");
        c->mounts = obj_member(o, "mounts");
        c->network = obj_member(o, "network");
        json_object *lowers;
        if (json_object_object_get_ex(o, "lower_dirs", &lowers) &&
            json_object_is_type(lowers, json_type_array)) {
                size_t n = json_object_array_length(lowers);
                c->lower_dirs = xcalloc(n + 1, sizeof(char *));
                for (size_t i = 0; i < n; i++)
                        c->lower_dirs[i] = xstrdup(json_object_get_string(json_object_array_get_idx(lowers, i)));
        }
        c->tty = bool_member(o, "tty");
        c->open_stdin = bool_member(o, "open_stdin");
        c->auto_remove = bool_member(o, "auto_remove");
        json_object *rp;
        if (json_object_object_get_ex(o, "restart_policy", &rp) && rp) {
                _cleanup_free_ char *name = dup_member(rp, "name");
                int max = 0;
                struct cell_error ignored;
                if (name)
                        cell_restart_policy_parse(name, &c->restart_policy, &max, &ignored);
                c->restart_max = int_member(rp, "maximum_retry_count", 0);
        }
        c->stop_signal = int_member(o, "stop_signal", SIGTERM);
        c->stop_timeout = int_member(o, "stop_timeout", 10);

        json_object *st;
        if (!json_object_object_get_ex(o, "state", &st) || !st)
                return cell_error_set(err, 0, "%s: the record has no state", label);
        _cleanup_free_ char *status = dup_member(st, "status");
        int s = status ? cell_ctr_status_from_name(status) : -1;
        if (s < 0)
                return cell_error_set(err, 0, "%s: unknown status \"%s\"", label,
                                      status ? status : "");
        c->state.status = (enum cell_ctr_status)s;
        c->state.pid = int_member(st, "pid", 0);
        c->state.exit_code = int_member(st, "exit_code", -1);
        c->state.started_at = dup_member(st, "started_at");
        c->state.finished_at = dup_member(st, "finished_at");
        c->state.restart_count = int_member(st, "restart_count", 0);
        c->state.monitor_pid = int_member(st, "monitor_pid", 0);
        c->state.stopped_by_user = bool_member(st, "stopped_by_user");
        c->state.oom_killed = bool_member(st, "oom_killed");
        c->state.error = dup_member(st, "error");
        return 0;
}

/* ---- locks ---- */

static int flock_at(int dirfd, const char *name, struct cell_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return cell_error_errno(err, "open lock %s", name);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR)
                        return cell_error_errno(err, "lock %s", name);
        }
        /*
         * Whoever held it before us may have removed the container (rm renames
         * its directory away under this lock): a lock on a file no longer at
         * `name` guards nothing, and what we would write next would make the
         * directory again without its record's files (a create that lost the
         * race to an rm --all made containers/<id>/ anew, without hosts).
         */
        struct stat held, now;
        if (fstat(fd, &held) < 0)
                return cell_error_errno(err, "lock %s", name);
        if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 || held.st_ino != now.st_ino ||
            held.st_dev != now.st_dev)
                return cell_error_set(err, ENOENT, "lock %s: removed while we waited for it", name);
        return steal_fd(fd);
}

int cell_ctr_lock(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        if (c->lock_fd >= 0)
                return 0;
        _cleanup_free_ char *name = xasprintf("%s/lock", c->id);
        int fd = flock_at(e->containers_dirfd, name, err);
        if (fd < 0)
                return cell_error_prefix(err, "container %s", c->name ? c->name : c->id);
        c->lock_fd = fd;
        return 0;
}

void cell_ctr_unlock(struct cell_ctr *c)
{
        if (c->lock_fd >= 0)
                close(c->lock_fd);
        c->lock_fd = -1;
}

/* ---- load, reconcile, save ---- */

/*
 * What the engine recorded against what the runtime library sees now: a
 * running or paused record whose init is gone has exited, whoever was to
 * reap it.
 */
static void reconcile(struct cell_engine *e, struct cell_ctr *c)
{
        struct cell_ctr_state *s = &c->state;
        if (s->status != CELL_CTR_RUNNING && s->status != CELL_CTR_PAUSED)
                return;
        /* a micro-VM: no runtime container; its process is the VM's (engine/vm_ctr.h) */
        if (cell_ctr_is_vm(c) && cell_engine_vm_alive(s->pid))
                return;
        struct cell_container_state rs = {0};
        struct cell_error ignored;
        if (cell_container_state(&e->rt, c->id, &rs, &ignored) == 0) {
                enum cell_status st = rs.status;
                pid_t pid = rs.pid;
                cell_container_state_release(&rs);
                if (st == CELL_STATUS_RUNNING || st == CELL_STATUS_CREATED ||
                    st == CELL_STATUS_CREATING) {
                        s->status = CELL_CTR_RUNNING;
                        s->pid = pid;
                        return;
                }
                if (st == CELL_STATUS_PAUSED) {
                        s->status = CELL_CTR_PAUSED;
                        s->pid = pid;
                        return;
                }
        }
        s->status = CELL_CTR_EXITED;
        s->pid = 0;
        if (s->exit_code < 0)
                s->exit_code = 255;
}

static int read_record(struct cell_engine *e, const char *id, struct cell_ctr *out,
                       struct cell_error *err)
{
        _cleanup_free_ char *path = xasprintf("%s/" RECORD, id);
        _cleanup_free_ char *text = NULL;
        if (cell_read_file_at(e->containers_dirfd, path, &text, NULL, err) < 0)
                return -1;
        json_object *o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return cell_error_set(err, 0, "containers/%s/" RECORD ": not a JSON object", id);
        }
        int r = from_json(o, out, path, err);
        json_object_put(o);
        return r;
}

/* "no such container: X" with errnum ENOENT, and no strerror appended. */
static int no_such(struct cell_error *err, const char *name)
{
        cell_error_set(err, 0, "no such container: %s", name);
        err->errnum = ENOENT;
        return -1;
}

static bool is_id(const char *s)
{
        if (strlen(s) != CELL_CTR_ID_LEN)
                return false;
        for (; *s; s++)
                if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
                        return false;
        return true;
}

int cell_ctr_load(struct cell_engine *e, const char *id, bool lock, struct cell_ctr *out,
                  struct cell_error *err)
{
        cell_ctr_init(out);
        if (!is_id(id))
                return no_such(err, id);
        out->id = xstrdup(id);
        if (lock && cell_ctr_lock(e, out, err) < 0) {
                if (err->errnum == ENOENT)
                        no_such(err, id);
                goto fail;
        }
        struct cell_ctr tmp;
        cell_ctr_init(&tmp);
        if (read_record(e, id, &tmp, err) < 0) {
                cell_ctr_release(&tmp);
                if (err->errnum == ENOENT)
                        no_such(err, id);
                goto fail;
        }
        tmp.lock_fd = steal_fd(out->lock_fd);
        cell_ctr_release(out);
        *out = tmp;
        reconcile(e, out);
        return 0;
fail:
        cell_ctr_release(out);
        return -1;
}

int cell_ctr_reload(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        struct cell_ctr tmp;
        cell_ctr_init(&tmp);
        if (read_record(e, c->id, &tmp, err) < 0) {
                cell_ctr_release(&tmp);
                return -1;
        }
        tmp.lock_fd = steal_fd(c->lock_fd);
        cell_ctr_release(c);
        *c = tmp;
        reconcile(e, c);
        return 0;
}

/* Write the record into directory `dir_name` (under containers/). */
int cell_ctr_write_file(int dirfd, const char *name, const char *text, mode_t mode,
                        struct cell_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return cell_error_errno(err, "create %s", name);
        if (cell_write_all(fd, text, strlen(text)) < 0 || ((mode & 0077) && fchmod(fd, mode) < 0))
                return cell_error_errno(err, "write %s", name);
        return 0;
}

/* `atomic`: replace a published record by tmp + rename; else write it in place. */
static int save_in(struct cell_engine *e, const struct cell_ctr *c, const char *dir_name,
                   bool atomic, struct cell_error *err)
{
        json_object *o = cell_ctr_to_json(c);
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                     JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_close_ int dirfd = openat(e->containers_dirfd, dir_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;
        if (dirfd < 0)
                r = cell_error_errno(err, "container %s: open its directory", c->name);
        else
                r = atomic ? cell_write_file_atomic(dirfd, RECORD, text, strlen(text), err)
                           : cell_ctr_write_file(dirfd, RECORD, text, 0600, err);
        json_object_put(o);
        if (r < 0)
                return cell_error_prefix(err, "container %s: save the record", c->name);
        return 0;
}

int cell_ctr_save(struct cell_engine *e, const struct cell_ctr *c, struct cell_error *err)
{
        return save_in(e, c, c->id, true, err);
}

/* ---- listing and names ---- */

static int by_created_desc(const void *a, const void *b)
{
        const struct cell_ctr *x = a, *y = b;
        int r = strcmp(y->created ? y->created : "", x->created ? x->created : "");
        return r ? r : strcmp(x->id, y->id);
}

int cell_ctr_list(struct cell_engine *e, struct cell_ctr **out, size_t *n, struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        int fd = openat(e->containers_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open %s/containers", e->storage);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return cell_error_errno(err, "open %s/containers", e->storage);
        }
        struct cell_ctr *list = NULL;
        size_t count = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_id(de->d_name))
                        continue;
                struct cell_ctr c;
                cell_ctr_init(&c);
                struct cell_error e2;
                cell_error_clear(&e2);
                if (read_record(e, de->d_name, &c, &e2) < 0) {
                        /* created a moment ago, or removed: not an error of the listing */
                        if (e2.errnum != ENOENT)
                                cell_log(CELL_LOG_WARN, "%s", e2.msg);
                        cell_ctr_release(&c);
                        continue;
                }
                reconcile(e, &c);
                list = xreallocarray(list, count + 1, sizeof(*list));
                list[count++] = c;
        }
        if (count)
                qsort(list, count, sizeof(*list), by_created_desc);
        *out = list;
        *n = count;
        return 0;
}

void cell_ctr_list_free(struct cell_ctr *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cell_ctr_release(&list[i]);
        free(list);
}

static const char *bare_name(const char *name)
{
        return name[0] == '/' ? name + 1 : name;
}

/* With containers/.lock held: the id of the container called `name`, or NULL. */
static char *name_owner(struct cell_engine *e, const char *name, struct cell_error *err)
{
        struct cell_ctr *list;
        size_t n;
        if (cell_ctr_list(e, &list, &n, err) < 0)
                return NULL;
        char *owner = NULL;
        for (size_t i = 0; i < n && !owner; i++)
                if (strcmp(list[i].name, name) == 0)
                        owner = xstrdup(list[i].id);
        cell_ctr_list_free(list, n);
        return owner;
}

static int name_in_use(const char *name, const char *owner, struct cell_error *err)
{
        cell_error_set(err, 0,
                              "the container name \"/%s\" is already in use by container \"%s\". "
                              "You have to remove (or rename) that container to be able to reuse "
                              "that name",
                              name, owner);
        err->errnum = EEXIST;
        return -1;
}

static int pick_name(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        cell_error_clear(err);
        if (c->name) {
                if (cell_ctr_name_validate(c->name, err) < 0)
                        return -1;
                char *bare = xstrdup(bare_name(c->name));
                free(c->name);
                c->name = bare;
                _cleanup_free_ char *owner = name_owner(e, c->name, err);
                if (owner)
                        return name_in_use(c->name, owner, err);
                return cell_error_is_set(err) ? -1 : 0;
        }
        for (int tries = 0; tries < 100; tries++) {
                _cleanup_free_ char *name = cell_ctr_random_name();
                if (tries >= 10) {
                        char *longer = xasprintf("%s%d", name, tries);
                        free(name);
                        name = longer;
                }
                _cleanup_free_ char *owner = name_owner(e, name, err);
                if (cell_error_is_set(err))
                        return -1;
                if (!owner) {
                        c->name = steal_ptr(name);
                        return 0;
                }
        }
        return cell_error_set(err, 0, "no free random container name");
}

#define NEW_PREFIX ".new-"
#define GONE_PREFIX ".rm-"

/*
 * A create killed between its mkdir and its rename left a ".new-<id>"
 * directory that no listing sees; with containers/.lock held no create is
 * under way, so every one of them is such a leftover.
 */
static void remove_unfinished_creates(struct cell_engine *e)
{
        int fd = openat(e->containers_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        struct dirent *de;
        struct cell_error ignored;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, NEW_PREFIX, strlen(NEW_PREFIX)) == 0 ||
                    strncmp(de->d_name, GONE_PREFIX, strlen(GONE_PREFIX)) == 0)
                        cell_remove_tree_at(e->containers_dirfd, de->d_name, &ignored);
}

int cell_ctr_create(struct cell_engine *e, struct cell_ctr *c, const struct cell_ctr_file *files,
                    struct cell_error *err)
{
        _cleanup_close_ int names = flock_at(e->containers_dirfd, NAMES_LOCK, err);
        if (names < 0)
                return -1;
        if (pick_name(e, c, err) < 0)
                return -1;
        remove_unfinished_creates(e);
        /* the directory appears whole, record inside, or not at all */
        _cleanup_free_ char *tmp = xasprintf(NEW_PREFIX "%s", c->id);
        if (mkdirat(e->containers_dirfd, tmp, 0700) < 0)
                return cell_error_errno(err, "create container %s: mkdir containers/%s", c->name, tmp);
        struct cell_error ignored;
        int r = save_in(e, c, tmp, false, err);
        if (r == 0 && files) {
                _cleanup_close_ int dfd = openat(e->containers_dirfd, tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        r = cell_error_errno(err, "open containers/%s", tmp);
                for (const struct cell_ctr_file *f = files; r == 0 && f->name; f++)
                        r = cell_ctr_write_file(dfd, f->name, f->text, f->mode, err);
                if (r < 0)
                        cell_error_prefix(err, "create container %s", c->name);
        }
        if (r < 0) {
                cell_remove_tree_at(e->containers_dirfd, tmp, &ignored);
                return -1;
        }
        /* the raw call: musl 1.2.3 has no renameat2() wrapper */
        if (syscall(SYS_renameat2, e->containers_dirfd, tmp, e->containers_dirfd, c->id,
                    RENAME_NOREPLACE) < 0) {
                cell_error_errno(err, "create container %s: rename containers/%s", c->name, tmp);
                cell_remove_tree_at(e->containers_dirfd, tmp, &ignored);
                return -1;
        }
        if (cell_ctr_lock(e, c, err) < 0) {
                cell_remove_tree_at(e->containers_dirfd, c->id, &ignored);
                return -1;
        }
        return 0;
}

int cell_ctr_rename(struct cell_engine *e, struct cell_ctr *c, const char *new_name,
                    struct cell_error *err)
{
        if (cell_ctr_name_validate(new_name, err) < 0)
                return -1;
        const char *bare = bare_name(new_name);
        _cleanup_close_ int names = flock_at(e->containers_dirfd, NAMES_LOCK, err);
        if (names < 0)
                return -1;
        cell_error_clear(err);
        _cleanup_free_ char *owner = name_owner(e, bare, err);
        if (cell_error_is_set(err))
                return -1;
        if (owner && strcmp(owner, c->id) == 0)
                return cell_error_set(err, 0,
                                      "renaming a container with the same name as its current name");
        if (owner)
                return name_in_use(bare, owner, err);
        bool locked_here = c->lock_fd < 0;
        if (locked_here && cell_ctr_lock(e, c, err) < 0)
                return -1;
        int r = cell_ctr_reload(e, c, err);
        if (r == 0) {
                char *old = c->name;
                c->name = xstrdup(bare);
                r = cell_ctr_save(e, c, err);
                if (r < 0) {
                        free(c->name);
                        c->name = old;
                } else {
                        free(old);
                }
        }
        if (locked_here)
                cell_ctr_unlock(c);
        return r;
}

int cell_ctr_remove_record(struct cell_engine *e, struct cell_ctr *c, struct cell_error *err)
{
        /*
         * Out of sight in one rename first, as create brings a directory in:
         * a removal killed halfway leaves a ".rm-<id>" that the next create
         * clears, never a containers/<id> without its record that no listing
         * shows and nothing removes.
         */
        _cleanup_free_ char *gone = xasprintf(GONE_PREFIX "%s", c->id);
        if (renameat(e->containers_dirfd, c->id, e->containers_dirfd, gone) < 0)
                return cell_error_errno(err, "remove container %s: rename containers/%s", c->name, c->id);
        /*
         * A monitor that opened the directory before the rename may still add
         * its socket or log through that handle (it binds through
         * /proc/self/fd/N/); once it finds the record gone it adds nothing more
         * and exits.  So an entry that appears behind the walk is removed by
         * the next walk.
         */
        for (int attempt = 0;; attempt++) {
                if (cell_remove_tree_at(e->containers_dirfd, gone, err) == 0)
                        return 0;
                if (err->errnum != ENOTEMPTY || attempt == 50)
                        return cell_error_prefix(err, "remove container %s", c->name);
                cell_error_clear(err);
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
}

int cell_ctr_lookup(struct cell_engine *e, const char *name_or_id, bool lock, struct cell_ctr *out,
                    struct cell_error *err)
{
        cell_ctr_init(out);
        if (!*name_or_id)
                return no_such(err, name_or_id);
        if (is_id(name_or_id))
                return cell_ctr_load(e, name_or_id, lock, out, err);
        struct cell_ctr *list;
        size_t n;
        if (cell_ctr_list(e, &list, &n, err) < 0)
                return -1;
        const char *want = bare_name(name_or_id);
        const char *found = NULL;
        size_t matches = 0;
        for (size_t i = 0; i < n && !found; i++)
                if (strcmp(list[i].name, want) == 0)
                        found = list[i].id;
        size_t plen = strlen(name_or_id);
        for (size_t i = 0; i < n && !found; i++)
                if (strncmp(list[i].id, name_or_id, plen) == 0)
                        matches++;
        if (!found && matches == 1)
                for (size_t i = 0; i < n; i++)
                        if (strncmp(list[i].id, name_or_id, plen) == 0)
                                found = list[i].id;
        _cleanup_free_ char *id = xstrdup_or_null(found);
        cell_ctr_list_free(list, n);
        if (!id && matches > 1)
                return cell_error_set(err, 0, "multiple containers match %s", name_or_id);
        if (!id)
                return no_such(err, name_or_id);
        if (cell_ctr_load(e, id, lock, out, err) < 0) {
                if (err->errnum == ENOENT)
                        no_such(err, name_or_id);
                return -1;
        }
        return 0;
}
