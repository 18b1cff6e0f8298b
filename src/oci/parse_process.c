/* SPDX-License-Identifier: Apache-2.0 */
/* The `process` object: argv, env, cwd, user, capabilities, rlimits, scheduling. */
#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>

#include "oci/parse.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

/* glibc does not define every policy and flag of sched_setattr(2). */
#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#define OCI_SCHED_ISO 4 /* reserved by the kernel, accepted by the spec */
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

struct name_value {
        const char *name;
        int value;
};

static const struct name_value sched_policies[] = {
        {"SCHED_OTHER", SCHED_OTHER},
        {"SCHED_FIFO", SCHED_FIFO},
        {"SCHED_RR", SCHED_RR},
        {"SCHED_BATCH", SCHED_BATCH},
        {"SCHED_ISO", OCI_SCHED_ISO},
        {"SCHED_IDLE", SCHED_IDLE},
        {"SCHED_DEADLINE", SCHED_DEADLINE},
};

/* linux/sched.h values; that header clashes with glibc's <sched.h>. */
static const struct name_value sched_flags[] = {
        {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
        {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
        {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
        {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_value ioprio_classes[] = {
        {"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
        {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
        {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
};

static int lookup(const struct name_value *table, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].name, name) == 0)
                        return table[i].value;
        return -1;
}

static int parse_args(json_object *obj, const struct oci_path *path, struct cell_process *p,
                      struct cell_error *err)
{
        const struct oci_path *args_path = OCI_KEY(path, "args");
        json_object *v = oci_member(obj, "args");
        if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
                return oci_error(err, args_path, "must be a non-empty array of strings");
        return oci_get_strv(v, args_path, &p->args, &p->n_args, err);
}

static int parse_console_size(json_object *obj, const struct oci_path *path, struct cell_process *p,
                              struct cell_error *err)
{
        const struct oci_path *cs_path = OCI_KEY(path, "consoleSize");
        json_object *v = oci_member(obj, "consoleSize");
        uint32_t h, w;
        if (!v)
                return 0;
        if (oci_expect_object(v, cs_path, err) < 0 ||
            oci_field_uint32(v, cs_path, "height", true, &h, err) < 0 ||
            oci_field_uint32(v, cs_path, "width", true, &w, err) < 0)
                return -1;
        p->has_console_size = true;
        p->console_height = h;
        p->console_width = w;
        return 0;
}

/*
 * process.user: uid and gid are REQUIRED by the spec, but runc (Go zero
 * values) treats missing ones as 0; we do the same.
 */
static int parse_user(json_object *obj, const struct oci_path *path, struct cell_process *p,
                      struct cell_error *err)
{
        const struct oci_path *user_path = OCI_KEY(path, "user");
        json_object *user = oci_member(obj, "user");
        uint32_t uid = 0, gid = 0, umask_value;
        int r;
        if (!user)
                return 0;
        if (oci_expect_object(user, user_path, err) < 0 ||
            oci_field_id(user, user_path, "uid", "user", false, &uid, err) < 0 ||
            oci_field_id(user, user_path, "gid", "group", false, &gid, err) < 0)
                return -1;
        p->uid = uid;
        p->gid = gid;
        if ((r = oci_field_uint32(user, user_path, "umask", false, &umask_value, err)) < 0)
                return -1;
        p->has_umask = r > 0;
        p->umask = umask_value & 07777;

        json_object *gids = oci_member(user, "additionalGids");
        const struct oci_path *gids_path = OCI_KEY(user_path, "additionalGids");
        size_t n;
        if (!gids)
                return 0;
        if (oci_expect_array(gids, gids_path, &n, err) < 0)
                return -1;
        p->additional_gids = xcalloc(n + 1, sizeof(gid_t));
        p->n_additional_gids = n;
        for (size_t i = 0; i < n; i++) {
                uint32_t g;
                if (oci_get_id(json_object_array_get_idx(gids, i), OCI_INDEX(gids_path, i), "group",
                               &g, err) < 0)
                        return -1;
                p->additional_gids[i] = g;
        }
        return 0;
}

/*
 * One capability set.  Like runc, a name the running kernel does not know
 * (newer than cap_last_cap) is dropped with a debug message; a name nobody
 * knows is an error.
 */
static int parse_cap_set(json_object *caps, const struct oci_path *path, const char *key,
                         uint64_t *mask, struct cell_error *err)
{
        const struct oci_path *set_path = OCI_KEY(path, key);
        json_object *v = oci_member(caps, key);
        size_t n;
        if (!v)
                return 0;
        if (oci_expect_array(v, set_path, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                const struct oci_path *e_path = OCI_INDEX(set_path, i);
                const char *name;
                if (oci_get_cstring(json_object_array_get_idx(v, i), e_path, &name, err) < 0)
                        return -1;
                int cap = cell_cap_from_name(name);
                if (cap < 0)
                        return oci_error(err, e_path, "unknown capability \"%s\"", name);
                if (cap > cell_cap_last()) {
                        cell_debug("%s.%s: capability %s is unknown to the running kernel, "
                                   "ignoring it",
                                   "process.capabilities", key, name);
                        continue;
                }
                *mask |= UINT64_C(1) << cap;
        }
        return 0;
}

static int parse_capabilities(json_object *obj, const struct oci_path *path, struct cell_process *p,
                              struct cell_error *err)
{
        const struct oci_path *caps_path = OCI_KEY(path, "capabilities");
        json_object *caps = oci_member(obj, "capabilities");
        struct cell_caps *c = &p->caps;
        if (!caps)
                return 0;
        if (oci_expect_object(caps, caps_path, err) < 0)
                return -1;
        c->present = true;
        if (parse_cap_set(caps, caps_path, "bounding", &c->bounding, err) < 0 ||
            parse_cap_set(caps, caps_path, "effective", &c->effective, err) < 0 ||
            parse_cap_set(caps, caps_path, "inheritable", &c->inheritable, err) < 0 ||
            parse_cap_set(caps, caps_path, "permitted", &c->permitted, err) < 0 ||
            parse_cap_set(caps, caps_path, "ambient", &c->ambient, err) < 0)
                return -1;
        return 0;
}

static int parse_rlimit(json_object *v, const struct oci_path *path, struct cell_process *p,
                        size_t idx, struct cell_error *err)
{
        struct cell_rlimit *rl = &p->rlimits[idx];
        if (oci_expect_object(v, path, err) < 0 ||
            oci_field_string(v, path, "type", true, &rl->name, err) < 0)
                return -1;
        rl->resource = cell_rlimit_from_name(rl->name);
        if (rl->resource < 0)
                return oci_error(err, OCI_KEY(path, "type"), "unknown rlimit \"%s\"", rl->name);
        for (size_t i = 0; i < idx; i++)
                if (p->rlimits[i].resource == rl->resource)
                        return oci_error(err, OCI_KEY(path, "type"), "duplicate rlimit \"%s\"",
                                         rl->name);
        if (oci_field_uint64(v, path, "soft", true, &rl->soft, err) < 0 ||
            oci_field_uint64(v, path, "hard", true, &rl->hard, err) < 0)
                return -1;
        if (rl->soft > rl->hard)
                return oci_error(err, OCI_KEY(path, "soft"),
                                 "soft limit %ju is greater than the hard limit %ju",
                                 (uintmax_t)rl->soft, (uintmax_t)rl->hard);
        return 0;
}

static int parse_rlimits(json_object *obj, const struct oci_path *path, struct cell_process *p,
                         struct cell_error *err)
{
        const struct oci_path *rl_path = OCI_KEY(path, "rlimits");
        json_object *v = oci_member(obj, "rlimits");
        size_t n;
        if (!v)
                return 0;
        if (oci_expect_array(v, rl_path, &n, err) < 0)
                return -1;
        p->rlimits = xcalloc(n + 1, sizeof(*p->rlimits));
        p->n_rlimits = n;
        for (size_t i = 0; i < n; i++)
                if (parse_rlimit(json_object_array_get_idx(v, i), OCI_INDEX(rl_path, i), p, i,
                                 err) < 0)
                        return -1;
        return 0;
}

static int parse_io_priority(json_object *obj, const struct oci_path *path, struct cell_process *p,
                             struct cell_error *err)
{
        const struct oci_path *io_path = OCI_KEY(path, "ioPriority");
        json_object *v = oci_member(obj, "ioPriority");
        _cleanup_free_ char *class_name = NULL;
        int64_t prio = 0;
        if (!v)
                return 0;
        if (oci_expect_object(v, io_path, err) < 0 ||
            oci_field_string(v, io_path, "class", true, &class_name, err) < 0)
                return -1;
        p->io_priority.class = lookup(ioprio_classes, CELL_ARRAY_SIZE(ioprio_classes), class_name);
        if (p->io_priority.class < 0)
                return oci_error(err, OCI_KEY(io_path, "class"), "unknown class \"%s\"",
                                 class_name);
        if (oci_field_int_range(v, io_path, "priority", 0, 7, &prio, err) < 0)
                return -1;
        p->io_priority.priority = (int)prio;
        p->io_priority.present = true;
        return 0;
}

static int parse_sched_flags(json_object *obj, const struct oci_path *path,
                             struct cell_scheduler *s, struct cell_error *err)
{
        const struct oci_path *flags_path = OCI_KEY(path, "flags");
        json_object *v = oci_member(obj, "flags");
        size_t n;
        if (!v)
                return 0;
        if (oci_expect_array(v, flags_path, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                const char *name;
                if (oci_get_cstring(json_object_array_get_idx(v, i), OCI_INDEX(flags_path, i),
                                    &name, err) < 0)
                        return -1;
                int flag = lookup(sched_flags, CELL_ARRAY_SIZE(sched_flags), name);
                if (flag < 0)
                        return oci_error(err, OCI_INDEX(flags_path, i),
                                         "unknown scheduler flag \"%s\"", name);
                s->flags |= (uint64_t)flag;
        }
        return 0;
}

/* The same consistency rules runc applies before sched_setattr(2). */
static int validate_scheduler(const struct cell_scheduler *s, const struct oci_path *path,
                              struct cell_error *err)
{
        if (s->priority != 0 && s->policy != SCHED_FIFO && s->policy != SCHED_RR)
                return oci_error(err, OCI_KEY(path, "priority"),
                                 "can only be set for SCHED_FIFO or SCHED_RR");
        if ((s->runtime || s->deadline || s->period) && s->policy != SCHED_DEADLINE)
                return oci_error(err, path,
                                 "runtime, deadline and period can only be set for SCHED_DEADLINE");
        return 0;
}

static int parse_scheduler(json_object *obj, const struct oci_path *path, struct cell_process *p,
                           struct cell_error *err)
{
        const struct oci_path *s_path = OCI_KEY(path, "scheduler");
        json_object *v = oci_member(obj, "scheduler");
        struct cell_scheduler *s = &p->scheduler;
        _cleanup_free_ char *policy = NULL;
        int64_t nice = 0, prio = 0;
        if (!v)
                return 0;
        if (oci_expect_object(v, s_path, err) < 0 ||
            oci_field_string(v, s_path, "policy", true, &policy, err) < 0)
                return -1;
        s->policy = lookup(sched_policies, CELL_ARRAY_SIZE(sched_policies), policy);
        if (s->policy < 0)
                return oci_error(err, OCI_KEY(s_path, "policy"), "unknown policy \"%s\"", policy);
        if (oci_field_int_range(v, s_path, "nice", -20, 19, &nice, err) < 0 ||
            oci_field_int_range(v, s_path, "priority", 0, 99, &prio, err) < 0 ||
            parse_sched_flags(v, s_path, s, err) < 0 ||
            oci_field_uint64(v, s_path, "runtime", false, &s->runtime, err) < 0 ||
            oci_field_uint64(v, s_path, "deadline", false, &s->deadline, err) < 0 ||
            oci_field_uint64(v, s_path, "period", false, &s->period, err) < 0)
                return -1;
        s->nice = (int)nice;
        s->priority = (int)prio;
        s->present = true;
        return validate_scheduler(s, s_path, err);
}

static int parse_security(json_object *obj, const struct oci_path *path, struct cell_process *p,
                          struct cell_error *err)
{
        int64_t adj;
        int r;
        if (oci_field_bool(obj, path, "noNewPrivileges", &p->no_new_privileges, err) < 0 ||
            oci_field_string(obj, path, "apparmorProfile", false, &p->apparmor_profile, err) < 0 ||
            oci_field_string(obj, path, "selinuxLabel", false, &p->selinux_label, err) < 0)
                return -1;
        if ((r = oci_field_int_range(obj, path, "oomScoreAdj", -1000, 1000, &adj, err)) < 0)
                return -1;
        p->has_oom_score_adj = r > 0;
        p->oom_score_adj = r > 0 ? (int)adj : 0;
        return 0;
}

int cell_process_env_check(const char *entry, struct cell_error *err)
{
        const char *eq = strchr(entry, '=');
        if (!eq)
                return cell_error_set(err, 0, "\"%s\": missing '=' (want NAME=value)", entry);
        if (eq == entry)
                return cell_error_set(err, 0, "\"%s\": empty variable name", entry);
        return 0;
}

static int parse_env(json_object *obj, const struct oci_path *path, struct cell_process *p,
                     struct cell_error *err)
{
        const struct oci_path *env_path = OCI_KEY(path, "env");
        if (oci_field_strv(obj, path, "env", &p->env, &p->n_env, err) < 0)
                return -1;
        for (size_t i = 0; i < p->n_env; i++) {
                struct cell_error why;
                if (cell_process_env_check(p->env[i], &why) < 0)
                        return oci_error(err, OCI_INDEX(env_path, i), "%s", why.msg);
        }
        return 0;
}

int oci_parse_process(json_object *v, const struct oci_path *path, struct cell_process *p,
                      struct cell_error *err)
{
        if (oci_expect_object(v, path, err) < 0)
                return -1;
        if (oci_field_bool(v, path, "terminal", &p->terminal, err) < 0 ||
            parse_console_size(v, path, p, err) < 0 || parse_args(v, path, p, err) < 0 ||
            oci_field_string(v, path, "commandLine", false, &p->command_line, err) < 0 ||
            parse_env(v, path, p, err) < 0 ||
            oci_field_abs_path(v, path, "cwd", true, &p->cwd, err) < 0 ||
            parse_user(v, path, p, err) < 0 || parse_capabilities(v, path, p, err) < 0 ||
            parse_rlimits(v, path, p, err) < 0 || parse_security(v, path, p, err) < 0 ||
            parse_io_priority(v, path, p, err) < 0 || parse_scheduler(v, path, p, err) < 0)
                return -1;
        return 0;
}

void cell_process_release(struct cell_process *p)
{
        if (!p)
                return;
        free(p->cwd);
        oci_strv_free(p->env, p->n_env);
        oci_strv_free(p->args, p->n_args);
        free(p->command_line);
        free(p->additional_gids);
        for (size_t i = 0; i < p->n_rlimits; i++)
                free(p->rlimits[i].name);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        memset(p, 0, sizeof(*p));
}
