/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_EXEC_PROCESS_H
#define CELL_RUNTIME_EXEC_PROCESS_H

/*
 * Internal to src/runtime/: the process object an `exec` runs.
 *
 * With opts->process_file, that file (or stdin for "-") is parsed into
 * `*file_process` and `*out` points at it.  Otherwise the container's own
 * spec->process is edited in place, as runc does: args replaced, terminal
 * from --tty, cwd, env entries added or replaced by key, user "UID[:GID]",
 * additionalGids, capabilities added to the bounding, effective and
 * permitted sets (and ambient when the spec has inheritable ones), and
 * noNewPrivileges when asked; `*out` then points at spec->process.
 * --apparmor and --process-label set apparmorProfile and selinuxLabel in
 * either case.
 * Errors name the option: `--user "x": must be UID[:GID]`.
 */

#include "oci/spec.h"
#include "runtime/container.h"

int cell_exec_build_process(const struct cell_exec_opts *opts, struct cell_spec *spec,
                            struct cell_process *file_process, struct cell_process **out,
                            struct cell_error *err);

#endif
