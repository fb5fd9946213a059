// SPDX-License-Identifier: GPL-2.0
/*
 * The mutator of fuzz.h: xorshift64* for the numbers (fast, and the same
 * sequence on every machine), jansson for the structure.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void fuzz_init(struct fuzz *f, uint64_t seed)
{
	f->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	f->harvest = json_array();
}

void fuzz_done(struct fuzz *f)
{
	json_decref(f->harvest);
	f->harvest = NULL;
}

uint64_t fuzz_next(struct fuzz *f)
{
	f->state ^= f->state >> 12;
	f->state ^= f->state << 25;
	f->state ^= f->state >> 27;
	return f->state * 0x2545f4914f6cdd1dULL;
}

size_t fuzz_below(struct fuzz *f, size_t n)
{
	return (size_t)(fuzz_next(f) % n);
}

unsigned int fuzz_iterations(unsigned int dflt)
{
	const char *s = getenv("FUZZ_ITERATIONS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 && v < INT_MAX ? (unsigned int)v : dflt;
}

void fuzz_harvest(struct fuzz *f, json_t *seed)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(seed)) {
		json_object_foreach(seed, key, v) {
			json_array_append_new(f->harvest, json_string(key));
			fuzz_harvest(f, v);
		}
	} else if (json_is_array(seed)) {
		json_array_foreach(seed, i, v)
			fuzz_harvest(f, v);
	} else if (seed) {
		json_array_append(f->harvest, seed);
	}
}

/* Values at the edges of what fields hold: ports, ids, addresses. */
static const char *const strings[] = {
	"", " ", "0", "-1", "1", "65535", "65536", "4754", "50103", "99999999999999999999",
	"1.5", "0x10", "<nil>", "null", "true", "none", "auto", "direct", "gre-udp",
	"encrypted", "relay", "ipudp", "eim", "symmetric",
	"172.16.0.1", "172.16.0.0/26", "172.16.0.0/33", "172.16.0.1/26", "10.0.0.5",
	"0.0.0.0", "255.255.255.255", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
	"172.30.0.1", "fc00::1", "fc00::/120", "fc00::/129", "fdff::1", "fdff:2000::1", "::",
	"::ffff:10.0.0.1", "fe80::1%eth0", "fdff::g", "[fc00::1]", "10.0.0.5:4754",
	"app.ns.svc.ns", "a.b.c", "a.b.c.d.e", "app.ns.svc.ns.", "APP.NS.SVC.NS",
	"w-1", "node_1", "a/b", "../../etc", "%s%n%x", "'; DROP TABLE nodes; --",
	"8080:80", "8080:80/udp", "80;81;82", "1:2/sctp", "0:0", "65535:65535/tcp;",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "====", "\xc3\xa9t\xc3\xa9",
};

static const json_int_t integers[] = {
	0, 1, -1, 2, 6, 17, 26, 32, 33, 64, 120, 128, 129, 255, 256, 4754, 50103, 65535,
	65536, INT_MAX, (json_int_t)INT_MAX + 1, INT_MIN, (json_int_t)INT_MIN - 1,
	4294967295LL, 4294967296LL, LLONG_MAX, LLONG_MIN,
};

static const double reals[] = { 0.0, -0.0, 0.5, 1.5, 4754.0, 65535.9, 1e300, -1e300 };

static json_t *long_string(struct fuzz *f)
{
	size_t len = (size_t[]){ 31, 64, 65, 255, 256, 4096, 70000 }[fuzz_below(f, 7)];
	char *buf = malloc(len);
	json_t *s;

	if (!buf)
		return json_null();
	memset(buf, "a0.:/"[fuzz_below(f, 5)], len);
	s = json_stringn(buf, len);
	free(buf);
	return s ? s : json_null();
}

json_t *fuzz_value(struct fuzz *f, int depth)
{
	json_t *v;
	size_t n;

	switch (fuzz_below(f, depth > 0 ? 11 : 8)) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(fuzz_below(f, 2));
	case 2:
		return json_integer(integers[fuzz_below(f, sizeof(integers) / sizeof(*integers))]);
	case 3:
		return json_real(reals[fuzz_below(f, sizeof(reals) / sizeof(*reals))]);
	case 4:
	case 5:
		return json_string(strings[fuzz_below(f, sizeof(strings) / sizeof(*strings))]);
	case 6:
		/* A NUL inside: C code that takes the string's length from
		 * strlen() sees less than JSON said. */
		return json_stringn("10.0.0.5\0evil", 13);
	case 7:
		return long_string(f);
	case 8:
		if (json_array_size(f->harvest))
			return json_deep_copy(json_array_get(f->harvest,
							     fuzz_below(f, json_array_size(f->harvest))));
		return json_null();
	case 9:
		v = json_array();
		for (n = fuzz_below(f, 4); n; n--)
			json_array_append_new(v, fuzz_value(f, depth - 1));
		return v;
	default:
		v = json_object();
		for (n = fuzz_below(f, 4); n; n--) {
			json_t *k = fuzz_value(f, 0);
			const char *key = json_is_string(k) ? json_string_value(k) : "k";

			json_object_set_new(v, key, fuzz_value(f, depth - 1));
			json_decref(k);
		}
		return v;
	}
}

/* A place in a JSON tree a value can be put: a member or an element. */
struct slot {
	json_t *parent;
	const char *key;	/* NULL: an array's element */
	size_t index;
};

#define MAX_SLOTS 256

