/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CGROUP_DEVICES_EBPF_H
#define CELL_CGROUP_DEVICES_EBPF_H

/*
 * cgroup v2 device access control: the rules compiled to a
 * BPF_PROG_TYPE_CGROUP_DEVICE program and attached to a cgroup2 directory
 * (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI).
 *
 * Semantics, as v1 with a leading "deny all": the last rule that matches a
 * request decides; no match denies.  A rule matches a request when the type
 * ('a' = both), major and minor (-1 = any) match and, for an allow rule, the
 * requested access is within the rule's access, for a deny rule, it shares
 * any bit with it.
 */

#include <linux/bpf.h>
#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

/* Compile `rules`.  `*insns` is malloc'd (caller frees); returns the count. */
size_t cell_cg_devices_ebpf_build(const struct cell_device_rule *rules, size_t n,
                                  struct bpf_insn **insns);

/*
 * Load the program for `rules` and attach it to the cgroup2 directory
 * `path`, then detach the device programs that were attached there before
 * (so an update replaces the rules).  Errors name the directory.
 */
int cell_cg_devices_ebpf_attach(const char *path, const struct cell_device_rule *rules, size_t n,
                                struct cell_error *err);

#endif
