/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_RUNTIME_FEATURES_H
#define CELL_RUNTIME_FEATURES_H

/*
 * The runtime-spec "features" document (`cell features`, as `runc features`
 * prints it): ociVersionMin/Max, hooks, mountOptions, linux.namespaces,
 * capabilities, cgroup, seccomp actions/operators/archs, apparmor, selinux.
 * Pretty-printed JSON; the caller frees.  Never fails (OOM aborts).
 */
char *cell_features_json(void);

#endif
