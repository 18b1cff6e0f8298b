/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What listing verbs print: docker's aligned tables, --format json and
 * templates, -q.
 */
#include <json-c/json.h>

#include "cli/engine/ecli.h"

void ecli_print_json(FILE *out, struct json_object *v)
{
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
}
