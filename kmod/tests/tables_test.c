// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the per-namespace tables and the flow table (service.c,
 * instance.c, flow.c) on a private state, as the netlink handlers drive
 * them, without the packet path.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/slab.h>

static __be32 tb_ip(const char *s)
{
	return in_aton(s);
}

/* A peer subnet, IPv6 when @s has a colon. */
static struct semnet_peer_subnet tb_psub(const char *s, u8 len)
{
	struct semnet_peer_subnet sub = { .family = AF_INET };

	if (strchr(s, ':')) {
		sub.family = AF_INET6;
		in6_pton(s, -1, sub.v6.addr.s6_addr, -1, NULL);
		sub.v6.len = len;
	} else {
		sub.v4.addr = in_aton(s);
		sub.v4.len = len;
	}
	return sub;
}

/* An underlay address, IPv6 when @s has a colon. */
static struct semnet_underlay tb_under(const char *s)
{
	struct semnet_underlay u = { .family = AF_INET };

	if (strchr(s, ':')) {
		u.family = AF_INET6;
		in6_pton(s, -1, u.ip6.s6_addr, -1, NULL);
	} else {
		u.ip = in_aton(s);
	}
	return u;
}

static void tables_node(struct semnet_node *node)
{
	node->flow_max = 1000;
	node->timeout[SEMNET_TIMEOUT_TCP] = 900 * HZ;
	node->timeout[SEMNET_TIMEOUT_TCP_CLOSE] = 10 * HZ;
	node->timeout[SEMNET_TIMEOUT_UDP] = 30 * HZ;
	node->timeout[SEMNET_TIMEOUT_ICMP] = 20 * HZ;
}

static int tables_init(struct kunit *test)
{
	return kt_fixture_init(test, tables_node);
}

static const struct semnet_node *tb_node(struct kt_fixture *f)
{
	return rcu_dereference_protected(f->sn.node, 1);
}

static int tb_instance(struct kt_fixture *f, const char *addr,
		       const char *service, const char *nsip)
{
	struct semnet_instance_cfg cfg = {
		.addr = tb_ip(addr), .nsip = tb_ip(nsip), .service = service,
	};

	return kt_locked(f, semnet_instance_add(&f->sn, &cfg, SEMNET_ADD_NEW,
						NULL));
}

static int tb_policy_service(struct kt_fixture *f, const char *addr,
			     const char *name, const struct semnet_policy *policy)
{
	return kt_locked(f, semnet_service_add(&f->sn, tb_ip(addr), name, policy,
					       SEMNET_ADD_NEW, NULL));
}

/* A service of the default policy (round robin). */
static int tb_service(struct kt_fixture *f, const char *addr, const char *name)
{
	return tb_policy_service(f, addr, name, NULL);
}

static int tb_service_del(struct kt_fixture *f, const char *addr)
{
	return kt_locked(f, semnet_service_del(&f->sn, tb_ip(addr), NULL));
}

static int tb_instance_del(struct kt_fixture *f, const char *addr)
{
	return kt_locked(f, semnet_instance_del(&f->sn, tb_ip(addr), NULL));
}

/* Service "s" at 172.30.0.1 with one local instance, 172.30.1.1 on .0.5. */
static void tb_one_instance(struct kunit *test, struct kt_fixture *f)
{
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.5"), 0);
}

static void semnet_tables_services(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_service *svc;

	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "a.b.c.d"), 0);
	KUNIT_EXPECT_EQ(test, tb_service(f, "172.30.0.1", "a.b.c.d"), -EEXIST);
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.2", "a.b.c.d"), 0);
	KUNIT_EXPECT_EQ(test, f->sn.n_services, 2U);

	rcu_read_lock();
	svc = semnet_service_lookup(&f->sn, tb_ip("172.30.0.2"));
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_STREQ(test, svc->group->name, "a.b.c.d");
	KUNIT_EXPECT_PTR_EQ(test, svc->policy, &semnet_policy_rr);
	/* Two addresses of one name share one group. */
	KUNIT_EXPECT_PTR_EQ(test, svc->group,
			    semnet_service_lookup(&f->sn, tb_ip("172.30.0.1"))->group);
	KUNIT_EXPECT_NULL(test, semnet_service_lookup(&f->sn, tb_ip("172.30.0.3")));
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, tb_service_del(f, "172.30.0.1"), 0);
	KUNIT_EXPECT_EQ(test, tb_service_del(f, "172.30.0.1"), -ENOENT);
	mutex_lock(&f->sn.lock);
	semnet_service_flush(&f->sn);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, f->sn.n_services, 0U);
	KUNIT_EXPECT_NULL(test, semnet_group_lookup(&f->sn, "a.b.c.d"));
}

