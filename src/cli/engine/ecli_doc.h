/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_ECLI_DOC_H
#define CELL_CLI_ENGINE_ECLI_DOC_H

/*
 * Internal to the framework: what `--help`, the man pages and the bash
 * completion share (ecli_help.c, ecli_generate.c).
 */

#include <stddef.h>

#include "cli/engine/ecli.h"

#define ECLI_MAX_VERBS 256

#define ECLI_DESCRIPTION                                                                                       \
        "cell runs containers from images, in docker's language, without a daemon."

/* The verbs that are not hidden, sorted by group then name; returns how many. */
size_t ecli_sorted_verbs(const struct ecli_verb **out, size_t max);

/* The management groups ("image", "volume", ...), sorted, each once. */
size_t ecli_groups(const char **out, size_t max);

/* "-d, --detach" or "    --name NAME". */
void ecli_option_synopsis(const struct ecli_option *o, char *buf, size_t size);

#endif
