/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readable random container names, "adjective_surname" as docker makes
 * them: the adjectives describe a mood or a quality, the surnames are
 * people who shaped computing, mathematics and science.
 */
#include <stdint.h>
#include <sys/random.h>

#include "engine/container.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *const adjectives[] = {
        "agile",    "amber",    "ardent",   "bold",     "brave",    "bright",   "brisk",
        "calm",     "candid",   "careful",  "cheerful", "clever",   "cosmic",   "crisp",
        "curious",  "daring",   "deft",     "eager",    "earnest",  "elated",   "fearless",
        "fervent",  "fluent",   "frank",    "gentle",   "gifted",   "glad",     "golden",
        "graceful", "hardy",    "honest",   "humble",   "jolly",    "keen",     "kind",
        "lively",   "loyal",    "lucid",    "mellow",   "merry",    "mighty",   "modest",
        "nimble",   "noble",    "patient",  "placid",   "plucky",   "polite",   "proud",
        "quick",    "quiet",    "radiant",  "rapid",    "serene",   "sharp",    "shiny",
        "silent",   "sincere",  "smooth",   "snappy",   "solid",    "spry",     "steady",
        "stoic",    "sturdy",   "sunny",    "swift",    "tender",   "tidy",     "tranquil",
        "trusty",   "upbeat",   "valiant",  "vibrant",  "vivid",    "warm",     "wise",
        "witty",    "zealous",  "zesty",
};

static const char *const surnames[] = {
        "allen",      "babbage",   "backus",    "bernerslee", "boole",     "cerf",
        "church",     "codd",      "conway",    "corbato",    "curie",     "dijkstra",
        "easley",     "engelbart", "euler",     "fermat",     "feynman",   "floyd",
        "gauss",      "goldberg",  "hamilton",  "hamming",    "hopper",    "huffman",
        "jackson",    "johnson",   "kahan",     "karp",       "kay",       "kernighan",
        "khorana",    "knuth",     "kovalevsky", "lamarr",    "lamport",   "leavitt",
        "liskov",     "lovelace",  "mccarthy",  "meitner",    "minsky",    "moore",
        "neumann",    "noether",   "pascal",    "perlman",    "pike",      "ramanujan",
        "rice",       "ritchie",   "shannon",   "shaw",       "somerville", "sutherland",
        "tarjan",     "thompson",  "torvalds",  "turing",     "wilkes",    "wing",
        "wirth",      "wozniak",   "yonath",    "zuse",
};

char *cell_ctr_random_name(void)
{
        uint32_t r[2] = {0, 0};
        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
                /* getrandom of 8 bytes does not fail once the pool is up; be safe anyway */
                r[0] = (uint32_t)(uintptr_t)&r;
                r[1] = r[0] >> 7;
        }
        return xasprintf("%s_%s", adjectives[r[0] % CELL_ARRAY_SIZE(adjectives)],
                         surnames[r[1] % CELL_ARRAY_SIZE(surnames)]);
}
