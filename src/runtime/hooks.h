/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_HOOKS_H
#define CELL_RUNTIME_HOOKS_H

/*
 * OCI hooks.  Each hook is executed (execve of hook.path with hook.args and
 * exactly hook.env) with the container state JSON on its stdin, and waited
 * for; hook.timeout seconds (when > 0) bounds it, after which it is killed.
 * Its stdout/stderr are the runtime's.
 *
 * cell_hooks_run() runs every hook of `kind` in order and stops at the first
 * failure: exec failure, non-zero exit, death by signal or timeout, with an
 * error such as
 *   "prestart hook #0 (/usr/bin/x): exited with status 3"
 *   "createRuntime hook #1 (/bin/sleep): timed out after 2s"
 * What a failure means (abort create, or just warn for poststart/poststop) is
 * the caller's decision, as the runtime-spec says.
 */

#include "oci/spec.h"
#include "util/error.h"

int cell_hooks_run(const struct cell_spec *spec, enum cell_hook_kind kind, const char *state_json,
                   struct cell_error *err);

/*
 * For poststart and poststop, whose failures must not stop anything: run
 * every hook of `kind`, logging a warning naming container `id` for each
 * that fails.  Returns the number of failures.
 */
int cell_hooks_run_warn(const struct cell_spec *spec, enum cell_hook_kind kind,
                        const char *state_json, const char *id);

#endif
