/* SPDX-License-Identifier: Apache-2.0 */
#include "util/mountinfo.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void unescape_octal(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

bool cell_mountinfo_split(char *line, struct cell_mountinfo *m)
{
        char *field[6];
        char *p = line;
        for (int i = 0; i < 6; i++) {
                field[i] = p;
                p = strchr(p, ' ');
                if (!p)
                        return false;
                *p++ = '\0';
        }
        /* The optional fields ("shared:1 master:2") end with a lone "-". */
        char *sep = !strncmp(p, "- ", 2) ? p : strstr(p, " - ");
        if (!sep)
                return false;
        bool shared = false;
        for (char *opt = p; opt < sep; opt = strchr(opt, ' ') ? strchr(opt, ' ') + 1 : sep)
                shared |= !strncmp(opt, "shared:", 7);
        char *fstype = sep + (*sep == ' ' ? 3 : 2);
        char *source = strchr(fstype, ' ');
        if (!source)
                return false;
        *source++ = '\0';
        char *super = strchr(source, ' ');
        if (!super)
                return false;
        *super++ = '\0';
        super[strcspn(super, "\n")] = '\0';
        unescape_octal(field[3]);
        unescape_octal(field[4]);
        *m = (struct cell_mountinfo){
                .devno = field[2],
                .root = field[3],
                .mount_point = field[4],
                .options = field[5],
                .shared = shared,
                .fstype = fstype,
                .source = source,
                .super_options = super,
        };
        return true;
}

bool cell_option_listed(const char *options, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = options; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
                        return true;
        return false;
}

int cell_mount_holding(const char *path, struct cell_mount_holding *out, struct cell_error *err)
{
        _cleanup_free_ char *text = NULL;
        if (cell_read_file("/proc/self/mountinfo", &text, NULL, err) < 0)
                return -1;
        *out = (struct cell_mount_holding){0};
        size_t best = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cell_mountinfo m;
                if (!cell_mountinfo_split(line, &m) || !cell_path_has_prefix(path, m.mount_point))
                        continue;
                size_t n = strlen(m.mount_point);
                if (out->mount_point && n < best)
                        continue;
                best = n;
                cell_mount_holding_free(out);
                *out = (struct cell_mount_holding){
                        .mount_point = xstrdup(m.mount_point),
                        .fstype = xstrdup(m.fstype),
                        .super_options = xstrdup(m.super_options),
                        .shared = m.shared,
                };
        }
        if (!out->mount_point)
                return cell_error_set(err, 0, "no mount in /proc/self/mountinfo holds %s", path);
        return 0;
}

void cell_mount_holding_free(struct cell_mount_holding *m)
{
        free(m->mount_point);
        free(m->fstype);
        free(m->super_options);
        *m = (struct cell_mount_holding){0};
}
