// SPDX-License-Identifier: GPL-2.0
/* KUnit: instance selection policies (policy.c). */
#include <kunit/test.h>

#include "../policy.h"
#include "../service.h"

#define POLICY_N 5

struct policy_fixture {
	struct semnet_service svc;
	struct semnet_instance inst[POLICY_N];
	struct semnet_iset *iset;
};

static struct policy_fixture *policy_setup(struct kunit *test, u32 n)
{
	struct policy_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	f->iset = kunit_kzalloc(test, struct_size(f->iset, inst, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->iset);
	f->iset->count = n;
	for (i = 0; i < n; i++)
		f->iset->inst[i] = &f->inst[i];
	return f;
}

static int policy_index(struct policy_fixture *f, struct semnet_instance *inst)
{
	return inst - f->inst;
}

static void semnet_policy_lookup(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, semnet_policy_find("rr"), &semnet_policy_rr);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, semnet_policy_find("random"));
	KUNIT_EXPECT_NULL(test, semnet_policy_find("fastest"));
	KUNIT_EXPECT_NULL(test, semnet_policy_find(""));
	KUNIT_EXPECT_NULL(test, semnet_policy_find("RR"));
}

/* Round robin visits every instance once per round, in order. */
static void semnet_policy_rr_exact(struct kunit *test)
{
	struct policy_fixture *f = policy_setup(test, POLICY_N);
	int counts[POLICY_N] = {};
	int i;

	for (i = 0; i < 30 * POLICY_N; i++) {
		int idx = policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset));

		KUNIT_ASSERT_EQ(test, idx, i % POLICY_N);
		counts[idx]++;
	}
	for (i = 0; i < POLICY_N; i++)
		KUNIT_EXPECT_EQ(test, counts[i], 30);
}

/* The set shrinking mid-run (an instance deleted) keeps picks in range. */
static void semnet_policy_rr_shrink(struct kunit *test)
{
	struct policy_fixture *f = policy_setup(test, POLICY_N);
	int counts[POLICY_N] = {};
	int i;

	semnet_policy_rr.pick(&f->svc, f->iset);
	f->iset->count = 2;
	for (i = 0; i < 20; i++)
		counts[policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset))]++;
	KUNIT_EXPECT_EQ(test, counts[0], 10);
	KUNIT_EXPECT_EQ(test, counts[1], 10);
	KUNIT_EXPECT_EQ(test, counts[2] + counts[3] + counts[4], 0);
}

/* The cursor wraps at 2^32 without skipping or repeating an instance. */
static void semnet_policy_rr_wrap(struct kunit *test)
{
	struct policy_fixture *f = policy_setup(test, 4);
	int i, first;

	atomic_set(&f->svc.rr_next, -2);	/* 0xfffffffe */
	first = policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset));
	KUNIT_EXPECT_EQ(test, first, 0xfffffffeU % 4);
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ(test,
				policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset)),
				(int)((0xfffffffeU + i) % 4));
}

static void semnet_policy_random_spread(struct kunit *test)
{
	const struct semnet_policy *random = semnet_policy_find("random");
	struct policy_fixture *f = policy_setup(test, POLICY_N);
	int counts[POLICY_N] = {};
	int i;

	for (i = 0; i < 5000; i++) {
		int idx = policy_index(f, random->pick(&f->svc, f->iset));

		KUNIT_ASSERT_GE(test, idx, 0);
		KUNIT_ASSERT_LT(test, idx, POLICY_N);
		counts[idx]++;
	}
	/* 1000 expected each; 700 is over 9 standard deviations away. */
	for (i = 0; i < POLICY_N; i++)
		KUNIT_EXPECT_GT(test, counts[i], 700);
}

static struct kunit_case semnet_policy_cases[] = {
	KUNIT_CASE(semnet_policy_lookup),
	KUNIT_CASE(semnet_policy_rr_exact),
	KUNIT_CASE(semnet_policy_rr_shrink),
	KUNIT_CASE(semnet_policy_rr_wrap),
	KUNIT_CASE(semnet_policy_random_spread),
	{}
};

static struct kunit_suite semnet_policy_suite = {
	.name = "semnet_policy",
	.test_cases = semnet_policy_cases,
};