static void semnet_tables_instances(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_instance *inst;
	struct semnet_group *group;
	struct semnet_iset *iset;

	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.2"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.2", "s", "172.16.0.3"), 0);
	/* A remote instance: nsIP outside the local subnet. */
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.3", "s", "172.16.0.66"), 0);
	/* Two local instances cannot share an nsIP. */
	KUNIT_EXPECT_EQ(test, tb_instance(f, "172.30.1.4", "s", "172.16.0.2"), -EEXIST);
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 3U);

	rcu_read_lock();
	inst = semnet_instance_lookup(&f->sn, tb_ip("172.30.1.3"));
	KUNIT_ASSERT_NOT_NULL(test, inst);
	KUNIT_EXPECT_FALSE(test, inst->local);
	inst = semnet_local_lookup(&f->sn, tb_ip("172.16.0.3"));
	KUNIT_ASSERT_NOT_NULL(test, inst);
	KUNIT_EXPECT_EQ(test, inst->addr, tb_ip("172.30.1.2"));
	KUNIT_EXPECT_NULL(test, semnet_local_lookup(&f->sn, tb_ip("172.16.0.66")));
	group = semnet_group_lookup(&f->sn, "s");
	KUNIT_ASSERT_NOT_NULL(test, group);
	iset = rcu_dereference(group->iset);
	KUNIT_ASSERT_NOT_NULL(test, iset);
	KUNIT_EXPECT_EQ(test, iset->count, 3U);
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, tb_instance_del(f, "172.30.1.2"), 0);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, semnet_local_lookup(&f->sn, tb_ip("172.16.0.3")));
	KUNIT_EXPECT_EQ(test, rcu_dereference(group->iset)->count, 2U);
	rcu_read_unlock();

	mutex_lock(&f->sn.lock);
	semnet_instance_flush(&f->sn, "s");
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 0U);
	KUNIT_EXPECT_NULL(test, semnet_group_lookup(&f->sn, "s"));
}

/*
 * The InstanceIP found for @addr, or (@by_nsip) for a local instance's
 * nsIP, as the packet path asks (bottom halves off: the CPU's cache
 * answers the second time): "-" for none, "!" when the two answers differ.
 */
static const char *tb_cached(struct kt_fixture *f, const char *addr,
			     bool by_nsip)
{
	struct semnet_instance *a, *b;
	static char buf[20];

	rcu_read_lock();
	local_bh_disable();
	if (by_nsip) {
		a = semnet_local_lookup(&f->sn, tb_ip(addr));
		b = semnet_local_lookup(&f->sn, tb_ip(addr));
	} else {
		a = semnet_instance_lookup(&f->sn, tb_ip(addr));
		b = semnet_instance_lookup(&f->sn, tb_ip(addr));
	}
	if (a != b)
		strscpy(buf, "!", sizeof(buf));
	else if (a)
		snprintf(buf, sizeof(buf), "%pI4", &a->addr);
	else
		strscpy(buf, "-", sizeof(buf));
	local_bh_enable();
	rcu_read_unlock();
	return buf;
}

/*
 * The lookups a CPU remembers (struct semnet_inst_cache) follow every
 * change of the tables: an instance added, replaced by another at a new
 * nsIP, deleted; a local one's nsIP and a remote one's.
 */
