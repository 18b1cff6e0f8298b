/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp.  Action, operator, architecture and flag names are checked
 * against the spec's lists; syscall names are kept as written because the
 * filter builder skips names that libseccomp does not know on this host.
 */
#include <string.h>

#include "oci/parse.h"
#include "util/xalloc.h"

static const char *const actions[] = {
        "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",      NULL,
};

static const char *const operators[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const char *const architectures[] = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

static const char *const filter_flags[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
        NULL,
};

static bool in_list(const char *const *list, const char *name)
{
        for (; *list; list++)
                if (strcmp(*list, name) == 0)
                        return true;
        return false;
}

/* A required/optional string field whose value must come from `list`. */
static int parse_name(json_object *o, const struct oci_path *p, const char *key, bool required,
                      const char *const *list, const char *what, char **out, struct cell_error *err)
{
        int r = oci_field_string(o, p, key, required, out, err);
        if (r <= 0)
                return r;
        if (!in_list(list, *out))
                return oci_error(err, OCI_KEY(p, key), "unknown %s \"%s\"", what, *out);
        return 1;
}

/* An array of names, each from `list`. */
static int parse_name_list(json_object *o, const struct oci_path *parent, const char *key,
                           const char *const *list, const char *what, char ***out, size_t *n,
                           struct cell_error *err)
{
        const struct oci_path *p = OCI_KEY(parent, key);
        if (oci_field_strv(o, parent, key, out, n, err) < 0)
                return -1;
        for (size_t i = 0; i < *n; i++)
                if (!in_list(list, (*out)[i]))
                        return oci_error(err, OCI_INDEX(p, i), "unknown %s \"%s\"", what,
                                         (*out)[i]);
        return 0;
}

static int parse_arg(json_object *o, const struct oci_path *p, struct cell_seccomp_arg *arg,
                     struct cell_error *err)
{
        uint32_t index;
        if (oci_expect_object(o, p, err) < 0 ||
            oci_field_uint32(o, p, "index", true, &index, err) < 0 ||
            oci_field_uint64(o, p, "value", true, &arg->value, err) < 0 ||
            oci_field_uint64(o, p, "valueTwo", false, &arg->value_two, err) < 0 ||
            parse_name(o, p, "op", true, operators, "operator", &arg->op, err) < 0)
                return -1;
        /* Syscalls have at most six arguments. */
        if (index > 5)
                return oci_error(err, OCI_KEY(p, "index"), "%u is out of range (0..5)", index);
        arg->index = index;
        return 0;
}

static int parse_rule_args(json_object *o, const struct oci_path *parent,
                           struct cell_seccomp_rule *rule, struct cell_error *err)
{
        const struct oci_path *p = OCI_KEY(parent, "args");
        json_object *v = oci_member(o, "args");
        size_t n;
        if (!v)
                return 0;
        if (oci_expect_array(v, p, &n, err) < 0)
                return -1;
        rule->args = xcalloc(n + 1, sizeof(*rule->args));
        rule->n_args = n;
        for (size_t i = 0; i < n; i++)
                if (parse_arg(json_object_array_get_idx(v, i), OCI_INDEX(p, i), &rule->args[i],
                              err) < 0)
                        return -1;
        return 0;
}

static int parse_rule(json_object *o, const struct oci_path *p, struct cell_seccomp_rule *rule,
                      struct cell_error *err)
{
        uint32_t ret;
        int r;
        if (oci_expect_object(o, p, err) < 0)
                return -1;
        if (!oci_member(o, "names"))
                return oci_error(err, OCI_KEY(p, "names"), "required");
        if (oci_field_strv(o, p, "names", &rule->names, &rule->n_names, err) < 0 ||
            parse_name(o, p, "action", true, actions, "action", &rule->action, err) < 0 ||
            (r = oci_field_uint32(o, p, "errnoRet", false, &ret, err)) < 0)
                return -1;
        rule->has_errno_ret = r > 0;
        rule->errno_ret = r > 0 ? ret : 0;
        return parse_rule_args(o, p, rule, err);
}

static int parse_rules(json_object *v, const struct oci_path *p, struct cell_seccomp *s,
                       struct cell_error *err)
{
        size_t n;
        if (oci_expect_array(v, p, &n, err) < 0)
                return -1;
        s->syscalls = xcalloc(n + 1, sizeof(*s->syscalls));
        s->n_syscalls = n;
        for (size_t i = 0; i < n; i++)
                if (parse_rule(json_object_array_get_idx(v, i), OCI_INDEX(p, i), &s->syscalls[i],
                               err) < 0)
                        return -1;
        return 0;
}

int oci_parse_seccomp(json_object *v, const struct oci_path *p, struct cell_seccomp *s,
                      struct cell_error *err)
{
        uint32_t ret;
        int r;
        if (oci_expect_object(v, p, err) < 0 ||
            parse_name(v, p, "defaultAction", true, actions, "action", &s->default_action, err) <
                    0 ||
            (r = oci_field_uint32(v, p, "defaultErrnoRet", false, &ret, err)) < 0)
                return -1;
        s->has_default_errno_ret = r > 0;
        s->default_errno_ret = r > 0 ? ret : 0;
        s->present = true;
        if (parse_name_list(v, p, "architectures", architectures, "architecture", &s->architectures,
                            &s->n_architectures, err) < 0 ||
            parse_name_list(v, p, "flags", filter_flags, "flag", &s->flags, &s->n_flags, err) < 0 ||
            oci_field_string(v, p, "listenerPath", false, &s->listener_path, err) < 0 ||
            oci_field_string(v, p, "listenerMetadata", false, &s->listener_metadata, err) < 0 ||
            OCI_PARSE_MEMBER(v, p, "syscalls", parse_rules, s, err) < 0)
                return -1;
        return 0;
}

void oci_seccomp_release(struct cell_seccomp *s)
{
        free(s->default_action);
        oci_strv_free(s->architectures, s->n_architectures);
        oci_strv_free(s->flags, s->n_flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                struct cell_seccomp_rule *rule = &s->syscalls[i];
                oci_strv_free(rule->names, rule->n_names);
                free(rule->action);
                for (size_t j = 0; j < rule->n_args; j++)
                        free(rule->args[j].op);
                free(rule->args);
        }
        free(s->syscalls);
        memset(s, 0, sizeof(*s));
}
