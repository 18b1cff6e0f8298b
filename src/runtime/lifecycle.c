/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "runtime/intelrdt.h"
#include "runtime/launch.h"
#include "runtime/notify.h"
#include "runtime/owner.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define KILL_WAIT_MS 10000
/* How often start looks whether the init went on without it (see release_init). */
#define RELEASE_CHECK_MS 100

const char *cell_status_name(enum cell_status status)
{
        static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};
        return (unsigned)status < CELL_ARRAY_SIZE(names) ? names[status] : "unknown";
}

int cell_container_id_validate(const char *id, struct cell_error *err)
{
        size_t len = strlen(id);
        if (len > CELL_CONTAINER_ID_MAX)
                return cell_error_set(err, 0,
                                      "invalid container id \"%.32s...\": %zu bytes long, "
                                      "at most %d are allowed",
                                      id, len, CELL_CONTAINER_ID_MAX);
        bool ok = len > 0 && ((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
                              (id[0] >= '0' && id[0] <= '9'));
        for (size_t i = 1; ok && i < len; i++)
                ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-",
                            id[i]) != NULL;
        if (!ok)
                return cell_error_set(err, 0,
                                      "invalid container id \"%s\": must match "
                                      "[A-Za-z0-9][A-Za-z0-9_.+-]*",
                                      id);
        return 0;
}

static json_object *state_to_json(const char *oci_version, const char *id, const char *status,
                                  pid_t pid, const char *bundle, const struct cell_key_value *ann,
                                  size_t n_ann)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ociVersion", json_object_new_string(oci_version));
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "status", json_object_new_string(status));
        json_object_object_add(o, "pid", json_object_new_int(pid));
        json_object_object_add(o, "bundle", json_object_new_string(bundle));
        if (n_ann > 0) {
                json_object *a = json_object_new_object();
                for (size_t i = 0; i < n_ann; i++)
                        json_object_object_add(a, ann[i].key, json_object_new_string(ann[i].value));
                json_object_object_add(o, "annotations", a);
        }
        return o;
}

static char *json_text(json_object *o, bool pretty)
{
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                            : JSON_C_TO_STRING_PLAIN);
        char *s = xstrdup(json_object_to_json_string_ext(o, flags));
        json_object_put(o);
        return s;
}

char *cell_state_record_json(const struct cell_state_record *rec, enum cell_status status,
                             pid_t pid)
{
        return json_text(state_to_json(rec->oci_version, rec->id, cell_status_name(status), pid,
                                       rec->bundle, rec->annotations, rec->n_annotations),
                         false);
}

char *cell_container_state_json(const struct cell_container_state *st, bool pretty)
{
        json_object *o = state_to_json(st->oci_version, st->id, cell_status_name(st->status),
                                       st->pid, st->bundle, st->annotations, st->n_annotations);
        json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
        json_object_object_add(o, "created", json_object_new_string(st->created));
        json_object_object_add(o, "owner", json_object_new_string(st->owner));
        return json_text(o, pretty);
}

void cell_container_state_release(struct cell_container_state *st)
{
        free(st->oci_version);
        free(st->id);
        free(st->bundle);
        free(st->rootfs);
        free(st->created);
        free(st->owner);
        for (size_t i = 0; i < st->n_annotations; i++) {
                free(st->annotations[i].key);
                free(st->annotations[i].value);
        }
        free(st->annotations);
        memset(st, 0, sizeof(*st));
}

static void record_to_state(struct cell_state_record *rec, enum cell_status status,
                            struct cell_container_state *out)
{
        out->oci_version = steal_ptr(rec->oci_version);
        out->id = steal_ptr(rec->id);
        out->status = status;
        out->pid = status == CELL_STATUS_STOPPED ? 0 : rec->pid;
        out->bundle = steal_ptr(rec->bundle);
        out->rootfs = steal_ptr(rec->rootfs);
        out->created = steal_ptr(rec->created);
        out->owner = xstrdup("");
        out->annotations = steal_ptr(rec->annotations);
        out->n_annotations = rec->n_annotations;
        rec->n_annotations = 0;
}

/* Open, read and derive.  `lock` for verbs that change the container. */
static int load(const struct cell_runtime *rt, const char *id, bool lock, int *dirfd,
                struct cell_state_record *rec, enum cell_status *status, struct cell_error *err)
{
        if (cell_container_id_validate(id, err) < 0)
                return -1;
        if (cell_state_open(rt->root, id, false, lock, dirfd, err) < 0)
                return -1;
        if (cell_state_read_of(*dirfd, id, rec, err) < 0) {
                close(steal_fd(*dirfd));
                return -1;
        }
        if (cell_state_status_checked(*dirfd, rec, status, err) < 0) {
                cell_state_record_release(rec);
                close(steal_fd(*dirfd));
                return -1;
        }
        return 0;
}

