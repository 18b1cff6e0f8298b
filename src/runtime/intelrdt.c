/* SPDX-License-Identifier: Apache-2.0 */
/* linux.intelRdt: the resctrl group of a container (intelrdt.h). */
#include "runtime/intelrdt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define RECORD "intelrdt"

/* The root of a resctrl mount has both files; an empty mount point neither. */
int cell_intelrdt_check(const char *root, struct cell_error *err)
{
        struct stat st;
        _cleanup_free_ char *schemata = cell_path_join(root, "schemata");
        _cleanup_free_ char *tasks = cell_path_join(root, "tasks");
        if (stat(root, &st) < 0)
                return cell_error_set(err, ENODEV,
                                      "linux.intelRdt: resctrl is not supported by this kernel "
                                      "or CPU (no %s)",
                                      root);
        if (stat(schemata, &st) < 0 || stat(tasks, &st) < 0)
                return cell_error_set(err, ENODEV,
                                      "linux.intelRdt: resctrl is not mounted on this host "
                                      "(mount -t resctrl resctrl %s)",
                                      root);
        return 0;
}

static void append_line(char **text, const char *line, size_t len)
{
        char *t = xasprintf("%s%.*s\n", *text ? *text : "", (int)len, line);
        free(*text);
        *text = t;
}

char *cell_intelrdt_schemata(const struct cell_intel_rdt *rdt)
{
        char *text = NULL;
        const char *l3 = rdt->l3_cache_schema;
        bool mb = rdt->mem_bw_schema && rdt->mem_bw_schema[0];
        for (const char *p = l3; p && *p;) {
                size_t len = strcspn(p, "\n");
                if (len > 0 && !(mb && strncmp(p, "MB:", 3) == 0))
                        append_line(&text, p, len);
                p += len + (p[len] == '\n');
        }
        if (mb)
                append_line(&text, rdt->mem_bw_schema, strlen(rdt->mem_bw_schema));
        for (size_t i = 0; i < rdt->n_schemata; i++)
                append_line(&text, rdt->schemata[i], strlen(rdt->schemata[i]));
        return text;
}

/* A schemata line without blanks and leading zeros of values, lower case. */
static char *normalize(const char *line, size_t len)
{
        char *out = xmalloc(len + 1);
        size_t n = 0;
        bool value_start = false;
        for (size_t i = 0; i < len; i++) {
                char c = (char)tolower((unsigned char)line[i]);
                if (isspace((unsigned char)c))
                        continue;
                if (value_start && c == '0' && i + 1 < len && isxdigit((unsigned char)line[i + 1]))
                        continue;
                value_start = c == '=';
                out[n++] = c;
        }
        out[n] = '\0';
        return out;
}

/* Every line we would write is in the group's schemata (kernel spelling aside). */
static int check_shared(const char *group, const char *want, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(group, "schemata");
        _cleanup_free_ char *have = NULL;
        size_t len;
        if (cell_read_file(path, &have, &len, err) < 0)
                return cell_error_prefix(err, "linux.intelRdt.closID");
        _cleanup_free_ char *norm_have = normalize(have, len);
        for (const char *p = want; *p;) {
                size_t l = strcspn(p, "\n");
                _cleanup_free_ char *line = normalize(p, l);
                if (!strstr(norm_have, line))
                        return cell_error_set(err, EINVAL,
                                              "linux.intelRdt: the existing group %s has other "
                                              "schemata than the config asks (%.*s)",
                                              group, (int)l, p);
                p += l + (p[l] == '\n');
        }
        return 0;
}

static int write_text(const char *dir, const char *name, const char *text, struct cell_error *err)
{
        _cleanup_free_ char *path = cell_path_join(dir, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || cell_write_all(fd, text, strlen(text)) < 0)
                return cell_error_errno(err, "linux.intelRdt: write %s", path);
        return 0;
}

/* Append `dir` to the list of what delete removes, deepest last. */
static int record(int state_dirfd, const char *dir, struct cell_error *err)
{
        _cleanup_free_ char *old = NULL;
        size_t len = 0;
        struct cell_error ignored;
        if (cell_read_file_at(state_dirfd, RECORD, &old, &len, &ignored) < 0)
                old = NULL;
        _cleanup_free_ char *text = xasprintf("%s%s\n", old ? old : "", dir);
        return cell_write_file_atomic(state_dirfd, RECORD, text, strlen(text), err);
}

static int make_dir(const char *dir, int state_dirfd, struct cell_error *err)
{
        if (mkdir(dir, 0755) < 0)
                return cell_error_errno(err, "linux.intelRdt: mkdir %s", dir);
        return record(state_dirfd, dir, err);
}

static int put_pid(const char *group, pid_t pid, struct cell_error *err)
{
        char text[32];
        snprintf(text, sizeof(text), "%d\n", (int)pid);
        return write_text(group, "tasks", text, err);
}

static int enter_group(const char *group, bool shared, const struct cell_intel_rdt *rdt,
                       int state_dirfd, struct cell_error *err)
{
        _cleanup_free_ char *schemata = cell_intelrdt_schemata(rdt);
        if (shared)
                return schemata ? check_shared(group, schemata, err) : 0;
        if (make_dir(group, state_dirfd, err) < 0)
                return -1;
        return schemata ? write_text(group, "schemata", schemata, err) : 0;
}

static int enter_monitoring(const char *group, const char *id, pid_t pid, int state_dirfd,
                            struct cell_error *err)
{
        _cleanup_free_ char *mon_groups = cell_path_join(group, "mon_groups");
        _cleanup_free_ char *mon = cell_path_join(mon_groups, id);
        if (mkdir(mon_groups, 0755) < 0 && errno != EEXIST) /* the kernel makes it */
                return cell_error_errno(err, "linux.intelRdt.enableMonitoring: mkdir %s",
                                        mon_groups);
        if (make_dir(mon, state_dirfd, err) < 0)
                return -1;
        return put_pid(mon, pid, err);
}

int cell_intelrdt_apply(const char *root, const struct cell_intel_rdt *rdt, const char *id,
                        pid_t pid, int state_dirfd, struct cell_error *err)
{
        if (!rdt->set)
                return 0;
        if (cell_intelrdt_check(root, err) < 0)
                return -1;
        _cleanup_free_ char *group = cell_path_join(root, rdt->clos_id ? rdt->clos_id : id);
        struct stat st;
        bool shared = rdt->clos_id && stat(group, &st) == 0;
        if (enter_group(group, shared, rdt, state_dirfd, err) < 0 || put_pid(group, pid, err) < 0)
                return -1;
        return rdt->enable_monitoring ? enter_monitoring(group, id, pid, state_dirfd, err) : 0;
}

/* Deepest first: the list was written parents first. */
int cell_intelrdt_remove(int state_dirfd, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        struct cell_error ignored;
        if (cell_read_file_at(state_dirfd, RECORD, &text, &len, &ignored) < 0)
                return 0; /* nothing made */
        char *dirs[8];
        size_t n = 0;
        char *save = NULL;
        for (char *d = strtok_r(text, "\n", &save); d && n < CELL_ARRAY_SIZE(dirs);
             d = strtok_r(NULL, "\n", &save))
                dirs[n++] = d;
        while (n-- > 0)
                if (rmdir(dirs[n]) < 0 && errno != ENOENT)
                        return cell_error_errno(err, "linux.intelRdt: remove %s", dirs[n]);
        if (unlinkat(state_dirfd, RECORD, 0) < 0 && errno != ENOENT)
                return cell_error_errno(err, "linux.intelRdt: remove the record");
        return 0;
}
