/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_ENGINE_SECCOMP_DEFAULT_H
#define CELL_ENGINE_SECCOMP_DEFAULT_H

/*
 * The engine's default seccomp profile: cell's own data, allowing what
 * docker's default profile allows.  Every system call not listed fails with
 * EPERM; clone with namespace flags, clone3 (ENOSYS, so that C libraries
 * fall back to clone), socket(AF_VSOCK) and unusual personality values are
 * refused unless the container holds the capability that makes them safe,
 * and the calls a capability governs (mount with CAP_SYS_ADMIN, ptrace with
 * CAP_SYS_PTRACE, ...) are allowed only with it, as docker does.
 */

#include <stddef.h>

#include <json-c/json.h>

/*
 * The runtime-spec linux.seccomp object for a container whose bounding set
 * is `caps` ("CAP_SYS_ADMIN", ...; n entries).  Caller puts.
 */
json_object *cell_seccomp_default_profile(const char *const *caps, size_t n);

#endif
