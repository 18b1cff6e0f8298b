/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "sandbox/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define STATE_FILE "state.json"

void cell_state_record_release(struct cell_state_record *rec)
{
        free(rec->oci_version);
        free(rec->id);
        free(rec->bundle);
        free(rec->rootfs);
        free(rec->created);
        free(rec->cgroup);
        for (size_t i = 0; i < rec->n_annotations; i++) {
                free(rec->annotations[i].key);
                free(rec->annotations[i].value);
        }
        free(rec->annotations);
        memset(rec, 0, sizeof(*rec));
}

/* `container "ID" does not exist`, with errnum ENOENT for callers to test. */
static int not_exist(const char *id, struct cell_error *err)
{
        cell_error_set(err, 0, "container \"%s\" does not exist", id);
        if (err)
                err->errnum = ENOENT;
        return -1;
}

static int open_root(const char *root, bool create, struct cell_error *err)
{
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT || !create)
                return fd >= 0 ? fd : cell_error_errno(err, "open state root %s", root);
        if (cell_mkdir_p(root, 0700, err) < 0)
                return cell_error_prefix(err, "create state root");
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cell_error_errno(err, "open state root %s", root);
        return fd;
}

/* `fd` is still the directory named <root>/<id> (see cell_state_open). */
static bool still_named(int rootfd, const char *id, int fd)
{
        struct stat a, b;
        return fstat(fd, &a) == 0 && fstatat(rootfd, id, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* One attempt of cell_state_open: 0, -1 (error), or 1 to try again. */
static int open_once(int rootfd, const char *root, const char *id, bool create, bool lock,
                     int *dirfd, struct cell_error *err)
{
        if (create && mkdirat(rootfd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return cell_error_set(err, 0, "container with id exists: %s", id);
                return cell_error_errno(err, "create state directory %s/%s", root, id);
        }
        _cleanup_close_ int fd =
                openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return create ? 1 : not_exist(id, err);
        if (fd < 0)
                cell_error_errno(err, "open state directory %s/%s", root, id);
        else if (flock(fd, lock ? LOCK_EX : LOCK_SH) < 0)
                cell_error_errno(err, "lock state directory %s/%s", root, id);
        else if (!still_named(rootfd, id, fd))
                return 1;
        else {
                *dirfd = steal_fd(fd);
                return 0;
        }
        /* The caller cannot remove what it never got a handle on (EMFILE). */
        if (create)
                unlinkat(rootfd, id, AT_REMOVEDIR);
        return -1;
}

/*
 * Between our open() and our flock() the directory may have been removed
 * by a delete (one that found it without state.json: a create killed
 * half-way, or ours, not yet locked) and even made anew by another create.
 * A lock on a directory no longer at <root>/<id> protects nothing, and
 * removing <root>/<id> under it would remove someone else's container; so
 * after locking, the name is checked to still lead to our directory, and
 * the open starts over when it does not.
 */
int cell_state_open(const char *root, const char *id, bool create, bool lock, int *dirfd,
                    struct cell_error *err)
{
        _cleanup_close_ int rootfd = open_root(root, create, err);
        if (rootfd < 0) {
                if (!create && err->errnum == ENOENT)
                        return not_exist(id, err);
                return -1;
        }
        for (int attempt = 0; attempt < 64; attempt++) {
                int r = open_once(rootfd, root, id, create, lock, dirfd, err);
                if (r <= 0)
                        return r;
        }
        return cell_error_set(err, EAGAIN, "state directory %s/%s keeps being replaced", root, id);
}

/* Writes the object's userdata, a JSON text, as it is. */
static int raw_json_serializer(json_object *jso, struct printbuf *pb, int level, int flags)
{
        (void)level;
        (void)flags;
        const char *text = json_object_get_userdata(jso);
        return printbuf_memappend(pb, text, (int)strlen(text));
}

static void free_userdata(json_object *jso, void *userdata)
{
        (void)jso;
        free(userdata);
}

/*
 * The cgroup handle (cell_cgroup_to_string(), a JSON object) nested as it
 * is: as a JSON string it was escaped quote by quote on every write.
 */
static json_object *raw_json(const char *text)
{
        json_object *o = json_object_new_object();
        json_object_set_serializer(o, raw_json_serializer, xstrdup(text), free_userdata);
        return o;
}

/* "ownNs": {"type":"mnt","id":4099,"ino":4026532290} (id and ino once known). */
static json_object *own_ns_to_json(const struct cell_state_record *rec)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(cell_ns_proc_name(rec->own_ns)));
        if (rec->own_ns_id)
                json_object_object_add(o, "id", json_object_new_uint64(rec->own_ns_id));
        if (rec->own_ns_ino)
                json_object_object_add(o, "ino", json_object_new_uint64(rec->own_ns_ino));
        return o;
}

static json_object *record_to_json(const struct cell_state_record *rec)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ociVersion", json_object_new_string(rec->oci_version));
        json_object_object_add(o, "id", json_object_new_string(rec->id));
        json_object_object_add(o, "pid", json_object_new_int(rec->pid));
        json_object_object_add(o, "pidStart", json_object_new_uint64(rec->pid_start));
        json_object_object_add(o, "bundle", json_object_new_string(rec->bundle));
        json_object_object_add(o, "rootfs", json_object_new_string(rec->rootfs));
        json_object_object_add(o, "created", json_object_new_string(rec->created));
        if (rec->cgroup)
                json_object_object_add(o, "cgroup",
                                       rec->cgroup_not_json ? json_object_new_string(rec->cgroup)
                                                            : raw_json(rec->cgroup));
        if (rec->has_own_ns)
                json_object_object_add(o, "ownNs", own_ns_to_json(rec));
        json_object *ann = json_object_new_object();
        for (size_t i = 0; i < rec->n_annotations; i++)
                json_object_object_add(ann, rec->annotations[i].key,
                                       json_object_new_string(rec->annotations[i].value));
        json_object_object_add(o, "annotations", ann);
        return o;
}

