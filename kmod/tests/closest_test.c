// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the "closest" policy (policy.c) as the peer code (peer.c) feeds
 * it: instances take their node's cost and down state from the peer their
 * nsIP routes to, picks follow cost changes, and a node going down removes
 * the closest flows to it and no others. Uses the tables fixture
 * (tables_test.c): this node owns 172.16.0.0/26.
 */
#include <kunit/test.h>

#define CL_UNKNOWN	SEMNET_PEER_COST_UNKNOWN

/* Peers B (.64/26 at 10.99.0.2) and C (.128/26 at 10.99.0.3). */
static int cl_peer(struct kt_fixture *f, const char *subnet,
		   const char *addr, u32 cost, bool replace)
{
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub(subnet, 26),
		.under = tb_under(addr),
		.port = SEMNET_TUNNEL_PORT,
		.encap = SEMNET_ENCAP_GRE_UDP,
		.cost = cost,
	};
	enum semnet_add_mode mode = replace ? SEMNET_ADD_CHANGE : SEMNET_ADD_NEW;

	return kt_locked(f, semnet_peer_add(&f->sn, &cfg, mode, NULL));
}

/* SET_PEER by subnet (@subnet) or by node address (@addr). */
static int cl_set(struct kt_fixture *f, const char *subnet,
		  const char *addr, s64 cost, int down)
{
	struct semnet_peer_state st = {
		.set_cost = cost >= 0, .cost = cost >= 0 ? (u32)cost : 0,
		.set_down = down >= 0, .down = down > 0,
	};
	struct semnet_peer_subnet p = tb_psub(subnet ?: "0.0.0.0", 26);
	struct semnet_underlay u = tb_under(addr ?: "0.0.0.0");

	return kt_locked(f, semnet_peer_set(&f->sn, subnet ? &p : NULL, &u,
					    &st, NULL));
}

/* The InstanceIP the service's policy picks next, or "none". */
static const char *cl_pick(struct kt_fixture *f, const char *vip)
{
	static char buf[16];
	struct semnet_instance *inst = NULL;
	struct semnet_service *svc;
	struct semnet_iset *iset;

	rcu_read_lock();
	svc = semnet_service_lookup(&f->sn, tb_ip(vip));
	iset = svc ? rcu_dereference(svc->group->iset) : NULL;
	if (iset)
		inst = svc->policy->pick(svc, iset, tb_ip("172.16.0.2"));
	if (inst)
		snprintf(buf, sizeof(buf), "%pI4", &inst->addr);
	else
		strscpy(buf, "none", sizeof(buf));
	rcu_read_unlock();
	return buf;
}

static struct semnet_instance *cl_inst(struct kt_fixture *f, const char *addr)
{
	return rhashtable_lookup_fast(&f->sn.instances, &(__be32){ tb_ip(addr) },
				      semnet_instance_params);
}

/*
 * The usual set: service "s" (closest at .0.1) with x1 on B, x2 on C;
 * B costs 5000, C 40000.
 */
static void cl_setup(struct kunit *test, struct kt_fixture *f)
{
	KUNIT_ASSERT_EQ(test, cl_peer(f, "172.16.0.64", "10.99.0.2", 5000, false), 0);
	KUNIT_ASSERT_EQ(test, cl_peer(f, "172.16.0.128", "10.99.0.3", 40000, false), 0);
	KUNIT_ASSERT_EQ(test, tb_policy_service(f, "172.30.0.1", "s", &semnet_policy_closest), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.66"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.2", "s", "172.16.0.130"), 0);
}

static void semnet_closest_lowest_cost(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	int i;

	KUNIT_EXPECT_PTR_EQ(test, semnet_policy_find("closest"), &semnet_policy_closest);
	cl_setup(test, f);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.1")->cost, 5000U);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.2")->cost, 40000U);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.1");
	/* The costs swap: the next pick follows. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, 60000, -1), 0);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.1")->cost, 60000U);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.2");
	/* By node address: every peer of the node. */
	KUNIT_ASSERT_EQ(test, cl_set(f, NULL, "10.99.0.3", 70000, -1), 0);
	KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.1");
	/* An instance added later takes its node's cost at once. */
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.3", "s", "172.16.0.131"), 0);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.3")->cost, 70000U);
}

