// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: IPv6 flows in the flow table beside IPv4 ones: created from a
 * plan with their four tuples found where they should be and rewriting
 * to what they should, a clashing source port remapped, the unreplied
 * limit per IPv6 client, one flow_max for both families with the early
 * drop making room across them, purges and the reaper walking both
 * tables, and destroy freeing what is left (KASAN and kmemleak check).
 * The tables fixture (tables_test.c), its node with flow_max 1000.
 */
#include <kunit/test.h>

/* A counter of the namespace's stats, summed over the CPUs. */
#define kt_stat(f, field) ({						\
	struct semnet_stats __sum;					\
									\
	semnet_stats_sum(&(f)->sn, &__sum);				\
	__sum.field;							\
})

static struct in6_addr f6_ip(const char *s)
{
	struct in6_addr a = {};

	in6_pton(s, -1, a.s6_addr, -1, NULL);
	return a;
}

/* Client @client:@sport asks fdff:2000::1:80; the instance is fc00:1::2. */
static void f6_plan(struct semnet_flow_plan6 *p, const char *client,
		    u16 sport, u8 proto)
{
	memset(p, 0, sizeof(*p));
	p->orig.src = f6_ip(client);
	p->orig.dst = f6_ip("fdff:2000::1");
	p->orig.sport = htons(sport);
	p->orig.dport = htons(80);
	p->orig.proto = proto;
	p->xsrc = f6_ip("fdff::5");		/* the client's InstanceIP */
	p->xdst = f6_ip("fc00:1::2");		/* the instance's nsIP */
	p->reply_src = f6_ip("fdff::3");	/* its node rewrote it */
	p->reply_dst = p->orig.src;
	p->reply_xdst = p->orig.src;
	p->reply_xsrc = p->orig.dst;
}

static struct semnet_ftuple6 *f6_create(struct kt_fixture *f,
					const struct semnet_flow_plan6 *p)
{
	struct semnet_ftuple6 *t;

	rcu_read_lock();
	t = semnet_flow_create6(&f->sn, tb_node(f), p);
	rcu_read_unlock();
	return t;
}

static struct semnet_ftuple6 *f6_lookup(struct kt_fixture *f,
					const struct semnet_fkey6 *key)
{
	struct semnet_ftuple6 *t;

	rcu_read_lock();
	t = semnet_flow_lookup6(&f->sn, key);
	rcu_read_unlock();
	return t;
}

static void semnet_flow6_tuples(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan6 p;
	struct semnet_ftuple6 *t, *u;
	struct semnet_fkey6 key, to;

	f6_plan(&p, "fc00::102", 40000, IPPROTO_TCP);
	t = f6_create(f, &p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->key.index, (u8)SEMNET_FT_ORIG_PRE);
	KUNIT_EXPECT_EQ(test, semnet_ftuple6_flow(t)->family, (u8)AF_INET6);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);

	/* Client → ServiceIP before routing: to the instance's nsIP. */
	key = p.orig;
	key.stage = SEMNET_STAGE_PRE;
	KUNIT_EXPECT_PTR_EQ(test, f6_lookup(f, &key), t);
	semnet_ftuple6_target(t, &to);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&to.dst, &p.xdst));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&to.src, &p.orig.src));
	KUNIT_EXPECT_EQ(test, to.sport, p.orig.sport);

	/* ... after routing: from the client's InstanceIP. */
	key.dst = p.xdst;
	key.stage = SEMNET_STAGE_POST;
	u = f6_lookup(f, &key);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_EQ(test, u->key.index, (u8)SEMNET_FT_ORIG_POST);
	semnet_ftuple6_target(u, &to);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&to.src, &p.xsrc));

	/* The reply, before and after routing: back from the ServiceIP. */
	memset(&key, 0, sizeof(key));
	key.src = p.reply_src;
	key.dst = p.reply_dst;
	key.sport = p.orig.dport;
	key.dport = p.orig.sport;
	key.proto = IPPROTO_TCP;
	key.stage = SEMNET_STAGE_PRE;
	u = f6_lookup(f, &key);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_EQ(test, u->key.index, (u8)SEMNET_FT_REPLY_PRE);
	key.dst = p.reply_xdst;
	key.stage = SEMNET_STAGE_POST;
	u = f6_lookup(f, &key);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_EQ(test, u->key.index, (u8)SEMNET_FT_REPLY_POST);
	semnet_ftuple6_target(u, &to);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&to.src, &p.orig.dst));
	KUNIT_EXPECT_EQ(test, to.dport, p.orig.sport);

	/* The same flow again: -EEXIST, nothing counted twice. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(f6_create(f, &p)), -EEXIST);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);

	KUNIT_EXPECT_TRUE(test, semnet_flow_remove(&f->sn, semnet_ftuple6_flow(t)));
	key = p.orig;
	key.stage = SEMNET_STAGE_PRE;
	KUNIT_EXPECT_NULL(test, f6_lookup(f, &key));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
	rcu_barrier();
}

/*
 * A plan to a local instance: it answers what it saw, the client's
 * InstanceIP, so clients sharing that identity clash on their replies.
 */
