/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_SANDBOX_SECCOMP_H
#define CELL_SANDBOX_SECCOMP_H

/*
 * linux.seccomp through libseccomp.
 *
 * cell_seccomp_prepare() compiles the filter (before the container's init
 * drops privileges, so parse errors surface at create); it returns NULL in
 * `*out` when the spec has no seccomp object.  cell_seccomp_load() loads it
 * in the calling process; where that happens, as late as the kernel allows,
 * is the runtime's choice (runtime/procsetup.h: with noNewPrivileges cell-dmz
 * loads the exported program itself, cell_seccomp_filter_program()).  With a
 * listenerPath and a NOTIFY rule, load returns the notify fd in `*notify_fd`
 * (else -1) for the caller to send to the listener at once, together with
 * the container-process state (cell_seccomp_state_json).
 *
 * Compiling means: libseccomp builds the rules and exports them as a raw BPF
 * program, which the filter object holds.  Loading is one seccomp(2) call
 * with that program, so load allocates nothing and may run in the forked
 * init just before execve.  Behaviour follows runc:
 *   - unknown syscall names are skipped (logged with --debug), and so are
 *     architectures of the other byte order (s390x on x86_64), which
 *     libseccomp cannot combine with the native one;
 *   - a rule whose action equals the default action is skipped;
 *   - errnoRet defaults to EPERM for SCMP_ACT_ERRNO and SCMP_ACT_TRACE;
 *   - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD;
 *   - several conditions on the same argument become separate rules (OR);
 *   - past 8 syscalls the program is a binary tree by syscall number;
 *   - NOTIFY needs listenerPath, cannot be the default action and cannot
 *     apply to write or sendmsg (the init needs them after load to hand the
 *     listener fd on).
 *
 * Privilege at load (the caller orders it): the kernel accepts a filter only
 * if no_new_privs is set or the caller has CAP_SYS_ADMIN in its user
 * namespace; load never sets no_new_privs itself.  So with
 * process.noNewPrivileges=true, set it (prctl) and load after dropping
 * capabilities; with noNewPrivileges=false, load while CAP_SYS_ADMIN is still
 * held, i.e. before dropping capabilities and changing uid.  EACCES from
 * load means neither held.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

struct cell_seccomp_filter;

/*
 * Errors name the config path ("linux.seccomp.syscalls[3].args[0].op: ...").
 * `seccomp` may be NULL or !present: then `*out` is NULL and 0 is returned.
 */
int cell_seccomp_prepare(const struct cell_seccomp *seccomp, struct cell_seccomp_filter **out,
                         struct cell_error *err);
/*
 * As cell_seccomp_prepare(), reusing a program compiled earlier for the same
 * profile from `cache_dir` (e.g. "<root>/.seccomp-cache", created 0700 when
 * missing) and storing a newly compiled one there.  Compiling podman's
 * default profile (437 names) for x86_64+x86+x32 costs ~18 ms, native-only
 * ~1.8 ms; a cache hit ~0.02 ms (bench/seccomp_compile.sh).  `cache_dir` NULL
 * disables the cache; cache I/O failures only fall back to compiling.
 */
int cell_seccomp_prepare_cached(const struct cell_seccomp *seccomp, const char *cache_dir,
                                struct cell_seccomp_filter **out, struct cell_error *err);
/*
 * Install the filter in the calling thread (all threads with
 * SECCOMP_FILTER_FLAG_TSYNC).  `filter` NULL is a no-op.  `notify_fd` may be
 * NULL (the listener fd is then closed); the fd is O_CLOEXEC.
 */
int cell_seccomp_load(struct cell_seccomp_filter *filter, int *notify_fd, struct cell_error *err);
/*
 * The loadable form of `filter` (not NULL), for a loader that is not this
 * library (cell-dmz, runtime/dmz.h): the seccomp(2) flags it is loaded with
 * and its BPF program of `*n_insns` 8-byte instructions, valid while
 * `filter` is.
 */
void cell_seccomp_filter_program(const struct cell_seccomp_filter *filter, unsigned *flags,
                                 const void **insns, size_t *n_insns);
/* Whether loading `filter` (may be NULL) yields a NOTIFY listener fd. */
bool cell_seccomp_has_listener(const struct cell_seccomp_filter *filter);
/* NULL is fine. */
void cell_seccomp_filter_free(struct cell_seccomp_filter *filter);

/*
 * Build the runtime-spec "seccomp state" for the listener:
 *   {"ociVersion":"1.2.0","fds":["seccompFd"],"pid":PID,
 *    "metadata":listenerMetadata (omitted when NULL or empty),
 *    "state":<container_state_json>}
 * `container_state_json` is the runtime-spec state of the container (as
 * `cell state` prints it) and must be a JSON object.  `*out` is freed by
 * the caller.
 */
int cell_seccomp_state_json(const char *container_state_json, pid_t pid, const char *metadata,
                            char **out, struct cell_error *err);

/*
 * Connect to `listener_path` and send the runtime-spec "seccomp state"
 * JSON (`state_json`) with `notify_fd` attached by SCM_RIGHTS, in one
 * message.  A missing or refusing listener is an immediate error.
 * `notify_fd` stays open: the caller closes it after sending.
 *
 * listenerPath is a host path, so this runs in the host's mount namespace:
 * `exec` forwards the fd its process sends over the sync socket (NOTIFY on
 * write/sendmsg is refused so that cannot block).  The container's init
 * connects before pivot_root instead (an absent listener fails create, as
 * with runc) and sends on that socket itself.
 */
int cell_seccomp_send_listener(const char *listener_path, const char *state_json, int notify_fd,
                               struct cell_error *err);

/*
 * Connect to listenerPath; returns the socket (the caller closes it).  A
 * listener that is not there fails at once, in runc's words: "failed to
 * connect with seccomp agent specified in the seccomp profile
 * (linux.seccomp.listenerPath): connect to PATH: No such file or directory".
 */
int cell_seccomp_connect_listener(const char *listener_path, struct cell_error *err);

/*
 * What this build knows, for `cell features`: the i-th name of the actions,
 * operators, architectures and flags tables, NULL past the end.
 */
const char *cell_seccomp_nth_action(size_t i);
const char *cell_seccomp_nth_operator(size_t i);
const char *cell_seccomp_nth_arch(size_t i);
const char *cell_seccomp_nth_flag(size_t i);
/* True when the running kernel accepts the SECCOMP_FILTER_FLAG_* `name`. */
bool cell_seccomp_flag_supported(const char *name);

#endif
