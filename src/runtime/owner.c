/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Identity of /proc/<pid>/ns/<name>: 0 when the process is gone. */
static int ns_file_identity(pid_t pid, const char *name, uint64_t *id, uint64_t *ino,
                            struct cell_error *err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
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

/* Identity of namespace `ns` of `pid`: 0 when the process is gone. */
static int ns_identity(pid_t pid, int ns, uint64_t *id, uint64_t *ino, struct cell_error *err)
{
        return ns_file_identity(pid, cell_ns_proc_name(ns), id, ino, err);
}

int cell_owner_record(struct cell_state_record *rec, struct cell_error *err)
{
        if (!rec->has_own_ns || rec->own_ns_ino)
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
        /* A pid namespace from the record only once its init is gone, and
         * only by the id that is never reused: what can be left of it then
         * are processes that joined it for their children (in_container()). */
        bool recorded =
                o->ns == CELL_NS_PID ? !alive && rec->own_ns_id : rec->own_ns_id || rec->own_ns_ino;
        if (recorded) {
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

static bool same_ns(const struct cell_owner *o, uint64_t id, uint64_t ino)
{
        return ino == o->ns_ino && (!o->ns_id || !id || id == o->ns_id);
}

/*
 * Whether `pid` is in the namespace that tells the container's processes.
 * For a pid namespace, a process whose children go into it counts too
 * (pid_for_children): it joined it by setns(), which takes CAP_SYS_ADMIN
 * over the container, and all it makes from then on is the container's.
 * That is the `cell exec` child between joining the container's
 * namespaces and the hop into its pid namespace (runtime/exec.c): when its
 * runtime is killed there, and a credential change cleared its
 * parent-death signal, it is in the cgroup until it sees the sync socket
 * close.  A neighbour that merely shares the cgroupsPath is never in it.
 */
static bool in_container(const struct cell_owner *o, pid_t pid)
{
        if (o->ns < 0)
                return descends_from_init(o, pid);
        if (!o->ns_id && !o->ns_ino)
                return false;
        uint64_t id, ino;
        if (ns_identity(pid, o->ns, &id, &ino, NULL) < 0)
                return false;
        /* Still listed in cgroup.procs, but past exit_task_namespaces():
         * exiting (see leaving()). */
        if (!ino || same_ns(o, id, ino))
                return true;
        return o->ns == CELL_NS_PID &&
               ns_file_identity(pid, "pid_for_children", &id, &ino, NULL) == 0 && ino &&
               same_ns(o, id, ino);
}

/*
 * Whether `pid`, whoever's it is, is on its way out: SIGKILL pending
 * (SigPnd or ShdPnd of /proc/<pid>/status) or past
 * exit_signals() (PF_EXITING in the flags of /proc/<pid>/stat).  Counted
 * as the container's so that teardown waits the moment it takes to leave
 * the cgroup instead of taking it for someone else's and leaving the
 * directory; a SIGKILL cannot change what happens to it, nor can any other
 * signal of `kill --all`.  It is how the half-made child of a `cell exec`
 * (or the init of a `cell create`) that was killed before it joined the
 * container's namespaces leaves: its parent-death SIGKILL can wait out a
 * cgroup v1 write in D state (an RCU grace period, tens of ms) first.
 */
static bool leaving(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *stat_text = NULL, *status = NULL;
        if (cell_read_file(path, &stat_text, NULL, NULL) < 0)
                return false;
        const char *p = strrchr(stat_text, ')'); /* comm may hold anything */
        unsigned long flags = 0;
        /* state ppid pgrp session tty_nr tpgid flags */
        if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
            (flags & 0x4 /* PF_EXITING */))
                return true;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (cell_read_file(path, &status, NULL, NULL) < 0)
                return false;
        static const char *const keys[] = {"\nSigPnd:", "\nShdPnd:"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(keys); i++) {
                const char *line = strstr(status, keys[i]);
                unsigned long long pending = 0;
                if (line && sscanf(line + strlen(keys[i]), " %llx", &pending) == 1 &&
                    (pending & (1ULL << (SIGKILL - 1))))
                        return true;
        }
        return false;
}

static bool owns(pid_t pid, void *data)
{
        return in_container(data, pid) || leaving(pid);
}

struct cell_cgroup_owner cell_owner_filter(struct cell_owner *o)
{
        return (struct cell_cgroup_owner){.owns = owns, .data = o};
}
