/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_FEATURES_H
#define CELL_RUNTIME_FEATURES_H

/*
 * The runtime-spec features document (features.md, features-linux.md) that
 * `cell features` prints: exactly what this build implements, nothing more.
 *
 *   ociVersionMin/Max   "1.0.0" .. CELL_OCI_VERSION ("1.3.0")
 *   hooks               the six hook kinds
 *   mountOptions        the options the oci parser accepts and the runtime
 *                       applies (not idmap/ridmap: no idmapped mounts yet)
 *   linux.namespaces    the eight namespace types
 *   linux.capabilities  every capability name the build knows
 *   linux.cgroup        v1, v2, rdma; no systemd managers
 *   linux.seccomp       actions, operators, architectures and flags from
 *                       src/sandbox/seccomp.c; supportedFlags are the known
 *                       flags the running kernel accepts (as runc reports)
 *   linux.memoryPolicy  the modes and flags of oci/parse_host_resources.c
 *   linux.netDevices    enabled
 *   linux.intelRdt      enabled, schemata and monitoring (runtime/intelrdt.h)
 *   linux.apparmor, selinux  enabled when this host has them (sandbox/lsm.h)
 *   mountExtensions.idmap: enabled (sandbox/mount_idmap.c)
 *   annotations         io.github.seccomp.libseccomp.version
 *
 * Returns pretty-printed JSON without a trailing newline; the caller frees.
 */
char *cell_features_json(void);

#endif
