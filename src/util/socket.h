/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_SOCKET_H
#define CELL_UTIL_SOCKET_H

/*
 * Unix-socket helpers: connecting by path and passing one file descriptor
 * with SCM_RIGHTS.  All return < 0 and fill `err` on failure; every fd they
 * create or receive is O_CLOEXEC.  SIGPIPE is never raised (MSG_NOSIGNAL).
 */

#include <stddef.h>

#include "util/error.h"

/*
 * Connect a SOCK_STREAM unix socket to `path`.  Paths longer than sun_path
 * are reached through /proc/self/fd/<dir>/<name>.  Returns the socket.
 */
int cell_socket_connect_unix(const char *path, struct cell_error *err);

/*
 * Send `fd` over the connected socket `sock`, together with `len` bytes of
 * `data` (len >= 1: a stream socket cannot carry ancillary data alone, and
 * receivers such as conmon and containerd's shim require at least one byte).
 */
int cell_socket_send_fd(int sock, int fd, const void *data, size_t len, struct cell_error *err);

/*
 * Receive one fd sent with cell_socket_send_fd().  The accompanying bytes
 * (up to `size`, may be 0 with buf NULL) are stored in `buf`, their count in
 * `*len_out` (optional).  Returns the received fd, owned by the caller, or -1
 * when the read fails, the peer closed, or the message carried no fd.  Any
 * extra fds in the message are closed.
 */
int cell_socket_recv_fd(int sock, void *buf, size_t size, size_t *len_out, struct cell_error *err);

#endif
