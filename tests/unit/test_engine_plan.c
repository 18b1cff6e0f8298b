/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine: the container plan from docker's flags and an image config, the
 * OCI spec written from it, the default seccomp profile and the user's ids
 * from an image's passwd/group; all without root.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "engine/container.h"
#include "engine/network.h"
#include "engine/plan.h"
#include "engine/seccomp_default.h"
#include "unit.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_object *image_config(void)
{
        return json_tokener_parse("{\"config\":{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"serve\",\"-v\"],"
                                  "\"Env\":[\"PATH=/opt/bin:/bin\",\"IMG=1\"],\"WorkingDir\":\"/srv\","
                                  "\"User\":\"daemon\",\"StopSignal\":\"SIGQUIT\","
                                  "\"Volumes\":{\"/data\":{}}}}");
}

static int plan(const struct cell_ctr_opts *o, struct cell_ctr_plan *p, struct cell_error *err)
{
        json_object *cfg = image_config();
        int r = cell_ctr_plan_from_flags(o, cfg, ID, p, err);
        json_object_put(cfg);
        return r;
}

static bool has(char **v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

static void test_image_defaults(void)
{
        struct cell_ctr_opts o = {.image = "img", .stop_timeout = -1};
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        CHECK_INT_EQ(plan(&o, &p, &err), 0);
        CHECK_STR_EQ(p.args[0], "/ep");
        CHECK_STR_EQ(p.args[1], "serve");
        CHECK(p.args[3] == NULL);
        CHECK(has(p.env, "PATH=/opt/bin:/bin"));
        CHECK(has(p.env, "IMG=1"));
        CHECK(has(p.env, "HOSTNAME=0123456789ab"));
        CHECK_STR_EQ(p.cwd, "/srv");
        CHECK_STR_EQ(p.user, "daemon");
        CHECK_INT_EQ(p.stop_signal, SIGQUIT);
        CHECK_INT_EQ(p.stop_timeout, 10);
        CHECK_STR_EQ(p.network, "bridge"); /* docker's default network */
        CHECK_INT_EQ(p.n_caps, 14);
        /* the image's VOLUME becomes an anonymous volume */
        CHECK_INT_EQ(p.n_mounts, 1);
        CHECK(p.mounts[0].kind == CELL_MOUNT_VOLUME && p.mounts[0].anonymous);
        CHECK_STR_EQ(p.mounts[0].destination, "/data");
        cell_ctr_plan_release(&p);
}

static void test_flags_override(void)
{
        const char *cmd[] = {"echo", "x", NULL};
        const char *env[] = {"IMG=2", "NEW=y", NULL};
        const char *vols[] = {"/host:/data:ro", "named:/named", NULL};
        const char *tmpfs[] = {"/run:size=1m", NULL};
        struct cell_ctr_opts o = {.image = "img", .cmd = cmd, .env = env, .volumes = vols, .tmpfs = tmpfs,
                                  .entrypoint = "", .workdir = "/w/../x", .user = "1:2",
                                  .hostname = "h", .memory = "1.5g", .cpus = "0.5",
                                  .pids_limit = "-1", .restart = "on-failure:4", .stop_timeout = 3};
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        /* /host must exist for a bind */
        vols[0] = "/tmp:/data:ro";
        CHECK_INT_EQ(plan(&o, &p, &err), 0);
        CHECK_STR_EQ(p.args[0], "echo");
        CHECK(p.args[2] == NULL);
        CHECK(has(p.env, "IMG=2") && has(p.env, "NEW=y") && !has(p.env, "IMG=1"));
        CHECK_STR_EQ(p.cwd, "/x");
        CHECK_STR_EQ(p.hostname, "h");
        CHECK_INT_EQ(p.memory, 1536LL << 20);
        CHECK_INT_EQ(p.nano_cpus, 500000000);
        CHECK_INT_EQ(p.pids_limit, 0);
        CHECK(p.restart == CELL_RESTART_ON_FAILURE && p.restart_max == 4);
        CHECK_INT_EQ(p.stop_timeout, 3);
        CHECK_INT_EQ(p.n_mounts, 3); /* /data given: the image's VOLUME adds nothing */
        CHECK(p.mounts[0].kind == CELL_MOUNT_BIND && p.mounts[0].read_only);
        CHECK(p.mounts[1].kind == CELL_MOUNT_VOLUME && !p.mounts[1].anonymous);
        CHECK_STR_EQ(p.mounts[1].volume, "named");
        CHECK(p.mounts[2].kind == CELL_MOUNT_TMPFS);
        CHECK_STR_EQ(p.mounts[2].options, "noexec,nosuid,nodev,size=1m");
        cell_ctr_plan_release(&p);
}

static void expect_error(struct cell_ctr_opts *o, const char *a, const char *b)
{
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        o->image = "img";
        o->stop_timeout = -1;
        CHECK_INT_EQ(plan(o, &p, &err), -1);
        CHECK_CONTAINS(err.msg, a);
        CHECK_CONTAINS(err.msg, b);
}

static void test_bad_values(void)
{
        const char *bad_env[] = {"=v", NULL};
        const char *bad_vol[] = {"a:b:c:d", NULL};
        const char *bad_cap[] = {"NOPE", NULL};
        const char *bad_sec[] = {"weird", NULL};
        const char *dup[] = {"/tmp:/x", "v:/x", NULL};
        expect_error(&(struct cell_ctr_opts){.env = bad_env}, "--env", "=v");
        expect_error(&(struct cell_ctr_opts){.volumes = bad_vol}, "--volume", "a:b:c:d");
        expect_error(&(struct cell_ctr_opts){.cap_add = bad_cap}, "--cap-add", "NOPE");
        expect_error(&(struct cell_ctr_opts){.security_opt = bad_sec}, "--security-opt", "weird");
        expect_error(&(struct cell_ctr_opts){.memory = "abc"}, "--memory", "abc");
        expect_error(&(struct cell_ctr_opts){.memory = "1k"}, "--memory", "6MB");
        expect_error(&(struct cell_ctr_opts){.cpus = "x"}, "--cpus", "x");
        expect_error(&(struct cell_ctr_opts){.restart = "often"}, "restart", "often");
        expect_error(&(struct cell_ctr_opts){.volumes = dup}, "duplicate mount point", "/x");
        expect_error(&(struct cell_ctr_opts){.auto_remove = true, .restart = "always"}, "--restart", "--rm");
}

static void test_caps(void)
{
        const char *drop_all[] = {"ALL", NULL};
        const char *add[] = {"net_admin", "CAP_SYS_PTRACE", NULL};
        struct cell_ctr_opts o = {.image = "img", .cap_drop = drop_all, .cap_add = add, .stop_timeout = -1};
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        CHECK_INT_EQ(plan(&o, &p, &err), 0);
        CHECK_INT_EQ(p.n_caps, 2);
        CHECK(has(p.caps, "CAP_NET_ADMIN") && has(p.caps, "CAP_SYS_PTRACE"));
        cell_ctr_plan_release(&p);
}

static void test_sizes(void)
{
        int64_t v;
        struct cell_error err = {0};
        CHECK(cell_size_parse("512m", &v, &err) == 0 && v == 512LL << 20);
        CHECK(cell_size_parse("1GB", &v, &err) == 0 && v == 1LL << 30);
        CHECK(cell_size_parse("100", &v, &err) == 0 && v == 100);
        CHECK(cell_size_parse("2k", &v, &err) == 0 && v == 2048);
        CHECK(cell_size_parse("", &v, &err) < 0);
        CHECK(cell_size_parse("-1m", &v, &err) < 0);
        CHECK(cell_size_parse("1x", &v, &err) < 0);
        CHECK(cell_size_parse("m", &v, &err) < 0);
}

static const char *rule_action(json_object *profile, const char *name)
{
        json_object *syscalls, *names, *action;
        json_object_object_get_ex(profile, "syscalls", &syscalls);
        for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
                json_object *r = json_object_array_get_idx(syscalls, i);
                json_object_object_get_ex(r, "names", &names);
                for (size_t k = 0; k < json_object_array_length(names); k++)
                        if (strcmp(json_object_get_string(json_object_array_get_idx(names, k)), name) == 0) {
                                json_object_object_get_ex(r, "action", &action);
                                return json_object_get_string(action);
                        }
        }
        return NULL;
}