static void semnet_tables_instances_cached(struct kunit *test)
{
	struct semnet_instance_cfg cfg = {
		.addr = tb_ip("172.30.1.1"), .nsip = tb_ip("172.16.0.3"),
		.service = "s",
	};
	struct kt_fixture *f = test->priv;
	struct semnet_instance *inst;

	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.1", false), "-");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.2", true), "-");
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.2"), 0);
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.1", false), "172.30.1.1");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.2", true), "172.30.1.1");
	/* Another nsIP: a new instance in its place, the old nsIP nobody's. */
	KUNIT_ASSERT_EQ(test, kt_locked(f, semnet_instance_add(&f->sn, &cfg,
							       SEMNET_ADD_CHANGE,
							       NULL)), 0);
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.2", true), "-");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.3", true), "172.30.1.1");
	rcu_read_lock();
	local_bh_disable();
	inst = semnet_instance_lookup(&f->sn, tb_ip("172.30.1.1"));
	KUNIT_EXPECT_TRUE(test, inst && inst->nsip == tb_ip("172.16.0.3"));
	local_bh_enable();
	rcu_read_unlock();
	/* A remote one (another node's nsIP): found by address only. */
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.2", "s", "172.16.0.66"), 0);
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.2", false), "172.30.1.2");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.66", true), "-");
	KUNIT_EXPECT_EQ(test, tb_instance_del(f, "172.30.1.1"), 0);
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.1", false), "-");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.16.0.3", true), "-");
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.2", false), "172.30.1.2");
	mutex_lock(&f->sn.lock);
	semnet_instance_flush(&f->sn, "s");
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_STREQ(test, tb_cached(f, "172.30.1.2", false), "-");
}

static struct semnet_flow_plan tb_plan(struct kt_fixture *f, const char *src,
				       u16 sport, const char *vip, u16 dport,
				       const char *inst_addr)
{
	struct semnet_instance *inst = semnet_instance_lookup(&f->sn, tb_ip(inst_addr));
	struct semnet_flow_plan plan = {};

	plan.orig = (struct semnet_fkey){
		.src = tb_ip(src), .dst = tb_ip(vip), .sport = htons(sport),
		.dport = htons(dport), .proto = IPPROTO_TCP,
		.stage = SEMNET_STAGE_PRE,
	};
	plan.inst = inst;
	plan.svc = semnet_service_lookup(&f->sn, tb_ip(vip));
	plan.xsrc = tb_ip("172.30.1.10");
	plan.xdst = inst->nsip;
	plan.reply_src = inst->nsip;
	plan.reply_dst = plan.xsrc;
	plan.reply_xdst = plan.orig.src;
	plan.reply_xsrc = plan.orig.dst;
	return plan;
}

/*
 * Creates the flow from @src:@sport to tb_one_instance()'s service as
 * @plan plans it: its first tuple, or an error.
 */
static struct semnet_ftuple *tb_flow_create(struct kt_fixture *f,
					    const char *src, u16 sport,
					    struct semnet_flow_plan *plan)
{
	struct semnet_ftuple *t;

	rcu_read_lock();
	*plan = tb_plan(f, src, sport, "172.30.0.1", 80, "172.30.1.1");
	t = semnet_flow_create(&f->sn, tb_node(f), plan);
	rcu_read_unlock();
	return t;
}

/* Creates a flow from @src:@sport to the service, or returns the error. */
static int tb_flow(struct kt_fixture *f, const char *src, u16 sport,
		   struct semnet_flow **flow)
{
	struct semnet_flow_plan plan;
	struct semnet_ftuple *t = tb_flow_create(f, src, sport, &plan);

	if (IS_ERR(t))
		return PTR_ERR(t);
	if (flow)
		*flow = semnet_ftuple_flow(t);
	return 0;
}

/* @n flows from @src, from source port @sport up: 0, or the first error. */
static int tb_flows(struct kt_fixture *f, const char *src, u16 sport,
		    unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = tb_flow(f, src, sport + i, NULL);
	return ret;
}

static bool semnet_lt_not_flow(const struct semnet_flow *flow, const void *arg)
{
	return flow != arg;
}

/* The tuple that @key finds at @stage: the flow's tuple @index. */
static struct semnet_ftuple *tb_stage(struct kunit *test, struct kt_fixture *f,
				      struct semnet_fkey *key, u8 stage,
				      unsigned int index)
{
	struct semnet_ftuple *t;

	key->stage = stage;
	t = semnet_flow_lookup(&f->sn, key);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->key.index, index);
	return t;
}

