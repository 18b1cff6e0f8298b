/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CELL_IMAGE_ARCHIVE_INTERNAL_H
#define CELL_IMAGE_ARCHIVE_INTERNAL_H

/* Internal to src/image/archive*.c, layerimage.c: small shared pieces. */

#include <json-c/json.h>
#include <stdint.h>

/* For _cleanup_(archive_json_putp): json_object_put() of a json_object *. */
static inline void archive_json_putp(json_object **o)
{
        json_object_put(*o);
}

/* A new OCI descriptor object {mediaType, digest, size}. */
json_object *archive_descriptor(const char *media_type, const char *digest, int64_t size);

#endif
