/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_MONITOR_ATTACH_H
#define CELL_ENGINE_MONITOR_ATTACH_H

/*
 * The attach socket of a detached container (`cell attach`), served by
 * the holder (cell-monitor, libc only): "<container dir>/attach.sock".
 *
 * A client gets what the container writes from the moment it connects:
 * with a terminal the pty's bytes as they are; without, docker's
 * multiplexed stream, each chunk framed by 8 bytes
 *
 *     [stream: 1 stdout, 2 stderr] [0 0 0] [length: 32 bits, big-endian]
 *
 * What a client sends goes to the container's stdin (the pty, or the pipe
 * of a container run with -i); nothing else has a stdin to write to.  When
 * the container's process exits, every client is disconnected.
 */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define CELL_ATTACH_SOCKET "attach.sock"
#define CELL_ATTACH_MAX_CLIENTS 16

enum cell_attach_stream {
        CELL_ATTACH_STDOUT = 1,
        CELL_ATTACH_STDERR = 2,
};

/*
 * Listen on `dir`/`name`, reached through /proc/self/fd when the path is
 * longer than sun_path.  Returns the socket (close-on-exec) or -1 (errno);
 * `path` (`size` bytes) receives the socket's path.
 */
int cell_hold_listen(const char *dir, const char *name, char *path, size_t size);

struct cell_attach_hub;

/* Listen on `dir`/attach.sock; `tty` picks the stream format.  NULL with errno. */
struct cell_attach_hub *cell_attach_hub_open(const char *dir, bool tty);
/* Where clients' input goes (-1: nowhere); the holder's, not closed here. */
void cell_attach_hub_set_input(struct cell_attach_hub *h, int fd);
/* Add the listening socket and the clients to `p` (room for 1 + CELL_ATTACH_MAX_CLIENTS); the count. */
int cell_attach_hub_poll_fds(struct cell_attach_hub *h, struct pollfd *p);
/* One of those fds is ready: accept a client, or take its input. */
void cell_attach_hub_ready(struct cell_attach_hub *h, int fd, short revents);
/* What the container wrote, to every client (one that cannot keep up is dropped). */
void cell_attach_hub_output(struct cell_attach_hub *h, enum cell_attach_stream s, const char *buf,
                            size_t n);
/* The container exited: disconnect every client. */
void cell_attach_hub_hang_up(struct cell_attach_hub *h);
/* Hang up, stop listening, remove the socket.  NULL is fine. */
void cell_attach_hub_close(struct cell_attach_hub *h);

#endif
