/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_OCI_PARSE_H
#define CELL_OCI_PARSE_H

/*
 * The section parsers of config.json, private to src/oci/.  Each fills its
 * part of the model from a json-c value and names the JSON path in errors.
 * On failure the part may be half-filled; the matching release function
 * frees whatever was stored (every array's count is set as soon as the array
 * is allocated, and unfilled entries are zeroed).
 */

#include "oci/json_read.h"
#include "oci/spec.h"

int oci_parse_process(json_object *v, const struct oci_path *path, struct cell_process *out,
                      struct cell_error *err);

int oci_parse_mounts(json_object *v, const struct oci_path *path, struct cell_mount **out,
                     size_t *n, struct cell_error *err);
void oci_mounts_free(struct cell_mount *mounts, size_t n);
/*
 * Translate one mount option into `m` (flags, propagation, attributes or
 * filesystem data).  Never fails: unknown options are filesystem data.
 */
void oci_mount_apply_option(struct cell_mount *m, const char *option);

/* An array of {containerID, hostID, size}. */
int oci_parse_id_mappings(json_object *v, const struct oci_path *path, struct cell_id_mapping **out,
                          size_t *n, struct cell_error *err);

int oci_parse_linux(json_object *v, const struct oci_path *path, struct cell_linux *out,
                    struct cell_error *err);
void oci_linux_release(struct cell_linux *linux_);

/* linux.memoryPolicy, linux.netDevices, linux.intelRdt (parse_host_resources.c). */
int oci_parse_memory_policy(json_object *v, const struct oci_path *path,
                            struct cell_memory_policy *out, struct cell_error *err);
int oci_parse_net_devices(json_object *v, const struct oci_path *path, struct cell_linux *out,
                          struct cell_error *err);
int oci_parse_intel_rdt(json_object *v, const struct oci_path *path, struct cell_intel_rdt *out,
                        struct cell_error *err);
void oci_host_resources_release(struct cell_linux *linux_);

int oci_parse_resources(json_object *v, const struct oci_path *path, struct cell_resources *out,
                        struct cell_error *err);
void oci_resources_release(struct cell_resources *res);

int oci_parse_seccomp(json_object *v, const struct oci_path *path, struct cell_seccomp *out,
                      struct cell_error *err);
void oci_seccomp_release(struct cell_seccomp *seccomp);

int oci_parse_hooks(json_object *v, const struct oci_path *path,
                    struct cell_hook_list hooks[CELL_HOOK__COUNT], struct cell_error *err);
void oci_hooks_release(struct cell_hook_list hooks[CELL_HOOK__COUNT]);

#endif
