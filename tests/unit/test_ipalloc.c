// SPDX-License-Identifier: GPL-2.0
/* The range allocator (IPv4 ranges and IPv6 windows) and the prefix helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "sn_ipalloc.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"

static struct sn_prefix prefix(const char *text)
{
	struct sn_prefix p;

	ck_assert_msg(sn_prefix_parse(text, &p), "bad test prefix %s", text);
	return p;
}

static uint32_t addr(const char *text)
{
	uint32_t a;

	ck_assert_msg(sn_ipv4_parse(text, &a), "bad test address %s", text);
	return a;
}

static struct sn_prefix6 prefix6(const char *text)
{
	struct sn_prefix6 p;

	ck_assert_msg(sn_prefix6_parse(text, &p), "bad test prefix %s", text);
	return p;
}

static struct in6_addr addr6(const char *text)
{
	struct in6_addr a6;

	ck_assert_msg(sn_ipv6_parse(text, &a6), "bad test address %s", text);
	return a6;
}

static void assert_addr6(const struct in6_addr *got, const char *want)
{
	char text[SN_IPV6_STRLEN];

	sn_ipv6_format(got, text);
	ck_assert_str_eq(text, want);
}

/* The seed's worker pool: 172.16.0.0/12 in /26s minus 172.30.0.0/16. */
static void seed_workers(struct sn_ipalloc *pool)
{
	struct sn_prefix range = prefix("172.16.0.0/12"), svc = prefix("172.30.0.0/16");

	ck_assert_int_eq(sn_ipalloc_init(pool, &range, 26), 0);
	ck_assert_int_eq(sn_ipalloc_exclude(pool, &svc), 0);
}

/* The allocator of each case, destroyed after it. */
static struct sn_ipalloc a;

static void teardown(void)
{
	sn_ipalloc_destroy(&a);
}

START_TEST(seed_pool_has_15360_subnets)
{
	seed_workers(&a);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 15360);
	ck_assert_uint_eq(sn_ipalloc_free_count(&a), 15360);
}
END_TEST

START_TEST(exhaustion_is_exact_and_distinct)
{
	struct sn_prefix svc = prefix("172.30.0.0/16"), range = prefix("172.16.0.0/12");
	uint8_t *seen = calloc(1 << 14, 1);
	uint32_t got;

	ck_assert_ptr_nonnull(seen);
	seed_workers(&a);
	for (int i = 0; i < 15360; i++) {
		ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
		ck_assert(sn_prefix_contains(&range, got));
		ck_assert(!sn_prefix_contains(&svc, got));
		ck_assert_uint_eq(got & 63, 0);
		uint32_t index = (got - range.addr) >> 6;

		ck_assert_msg(!seen[index], "block handed out twice");
		seen[index] = 1;
	}
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), -ENOSPC);
	ck_assert_uint_eq(sn_ipalloc_free_count(&a), 0);
	/* One released block is the only one left to hand out. */
	ck_assert_int_eq(sn_ipalloc_release(&a, addr("172.20.1.64")), 0);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
	ck_assert_uint_eq(got, addr("172.20.1.64"));
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), -ENOSPC);
	free(seen);
}
END_TEST

START_TEST(released_blocks_come_back_last)
{
	uint32_t first, next;

	seed_workers(&a);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &first), 0);
	ck_assert_uint_eq(first, addr("172.16.0.0"));
	ck_assert_int_eq(sn_ipalloc_release(&a, first), 0);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &next), 0);
	ck_assert_uint_eq(next, addr("172.16.0.64"));
	/* The rotation skips the excluded range and wraps to the freed block. */
	for (int i = 0; i < 15359; i++)
		ck_assert_int_eq(sn_ipalloc_alloc(&a, &next), 0);
	ck_assert_uint_eq(next, addr("172.16.0.0"));
}
END_TEST

START_TEST(reserve_validates)
{
	seed_workers(&a);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("172.16.0.128")), 0);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("172.16.0.128")), -EEXIST);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("172.16.0.129")), -EDOM);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("10.0.0.0")), -EDOM);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("172.30.1.0")), -EACCES);
	ck_assert(sn_ipalloc_is_used(&a, addr("172.16.0.128")));
	ck_assert(!sn_ipalloc_is_used(&a, addr("172.16.0.192")));
	ck_assert_int_eq(sn_ipalloc_release(&a, addr("172.16.0.192")), -ENOENT);
	ck_assert_int_eq(sn_ipalloc_release(&a, addr("172.16.0.1")), -EDOM);
	ck_assert_uint_eq(sn_ipalloc_free_count(&a), 15359);
}
END_TEST