/* What @t rewrites its packets to. */
static struct semnet_fkey tb_to(struct semnet_ftuple *t)
{
	struct semnet_fkey to;

	semnet_ftuple_target(t, &to);
	return to;
}

static void semnet_tables_flows(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_plan plan, clash;
	struct semnet_ftuple *t, *t2;
	struct semnet_fkey key, fwd;

	tb_one_instance(test, f);

	rcu_read_lock();
	plan = tb_plan(f, "172.16.0.2", 40000, "172.30.0.1", 80, "172.30.1.1");
	t = semnet_flow_create(&f->sn, tb_node(f), &plan);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	KUNIT_EXPECT_EQ(test, t->key.index, SEMNET_FT_ORIG_PRE);
	KUNIT_EXPECT_EQ(test, tb_to(t).dst, tb_ip("172.16.0.5"));
	KUNIT_EXPECT_EQ(test, tb_to(t).sport, htons(40000));
	KUNIT_EXPECT_PTR_EQ(test, semnet_flow_lookup(&f->sn, &plan.orig), t);

	/* The same first packet again: the flow exists. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(semnet_flow_create(&f->sn, tb_node(f), &plan)),
			-EEXIST);

	/* Each of the four stages finds the flow and knows its rewrite. */
	key = tb_to(t);
	KUNIT_EXPECT_EQ(test, key.stage, SEMNET_STAGE_PRE);
	t2 = tb_stage(test, f, &key, SEMNET_STAGE_POST, SEMNET_FT_ORIG_POST);
	key = tb_to(t2);
	KUNIT_EXPECT_EQ(test, key.src, tb_ip("172.30.1.10"));
	KUNIT_EXPECT_EQ(test, key.dst, tb_ip("172.16.0.5"));
	KUNIT_EXPECT_EQ(test, key.sport, htons(40000));
	KUNIT_EXPECT_EQ(test, key.stage, SEMNET_STAGE_POST);
	fwd = key;
	semnet_fkey_reverse(&key, &fwd);	/* the instance's reply */
	t2 = tb_stage(test, f, &key, SEMNET_STAGE_PRE, SEMNET_FT_REPLY_PRE);
	KUNIT_EXPECT_EQ(test, tb_to(t2).dst, tb_ip("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, tb_to(t2).src, tb_ip("172.16.0.5"));
	key = tb_to(t2);
	t2 = tb_stage(test, f, &key, SEMNET_STAGE_POST, SEMNET_FT_REPLY_POST);
	KUNIT_EXPECT_EQ(test, tb_to(t2).src, tb_ip("172.30.0.1"));
	KUNIT_EXPECT_EQ(test, tb_to(t2).dst, tb_ip("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, tb_to(t2).sport, htons(80));
	KUNIT_EXPECT_EQ(test, tb_to(t2).dport, htons(40000));

	/*
	 * The same source port to the instance's own InstanceIP: the
	 * translated tuple would clash, so the source port is remapped.
	 */
	clash = tb_plan(f, "172.16.0.2", 40000, "172.30.1.1", 80, "172.30.1.1");
	clash.svc = NULL;
	t2 = semnet_flow_create(&f->sn, tb_node(f), &clash);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t2);
	KUNIT_EXPECT_NE(test, tb_to(t2).sport, htons(40000));
	KUNIT_EXPECT_EQ(test, tb_to(t2).dst, tb_ip("172.16.0.5"));
	/* The remapped port comes back as the client's own. */
	key = t2[SEMNET_FT_REPLY_POST].key;
	KUNIT_EXPECT_EQ(test, key.dport, tb_to(t2).sport);
	KUNIT_EXPECT_EQ(test, tb_to(&t2[SEMNET_FT_REPLY_POST]).dport, htons(40000));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 2);
	rcu_read_unlock();

	/* Flush leaves nothing. */
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_flow_purge(&f->sn, NULL, NULL), 2U);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);

	/*
	 * The table fills up to flow_max and no further: one more takes the
	 * place of an unreplied flow (semnet_tables_unreplied: the rest).
	 */
	KUNIT_ASSERT_EQ(test, tb_flows(f, "172.16.0.2", 1000, 1000), 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 5000, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 1000);

	/* Deleting the instance purges its flows. */
	KUNIT_EXPECT_EQ(test, tb_instance_del(f, "172.30.1.1"), 0);
	kt_removals_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
}

