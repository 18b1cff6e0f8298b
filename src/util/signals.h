/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_UTIL_SIGNALS_H
#define CELL_UTIL_SIGNALS_H

/*
 * Signal names <-> numbers, as `kill` and runc accept them.
 *
 * Accepted spellings (case-insensitive, "SIG" prefix optional):
 *   "TERM", "SIGTERM", "sigterm", "15"      standard signals and aliases
 *                                           (IOT, CLD, POLL)
 *   "RTMIN", "RTMIN+3", "SIGRTMAX-2"        real-time signals, numbered as
 *                                           runc and glibc do (34..64)
 * A number is accepted from 0 (no signal: an existence check) to SIGRTMAX.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * Parse `s` into `*sig`.  On failure returns -1 with the message
 * `invalid signal "<s>"` (errnum 0) and leaves `*sig` untouched.
 */
int cell_signal_parse(const char *s, int *sig, struct cell_error *err);

/*
 * The canonical name of `sig` ("SIGTERM", "SIGRTMIN+2"), a static string;
 * NULL for 0 and numbers that are no signal.
 */
const char *cell_signal_name(int sig);

/*
 * Whether process `pid` still runs: it exists and is not a zombie.  A killed
 * process that no one has reaped yet (or whose parent is an init that never
 * reaps) still answers kill(pid, 0), but holds nothing and will never run
 * again, so lock-free owners (tmp entries named by pid, a monitor's pid) must
 * treat it as gone.  A process of another user counts as running.
 */
bool cell_pid_running(pid_t pid);

/* Fill `set` with every signal, including those the libc keeps for itself. */
void cell_sigset_fill(sigset_t *set);

/*
 * Every signal's disposition back to SIG_DFL and the mask empty, with the
 * kernel's calls: what a new program should start with.  Only the signals
 * /proc/thread-self/status shows ignored or caught are reset (each, when
 * /proc cannot tell).
 */
void cell_signals_reset(void);

#endif