START_TEST(exclude_refuses_allocated_blocks)
{
	struct sn_prefix range = prefix("10.0.0.0/24"), part = prefix("10.0.0.0/30");
	struct sn_prefix outside = prefix("192.168.0.0/16"), wider = prefix("10.0.0.0/8");
	uint32_t got;

	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 32), 0);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("10.0.0.2")), 0);
	ck_assert_int_eq(sn_ipalloc_exclude(&a, &part), -EBUSY);
	ck_assert_uint_eq(sn_ipalloc_free_count(&a), 255);
	ck_assert_int_eq(sn_ipalloc_exclude(&a, &outside), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 256);
	ck_assert_int_eq(sn_ipalloc_release(&a, addr("10.0.0.2")), 0);
	ck_assert_int_eq(sn_ipalloc_exclude(&a, &wider), 0);	/* covers it all */
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 0);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), -ENOSPC);
}
END_TEST

START_TEST(small_pool_wraps)
{
	struct sn_prefix range = prefix("10.30.0.0/28"), edge = { .len = 32 };
	uint32_t got;

	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 32), 0);
	edge.addr = range.addr;
	sn_ipalloc_exclude(&a, &edge);
	edge.addr = range.addr + 15;
	sn_ipalloc_exclude(&a, &edge);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 14);
	for (uint32_t i = 1; i <= 14; i++) {
		ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
		ck_assert_uint_eq(got, range.addr + i);
	}
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), -ENOSPC);
	ck_assert_int_eq(sn_ipalloc_release(&a, range.addr + 3), 0);
	ck_assert_int_eq(sn_ipalloc_release(&a, range.addr + 9), 0);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
	ck_assert_uint_eq(got, range.addr + 3);
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
	ck_assert_uint_eq(got, range.addr + 9);
}
END_TEST

START_TEST(continue_after_restores_rotation)
{
	struct sn_prefix range = prefix("10.18.0.0/16");
	uint32_t got;

	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 26), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 1024);	/* the oakestra profile */
	ck_assert_int_eq(sn_ipalloc_reserve(&a, addr("10.18.3.0")), 0);
	sn_ipalloc_continue_after(&a, addr("10.18.3.0"));
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
	ck_assert_uint_eq(got, addr("10.18.3.64"));
	sn_ipalloc_continue_after(&a, addr("10.18.255.192"));	/* the last block: wrap */
	ck_assert_int_eq(sn_ipalloc_alloc(&a, &got), 0);
	ck_assert_uint_eq(got, addr("10.18.0.0"));
}
END_TEST

START_TEST(init_rejects_bad_geometry)
{
	struct sn_prefix range = prefix("10.0.0.0/16"), huge = prefix("0.0.0.0/0");

	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 8), -EINVAL);
	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 33), -EINVAL);
	ck_assert_int_eq(sn_ipalloc_init(&a, &huge, 32), -EINVAL);	/* 2^32 blocks */
	ck_assert_int_eq(sn_ipalloc_init(&a, &range, 16), 0);	/* one block */
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 1);
}
END_TEST

START_TEST(prefix_parsing)
{
	struct sn_prefix p, q;
	char text[SN_CIDR_STRLEN];

	ck_assert(sn_prefix_parse("172.16.0.0/12", &p));
	ck_assert_uint_eq(p.len, 12);
	sn_prefix_format(&p, text);
	ck_assert_str_eq(text, "172.16.0.0/12");
	ck_assert(!sn_prefix_parse("172.16.0.1/12", &p));	/* host bits set */
	ck_assert(!sn_prefix_parse("172.16.0.0/33", &p));
	ck_assert(!sn_prefix_parse("172.16.0.0/", &p));
	ck_assert(!sn_prefix_parse("172.16.0.0/-1", &p));
	ck_assert(!sn_prefix_parse("172.16.0.0/12x", &p));
	ck_assert(!sn_prefix_parse("172.16.0/12", &p));
	ck_assert(!sn_prefix_parse("172.16.0.0", &p));
	ck_assert(!sn_prefix_parse("1234567890123456789/8", &p));
	ck_assert(sn_prefix_parse("0.0.0.0/0", &p));
	ck_assert(sn_prefix_parse("172.30.0.0/16", &q));
	ck_assert(sn_prefix_parse("172.16.0.0/12", &p));
	ck_assert(sn_prefix_overlaps(&p, &q) && sn_prefix_overlaps(&q, &p));
	ck_assert(sn_prefix_parse("10.30.0.0/16", &q));
	ck_assert(!sn_prefix_overlaps(&p, &q));
}
END_TEST

