/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/cni.c without root and without a namespace: configuration lists found
 * by name (a *.conf counting as a list of one), bad lists refused, and ADD /
 * CHECK / DEL of a list of two shell-script plugins that log what they got:
 * order, prevResult, runtimeConfig, the cache, disableCheck, an old
 * cniVersion refused for CHECK, DEL without a cache doing nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "net/cni.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "unit.h"

static char base[] = "/tmp/cell-test-cni-XXXXXX";

/* Each call appends "<plugin> <command>" to log and its stdin to in.<plugin>.<command>. */
static const char plugin_script[] =
        "#!/bin/sh\n"
        "me=$(basename \"$0\")\n"
        "cat > \"$(dirname \"$0\")/../in.$me.$CNI_COMMAND\"\n"
        "echo \"$me $CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME\" >> \"$(dirname \"$0\")/../log\"\n"
        "if [ \"$me\" = failb ] && [ \"$CNI_COMMAND\" = ADD ]; then\n"
        "  echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"range "
        "full\",\"details\":\"10.1.0.0/30\"}'\n"
        "  exit 1\n"
        "fi\n"
        "[ \"$CNI_COMMAND\" = ADD ] && echo "
        "\"{\\\"cniVersion\\\":\\\"1.0.0\\\",\\\"ips\\\":[{\\\"address\\\":\\\"10.1.0.2/"
        "24\\\"}],\\\"by\\\":\\\"$me\\\"}\"\n"
        "exit 0\n";

static char *path_of(const char *name)
{
        return xasprintf("%s/%s", base, name);
}

static void put(const char *name, const char *text, mode_t mode)
{
        char *p = path_of(name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
        CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        free(p);
}

static char *slurp(const char *name)
{
        char *p = path_of(name), *text = NULL;
        struct cell_error err;
        if (cell_read_file(p, &text, NULL, &err) < 0)
                text = xstrdup("");
        free(p);
        return text;
}

static void setup(void)
{
        CHECK(mkdtemp(base) != NULL);
        char *d = path_of("plugins"), *c = path_of("conf");
        mkdir(d, 0755);
        mkdir(c, 0755);
        free(d);
        free(c);
        put("plugins/pa", plugin_script, 0755);
        put("plugins/pb", plugin_script, 0755);
        put("plugins/failb", plugin_script, 0755);
        put("conf/10-two.conflist",
            "{\"cniVersion\":\"1.0.0\",\"name\":\"two\",\"plugins\":[{\"type\":\"pa\",\"x\":1},"
            "{\"type\":\"pb\",\"capabilities\":{\"portMappings\":true}}]}",
            0644);
        put("conf/20-one.conf",
            "{\"cniVersion\":\"0.4.0\",\"name\":\"one\",\"type\":\"pa\",\"y\":2}", 0644);
        put("conf/30-old.conflist",
            "{\"cniVersion\":\"0.3.1\",\"name\":\"old\",\"plugins\":[{\"type\":\"pa\"}]}", 0644);
        put("conf/40-nocheck.conflist",
            "{\"cniVersion\":\"1.0.0\",\"name\":\"nocheck\",\"disableCheck\":true,\"plugins\":[{"
            "\"type\":\"pa\"}]}",
            0644);
        put("conf/50-bad.conflist",
            "{\"cniVersion\":\"1.0.0\",\"name\":\"bad\",\"plugins\":[{\"type\":\"../x\"}]}", 0644);
        put("conf/60-fail.conflist",
            "{\"cniVersion\":\"1.0.0\",\"name\":\"fail\",\"plugins\":[{\"type\":\"pa\"},{\"type\":"
            "\"failb\"}]}",
            0644);
        put("conf/README", "{\"name\":\"two\"}", 0644);
}

static struct cell_cni_rt rt_for(char *plugins, char *cache, const struct cell_cni_port *ports,
                                 size_t n)
{
        return (struct cell_cni_rt){.container_id = "c0ffee",
                                    .netns = "/nonexistent/ns",
                                    .ifname = "eth0",
                                    .plugin_path = plugins,
                                    .cache_dir = cache,
                                    .ports = ports,
                                    .n_ports = n};
}

static void test_load(void)
{
        char *conf = path_of("conf");
        json_object *l = NULL;
        struct cell_error err = {0};
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "two", &l, &err), 0);
        json_object *plugins;
        CHECK(l && json_object_object_get_ex(l, "plugins", &plugins) &&
              json_object_array_length(plugins) == 2);
        json_object_put(l);
        l = NULL;
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "one", &l, &err), 0);
        CHECK(l && json_object_object_get_ex(l, "plugins", &plugins) &&
              json_object_array_length(plugins) == 1);
        json_object *p0 = l ? json_object_array_get_idx(plugins, 0) : NULL, *v;
        CHECK(p0 && json_object_object_get_ex(p0, "y", &v) &&
              !json_object_object_get_ex(p0, "name", &v));
        if (l)
                json_object_put(l);
        CHECK(cell_cni_conflist_load(conf, "nosuch", &l, &err) < 0);
        CHECK_INT_EQ(err.errnum, ENOENT);
        CHECK_CONTAINS(err.msg, "cni network nosuch");
        CHECK_CONTAINS(err.msg, conf);
        CHECK(cell_cni_conflist_load(conf, "../conf/two", &l, &err) < 0);
        CHECK_CONTAINS(err.msg, "not a valid network name");
        CHECK(cell_cni_conflist_load(conf, "bad", &l, &err) < 0);
        CHECK_CONTAINS(err.msg, "no valid \"type\"");
        free(conf);
}

