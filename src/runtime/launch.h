/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_LAUNCH_H
#define CELL_RUNTIME_LAUNCH_H

/*
 * Internal to src/runtime/: the parent's half of creating a container,
 * shared by `create` and `run`.
 *
 * cell_launch_create() takes a container from nothing to "created": state
 * directory, cgroup, clone() into the new namespaces, the init's set-up
 * (runtime/init.c), prestart/createRuntime hooks, state saved, pid file
 * written, the pty master sent to the console socket.  On return the init
 * is blocked until start on exec.fifo, or (foreground) is on its way to the
 * exec: `sync_fd` reads EOF once it is done (cell_spawn_await_exec).  On
 * failure everything is torn down before it returns.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "sandbox/lsm.h"
#include "sandbox/seccomp.h"

struct cell_launch {
        const struct cell_runtime *rt;
        const char *id;
        const struct cell_create_opts *opts;
        bool foreground;

        struct cell_spec *spec;
        char *config_text;
        size_t config_len;
        char *bundle; /* absolute */
        char *rootfs; /* absolute */
        char **env;

        int dirfd; /* state directory, locked */
        bool dir_created;
        struct cell_cgroup *cgroup;
        bool cgroup_made; /* realized: ours to destroy on abort (else only planned) */
        struct cell_seccomp_filter *seccomp;
        struct cell_lsm_attr lsm; /* process.apparmorProfile / selinuxLabel */
        int ns_fds[CELL_NS__COUNT];
        int fifo_fd;
        int dmz_fd;
        int sync_fd;    /* parent's end */
        int child_sync; /* init's end (closed in the parent after clone) */
        pid_t pid;
        int pidfd;
        int pty_master;   /* foreground run with a terminal: for the relay */
        int notify_fd;    /* foreground run with NOTIFY_SOCKET: the container's socket */
        bool hook_failed; /* a create hook failed: abort runs the poststop hooks */
        bool init_frozen; /* its cgroup was frozen under it: abort moves it out first */
        struct cell_state_record rec;
};

void cell_launch_init(struct cell_launch *l);
int cell_launch_create(struct cell_launch *l, const struct cell_runtime *rt, const char *id,
                       const struct cell_create_opts *opts, bool foreground,
                       struct cell_error *err);
/*
 * cell_launch_create for a bundle that asks for a micro-VM (runtime/vm.c):
 * the state and exec.fifo, and the VM's process as the init.  Not in the
 * foreground.
 */
int cell_launch_create_vm(struct cell_launch *l, struct cell_error *err);
/* Kill the init if still there, destroy the cgroup, remove the state. */
void cell_launch_abort(struct cell_launch *l);
/* Release memory and fds; leaves the container as it is. */
void cell_launch_release(struct cell_launch *l);
/*
 * Close the launch's fds (but the locked state directory's with
 * `keep_dir`): removing the state takes fds, and after EMFILE only the ones
 * we hold are left.
 */
void cell_launch_close_fds(struct cell_launch *l, bool keep_dir);

/*
 * The end of a container: destroy its cgroup (killing what is left), run
 * the poststop hooks (failures only warn), remove its state directory.
 * `spec` may be NULL: the poststop hooks are then read from the copy of
 * config.json in the state directory.  `cgroup` is the container's live
 * handle when the caller has it (a foreground run), else NULL: it is then
 * read from the record.  `dirfd` is the locked state directory, or -1.
 * Idempotent.
 */
int cell_container_teardown(const struct cell_runtime *rt, const char *id, int dirfd,
                            const struct cell_state_record *rec, const struct cell_spec *spec,
                            struct cell_cgroup *cgroup, struct cell_error *err);

/* State JSON (runtime-spec) of a record with the given status, for hooks. */
char *cell_state_record_json(const struct cell_state_record *rec, enum cell_status status,
                             pid_t pid);

/*
 * Foreground wait shared by `run` and `exec`: with every signal blocked in
 * `all`, forward each one to `pidfd` (SIGWINCH resizes the pty instead),
 * relay `pty_master` when >= 0, and return when `pid` (our child) exits,
 * with its wait status in `*status`.
 */
int cell_wait_foreground(pid_t pid, int pidfd, int pty_master, const sigset_t *all, int *status,
                         struct cell_error *err);

/* Write `pid` to `path` atomically (temp + rename), for --pid-file. */
int cell_write_pid_file(const char *path, pid_t pid, struct cell_error *err);

/* A wait status as a shell reports it: the exit code, or 128+N after signal N. */
int cell_exit_code(int status);

#endif
