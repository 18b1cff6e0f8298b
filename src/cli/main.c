/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One binary, two command lines.  Invoked as `cell-oci`, or as `cell oci ...`,
 * it is the runc-compatible OCI runtime (src/cli/oci/), exactly as before the
 * engine existed; anything else is the engine (src/cli/engine/).  The choice
 * is made here, before either initialises anything, so the runtime's path
 * (create/start/exec, which shims and engines call many times a second) pays
 * nothing for the engine.
 */
#include <string.h>

#include "cli/engine/ecli.h"
#include "cli/oci/cli.h"

int main(int argc, char **argv)
{
        const char *name = argc > 0 && argv[0] ? argv[0] : "cell";
        const char *slash = strrchr(name, '/');
        if (strcmp(slash ? slash + 1 : name, "cell-oci") == 0)
                return cli_oci_main(argc, argv, argv);
        if (argc > 1 && strcmp(argv[1], "oci") == 0)
                return cli_oci_main(argc - 1, argv + 1, argv);
        return ecli_main(argc, argv);
}