/* Equal costs take turns exactly, in set order. */
static void semnet_closest_ties_rotate(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	int i;

	cl_setup(test, f);
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.128", NULL, 5000, -1), 0);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"),
				   i % 2 ? "172.30.1.2" : "172.30.1.1");
	/* A third, costlier instance does not join the rotation. */
	KUNIT_ASSERT_EQ(test, cl_peer(f, "172.16.0.192", "10.99.0.4", 9000, false), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.3", "s", "172.16.0.194"), 0);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_STRNEQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.3");
	/* Three on one cost: each gets every third flow. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.192", NULL, 5000, -1), 0);
	{
		const char *first = cl_pick(f, "172.30.0.1");
		char a[16], b[16];

		strscpy(a, first, sizeof(a));
		strscpy(b, cl_pick(f, "172.30.0.1"), sizeof(b));
		KUNIT_EXPECT_STRNEQ(test, a, b);
		cl_pick(f, "172.30.0.1");
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), a);
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), b);
	}
}

/* Unmeasured nodes and nsIPs no peer covers rank after every measured one. */
static void semnet_closest_unknown_last(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	int i;

	cl_setup(test, f);
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, CL_UNKNOWN, -1), 0);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.1")->cost, CL_UNKNOWN);
	/* A measured cost, however high, beats an unknown one. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.128", NULL, CL_UNKNOWN - 1, -1), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.2");
	/* No peer at all: unknown too. */
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.3", "s", "172.16.1.5"), 0);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.3")->cost, CL_UNKNOWN);
	KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.2");
	/* Only unknowns left: they share (x1 and x3 in turn). */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.128", NULL, -1, 1), 0);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"),
				   i % 2 ? "172.30.1.3" : "172.30.1.1");
	/* A new peer for the uncovered nsIP: measured, so it wins. */
	KUNIT_ASSERT_EQ(test, cl_peer(f, "172.16.1.0", "10.99.0.5", 100, false), 0);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.3")->cost, 100U);
	KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.3");
	/* Its peer removed: back to unknown. */
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_peer_del(&f->sn, &(struct semnet_peer_subnet){
			.family = AF_INET, .v4 = { tb_ip("172.16.1.0"), 26 } },
			NULL), 0);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.3")->cost, CL_UNKNOWN);
}

static void semnet_closest_local_first(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	int i;

	cl_setup(test, f);
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, 1, -1), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.9", "s", "172.16.0.5"), 0);
	KUNIT_EXPECT_TRUE(test, cl_inst(f, "172.30.1.9")->local);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.9")->cost, 0U);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.9");
}

/* Down nodes are skipped; with every node down there is nothing to pick. */
static void semnet_closest_down(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_instance *x1;
	int i;

	cl_setup(test, f);
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, -1, 1), 0);
	x1 = cl_inst(f, "172.30.1.1");
	KUNIT_EXPECT_TRUE(test, x1->down);
	KUNIT_EXPECT_EQ(test, x1->cost, 5000U);	/* the cost stays */
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.2");
	KUNIT_ASSERT_EQ(test, cl_set(f, NULL, "10.99.0.3", -1, 1), 0);
	KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "none");
	/* rr ignores the down state (by design: only closest avoids it). */
	KUNIT_ASSERT_EQ(test, tb_policy_service(f, "172.30.0.2", "s", &semnet_policy_rr), 0);
	KUNIT_EXPECT_STRNEQ(test, cl_pick(f, "172.30.0.2"), "none");
	/* Up again, cost and down in one request. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, 50000, 0), 0);
	KUNIT_EXPECT_FALSE(test, x1->down);
	KUNIT_EXPECT_STREQ(test, cl_pick(f, "172.30.0.1"), "172.30.1.1");
	/* A replace keeps cost and down it does not give. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, -1, 1), 0);
	mutex_lock(&f->sn.lock);
	{
		struct semnet_peer_cfg cfg = {
			.subnet = tb_psub("172.16.0.64", 26),
			.under = tb_under("10.99.0.7"), .port = SEMNET_TUNNEL_PORT,
		};
		struct semnet_peer *old = semnet_peer_find(&f->sn, &cfg.subnet);

		cfg.cost = old->cost;
		cfg.down = old->down;
		KUNIT_EXPECT_EQ(test, semnet_peer_add(&f->sn, &cfg, SEMNET_ADD_CHANGE, NULL), 0);
		KUNIT_EXPECT_EQ(test, semnet_peer_find(&f->sn, &cfg.subnet)->cost, 50000U);
		KUNIT_EXPECT_TRUE(test, semnet_peer_find(&f->sn, &cfg.subnet)->down);
	}
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_TRUE(test, x1->down);
	/* Every peer flushed: unknown and up, usable again. */
	mutex_lock(&f->sn.lock);
	semnet_peer_flush(&f->sn);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_FALSE(test, x1->down);
	KUNIT_EXPECT_EQ(test, x1->cost, CL_UNKNOWN);
	KUNIT_EXPECT_STRNEQ(test, cl_pick(f, "172.30.0.1"), "none");
}

