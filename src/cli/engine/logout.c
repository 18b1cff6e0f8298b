/* SPDX-License-Identifier: Apache-2.0 */
/* `cell logout [--all] [REGISTRY]`. */
#include <stdio.h>

#include "cli/engine/ecli.h"
#include "image/registry.h"
#include "util/cleanup.h"

static const struct ecli_option options[] = {
        {"all", 'a', ECLI_FLAG, NULL, "Remove the credentials of every registry"},
        {"authfile", 0, ECLI_VALUE, "FILE", "Path of the authentication file", .complete = "file"},
        {0},
};

static int run_logout(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        (void)ctx;
        struct cell_error err = {0};
        bool all = ecli_flag(a, "all");
        if (all == (a->argc == 1))
                return ecli_error("logout: give either REGISTRY or --all");
        const char *registry = all ? NULL : a->argv[0];
        if (cell_registry_logout(registry, ecli_value(a, "authfile"), &err) < 0)
                return ecli_fail(&err);
        if (all) {
                puts("Removed login credentials for all registries");
        } else {
                _cleanup_free_ char *host = cell_registry_host(registry, &err);
                printf("Removed login credentials for %s\n", host ? host : registry);
        }
        return 0;
}

const struct ecli_verb ecli_verb_logout = {
        .name = "logout",
        .usage = "[OPTIONS] [REGISTRY]",
        .summary = "Log out of a registry",
        .options = options,
        .max_args = 1,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_logout,
};
