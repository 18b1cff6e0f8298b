/* SPDX-License-Identifier: Apache-2.0 */
/* `cell ps`: list containers, with docker's columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/engine/ctr_verbs.h"
#include "engine/network.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct ecli_option options[] = {
        {"all", 'a', ECLI_FLAG, NULL, "Show all containers (default shows just running)"},
        {"latest", 'l', ECLI_FLAG, NULL, "Show the latest created container"},
        {"last", 'n', ECLI_VALUE, "N", "Show n last created containers"},
        {"filter", 'f', ECLI_VALUES, "KEY=VALUE", "Filter output: status=, name=, id="},
        {"no-trunc", 0, ECLI_FLAG, NULL, "Don't truncate output"},
        ECLI_OPT_QUIET,
        ECLI_OPT_FORMAT,
        {0},
};

static char *command_of(const struct cell_ctr *c, bool no_trunc)
{
        json_object *ep = NULL, *cmd = NULL;
        if (c->config) {
                json_object_object_get_ex(c->config, "Entrypoint", &ep);
                json_object_object_get_ex(c->config, "Cmd", &cmd);
        }
        char *s = xstrdup("");
        json_object *parts[] = {ep, cmd};
        for (size_t k = 0; k < 2; k++) {
                if (!parts[k] || !json_object_is_type(parts[k], json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(parts[k]); i++) {
                        const char *w = json_object_get_string(json_object_array_get_idx(parts[k], i));
                        char *more = *s ? xasprintf("%s %s", s, w) : xstrdup(w);
                        free(s);
                        s = more;
                }
        }
        char *quoted = no_trunc || strlen(s) <= 20 ? xasprintf("\"%s\"", s) : xasprintf("\"%.19s…\"", s);
        free(s);
        return quoted;
}

struct filter {
        const char *key, *value;
};

static int parse_filters(const struct ecli_args *a, struct filter **out, size_t *n, struct cell_error *err)
{
        size_t count;
        const char *const *f = ecli_values(a, "filter", &count);
        *out = xcalloc(count + 1, sizeof(**out));
        *n = count;
        for (size_t i = 0; i < count; i++) {
                const char *eq = strchr(f[i], '=');
                if (!eq)
                        return cell_error_set(err, 0, "bad format of filter (expected name=value): %s", f[i]);
                (*out)[i].key = xstrndup(f[i], (size_t)(eq - f[i]));
                (*out)[i].value = eq + 1;
                const char *k = (*out)[i].key;
                if (strcmp(k, "status") && strcmp(k, "name") && strcmp(k, "id"))
                        return cell_error_set(err, 0, "invalid filter '%s'", k);
                if (!strcmp(k, "status") && cell_ctr_status_from_name(eq + 1) < 0 &&
                    strcmp(eq + 1, "restarting") && strcmp(eq + 1, "removing") && strcmp(eq + 1, "dead"))
                        return cell_error_set(err, 0, "invalid filter 'status=%s'", eq + 1);
        }
        return 0;
}

static bool matches(const struct cell_ctr *c, const struct filter *f, size_t n)
{
        /* values of one key are ORed, different keys ANDed, as docker */
        static const char *const keys[] = {"status", "name", "id"};
        for (size_t k = 0; k < 3; k++) {
                bool seen = false, ok = false;
                for (size_t i = 0; i < n; i++) {
                        if (strcmp(f[i].key, keys[k]))
                                continue;
                        seen = true;
                        if (k == 0)
                                ok |= strcmp(cell_ctr_status_name(c->state.status), f[i].value) == 0;
                        else if (k == 1)
                                ok |= strstr(c->name, f[i].value) != NULL;
                        else
                                ok |= strncmp(c->id, f[i].value, strlen(f[i].value)) == 0;
                }
                if (seen && !ok)
                        return false;
        }
        return true;
}

