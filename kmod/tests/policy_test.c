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
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, semnet_policy_find("mh"));
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
		int idx = policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset, 0));

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

	semnet_policy_rr.pick(&f->svc, f->iset, 0);
	f->iset->count = 2;
	for (i = 0; i < 20; i++)
		counts[policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset, 0))]++;
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
	first = policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset, 0));
	KUNIT_EXPECT_EQ(test, first, 0xfffffffeU % 4);
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ(test,
				policy_index(f, semnet_policy_rr.pick(&f->svc, f->iset, 0)),
				(int)((0xfffffffeU + i) % 4));
}

static void semnet_policy_random_spread(struct kunit *test)
{
	const struct semnet_policy *random = semnet_policy_find("random");
	struct policy_fixture *f = policy_setup(test, POLICY_N);
	int counts[POLICY_N] = {};
	int i;

	for (i = 0; i < 5000; i++) {
		int idx = policy_index(f, random->pick(&f->svc, f->iset, 0));

		KUNIT_ASSERT_GE(test, idx, 0);
		KUNIT_ASSERT_LT(test, idx, POLICY_N);
		counts[idx]++;
	}
	/* 1000 expected each; 700 is over 9 standard deviations away. */
	for (i = 0; i < POLICY_N; i++)
		KUNIT_EXPECT_GT(test, counts[i], 700);
}

#define MH_N		10
#define MH_CLIENTS	10000

/* A real set (with its Maglev table) over @n of @inst, skipping @skip. */
static struct semnet_iset *mh_set(struct kunit *test,
				  struct semnet_instance *inst, u32 n, int skip)
{
	struct semnet_iset *iset = semnet_iset_alloc(n - (skip >= 0));
	u32 i, k = 0;

	KUNIT_ASSERT_NOT_NULL(test, iset);
	for (i = 0; i < n; i++)
		if ((int)i != skip)
			iset->inst[k++] = &inst[i];
	iset->count = k;
	semnet_iset_finish(iset);
	KUNIT_EXPECT_NULL(test, iset->mh_scratch);
	return iset;
}

static __be32 mh_client(u32 i)
{
	return htonl(0xac100000 + i);	/* 172.16.x.y */
}

/*
 * Consistent hashing: a client always gets the same instance, the load is
 * even, and removing one of N instances moves its clients and hardly any
 * other (Maglev moves a few percent more than the minimal 1/N).
 */
static void semnet_policy_mh_consistent(struct kunit *test)
{
	const struct semnet_policy *mh = semnet_policy_find("mh");
	struct semnet_instance *inst;
	struct semnet_iset *all, *less;
	struct semnet_service svc = {};
	int counts[MH_N] = {}, moved = 0, orphans = 0;
	u16 *before;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, mh);
	inst = kunit_kcalloc(test, MH_N, sizeof(*inst), GFP_KERNEL);
	before = kunit_kcalloc(test, MH_CLIENTS, sizeof(*before), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inst);
	KUNIT_ASSERT_NOT_NULL(test, before);
	for (i = 0; i < MH_N; i++)
		inst[i].addr = htonl(0xac1e0101 + i);	/* 172.30.1.1.. */
	all = mh_set(test, inst, MH_N, -1);
	KUNIT_EXPECT_GE(test, all->mh_size, (u32)(100 * MH_N));

	for (i = 0; i < MH_CLIENTS; i++) {
		struct semnet_instance *got = mh->pick(&svc, all, mh_client(i));

		before[i] = got - inst;
		counts[before[i]]++;
		KUNIT_EXPECT_PTR_EQ(test, mh->pick(&svc, all, mh_client(i)), got);
	}
	/* 1000 expected each; Maglev's shares differ by a few percent. */
	for (i = 0; i < MH_N; i++) {
		KUNIT_EXPECT_GT(test, counts[i], 800);
		KUNIT_EXPECT_LT(test, counts[i], 1200);
	}

	less = mh_set(test, inst, MH_N, 3);
	for (i = 0; i < MH_CLIENTS; i++) {
		u16 now = mh->pick(&svc, less, mh_client(i)) - inst;

		KUNIT_EXPECT_NE(test, now, 3);
		if (before[i] == 3)
			orphans++;
		else if (now != before[i])
			moved++;
	}
	kunit_info(test, "removing 1 of %d: %d clients had to move, %d others moved\n",
		   MH_N, orphans, moved);
	KUNIT_EXPECT_EQ(test, orphans, counts[3]);
	/* Few beyond those of the removed instance (about 2% expected). */
	KUNIT_EXPECT_LT(test, moved, MH_CLIENTS * 4 / 100);
	semnet_iset_free(all);
	semnet_iset_free(less);
}

/* Past SEMNET_MH_MAX_INSTANCES: no table, still a stable pick in range. */
static void semnet_policy_mh_large(struct kunit *test)
{
	const struct semnet_policy *mh = semnet_policy_find("mh");
	u32 n = SEMNET_MH_MAX_INSTANCES + 1, i;
	struct semnet_instance *inst;
	struct semnet_iset *iset;
	struct semnet_service svc = {};

	inst = kunit_kcalloc(test, n, sizeof(*inst), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inst);
	iset = mh_set(test, inst, n, -1);
	KUNIT_EXPECT_EQ(test, iset->mh_size, 0U);
	for (i = 0; i < 100; i++) {
		struct semnet_instance *got = mh->pick(&svc, iset, mh_client(i));

		KUNIT_EXPECT_TRUE(test, got >= inst && got < inst + n);
		KUNIT_EXPECT_PTR_EQ(test, mh->pick(&svc, iset, mh_client(i)), got);
	}
	semnet_iset_free(iset);
}

static struct kunit_case semnet_policy_cases[] = {
	KUNIT_CASE(semnet_policy_lookup),
	KUNIT_CASE(semnet_policy_rr_exact),
	KUNIT_CASE(semnet_policy_rr_shrink),
	KUNIT_CASE(semnet_policy_rr_wrap),
	KUNIT_CASE(semnet_policy_random_spread),
	KUNIT_CASE(semnet_policy_mh_consistent),
	KUNIT_CASE(semnet_policy_mh_large),
	{}
};

KT_SUITE(policy);