START_TEST(underscores_to_dots)
{
	char ip[] = "172_30_0_1", name[] = "app_ns_svc_ns";

	sn_underscores_to_dots(ip);
	sn_underscores_to_dots(name);
	ck_assert_str_eq(ip, "172.30.0.1");
	ck_assert_str_eq(name, "app.ns.svc.ns");
}
END_TEST

START_TEST(v6_subnet_window_gives_oakestras_sequence)
{
	struct sn_prefix6 window = prefix6("fc00::/96");
	struct in6_addr got;

	ck_assert_int_eq(sn_ipalloc_init6(&a, &window, 120), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 1u << 24);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::");
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::100");
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::200");
	/* The last block of the window, then the rotation wraps. */
	sn_ipalloc_continue_after6(&a, &got);
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &(struct in6_addr){ 0 }), -EDOM);
	got = addr6("fc00::ffff:ff00");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), 0);
	sn_ipalloc_continue_after6(&a, &got);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::300");
	/* v4 calls on a v6 pool find nothing. */
	uint32_t v4;

	ck_assert_int_eq(sn_ipalloc_alloc(&a, &v4), -ENOSPC);
	ck_assert_int_eq(sn_ipalloc_reserve(&a, 0), -EDOM);
}
END_TEST

START_TEST(v6_address_windows_skip_their_first_address)
{
	struct sn_prefix6 inst = prefix6("fdff::/104"), first = prefix6("fdff::/128");
	struct in6_addr got;

	ck_assert_int_eq(sn_ipalloc_init6(&a, &inst, 128), 0);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &first), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), (1u << 24) - 1);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fdff::1");
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fdff::2");
	got = addr6("fdff::");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EACCES);
	got = addr6("fdff::ff:ffff");	/* the window's last address */
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), 0);
	ck_assert(sn_ipalloc_is_used6(&a, &got));
	got = addr6("fdff::100:0");	/* just past it */
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EDOM);
	ck_assert(!sn_ipalloc_contains6(&a, &got));
	got = addr6("fdff:2000::1");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EDOM);
	ck_assert_int_eq(sn_ipalloc_release6(&a, &got), -EDOM);
	got = addr6("fdff::2");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EEXIST);
	ck_assert_int_eq(sn_ipalloc_release6(&a, &got), 0);
	ck_assert_int_eq(sn_ipalloc_release6(&a, &got), -ENOENT);
	ck_assert_uint_eq(sn_ipalloc_free_count(&a), (1u << 24) - 3);
}
END_TEST

START_TEST(v6_small_window_exhausts_and_recycles)
{
	struct sn_prefix6 rr = prefix6("fdff:2000::/124"), first = prefix6("fdff:2000::/128");
	struct in6_addr got;
	char want[SN_IPV6_STRLEN];

	ck_assert_int_eq(sn_ipalloc_init6(&a, &rr, 128), 0);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &first), 0);
	for (int i = 1; i <= 15; i++) {
		ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
		snprintf(want, sizeof(want), "fdff:2000::%x", i);
		assert_addr6(&got, want);
	}
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), -ENOSPC);
	got = addr6("fdff:2000::7");
	ck_assert_int_eq(sn_ipalloc_release6(&a, &got), 0);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fdff:2000::7");
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), -ENOSPC);
}
END_TEST

START_TEST(v6_exclude_and_geometry)
{
	struct sn_prefix6 window = prefix6("fc00::/96"), part = prefix6("fc00::ff00:0/104");
	struct sn_prefix6 inner = prefix6("fc00::100/124"), wide = prefix6("fc00::/7");
	struct sn_prefix6 other = prefix6("fdff::/16"), huge = prefix6("fc00::/64");
	struct in6_addr got;

	ck_assert_int_eq(sn_ipalloc_init6(&a, &window, 130), -EINVAL);
	ck_assert_int_eq(sn_ipalloc_init6(&a, &window, 90), -EINVAL);
	ck_assert_int_eq(sn_ipalloc_init6(&a, &huge, 120), -EINVAL);	/* 2^56 blocks */
	ck_assert_int_eq(sn_ipalloc_init6(&a, &window, 120), 0);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &other), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 1u << 24);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &part), 0);	/* 2^16 of the /120s */
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), (1u << 24) - (1u << 16));
	got = addr6("fc00::ff12:3400");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EACCES);
	got = addr6("fc00::fe12:3400");
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), 0);
	got = addr6("fc00::fe12:3401");	/* not a /120's first address */
	ck_assert_int_eq(sn_ipalloc_reserve6(&a, &got), -EDOM);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &inner), 0);	/* inside block 1 */
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), (1u << 24) - (1u << 16) - 1);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::");
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), 0);
	assert_addr6(&got, "fc00::200");
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &wide), -EBUSY);
	sn_ipalloc_destroy(&a);
	ck_assert_int_eq(sn_ipalloc_init6(&a, &window, 120), 0);
	ck_assert_int_eq(sn_ipalloc_exclude6(&a, &wide), 0);
	ck_assert_uint_eq(sn_ipalloc_capacity(&a), 0);
	ck_assert_int_eq(sn_ipalloc_alloc6(&a, &got), -ENOSPC);
}
END_TEST