static json_object *row(const struct cell_ctr *c, bool no_trunc)
{
        char status[128], created[64];
        ecli_human_status(cell_ctr_status_name(c->state.status), c->state.exit_code,
                          c->state.started_at, c->state.finished_at, status, sizeof(status));
        ecli_human_ago(c->created, created, sizeof(created));
        _cleanup_free_ char *cmd = command_of(c, no_trunc);
        _cleanup_free_ char *id = no_trunc ? xstrdup(c->id) : xstrndup(c->id, CELL_CTR_SHORT_ID_LEN);
        _cleanup_free_ char *ports = cell_net_ports_text(c);
        size_t pl = strlen(ports);
        if (pl && ports[pl - 1] == '\n')
                ports[pl - 1] = '\0';
        for (char *p = ports; *p; p++)
                if (*p == '\n')
                        *p = ',';
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ID", json_object_new_string(id));
        json_object_object_add(o, "Image", json_object_new_string(c->image ? c->image : ""));
        json_object_object_add(o, "Command", json_object_new_string(cmd));
        json_object_object_add(o, "CreatedAt", json_object_new_string(c->created ? c->created : ""));
        json_object_object_add(o, "RunningFor", json_object_new_string(created));
        json_object_object_add(o, "Status", json_object_new_string(status));
        json_object_object_add(o, "State", json_object_new_string(cell_ctr_status_name(c->state.status)));
        json_object_object_add(o, "Ports", json_object_new_string(ports));
        json_object_object_add(o, "Names", json_object_new_string(c->name));
        json_object_object_add(o, "ExitCode", json_object_new_int(c->state.exit_code < 0 ? 0 : c->state.exit_code));
        json_object_object_add(o, "Pid", json_object_new_int(c->state.pid));
        return o;
}

static int run_ps(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        long long last = -1;
        if (ecli_value_int(a, "last", -1, -1, 1 << 30, &last, &err) < 0)
                return ecli_fail(&err);
        if (ecli_flag(a, "latest"))
                last = 1;
        struct filter *filters = NULL;
        size_t nf = 0;
        if (parse_filters(a, &filters, &nf, &err) < 0) {
                free(filters);
                return ecli_fail(&err);
        }
        struct cell_engine e;
        struct cell_ctr *list = NULL;
        size_t n = 0;
        if (ctr_verbs_engine(ctx, &e, &err) < 0 || cell_ctr_list(&e, &list, &n, &err) < 0) {
                free(filters);
                return ecli_fail(&err);
        }
        /* -n/-l, or a status filter, look at every container as -a does */
        bool all = ecli_flag(a, "all") || last >= 0;
        for (size_t i = 0; i < nf; i++)
                all |= strcmp(filters[i].key, "status") == 0;
        bool no_trunc = ecli_flag(a, "no-trunc");
        json_object *rows = json_object_new_array();
        long long shown = 0;
        for (size_t i = 0; i < n && (last < 0 || shown < last); i++) {
                const struct cell_ctr *c = &list[i];
                if (!all && c->state.status != CELL_CTR_RUNNING && c->state.status != CELL_CTR_PAUSED)
                        continue;
                if (!matches(c, filters, nf))
                        continue;
                json_object_array_add(rows, row(c, no_trunc));
                shown++;
        }
        for (size_t i = 0; i < nf; i++)
                free((char *)filters[i].key);
        free(filters);
        cell_ctr_list_free(list, n);
        cell_engine_close(&e);
        static const struct ecli_column cols[] = {
                {"CONTAINER ID", "ID"}, {"IMAGE", "Image"}, {"COMMAND", "Command"},
                {"CREATED", "RunningFor"}, {"STATUS", "Status"}, {"PORTS", "Ports"},
                {"NAMES", "Names"}, {0}};
        int r = ecli_print_list(a, rows, cols, "ID", &err);
        json_object_put(rows);
        return r < 0 ? ecli_fail(&err) : 0;
}

const struct ecli_verb ecli_verb_ps = {
        .name = "ps",
        .usage = "[OPTIONS]",
        .summary = "List containers",
        .options = options,
        .max_args = -1,
        .topic = ECLI_TOPIC_CONTAINER,
        .run = run_ps,
};