int cell_container_state(const struct cell_runtime *rt, const char *id,
                         struct cell_container_state *out, struct cell_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct cell_state_record rec;
        enum cell_status status;
        memset(out, 0, sizeof(*out));
        if (load(rt, id, false, &dirfd, &rec, &status, err) < 0)
                return -1;
        record_to_state(&rec, status, out);
        cell_state_record_release(&rec);
        return 0;
}

static int compare_state(const void *a, const void *b)
{
        return strcmp(((const struct cell_container_state *)a)->id,
                      ((const struct cell_container_state *)b)->id);
}

static void list_release(struct cell_container_state *states, size_t n)
{
        for (size_t i = 0; i < n; i++)
                cell_container_state_release(&states[i]);
        free(states);
}

int cell_container_list(const struct cell_runtime *rt, struct cell_container_state **out, size_t *n,
                        struct cell_error *err)
{
        *out = NULL;
        *n = 0;
        _cleanup_closedir_ DIR *d = opendir(rt->root);
        if (!d)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open state root %s", rt->root);
        struct dirent *de;
        size_t cap = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || cell_container_id_validate(de->d_name, NULL) < 0)
                        continue;
                struct cell_container_state st;
                struct cell_error e;
                if (cell_container_state(rt, de->d_name, &st, &e) < 0) {
                        /* Removed meanwhile, or half-created (no or a corrupt
                         * state.json); anything else (EMFILE) would make the
                         * list silently incomplete. */
                        if (e.errnum == 0 || e.errnum == ENOENT)
                                continue;
                        if (err)
                                *err = e;
                        list_release(*out, *n);
                        *out = NULL;
                        *n = 0;
                        return -1;
                }
                if (*n == cap) {
                        cap = cap ? cap * 2 : 8;
                        *out = xreallocarray(*out, cap, sizeof(**out));
                }
                (*out)[(*n)++] = st;
        }
        if (*n > 1)
                qsort(*out, *n, sizeof(**out), compare_state);
        return 0;
}

static int pidfd_open(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A pidfd for the container's init, checked to still be the same process. */
static int open_init(const struct cell_state_record *rec, struct cell_error *err)
{
        int fd = pidfd_open(rec->pid);
        if (fd < 0 && errno != ESRCH)
                return cell_error_errno(err, "pidfd_open %d", rec->pid);
        int alive = fd < 0 ? 0 : cell_state_pid_check(rec, err);
        if (alive == 1)
                return fd;
        if (fd >= 0)
                close(fd);
        return alive < 0 ? -1 : cell_error_set(err, 0, "container not running");
}

/* Wait until the process behind `pidfd` has exited (it need not be our child). */
static int wait_exit(int pidfd, int timeout_ms)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r > 0 ? 0 : -1;
}

/*
 * Open exec.fifo for reading: the init blocked in its open() goes on and
 * writes one byte, then keeps the fifo open until it execs the user
 * process (close-on-exec).  So: the byte, then EOF, means "running".
 * A `start` killed after the init's open() leaves a fifo whose byte is
 * gone and whose writer no poll of ours will see close; the timeout
 * catches that case by looking whether the init still holds the fifo.
 */
static int release_init(int dirfd, const struct cell_state_record *rec, struct cell_error *err)
{
        /* The pidfd first: opening the fifo lets the init go on, and a
         * short-lived process may have exited by the time we looked. */
        _cleanup_close_ int pidfd = open_init(rec, err);
        if (pidfd < 0)
                return -1;
        _cleanup_close_ int fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0)
                return cell_error_errno(err, "open exec.fifo");
        struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        bool released = false;
        char msg[CELL_ERROR_MSG_MAX];
        size_t len = 0;
        for (;;) {
                int r = poll(p, released ? 1 : 2, RELEASE_CHECK_MS);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return cell_error_errno(err, "wait for container init");
                char c;
                ssize_t n = r > 0 && p[0].revents ? read(fifo, &c, 1) : -1;
                if (n == 1 && !released)
                        released = true;
                else if (n == 1 && len < sizeof(msg) - 1)
                        msg[len++] = c; /* after the byte: why the init failed */
                else if (n == 0 && released && len > 0)
                        return cell_error_set(err, 0, "%.*s", (int)len, msg);
                else if (n == 0 && released)
                        return 0; /* exec'd (or died after start: then it is stopped) */
                else if (!released && r > 0 && p[1].revents)
                        return cell_error_set(err, 0, "container init exited before start");
                else if (r == 0 && !cell_state_init_waiting(dirfd, rec->pid))
                        return 0; /* exec'd after an earlier start was killed */
        }
}