static void test_seccomp_profile_follows_caps(void)
{
        const char *none[] = {NULL};
        const char *admin[] = {"CAP_SYS_ADMIN", NULL};
        json_object *p = cell_seccomp_default_profile(none, 0);
        json_object *v;
        CHECK(json_object_object_get_ex(p, "defaultAction", &v));
        CHECK_STR_EQ(json_object_get_string(v), "SCMP_ACT_ERRNO");
        CHECK_STR_EQ(rule_action(p, "read"), "SCMP_ACT_ALLOW");
        CHECK(rule_action(p, "mount") == NULL);
        CHECK(rule_action(p, "unshare") == NULL);
        CHECK_STR_EQ(rule_action(p, "clone3"), "SCMP_ACT_ERRNO");
        json_object_put(p);
        p = cell_seccomp_default_profile(admin, 1);
        CHECK_STR_EQ(rule_action(p, "mount"), "SCMP_ACT_ALLOW");
        CHECK_STR_EQ(rule_action(p, "clone3"), "SCMP_ACT_ALLOW");
        json_object_put(p);
}

static bool has_netns(json_object *spec)
{
        json_object *l, *ns, *t;
        json_object_object_get_ex(spec, "linux", &l);
        json_object_object_get_ex(l, "namespaces", &ns);
        for (size_t i = 0; i < json_object_array_length(ns); i++) {
                json_object_object_get_ex(json_object_array_get_idx(ns, i), "type", &t);
                if (strcmp(json_object_get_string(t), "network") == 0)
                        return true;
        }
        return false;
}

