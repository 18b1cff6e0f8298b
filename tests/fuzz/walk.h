/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_TESTS_FUZZ_WALK_H
#define CELL_TESTS_FUZZ_WALK_H

/*
 * Walk everything a successful parse returned, as the consumers of
 * struct cell_spec would: every string is read to its end and every
 * (pointer, count) pair is read in full, so ASan reports a dangling,
 * short or unterminated result.  Also checks the invariants spec.h promises
 * (process.args non-empty, cwd absolute, hook paths absolute, mount
 * destinations absolute) and those of the security issue: no uid/gid is
 * (uid_t)-1, every env entry is NAME=value, device modes are permission
 * bits, device paths are clean and a default device stays itself, id
 * mappings stay below (u32)-1, and an rlimit of UINT64_MAX was written as
 * such (json-c did not saturate a bigger number into it).
 */

#include "fuzz.h"
#include "oci/spec.h"
#include "util/fs.h"

static inline void fuzz_walk_key_values(const struct cell_key_value *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                FUZZ_ASSERT(kv[i].key);
                fuzz_touch(kv[i].key);
                fuzz_touch(kv[i].value);
        }
}

static inline void fuzz_walk_process(const struct cell_process *p)
{
        FUZZ_ASSERT(p->n_args > 0 && p->args && p->args[0]);
        fuzz_touch_vector(p->args, p->n_args);
        fuzz_touch_vector(p->env, p->n_env);
        for (size_t i = 0; i < p->n_env; i++)
                FUZZ_ASSERT(p->env[i][0] != '=' && strchr(p->env[i], '='));
        FUZZ_ASSERT(p->cwd && p->cwd[0] == '/');
        fuzz_touch(p->command_line);
        FUZZ_ASSERT(p->uid != (uid_t)-1 && p->gid != (gid_t)-1);
        fuzz_read(p->additional_gids, p->n_additional_gids * sizeof(*p->additional_gids));
        for (size_t i = 0; i < p->n_additional_gids; i++)
                FUZZ_ASSERT(p->additional_gids[i] != (gid_t)-1);
        for (size_t i = 0; i < p->n_rlimits; i++) {
                FUZZ_ASSERT(p->rlimits[i].resource >= 0);
                fuzz_touch(p->rlimits[i].name);
        }
        fuzz_touch(p->apparmor_profile);
        fuzz_touch(p->selinux_label);
}

/* UINT64_MAX only where the input says 18446744073709551615 (no saturation). */
static inline void fuzz_check_rlimits_exact(const struct cell_process *p, const uint8_t *data,
                                            size_t size)
{
        static const char max[] = "18446744073709551615";
        for (size_t i = 0; i < p->n_rlimits; i++)
                if (p->rlimits[i].soft == UINT64_MAX || p->rlimits[i].hard == UINT64_MAX)
                        FUZZ_ASSERT(memmem(data, size, max, sizeof(max) - 1));
}

static inline void fuzz_check_mappings(const struct cell_id_mapping *m, size_t n)
{
        fuzz_read(m, n * sizeof(*m));
        for (size_t i = 0; i < n; i++) {
                FUZZ_ASSERT(m[i].size > 0);
                FUZZ_ASSERT((uint64_t)m[i].container_id + m[i].size <= UINT32_MAX);
                FUZZ_ASSERT((uint64_t)m[i].host_id + m[i].size <= UINT32_MAX);
        }
}

static inline void fuzz_check_device(const struct cell_device *d)
{
        FUZZ_ASSERT(d->path);
        fuzz_touch(d->path);
        char *clean = cell_path_clean(d->path);
        FUZZ_ASSERT(strcmp(clean, d->path) == 0);
        free(clean);
        FUZZ_ASSERT(!d->has_file_mode || (d->file_mode & ~(mode_t)0777) == 0);
        FUZZ_ASSERT(d->major >= 0 && d->major <= 4095 && d->minor >= 0 && d->minor <= 1048575);
        FUZZ_ASSERT(!d->has_uid || d->uid != (uid_t)-1);
        FUZZ_ASSERT(!d->has_gid || d->gid != (gid_t)-1);
        for (size_t i = 0; i < cell_n_default_devices; i++) {
                const struct cell_default_device *def = &cell_default_devices[i];
                if (strcmp(def->path, d->path) == 0)
                        FUZZ_ASSERT((d->type == 'c' || d->type == 'u') && d->major == def->major &&
                                    d->minor == def->minor);
        }
}