START_TEST(v6_parsing_and_canonical_text)
{
	struct sn_prefix6 p, q;
	struct in6_addr x, y;
	char text[SN_CIDR6_STRLEN], canon[SN_IPV6_STRLEN];

	ck_assert(sn_prefix6_parse("fdff:2000::/104", &p));
	ck_assert_uint_eq(p.len, 104);
	sn_prefix6_format(&p, text);
	ck_assert_str_eq(text, "fdff:2000::/104");
	ck_assert(!sn_prefix6_parse("fdff:2000::1/104", &p));	/* host bits set */
	ck_assert(!sn_prefix6_parse("fdff::/129", &p));
	ck_assert(!sn_prefix6_parse("fdff::/", &p));
	ck_assert(!sn_prefix6_parse("fdff::", &p));
	ck_assert(!sn_prefix6_parse("10.0.0.0/8", &p));
	ck_assert(!sn_prefix6_parse("fdff::/1x", &p));
	ck_assert(sn_prefix6_parse("::/0", &p));
	/* Spellings of one address compare and print as one. */
	ck_assert(sn_ipv6_parse("fdff:2000:0::5", &x));
	ck_assert(sn_ipv6_parse("FDFF:2000:0000:0000:0000:0000:0000:0005", &y));
	ck_assert_int_eq(sn_ipv6_cmp(&x, &y), 0);
	ck_assert(sn_ipv6_canonical("FDFF:2000:0::5", canon));
	ck_assert_str_eq(canon, "fdff:2000::5");
	ck_assert(!sn_ipv6_canonical("10.30.0.1", canon));
	ck_assert(!sn_ipv6_canonical("fdff::g", canon));
	ck_assert(!sn_ipv6_canonical("fdff:: ", canon));
	ck_assert(!sn_ipv6_canonical("", canon));
	ck_assert(!sn_ipv6_parse(NULL, &x));
	/* Order: memcmp order is numeric. */
	ck_assert(sn_ipv6_parse("fdff::ffff", &x) && sn_ipv6_parse("fdff::1:0", &y));
	ck_assert_int_lt(sn_ipv6_cmp(&x, &y), 0);
	/* Containment and overlap. */
	ck_assert(sn_prefix6_parse("fdff::/16", &p) && sn_prefix6_parse("fdff:2000::/104", &q));
	ck_assert(sn_prefix6_within(&q, &p) && !sn_prefix6_within(&p, &q));
	ck_assert(sn_prefix6_overlaps(&p, &q) && sn_prefix6_overlaps(&q, &p));
	ck_assert(sn_prefix6_parse("fc00::/96", &q));
	ck_assert(!sn_prefix6_overlaps(&p, &q));
	ck_assert(sn_prefix6_parse("fc00::/7", &p) && sn_prefix6_within(&q, &p));
	ck_assert(sn_ipv6_parse("fdff:20ff:1::", &x));
	ck_assert(sn_prefix6_parse("fdff:2000::/24", &p) && sn_prefix6_contains(&p, &x));
	ck_assert(sn_ipv6_parse("fdff:2100::", &x) && !sn_prefix6_contains(&p, &x));
	/* Bit fields: a /120's index in fc00::/96. */
	ck_assert(sn_ipv6_parse("fc00::12:3400", &x));
	ck_assert_uint_eq(sn_ipv6_bits(&x, 96, 24), 0x1234);
	sn_ipv6_set_bits(&x, 96, 24, 0xabcdef);
	sn_ipv6_format(&x, canon);
	ck_assert_str_eq(canon, "fc00::abcd:ef00");
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("ipalloc", NULL, teardown, 30, seed_pool_has_15360_subnets,
			  exhaustion_is_exact_and_distinct, released_blocks_come_back_last,
			  reserve_validates, exclude_refuses_allocated_blocks,
			  small_pool_wraps, continue_after_restores_rotation,
			  init_rejects_bad_geometry, prefix_parsing, underscores_to_dots,
			  v6_subnet_window_gives_oakestras_sequence,
			  v6_address_windows_skip_their_first_address,
			  v6_small_window_exhausts_and_recycles, v6_exclude_and_geometry,
			  v6_parsing_and_canonical_text);
}
