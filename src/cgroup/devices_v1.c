/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device access rules: the list a container gets, and its cgroup v1 form
 * (devices.allow / devices.deny).  The v2 form is devices_ebpf.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/*
 * runc's specconv.AllowedDevices, appended after the spec's own rules:
 * mknod of any device, the standard character devices, every pty and
 * /dev/ptmx, and /dev/net/tun.  Nodes in linux.devices get no implicit
 * rule (as in runc); a bundle wanting them lists them in resources.devices.
 */
static const struct cell_device_rule default_rules[] = {
        {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
        {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"},
        {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},    {true, 'c', 136, -1, "rwm"},
        {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};

size_t cell_cg_device_rules(const struct cell_resources *r, struct cell_device_rule **out)
{
        size_t n = r->n_devices + CELL_ARRAY_SIZE(default_rules);
        *out = xcalloc(n, sizeof(**out));
        if (r->n_devices)
                memcpy(*out, r->devices, r->n_devices * sizeof(**out));
        memcpy(*out + r->n_devices, default_rules, sizeof(default_rules));
        return n;
}

static void format_number(char *buf, size_t size, int64_t v)
{
        if (v < 0)
                snprintf(buf, size, "*");
        else
                snprintf(buf, size, "%" PRId64, v);
}

/* An empty access list means all of "rwm" (as runc). */
static const char *rule_access(const struct cell_device_rule *d)
{
        return d->access[0] ? d->access : "rwm";
}

/* Every device, every access: the kernel's "a" (which resets the list). */
static bool covers_everything(const struct cell_device_rule *d)
{
        const char *access = rule_access(d);
        return d->type == 'a' && strspn(access, "rwm") == strlen(access) && strchr(access, 'r') &&
               strchr(access, 'w') && strchr(access, 'm');
}

/* "c 1:3 rwm" */
static void add_rule(struct cell_cg_plan *p, size_t dir, const struct cell_device_rule *d)
{
        const char *access = rule_access(d);
        const char *file = d->allow ? "devices.allow" : "devices.deny";
        if (covers_everything(d)) {
                /* "a" resets the whole list: allow-all or deny-all. */
                cell_cg_plan_add(p, dir, CELL_CG_DEVICES, "linux.resources.devices", file, "a");
                return;
        }
        char major[24], minor[24];
        format_number(major, sizeof(major), d->major);
        format_number(minor, sizeof(minor), d->minor);
        /* A partial "a" rule is the same rule for both kinds of device. */
        const char types[2] = {d->type == 'a' ? 'c' : d->type, d->type == 'a' ? 'b' : 0};
        for (size_t i = 0; i < 2 && types[i]; i++)
                cell_cg_plan_add(p, dir, CELL_CG_DEVICES, "linux.resources.devices", file,
                                 "%c %s:%s %s", types[i], major, minor, access);
}

/*
 * Deny everything, then each rule in order.  The kernel applies allow and
 * deny against its current list, so the order of the spec is kept: a later
 * rule overrides an earlier one for the devices both match, which is what
 * runc's emulator computes for non-overlapping wildcard cases.
 */
int cell_cg_v1_devices(struct cell_cg_plan *p, size_t dir, const struct cell_resources *r,
                       const struct cell_cg_current *cur, struct cell_error *err)
{
        (void)cur;
        (void)err;
        struct cell_device_rule *rules;
        size_t n = cell_cg_device_rules(r, &rules);
        cell_cg_plan_add(p, dir, CELL_CG_DEVICES, "linux.resources.devices", "devices.deny", "a");
        /* Specs usually begin with that same deny-all: not written twice. */
        size_t first = n > 0 && !rules[0].allow && covers_everything(&rules[0]) ? 1 : 0;
        for (size_t i = first; i < n; i++)
                add_rule(p, dir, &rules[i]);
        free(rules);
        return 0;
}
