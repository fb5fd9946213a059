// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a node's IPv6 plan beside its IPv4 one, and IPv6 services and
 * instances: the rules node.c, service.c and instance.c hold for them,
 * each refusal with its extack text, and that a service name's two
 * families are two groups (a ServiceIP picks within its family). The
 * fixture is the tables one (tables_test.c) plus an IPv6 plan as
 * Oakestra cuts it: platform fc00::/7, services fdff::/16, the local
 * subnet fc00::100/120 with its gateway at ::101. Also IPv6 peers and
 * learned IPv6 locations.
 */
#include <kunit/test.h>

static struct in6_addr ds_ip6(const char *s)
{
	struct in6_addr a = {};

	in6_pton(s, -1, a.s6_addr, -1, NULL);
	return a;
}

static void ds_plan(struct semnet_node *node)
{
	node->has_v6 = true;
	node->platform6 = (struct semnet_prefix6){ ds_ip6("fc00::"), 7 };
	node->services6 = (struct semnet_prefix6){ ds_ip6("fdff::"), 16 };
	node->subnets6[0] = (struct semnet_prefix6){ ds_ip6("fc00::100"), 120 };
	node->n_subnets6 = 1;
	node->gateway6 = ds_ip6("fc00::101");
}

static void ds_node(struct semnet_node *node)
{
	tables_node(node);
	ds_plan(node);
}

static int ds_init(struct kunit *test)
{
	return kt_fixture_init(test, ds_node);
}

static int ds_service6(struct kt_fixture *f, const char *addr,
		       const char *name, struct netlink_ext_ack *ext)
{
	struct semnet_service_cfg cfg = {
		.addr6 = ds_ip6(addr), .family = AF_INET6, .name = name,
	};

	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_service_configure(&f->sn, &cfg,
						     SEMNET_ADD_NEW, ext));
}

static int ds_instance6(struct kt_fixture *f, const char *addr,
			const char *name, const char *nsip,
			struct netlink_ext_ack *ext)
{
	struct semnet_instance_cfg cfg = {
		.addr6 = ds_ip6(addr), .nsip6 = ds_ip6(nsip),
		.family = AF_INET6, .service = name,
		.given = BIT(SEMNET_A_INSTANCE_ADDR6) |
			 BIT(SEMNET_A_INSTANCE_NSIP6) |
			 BIT(SEMNET_A_INSTANCE_SERVICE),
	};

	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_instance_configure(&f->sn, &cfg,
						      SEMNET_ADD_NEW, ext));
}

/*
 * Takes the fixture's IPv6 plan away, for the cases of an IPv4-only node.
 * In place: no packet reads the node here (and no hooks are registered).
 */
static void ds_v4_only(struct kt_fixture *f)
{
	mutex_lock(&f->sn.lock);
	f->node->has_v6 = false;
	f->node->n_subnets6 = 0;
	mutex_unlock(&f->sn.lock);
}

/* A SET_NODE of the fixture's IPv4 subnet plus @node's IPv6 plan. */
static void ds_cfg6(struct semnet_node_cfg *cfg, struct kt_fixture *f,
		    const struct semnet_node *node)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->given = BIT(SEMNET_A_NODE_PLATFORM6) |
		     BIT(SEMNET_A_NODE_SERVICE_RANGE6) |
		     BIT(SEMNET_A_NODE_GATEWAY6) | BIT(SEMNET_A_NODE_SUBNETS);
	cfg->platform6 = node->platform6;
	cfg->services6 = node->services6;
	cfg->gateway6 = node->gateway6;
	cfg->subnets[0] = tb_node(f)->subnets[0];
	cfg->n_subnets = 1;
	cfg->subnets6[0] = node->subnets6[0];
	cfg->n_subnets6 = node->n_subnets6;
}

static const char *ds_build_msg(struct kt_fixture *f,
				const struct semnet_node_cfg *cfg, int *err)
{
	static struct netlink_ext_ack ext;
	struct semnet_node *node;

	memset(&ext, 0, sizeof(ext));
	node = kt_locked(f, semnet_node_build(&f->sn, cfg, &ext));
	*err = IS_ERR(node) ? PTR_ERR(node) : 0;
	if (!IS_ERR(node))
		kfree(node);
	return ext._msg ?: "";
}

