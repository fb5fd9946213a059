// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the state the table, miss, peer, closest, lifetime and config
 * suites start from, and the suite definitions of all suites.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/slab.h>

/* One case's private semnet state, and the node it was set up with. */
struct kt_fixture {
	struct semnet_net sn;
	struct semnet_node *node;
};

/*
 * Sets up a private semnet state in @sn and returns a node for it as the
 * scenarios configure one (platform 172.16.0.0/12, services
 * 172.30.0.0/16, subnet 172.16.0.0/26 with its gateway at .1), not yet
 * published: the caller adjusts it, then assigns sn->node. No hooks: the
 * code under test is driven directly. NULL when out of memory.
 */
static struct semnet_node *kt_state_init(struct semnet_net *sn)
{
	struct semnet_node *node;

	if (semnet_state_init(sn, &init_net))
		return NULL;
	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		semnet_state_destroy(sn);
		return NULL;
	}
	node->platform = (struct semnet_prefix){ in_aton("172.16.0.0"), 12 };
	node->services = (struct semnet_prefix){ in_aton("172.30.0.0"), 16 };
	node->subnets[0] = (struct semnet_prefix){ in_aton("172.16.0.0"), 26 };
	node->n_subnets = 1;
	node->gateway = in_aton("172.16.0.1");
	node->unreplied_max = SEMNET_DEFAULT_UNREPLIED_MAX;
	node->timeout[SEMNET_TIMEOUT_UNREPLIED] =
		SEMNET_DEFAULT_TIMEOUT_UNREPLIED * HZ;
	return node;
}

/*
 * @expr evaluated under the state's configuration mutex, as the netlink
 * handlers call the code under test.
 */
#define kt_locked(f, expr) ({						\
	typeof(expr) __ret;						\
									\
	mutex_lock(&(f)->sn.lock);					\
	__ret = (expr);							\
	mutex_unlock(&(f)->sn.lock);					\
	__ret;								\
})

/*
 * The .init of a case: a kt_fixture in test->priv, its node adjusted by
 * @adjust (the suite's limits and timeouts) before it is published.
 */
static int kt_fixture_init(struct kunit *test,
			   void (*adjust)(struct semnet_node *node))
{
	struct kt_fixture *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->node = kt_state_init(&f->sn);
	if (!f->node) {
		kfree(f);
		return -ENOMEM;
	}
	/*
	 * The same unreplied-flow sketch every run: a test whose sources
	 * happened to share slots would fail every time, not 1 in N.
	 */
	f->sn.flows.unreplied_seed[0] = 0x5e3a7e01;
	f->sn.flows.unreplied_seed[1] = 0x5e3a7e02;
	adjust(f->node);
	rcu_assign_pointer(f->sn.node, f->node);
	test->priv = f;
	return 0;
}

static void kt_fixture_exit(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	semnet_state_destroy(&f->sn);
	kfree(f);
}

/*
 * The reaper runs beside a test, and the flows of a deleted instance are
 * stale: it may be removing one when the purge skips it as taken, and
 * uncounts it a moment later. Removers run under the RCU read lock (the
 * reaper's walk, the packet path): after a grace period the count is
 * exact. (CI once read 1 of 1000 left.)
 */
static void kt_removals_settle(void)
{
	synchronize_rcu();
}

/* The flow cache is module-wide: semnet.ko sets it up at load. */
static int kt_suite_init(struct kunit_suite *suite)
{
	return semnet_flow_cache_init();
}

static void kt_suite_exit(struct kunit_suite *suite)
{
	semnet_flow_cache_exit();
}

/*
 * The suite semnet_@id of the cases semnet_@id_cases, each on a fresh
 * kt_fixture that @init_case sets up.
 */
#define KT_FIXTURE_SUITE(id, init_case)					\
	static struct kunit_suite semnet_##id##_suite = {		\
		.name = "semnet_" #id,					\
		.init = init_case,					\
		.exit = kt_fixture_exit,				\
		.suite_init = kt_suite_init,				\
		.suite_exit = kt_suite_exit,				\
		.test_cases = semnet_##id##_cases,			\
	}

/* The suite semnet_@id of the cases semnet_@id_cases, with no fixture. */
#define KT_SUITE(id)							\
	static struct kunit_suite semnet_##id##_suite = {		\
		.name = "semnet_" #id,					\
		.test_cases = semnet_##id##_cases,			\
	}
