/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/oci/cli.h"

int main(int argc, char **argv)
{
        return cli_oci_main(argc, argv, argv);
}