/*
 * What removes flows besides a purge (the reaper, the packet path): looks
 * every other flow of the round up by its first tuple and removes it.
 */
struct tb_remover {
	struct kt_fixture *f;
	unsigned int flows;
	u16 sport;
	struct completion done;
};

static void tb_flow_src(char *src, size_t len, unsigned int i)
{
	snprintf(src, len, "172.16.%u.%u", 1 + i / 250, 1 + i % 250);
}

static int tb_remover_fn(void *data)
{
	struct tb_remover *r = data;
	unsigned int i;
	char src[16];

	for (i = 0; i < r->flows; i += 2) {
		struct semnet_fkey key = {
			.dst = tb_ip("172.30.0.1"), .sport = htons(r->sport),
			.dport = htons(80), .proto = IPPROTO_TCP,
			.stage = SEMNET_STAGE_PRE,
		};
		struct semnet_ftuple *t;

		tb_flow_src(src, sizeof(src), i);
		key.src = tb_ip(src);
		rcu_read_lock();
		t = semnet_flow_lookup(&r->f->sn, &key);
		if (t)
			semnet_flow_remove(&r->f->sn, semnet_ftuple_flow(t));
		rcu_read_unlock();
		if (i % 64 == 0)
			cond_resched();
	}
	complete(&r->done);
	return 0;
}

/*
 * Deleting an instance purges its flows at once while others remove flows
 * too and the table shrinks under the walk. A purge pauses its walk now
 * and then; when the entry it paused on was removed meanwhile, the walk
 * resumes one entry too far, and a pass that found nothing proved nothing
 * (CI once saw 1 flow of 1000 left counted), and using that entry after
 * the pause read freed memory.
 */
static void semnet_tables_purge_concurrent(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const unsigned int flows = 4000, rounds = 12;
	unsigned int round, left = 0;
	struct tb_remover r = { .f = f, .flows = flows };
	char src[16];

	f->node->flow_max = flows;
	tb_one_instance(test, f);
	for (round = 0; round < rounds; round++) {
		struct task_struct *task;
		unsigned int i;

		r.sport = 1000 + round;
		for (i = 0; i < flows; i++) {
			tb_flow_src(src, sizeof(src), i);
			KUNIT_ASSERT_EQ(test, tb_flow(f, src, r.sport, NULL), 0);
		}
		KUNIT_ASSERT_EQ(test, atomic_read(&f->sn.flows.count), (int)flows);
		init_completion(&r.done);
		task = kthread_run(tb_remover_fn, &r, "semnet-kunit-rm");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		KUNIT_ASSERT_EQ(test, tb_instance_del(f, "172.30.1.1"), 0);
		wait_for_completion(&r.done);
		kt_removals_settle();
		if (atomic_read(&f->sn.flows.count))
			left++;
		/* What a purge missed would otherwise crowd the next round. */
		mutex_lock(&f->sn.lock);
		semnet_flow_purge(&f->sn, NULL, NULL);
		mutex_unlock(&f->sn.lock);
		KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.5"), 0);
	}
	KUNIT_EXPECT_EQ_MSG(test, left, 0U, "rounds of %u that left flows counted",
			    rounds);
}

/* A flow's timeout by protocol and state, as tables_node() sets them. */
static const struct {
	u8 proto;
	u8 state;
	unsigned long secs;
} tb_timeouts[] = {
	{ IPPROTO_TCP, SEMNET_FLOW_ACTIVE, 900 },
	{ IPPROTO_TCP, SEMNET_FLOW_CLOSING, 10 },
	{ IPPROTO_UDP, SEMNET_FLOW_ACTIVE, 30 },
	{ IPPROTO_ICMP, SEMNET_FLOW_ACTIVE, 20 },
	/* Unreplied: the shorter of its own and the protocol's. */
	{ IPPROTO_TCP, SEMNET_FLOW_UNREPLIED, 30 },
	{ IPPROTO_ICMP, SEMNET_FLOW_UNREPLIED, 20 },
};

