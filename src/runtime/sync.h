/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_SYNC_H
#define CELL_RUNTIME_SYNC_H

/*
 * The conversation between the runtime (parent) and the container's init
 * (child) over a SOCK_SEQPACKET socketpair, one fixed-size message a step:
 *
 *   parent                              child
 *   clone --------------------------->  (new namespaces)
 *   uid/gid maps,
 *   SYNC_MOUNT_FD + fd (each) ------->  (bind mounts, sandbox/rootfs.h)
 *   SYNC_GO ------------------------->  (only for a new user namespace)
 *   save state (pid)                    setns, mounts
 *                              <------  SYNC_HOOKS       (only with hooks)
 *   prestart+createRuntime hooks
 *   SYNC_HOOKS_DONE ----------------->
 *                                       createContainer hooks, pivot_root,
 *                                       terminal, rlimits, exec lookup;
 *                                       seccomp without noNewPrivileges
 *                                       (its listener fd to listenerPath),
 *                                       identity
 *                              <------  SYNC_PTY + fd    (process.terminal)
 *                              <------  SYNC_READY
 *   create: save state (final),
 *   SYNC_SAVED --------------------->  (EOF instead: exit)
 *   exit                                wait on exec.fifo (start)
 *   run: -                              (no wait)
 *                                       startContainer hooks, exec cell-dmz:
 *                                       LSM label, seccomp with
 *                                       noNewPrivileges (listener fd),
 *                                       execve
 *                              <------  EOF (exec done: the socket is CLOEXEC)
 *
 * `exec` talks the same way, without hooks, and sends a seccomp listener fd
 * as SYNC_SECCOMP for the runtime to forward to listenerPath.
 *
 * Any failure in the child is sent as SYNC_ERROR with the message, after
 * which the child exits; the parent then tears everything down.
 */

#include <stdbool.h>

#include "util/error.h"

enum cell_sync_type {
        CELL_SYNC_GO = 1,
        CELL_SYNC_HOOKS,
        CELL_SYNC_HOOKS_DONE,
        CELL_SYNC_PTY,
        CELL_SYNC_READY,
        CELL_SYNC_START,
        CELL_SYNC_ERROR,
        CELL_SYNC_PID,         /* a pidfd attached, the pid in `errnum` (runtime/spawn.h) */
        CELL_SYNC_HOOK_FAILED, /* a createContainer hook failed; SYNC_ERROR follows */
        CELL_SYNC_SECCOMP,     /* exec: a seccomp listener fd attached, for listenerPath */
        CELL_SYNC_MOUNT_FD,    /* a mount tree attached, for mounts[`errnum`] */
        CELL_SYNC_SAVED,       /* create: the state names the init; it may outlive us */
};

struct cell_sync_msg {
        int type;
        int errnum; /* errno of a SYNC_ERROR; the pid of a SYNC_PID; a SYNC_MOUNT_FD's index */
        char msg[CELL_ERROR_MSG_MAX];
};

/* Send a message without payload (msg empty). Sets err on failure. */
int cell_sync_send(int fd, enum cell_sync_type type, struct cell_error *err);
/* Send SYNC_ERROR carrying `e`. Best effort. */
void cell_sync_send_error(int fd, const struct cell_error *e);
/* Send a whole message `m` with an fd attached. */
int cell_sync_send_msg_fd(int fd, const struct cell_sync_msg *m, int passed_fd,
                          struct cell_error *err);
/* Send a message with an fd attached (SYNC_PTY). */
int cell_sync_send_fd(int fd, enum cell_sync_type type, int passed_fd, struct cell_error *err);

/*
 * Receive the next message.  Returns 1 on a message (fills `*msg`, and
 * `*passed_fd` when an fd came with it and passed_fd is not NULL), 0 on
 * EOF, -1 on error.  A SYNC_ERROR message is returned as such; the caller
 * turns it into its own error with cell_sync_error_to().
 */
int cell_sync_recv(int fd, struct cell_sync_msg *msg, int *passed_fd, struct cell_error *err);

/* Wait for exactly `type`; EOF, SYNC_ERROR or another type is an error. */
int cell_sync_expect(int fd, enum cell_sync_type type, struct cell_error *err);

#endif
