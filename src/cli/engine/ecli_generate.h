/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_ECLI_GENERATE_H
#define CELL_CLI_ENGINE_ECLI_GENERATE_H

/*
 * Documentation generated from the verb tables (`cell __generate WHAT`, run
 * by the build): each writes the whole file to `out`.
 */

#include <stdio.h>

void ecli_generate_man(FILE *out);             /* cell(1) */
void ecli_generate_man_oci(FILE *out);         /* cell-oci(8), from the runtime's usage texts */
void ecli_generate_bash_completion(FILE *out); /* completes both `cell` and `cell-oci` */
void ecli_generate_verbs_json(FILE *out);      /* every verb's table as JSON, for the tests */

#endif
