/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's flags, parsed and checked into a plan (plan.h).  Nothing here
 * touches the disk except reading --env-file and seccomp=FILE.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "engine/plan.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/signals.h"
#include "util/xalloc.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* docker's default capability set */
static const char *const default_caps[] = {
        "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",  "CAP_FOWNER",  "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",  "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

static int bad_flag(struct cell_error *err, const char *flag, const char *value, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* invalid argument "V" for "FLAG" flag: REASON  (pflag's words, as docker prints them) */
static int bad_flag(struct cell_error *err, const char *flag, const char *value, const char *fmt,
                    ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *why = xvasprintf(fmt, ap);
        va_end(ap);
        return cell_error_set(err, 0, "invalid argument \"%s\" for \"%s\" flag: %s", value, flag,
                              why);
}

void cell_ctr_plan_release(struct cell_ctr_plan *p)
{
        cell_strv_free(p->args);
        cell_strv_free(p->env);
        free(p->cwd);
        free(p->user);
        free(p->gids);
        free(p->hostname);
        cell_strv_free(p->caps);
        json_object_put(p->seccomp_profile);
        for (size_t i = 0; i < p->n_mounts; i++) {
                free(p->mounts[i].source);
                free(p->mounts[i].volume);
                free(p->mounts[i].destination);
                free(p->mounts[i].options);
        }
        free(p->mounts);
        free(p->network);
        free(p->init_binary);
        memset(p, 0, sizeof(*p));
}

/* ---- string lists ---- */

static size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static void strv_push(char ***v, const char *s)
{
        size_t n = strv_len(*v);
        *v = xreallocarray(*v, n + 2, sizeof(char *));
        (*v)[n] = xstrdup(s);
        (*v)[n + 1] = NULL;
}

static char **strv_from_json(json_object *a)
{
        char **v = xzalloc(sizeof(char *));
        if (!a || !json_object_is_type(a, json_type_array))
                return v;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *s = json_object_array_get_idx(a, i);
                if (s && json_object_is_type(s, json_type_string))
                        strv_push(&v, json_object_get_string(s));
        }
        return v;
}

/* Set K=V in env, replacing an entry with the same key. */
static void env_set(char ***env, const char *kv)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, kv, klen) == 0 && (*p)[klen] == '=') {
                        free(*p);
                        *p = xstrdup(kv);
                        return;
                }
        strv_push(env, kv);
}

static bool env_has(char *const *env, const char *key)
{
        size_t klen = strlen(key);
        for (; env && *env; env++)
                if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
                        return true;
        return false;
}

/* ---- sizes, cpus, signals ---- */

int cell_size_parse(const char *s, int64_t *out, struct cell_error *err)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0 || !isfinite(v) || isdigit((unsigned char)*s) == 0)
                return cell_error_set(err, 0, "invalid size: '%s'", s);
        double mult = 1;
        char unit = (char)tolower((unsigned char)*end);
        const char *units = "bkmgtp";
        const char *u = unit ? strchr(units, unit) : NULL;
        if (unit && !u)
                return cell_error_set(err, 0, "invalid size: '%s'", s);
        if (u) {
                for (long i = 0; i < u - units; i++)
                        mult *= 1024;
                end++;
                if (u != units && (*end == 'b' || *end == 'B'))
                        end++;
        }
        if (*end || v * mult > (double)INT64_MAX)
                return cell_error_set(err, 0, "invalid size: '%s'", s);
        *out = (int64_t)(v * mult);
        return 0;
}

static int parse_cpus(const char *s, int64_t *nano, struct cell_error *err)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || errno || !isfinite(v) || v < 0)
                return bad_flag(err, "--cpus", s, "failed to parse %s as a rational number", s);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (v > 0 && (v < 0.01 || (ncpu > 0 && v > (double)ncpu)))
                return bad_flag(err, "--cpus", s,
                                "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
                                "available",
                                ncpu, ncpu);
        *nano = (int64_t)llround(v * 1e9);
        return 0;
}