static void semnet_tables_timeouts(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const struct semnet_node *node = tb_node(f);
	struct semnet_flow_plan plan;
	struct semnet_flow *flow;
	struct semnet_ftuple *t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tb_timeouts); i++)
		KUNIT_EXPECT_EQ_MSG(test, semnet_flow_timeout(node, tb_timeouts[i].proto,
							      tb_timeouts[i].state),
				    tb_timeouts[i].secs * HZ, "protocol %u, state %u",
				    tb_timeouts[i].proto, tb_timeouts[i].state);

	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.5"), 0);
	rcu_read_lock();
	plan = tb_plan(f, "172.16.0.2", 40000, "172.30.1.1", 80, "172.30.1.1");
	t = semnet_flow_create(&f->sn, node, &plan);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	flow = semnet_ftuple_flow(t);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_UNREPLIED);
	KUNIT_EXPECT_TRUE(test, time_before_eq(semnet_flow_expires(flow), jiffies + 30 * HZ));

	/* SYN-ACK: replied, but a handshake nobody completes stays unreplied. */
	semnet_flow_seen(&f->sn, flow, node, 60, SEMNET_SEEN_REPLY);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_UNREPLIED);
	KUNIT_EXPECT_FALSE(test, test_bit(SEMNET_FLOW_ASSURED, &flow->flags));
	/* The client's ACK: established, the long timeout. */
	semnet_flow_seen(&f->sn, flow, node, 40, 0);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_ACTIVE);
	KUNIT_EXPECT_TRUE(test, test_bit(SEMNET_FLOW_ASSURED, &flow->flags));
	KUNIT_EXPECT_TRUE(test, time_after_eq(semnet_flow_expires(flow), jiffies + 899 * HZ));

	/* Half-closed: the client's FIN alone keeps the flow active. */
	semnet_flow_seen(&f->sn, flow, node, 40, SEMNET_SEEN_FIN);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_ACTIVE);
	KUNIT_EXPECT_TRUE(test, time_after_eq(semnet_flow_expires(flow), jiffies + 899 * HZ));
	semnet_flow_seen(&f->sn, flow, node, 1000, SEMNET_SEEN_REPLY);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_ACTIVE);
	/* The server's FIN too: both ways closed, the short timeout. */
	semnet_flow_seen(&f->sn, flow, node, 40, SEMNET_SEEN_REPLY | SEMNET_SEEN_FIN);
	KUNIT_EXPECT_EQ(test, flow->state, SEMNET_FLOW_CLOSING);
	KUNIT_EXPECT_TRUE(test, time_before_eq(semnet_flow_expires(flow), jiffies + 10 * HZ));
	KUNIT_EXPECT_EQ(test, atomic64_read(&flow->packets), 5);
	KUNIT_EXPECT_EQ(test, atomic64_read(&flow->bytes), 1180);
	rcu_read_unlock();

	/* The reaper removes a flow once it is idle past its timeout. */
	semnet_flow_set_expires(flow, jiffies - 1);
	mod_delayed_work(system_power_efficient_wq, &f->sn.flows.gc_work, 0);
	flush_delayed_work(&f->sn.flows.gc_work);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 0);
}

/*
 * Connections nobody completes: each source may have unreplied_max of
 * them, and a full table evicts one of them (never an established flow)
 * to make room.
 */
