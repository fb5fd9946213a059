// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: what a flow points at outlives the flow. Deleting a service or
 * an instance removes every flow to it, however large the table, and a
 * flow that a purge missed is never used (and keeps its targets' memory
 * until it goes). Run under KASAN: a use after free fails the run.
 * Reuses the tables suite's fixture and helpers (tables_test.c).
 */
#include <kunit/test.h>

/* Flows in the purge test: enough that the walk pauses many times. */
static unsigned int lifetime_flows = 12000;
module_param(lifetime_flows, uint, 0444);
MODULE_PARM_DESC(lifetime_flows, "flows in the lifetime purge test");

/* Flows in the table whose service (or, with @inst, instance) is @obj. */
static unsigned int lt_count(struct semnet_net *sn, const void *svc,
			     const void *inst)
{
	struct rhashtable_iter iter;
	struct semnet_ftuple *t;
	unsigned int n = 0;

	rhashtable_walk_enter(&sn->flows.tuples, &iter);
	rhashtable_walk_start(&iter);
	while ((t = rhashtable_walk_next(&iter))) {
		const struct semnet_flow *flow;

		if (IS_ERR(t) || t->key.index != SEMNET_FT_ORIG_PRE)
			continue;
		flow = semnet_ftuple_flow(t);
		if ((!svc || flow->svc == svc) && (!inst || flow->inst == inst))
			n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static void lt_node(struct semnet_node *node)
{
	tables_node(node);
	node->flow_max = 4 * lifetime_flows;
	/* Creating them takes longer than unreplied flows live here. */
	node->timeout[SEMNET_TIMEOUT_UNREPLIED] = 900 * HZ;
}

static int lt_init(struct kunit *test)
{
	return kt_fixture_init(test, lt_node);
}

/*
 * Half the flows on service A, half on B, interleaved in the table; the
 * purge for A pauses every 4096 tuples, often right on one of A's flows.
 */
static void semnet_lifetime_purge_exact(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_service *a, *b;
	struct semnet_flow_plan plan;
	unsigned int i, n = lifetime_flows, created = 0;
	u64 start;

	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "a"), 0);
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.2", "b"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "a", "172.16.0.5"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.2", "b", "172.16.0.6"), 0);

	rcu_read_lock();
	a = semnet_service_lookup(&f->sn, tb_ip("172.30.0.1"));
	b = semnet_service_lookup(&f->sn, tb_ip("172.30.0.2"));
	for (i = 0; i < n; i++) {
		bool on_a = i & 1;
		char src[16];

		/* Many clients, so the tuples spread over the whole table. */
		snprintf(src, sizeof(src), "172.16.%u.%u", 1 + (i >> 14) % 60,
			 (i >> 6) & 0xff);
		plan = tb_plan(f, src, 1024 + (i & 0x3f) * 512 + (i >> 20),
			       on_a ? "172.30.0.1" : "172.30.0.2", 80,
			       on_a ? "172.30.1.1" : "172.30.1.2");
		if (!IS_ERR(semnet_flow_create(&f->sn, tb_node(f), &plan)))
			created++;
		if (i % 4096 == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, created, n);
	KUNIT_ASSERT_EQ(test, lt_count(&f->sn, a, NULL), n / 2);
	/* The table holds one reference, every flow one more. */
	KUNIT_EXPECT_EQ(test, refcount_read(&a->ref), n / 2 + 1);

	start = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, tb_service_del(f, "172.30.0.1"), 0);
	kunit_info(test, "%u flows, service A's %u purged in %llu ms\n", n,
		   n / 2, (ktime_get_ns() - start) / NSEC_PER_MSEC);
	kt_removals_settle();
	/* @a may be freed by now: compared, never dereferenced. */
	KUNIT_EXPECT_EQ(test, lt_count(&f->sn, a, NULL), 0U);
	KUNIT_EXPECT_EQ(test, lt_count(&f->sn, b, NULL), n - n / 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), (int)(n - n / 2));

	/* The same for an instance: B's go, every one. */
	KUNIT_EXPECT_EQ(test, tb_instance_del(f, "172.30.1.2"), 0);
	kt_removals_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
}

/*
 * Deletes the object at @addr with @del while @t is out of the table,
 * where the purge's walk cannot see it, then puts @t back.
 */
static void lt_hidden_del(struct kunit *test, struct kt_fixture *f,
			  struct semnet_ftuple *t,
			  int (*del)(struct kt_fixture *f, const char *addr),
			  const char *addr)
{
	rhashtable_remove_fast(&f->sn.flows.tuples, &t->node,
			       semnet_ftuple_params);
	KUNIT_EXPECT_EQ(test, del(f, addr), 0);
	KUNIT_ASSERT_EQ(test, rhashtable_insert_fast(&f->sn.flows.tuples, &t->node,
						     semnet_ftuple_params), 0);
}

