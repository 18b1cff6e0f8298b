/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_DMZ_H
#define CELL_RUNTIME_DMZ_H

/*
 * The defence against CVE-2019-5736 (see src/runtime/dmz/dmz.c for the
 * attack and the program): the container's init never execs the user's
 * program itself; it execs cell-dmz from a sealed memfd, which execs the
 * user's program.
 *
 * cell_dmz_open() returns a new O_CLOEXEC memfd holding cell-dmz, sealed
 * against any write, shrink or grow; the caller owns it.
 *
 * cell_dmz_exec() replaces the calling process: cell-dmz runs `path` with
 * `argv` and `envp`, first writing `attr` (may be NULL or empty; see
 * sandbox/lsm.h) and loading `filter` (may be NULL; see below); a failure of that final execve is
 * reported over `sync_fd` as SYNC_ERROR.  With CELL_DMZ_HOP, cell-dmz first forks the process into
 * the pid namespace the caller joined with setns(), sending the runtime SYNC_PID for it
 * (runtime/spawn.h), so that no clone of cell ever runs in that namespace.  It returns only when
 * cell-dmz itself could not be executed (-1, errno set).
 *
 * cell_dmz_protect_self() closes the other way to the binary: every process
 * cell clones into a container (the init until it execs cell-dmz, an exec'd
 * process during its start) runs cell's own binary, and a container process
 * allowed to open their /proc/<pid>/exe (CAP_SYS_PTRACE suffices, dumpable
 * or not) can reopen that file for writing once no cell process runs it.
 * So cell re-executes itself (same argv, same environment) from a
 * read-only detached bind mount of its binary, or where the mount API is
 * refused, from a sealed memfd copy of it: /proc/<pid>/exe then opens for
 * writing with EROFS (or writes fail with EPERM).  Returns 0 without
 * exec'ing when the binary already is read-only or sealed (as after the
 * re-exec); otherwise it returns only on failure.
 *
 * The re-exec costs a whole second process start (~0.7 ms of glibc's cpuid
 * probing alone on this kind of VM).  `create` and `exec` always pay it;
 * a foreground `run`, whose init is cell only for the moments before its
 * exec, pays it when cell_dmz_needed() says some process that can be in
 * the container's pid namespace may hold CAP_SYS_PTRACE in the runtime's
 * user namespace.  Non-dumpable as the clones are from their first
 * instruction, nothing less opens their /proc/<pid>/exe.  A binary
 * installed on a read-only mount costs nothing in every case.
 */

#include "util/error.h"

int cell_dmz_open(struct cell_error *err);

#include <stdbool.h>

#include "oci/spec.h"

/*
 * True unless the container has its own user namespace (then no process of
 * it has capabilities in ours), or its pid namespace is new and neither the
 * container's bounding set nor `extra` (an exec'd process, may be NULL)
 * holds CAP_SYS_PTRACE.  A pid namespace that is shared or joined may hold
 * other containers' processes, so it always counts.
 */
bool cell_dmz_needed(const struct cell_spec *spec, const struct cell_process *extra);

/*
 * cell_dmz_protect_self() when cell_dmz_needed(spec, extra).  `argv` is
 * the process' own; NULL makes either an error when a re-exec is needed.
 */
int cell_dmz_protect_if_needed(char *const argv[], const struct cell_spec *spec,
                               const struct cell_process *extra, struct cell_error *err);
/*
 * A seccomp filter for cell-dmz to load as the very last step before its
 * execve of the user's program (after the hop, if any), for a process with
 * noNewPrivileges (without it loading needs CAP_SYS_ADMIN, which cell-dmz
 * does not have: the caller loads such a filter itself, before it drops
 * its capabilities).  With a NOTIFY rule, cell-dmz sends the listener fd
 * right after loading, with the message given to cell_dmz_filter_open(),
 * in one sendmsg on `socket_fd`: the sync socket, or one that is
 * O_CLOEXEC (cell_dmz_exec clears that for the exec only, cell-dmz sets it
 * again before loading).
 *
 * cell_dmz_filter_open() writes `filter`'s program and `msg` (at most
 * CELL_DMZ_MSG_MAX bytes) into a new memfd for `program_fd`, which is not
 * O_CLOEXEC (cell-dmz closes it): make it right before cell_dmz_exec(),
 * with no other exec in between.
 */
#define CELL_DMZ_MSG_MAX 65536
struct cell_dmz_filter {
        int program_fd;
        int socket_fd;
};
struct cell_seccomp_filter;
struct cell_lsm_attr;
int cell_dmz_filter_open(const struct cell_seccomp_filter *filter, const void *msg, size_t msg_len,
                         struct cell_error *err);

enum {
        CELL_DMZ_HOP = 1,       /* fork into the pid namespace setns()'d for children first */
        CELL_DMZ_TTY = 2,       /* with HOP: fd 0 is a terminal to take as controlling one */
        CELL_DMZ_PDEATHSIG = 4, /* with HOP: SIGKILL the process when the runtime dies */
};
int cell_dmz_exec(int dmz_fd, const char *path, char *const argv[], char *const envp[], int sync_fd,
                  unsigned flags, const struct cell_dmz_filter *filter,
                  const struct cell_lsm_attr *attr);
int cell_dmz_protect_self(char *const argv[], struct cell_error *err);

/* Whether this binary is read-only or sealed already (no re-exec needed). */
bool cell_dmz_self_protected(void);

#endif
