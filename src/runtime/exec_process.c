/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/exec_process.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int parse_id(const char *s, const char *what, unsigned *out, struct cell_error *err)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        /* 4294967295 is (uid_t)-1, "unchanged" to setresuid(2): it would stay root. */
        if (!*s || *end || errno || s[0] == '-')
                return cell_error_set(err, 0, "%s \"%s\": must be a decimal id", what, s);
        if (v > 0xfffffffeUL)
                return cell_error_set(err, 0, "%s \"%s\": not a valid id (0..4294967294)", what, s);
        *out = (unsigned)v;
        return 0;
}

static int set_user(struct cell_process *p, const char *user, struct cell_error *err)
{
        _cleanup_free_ char *copy = xstrdup(user);
        char *colon = strchr(copy, ':');
        if (colon)
                *colon = '\0';
        unsigned uid, gid;
        if (parse_id(copy, "--user", &uid, err) < 0)
                return -1;
        p->uid = uid;
        if (colon) {
                if (parse_id(colon + 1, "--user", &gid, err) < 0)
                        return -1;
                p->gid = gid;
        }
        return 0;
}

static int set_additional_gids(struct cell_process *p, char **gids, struct cell_error *err)
{
        size_t n = 0;
        while (gids[n])
                n++;
        gid_t *out = xcalloc(n, sizeof(gid_t));
        for (size_t i = 0; i < n; i++) {
                unsigned g;
                if (parse_id(gids[i], "--additional-gids", &g, err) < 0) {
                        free(out);
                        return -1;
                }
                out[i] = g;
        }
        free(p->additional_gids);
        p->additional_gids = out;
        p->n_additional_gids = n;
        return 0;
}

/* Replace an entry with the same key, or append. */
static void set_env(struct cell_process *p, const char *kv)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
        for (size_t i = 0; i < p->n_env; i++) {
                if (!strncmp(p->env[i], kv, klen) &&
                    (p->env[i][klen] == '=' || p->env[i][klen] == '\0')) {
                        free(p->env[i]);
                        p->env[i] = xstrdup(kv);
                        return;
                }
        }
        p->env = xreallocarray(p->env, p->n_env + 2, sizeof(char *));
        p->env[p->n_env++] = xstrdup(kv);
        p->env[p->n_env] = NULL;
}

static int add_caps(struct cell_process *p, char **caps, struct cell_error *err)
{
        for (size_t i = 0; caps[i]; i++) {
                _cleanup_free_ char *name = strncasecmp(caps[i], "CAP_", 4)
                                                    ? xasprintf("CAP_%s", caps[i])
                                                    : xstrdup(caps[i]);
                for (char *c = name; *c; c++)
                        *c = (char)((*c >= 'a' && *c <= 'z') ? *c - 32 : *c);
                int cap = cell_cap_from_name(name);
                if (cap < 0)
                        return cell_error_set(err, 0, "--cap \"%s\": unknown capability", caps[i]);
                uint64_t bit = UINT64_C(1) << cap;
                p->caps.present = true;
                p->caps.bounding |= bit;
                p->caps.effective |= bit;
                p->caps.permitted |= bit;
                if (p->caps.inheritable)
                        p->caps.ambient |= bit;
        }
        return 0;
}

static void set_args(struct cell_process *p, char **args)
{
        for (size_t i = 0; i < p->n_args; i++)
                free(p->args[i]);
        free(p->args);
        size_t n = 0;
        while (args[n])
                n++;
        p->args = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                p->args[i] = xstrdup(args[i]);
        p->n_args = n;
}

static int edit_process(const struct cell_exec_opts *o, struct cell_process *p,
                        struct cell_error *err)
{
        if (!o->args || !o->args[0])
                return cell_error_set(err, 0, "exec: a command or --process is required");
        set_args(p, o->args);
        p->terminal = o->tty;
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return cell_error_set(err, 0, "--cwd \"%s\": must be absolute", o->cwd);
                free(p->cwd);
                p->cwd = xstrdup(o->cwd);
        }
        for (size_t i = 0; o->env && o->env[i]; i++) {
                if (cell_process_env_check(o->env[i], err) < 0)
                        return cell_error_prefix(err, "--env");
                set_env(p, o->env[i]);
        }
        if (o->user && set_user(p, o->user, err) < 0)
                return -1;
        if (o->additional_gids && set_additional_gids(p, o->additional_gids, err) < 0)
                return -1;
        if (o->caps && add_caps(p, o->caps, err) < 0)
                return -1;
        if (o->no_new_privs)
                p->no_new_privileges = true;
        return 0;
}

/* The confinement flags apply with --process too: never dropped silently. */
static void set_confinement(const struct cell_exec_opts *o, struct cell_process *p)
{
        if (o->apparmor) {
                free(p->apparmor_profile);
                p->apparmor_profile = xstrdup(o->apparmor);
        }
        if (o->process_label) {
                free(p->selinux_label);
                p->selinux_label = xstrdup(o->process_label);
        }
}

int cell_exec_build_process(const struct cell_exec_opts *opts, struct cell_spec *spec,
                            struct cell_process *file_process, struct cell_process **out,
                            struct cell_error *err)
{
        if (!opts->process_file) {
                if (!spec->has_process)
                        return cell_error_set(err, 0,
                                              "exec: the container has no process "
                                              "object to start from; pass --process");
                *out = &spec->process;
                set_confinement(opts, &spec->process);
                return edit_process(opts, &spec->process, err);
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (cell_read_input("--process", opts->process_file, true, &text, &len, err) < 0)
                return -1;
        if (cell_process_parse(text, len, file_process, err) < 0)
                return cell_error_prefix(err, "--process %s", opts->process_file);
        set_confinement(opts, file_process);
        *out = file_process;
        return 0;
}