/*
 * Run the poststart or poststop hooks.  Failures only warn (runtime-spec).
 * Without `spec`, the hooks come from the copy of config.json that create
 * keeps in the state directory when the container has such hooks.
 */
static void run_saved_hooks(int dirfd, const struct cell_state_record *rec,
                            const struct cell_spec *spec, enum cell_hook_kind kind,
                            enum cell_status status)
{
        struct cell_error err;
        struct cell_spec *saved = NULL;
        if (!spec) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (cell_read_file_at(dirfd, "config.json", &text, &len, &err) < 0)
                        return; /* no copy: no such hooks */
                if (cell_spec_parse(text, len, &saved, &err) < 0) {
                        cell_warn("%s hooks of container \"%s\": %s", cell_hook_kind_name(kind),
                                  rec->id, err.msg);
                        return;
                }
                spec = saved;
        }
        if (spec->hooks[kind].n > 0) {
                _cleanup_free_ char *state = cell_state_record_json(rec, status, rec->pid);
                /* poststart in the bundle, poststop where we are (runc). */
                const struct cell_hook_context ctx = {
                        .cwd = kind == CELL_HOOK_POSTSTART ? rec->bundle : NULL};
                cell_hooks_run_warn(spec, kind, state, &ctx, rec->id);
        }
        cell_spec_free(saved);
}

/* NOTIFY_SOCKET set, and the container made for it: listen before it runs. */
static int listen_notify(int dirfd, int *sock, struct cell_error *err)
{
        if (!cell_notify_host_socket())
                return 0;
        *sock = cell_notify_listen(dirfd, err);
        if (*sock < 0 && err->errnum == ENOENT)
                return 0; /* created without NOTIFY_SOCKET: nothing to relay */
        return *sock < 0 ? -1 : 0;
}

int cell_container_start(const struct cell_runtime *rt, const char *id, struct cell_error *err)
{
        _cleanup_close_ int notify = -1;
        _cleanup_close_ int dirfd = -1;
        struct cell_state_record rec;
        enum cell_status status;
        if (load(rt, id, true, &dirfd, &rec, &status, err) < 0)
                return -1;
        int r = -1;
        if (status == CELL_STATUS_STOPPED)
                cell_error_set(err, 0, "cannot start a container that has stopped");
        else if (status != CELL_STATUS_CREATED)
                cell_error_set(err, 0, "cannot start an already %s container",
                               cell_status_name(status));
        else if (listen_notify(dirfd, &notify, err) == 0 && release_init(dirfd, &rec, err) == 0)
                r = 0;
        if (r == 0) {
                unlinkat(dirfd, "exec.fifo", 0);
                run_saved_hooks(dirfd, &rec, NULL, CELL_HOOK_POSTSTART, CELL_STATUS_RUNNING);
        }
        /* Unlocked: the wait may be long, and state/kill/delete must work. */
        if (r == 0 && notify >= 0 && flock(dirfd, LOCK_UN) == 0 &&
            cell_notify_relay(notify, rec.pid, cell_notify_host_socket(), err) < 0)
                r = -1;
        cell_state_record_release(&rec);
        return r < 0 ? cell_error_prefix(err, "start container \"%s\"", id) : 0;
}

static int load_cgroup(const struct cell_state_record *rec, struct cell_cgroup **cg,
                       struct cell_error *err)
{
        *cg = NULL;
        if (!rec->cgroup)
                return 0;
        return cell_cgroup_from_string(rec->cgroup, cg, err);
}

/* kill --all: every process in the cgroup that is the container's (runtime/owner.h). */
static int signal_own(struct cell_cgroup *cg, const struct cell_state_record *rec, int sig,
                      struct cell_error *err)
{
        struct cell_owner owner;
        if (cell_owner_load(rec, &owner, err) < 0)
                return -1;
        struct cell_cgroup_owner filter = cell_owner_filter(&owner);
        return cell_cgroup_signal_all(cg, sig, &filter, err);
}

int cell_container_kill(const struct cell_runtime *rt, const char *id, int sig, bool all,
                        struct cell_error *err)
{
        _cleanup_close_ int dirfd = -1;
        struct cell_state_record rec;
        enum cell_status status;
        if (load(rt, id, false, &dirfd, &rec, &status, err) < 0)
                return -1;
        int r = 0;
        struct cell_cgroup *cg = NULL;
        if (all && load_cgroup(&rec, &cg, err) < 0) {
                r = -1;
        } else if (all && cg && signal_own(cg, &rec, sig, err) < 0) {
                r = -1;
        } else if (status == CELL_STATUS_STOPPED || status == CELL_STATUS_CREATING) {
                if (!all)
                        r = cell_error_set(err, 0, "container not running");
        } else {
                int pidfd = open_init(&rec, err);
                bool sent = pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0;
                int saved = errno;
                /* --all: the signal to the cgroup may have ended the init already */
                bool gone = pidfd < 0 || saved == ESRCH;
                if (!sent && !(all && gone))
                        r = pidfd < 0 ? -1
                                      : cell_error_set(err, saved, "signal %d to pid %d", sig,
                                                       rec.pid);
                if (pidfd >= 0)
                        close(pidfd);
        }
        cell_cgroup_free(cg);
        cell_state_record_release(&rec);
        return r < 0 ? cell_error_prefix(err, "kill container \"%s\"", id) : 0;
}