static void f6_plan_local(struct semnet_flow_plan6 *p, const char *client,
			  u16 sport)
{
	f6_plan(p, client, sport, IPPROTO_UDP);
	p->xdst = f6_ip("fc00::105");
	p->reply_src = p->xdst;
	p->reply_dst = p->xsrc;
}

/* Two clients with one InstanceIP and port: the second is remapped. */
static void semnet_flow6_remap(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan6 a, b;
	struct semnet_ftuple6 *ta, *tb;
	const struct semnet_flow6 *fb;

	f6_plan_local(&a, "fc00::102", 40000);
	f6_plan_local(&b, "fc00::103", 40000);
	ta = f6_create(f, &a);
	tb = f6_create(f, &b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ta);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tb);
	fb = semnet_ftuple6_flow6(tb);
	KUNIT_EXPECT_NE(test, fb->t[SEMNET_FT_ORIG_POST].key.sport, htons(40000));
	KUNIT_EXPECT_EQ(test, fb->t[SEMNET_FT_REPLY_PRE].key.dport,
			fb->t[SEMNET_FT_ORIG_POST].key.sport);
	KUNIT_EXPECT_EQ(test, kt_stat(f, port_remaps), 1ULL);

	/* A fixed port never moves: no second flow. */
	f6_plan_local(&b, "fc00::104", 40000);
	b.fixed_port = true;
	KUNIT_EXPECT_EQ(test, PTR_ERR(f6_create(f, &b)), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 2);
}

/* Unreplied flows count per IPv6 client; both families share flow_max. */
static void semnet_flow6_limits(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan6 p;
	struct semnet_flow_plan p4;
	struct semnet_ftuple *t4;
	int i, left;

	f->node->unreplied_max = 3;
	f->node->flow_max = 4;
	for (i = 0; i < 3; i++) {
		f6_plan(&p, "fc00::102", 41000 + i, IPPROTO_TCP);
		KUNIT_EXPECT_FALSE(test, IS_ERR(f6_create(f, &p)));
	}
	f6_plan(&p, "fc00::102", 41003, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, PTR_ERR(f6_create(f, &p)), -EDQUOT);
	/* Another client may, up to flow_max... */
	f6_plan(&p, "fc00::109", 42000, IPPROTO_TCP);
	KUNIT_EXPECT_FALSE(test, IS_ERR(f6_create(f, &p)));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 4);
	/*
	 * ... and an IPv4 flow past it evicts an unreplied IPv6 one (the
	 * early drop samples both tables). Which one depends on the buckets
	 * sampled, from a random one: three of the four are left.
	 */
	tb_one_instance(test, f);
	t4 = tb_flow_create(f, "172.16.0.2", 40000, &p4);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(t4));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 4);
	KUNIT_EXPECT_EQ(test, kt_stat(f, early_drops), 1ULL);
	for (i = 0, left = 0; i < 4; i++) {
		struct semnet_ftuple6 *t;

		f6_plan(&p, i < 3 ? "fc00::102" : "fc00::109",
			i < 3 ? 41000 + i : 42000, IPPROTO_TCP);
		rcu_read_lock();
		t = semnet_flow_lookup6(&f->sn, &p.orig);
		rcu_read_unlock();
		left += !!t;
	}
	KUNIT_EXPECT_EQ(test, left, 3);
}

static bool f6_is6(const struct semnet_flow *flow, const void *arg)
{
	return flow->family == AF_INET6;
}

/* Purges and the reaper walk both tables. */
static void semnet_flow6_purge_reap(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan6 p;
	struct semnet_flow_plan p4;
	struct semnet_ftuple6 *t;
	int i;

	for (i = 0; i < 50; i++) {
		f6_plan(&p, "fc00::102", 43000 + i, IPPROTO_UDP);
		KUNIT_ASSERT_FALSE(test, IS_ERR(f6_create(f, &p)));
	}
	tb_one_instance(test, f);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(tb_flow_create(f, "172.16.0.2",
							       40000, &p4)));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 51);
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_flow_purge(&f->sn, f6_is6, NULL), 50U);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);

	/* An expired IPv6 flow goes on the reaper's next pass. */
	f6_plan(&p, "fc00::102", 44000, IPPROTO_UDP);
	t = f6_create(f, &p);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	semnet_flow_set_expires(semnet_ftuple6_flow(t), jiffies - HZ);
	do {
		mod_delayed_work(system_power_efficient_wq, &f->sn.flows.gc_work, 0);
		flush_delayed_work(&f->sn.flows.gc_work);
	} while (f->sn.flows.gc_iter_active);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(f, flows_expired), 1ULL);

	/* What is left goes with the state (kt_fixture_exit). */
	for (i = 0; i < 20; i++) {
		f6_plan(&p, "fc00::102", 45000 + i, IPPROTO_TCP);
		KUNIT_ASSERT_FALSE(test, IS_ERR(f6_create(f, &p)));
	}
	rcu_barrier();
}

static struct kunit_case semnet_flow6_cases[] = {
	KUNIT_CASE(semnet_flow6_tuples),
	KUNIT_CASE(semnet_flow6_remap),
	KUNIT_CASE(semnet_flow6_limits),
	KUNIT_CASE(semnet_flow6_purge_reap),
	{}
};

KT_FIXTURE_SUITE(flow6, tables_init);