/*
 * A flow that a purge does not find (hidden from the walk here, as a
 * concurrent removal can make it skip one) keeps its instance's memory,
 * and the first packet that looks it up removes it instead of using it.
 */
static void semnet_lifetime_stale_flow(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_instance *inst;
	struct semnet_service *svc;
	struct semnet_flow_plan plan;
	struct semnet_ftuple *t;
	struct semnet_fkey post;

	tb_one_instance(test, f);
	t = tb_flow_create(f, "172.16.0.2", 40000, &plan);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	inst = plan.inst;
	svc = plan.svc;
	KUNIT_EXPECT_EQ(test, refcount_read(&inst->ref), 2U);
	KUNIT_EXPECT_EQ(test, refcount_read(&svc->ref), 2U);
	post = semnet_ftuple_flow4(t)->t[SEMNET_FT_ORIG_POST].key;

	/* Out of the walk's sight while the instance is deleted. */
	lt_hidden_del(test, f, t, tb_instance_del, "172.30.1.1");

	/* Deleted, yet alive for the flow's sake: only its reference is left. */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(inst->dead));
	KUNIT_EXPECT_EQ(test, refcount_read(&inst->ref), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);

	/* A packet at any stage of the flow finds nothing, and removes it. */
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, semnet_flow_lookup(&f->sn, &post));
	KUNIT_EXPECT_NULL(test, semnet_flow_lookup(&f->sn, &plan.orig));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
	/* The flow's RCU free drops the last reference (KASAN watches). */
	rcu_barrier();
}

/*
 * A delete does not wait for readers: a packet that picked the instance
 * just before may go on to create a flow to it. That flow is taken back at
 * once, and the packet is dropped, never translated to the dead instance.
 */
static void semnet_lifetime_create_after_delete(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_instance *inst;
	struct semnet_flow_plan plan;
	struct semnet_ftuple *t;

	tb_one_instance(test, f);
	rcu_read_lock();
	plan = tb_plan(f, "172.16.0.2", 40000, "172.30.0.1", 80, "172.30.1.1");
	inst = plan.inst;
	/* Stands for the reader's grace period, which a mutex cannot share. */
	refcount_inc(&inst->ref);
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, tb_instance_del(f, "172.30.1.1"), 0);

	rcu_read_lock();
	t = semnet_flow_create(&f->sn, tb_node(f), &plan);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(t), -ESTALE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
	KUNIT_EXPECT_EQ(test, lt_count(&f->sn, NULL, NULL), 0U);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, semnet_flow_lookup(&f->sn, &plan.orig));
	rcu_read_unlock();
	/* The flow's free drops its reference; ours is the last. */
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, refcount_read(&inst->ref), 1U);
	semnet_instance_put(inst);
}

/*
 * The reaper removes a stale flow it comes across, whatever its timer.
 */
static void semnet_lifetime_reaper(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan plan;
	struct semnet_ftuple *t;

	tb_one_instance(test, f);
	t = tb_flow_create(f, "172.16.0.2", 40000, &plan);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	lt_hidden_del(test, f, t, tb_service_del, "172.30.0.1");
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);

	/* One full reaper pass (it runs from the workqueue every second). */
	do {
		mod_delayed_work(system_power_efficient_wq, &f->sn.flows.gc_work, 0);
		flush_delayed_work(&f->sn.flows.gc_work);
	} while (f->sn.flows.gc_iter_active);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
	rcu_barrier();
}

/*
 * Destroying a namespace's state with many flows left frees them all and
 * drops every reference (kmemleak and KASAN check the rest).
 */
static void semnet_lifetime_destroy_full(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan plan;
	unsigned int i;

	tb_one_instance(test, f);
	rcu_read_lock();
	for (i = 0; i < 5000; i++) {
		char src[16];

		snprintf(src, sizeof(src), "172.16.%u.%u", 1 + i / 250, i % 250);
		plan = tb_plan(f, src, 40000, "172.30.0.1", 80, "172.30.1.1");
		if (IS_ERR(semnet_flow_create(&f->sn, tb_node(f), &plan)))
			break;
		if (i % 1024 == 0) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 5000);
	/* tables_exit destroys the state with the flows in it. */
}

static struct kunit_case semnet_lifetime_cases[] = {
	KUNIT_CASE(semnet_lifetime_purge_exact),
	KUNIT_CASE(semnet_lifetime_stale_flow),
	KUNIT_CASE(semnet_lifetime_create_after_delete),
	KUNIT_CASE(semnet_lifetime_reaper),
	KUNIT_CASE(semnet_lifetime_destroy_full),
	{}
};

KT_FIXTURE_SUITE(lifetime, lt_init);