int cell_container_teardown(const struct cell_runtime *rt, const char *id, int dirfd,
                            const struct cell_state_record *rec, const struct cell_spec *spec,
                            struct cell_cgroup *cgroup, struct cell_error *err)
{
        struct cell_cgroup *loaded = NULL;
        if (!cgroup && load_cgroup(rec, &loaded, err) < 0)
                return -1;
        struct cell_cgroup *cg = cgroup ? cgroup : loaded;
        struct cell_owner owner;
        int r = 0;
        if (cg) {
                r = cell_owner_load(rec, &owner, err);
                struct cell_cgroup_owner filter = cell_owner_filter(&owner);
                if (r == 0)
                        r = cell_cgroup_destroy(cg, &filter, err);
        }
        cell_cgroup_free(loaded);
        if (r < 0)
                return -1;
        if (dirfd >= 0 && cell_intelrdt_remove(dirfd, err) < 0)
                return -1;
        run_saved_hooks(dirfd, rec, spec, CELL_HOOK_POSTSTOP, CELL_STATUS_STOPPED);
        return dirfd >= 0 ? cell_state_remove_held(rt->root, id, dirfd, err)
                          : cell_state_remove(rt->root, id, err);
}

/*
 * SIGKILL the init and wait until it is gone.  A paused container is
 * thawed after the signal is queued: frozen tasks cannot die.
 */
static int kill_init(const struct cell_state_record *rec, bool paused, struct cell_error *err)
{
        if (rec->pid <= 0)
                return 0; /* a create killed before its init was saved */
        _cleanup_close_ int pidfd = pidfd_open(rec->pid);
        if (pidfd < 0 && errno != ESRCH)
                return cell_error_errno(err, "pidfd_open %d", rec->pid);
        int alive = pidfd < 0 ? 0 : cell_state_pid_check(rec, err);
        if (alive <= 0)
                return alive;
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                return cell_error_errno(err, "kill pid %d", rec->pid);
        if (paused) {
                struct cell_cgroup *cg = NULL;
                int r = load_cgroup(rec, &cg, err);
                if (r == 0 && cg)
                        r = cell_cgroup_freeze(cg, false, err);
                cell_cgroup_free(cg);
                if (r < 0)
                        return -1;
        }
        if (wait_exit(pidfd, KILL_WAIT_MS) < 0)
                return cell_error_set(err, ETIMEDOUT, "pid %d did not exit after SIGKILL",
                                      rec->pid);
        return 0;
}

/* A directory without a readable state.json: a create that died half-way. */
static int delete_broken(const struct cell_runtime *rt, const char *id, struct cell_error *err)
{
        return cell_state_remove(rt->root, id, err);
}

int cell_container_delete(const struct cell_runtime *rt, const char *id, bool force,
                          struct cell_error *err)
{
        if (cell_container_id_validate(id, err) < 0)
                return -1;
        _cleanup_close_ int dirfd = -1;
        if (cell_state_open(rt->root, id, false, true, &dirfd, err) < 0)
                return (force && err->errnum == ENOENT) ? 0 : -1;
        struct cell_state_record rec;
        if (cell_state_read(dirfd, &rec, err) < 0) {
                /* Missing or corrupt; any other errno (EMFILE, EIO) says
                 * nothing about the container, which may well be running. */
                if (err->errnum == 0 || err->errnum == ENOENT)
                        return delete_broken(rt, id, err);
                return cell_error_prefix(err, "delete container \"%s\"", id);
        }
        enum cell_status status;
        int r = cell_state_status_checked(dirfd, &rec, &status, err);
        if (r == 0 && !force && (status == CELL_STATUS_RUNNING || status == CELL_STATUS_PAUSED))
                r = cell_error_set(err, 0, "cannot delete container \"%s\" that is not stopped: %s",
                                   id, cell_status_name(status));
        else if (r == 0 && status != CELL_STATUS_STOPPED &&
                 kill_init(&rec, status == CELL_STATUS_PAUSED, err) < 0)
                r = -1;
        else if (r == 0)
                r = cell_container_teardown(rt, id, dirfd, &rec, NULL, NULL, err);
        cell_state_record_release(&rec);
        return r < 0 ? cell_error_prefix(err, "delete container \"%s\"", id) : 0;
}
