/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_SECCOMP_H
#define CELL_SANDBOX_SECCOMP_H

/*
 * linux.seccomp through libseccomp.
 *
 * cell_seccomp_prepare() compiles the filter (before the container's init
 * drops privileges, so parse errors surface at create); it returns NULL in
 * `*out` when the spec has no seccomp object.  cell_seccomp_load() loads it
 * as the very last step before execve, so the runtime's own syscalls are
 * never filtered.  With a listenerPath and a NOTIFY rule, load returns the
 * notify fd in `*notify_fd` (else -1) for the caller to send to the listener
 * together with the container-process state (cell_seccomp_send_listener).
 */

#include "oci/spec.h"
#include "util/error.h"

struct cell_seccomp_filter;

int cell_seccomp_prepare(const struct cell_seccomp *seccomp, struct cell_seccomp_filter **out,
                         struct cell_error *err);
int cell_seccomp_load(struct cell_seccomp_filter *filter, int *notify_fd, struct cell_error *err);
void cell_seccomp_filter_free(struct cell_seccomp_filter *filter);

/*
 * Connect to `listener_path` and send the runtime-spec "seccomp state"
 * JSON (`state_json`) with `notify_fd` attached by SCM_RIGHTS.
 */
int cell_seccomp_send_listener(const char *listener_path, const char *state_json, int notify_fd,
                               struct cell_error *err);

#endif