/* ---- environment ---- */

static int add_env_entry(char ***env, const char *entry, const char *flag, struct cell_error *err)
{
        const char *eq = strchr(entry, '=');
        if (entry[0] == '=' || entry[0] == '\0')
                return bad_flag(err, flag, entry, "invalid environment variable: %s", entry);
        if (eq) {
                env_set(env, entry);
                return 0;
        }
        /* "-e NAME": the value from our own environment, or nothing when unset */
        const char *v = getenv(entry);
        if (v) {
                _cleanup_free_ char *kv = xasprintf("%s=%s", entry, v);
                env_set(env, kv);
        }
        return 0;
}

static int add_env_file(char ***env, const char *path, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        if (cell_read_input("--env-file", path, false, &text, NULL, err) < 0)
                return -1;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t len = strlen(line);
                if (len && line[len - 1] == '\r')
                        line[--len] = '\0';
                while (*line == ' ' || *line == '\t')
                        line++;
                if (!*line || *line == '#')
                        continue;
                if (add_env_entry(env, line, "--env-file", err) < 0)
                        return cell_error_prefix(err, "--env-file %s", path);
        }
        return 0;
}

static json_object *cfg_member(json_object *image_config, const char *key)
{
        json_object *c, *v;
        if (!image_config || !json_object_object_get_ex(image_config, "config", &c) || !c)
                return NULL;
        if (!json_object_object_get_ex(c, key, &v))
                return NULL;
        return v;
}

