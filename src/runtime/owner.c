/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

/* linux/nsfs.h of Linux 6.18: a namespace's id, unique for the boot. */
#define CELL_NS_GET_ID _IOR(0xb7, 0xd, uint64_t)

void cell_owner_choose(const struct cell_spec *spec, struct cell_state_record *rec)
{
        static const enum cell_ns_type order[] = {CELL_NS_PID, CELL_NS_MOUNT, CELL_NS_IPC,
                                                  CELL_NS_UTS, CELL_NS_NET,   CELL_NS_CGROUP};
        rec->has_own_ns = false;
        for (size_t i = 0; i < CELL_ARRAY_SIZE(order); i++) {
                const struct cell_namespace *ns = &spec->linux.namespaces[order[i]];
                if (ns->enabled && !ns->path) {
                        rec->has_own_ns = true;
                        rec->own_ns = order[i];
                        return;
                }
        }
}

/* Identity of namespace `ns` of `pid`: 0 when the process is gone. */
static int ns_identity(pid_t pid, int ns, uint64_t *id, uint64_t *ino, struct cell_error *err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, cell_ns_proc_name(ns));
        *id = *ino = 0;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return errno == ENOENT || errno == ESRCH ? 0 : cell_error_errno(err, "%s", path);
        *ino = (uint64_t)st.st_ino;
        if (ioctl(fd, CELL_NS_GET_ID, id) < 0)
                *id = 0; /* before Linux 6.18: the inode number alone */
        return 0;
}

int cell_owner_record(struct cell_state_record *rec, struct cell_error *err)
{
        if (!rec->has_own_ns || rec->own_ns == CELL_NS_PID || rec->own_ns_ino)
                return 0;
        if (ns_identity(rec->pid, rec->own_ns, &rec->own_ns_id, &rec->own_ns_ino, err) < 0)
                return cell_error_prefix(err, "namespace of container \"%s\"", rec->id);
        return rec->own_ns_ino != 0;
}

/* Whether the init is pid 1 of a pid namespace below ours ("NSpid: 4242 1"). */
static bool init_of_pid_ns(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (cell_read_file(path, &text, NULL, NULL) < 0)
                return false;
        char *line = strstr(text, "\nNSpid:");
        if (!line)
                return false;
        char *end = strchr(line + 1, '\n');
        if (end)
                *end = '\0';
        char *last = strrchr(line, '\t');
        return last && last != strchr(line, '\t') && !strcmp(last + 1, "1");
}

int cell_owner_load(const struct cell_state_record *rec, struct cell_owner *o,
                    struct cell_error *err)
{
        *o = (struct cell_owner){.rec = rec, .ns = rec->has_own_ns ? (int)rec->own_ns : -1};
        int alive = cell_state_pid_check(rec, err);
        if (alive < 0)
                return -1;
        o->init_alive = alive;
        if (o->ns < 0 && alive && init_of_pid_ns(rec->pid))
                o->ns = CELL_NS_PID; /* state of an older cell */
        if (o->ns < 0)
                return 0;
        if (o->ns != CELL_NS_PID && (rec->own_ns_id || rec->own_ns_ino)) {
                o->ns_id = rec->own_ns_id;
                o->ns_ino = rec->own_ns_ino;
                return 0;
        }
        /* The live init's (a pid namespace dies with its init: none then). */
        if (!alive || ns_identity(rec->pid, o->ns, &o->ns_id, &o->ns_ino, err) < 0)
                return alive ? -1 : 0;
        /* Still the same init after the read: not a recycled pid. */
        if (cell_state_pid_check(rec, err) != 1)
                o->ns_id = o->ns_ino = 0;
        return 0;
}

static pid_t parent_of(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (cell_read_file(path, &text, NULL, NULL) < 0)
                return 0;
        const char *p = strrchr(text, ')'); /* comm may hold anything */
        int ppid = 0;
        return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? ppid : 0;
}

static bool descends_from_init(const struct cell_owner *o, pid_t pid)
{
        if (!o->init_alive)
                return false;
        for (int hops = 0; pid > 1 && hops < 256; hops++) {
                if (pid == o->rec->pid)
                        return true;
                pid = parent_of(pid);
        }
        return false;
}

static bool owns(pid_t pid, void *data)
{
        const struct cell_owner *o = data;
        if (o->ns < 0)
                return descends_from_init(o, pid);
        if (!o->ns_id && !o->ns_ino)
                return false;
        uint64_t id, ino;
        if (ns_identity(pid, o->ns, &id, &ino, NULL) < 0)
                return false;
        /* Still listed in cgroup.procs, but past exit_task_namespaces():
         * exiting, whoever's it was.  Counted as ours so that teardown
         * waits the moment it takes to leave, instead of taking it for
         * someone else's and leaving the directory; a SIGKILL cannot
         * change what happens to it. */
        if (!ino)
                return true;
        if (ino != o->ns_ino)
                return false;
        return !o->ns_id || !id || id == o->ns_id;
}

struct cell_cgroup_owner cell_owner_filter(struct cell_owner *o)
{
        return (struct cell_cgroup_owner){.owns = owns, .data = o};
}
