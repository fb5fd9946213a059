/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small deterministic mutator for the unit tests that feed parsers what
 * a hostile or careless peer sends (test_fuzz_input.c). Seeded, so a
 * failure names its seed and iteration and replays exactly; structure
 * aware, because byte flips alone rarely get past a JSON parser to the
 * code behind it.
 */
#ifndef SEMNET_TEST_FUZZ_H
#define SEMNET_TEST_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz {
	uint64_t state;
	json_t *harvest;	/* every scalar of the seeds: type confusion */
};

/* Starts @f at @seed; fuzz_done() frees what it keeps. */
void fuzz_init(struct fuzz *f, uint64_t seed);
void fuzz_done(struct fuzz *f);

uint64_t fuzz_next(struct fuzz *f);
/* 0 .. n - 1 (n > 0). */
size_t fuzz_below(struct fuzz *f, size_t n);

/* Remembers @seed's scalars, so mutations can move a value of one field
 * into another (an address into a port, a job name into an address). */
void fuzz_harvest(struct fuzz *f, json_t *seed);

/* A random JSON value: edge integers, reals, strings that look like
 * addresses, prefixes, ports and names (some malformed, some long, some
 * with a NUL inside), containers, at most @depth levels deep. */
json_t *fuzz_value(struct fuzz *f, int depth);

/* A deep copy of @seed with 1 to 4 mutations: a member or element
 * replaced, removed, added, or given another field's value. */
json_t *fuzz_mutate_json(struct fuzz *f, json_t *seed);

/*
 * Text for a parser that takes bytes: @seed mutated as JSON and printed,
 * or its bytes mutated (flipped, inserted, deleted, repeated, cut), or
 * one of JSON's edge forms (deep nesting, an unterminated string). A
 * malloc'd buffer of *@len bytes plus a NUL.
 */
char *fuzz_mutate_text(struct fuzz *f, json_t *seed, size_t *len);

/* Iterations per target: FUZZ_ITERATIONS from the environment, else @dflt. */
unsigned int fuzz_iterations(unsigned int dflt);

#endif