static void test_add_check_del(void)
{
        char *conf = path_of("conf"), *plugins = path_of("plugins"), *cache = path_of("cache");
        struct cell_cni_port ports[] = {
                {.proto = "udp", .host_ip = "", .host_port = 5353, .ctr_port = 53}};
        struct cell_cni_rt rt = rt_for(plugins, cache, ports, 1);
        struct cell_error err = {0};
        json_object *l = NULL, *res = NULL;
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "two", &l, &err), 0);
        CHECK_INT_EQ(cell_cni_add(l, &rt, &res, &err), 0);
        json_object *v;
        CHECK(res && json_object_object_get_ex(res, "by", &v) &&
              strcmp(json_object_get_string(v), "pb") == 0);
        char *log = slurp("log");
        CHECK_STR_EQ(log, "pa ADD c0ffee eth0\npb ADD c0ffee eth0\n");
        free(log);
        char *in_a = slurp("in.pa.ADD"), *in_b = slurp("in.pb.ADD");
        CHECK(strstr(in_a, "prevResult") == NULL && strstr(in_a, "runtimeConfig") == NULL);
        CHECK_CONTAINS(in_a, "\"name\":\"two\"");
        CHECK_CONTAINS(in_b, "\"prevResult\":{");
        CHECK_CONTAINS(in_b, "\"by\":\"pa\"");
        CHECK_CONTAINS(in_b, "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":5353,"
                             "\"containerPort\":53,\"protocol\":\"udp\"}]}");
        free(in_a);
        free(in_b);
        char *cp = cell_cni_cache_path("two", &rt);
        CHECK(access(cp, F_OK) == 0);
        CHECK_INT_EQ(cell_cni_check("two", &rt, &err), 0);
        log = slurp("log");
        CHECK_CONTAINS(log, "pb ADD c0ffee eth0\npa CHECK c0ffee eth0\npb CHECK c0ffee eth0\n");
        free(log);
        char *in_check = slurp("in.pa.CHECK");
        CHECK_CONTAINS(in_check, "\"by\":\"pb\"");
        free(in_check);
        CHECK_INT_EQ(cell_cni_del("two", &rt, &err), 0);
        log = slurp("log");
        CHECK_CONTAINS(log, "pb CHECK c0ffee eth0\npb DEL c0ffee eth0\npa DEL c0ffee eth0\n");
        free(log);
        char *in_del = slurp("in.pa.DEL");
        CHECK_CONTAINS(in_del, "\"prevResult\":{");
        CHECK_CONTAINS(in_del, "\"by\":\"pb\"");
        free(in_del);
        CHECK(access(cp, F_OK) < 0 && errno == ENOENT);
        /* Again: no cache, nothing run. */
        put("log", "", 0644);
        CHECK_INT_EQ(cell_cni_del("two", &rt, &err), 0);
        log = slurp("log");
        CHECK_STR_EQ(log, "");
        free(log);
        CHECK(cell_cni_check("two", &rt, &err) < 0);
        CHECK_INT_EQ(err.errnum, ENOENT);
        free(cp);
        json_object_put(l);
        json_object_put(res);
        free(conf);
        free(plugins);
        free(cache);
}

static void test_check_rules_and_failure(void)
{
        char *conf = path_of("conf"), *plugins = path_of("plugins"), *cache = path_of("cache");
        struct cell_cni_rt rt = rt_for(plugins, cache, NULL, 0);
        struct cell_error err = {0};
        json_object *l = NULL;
        /* disableCheck: CHECK runs no plugin. */
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "nocheck", &l, &err), 0);
        CHECK_INT_EQ(cell_cni_add(l, &rt, NULL, &err), 0);
        put("log", "", 0644);
        CHECK_INT_EQ(cell_cni_check("nocheck", &rt, &err), 0);
        char *log = slurp("log");
        CHECK_STR_EQ(log, "");
        free(log);
        CHECK_INT_EQ(cell_cni_del("nocheck", &rt, &err), 0);
        json_object_put(l);
        /* CHECK needs 0.4.0 or later. */
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "old", &l, &err), 0);
        CHECK_INT_EQ(cell_cni_add(l, &rt, NULL, &err), 0);
        CHECK(cell_cni_check("old", &rt, &err) < 0);
        CHECK_CONTAINS(err.msg, "0.3.1");
        CHECK_INT_EQ(cell_cni_del("old", &rt, &err), 0);
        json_object_put(l);
        /* A plugin's error object, named; the ADD undone; no cache left. */
        CHECK_INT_EQ(cell_cni_conflist_load(conf, "fail", &l, &err), 0);
        put("log", "", 0644);
        CHECK(cell_cni_add(l, &rt, NULL, &err) < 0);
        CHECK_STR_EQ(err.msg,
                     "cni network fail: plugin failb: ADD: range full: 10.1.0.0/30 (code 7)");
        log = slurp("log");
        CHECK_STR_EQ(log, "pa ADD c0ffee eth0\nfailb ADD c0ffee eth0\nfailb DEL c0ffee eth0\npa "
                          "DEL c0ffee eth0\n");
        free(log);
        char *cp = cell_cni_cache_path("fail", &rt);
        CHECK(access(cp, F_OK) < 0);
        free(cp);
        json_object_put(l);
        free(conf);
        free(plugins);
        free(cache);
}

static void cleanup_base(void)
{
        struct cell_error err;
        cell_remove_tree_at(AT_FDCWD, base, &err);
}

static void test_setup_first(void)
{
        setup();
}

static void test_cleanup_last(void)
{
        cleanup_base();
}

UNIT_MAIN(UNIT_TEST(test_setup_first), UNIT_TEST(test_load), UNIT_TEST(test_add_check_del),
          UNIT_TEST(test_check_rules_and_failure), UNIT_TEST(test_cleanup_last))
