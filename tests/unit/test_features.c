/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell features`: the document parses, lists what the spec asks for, and
 * every name it advertises is accepted by the config.json parser (and the
 * seccomp compiler), so it claims nothing the build does not do.
 */
#include <json-c/json.h>
#include <seccomp.h>
#include <stdlib.h>

#include "oci/spec.h"
#include "runtime/features.h"
#include "sandbox/lsm.h"
#include "sandbox/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static json_object *features(void)
{
        _cleanup_free_ char *json = cell_features_json();
        json_object *o = json_tokener_parse(json);
        CHECK(o != NULL);
        return o;
}

/* The value at a dotted path ("linux.seccomp.actions"), or NULL. */
static json_object *at(json_object *o, const char *path)
{
        _cleanup_free_ char *copy = xstrdup(path);
        char *save = NULL;
        for (char *key = strtok_r(copy, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
                if (!json_object_object_get_ex(o, key, &o))
                        return NULL;
        return o;
}

static bool has_string(json_object *array, const char *s)
{
        for (size_t i = 0; array && i < json_object_array_length(array); i++)
                if (strcmp(json_object_get_string(json_object_array_get_idx(array, i)), s) == 0)
                        return true;
        return false;
}

static size_t length(json_object *array)
{
        return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}

static bool is_true(json_object *o, const char *path)
{
        json_object *v = at(o, path);
        return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool is_false(json_object *o, const char *path)
{
        json_object *v = at(o, path);
        return json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v);
}

/* Parse a config.json with `version`, one tmpfs mount with `option`, and `seccomp`. */
static int parse_config(const char *version, const char *option, const char *seccomp,
                        struct cell_error *err)
{
        _cleanup_free_ char *json = xasprintf(
                "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"rootfs\"},"
                "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
                "\"mounts\":[{\"destination\":\"/mnt\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                "\"options\":[\"%s\"]}],\"linux\":{%s%s}}",
                version, option, seccomp ? "\"seccomp\":" : "", seccomp ? seccomp : "");
        struct cell_spec *spec = NULL;
        int rc = cell_spec_parse(json, strlen(json), &spec, err);
        cell_spec_free(spec);
        return rc;
}

static void test_versions_and_hooks(void)
{
        json_object *o = features();
        struct cell_error err = {0};
        CHECK_STR_EQ(json_object_get_string(at(o, "ociVersionMin")), "1.0.0");
        CHECK_STR_EQ(json_object_get_string(at(o, "ociVersionMax")), "1.3.0");
        CHECK_INT_EQ(parse_config("1.0.0", "ro", NULL, &err), 0);
        CHECK_INT_EQ(parse_config("1.3.0", "ro", NULL, &err), 0);
        json_object *hooks = at(o, "hooks");
        CHECK_INT_EQ(length(hooks), 6);
        const char *names[] = {"prestart",       "createRuntime", "createContainer",
                               "startContainer", "poststart",     "poststop"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(names); i++)
                CHECK(has_string(hooks, names[i]));
        json_object_put(o);
}

static void test_mount_options_parse(void)
{
        json_object *o = features();
        json_object *options = at(o, "mountOptions");
        CHECK(length(options) > 50);
        for (size_t i = 0; i < length(options); i++) {
                const char *name = json_object_get_string(json_object_array_get_idx(options, i));
                struct cell_error err = {0};
                if (parse_config("1.2.0", name, NULL, &err) < 0)
                        fprintf(stderr, "  mount option %s: %s\n", name, err.msg);
                CHECK(!cell_error_is_set(&err));
        }
        /* Idmapped mounts: advertised both ways. */
        CHECK(has_string(options, "idmap"));
        CHECK(has_string(options, "ridmap"));
        CHECK(is_true(o, "linux.mountExtensions.idmap.enabled"));
        json_object_put(o);
}

static void test_linux_sections(void)
{
        json_object *o = features();
        json_object *ns = at(o, "linux.namespaces");
        CHECK_INT_EQ(length(ns), 8);
        const char *names[] = {"mount", "pid", "network", "ipc", "uts", "user", "cgroup", "time"};
        for (size_t i = 0; i < CELL_ARRAY_SIZE(names); i++)
                CHECK(has_string(ns, names[i]));
        json_object *caps = at(o, "linux.capabilities");
        CHECK(length(caps) >= 41);
        CHECK(has_string(caps, "CAP_SYS_ADMIN"));
        CHECK(has_string(caps, "CAP_CHECKPOINT_RESTORE"));
        for (size_t i = 0; i < length(caps); i++)
                CHECK(cell_cap_from_name(json_object_get_string(
                              json_object_array_get_idx(caps, i))) == (int)i);
        CHECK(is_true(o, "linux.cgroup.v1") && is_true(o, "linux.cgroup.v2"));
        CHECK(is_false(o, "linux.cgroup.systemd") && is_false(o, "linux.cgroup.systemdUser"));
        CHECK(is_true(o, "linux.cgroup.rdma"));
        /* The host's modules (sandbox/lsm.h): cell refuses the fields without them. */
        unsigned lsm = cell_lsm_enabled("");
        CHECK(is_true(o, "linux.apparmor.enabled") == !!(lsm & CELL_LSM_APPARMOR));
        CHECK(is_true(o, "linux.selinux.enabled") == !!(lsm & CELL_LSM_SELINUX));
        /* runtime-spec 1.3: implemented, so advertised (runtime/intelrdt.h). */
        CHECK(is_true(o, "linux.intelRdt.enabled") && is_true(o, "linux.intelRdt.schemata") &&
              is_true(o, "linux.intelRdt.monitoring"));
        CHECK(is_true(o, "linux.netDevices.enabled"));
        json_object *modes = at(o, "linux.memoryPolicy.modes");
        json_object *flags = at(o, "linux.memoryPolicy.flags");
        CHECK_INT_EQ(length(modes), 7);
        CHECK_INT_EQ(length(flags), 3);
        CHECK(has_string(modes, "MPOL_WEIGHTED_INTERLEAVE") && has_string(modes, "MPOL_LOCAL"));
        CHECK(has_string(flags, "MPOL_F_NUMA_BALANCING"));
        json_object *annotations = at(o, "annotations"), *version = NULL;
        CHECK(json_object_object_get_ex(annotations, "io.github.seccomp.libseccomp.version",
                                        &version));
        const struct scmp_version *v = seccomp_version();
        _cleanup_free_ char *expected = xasprintf("%u.%u.%u", v->major, v->minor, v->micro);
        CHECK_STR_EQ(json_object_get_string(version), expected);
        json_object_put(o);
}

/* Compile a one-rule profile built from advertised names; the parser must accept it too. */
static void check_seccomp_names(const char *action, const char *op, const char *arch,
                                const char *flag)
{
        _cleanup_free_ char *json =
                xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"%s\"],"
                          "\"flags\":[\"%s\"],\"listenerPath\":\"/run/l.sock\","
                          "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"%s\","
                          "\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":1,\"op\":\"%s\"}]}]}",
                          arch, flag, action, op);
        struct cell_error err = {0};
        if (parse_config("1.2.0", "ro", json, &err) < 0)
                fprintf(stderr, "  parse %s/%s/%s/%s: %s\n", action, op, arch, flag, err.msg);
        CHECK(!cell_error_is_set(&err));
        struct cell_seccomp s = {
                .present = true,
                .default_action = "SCMP_ACT_ALLOW",
                .architectures = (char *[]){(char *)arch, NULL},
                .n_architectures = 1,
                .flags = (char *[]){(char *)flag, NULL},
                .n_flags = 1,
                .listener_path = "/run/l.sock",
                .syscalls =
                        &(struct cell_seccomp_rule){
                                .names = (char *[]){"getppid", NULL},
                                .n_names = 1,
                                .action = (char *)action,
                                .args = &(struct cell_seccomp_arg){.index = 0,
                                                                   .value = 1,
                                                                   .value_two = 1,
                                                                   .op = (char *)op},
                                .n_args = 1,
                        },
                .n_syscalls = 1,
        };
        struct cell_seccomp_filter *filter = NULL;
        if (cell_seccomp_prepare(&s, &filter, &err) < 0)
                fprintf(stderr, "  compile %s/%s/%s/%s: %s\n", action, op, arch, flag, err.msg);
        CHECK(filter != NULL);
        cell_seccomp_filter_free(filter);
}

static const char *nth(json_object *array, size_t i, size_t fallback)
{
        size_t n = length(array);
        return n ? json_object_get_string(json_object_array_get_idx(array, i < n ? i : fallback))
                 : "";
}

static void test_seccomp_names_are_usable(void)
{
        json_object *o = features();
        CHECK(is_true(o, "linux.seccomp.enabled"));
        json_object *actions = at(o, "linux.seccomp.actions"),
                    *ops = at(o, "linux.seccomp.operators"), *archs = at(o, "linux.seccomp.archs"),
                    *known = at(o, "linux.seccomp.knownFlags"),
                    *supported = at(o, "linux.seccomp.supportedFlags");
        CHECK_INT_EQ(length(actions), 9);
        CHECK_INT_EQ(length(ops), 7);
        CHECK(has_string(archs, "SCMP_ARCH_X86_64") && has_string(archs, "SCMP_ARCH_AARCH64"));
        CHECK_INT_EQ(length(known), 4);
        CHECK(has_string(known, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
        for (size_t i = 0; i < length(supported); i++)
                CHECK(has_string(known, nth(supported, i, 0)));
        /* This kernel (6.x) takes all four. */
        CHECK_INT_EQ(length(supported), 4);
        size_t rounds = length(archs);
        for (size_t i = 0; i < rounds; i++) {
                /* NOTIFY pairs only with the flags that allow a listener; ALLOW is the default. */
                const char *action = nth(actions, i, 1);
                if (strcmp(action, "SCMP_ACT_ALLOW") == 0)
                        action = "SCMP_ACT_ERRNO";
                check_seccomp_names(action, nth(ops, i, i % 7), nth(archs, i, 0),
                                    nth(supported, i, i % 4));
        }
        json_object_put(o);
}

UNIT_MAIN(UNIT_TEST(test_versions_and_hooks), UNIT_TEST(test_mount_options_parse),
          UNIT_TEST(test_linux_sections), UNIT_TEST(test_seccomp_names_are_usable))
