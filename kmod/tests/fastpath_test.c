// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the IPv6 packet path's inline helpers against the calls they
 * replace: the tables' hashes and compares (hash.h, flow.h) against
 * jhash2() over the same words and memcmp(), the checksum difference of
 * rewrite6.c against csum_partial(), a peer's prefix key against
 * ipv6_addr_prefix(), the link-local test against ipv6_addr_type().
 * Equal keys hash equal whatever their tuple index; a key changed in any
 * one byte that is part of it compares unequal.
 */
#include <kunit/test.h>

static void hs_random_key6(struct semnet_fkey6 *k)
{
	get_random_bytes(k, sizeof(*k));
}

/* The old table's hash: jhash2() of the nine words, proto and stage in the seed. */
static u32 hs_old_fkey6_hash(const struct semnet_fkey6 *k, u32 seed)
{
	return jhash2((const u32 *)k, 9, seed ^ (k->proto | (u32)k->stage << 8));
}

static int hs_ftuple6_cmp(const struct semnet_fkey6 *key,
			  const struct semnet_ftuple6 *t)
{
	struct rhashtable_compare_arg arg = { .key = key };

	return semnet_ftuple6_cmp(&arg, t);
}

static void semnet_fastpath_fkey6(struct kunit *test)
{
	struct semnet_ftuple6 t;
	struct semnet_fkey6 k;
	unsigned int round, i;
	u32 seed;

	for (round = 0; round < 64; round++) {
		hs_random_key6(&k);
		seed = get_random_u32();
		KUNIT_EXPECT_EQ(test, semnet_fkey6_hash(&k, sizeof(k), seed),
				hs_old_fkey6_hash(&k, seed));

		/* The same key in another tuple: the same hash, equal. */
		t.key = k;
		t.key.index = k.index + 1;
		t.key.pad = k.pad + 1;
		KUNIT_EXPECT_EQ(test, semnet_fkey6_hash(&t.key, sizeof(k), seed),
				semnet_fkey6_hash(&k, sizeof(k), seed));
		KUNIT_EXPECT_EQ(test, hs_ftuple6_cmp(&k, &t), 0);

		/* Any byte of the addresses, ports, proto and stage. */
		for (i = 0; i < offsetof(struct semnet_fkey6, index); i++) {
			t.key = k;
			((u8 *)&t.key)[i] ^= 1 << (round % 8);
			KUNIT_EXPECT_NE_MSG(test, hs_ftuple6_cmp(&k, &t), 0,
					    "byte %u", i);
			KUNIT_EXPECT_FALSE(test, semnet_fkey6_equal(&t.key, &k));
		}
	}
}

static void semnet_fastpath_addr6_cmp(struct kunit *test)
{
	struct { u32 before; struct in6_addr a; } obj;
	struct rhashtable ht = {
		.p.key_offset = offsetof(typeof(obj), a),
	};
	struct rhashtable_compare_arg arg = { .ht = &ht };
	struct in6_addr key;
	unsigned int round, i;
	u32 seed;

	for (round = 0; round < 64; round++) {
		get_random_bytes(&key, sizeof(key));
		seed = get_random_u32();
		KUNIT_EXPECT_EQ(test, semnet_hash_addr6(&key, sizeof(key), seed),
				jhash2((const u32 *)&key, 4, seed));
		obj.a = key;
		arg.key = &key;
		KUNIT_EXPECT_EQ(test, semnet_cmp_addr6(&arg, &obj), 0);
		for (i = 0; i < sizeof(key); i++) {
			obj.a = key;
			obj.a.s6_addr[i] ^= 1 << (round % 8);
			KUNIT_EXPECT_NE_MSG(test, semnet_cmp_addr6(&arg, &obj), 0,
					    "byte %u", i);
		}
	}
}

/* The inline address difference folds as csum_partial() of the words. */
static void semnet_fastpath_csum_addr_diff(struct kunit *test)
{
	struct in6_addr from, to;
	unsigned int round, i;
	__be32 diff[8];

	for (round = 0; round < 256; round++) {
		get_random_bytes(&from, sizeof(from));
		get_random_bytes(&to, sizeof(to));
		/* Carries: all ones and all zeroes too. */
		if (round == 0)
			memset(&from, 0, sizeof(from));
		if (round == 1)
			memset(&to, 0xff, sizeof(to));
		for (i = 0; i < 4; i++) {
			diff[i] = ~from.s6_addr32[i];
			diff[i + 4] = to.s6_addr32[i];
		}
		/* One's complement sums: equal modulo 0xffff (0 and 0xffff alike). */
		KUNIT_EXPECT_EQ(test,
				(__force u32)semnet6_addr_diff(&from, &to) % 0xffff,
				(__force u32)csum_partial(diff, sizeof(diff), 0) % 0xffff);
	}
}

/* Every prefix length of random addresses, as ipv6_addr_prefix() cuts them. */
static void semnet_fastpath_peer_key6(struct kunit *test)
{
	struct semnet_peer_key6 key;
	struct in6_addr addr, want;
	unsigned int round, len;

	for (round = 0; round < 8; round++) {
		get_random_bytes(&addr, sizeof(addr));
		if (round == 0)
			memset(&addr, 0xff, sizeof(addr));
		for (len = 0; len <= 128; len++) {
			ipv6_addr_prefix(&want, &addr, len);
			key = semnet_peer_key6_of(&addr, len);
			KUNIT_EXPECT_TRUE_MSG(test, ipv6_addr_equal(&key.addr, &want),
					      "/%u: %pI6c, not %pI6c", len,
					      &key.addr, &want);
			KUNIT_EXPECT_EQ(test, key.len, len);
			KUNIT_EXPECT_EQ(test, key.pad[0] | key.pad[1] | key.pad[2], 0);
		}
	}
}

/* fe80::/10 exactly: unicast addresses around its edges and at random. */
static void semnet_fastpath_linklocal(struct kunit *test)
{
	static const char * const edges[] = {
		"fe80::", "fe80::1", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::", "fc00::2",
		"::1", "::", "2001:db8::1", "feff::1",
	};
	struct in6_addr a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(edges) + 256; i++) {
		if (i < ARRAY_SIZE(edges)) {
			KUNIT_ASSERT_EQ(test, in6_pton(edges[i], -1, a.s6_addr, -1, NULL), 1);
		} else {
			get_random_bytes(&a, sizeof(a));
			a.s6_addr[0] = 0xfe;	/* often near the prefix */
		}
		if (ipv6_addr_is_multicast(&a))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, semnet_addr6_linklocal(&a),
				    !!(ipv6_addr_type(&a) & IPV6_ADDR_LINKLOCAL),
				    "%pI6c", &a);
	}
}

static struct kunit_case semnet_fastpath_cases[] = {
	KUNIT_CASE(semnet_fastpath_fkey6),
	KUNIT_CASE(semnet_fastpath_addr6_cmp),
	KUNIT_CASE(semnet_fastpath_csum_addr_diff),
	KUNIT_CASE(semnet_fastpath_peer_key6),
	KUNIT_CASE(semnet_fastpath_linklocal),
	{}
};

KT_SUITE(fastpath);