/* An IPv4-only node takes an IPv6 plan whole, or refuses it. */
static void semnet_dualstack_node_plan(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node plan = {};
	struct semnet_node_cfg cfg;
	const char *msg;
	int err;

	ds_plan(&plan);
	ds_v4_only(f);

	ds_cfg6(&cfg, f, &plan);
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_STREQ(test, msg, "");

	ds_cfg6(&cfg, f, &plan);
	cfg.given &= ~BIT(SEMNET_A_NODE_GATEWAY6);
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "a node's IPv6 plan needs platform6, service range6, gateway6 and IPv6 subnets");

	ds_cfg6(&cfg, f, &plan);
	cfg.given &= ~BIT(SEMNET_A_NODE_PLATFORM6);
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 service range and gateway need an IPv6 platform range (platform6)");

	/* IPv6 subnets alone, on an IPv4-only node. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.given = BIT(SEMNET_A_NODE_SUBNETS);
	cfg.subnets[0] = tb_node(f)->subnets[0];
	cfg.n_subnets = 1;
	cfg.subnets6[0] = plan.subnets6[0];
	cfg.n_subnets6 = 1;
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 subnets need an IPv6 platform range (platform6)");

	ds_cfg6(&cfg, f, &plan);
	cfg.services6 = (struct semnet_prefix6){ ds_ip6("2001:db8::"), 32 };
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 service range must lie inside the IPv6 platform range");

	ds_cfg6(&cfg, f, &plan);
	cfg.subnets6[0] = (struct semnet_prefix6){ ds_ip6("fdff:1::"), 120 };
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 subnet overlaps the IPv6 service range");

	ds_cfg6(&cfg, f, &plan);
	cfg.subnets6[0] = (struct semnet_prefix6){ ds_ip6("fc00::"), 127 };
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 subnet: not a valid prefix of length 0..126");

	ds_cfg6(&cfg, f, &plan);
	cfg.subnets6[1] = (struct semnet_prefix6){ ds_ip6("fc00::180"), 121 };
	cfg.n_subnets6 = 2;
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 subnets overlap each other");

	ds_cfg6(&cfg, f, &plan);
	cfg.gateway6 = ds_ip6("fc00::201");
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "IPv6 gateway must lie inside an IPv6 local subnet");
}

/* A node with an IPv6 plan keeps it: a subnet list without one is refused. */
static void semnet_dualstack_node_keep(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node_cfg cfg = {};
	const char *msg;
	int err;

	cfg.given = BIT(SEMNET_A_NODE_SUBNETS);
	cfg.subnets[0] = tb_node(f)->subnets[0];
	cfg.n_subnets = 1;
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, msg, "an IPv6 node needs at least one IPv6 local subnet");

	/* A change of the IPv4 side alone keeps the IPv6 plan as it is. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.given = BIT(SEMNET_A_NODE_FLOW_MAX);
	cfg.flow_max = 1000;
	msg = ds_build_msg(f, &cfg, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
}

static void semnet_dualstack_objects(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext;
	struct semnet_instance *inst;
	struct in6_addr a;

	/* One name, both families: two groups. */
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	KUNIT_ASSERT_EQ(test, ds_service6(f, "fdff:2000::1", "s", &ext), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.2"), 0);
	KUNIT_ASSERT_EQ(test, ds_instance6(f, "fdff::2", "s", "fc00::102", &ext), 0);
	KUNIT_ASSERT_EQ(test, ds_instance6(f, "fdff::3", "s", "fc00:1::2", &ext), 0);
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_group_lookup_family(&f->sn, "s", AF_INET)->n_instances, 1U);
	KUNIT_EXPECT_EQ(test, semnet_group_lookup_family(&f->sn, "s", AF_INET6)->n_instances, 2U);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, f->sn.n_services, 2U);
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 3U);

	/* The local one is found by nsIP, the remote one has no cost yet. */
	rcu_read_lock();
	a = ds_ip6("fc00::102");
	inst = semnet_local_lookup6(&f->sn, &a);
	KUNIT_EXPECT_NOT_NULL(test, inst);
	if (inst)
		KUNIT_EXPECT_TRUE(test, inst->local);
	a = ds_ip6("fdff::3");
	inst = semnet_instance_lookup6(&f->sn, &a);
	KUNIT_EXPECT_NOT_NULL(test, inst);
	if (inst) {
		KUNIT_EXPECT_FALSE(test, inst->local);
		KUNIT_EXPECT_EQ(test, inst->cost, SEMNET_PEER_COST_UNKNOWN);
	}
	/* The IPv4 tables know nothing of them. */
	KUNIT_EXPECT_NULL(test, semnet_instance_lookup(&f->sn, a.s6_addr32[0]));
	rcu_read_unlock();

	/* Refusals, each with its reason. */
	KUNIT_EXPECT_EQ(test, ds_service6(f, "fc00::5", "t", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "service address outside the IPv6 service range");
	KUNIT_EXPECT_EQ(test, ds_service6(f, "fdff::2", "t", &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, ext._msg, "address is in use by an instance");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff:2000::1", "s", "fc00::103", &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, ext._msg, "address is in use by a service");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff::4", "s", "fc00::101", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "nsIP is the first or the gateway address of a local subnet");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff::4", "s", "fdff::9", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "nsIP must be in the IPv6 platform range, outside the IPv6 service range");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff::5", "s", "fc00::102", &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, ext._msg, "another local instance has this nsIP");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff::2", "s", "fc00::104", &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, ext._msg, "instance address already exists");

	/* Delete by the IPv6 key; a flush by name takes both families. */
	{
		struct semnet_inaddr key = semnet_inaddr6(&(struct in6_addr){});

		key.ip6 = ds_ip6("fdff::3");
		KUNIT_EXPECT_EQ(test, kt_locked(f, semnet_instance_del_key(&f->sn, &key, NULL)), 0);
		KUNIT_EXPECT_EQ(test, kt_locked(f, semnet_instance_del_key(&f->sn, &key, NULL)), -ENOENT);
	}
	mutex_lock(&f->sn.lock);
	semnet_instance_flush(&f->sn, "s");
	KUNIT_EXPECT_EQ(test, f->sn.n_instances, 0U);
	KUNIT_EXPECT_EQ(test, semnet_group_lookup_family(&f->sn, "s", AF_INET6)->n_instances, 0U);
	mutex_unlock(&f->sn.lock);
}