/* Bad requests change nothing. */
static void semnet_closest_set_errors(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	cl_setup(test, f);
	KUNIT_EXPECT_EQ(test, cl_set(f, "172.16.0.192", NULL, 1, -1), -ENOENT);
	KUNIT_EXPECT_EQ(test, cl_set(f, NULL, "10.99.0.9", 1, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, cl_inst(f, "172.30.1.1")->cost, 5000U);
	KUNIT_EXPECT_FALSE(test, cl_inst(f, "172.30.1.1")->down);
	KUNIT_EXPECT_FALSE(test, cl_inst(f, "172.30.1.2")->down);
}

static u64 cl_purged(struct kt_fixture *f)
{
	struct semnet_stats sum;

	semnet_stats_sum(&f->sn, &sum);
	return sum.closest_purged;
}

/* @n flows from 172.16.0.2, ports from @sport, to @vip, onto @inst. */
static void cl_flows(struct kunit *test, struct kt_fixture *f,
		     const char *vip, const char *inst, u16 sport, int n)
{
	struct semnet_flow_plan plan;
	int i;

	rcu_read_lock();
	for (i = 0; i < n; i++) {
		plan = tb_plan(f, "172.16.0.2", sport + i, vip, 80, inst);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test,
			semnet_flow_create(&f->sn, tb_node(f), &plan));
	}
	rcu_read_unlock();
}

/*
 * A node going down removes the closest flows to its instances: not those
 * to other nodes, not those of other policies, not twice.
 */
static void semnet_closest_purge_down(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	cl_setup(test, f);
	KUNIT_ASSERT_EQ(test, tb_policy_service(f, "172.30.0.2", "s", &semnet_policy_rr), 0);
	cl_flows(test, f, "172.30.0.1", "172.30.1.1", 1000, 3);	/* closest → B */
	cl_flows(test, f, "172.30.0.1", "172.30.1.2", 2000, 2);	/* closest → C */
	cl_flows(test, f, "172.30.0.2", "172.30.1.1", 3000, 4);	/* rr → B */
	KUNIT_ASSERT_EQ(test, atomic_read(&f->sn.flows.count), 9);

	/* A cost change purges nothing. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, 90000, -1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 9);
	KUNIT_EXPECT_EQ(test, cl_purged(f), 0ULL);

	KUNIT_ASSERT_EQ(test, cl_set(f, NULL, "10.99.0.2", -1, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 6);
	KUNIT_EXPECT_EQ(test, cl_purged(f), 3ULL);
	/* Down again (no transition), then up: nothing more goes. */
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, -1, 1), 0);
	KUNIT_ASSERT_EQ(test, cl_set(f, "172.16.0.64", NULL, -1, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 6);
	KUNIT_EXPECT_EQ(test, cl_purged(f), 3ULL);
	/* A replace that takes the node down purges too. */
	KUNIT_EXPECT_EQ(test, cl_set(f, "172.16.0.128", NULL, -1, 0), 0);
	mutex_lock(&f->sn.lock);
	{
		struct semnet_peer_cfg cfg = {
			.subnet = tb_psub("172.16.0.128", 26),
			.under = tb_under("10.99.0.3"), .port = SEMNET_TUNNEL_PORT,
			.cost = 40000, .down = true,
		};

		KUNIT_EXPECT_EQ(test, semnet_peer_add(&f->sn, &cfg, SEMNET_ADD_CHANGE, NULL), 0);
	}
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 4);
	KUNIT_EXPECT_EQ(test, cl_purged(f), 5ULL);
}

static struct kunit_case semnet_closest_cases[] = {
	KUNIT_CASE(semnet_closest_lowest_cost),
	KUNIT_CASE(semnet_closest_ties_rotate),
	KUNIT_CASE(semnet_closest_unknown_last),
	KUNIT_CASE(semnet_closest_local_first),
	KUNIT_CASE(semnet_closest_down),
	KUNIT_CASE(semnet_closest_set_errors),
	KUNIT_CASE(semnet_closest_purge_down),
	{}
};

KT_FIXTURE_SUITE(closest, tables_init);