static void semnet_tables_unreplied(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node *node = f->node;
	struct semnet_flow *first, *flow;
	struct semnet_stats sum;
	unsigned int i;
	char src[16];

	node->unreplied_max = 10;
	node->flow_max = 40;
	tb_one_instance(test, f);

	KUNIT_ASSERT_EQ(test, tb_flow(f, "172.16.0.2", 1000, &first), 0);
	KUNIT_ASSERT_EQ(test, tb_flows(f, "172.16.0.2", 1001, 9), 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2000, NULL), -EDQUOT);
	/* Another client is not affected. */
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.3", 2000, NULL), 0);
	/* One exchange completes: the first client may open one more. */
	semnet_flow_seen(&f->sn, first, node, 60, SEMNET_SEEN_REPLY);
	semnet_flow_seen(&f->sn, first, node, 40, 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2000, &flow), 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2001, NULL), -EDQUOT);
	/* One of its unreplied flows goes: room for one more again. */
	KUNIT_EXPECT_TRUE(test, semnet_flow_remove(&f->sn, flow));
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2001, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 12);

	/* Fill the table with unreplied flows of other clients. */
	for (i = 0; atomic_read(&f->sn.flows.count) < 40; i++) {
		snprintf(src, sizeof(src), "172.16.1.%u", 1 + i);
		KUNIT_ASSERT_EQ(test, tb_flow(f, src, 3000, NULL), 0);
	}
	/* Full: a new flow evicts an unreplied one, never the replied. */
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.2.1", 4000, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 40);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.early_drops, 1ULL);
	KUNIT_EXPECT_FALSE(test, test_bit(SEMNET_FLOW_DEAD, &first->flags));
	/*
	 * Evicting needs an unreplied flow among the buckets it samples:
	 * with only the replied one left besides, a full table refuses.
	 */
	mutex_lock(&f->sn.lock);
	semnet_flow_purge(&f->sn, semnet_lt_not_flow, first);
	mutex_unlock(&f->sn.lock);
	node->flow_max = 1;
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.2.2", 4000, NULL), -ENOSPC);
	KUNIT_EXPECT_FALSE(test, test_bit(SEMNET_FLOW_DEAD, &first->flags));
}

/*
 * A full table under a flood: early drop takes the flooder's flows, not
 * the handshake of a client with one flow in flight, even when that one is
 * the oldest unreplied flow in the table.
 */
static void semnet_tables_early_drop_heaviest(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node *node = f->node;
	struct semnet_flow *client;
	struct semnet_stats sum;

	node->unreplied_max = 1000;
	node->flow_max = 64;
	tb_one_instance(test, f);

	KUNIT_ASSERT_EQ(test, tb_flow(f, "172.16.0.3", 1000, &client), 0);
	KUNIT_ASSERT_EQ(test, tb_flows(f, "172.16.0.2", 2000, 500), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.flows.count), 64);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.early_drops, 500ULL - 63);
	KUNIT_EXPECT_FALSE(test, test_bit(SEMNET_FLOW_DEAD, &client->flags));
}

/*
 * Lookups stay O(1) at scale: with 100k services and 1M instances the
 * tables grow to keep chains short (average below 1, longest bounded).
 */
static unsigned int tb_longest_chain(struct rhashtable *ht)
{
	const struct bucket_table *tbl;
	struct rhash_head *pos;
	unsigned int i, n, longest = 0;

	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->tbl, ht);
	for (i = 0; i < tbl->size; i++) {
		n = 0;
		rht_for_each_rcu(pos, tbl, i)
			n++;
		longest = max(longest, n);
	}
	rcu_read_unlock();
	return longest;
}

static unsigned int tb_table_size(struct rhashtable *ht)
{
	unsigned int size;

	rcu_read_lock();
	size = rht_dereference_rcu(ht->tbl, ht)->size;
	rcu_read_unlock();
	return size;
}

/*
 * The debug kernel (KASAN, lockdep, kmemleak) under emulation inserts
 * ~700 objects a second (measured: 110,000 in 158 s), so make check uses
 * 2,000 services and 20,000 instances; load the module with scale_services=100000
 * scale_instances=1000000 for the full size.
 */
static unsigned int scale_services = 2000;
module_param(scale_services, uint, 0444);
MODULE_PARM_DESC(scale_services, "services in the scale test");
static unsigned int scale_instances = 20000;
module_param(scale_instances, uint, 0444);
MODULE_PARM_DESC(scale_instances, "instances in the scale test");