/* IPv6 objects need the node's IPv6 plan. */
static void semnet_dualstack_v4_only(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext;

	ds_v4_only(f);

	KUNIT_EXPECT_EQ(test, ds_service6(f, "fdff:2000::1", "s", &ext), -EAFNOSUPPORT);
	KUNIT_EXPECT_STREQ(test, ext._msg, "the node has no IPv6 plan (platform6)");
	KUNIT_EXPECT_EQ(test, ds_instance6(f, "fdff::2", "s", "fc00::102", &ext), -EAFNOSUPPORT);
	KUNIT_EXPECT_STREQ(test, ext._msg, "the node has no IPv6 plan (platform6)");
}

static int ds_peer6(struct kt_fixture *f, const char *subnet, u8 len,
		    const char *addr, struct netlink_ext_ack *ext)
{
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub(subnet, len), .under = tb_under(addr),
		.given = BIT(SEMNET_A_PEER_SUBNET) |
			 BIT(strchr(addr, ':') ? SEMNET_A_PEER_ADDR6 :
			     SEMNET_A_PEER_ADDR),
	};

	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_peer_configure(&f->sn, &cfg, SEMNET_ADD_NEW,
						  ext));
}

/*
 * IPv6 peers: where their subnets may lie, over either underlay, and the
 * cost of an IPv6 instance behind one ("closest" reads it).
 */
