/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_NOTIFY_H
#define CELL_RUNTIME_NOTIFY_H

/*
 * sd_notify for containers, as runc does it (podman --sdnotify=container,
 * systemd Type=notify units running `cell run`).
 *
 * When the runtime's environment has NOTIFY_SOCKET (a unix datagram socket
 * of the caller's, "/path" or "@abstract"):
 *
 *   create  makes <state dir>/notify, adds a read-only bind mount of it at
 *           /run/notify to the spec (nosuid, nodev, noexec), and gives the
 *           container process NOTIFY_SOCKET=/run/notify/notify.sock in place
 *           of any it had;
 *   start   (and run) binds <state dir>/notify/notify.sock before the
 *           process runs, then, with the state unlocked, waits for a
 *           datagram with a READY= line and sends the caller's socket that
 *           line, MAINPID=<container pid> and a BARRIER=1 (whose pipe it
 *           waits up to 30 s to be closed, as runc).  Other messages are
 *           not relayed (runc neither).
 *
 * Like runc, start does not time out waiting for READY: it returns when the
 * container says READY or its process exits.  The caller (systemd's
 * TimeoutStartSec, podman) bounds the wait; a container that never sends
 * READY under a caller that set NOTIFY_SOCKET is the caller's to kill.
 *
 * Everything lives in the state directory, removed with it on delete.
 * Functions return < 0 with `err` naming NOTIFY_SOCKET and what failed.
 */

#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

#define CELL_NOTIFY_DIR_IN_CONTAINER "/run/notify"
#define CELL_NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* The caller's NOTIFY_SOCKET, NULL when unset or empty. */
const char *cell_notify_host_socket(void);

/* create: the directory and the bind mount.  `state_dir` is absolute. */
int cell_notify_prepare(int dirfd, const char *state_dir, struct cell_spec *spec,
                        struct cell_error *err);

/*
 * start: bind the container's socket.  Returns the socket, or -1 with
 * err->errnum ENOENT when the container was created without NOTIFY_SOCKET
 * (then there is nothing to relay).
 */
int cell_notify_listen(int dirfd, struct cell_error *err);

/* Relay READY (see above) from `sock` to `host` for the init `pid`. */
int cell_notify_relay(int sock, pid_t pid, const char *host, struct cell_error *err);

#endif
