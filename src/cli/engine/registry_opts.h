/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_CLI_ENGINE_REGISTRY_OPTS_H
#define CELL_CLI_ENGINE_REGISTRY_OPTS_H

/* The options pull, push and login share, and their reading into
 * struct cell_pull_opts (header-only: each verb file stays one file). */

#include "cli/engine/ecli.h"
#include "image/registry.h"

/* A table, laid out as one. */
/* clang-format off */
#define REGISTRY_OPTIONS                                                                           \
        {"tls-verify", 0, ECLI_FLAG, NULL,                                                         \
         "Require HTTPS and verify certificates (default true; false also allows plain HTTP)"},    \
        {"cert-dir", 0, ECLI_VALUE, "DIR", "Use the certificates in DIR (*.crt, *.cert, *.key)",   \
         .complete = "dir"},                                                                       \
        {"authfile", 0, ECLI_VALUE, "FILE",                                                        \
         "Path of the authentication file (default $REGISTRY_AUTH_FILE, else "                     \
         "$XDG_RUNTIME_DIR/containers/auth.json)",                                                 \
         .complete = "file"}
/* clang-format on */

static inline void registry_opts_read(const struct ecli_args *a, struct cell_pull_opts *o)
{
        o->tls_verify = ecli_given(a, "tls-verify") ? ecli_flag(a, "tls-verify") : true;
        o->cert_dir = ecli_value(a, "cert-dir");
        o->authfile = ecli_value(a, "authfile");
}

#endif
