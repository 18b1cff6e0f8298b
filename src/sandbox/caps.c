/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox/process.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util/log.h"

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ __attribute__((cleanup(cap_freep)))

static const char *cap_label(int cap)
{
        const char *name = cell_cap_name(cap);
        return name ? name : "unknown capability";
}

/* Bits 0..cell_cap_last(): the capabilities this kernel knows. */
static uint64_t known_caps_mask(void)
{
        int last = cell_cap_last();
        if (last < 0 || last >= 63)
                return ~UINT64_C(0);
        return (UINT64_C(1) << (last + 1)) - 1;
}

/*
 * After setresuid() away from uid 0 with PR_SET_KEEPCAPS the kernel has kept
 * the permitted set but emptied the effective one.  Dropping from the
 * bounding set needs CAP_SETPCAP *effective*, so make effective = permitted
 * first (always allowed: effective only has to be a subset of permitted).
 */
static int raise_effective(struct cell_error *err)
{
        _cleanup_cap_ cap_t cur = cap_get_proc();
        if (!cur)
                return cell_error_errno(err, "capabilities: capget");
        if (cap_fill(cur, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(cur) < 0)
                return cell_error_errno(err, "capabilities: raise effective set");
        return 0;
}

static int drop_bounding(uint64_t keep, uint64_t known, struct cell_error *err)
{
        for (int cap = 0; cap < 64 && (known >> cap); cap++) {
                if (keep & (UINT64_C(1) << cap))
                        continue;
                /* A cap already gone is fine, but dropping it again still
                 * needs CAP_SETPCAP: ask only when the drop is refused, not
                 * before each of ~40 drops. */
                if (cap_drop_bound((cap_value_t)cap) == 0)
                        continue;
                int saved = errno;
                if (saved == EPERM && cap_get_bound((cap_value_t)cap) == 0)
                        continue;
                errno = saved;
                return cell_error_errno(err, "process.capabilities.bounding: drop %s",
                                        cap_label(cap));
        }
        return 0;
}

static int set_flag_bits(cap_t c, cap_flag_t flag, uint64_t bits)
{
        for (int cap = 0; cap < 64; cap++) {
                cap_value_t v = (cap_value_t)cap;
                if ((bits & (UINT64_C(1) << cap)) && cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
                        return -1;
        }
        return 0;
}

static int set_process_caps(const struct cell_caps *caps, uint64_t known, struct cell_error *err)
{
        _cleanup_cap_ cap_t c = cap_init();
        if (!c)
                return cell_error_errno(err, "capabilities: cap_init");
        if (set_flag_bits(c, CAP_EFFECTIVE, caps->effective & known) < 0 ||
            set_flag_bits(c, CAP_PERMITTED, caps->permitted & known) < 0 ||
            set_flag_bits(c, CAP_INHERITABLE, caps->inheritable & known) < 0)
                return cell_error_errno(err, "capabilities: cap_set_flag");
        if (cap_set_proc(c) < 0)
                return cell_error_errno(err, "process.capabilities: capset effective/permitted/"
                                             "inheritable");
        return 0;
}

/*
 * An ambient capability must already be permitted and inheritable, so this
 * runs after capset(); one that is not is skipped (as runc and crun do).  The set is cleared first:
 * the ambient set survives setuid and would otherwise carry caps the config does not list.
 */
static int set_ambient(uint64_t ambient, struct cell_error *err)
{
        /* One prctl; libcap's cap_reset_ambient() first reads every cap's
         * ambient bit.  EINVAL: a kernel without ambient capabilities (< 4.3). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) < 0 && errno != EINVAL)
                return cell_error_errno(err, "process.capabilities.ambient: clear");
        for (int cap = 0; cap < 64; cap++) {
                if (!(ambient & (UINT64_C(1) << cap)))
                        continue;
                if (cap_set_ambient((cap_value_t)cap, CAP_SET) == 0)
                        continue;
                /* runc's and crun's default specs list ambient caps that are
                 * not inheritable; both skip them, and configs rely on it. */
                if (errno == EPERM) {
                        cell_debug("process.capabilities.ambient: %s is not permitted and "
                                   "inheritable: not raised",
                                   cap_label(cap));
                        continue;
                }
                return cell_error_errno(err, "process.capabilities.ambient: raise %s",
                                        cap_label(cap));
        }
        return 0;
}

int cell_caps_apply(const struct cell_caps *caps, struct cell_error *err)
{
        /*
         * A config without a capabilities object means every set is empty
         * (runc does the same); the zeroed struct expresses exactly that, so
         * `present` needs no special case.  Capabilities this kernel does
         * not know are ignored with a warning, as runc does.
         */
        uint64_t known = known_caps_mask();
        uint64_t all = caps->bounding | caps->effective | caps->inheritable | caps->permitted |
                       caps->ambient;
        if (all & ~known)
                cell_warn("capabilities unknown to this kernel are ignored (mask 0x%llx)",
                          (unsigned long long)(all & ~known));

        /* Order: the bounding drop needs CAP_SETPCAP, which capset may drop. */
        if (raise_effective(err) < 0)
                return -1;
        if (drop_bounding(caps->bounding, known, err) < 0)
                return -1;
        if (set_process_caps(caps, known, err) < 0)
                return -1;
        return set_ambient(caps->ambient & known, err);
}
