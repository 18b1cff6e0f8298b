/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_HOOKS_H
#define CELL_RUNTIME_HOOKS_H

/*
 * OCI hooks.  Each hook is executed (execve of hook.path with hook.args and
 * hook.env) with the container state JSON on its stdin, and waited for;
 * hook.timeout seconds (when > 0) bounds it, after which it is killed.
 * Its stdout/stderr are the runtime's.  A hook without `env` gets the
 * context's environment, and runs in the context's directory (see struct
 * cell_hook_context).
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

/*
 * Where a hook runs.  As runc 1.1.5 does, which hooks (nvidia's, podman's
 * OCI hooks) rely on:
 *   env  the environment of a hook whose config has no `env`: NULL for the
 *        runtime's own (environ), as runc's hooks inherit it; the init's
 *        hooks (createContainer, startContainer) pass process.env, which is
 *        runc's init's environment when it runs them.
 *   cwd  the directory the hook starts in; NULL for the caller's.  runc runs
 *        prestart, createRuntime and poststart in the bundle, createContainer
 *        in the root filesystem (before pivot_root), startContainer in the
 *        container's "/" and poststop in the caller's directory.
 * A NULL context means both defaults.
 */
struct cell_hook_context {
        char *const *env;
        const char *cwd;
};

int cell_hooks_run(const struct cell_spec *spec, enum cell_hook_kind kind, const char *state_json,
                   const struct cell_hook_context *ctx, struct cell_error *err);

/*
 * For poststart and poststop, whose failures must not stop anything: run
 * every hook of `kind`, logging a warning naming container `id` for each
 * that fails.  Returns the number of failures.
 */
int cell_hooks_run_warn(const struct cell_spec *spec, enum cell_hook_kind kind,
                        const char *state_json, const struct cell_hook_context *ctx,
                        const char *id);

#endif