static void semnet_dualstack_peers(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_peer_state st = { .set_cost = true, .cost = 700 };
	struct semnet_peer_subnet sub = tb_psub("fc00::200", 120);
	struct netlink_ext_ack ext;
	struct semnet_instance *inst;

	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::", 80, "10.99.0.2", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "an IPv6 peer subnet is a /96 to a /126");
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::100", 120, "10.99.0.2", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "peer subnet is one of this node's own");
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "2001:db8::", 120, "10.99.0.2", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg,
			   "peer subnet must lie in the platform range, outside the service range");
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fdff::", 120, "10.99.0.2", &ext), -EINVAL);
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::200", 120, "ff02::1", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg, "not a unicast underlay address");
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::200", 120, "2001:db8::2", &ext), 0);
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::300", 120, "10.99.0.3", &ext), 0);

	/* A remote IPv6 instance takes its peer's cost. */
	KUNIT_ASSERT_EQ(test, ds_service6(f, "fdff:2000::1", "s", &ext), 0);
	KUNIT_ASSERT_EQ(test, ds_instance6(f, "fdff::5", "s", "fc00::205", &ext), 0);
	rcu_read_lock();
	inst = semnet_instance_lookup6(&f->sn, &(struct in6_addr){});
	KUNIT_EXPECT_NULL(test, inst);
	{
		struct in6_addr a = ds_ip6("fdff::5");

		inst = semnet_instance_lookup6(&f->sn, &a);
	}
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, inst);
	KUNIT_EXPECT_EQ(test, READ_ONCE(inst->cost), SEMNET_PEER_COST_UNKNOWN);
	KUNIT_EXPECT_EQ(test, kt_locked(f, semnet_peer_set(&f->sn, &sub, NULL, &st,
							   NULL)), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(inst->cost), 700U);
	st.set_cost = false;
	st.set_down = true;
	st.down = true;
	{
		struct semnet_underlay u = tb_under("2001:db8::2");

		KUNIT_EXPECT_EQ(test, kt_locked(f, semnet_peer_set(&f->sn, NULL,
						&u, &st, NULL)), 0);
	}
	KUNIT_EXPECT_TRUE(test, READ_ONCE(inst->down));
	KUNIT_EXPECT_EQ(test, kt_locked(f, semnet_peer_del(&f->sn, &sub, NULL)), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(inst->cost), SEMNET_PEER_COST_UNKNOWN);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(inst->down));

	/* An IPv4-only node takes no IPv6 peer. */
	ds_v4_only(f);
	KUNIT_EXPECT_EQ(test, ds_peer6(f, "fc00::400", 120, "10.99.0.4", &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ext._msg,
			   "an IPv6 peer subnet needs the node's IPv6 plan (platform6)");
}

/*
 * Learned locations of IPv6 clients share the table with IPv4 ones: a
 * claim moves only by the rules of learn.h, whatever the family.
 */
static void semnet_dualstack_learn(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_inaddr c6 = semnet_inaddr6(&(struct in6_addr){}), at, got;
	struct semnet_inaddr c4 = semnet_inaddr4(tb_ip("172.30.1.10"));
	struct semnet_inaddr n4 = semnet_inaddr4(tb_ip("172.16.0.66"));
	struct semnet_peer *b, *c;
	struct netlink_ext_ack ext;

	KUNIT_ASSERT_EQ(test, ds_peer6(f, "fc00::200", 120, "10.99.0.2", &ext), 0);
	KUNIT_ASSERT_EQ(test, ds_peer6(f, "fc00::300", 120, "10.99.0.3", &ext), 0);
	b = semnet_peer_find(&f->sn, &(struct semnet_peer_subnet){
		.family = AF_INET6, .v6 = { ds_ip6("fc00::200"), 120 } });
	c = semnet_peer_find(&f->sn, &(struct semnet_peer_subnet){
		.family = AF_INET6, .v6 = { ds_ip6("fc00::300"), 120 } });
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c6.ip6 = ds_ip6("fdff::10");
	at = semnet_inaddr6(&(struct in6_addr){});
	at.ip6 = ds_ip6("fc00::202");

	rcu_read_lock();
	KUNIT_EXPECT_FALSE(test, semnet_learned_nsip(&f->sn, &c6, &got));
	KUNIT_EXPECT_TRUE(test, semnet_learn(&f->sn, f->node, &c6, &at, b, false));
	KUNIT_EXPECT_TRUE(test, semnet_learned_nsip(&f->sn, &c6, &got));
	KUNIT_EXPECT_TRUE(test, semnet_inaddr_equal(&got, &at));
	/* An IPv4 client with the same low bits is another entry. */
	KUNIT_EXPECT_TRUE(test, semnet_learn(&f->sn, f->node, &c4, &n4, b, false));
	KUNIT_EXPECT_TRUE(test, semnet_learned_nsip(&f->sn, &c4, &got));
	KUNIT_EXPECT_TRUE(test, semnet_inaddr_equal(&got, &n4));
	/* Another node claims the IPv6 client while it is in use: refused. */
	at.ip6 = ds_ip6("fc00::302");
	KUNIT_EXPECT_FALSE(test, semnet_learn(&f->sn, f->node, &c6, &at, c, false));
	/* The instance table says so: it moves (a copy replaces the entry). */
	KUNIT_EXPECT_TRUE(test, semnet_learn(&f->sn, f->node, &c6, &at, c, true));
	KUNIT_EXPECT_TRUE(test, semnet_learned_nsip(&f->sn, &c6, &got));
	KUNIT_EXPECT_TRUE(test, semnet_inaddr_equal(&got, &at));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&f->sn.n_learned), 2);
}

