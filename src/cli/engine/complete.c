/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cell __complete KIND`: the names bash completion offers, one a line.
 * It reads the store's files as DESIGN.md lays them out (images.json,
 * containers/<id>/container.json, volumes/<name>/) without a lock and
 * without opening the store: those files are only ever replaced whole
 * (write + rename), a completion must never repair, wait or write, and a
 * missing or unreadable store simply completes nothing.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/engine/ecli.h"
#include "util/cleanup.h"
#include "util/signals.h"
#include "util/xalloc.h"

static struct json_object *read_json(const char *path)
{
        return json_object_from_file(path); /* NULL when missing or not JSON */
}

static void complete_containers(const char *storage)
{
        _cleanup_free_ char *dir = xasprintf("%s/containers", storage);
        _cleanup_closedir_ DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s/container.json", dir, e->d_name);
                struct json_object *rec = read_json(path), *name;
                if (rec && json_object_object_get_ex(rec, "name", &name) && json_object_get_string_len(name) > 0)
                        printf("%s\n", json_object_get_string(name));
                else if (rec)
                        printf("%.12s\n", e->d_name);
                json_object_put(rec);
        }
}

/* "docker.io/library/busybox:latest" is also offered as "busybox:latest", as docker shows it. */
static void print_image_name(const char *name)
{
        static const char *const short_prefixes[] = {"docker.io/library/", "docker.io/", "localhost/"};
        printf("%s\n", name);
        for (size_t i = 0; i < sizeof(short_prefixes) / sizeof(short_prefixes[0]); i++) {
                size_t n = strlen(short_prefixes[i]);
                if (strncmp(name, short_prefixes[i], n) == 0) {
                        printf("%s\n", name + n);
                        break;
                }
        }
}

static void complete_images(const char *storage)
{
        _cleanup_free_ char *path = xasprintf("%s/images.json", storage);
        struct json_object *doc = read_json(path), *images, *names;
        if (doc && json_object_object_get_ex(doc, "images", &images) &&
            json_object_is_type(images, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(images); i++) {
                        struct json_object *img = json_object_array_get_idx(images, i);
                        if (!json_object_object_get_ex(img, "names", &names) ||
                            !json_object_is_type(names, json_type_array))
                                continue;
                        for (size_t j = 0; j < json_object_array_length(names); j++) {
                                const char *n = json_object_get_string(json_object_array_get_idx(names, j));
                                if (n)
                                        print_image_name(n);
                        }
                }
        }
        json_object_put(doc);
}

static void complete_volumes(const char *storage)
{
        _cleanup_free_ char *dir = xasprintf("%s/volumes", storage);
        _cleanup_closedir_ DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) {
                if (e->d_name[0] != '.')
                        printf("%s\n", e->d_name);
        }
}

static void complete_signals(void)
{
        for (int sig = 1; sig < NSIG; sig++) {
                const char *name = cell_signal_name(sig);
                if (name && strncmp(name, "SIG", 3) == 0)
                        printf("%s\n", name + 3);
        }
}

static int run_complete(struct ecli_ctx *ctx, const struct ecli_args *a)
{
        const char *kind = a->argv[0];
        if (strcmp(kind, "container") == 0)
                complete_containers(ctx->g.storage);
        else if (strcmp(kind, "image") == 0)
                complete_images(ctx->g.storage);
        else if (strcmp(kind, "volume") == 0)
                complete_volumes(ctx->g.storage);
        else if (strcmp(kind, "signal") == 0)
                complete_signals();
        else
                return ecli_error("__complete: unknown kind \"%s\": container, image, volume or signal", kind);
        return 0;
}

const struct ecli_verb ecli_verb___complete = {
        .name = "__complete",
        .usage = "container|image|volume|signal",
        .summary = "List names for the shell's completion",
        .min_args = 1,
        .max_args = 1,
        .hidden = true,
        .run = run_complete,
};
