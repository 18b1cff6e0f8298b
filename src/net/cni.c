/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CNI plugin execution (cni.h).  A plugin is spawned with posix_spawn (no
 * shell); its stdin, stdout and stderr are memfds, so that neither side can
 * block the other on a pipe, whatever the sizes: the configuration is written
 * whole before the plugin starts, its answers are read after it exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/cni.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

extern char **environ;

static inline void cni_json_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(cni_json_putp)

#define CNI_OUTPUT_MAX ((size_t)4 << 20)

enum cni_cmd { CNI_ADD, CNI_DEL, CNI_CHECK };
static const char *const cmd_names[] = {"ADD", "DEL", "CHECK"};

static const char *str_field(json_object *o, const char *key)
{
        json_object *v;
        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* ---- configuration lists ------------------------------------------------ */

static int validate(json_object *list, const char *file, struct cell_error *err)
{
        json_object *plugins;
        if (!str_field(list, "cniVersion"))
                return cell_error_set(err, 0, "%s: no \"cniVersion\"", file);
        if (!json_object_object_get_ex(list, "plugins", &plugins) ||
            !json_object_is_type(plugins, json_type_array) ||
            json_object_array_length(plugins) == 0)
                return cell_error_set(err, 0, "%s: no \"plugins\"", file);
        for (size_t i = 0; i < json_object_array_length(plugins); i++) {
                const char *type = str_field(json_object_array_get_idx(plugins, i), "type");
                if (!type || !*type || strchr(type, '/') || strcmp(type, ".") == 0 ||
                    strcmp(type, "..") == 0)
                        return cell_error_set(err, 0, "%s: plugin %zu: no valid \"type\"", file,
                                              i + 1);
        }
        return 0;
}

/* A *.conf holds one plugin's configuration: make it a list of one. */
static json_object *as_list(json_object *conf)
{
        json_object *v;
        if (json_object_object_get_ex(conf, "plugins", &v))
                return json_object_get(conf);
        json_object *list = json_object_new_object();
        json_object *plugin = json_object_new_object();
        json_object_object_foreach(conf, key, val)
        {
                if (strcmp(key, "cniVersion") == 0 || strcmp(key, "name") == 0)
                        json_object_object_add(list, key, json_object_get(val));
                else
                        json_object_object_add(plugin, key, json_object_get(val));
        }
        json_object *plugins = json_object_new_array();
        json_object_array_add(plugins, plugin);
        json_object_object_add(list, "plugins", plugins);
        return list;
}

static bool conf_file_name(const char *n)
{
        size_t l = strlen(n);
        return n[0] != '.' && ((l > 9 && strcmp(n + l - 9, ".conflist") == 0) ||
                               (l > 5 && strcmp(n + l - 5, ".conf") == 0) ||
                               (l > 5 && strcmp(n + l - 5, ".json") == 0));
}

/* The spec's network names: alphanumerics, '_', '.', '-' (they end up in file names). */
static bool name_valid(const char *name)
{
        if (!*name || strlen(name) > 128 || name[0] == '.' || name[0] == '-')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return true;
}

int cell_cni_conflist_load(const char *dir, const char *name, json_object **out,
                           struct cell_error *err)
{
        if (!name_valid(name))
                return cell_error_set(err, EINVAL,
                                      "cni network %s: not a valid network name "
                                      "(letters, digits, '_', '.', '-')",
                                      name);
        struct dirent **ents = NULL;
        int n = scandir(dir, &ents, NULL, alphasort);
        if (n < 0)
                return cell_error_errno(err, "cni network %s: configuration directory %s", name,
                                        dir);
        int r = cell_error_set(
                err, ENOENT, "cni network %s: no configuration list of that name in %s", name, dir);
        bool found = false;
        for (int i = 0; i < n; i++) {
                if (!found && conf_file_name(ents[i]->d_name)) {
                        _cleanup_free_ char *path = cell_path_join(dir, ents[i]->d_name);
                        _cleanup_free_ char *text = NULL;
                        struct cell_error e2;
                        if (cell_read_file(path, &text, NULL, &e2) == 0) {
                                _cleanup_json_ json_object *conf = json_tokener_parse(text);
                                const char *cname = str_field(conf, "name");
                                if (cname && strcmp(cname, name) == 0) {
                                        found = true;
                                        json_object *list = as_list(conf);
                                        r = validate(list, path, err);
                                        if (r < 0) {
                                                cell_error_prefix(err, "cni network %s", name);
                                                json_object_put(list);
                                        } else {
                                                *out = list;
                                        }
                                }
                        }
                }
                free(ents[i]);
        }
        free(ents);
        return r;
}

/* ---- running one plugin ------------------------------------------------- */

static char *find_plugin(const char *type, const char *path_list)
{
        _cleanup_free_ char *copy = xstrdup(path_list && *path_list ? path_list : "/usr/lib/cni");
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                char *p = cell_path_join(d, type);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

/* The environment of a plugin: cell's without CNI_*, with the operation's, a PATH always. */
static char **plugin_env(enum cni_cmd cmd, const struct cell_cni_rt *rt)
{
        size_t n = 0;
        while (environ[n])
                n++;
        char **env = xcalloc(n + 8, sizeof(*env));
        size_t k = 0;
        bool path = false;
        for (size_t i = 0; i < n; i++) {
                if (strncmp(environ[i], "CNI_", 4) == 0)
                        continue;
                path |= strncmp(environ[i], "PATH=", 5) == 0;
                env[k++] = xstrdup(environ[i]);
        }
        if (!path)
                env[k++] = xstrdup(
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env[k++] = xasprintf("CNI_COMMAND=%s", cmd_names[cmd]);
        env[k++] = xasprintf("CNI_CONTAINERID=%s", rt->container_id);
        env[k++] = xasprintf("CNI_NETNS=%s", rt->netns);
        env[k++] = xasprintf("CNI_IFNAME=%s", rt->ifname);
        env[k++] = xstrdup("CNI_ARGS=");
        env[k++] = xasprintf("CNI_PATH=%s", rt->plugin_path && *rt->plugin_path ? rt->plugin_path
                                                                                : "/usr/lib/cni");
        return env;
}

static int read_memfd(int fd, char **out, struct cell_error *err)
{
        if (lseek(fd, 0, SEEK_SET) < 0)
                return cell_error_errno(err, "lseek");
        return cell_read_fd(fd, "plugin output", CNI_OUTPUT_MAX, out, NULL, err);
}

/* A plugin's failure in its own words: its error object, else its stderr. */
static int plugin_failed(const char *net, const char *type, enum cni_cmd cmd, int status,
                         const char *out, const char *errtext, struct cell_error *err)
{
        _cleanup_json_ json_object *e = out && *out ? json_tokener_parse(out) : NULL;
        const char *msg = str_field(e, "msg");
        const char *details = str_field(e, "details");
        json_object *code = NULL;
        if (e)
                json_object_object_get_ex(e, "code", &code);
        _cleanup_free_ char *how = WIFEXITED(status) ? xasprintf("exit %d", WEXITSTATUS(status))
                                                     : xasprintf("signal %d", WTERMSIG(status));
        if (msg)
                return cell_error_set(err, 0, "cni network %s: plugin %s: %s: %s%s%s (code %d)",
                                      net, type, cmd_names[cmd], msg,
                                      details && *details ? ": " : "", details ? details : "",
                                      code ? json_object_get_int(code) : 0);
        size_t l = errtext ? strlen(errtext) : 0;
        while (l && errtext[l - 1] == '\n')
                l--;
        return cell_error_set(err, 0, "cni network %s: plugin %s: %s: %s%s%.*s", net, type,
                              cmd_names[cmd], how, l ? ": " : "", (int)(l > 1000 ? 1000 : l),
                              errtext ? errtext : "");
}

static int spawn_wait(const char *bin, char **env, int in, int out, int errfd, int timeout_s,
                      int *status, struct cell_error *err)
{
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in, 0);
        posix_spawn_file_actions_adddup2(&fa, out, 1);
        posix_spawn_file_actions_adddup2(&fa, errfd, 2);
        char *argv[] = {(char *)bin, NULL};
        pid_t pid;
        int r = posix_spawn(&pid, bin, &fa, NULL, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return cell_error_set(err, r, "run %s", bin);
        /* A plugin that never answers is killed after `timeout_s` (pidfd: no SIGCHLD games). */
        _cleanup_close_ int pidfd = timeout_s > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
        if (pidfd >= 0) {
                struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
                int n;
                while ((n = poll(&pfd, 1, timeout_s * 1000)) < 0 && errno == EINTR)
                        ;
                if (n == 0) {
                        kill(pid, SIGKILL);
                        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                                ;
                        return cell_error_set(err, ETIMEDOUT, "no answer within %d s, killed",
                                              timeout_s);
                }
        }
        while (waitpid(pid, status, 0) < 0)
                if (errno != EINTR)
                        return cell_error_errno(err, "wait for %s", bin);
        return 0;
}

/*
 * Run plugin `conf` (already holding name, cniVersion, prevResult,
 * runtimeConfig) for `cmd`.  ADD: `*result` gets its parsed stdout.
 */
static int run_plugin(const char *net, json_object *conf, enum cni_cmd cmd,
                      const struct cell_cni_rt *rt, json_object **result, struct cell_error *err)
{
        const char *type = str_field(conf, "type");
        _cleanup_free_ char *bin = find_plugin(type, rt->plugin_path);
        if (!bin)
                return cell_error_set(
                        err, ENOENT, "cni network %s: plugin %s: not found in %s", net, type,
                        rt->plugin_path && *rt->plugin_path ? rt->plugin_path : "/usr/lib/cni");
        _cleanup_close_ int in = memfd_create("cni-stdin", MFD_CLOEXEC);
        _cleanup_close_ int out = memfd_create("cni-stdout", MFD_CLOEXEC);
        _cleanup_close_ int errfd = memfd_create("cni-stderr", MFD_CLOEXEC);
        if (in < 0 || out < 0 || errfd < 0)
                return cell_error_errno(err, "cni network %s: memfd_create", net);
        const char *text = json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PLAIN);
        if (cell_write_all(in, text, strlen(text)) < 0 || lseek(in, 0, SEEK_SET) < 0)
                return cell_error_errno(err, "cni network %s: plugin %s: write its configuration",
                                        net, type);
        char **env = plugin_env(cmd, rt);
        int status = 0;
        int r = spawn_wait(bin, env, in, out, errfd, rt->timeout_s, &status, err);
        for (size_t i = 0; env[i]; i++)
                free(env[i]);
        free(env);
        if (r < 0)
                return cell_error_prefix(err, "cni network %s: plugin %s: %s", net, type,
                                         cmd_names[cmd]);
        _cleanup_free_ char *stdout_text = NULL, *stderr_text = NULL;
        if (read_memfd(out, &stdout_text, err) < 0 || read_memfd(errfd, &stderr_text, err) < 0)
                return cell_error_prefix(err, "cni network %s: plugin %s", net, type);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return plugin_failed(net, type, cmd, status, stdout_text, stderr_text, err);
        if (cmd != CNI_ADD || !result)
                return 0;
        json_object *res = json_tokener_parse(stdout_text);
        if (!res || !json_object_is_type(res, json_type_object)) {
                if (res)
                        json_object_put(res);
                return cell_error_set(
                        err, 0, "cni network %s: plugin %s: ADD: its result is not a JSON object",
                        net, type);
        }
        *result = res;
        return 0;
}

/* ---- the list ----------------------------------------------------------- */

static json_object *runtime_config(const struct cell_cni_rt *rt)
{
        json_object *rc = json_object_new_object();
        json_object *pm = json_object_new_array();
        for (size_t i = 0; i < rt->n_ports; i++) {
                const struct cell_cni_port *p = &rt->ports[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "hostPort", json_object_new_int(p->host_port));
                json_object_object_add(o, "containerPort", json_object_new_int(p->ctr_port));
                json_object_object_add(o, "protocol",
                                       json_object_new_string(p->proto ? p->proto : "tcp"));
                if (p->host_ip && *p->host_ip && strcmp(p->host_ip, "0.0.0.0") != 0)
                        json_object_object_add(o, "hostIP", json_object_new_string(p->host_ip));
                json_object_array_add(pm, o);
        }
        json_object_object_add(rc, "portMappings", pm);
        return rc;
}

/*
 * The stdin of plugin `i` of `list`: its object, the list's name and version,
 * `prev` as prevResult (when not NULL), and of `rc` the capabilities it
 * declares ("capabilities": {"portMappings": true}).
 */
static json_object *plugin_conf(json_object *list, size_t i, json_object *prev, json_object *rc)
{
        json_object *plugins, *caps, *src = NULL;
        json_object_object_get_ex(list, "plugins", &plugins);
        json_object_deep_copy(json_object_array_get_idx(plugins, i), &src, NULL);
        json_object_object_add(src, "name", json_object_new_string(str_field(list, "name")));
        json_object_object_add(src, "cniVersion",
                               json_object_new_string(str_field(list, "cniVersion")));
        if (prev)
                json_object_object_add(src, "prevResult", json_object_get(prev));
        json_object *want = json_object_new_object();
        if (rc && json_object_object_get_ex(src, "capabilities", &caps) &&
            json_object_is_type(caps, json_type_object)) {
                json_object_object_foreach(caps, cap, on)
                {
                        json_object *val;
                        if (json_object_get_boolean(on) && json_object_object_get_ex(rc, cap, &val))
                                json_object_object_add(want, cap, json_object_get(val));
                }
        }
        if (json_object_object_length(want))
                json_object_object_add(src, "runtimeConfig", want);
        else
                json_object_put(want);
        return src;
}

static size_t n_plugins(json_object *list)
{
        json_object *plugins;
        json_object_object_get_ex(list, "plugins", &plugins);
        return json_object_array_length(plugins);
}

char *cell_cni_cache_path(const char *name, const struct cell_cni_rt *rt)
{
        return xasprintf("%s/%s-%s-%s.json", rt->cache_dir, name, rt->container_id, rt->ifname);
}

static int cache_write(const char *name, const struct cell_cni_rt *rt, json_object *list,
                       json_object *rc, json_object *result, struct cell_error *err)
{
        if (cell_mkdir_p(rt->cache_dir, 0700, err) < 0)
                return cell_error_prefix(err, "cni network %s: cache", name);
        _cleanup_json_ json_object *c = json_object_new_object();
        json_object_object_add(c, "kind", json_object_new_string("cni#v1"));
        json_object_object_add(c, "containerId", json_object_new_string(rt->container_id));
        json_object_object_add(c, "ifName", json_object_new_string(rt->ifname));
        json_object_object_add(c, "networkName", json_object_new_string(name));
        json_object_object_add(c, "netns", json_object_new_string(rt->netns));
        json_object_object_add(c, "cniPath",
                               json_object_new_string(rt->plugin_path ? rt->plugin_path : ""));
        json_object_object_add(c, "config", json_object_get(list));
        json_object_object_add(c, "runtimeConfig", json_object_get(rc));
        if (result)
                json_object_object_add(c, "result", json_object_get(result));
        _cleanup_close_ int dfd = open(rt->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return cell_error_errno(err, "cni network %s: cache %s", name, rt->cache_dir);
        _cleanup_free_ char *file = xasprintf("%s-%s-%s.json", name, rt->container_id, rt->ifname);
        const char *text = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN);
        if (cell_write_file_atomic(dfd, file, text, strlen(text), err) < 0)
                return cell_error_prefix(err, "cni network %s: cache", name);
        return 0;
}

/* The cached attachment; ENOENT (err untouched) when there is none. */
static int cache_read(const char *name, const struct cell_cni_rt *rt, json_object **out,
                      struct cell_error *err)
{
        _cleanup_free_ char *path = cell_cni_cache_path(name, rt);
        _cleanup_free_ char *text = NULL;
        struct cell_error e2;
        if (cell_read_file(path, &text, NULL, &e2) < 0) {
                if (e2.errnum == ENOENT)
                        return -ENOENT;
                *err = e2;
                return cell_error_prefix(err, "cni network %s: cache", name);
        }
        json_object *c = json_tokener_parse(text);
        json_object *list;
        if (!c || !json_object_object_get_ex(c, "config", &list) || validate(list, path, err) < 0) {
                if (c)
                        json_object_put(c);
                return cell_error_set(err, 0, "cni network %s: cache %s: not a cached attachment",
                                      name, path);
        }
        *out = c;
        return 0;
}

/* DEL of plugins [0, n) of `list` in reverse; every one runs, the first error is kept. */
static int del_list(json_object *list, size_t n, json_object *prev, json_object *rc,
                    const struct cell_cni_rt *rt, struct cell_error *err)
{
        const char *name = str_field(list, "name");
        int r = 0;
        for (size_t i = n; i-- > 0;) {
                _cleanup_json_ json_object *conf = plugin_conf(list, i, prev, rc);
                struct cell_error e2;
                if (run_plugin(name, conf, CNI_DEL, rt, NULL, &e2) < 0 && r == 0) {
                        *err = e2;
                        r = -1;
                }
        }
        return r;
}

int cell_cni_add(json_object *list, const struct cell_cni_rt *rt, json_object **result,
                 struct cell_error *err)
{
        const char *name = str_field(list, "name");
        _cleanup_json_ json_object *rc = runtime_config(rt);
        if (cache_write(name, rt, list, rc, NULL, err) < 0)
                return -1;
        json_object *prev = NULL;
        size_t n = n_plugins(list);
        for (size_t i = 0; i < n; i++) {
                _cleanup_json_ json_object *conf = plugin_conf(list, i, prev, rc);
                json_object *res = NULL;
                if (run_plugin(name, conf, CNI_ADD, rt, &res, err) < 0) {
                        struct cell_error ignored;
                        del_list(list, n, prev, rc, rt, &ignored);
                        if (prev)
                                json_object_put(prev);
                        _cleanup_free_ char *path = cell_cni_cache_path(name, rt);
                        unlink(path);
                        return -1;
                }
                if (prev)
                        json_object_put(prev);
                prev = res;
        }
        int r = cache_write(name, rt, list, rc, prev, err);
        if (r < 0) {
                struct cell_error ignored;
                del_list(list, n, prev, rc, rt, &ignored);
                _cleanup_free_ char *path = cell_cni_cache_path(name, rt);
                unlink(path);
        } else if (result) {
                *result = json_object_get(prev);
        }
        json_object_put(prev);
        return r;
}

int cell_cni_del(const char *name, const struct cell_cni_rt *rt, struct cell_error *err)
{
        _cleanup_json_ json_object *c = NULL;
        int r = cache_read(name, rt, &c, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -1;
        json_object *list, *prev = NULL, *rc = NULL;
        json_object_object_get_ex(c, "config", &list);
        json_object_object_get_ex(c, "result", &prev);
        json_object_object_get_ex(c, "runtimeConfig", &rc);
        /* The plugins that made the attachment undo it: the directories of the ADD first. */
        struct cell_cni_rt at = *rt;
        const char *cached = str_field(c, "cniPath");
        _cleanup_free_ char *both = NULL;
        if (cached && *cached && (!rt->plugin_path || strcmp(cached, rt->plugin_path) != 0)) {
                both = rt->plugin_path && *rt->plugin_path ? xasprintf("%s:%s", cached, rt->plugin_path)
                                                           : xstrdup(cached);
                at.plugin_path = both;
        }
        if (del_list(list, n_plugins(list), prev, rc, &at, err) < 0)
                return -1;
        _cleanup_free_ char *path = cell_cni_cache_path(name, rt);
        if (unlink(path) < 0 && errno != ENOENT)
                return cell_error_errno(err, "cni network %s: remove the cache %s", name, path);
        return 0;
}

int cell_cni_check(const char *name, const struct cell_cni_rt *rt, struct cell_error *err)
{
        _cleanup_json_ json_object *c = NULL;
        int r = cache_read(name, rt, &c, err);
        if (r == -ENOENT)
                return cell_error_set(err, ENOENT, "cni network %s: container %s: not attached",
                                      name, rt->container_id);
        if (r < 0)
                return -1;
        json_object *list, *prev = NULL, *rc = NULL, *v;
        json_object_object_get_ex(c, "config", &list);
        json_object_object_get_ex(c, "runtimeConfig", &rc);
        if (!json_object_object_get_ex(c, "result", &prev))
                return cell_error_set(err, 0, "cni network %s: container %s: ADD did not finish",
                                      name, rt->container_id);
        if (json_object_object_get_ex(list, "disableCheck", &v) && json_object_get_boolean(v))
                return 0;
        const char *ver = str_field(list, "cniVersion");
        if (strncmp(ver, "0.1.", 4) == 0 || strncmp(ver, "0.2.", 4) == 0 ||
            strncmp(ver, "0.3.", 4) == 0)
                return cell_error_set(
                        err, 0, "cni network %s: CHECK needs cniVersion 0.4.0 or later, not %s",
                        name, ver);
        for (size_t i = 0; i < n_plugins(list); i++) {
                _cleanup_json_ json_object *conf = plugin_conf(list, i, prev, rc);
                if (run_plugin(name, conf, CNI_CHECK, rt, NULL, err) < 0)
                        return -1;
        }
        return 0;
}
