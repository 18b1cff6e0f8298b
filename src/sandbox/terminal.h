/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_TERMINAL_H
#define CELL_SANDBOX_TERMINAL_H

/*
 * Terminals for process.terminal.
 *
 * Inside the container (after /dev/pts is mounted and after pivot_root):
 * cell_terminal_open_in_container() opens a new pty pair from /dev/ptmx,
 * sets the window size from process.consoleSize, starts a new session,
 * makes the slave the controlling terminal and dups it onto fds 0, 1, 2.
 * It returns the master fd; the caller sends it out (console socket or the
 * runtime's sync socket) and closes it.
 *
 * On the host side, cell_console_socket_send() connects to a
 * --console-socket path and passes the master over SCM_RIGHTS, as runc's
 * docs/terminals.md describes (conmon, containerd's shim, recvtty).
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

int cell_terminal_open_in_container(const struct cell_process *process, int *master_out,
                                    struct cell_error *err);
/*
 * The same, where `session` false leaves out the new session and the
 * controlling terminal: for a process whose successor takes them (an exec'd
 * process that cell-dmz forks into the container's pid namespace).
 */
int cell_terminal_open(const struct cell_process *process, bool session, int *master_out,
                       struct cell_error *err);

/* Connect to the unix socket at `path` and send `master` with SCM_RIGHTS. */
int cell_console_socket_send(const char *path, int master, struct cell_error *err);
/* Same, over an already-connected socket. */
int cell_console_socket_send_fd(int sock, int master, struct cell_error *err);

/*
 * Foreground relay for `run` with a terminal: put our stdin in raw mode
 * (when it is a tty), copy its window size to `master`, then shuttle bytes
 * stdin -> master and master -> stdout.  Returns when `master` reaches EOF
 * or `stop_fd` (e.g. a signalfd or pidfd) becomes readable; the caller
 * handles that fd.  Restores the terminal mode before returning.
 * The relay borrows `master` (sets it O_NONBLOCK); the caller closes it after
 * cell_tty_relay_free().
 */
struct cell_tty_relay;
struct cell_tty_relay *cell_tty_relay_new(int master);
/* fds the caller must poll() for readability (at most 2), count returned. */
int cell_tty_relay_poll_fds(struct cell_tty_relay *relay, int *fds);
/* Call when one of those fds is readable.  Returns 1 when the master hit EOF. */
int cell_tty_relay_pump(struct cell_tty_relay *relay, int ready_fd);
/* Copy our terminal's window size to the master (on SIGWINCH). */
void cell_tty_relay_resize(struct cell_tty_relay *relay);
/* Drain remaining master output, restore the terminal, free. */
void cell_tty_relay_free(struct cell_tty_relay *relay);

/* Receive one fd over SCM_RIGHTS (used for the pty master); -1 with err. */
int cell_recv_fd(int sock, struct cell_error *err);

#endif