/*
 * state.json is rewritten in place, not via temp + rename: on the ext4
 * /run of hosts without a tmpfs there, every new inode costs ~0.25 ms, a
 * tenth of a container's start.  Writers hold the directory's exclusive
 * lock and readers its shared lock, so no reader sees a half-written file;
 * and one pwrite() of a few hundred bytes is not torn by SIGKILL.  When the
 * new text is shorter, it is padded with spaces (valid trailing JSON
 * whitespace), so there is no ftruncate() to be interrupted before.
 */
int cell_state_write(int dirfd, const struct cell_state_record *rec, struct cell_error *err)
{
        json_object *o = record_to_json(rec);
        size_t len;
        const char *s = json_object_to_json_string_length(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        int r = -1;
        int fd = openat(dirfd, STATE_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                cell_error_errno(err, "open %s", STATE_FILE);
        } else {
                size_t total = (size_t)st.st_size > len ? (size_t)st.st_size : len;
                _cleanup_free_ char *buf = xmalloc(total);
                memcpy(buf, s, len);
                memset(buf + len, ' ', total - len);
                if (pwrite(fd, buf, total, 0) != (ssize_t)total)
                        cell_error_errno(err, "write %s", STATE_FILE);
                else
                        r = 0;
        }
        if (fd >= 0)
                close(fd);
        json_object_put(o);
        return r < 0 ? cell_error_prefix(err, "save state of container \"%s\"", rec->id) : 0;
}

static char *dup_string(json_object *o, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return xstrdup(json_object_get_string(v));
}

static void read_annotations(json_object *o, struct cell_state_record *rec)
{
        json_object *ann;
        if (!json_object_object_get_ex(o, "annotations", &ann) ||
            !json_object_is_type(ann, json_type_object))
                return;
        size_t n = (size_t)json_object_object_length(ann), i = 0;
        rec->annotations = xcalloc(n, sizeof(*rec->annotations));
        json_object_object_foreach(ann, key, val)
        {
                if (!json_object_is_type(val, json_type_string))
                        continue; /* cell writes strings; null crashed strdup() */
                rec->annotations[i].key = xstrdup(key);
                rec->annotations[i].value = xstrdup(json_object_get_string(val));
                i++;
        }
        rec->n_annotations = i;
}

/*
 * "cgroup": a nested object, or in state written by earlier builds a string
 * holding the object's text.  Kept as the text of a JSON object whenever it
 * is one, since cell_state_write() nests it back as it is.
 */
static void read_cgroup(json_object *o, struct cell_state_record *rec)
{
        json_object *v, *parsed = NULL;
        if (!json_object_object_get_ex(o, "cgroup", &v))
                return;
        if (json_object_is_type(v, json_type_string)) {
                parsed = json_tokener_parse(json_object_get_string(v));
                if (!json_object_is_type(parsed, json_type_object)) {
                        json_object_put(parsed);
                        rec->cgroup = xstrdup(json_object_get_string(v));
                        rec->cgroup_not_json = true;
                        return;
                }
                v = parsed;
        }
        if (json_object_is_type(v, json_type_object))
                rec->cgroup = xstrdup(json_object_to_json_string_ext(
                        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(parsed);
}

/* A damaged "ownNs" leaves it unset: the container's processes are then
 * told from others as for state of older builds (runtime/owner.h). */
static void read_own_ns(json_object *o, struct cell_state_record *rec)
{
        json_object *v, *id, *ino;
        if (!json_object_object_get_ex(o, "ownNs", &v) || !json_object_is_type(v, json_type_object))
                return;
        json_object *type;
        if (!json_object_object_get_ex(v, "type", &type) ||
            !json_object_is_type(type, json_type_string))
                return;
        for (int t = 0; t < CELL_NS__COUNT; t++) {
                if (strcmp(json_object_get_string(type), cell_ns_proc_name(t)) != 0)
                        continue;
                rec->has_own_ns = true;
                rec->own_ns = t;
        }
        if (json_object_object_get_ex(v, "id", &id) && json_object_is_type(id, json_type_int))
                rec->own_ns_id = json_object_get_uint64(id);
        if (json_object_object_get_ex(v, "ino", &ino) && json_object_is_type(ino, json_type_int))
                rec->own_ns_ino = json_object_get_uint64(ino);
}

int cell_state_read(int dirfd, struct cell_state_record *rec, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        memset(rec, 0, sizeof(*rec));
        if (cell_read_file_at(dirfd, STATE_FILE, &text, NULL, err) < 0)
                return -1;
        json_object *o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return cell_error_set(err, 0, "state.json: corrupt");
        }
        json_object *v;
        rec->oci_version = dup_string(o, "ociVersion");
        rec->id = dup_string(o, "id");
        rec->bundle = dup_string(o, "bundle");
        rec->rootfs = dup_string(o, "rootfs");
        rec->created = dup_string(o, "created");
        read_cgroup(o, rec);
        read_own_ns(o, rec);
        if (json_object_object_get_ex(o, "pid", &v))
                rec->pid = json_object_get_int(v);
        if (json_object_object_get_ex(o, "pidStart", &v))
                rec->pid_start = json_object_get_uint64(v);
        read_annotations(o, rec);
        json_object_put(o);
        if (!rec->id || !rec->bundle || !rec->oci_version) {
                cell_state_record_release(rec);
                return cell_error_set(err, 0, "state.json: missing fields");
        }
        if (!rec->rootfs)
                rec->rootfs = xstrdup("");
        if (!rec->created)
                rec->created = xstrdup("");
        return 0;
}

int cell_state_read_of(int dirfd, const char *id, struct cell_state_record *rec,
                       struct cell_error *err)
{
        if (cell_state_read(dirfd, rec, err) == 0)
                return 0;
        if (err->errnum == ENOENT)
                return not_exist(id, err);
        return cell_error_prefix(err, "container \"%s\"", id);
}

/* 0 when `path` is gone, 1 when it still holds entries, -1 on another error. */
static int remove_state_dir(const char *path, struct cell_error *err)
{
        if (rmdir(path) == 0 || errno == ENOENT)
                return 0;
        if (errno == ENOTEMPTY || errno == EEXIST)
                return 1;
        return cell_error_errno(err, "remove state directory %s", path);
}

int cell_state_remove_held(const char *root, const char *id, int dirfd, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(root, id);
        /* Mounts made in the host's mount namespace go first: while they
         * stay, so does the state that finds them. */
        if (cell_host_mounts_undo(dirfd, err) < 0)
                return cell_error_prefix(err, "container \"%s\"", id);
        /* state.json first and alone: a foreground `run` makes no other file. */
        if (unlinkat(dirfd, STATE_FILE, 0) < 0 && errno != ENOENT)
                return cell_error_errno(err, "remove %s/%s", path, STATE_FILE);
        int r = remove_state_dir(path, err);
        if (r <= 0)
                return r;
        static const char *const others[] = {"exec.fifo", "config.json"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(others); i++)
                if (unlinkat(dirfd, others[i], 0) < 0 && errno != ENOENT)
                        return cell_error_errno(err, "remove %s/%s", path, others[i]);
        r = remove_state_dir(path, err);
        if (r <= 0)
                return r;
        return cell_state_remove(root, id, err); /* something else in there */
}

int cell_state_remove(const char *root, const char *id, struct cell_error *err)
{
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return errno == ENOENT ? 0 : cell_error_errno(err, "open state root %s", root);
        _cleanup_close_ int dirfd =
                openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd >= 0 && cell_host_mounts_undo(dirfd, err) < 0)
                return cell_error_prefix(err, "container \"%s\"", id);
        if (cell_remove_tree_at(rootfd, id, err) < 0)
                return cell_error_prefix(err, "remove state of container \"%s\"", id);
        return 0;
}

/*
 * Field 22 of /proc/<pid>/stat into `*start`, 0 for a zombie: the
 * container's init has exited, only its parent has not reaped it.  The
 * comm field (2) may contain spaces and parentheses, so parsing starts
 * after the last ')'.  -errno when the file cannot be read (ENOENT: gone).
 */
static int read_start_time(pid_t pid, unsigned long long *start)
{
        char path[64], buf[1024];
        *start = 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = cell_read_all(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return errno == ESRCH ? -ENOENT : -errno;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
                return 0;
        p += 2;
        /* p points at field 3 (state); skip to field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return 0;
                p++;
        }
        *start = strtoull(p, NULL, 10);
        return 0;
}

unsigned long long cell_proc_start_time(pid_t pid)
{
        unsigned long long start;
        read_start_time(pid, &start);
        return start;
}

int cell_proc_start_time_checked(pid_t pid, unsigned long long *start, struct cell_error *err)
{
        int r = read_start_time(pid, start);
        if (r < 0)
                return cell_error_set(err, -r, "read /proc/%d/stat", pid);
        return 0;
}

int cell_state_pid_check(const struct cell_state_record *rec, struct cell_error *err)
{
        if (rec->pid <= 0)
                return 0;
        unsigned long long start;
        int r = read_start_time(rec->pid, &start);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cell_error_set(err, -r, "read /proc/%d/stat", rec->pid);
        return start != 0 && start == rec->pid_start;
}

bool cell_state_pid_alive(const struct cell_state_record *rec)
{
        return cell_state_pid_check(rec, NULL) == 1;
}

static bool is_frozen(const struct cell_state_record *rec)
{
        struct cell_cgroup *cg = NULL;
        struct cell_error err;
        bool frozen = false;
        if (rec->cgroup && cell_cgroup_from_string(rec->cgroup, &cg, &err) == 0 &&
            cell_cgroup_is_frozen(cg, &frozen, &err) < 0)
                frozen = false;
        cell_cgroup_free(cg);
        return frozen;
}

bool cell_state_init_waiting(int statefd, pid_t pid)
{
        struct stat fifo, st;
        if (fstatat(statefd, "exec.fifo", &fifo, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return true; /* cannot look: trust exec.fifo */
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
                    st.st_dev == fifo.st_dev && st.st_ino == fifo.st_ino)
                        return true;
        return false;
}

int cell_state_status_checked(int dirfd, const struct cell_state_record *rec,
                              enum cell_status *status, struct cell_error *err)
{
        *status = CELL_STATUS_CREATING;
        if (rec->pid == 0)
                return 0;
        int alive = cell_state_pid_check(rec, err);
        if (alive < 0)
                return cell_error_prefix(err, "status of container \"%s\"", rec->id);
        if (!alive)
                *status = CELL_STATUS_STOPPED;
        else if (cell_state_init_waiting(dirfd, rec->pid))
                *status = CELL_STATUS_CREATED;
        else
                *status = is_frozen(rec) ? CELL_STATUS_PAUSED : CELL_STATUS_RUNNING;
        return 0;
}

enum cell_status cell_state_status(int dirfd, const struct cell_state_record *rec)
{
        enum cell_status status;
        if (cell_state_status_checked(dirfd, rec, &status, NULL) < 0)
                return CELL_STATUS_STOPPED;
        return status;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): gmtime_r
 * would first read /etc/localtime, three syscalls on every create. */
static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
        z += 719468;
        long long era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int)(yoe + era * 400 + (*m <= 2));
}

char *cell_time_rfc3339(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
        int y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        return xasprintf("%04d-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600,
                         secs / 60 % 60, secs % 60, ts.tv_nsec);
}