static int ds_port_instance6(struct kt_fixture *f, const char *addr,
			     const char *nsip, int ifindex)
{
	struct semnet_instance_cfg cfg = {
		.addr6 = ds_ip6(addr), .nsip6 = ds_ip6(nsip),
		.family = AF_INET6, .service = "s", .ifindex = ifindex,
		.given = BIT(SEMNET_A_INSTANCE_ADDR6) |
			 BIT(SEMNET_A_INSTANCE_NSIP6) |
			 BIT(SEMNET_A_INSTANCE_SERVICE) |
			 BIT(SEMNET_A_INSTANCE_IFINDEX),
	};

	/* No device check: the ports are fake (port_test.c's pt_instance()). */
	return kt_locked(f, semnet_instance_add(&f->sn, &cfg, SEMNET_ADD_NEW,
						NULL));
}

static enum semnet_drop_reason ds_routed(struct kt_fixture *f,
					 const struct net_device *in,
					 const char *saddr)
{
	struct in6_addr a = ds_ip6(saddr);
	enum semnet_drop_reason reason;

	rcu_read_lock();
	reason = semnet_routed_check6(&f->sn, f->node, in, &a);
	rcu_read_unlock();
	return reason;
}

/* A routed node's IPv6 source check (bridge.c), as semnet_port_routed_check. */
static void semnet_dualstack_routed_check(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct net_device *a = pt_dev(test, 7, IFF_UP);
	struct net_device *b = pt_dev(test, 8, IFF_UP);
	struct net_device *other = pt_dev(test, 99, IFF_UP);
	struct net_device *lo = pt_dev(test, 1, IFF_UP | IFF_LOOPBACK);
	const enum semnet_drop_reason ok = SEMNET_DROP_UNSPEC;
	const enum semnet_drop_reason spoofed = SEMNET_DROP_SPOOFED_SOURCE;

	f->node->mode = SEMNET_NODE_MODE_ROUTED;
	KUNIT_ASSERT_EQ(test, ds_port_instance6(f, "fdff::2", "fc00::102", 7), 0);
	KUNIT_ASSERT_EQ(test, ds_port_instance6(f, "fdff::3", "fc00::103", 8), 0);

	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fc00::102"), ok);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "::"), ok);	/* DAD */
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fe80::2"), ok);	/* NDP */
	/* fe80::/10 and link-scope multicast claim nothing, as ipv6_addr_type() has it. */
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "febf:ffff::1"), ok);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "ff02::1"), ok);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fec0::1"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fe7f::1"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "ff05::1"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fc00::103"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fc00::101"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fc00::150"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "2001:db8::9"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, a, "fc00::202"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, b, "fc00::103"), ok);
	KUNIT_EXPECT_EQ(test, ds_routed(f, other, "2001:db8::9"), ok);
	KUNIT_EXPECT_EQ(test, ds_routed(f, other, "fc00::102"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, other, "fc00::101"), spoofed);
	KUNIT_EXPECT_EQ(test, ds_routed(f, lo, "fc00::101"), ok);
}

static struct kunit_case semnet_dualstack_cases[] = {
	KUNIT_CASE(semnet_dualstack_node_plan),
	KUNIT_CASE(semnet_dualstack_node_keep),
	KUNIT_CASE(semnet_dualstack_objects),
	KUNIT_CASE(semnet_dualstack_v4_only),
	KUNIT_CASE(semnet_dualstack_peers),
	KUNIT_CASE(semnet_dualstack_learn),
	KUNIT_CASE(semnet_dualstack_routed_check),
	{}
};

KT_FIXTURE_SUITE(dualstack, ds_init);