static const char *cfg_string(json_object *image_config, const char *key)
{
        json_object *v = cfg_member(image_config, key);
        if (!v || !json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
                return NULL;
        return json_object_get_string(v);
}

static int plan_env(const struct cell_ctr_opts *o, json_object *image_config,
                    struct cell_ctr_plan *p, struct cell_error *err)
{
        p->env = xzalloc(sizeof(char *));
        _cleanup_strv_ char **image_env = strv_from_json(cfg_member(image_config, "Env"));
        for (char **kv = image_env; *kv; kv++)
                env_set(&p->env, *kv);
        if (!env_has(p->env, "PATH"))
                env_set(&p->env, DEFAULT_PATH);
        _cleanup_free_ char *hostname = xasprintf("HOSTNAME=%s", p->hostname);
        env_set(&p->env, hostname);
        if (o->tty)
                env_set(&p->env, "TERM=xterm");
        for (const char *const *f = o->env_files; f && *f; f++)
                if (add_env_file(&p->env, *f, err) < 0)
                        return -1;
        for (const char *const *e = o->env; e && *e; e++)
                if (add_env_entry(&p->env, *e, "-e, --env", err) < 0)
                        return -1;
        return 0;
}

/* ---- command ---- */

static int plan_args(const struct cell_ctr_opts *o, json_object *image_config,
                     struct cell_ctr_plan *p, struct cell_error *err)
{
        p->args = xzalloc(sizeof(char *));
        if (o->entrypoint) {
                if (*o->entrypoint)
                        strv_push(&p->args, o->entrypoint);
        } else {
                _cleanup_strv_ char **ep = strv_from_json(cfg_member(image_config, "Entrypoint"));
                for (char **a = ep; *a; a++)
                        strv_push(&p->args, *a);
        }
        if (o->cmd && o->cmd[0]) {
                for (const char *const *a = o->cmd; *a; a++)
                        strv_push(&p->args, *a);
        } else if (!o->entrypoint) {
                /* docker drops the image's Cmd when --entrypoint is given */
                _cleanup_strv_ char **cmd = strv_from_json(cfg_member(image_config, "Cmd"));
                for (char **a = cmd; *a; a++)
                        strv_push(&p->args, *a);
        }
        if (!p->args[0])
                return cell_error_set(err, 0, "no command specified");
        return 0;
}

/* ---- capabilities ---- */

static char *cap_name(const char *given)
{
        _cleanup_free_ char *upper = xstrdup(given);
        for (char *c = upper; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        if (strncmp(upper, "CAP_", 4) == 0)
                return steal_ptr(upper);
        return xasprintf("CAP_%s", upper);
}

static bool is_all(const char *given)
{
        return strcasecmp(given, "ALL") == 0 || strcasecmp(given, "CAP_ALL") == 0;
}

static int check_caps(const char *const *list, const char *flag, struct cell_error *err)
{
        for (; list && *list; list++) {
                if (is_all(*list))
                        continue;
                _cleanup_free_ char *name = cap_name(*list);
                if (cell_cap_from_name(name) < 0)
                        return bad_flag(err, flag, *list, "unknown capability: \"%s\"", name);
        }
        return 0;
}

static bool listed(const char *const *list, const char *cap)
{
        for (; list && *list; list++) {
                _cleanup_free_ char *name = cap_name(*list);
                if (is_all(*list) || strcmp(name, cap) == 0)
                        return true;
        }
        return false;
}

/* docker's order: start from the defaults (or all, for --privileged or --cap-add ALL), drop, add back */
static int plan_caps(const struct cell_ctr_opts *o, struct cell_ctr_plan *p, struct cell_error *err)
{
        if (check_caps(o->cap_add, "--cap-add", err) < 0 ||
            check_caps(o->cap_drop, "--cap-drop", err) < 0)
                return -1;
        p->caps = xzalloc(sizeof(char *));
        int last = cell_cap_last();
        /* what we hold matters only to --privileged and --cap-add: no reads otherwise */
        bool ask = o->privileged || (o->cap_add && *o->cap_add);
        for (int cap = 0; cap <= last; cap++) {
                const char *name = cell_cap_name(cap);
                if (!name)
                        continue;
                /* "all" is what we hold ourselves, as docker gives what its daemon holds */
                bool ours = ask && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0;
                bool on = o->privileged && ours;
                for (const char *const *d = default_caps; *d && !on; d++)
                        on = strcmp(*d, name) == 0;
                if (!o->privileged && listed(o->cap_drop, name))
                        on = false;
                /* an explicit add wins over a drop of ALL, as docker does */
                bool explicit_add = false;
                for (const char *const *a = o->cap_add; a && *a; a++) {
                        _cleanup_free_ char *n = cap_name(*a);
                        explicit_add |= strcmp(n, name) == 0;
                }
                if (explicit_add || (ours && listed(o->cap_add, name) && !listed(o->cap_drop, name)))
                        on = true;
                if (on)
                        strv_push(&p->caps, name);
        }
        p->n_caps = strv_len(p->caps);
        return 0;
}

/* ---- security options ---- */

static int plan_security(const struct cell_ctr_opts *o, struct cell_ctr_plan *p,
                         struct cell_error *err)
{
        p->seccomp = o->privileged ? CELL_SECCOMP_UNCONFINED : CELL_SECCOMP_DEFAULT;
        for (const char *const *s = o->security_opt; s && *s; s++) {
                const char *opt = *s;
                if (strcmp(opt, "no-new-privileges") == 0 ||
                    strcmp(opt, "no-new-privileges=true") == 0 ||
                    strcmp(opt, "no-new-privileges:true") == 0) {
                        p->no_new_privileges = true;
                } else if (strcmp(opt, "no-new-privileges=false") == 0 ||
                           strcmp(opt, "no-new-privileges:false") == 0) {
                        p->no_new_privileges = false;
                } else if (strncmp(opt, "seccomp=", 8) == 0 || strncmp(opt, "seccomp:", 8) == 0) {
                        const char *v = opt + 8;
                        if (strcmp(v, "unconfined") == 0) {
                                p->seccomp = CELL_SECCOMP_UNCONFINED;
                                continue;
                        }
                        _cleanup_free_ char *text = NULL;
                        if (cell_read_input("--security-opt seccomp", v, false, &text, NULL, err) < 0)
                                return -1;
                        json_object *prof = json_tokener_parse(text);
                        if (!prof || !json_object_is_type(prof, json_type_object)) {
                                json_object_put(prof);
                                return bad_flag(err, "--security-opt", opt,
                                                "seccomp profile %s: not a JSON object", v);
                        }
                        json_object_put(p->seccomp_profile);
                        p->seccomp_profile = prof;
                        p->seccomp = CELL_SECCOMP_FILE;
                } else if (strncmp(opt, "label", 5) == 0 || strncmp(opt, "apparmor", 8) == 0) {
                        continue; /* no SELinux or AppArmor here: accepted, as docker on such a host */
                } else {
                        return bad_flag(err, "--security-opt", opt, "unknown security option");
                }
        }
        return 0;
}

/* ---- mounts ---- */

static bool volume_name_ok(const char *s)
{
        if (!isalnum((unsigned char)s[0]))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
                        return false;
        return true;
}

static struct cell_mount_req *push_mount(struct cell_ctr_plan *p)
{
        p->mounts = xreallocarray(p->mounts, p->n_mounts + 1, sizeof(*p->mounts));
        struct cell_mount_req *m = &p->mounts[p->n_mounts++];
        memset(m, 0, sizeof(*m));
        return m;
}

static int check_destination(const char *flag, const char *spec, const char *dst,
                             struct cell_error *err)
{
        if (dst[0] != '/')
                return bad_flag(err, flag, spec, "invalid mount path: '%s' mount path must be absolute",
                                dst);
        _cleanup_free_ char *clean = cell_path_clean(dst);
        if (strcmp(clean, "/") == 0)
                return bad_flag(err, flag, spec, "invalid mount path: '/' cannot be a mount point");
        return 0;
}

static int parse_volume(struct cell_ctr_plan *p, const char *spec, struct cell_error *err)
{
        const char *flag = "-v, --volume";
        _cleanup_free_ char *copy = xstrdup(spec);
        char *parts[4] = {0};
        size_t n = 0;
        char *save = NULL;
        if (strstr(spec, "::") || spec[0] == ':' || spec[strlen(spec) - 1] == ':')
                return bad_flag(err, flag, spec, "invalid volume specification: '%s'", spec);
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
                if (n == 3)
                        return bad_flag(err, flag, spec, "invalid volume specification: '%s'", spec);
                parts[n++] = t;
        }
        const char *src = NULL, *dst = NULL, *mode = NULL;
        if (n == 1) {
                dst = parts[0];
        } else if (n == 2 && parts[1][0] != '/') {
                /* "/ctr:ro" */
                dst = parts[0];
                mode = parts[1];
        } else {
                src = parts[0];
                dst = parts[1];
                mode = n == 3 ? parts[2] : NULL;
        }
        if (!dst || check_destination(flag, spec, dst, err) < 0)
                return -1;
        bool ro = false;
        if (mode) {
                _cleanup_free_ char *m = xstrdup(mode);
                char *s2 = NULL;
                for (char *o = strtok_r(m, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
                        if (strcmp(o, "ro") == 0)
                                ro = true;
                        else if (strcmp(o, "rw") == 0)
                                ro = false;
                        else if (strcmp(o, "z") && strcmp(o, "Z") && strcmp(o, "nocopy") &&
                                 strcmp(o, "rprivate") && strcmp(o, "private") &&
                                 strcmp(o, "rslave") && strcmp(o, "slave") &&
                                 strcmp(o, "rshared") && strcmp(o, "shared") &&
                                 strcmp(o, "delegated") && strcmp(o, "cached") &&
                                 strcmp(o, "consistent"))
                                return bad_flag(err, flag, spec, "invalid mode: %s", o);
                }
        }
        if (src && src[0] != '/' && !volume_name_ok(src))
                return bad_flag(err, flag, spec,
                                "\"%s\" includes invalid characters for a local volume name, only "
                                "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
                                "a host directory, use absolute path",
                                src);
        if (src && src[0] == '/') {
                struct stat st;
                if (stat(src, &st) < 0)
                        return bad_flag(err, flag, spec, "bind source path does not exist: %s", src);
        }
        struct cell_mount_req *m = push_mount(p);
        m->destination = cell_path_clean(dst);
        m->read_only = ro;
        if (src && src[0] == '/') {
                m->kind = CELL_MOUNT_BIND;
                m->source = cell_path_clean(src);
        } else {
                m->kind = CELL_MOUNT_VOLUME;
                m->volume = xstrdup_or_null(src);
                m->anonymous = !src;
        }
        return 0;
}

static int parse_tmpfs(struct cell_ctr_plan *p, const char *spec, struct cell_error *err)
{
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *dst = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
        if (check_destination("--tmpfs", spec, dst, err) < 0)
                return -1;
        struct cell_mount_req *m = push_mount(p);
        m->kind = CELL_MOUNT_TMPFS;
        m->destination = cell_path_clean(dst);
        /* docker's defaults, then the user's, which the kernel lets override */
        m->options = colon && colon[1] ? xasprintf("noexec,nosuid,nodev,%s", colon + 1)
                                       : xstrdup("noexec,nosuid,nodev");
        return 0;
}

/* The image's VOLUME paths a flag does not cover get an anonymous volume each, as docker. */
static void add_image_volumes(struct cell_ctr_plan *p, json_object *image_config)
{
        json_object *vols = cfg_member(image_config, "Volumes");
        if (!vols || !json_object_is_type(vols, json_type_object))
                return;
        json_object_object_foreach(vols, path, unused)
        {
                (void)unused;
                if (path[0] != '/')
                        continue;
                _cleanup_free_ char *clean = cell_path_clean(path);
                bool covered = strcmp(clean, "/") == 0;
                for (size_t i = 0; i < p->n_mounts && !covered; i++)
                        covered = strcmp(p->mounts[i].destination, clean) == 0;
                if (covered)
                        continue;
                struct cell_mount_req *m = push_mount(p);
                m->kind = CELL_MOUNT_VOLUME;
                m->anonymous = true;
                m->destination = steal_ptr(clean);
        }
}

static int check_duplicate_destinations(const struct cell_ctr_plan *p, struct cell_error *err)
{
        for (size_t i = 0; i < p->n_mounts; i++)
                for (size_t j = i + 1; j < p->n_mounts; j++)
                        if (strcmp(p->mounts[i].destination, p->mounts[j].destination) == 0)
                                return cell_error_set(err, 0, "duplicate mount point: %s",
                                                      p->mounts[i].destination);
        return 0;
}

/* ---- resources ---- */

static int plan_resources(const struct cell_ctr_opts *o, struct cell_ctr_plan *p,
                          struct cell_error *err)
{
        struct cell_error why;
        if (o->memory && *o->memory) {
                if (cell_size_parse(o->memory, &p->memory, &why) < 0)
                        return bad_flag(err, "-m, --memory", o->memory, "%s", why.msg);
                if (p->memory > 0 && p->memory < 6 * 1024 * 1024)
                        return bad_flag(err, "-m, --memory", o->memory,
                                        "minimum memory limit allowed is 6MB");
        }
        if (o->cpus && *o->cpus && parse_cpus(o->cpus, &p->nano_cpus, err) < 0)
                return -1;
        if (o->pids_limit && *o->pids_limit) {
                char *end;
                errno = 0;
                long long n = strtoll(o->pids_limit, &end, 10);
                if (errno || end == o->pids_limit || *end)
                        return bad_flag(err, "--pids-limit", o->pids_limit,
                                        "strconv.ParseInt: parsing \"%s\": invalid syntax",
                                        o->pids_limit);
                p->pids_limit = n > 0 ? n : 0; /* 0 and -1 mean unlimited, as docker */
        }
        return 0;
}

static int plan_misc(const struct cell_ctr_opts *o, json_object *image_config, const char *id,
                     struct cell_ctr_plan *p, struct cell_error *err)
{
        p->hostname = o->hostname && *o->hostname ? xstrdup(o->hostname) : xstrndup(id, 12);
        const char *wd = o->workdir && *o->workdir ? o->workdir : cfg_string(image_config, "WorkingDir");
        if (wd && wd[0] != '/')
                return cell_error_set(err, 0,
                                      "the working directory '%s' is invalid, it needs to be an "
                                      "absolute path",
                                      wd);
        p->cwd = wd ? cell_path_clean(wd) : xstrdup("/");
        const char *user = o->user && *o->user ? o->user : cfg_string(image_config, "User");
        p->user = xstrdup(user ? user : "");
        p->read_only = o->read_only;
        p->privileged = o->privileged;
        p->tty = o->tty;
        p->open_stdin = o->interactive;
        /* docker's default network (engine/network.h) */
        p->network = xstrdup(o->network && *o->network ? o->network : "bridge");
        p->restart = CELL_RESTART_NO;
        if (o->restart && *o->restart &&
            cell_restart_policy_parse(o->restart, &p->restart, &p->restart_max, err) < 0)
                return -1;
        if (o->auto_remove && p->restart != CELL_RESTART_NO)
                return cell_error_set(err, 0, "conflicting options: cannot specify both --restart and --rm");
        p->stop_signal = SIGTERM;
        const char *sig = o->stop_signal ? o->stop_signal : cfg_string(image_config, "StopSignal");
        struct cell_error why;
        if (sig && cell_signal_parse(sig, &p->stop_signal, &why) < 0)
                return o->stop_signal ? bad_flag(err, "--stop-signal", sig, "%s", why.msg)
                                      : cell_error_set(err, 0, "image StopSignal: %s", why.msg);
        p->stop_timeout = o->stop_timeout >= 0 ? o->stop_timeout : 10;
        if (o->isolation && strcmp(o->isolation, "container") && strcmp(o->isolation, "default") &&
            strcmp(o->isolation, "vm"))
                return bad_flag(err, "--isolation", o->isolation, "must be container or vm");
        p->vm = o->isolation && !strcmp(o->isolation, "vm");
        /* A micro-VM gets its namespace's interface (vm/net.c), on the same default
         * network as a container; the host's or another container's namespace is
         * not its own to take. */
        if (p->vm && o->network &&
            (!strcmp(o->network, "host") || !strncmp(o->network, "container:", 10)))
                return bad_flag(err, "--network", o->network,
                                "a micro-VM (--isolation=vm) needs a network of its own");
        /* a VM's process already runs under an init that reaps and forwards (the guest's) */
        if (o->init && !p->vm) {
                p->init = true;
                p->init_binary = cell_init_path(err);
                if (!p->init_binary)
                        return -1;
        }
        return 0;
}

int cell_ctr_plan_from_flags(const struct cell_ctr_opts *o, json_object *image_config,
                             const char *id, struct cell_ctr_plan *p, struct cell_error *err)
{
        memset(p, 0, sizeof(*p));
        if (plan_misc(o, image_config, id, p, err) < 0 || plan_resources(o, p, err) < 0 ||
            plan_caps(o, p, err) < 0 || plan_security(o, p, err) < 0 ||
            plan_env(o, image_config, p, err) < 0 || plan_args(o, image_config, p, err) < 0)
                goto fail;
        for (const char *const *v = o->volumes; v && *v; v++)
                if (parse_volume(p, *v, err) < 0)
                        goto fail;
        for (const char *const *t = o->tmpfs; t && *t; t++)
                if (parse_tmpfs(p, *t, err) < 0)
                        goto fail;
        if (check_duplicate_destinations(p, err) < 0)
                goto fail;
        add_image_volumes(p, image_config);
        return 0;
fail:
        cell_ctr_plan_release(p);
        return -1;
}