static void collect(json_t *v, struct slot *slots, size_t *n)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			if (*n < MAX_SLOTS)
				slots[(*n)++] = (struct slot){ v, key, 0 };
			collect(child, slots, n);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if (*n < MAX_SLOTS)
				slots[(*n)++] = (struct slot){ v, NULL, i };
			collect(child, slots, n);
		}
	}
}

static json_t *new_value(struct fuzz *f)
{
	return fuzz_value(f, 2);
}

json_t *fuzz_mutate_json(struct fuzz *f, json_t *seed)
{
	json_t *root = json_deep_copy(seed);

	for (size_t m = 1 + fuzz_below(f, 4); m; m--) {
		struct slot slots[MAX_SLOTS];
		size_t n = 0;
		struct slot *s;

		collect(root, slots, &n);
		if (!n || !fuzz_below(f, 40)) {
			json_decref(root);
			root = new_value(f);
			continue;
		}
		s = &slots[fuzz_below(f, n)];
		switch (fuzz_below(f, 4)) {
		case 0:		/* another value */
			if (s->key)
				json_object_set_new(s->parent, s->key, new_value(f));
			else
				json_array_set_new(s->parent, s->index, new_value(f));
			break;
		case 1:		/* gone */
			if (s->key)
				json_object_del(s->parent, s->key);
			else
				json_array_remove(s->parent, s->index);
			break;
		case 2: {	/* one more beside it */
			json_t *k = fuzz_value(f, 0);

			if (json_is_object(s->parent))
				json_object_set_new(s->parent, json_is_string(k) ?
						    json_string_value(k) : "x", new_value(f));
			else
				json_array_insert_new(s->parent, s->index, new_value(f));
			json_decref(k);
			break;
		}
		default: {	/* another field's value: type confusion */
			json_t *v = json_array_size(f->harvest) ?
				json_deep_copy(json_array_get(f->harvest,
							      fuzz_below(f, json_array_size(f->harvest)))) :
				json_null();

			if (s->key)
				json_object_set_new(s->parent, s->key, v);
			else
				json_array_set_new(s->parent, s->index, v);
		}
		}
	}
	return root;
}

static char *dup_bytes(const char *p, size_t len)
{
	char *out = malloc(len + 1);

	if (out) {
		memcpy(out, p, len);
		out[len] = '\0';
	}
	return out;
}

/* JSON's edge forms, each a classic way to hurt a parser. */
static char *edge_text(struct fuzz *f, size_t *len)
{
	static const char *const forms[] = {
		"", " ", "null", "[]", "{}", "\"", "{\"", "{\"a\":", "{\"a\":1,}", "{\"a\" 1}",
		"\"\\ud800\"", "\"\\u0000\"", "1e999999", "-", "{\"a\":1}{\"a\":2}",
		"{\"a\":1,\"a\":\"x\"}", "\xef\xbb\xbf{}", "{\"\xff\":1}",
	};
	size_t depth, i;
	char *buf;

	if (fuzz_below(f, 3)) {
		const char *s = forms[fuzz_below(f, sizeof(forms) / sizeof(*forms))];

		*len = strlen(s);
		return dup_bytes(s, *len);
	}
	/* Deep nesting: a recursive parser's stack. */
	depth = (size_t[]){ 100, 2049, 20000 }[fuzz_below(f, 3)];
	buf = malloc(2 * depth + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < depth; i++) {
		buf[i] = '[';
		buf[2 * depth - 1 - i] = ']';
	}
	*len = 2 * depth;
	buf[*len] = '\0';
	return buf;
}

static char *mutate_bytes(struct fuzz *f, const char *text, size_t *len)
{
	static const char special[] = "\"{}[],:\\0-.e \x00\xff\x7f";
	size_t cap = *len * 2 + 64, n = *len;
	char *buf = malloc(cap + 1);

	if (!buf)
		return NULL;
	memcpy(buf, text, n);
	for (size_t m = 1 + fuzz_below(f, 4); m; m--) {
		size_t at = n ? fuzz_below(f, n) : 0, span;

		switch (fuzz_below(f, 5)) {
		case 0:		/* a bit flipped */
			if (n)
				buf[at] ^= (char)(1u << fuzz_below(f, 8));
			break;
		case 1:		/* a byte inserted */
			if (n < cap) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = fuzz_below(f, 2) ? special[fuzz_below(f, sizeof(special) - 1)] :
					  (char)fuzz_below(f, 256);
				n++;
			}
			break;
		case 2:		/* a range deleted */
			span = n - at ? 1 + fuzz_below(f, n - at) : 0;
			memmove(buf + at, buf + at + span, n - at - span);
			n -= span;
			break;
		case 3:		/* a range repeated */
			span = n - at ? 1 + fuzz_below(f, n - at) : 0;
			if (n + span <= cap) {
				memmove(buf + at + span, buf + at, n - at);
				n += span;
			}
			break;
		default:	/* cut short */
			n = at;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *fuzz_mutate_text(struct fuzz *f, json_t *seed, size_t *len)
{
	size_t how = fuzz_below(f, 20);
	json_t *m;
	char *text, *out;

	if (how < 2)
		return edge_text(f, len);
	m = how < 12 ? fuzz_mutate_json(f, seed) : json_incref(seed);
	text = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(m);
	if (!text)
		return NULL;
	*len = strlen(text);
	if (how < 12)
		return text;
	out = mutate_bytes(f, text, len);
	free(text);
	return out;
}