static inline void fuzz_walk_mounts(const struct cell_mount *m, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                FUZZ_ASSERT(m[i].destination && m[i].destination[0] == '/');
                fuzz_touch(m[i].type);
                fuzz_touch(m[i].source);
                fuzz_touch_vector(m[i].options, m[i].n_options);
                fuzz_touch(m[i].data);
                fuzz_check_mappings(m[i].uid_mappings, m[i].n_uid_mappings);
                fuzz_check_mappings(m[i].gid_mappings, m[i].n_gid_mappings);
        }
}

static inline void fuzz_walk_hooks(const struct cell_hook_list *hooks)
{
        for (int k = 0; k < CELL_HOOK__COUNT; k++) {
                for (size_t i = 0; i < hooks[k].n; i++) {
                        const struct cell_hook *h = &hooks[k].items[i];
                        FUZZ_ASSERT(h->path && h->path[0] == '/');
                        fuzz_touch_vector(h->args, h->n_args);
                        fuzz_touch_vector(h->env, h->n_env);
                        FUZZ_ASSERT(h->timeout >= 0);
                }
        }
}

static inline void fuzz_walk_resources(const struct cell_resources *r)
{
        for (size_t i = 0; i < r->n_devices; i++)
                FUZZ_ASSERT(strnlen(r->devices[i].access, sizeof(r->devices[i].access)) <
                            sizeof(r->devices[i].access));
        fuzz_touch(r->cpu.cpus);
        fuzz_touch(r->cpu.mems);
        const struct cell_throttle_device *t[] = {
                r->block_io.throttle_read_bps, r->block_io.throttle_write_bps,
                r->block_io.throttle_read_iops, r->block_io.throttle_write_iops};
        const size_t nt[] = {r->block_io.n_throttle_read_bps, r->block_io.n_throttle_write_bps,
                             r->block_io.n_throttle_read_iops, r->block_io.n_throttle_write_iops};
        fuzz_read(r->block_io.weight_devices,
                  r->block_io.n_weight_devices * sizeof(*r->block_io.weight_devices));
        for (size_t k = 0; k < 4; k++)
                fuzz_read(t[k], nt[k] * sizeof(*t[k]));
        for (size_t i = 0; i < r->n_hugepage_limits; i++)
                fuzz_touch(r->hugepage_limits[i].page_size);
        for (size_t i = 0; i < r->network.n_priorities; i++)
                fuzz_touch(r->network.priorities[i].name);
        for (size_t i = 0; i < r->n_rdma; i++)
                fuzz_touch(r->rdma[i].device);
        fuzz_walk_key_values(r->unified, r->n_unified);
}

static inline void fuzz_walk_seccomp(const struct cell_seccomp *s)
{
        if (!s->present)
                return;
        fuzz_touch(s->default_action);
        fuzz_touch_vector(s->architectures, s->n_architectures);
        fuzz_touch_vector(s->flags, s->n_flags);
        fuzz_touch(s->listener_path);
        fuzz_touch(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct cell_seccomp_rule *r = &s->syscalls[i];
                fuzz_touch_vector(r->names, r->n_names);
                FUZZ_ASSERT(r->action);
                fuzz_touch(r->action);
                for (size_t j = 0; j < r->n_args; j++) {
                        FUZZ_ASSERT(r->args[j].op);
                        fuzz_touch(r->args[j].op);
                }
        }
}

static inline void fuzz_walk_linux(const struct cell_linux *l)
{
        for (int t = 0; t < CELL_NS__COUNT; t++)
                fuzz_touch(l->namespaces[t].path);
        fuzz_check_mappings(l->uid_mappings, l->n_uid_mappings);
        fuzz_check_mappings(l->gid_mappings, l->n_gid_mappings);
        for (size_t i = 0; i < l->n_devices; i++)
                fuzz_check_device(&l->devices[i]);
        fuzz_touch(l->cgroups_path);
        fuzz_walk_resources(&l->resources);
        fuzz_walk_key_values(l->sysctl, l->n_sysctl);
        fuzz_touch_vector(l->masked_paths, l->n_masked_paths);
        fuzz_touch_vector(l->readonly_paths, l->n_readonly_paths);
        fuzz_touch(l->mount_label);
        fuzz_walk_seccomp(&l->seccomp);
}

static inline void fuzz_walk_spec(const struct cell_spec *spec)
{
        FUZZ_ASSERT(spec->oci_version);
        fuzz_touch(spec->oci_version);
        fuzz_touch(spec->root_path);
        fuzz_touch(spec->hostname);
        fuzz_touch(spec->domainname);
        fuzz_walk_mounts(spec->mounts, spec->n_mounts);
        if (spec->has_process)
                fuzz_walk_process(&spec->process);
        fuzz_walk_hooks(spec->hooks);
        fuzz_walk_key_values(spec->annotations, spec->n_annotations);
        fuzz_walk_linux(&spec->linux);
}

#endif
