/* SPDX-License-Identifier: Apache-2.0 */
/* `cell version [--format json]`: the versions of cell and of what it speaks. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/cell-version.h"
#include "cli/engine/ecli.h"
#include "oci/spec.h"

static const struct ecli_option options[] = {
        {"format", 'f', ECLI_VALUE, "FORMAT", "Format the output: text or json", .complete = "text|json",
         .def = "text"},
        {0},
};

static int run_version(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        const char *format = ecli_value(a, "format");
        if (strcmp(format, "json") == 0) {
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "Version", json_object_new_string(CELL_VERSION));
                json_object_object_add(o, "OciRuntimeSpec", json_object_new_string(CELL_OCI_VERSION));
                json_object_object_add(o, "Storage", json_object_new_string(ctx->g.storage));
                json_object_object_add(o, "RunRoot", json_object_new_string(ctx->g.runroot));
                ecli_print_json(stdout, o);
                json_object_put(o);
                return 0;
        }
        if (strcmp(format, "text") != 0)
                return ecli_error("invalid --format \"%s\" for 'cell version': must be text or json", format);
        printf("Version:          %s\n", CELL_VERSION);
        printf("OCI runtime spec: %s\n", CELL_OCI_VERSION);
        printf("Storage:          %s\n", ctx->g.storage);
        printf("Run root:         %s\n", ctx->g.runroot);
        return 0;
}

const struct ecli_verb ecli_verb_version = {
        .name = "version",
        .usage = "[OPTIONS]",
        .summary = "Show the version of cell",
        .options = options,
        .max_args = -1,
        .topic = ECLI_TOPIC_SYSTEM,
        .run = run_version,
};
