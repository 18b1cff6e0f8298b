/* SPDX-License-Identifier: Apache-2.0 */
/* `cell pull [OPTIONS] REF`: an image from a registry into the store. */
#include <stdio.h>
#include <string.h>

#include "cli/engine/ecli.h"
#include "cli/engine/registry_opts.h"
#include "image/registry.h"

static const struct ecli_option options[] = {
        REGISTRY_OPTIONS,
        {"platform", 0, ECLI_VALUE, "OS/ARCH[/VARIANT]",
         "Pull the image for this platform from a multi-platform image (default: this machine's)"},
        {"creds", 0, ECLI_VALUE, "USER:PASSWORD",
         "Credentials for the registry, instead of the auth file"},
        {"quiet", 'q', ECLI_FLAG, NULL, "Print no progress, only the image ID"},
        {0},
};

static int run_pull(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        struct cell_error err = {0};
        struct cell_pull_opts o = CELL_PULL_OPTS_DEFAULT;
        registry_opts_read(a, &o);
        o.platform = ecli_value(a, "platform");
        o.creds = ecli_value(a, "creds");
        o.progress = ecli_flag(a, "quiet") ? CELL_PROGRESS_QUIET : CELL_PROGRESS_AUTO;
        o.output = stderr;
        struct cell_store *s;
        if (ecli_store(ctx, &s, &err) < 0)
                return ecli_fail(&err);
        struct cell_image img;
        if (cell_registry_pull(s, a->argv[0], &o, &img, &err) < 0)
                return ecli_fail(&err);
        /* podman prints the image id, without "sha256:", as the last line. */
        printf("%s\n", strncmp(img.id, "sha256:", 7) == 0 ? img.id + 7 : img.id);
        cell_image_release(&img);
        return 0;
}

const struct ecli_verb ecli_verb_pull = {
        .name = "pull",
        .usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
        .summary = "Pull an image from a registry",
        .description =
                "Fetches the image's manifest (a multi-platform image is resolved to this "
                "machine's "
                "platform, or --platform's), its config and its layers, in parallel, verifying "
                "each "
                "blob's digest, then unpacks the layers and adds the image to the store under its "
                "name. An interrupted pull resumes where it stopped. Short names are resolved as "
                "docker does: busybox is docker.io/library/busybox:latest. HTTPS is used, with the "
                "CA certificates of /etc/containers/certs.d/HOST (or /etc/docker/certs.d/HOST); "
                "plain "
                "HTTP only with --tls-verify=false or for a registry on a loopback address.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .topic = ECLI_TOPIC_IMAGE,
        .run = run_pull,
};
