// SPDX-License-Identifier: GPL-2.0
/* The IPv4 range allocator and prefix helpers. */
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "sn_ipalloc.h"
#include "sn_ipv4.h"

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

Suite *unit_suite(void)
{
	return UNIT_SUITE("ipalloc", NULL, teardown, 30, seed_pool_has_15360_subnets,
			  exhaustion_is_exact_and_distinct, released_blocks_come_back_last,
			  reserve_validates, exclude_refuses_allocated_blocks,
			  small_pool_wraps, continue_after_restores_rotation,
			  init_rejects_bad_geometry, prefix_parsing, underscores_to_dots);
}