static void semnet_tables_scale(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const unsigned int services = scale_services, instances = scale_instances;
	struct semnet_instance_cfg cfg = {};
	u32 base = ntohl(tb_ip("172.30.0.0"));
	char name[16];
	unsigned int i;
	u64 start = ktime_get_ns();

	mutex_lock(&f->sn.lock);
	for (i = 0; i < services; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		if (semnet_service_add(&f->sn, htonl(base + i), name, NULL,
				       SEMNET_ADD_NEW, NULL)) {
			KUNIT_FAIL(test, "service %u not added", i);
			break;
		}
		if (i % 4096 == 0)
			cond_resched();
	}
	/* Ten instances per service, as a large real deployment might have. */
	cfg.service = name;
	for (i = 0; i < instances; i++) {
		snprintf(name, sizeof(name), "s%u", i % services);
		cfg.addr = htonl(base + services + i);
		cfg.nsip = htonl(ntohl(tb_ip("172.17.0.0")) + i);
		if (semnet_instance_insert(&f->sn, &cfg, NULL)) {
			KUNIT_FAIL(test, "instance %u not added", i);
			break;
		}
		if (i % 4096 == 0)
			cond_resched();
	}
	mutex_unlock(&f->sn.lock);
	kunit_info(test, "%u services and %u instances inserted in %llu ms\n",
		   services, instances, (ktime_get_ns() - start) / NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, f->sn.n_services, services);
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, instances);
	KUNIT_EXPECT_LE(test, (unsigned int)atomic_read(&f->sn.services.nelems),
			tb_table_size(&f->sn.services));
	KUNIT_EXPECT_LE(test, (unsigned int)atomic_read(&f->sn.instances.nelems),
			tb_table_size(&f->sn.instances));
	KUNIT_EXPECT_LE(test, tb_longest_chain(&f->sn.services), 12U);
	KUNIT_EXPECT_LE(test, tb_longest_chain(&f->sn.instances), 12U);

	rcu_read_lock();
	for (i = 0; i < instances; i += 9973)
		KUNIT_EXPECT_NOT_NULL(test,
			semnet_instance_lookup(&f->sn, htonl(base + services + i)));
	rcu_read_unlock();
}

/*
 * The unreplied-flow counts are a sketch of two hashed rows: a client that
 * shares its slot in one row with a source at its limit still opens flows
 * (with one row it was refused, 1 time in 1024 for any two sources), and
 * the source at its limit stays refused.
 */
static void semnet_tables_unreplied_shared_slot(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_flow_table *ft = &f->sn.flows;
	__be32 flooder = in_aton("172.16.0.2"), client = 0;
	char src[16];
	u32 i;

	f->node->unreplied_max = 4;
	tb_one_instance(test, f);
	KUNIT_ASSERT_EQ(test, tb_flows(f, "172.16.0.2", 1000, 4), 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2000, NULL), -EDQUOT);

	/* A source with the flooder's slot in row 0, not in row 1. */
	for (i = 1; i < 65536 && !client; i++) {
		__be32 a = htonl(ntohl(in_aton("172.17.0.0")) + i);
		struct semnet_inaddr ka = semnet_inaddr4(a);
		struct semnet_inaddr kf = semnet_inaddr4(flooder);

		if (semnet_unreplied_slot(ft, &ka, 0) ==
		    semnet_unreplied_slot(ft, &kf, 0) &&
		    semnet_unreplied_slot(ft, &ka, 1) !=
		    semnet_unreplied_slot(ft, &kf, 1))
			client = a;
	}
	KUNIT_ASSERT_NE(test, client, 0);
	snprintf(src, sizeof(src), "%pI4", &client);
	KUNIT_EXPECT_EQ(test, tb_flows(f, src, 1000, 4), 0);
	KUNIT_EXPECT_EQ(test, tb_flow(f, src, 2000, NULL), -EDQUOT);
	KUNIT_EXPECT_EQ(test, tb_flow(f, "172.16.0.2", 2001, NULL), -EDQUOT);
}

static struct kunit_case semnet_tables_cases[] = {
	KUNIT_CASE(semnet_tables_services),
	KUNIT_CASE(semnet_tables_instances),
	KUNIT_CASE(semnet_tables_instances_cached),
	KUNIT_CASE(semnet_tables_flows),
	KUNIT_CASE(semnet_tables_purge_concurrent),
	KUNIT_CASE(semnet_tables_timeouts),
	KUNIT_CASE(semnet_tables_unreplied),
	KUNIT_CASE(semnet_tables_unreplied_shared_slot),
	KUNIT_CASE(semnet_tables_early_drop_heaviest),
	KUNIT_CASE(semnet_tables_scale),
	{}
};

KT_FIXTURE_SUITE(tables, tables_init);