static void test_spec(void)
{
        const char *cmd[] = {"true", NULL};
        struct cell_ctr_opts o = {.image = "img", .cmd = cmd, .read_only = true, .memory = "64m",
                                  .stop_timeout = -1};
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        CHECK_INT_EQ(plan(&o, &p, &err), 0);
        /* create.c gives each volume its directory before the spec is written */
        p.mounts[0].source = strdup("/vol/_data");
        json_object *spec = cell_ctr_plan_spec(&p, "/c", CELL_NET_NS_NEW, NULL);
        const char *text = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
        CHECK(has_netns(spec));
        CHECK_CONTAINS(text, "\"readonly\":true");
        CHECK_CONTAINS(text, "\"/proc/kcore\"");
        CHECK_CONTAINS(text, "\"source\":\"/c/hosts\"");
        CHECK_CONTAINS(text, "\"limit\":67108864");
        CHECK_CONTAINS(text, "\"seccomp\"");
        CHECK_CONTAINS(text, "\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/vol/_data\"");
        json_object_put(spec);
        spec = cell_ctr_plan_spec(&p, "/c", CELL_NET_NS_HOST, NULL);
        CHECK(!has_netns(spec));
        json_object_put(spec);
        cell_ctr_plan_release(&p);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
}

static void test_user_from_the_images_files(void)
{
        char root[] = "/tmp/cell-unit-rootfs-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        char path[256];
        snprintf(path, sizeof(path), "%s/etc", root);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/etc/passwd", root);
        write_file(path, "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n");
        snprintf(path, sizeof(path), "%s/etc/group", root);
        write_file(path, "root:x:0:\ndaemon:x:1:\nwheel:x:10:daemon,root\nstaff:x:50:daemon\n");
        struct cell_ctr_opts o = {.image = "img", .stop_timeout = -1};
        struct cell_ctr_plan p;
        struct cell_error err = {0};
        CHECK_INT_EQ(plan(&o, &p, &err), 0);
        CHECK_INT_EQ(cell_ctr_plan_resolve_user(&p, root, &err), 0);
        CHECK_INT_EQ(p.uid, 1);
        CHECK_INT_EQ(p.gid, 1);
        CHECK_INT_EQ(p.n_gids, 2);
        CHECK(has(p.env, "HOME=/usr/sbin"));
        free(p.user);
        p.user = strdup("daemon:staff");
        CHECK_INT_EQ(cell_ctr_plan_resolve_user(&p, root, &err), 0);
        CHECK_INT_EQ(p.gid, 50);
        CHECK_INT_EQ(p.n_gids, 0);
        free(p.user);
        p.user = strdup("4242");
        CHECK_INT_EQ(cell_ctr_plan_resolve_user(&p, root, &err), 0);
        CHECK_INT_EQ(p.uid, 4242);
        CHECK_INT_EQ(p.gid, 0);
        free(p.user);
        p.user = strdup("ghost");
        CHECK_INT_EQ(cell_ctr_plan_resolve_user(&p, root, &err), -1);
        CHECK_CONTAINS(err.msg, "unable to find user ghost");
        cell_ctr_plan_release(&p);
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        CHECK(system(cmd) == 0);
}

static void test_restart_policy_and_names(void)
{
        enum cell_restart_policy pol;
        int max;
        struct cell_error err = {0};
        CHECK(cell_restart_policy_parse("unless-stopped", &pol, &max, &err) == 0 &&
              pol == CELL_RESTART_UNLESS_STOPPED);
        CHECK(cell_restart_policy_parse("on-failure", &pol, &max, &err) == 0 && max == 0);
        CHECK(cell_restart_policy_parse("always:3", &pol, &max, &err) < 0);
        CHECK(cell_ctr_name_validate("/web.1_a-b", &err) == 0);
        CHECK(cell_ctr_name_validate("-x", &err) < 0);
        CHECK(cell_ctr_name_validate("a b", &err) < 0);
        char *n = cell_ctr_random_name();
        CHECK(strchr(n, '_') != NULL);
        free(n);
}

UNIT_MAIN(UNIT_TEST(test_image_defaults), UNIT_TEST(test_flags_override), UNIT_TEST(test_bad_values),
          UNIT_TEST(test_caps), UNIT_TEST(test_sizes), UNIT_TEST(test_seccomp_profile_follows_caps),
          UNIT_TEST(test_spec), UNIT_TEST(test_user_from_the_images_files),
          UNIT_TEST(test_restart_policy_and_names))
