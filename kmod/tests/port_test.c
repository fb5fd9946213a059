// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: container ports (bridge.c) as instance.c maintains them and a
 * routed node's packet path reads them: the port map's counts through
 * instance add, change, delete, relocation and a device going away; the
 * routed source check for ports, other devices, the loopback; which
 * devices semnet_from_container() names in each mode; and the node mode's
 * configuration rules. On the fixture's node: platform 172.16.0.0/12,
 * services 172.30.0.0/16, subnet 172.16.0.0/26, gateway 172.16.0.1.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/netdevice.h>
#include <linux/slab.h>

/* Ports as devices 7 and 8, no port 9 (KUnit touches no real device). */
#define PT_PORT_A	7
#define PT_PORT_B	8
#define PT_NO_PORT	9

static int pt_instance(struct kt_fixture *f, const char *addr,
		       const char *nsip, int ifindex, enum semnet_add_mode mode)
{
	struct semnet_instance_cfg cfg = {
		.addr = in_aton(addr), .nsip = in_aton(nsip),
		.service = "app.ns.svc.ns", .ifindex = ifindex,
	};

	return kt_locked(f, semnet_instance_add(&f->sn, &cfg, mode, NULL));
}

static int pt_del(struct kt_fixture *f, const char *addr)
{
	return kt_locked(f, semnet_instance_del(&f->sn, in_aton(addr), NULL));
}

/* How many local instances hold port @ifindex (0: no port). */
static unsigned long pt_count(struct kt_fixture *f, int ifindex)
{
	void *entry = xa_load(&f->sn.ports, ifindex);

	return entry ? xa_to_value(entry) : 0;
}

static struct semnet_instance *pt_find(struct kt_fixture *f, const char *addr)
{
	return semnet_instance_find(&f->sn, in_aton(addr));
}

/* Local instances with an ifindex count on it; remote ones and 0 do not. */
static void semnet_port_counts(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);
	KUNIT_EXPECT_TRUE(test, pt_find(f, "172.30.1.1")->port);
	/* A second local instance behind the same device. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.2", "172.16.0.3",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 2UL);
	/* Remote (another node's subnet): its ifindex means nothing here. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.3", "172.16.0.66",
					  PT_PORT_B, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_B), 0UL);
	KUNIT_EXPECT_FALSE(test, pt_find(f, "172.30.1.3")->port);
	/* Local without a port. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.4", "172.16.0.4", 0,
					  SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_FALSE(test, pt_find(f, "172.30.1.4")->port);
	KUNIT_EXPECT_EQ(test, pt_count(f, 0), 0UL);

	/* A refused add (nsIP taken) leaves the count as it was. */
	KUNIT_EXPECT_EQ(test, pt_instance(f, "172.30.1.5", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), -EEXIST);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 2UL);

	KUNIT_EXPECT_EQ(test, pt_del(f, "172.30.1.1"), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);
	KUNIT_EXPECT_EQ(test, pt_del(f, "172.30.1.2"), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 0UL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->sn.ports));
}

/* A change in place moves the instance's port; the flush empties the map. */
static void semnet_port_change(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_B, SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 0UL);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_B), 1UL);
	KUNIT_EXPECT_EQ(test, pt_find(f, "172.30.1.1")->ifindex, PT_PORT_B);
	/* The same again changes nothing. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_B, SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_B), 1UL);
	/* No port any more. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2", 0,
					  SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->sn.ports));
	/* A different nsIP is a different instance: its port comes along. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.5",
					  PT_PORT_A, SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);

	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.2", "172.16.0.6",
					  PT_PORT_B, SEMNET_ADD_NEW), 0);
	mutex_lock(&f->sn.lock);
	semnet_instance_flush(&f->sn, NULL);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->sn.ports));
}

/* An instance that stops being local gives its port back, and retakes it. */
static void semnet_port_relocate(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	mutex_lock(&f->sn.lock);
	/* No reader but this test: the node may change in place. */
	f->node->subnets[0].addr = in_aton("172.16.0.64");
	f->node->gateway = in_aton("172.16.0.65");
	semnet_instance_relocate(&f->sn);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_FALSE(test, pt_find(f, "172.30.1.1")->local);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->sn.ports));

	mutex_lock(&f->sn.lock);
	f->node->subnets[0].addr = in_aton("172.16.0.0");
	f->node->gateway = in_aton("172.16.0.1");
	semnet_instance_relocate(&f->sn);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_TRUE(test, pt_find(f, "172.30.1.1")->local);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);
}

/*
 * The device goes (NETDEV_UNREGISTER): no port any more, whoever named it;
 * those instances keep their ifindex but hold nothing, so deleting them
 * later does not take from a new holder of the same ifindex.
 */
static void semnet_port_device_gone(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.2", "172.16.0.3",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	mutex_lock(&f->sn.lock);
	semnet_port_gone(&f->sn, PT_PORT_A);
	semnet_port_gone(&f->sn, PT_NO_PORT);	/* not a port: nothing */
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 0UL);
	KUNIT_EXPECT_FALSE(test, pt_find(f, "172.30.1.1")->port);
	KUNIT_EXPECT_EQ(test, pt_find(f, "172.30.1.1")->ifindex, PT_PORT_A);

	/* A new device got the ifindex, and a new instance names it. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.3", "172.16.0.4",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);
	KUNIT_EXPECT_EQ(test, pt_del(f, "172.30.1.1"), 0);
	KUNIT_EXPECT_EQ(test, pt_del(f, "172.30.1.2"), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 1UL);
	/* Naming the device again takes it back. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_count(f, PT_PORT_A), 2UL);
}

/* A fake device: the checks read only its ifindex and flags. */
static struct net_device *pt_dev(struct kunit *test, int ifindex,
				 unsigned int flags)
{
	struct net_device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->ifindex = ifindex;
	dev->flags = flags;
	return dev;
}

static enum semnet_drop_reason pt_check(struct kt_fixture *f,
					const struct net_device *in,
					const char *saddr)
{
	enum semnet_drop_reason reason;

	rcu_read_lock();
	reason = semnet_routed_check(&f->sn, f->node, in, in_aton(saddr));
	rcu_read_unlock();
	return reason;
}

static void semnet_port_routed_check(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct net_device *a = pt_dev(test, PT_PORT_A, IFF_UP);
	struct net_device *b = pt_dev(test, PT_PORT_B, IFF_UP);
	struct net_device *other = pt_dev(test, PT_NO_PORT, IFF_UP);
	struct net_device *lo = pt_dev(test, 1, IFF_UP | IFF_LOOPBACK);

	f->node->mode = SEMNET_NODE_MODE_ROUTED;
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_A, SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.2", "172.16.0.3",
					  PT_PORT_B, SEMNET_ADD_NEW), 0);

	/* A port: its own nsIP, and 0.0.0.0, only. */
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.2"), SEMNET_DROP_UNSPEC);
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "0.0.0.0"), SEMNET_DROP_UNSPEC);
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.3"),
			SEMNET_DROP_SPOOFED_SOURCE);	/* the neighbour's */
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.1"),
			SEMNET_DROP_SPOOFED_SOURCE);	/* the gateway */
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.50"),
			SEMNET_DROP_SPOOFED_SOURCE);	/* nobody's */
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "10.9.9.9"),
			SEMNET_DROP_SPOOFED_SOURCE);	/* foreign */
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.66"),
			SEMNET_DROP_SPOOFED_SOURCE);	/* another node's */
	KUNIT_EXPECT_EQ(test, pt_check(f, b, "172.16.0.3"), SEMNET_DROP_UNSPEC);

	/* Any other device: anything but the subnet's addresses. */
	KUNIT_EXPECT_EQ(test, pt_check(f, other, "10.9.9.9"), SEMNET_DROP_UNSPEC);
	KUNIT_EXPECT_EQ(test, pt_check(f, other, "172.16.0.66"),
			SEMNET_DROP_UNSPEC);
	KUNIT_EXPECT_EQ(test, pt_check(f, other, "172.16.0.2"),
			SEMNET_DROP_SPOOFED_SOURCE);
	KUNIT_EXPECT_EQ(test, pt_check(f, other, "172.16.0.1"),
			SEMNET_DROP_SPOOFED_SOURCE);
	/* The node's packets to itself. */
	KUNIT_EXPECT_EQ(test, pt_check(f, lo, "172.16.0.1"), SEMNET_DROP_UNSPEC);

	/*
	 * Its instance gone, a port is no port, and with no route to it here
	 * its nsIP is spoofed.
	 */
	KUNIT_EXPECT_EQ(test, pt_del(f, "172.30.1.1"), 0);
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.2"),
			SEMNET_DROP_SPOOFED_SOURCE);
	/* An instance on the wrong port does not make the source its own. */
	KUNIT_ASSERT_EQ(test, pt_instance(f, "172.30.1.1", "172.16.0.2",
					  PT_PORT_B, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_check(f, a, "172.16.0.2"),
			SEMNET_DROP_SPOOFED_SOURCE);
	KUNIT_EXPECT_EQ(test, pt_check(f, b, "172.16.0.2"), SEMNET_DROP_UNSPEC);
}

static void semnet_port_from_container(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct net_device *br = pt_dev(test, 4, IFF_UP);
	struct net_device *a = pt_dev(test, PT_PORT_A, IFF_UP);
	struct net_device *lo = pt_dev(test, 1, IFF_UP | IFF_LOOPBACK);
	struct net_device *tun = pt_dev(test, 9, IFF_UP);
	__be32 a_ip = in_aton("172.16.0.2");

	f->node->bridge_ifindex = 4;
	KUNIT_EXPECT_TRUE(test, semnet_from_container(f->node, br, tun, a_ip));
	KUNIT_EXPECT_FALSE(test, semnet_from_container(f->node, a, tun, a_ip));

	/*
	 * Routed: any device but the loopback and the tunnel, with an
	 * address of the subnet (semnet_routed_check() vouched for it).
	 */
	f->node->mode = SEMNET_NODE_MODE_ROUTED;
	f->node->bridge_ifindex = 0;
	KUNIT_EXPECT_FALSE(test, semnet_from_container(f->node, br,
						       tun, in_aton("10.9.9.9")));
	KUNIT_EXPECT_TRUE(test, semnet_from_container(f->node, a, tun, a_ip));
	KUNIT_EXPECT_TRUE(test, semnet_from_container(f->node, a, NULL, a_ip));
	KUNIT_EXPECT_FALSE(test, semnet_from_container(f->node, lo, tun, a_ip));
	KUNIT_EXPECT_FALSE(test, semnet_from_container(f->node, tun, tun, a_ip));
}

/* The extack text of the last refusal, "" when none was set. */
static const char *pt_msg(const struct netlink_ext_ack *ext)
{
	return ext->_msg ?: "";
}

static struct semnet_node *pt_build(struct kt_fixture *f,
				    const struct semnet_node_cfg *cfg,
				    struct netlink_ext_ack *ext)
{
	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_node_build(&f->sn, cfg, ext));
}

/* A new node's attributes, as the fixture's, without bridge or mode. */
static void pt_cfg_new(struct semnet_node_cfg *cfg, const struct semnet_node *node)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->given = BIT(SEMNET_A_NODE_PLATFORM) |
		     BIT(SEMNET_A_NODE_SERVICE_RANGE) |
		     BIT(SEMNET_A_NODE_SUBNETS) | BIT(SEMNET_A_NODE_GATEWAY);
	cfg->platform = node->platform;
	cfg->services = node->services;
	cfg->subnets[0] = node->subnets[0];
	cfg->n_subnets = node->n_subnets;
	cfg->gateway = node->gateway;
}

static void semnet_port_node_mode(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node_cfg cfg;
	struct netlink_ext_ack ext;
	struct semnet_node *node;

	pt_cfg_new(&cfg, f->node);
	mutex_lock(&f->sn.lock);
	semnet_node_del(&f->sn);
	mutex_unlock(&f->sn.lock);
	f->node = NULL;

	/* New: bridged (the default) needs a bridge, routed does not. */
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext),
			   "a new node needs platform, service range, subnets, gateway and bridge");
	cfg.given |= BIT(SEMNET_A_NODE_MODE);
	cfg.mode = SEMNET_NODE_MODE_ROUTED;
	cfg.given &= ~BIT(SEMNET_A_NODE_GATEWAY);
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext),
			   "a new routed node needs platform, service range, subnets and gateway");
	KUNIT_EXPECT_EQ(test, ext.miss_type, (u32)SEMNET_A_NODE_GATEWAY);
	cfg.given |= BIT(SEMNET_A_NODE_GATEWAY) | BIT(SEMNET_A_NODE_BRIDGE);
	cfg.bridge_ifindex = 4;
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext),
			   "a routed node has no bridge: leave it out, or set mode bridged");
	cfg.given &= ~BIT(SEMNET_A_NODE_BRIDGE);
	node = pt_build(f, &cfg, &ext);
	KUNIT_ASSERT_FALSE(test, IS_ERR(node));
	KUNIT_EXPECT_EQ(test, node->mode, (u32)SEMNET_NODE_MODE_ROUTED);
	KUNIT_EXPECT_EQ(test, node->bridge_ifindex, 0);
	/* Published (without hooks: the fixture drives no packets). */
	mutex_lock(&f->sn.lock);
	rcu_assign_pointer(f->sn.node, node);
	mutex_unlock(&f->sn.lock);
	f->node = node;

	/* A change that leaves the mode out keeps it, and takes no bridge. */
	cfg.given = BIT(SEMNET_A_NODE_FLOW_MAX);
	cfg.flow_max = 100;
	node = pt_build(f, &cfg, &ext);
	KUNIT_ASSERT_FALSE(test, IS_ERR(node));
	KUNIT_EXPECT_EQ(test, node->mode, (u32)SEMNET_NODE_MODE_ROUTED);
	kfree(node);
	cfg.given = BIT(SEMNET_A_NODE_BRIDGE);
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext),
			   "a routed node has no bridge: leave it out, or set mode bridged");
	/* Back to bridged: only with a bridge. */
	cfg.given = BIT(SEMNET_A_NODE_MODE);
	cfg.mode = SEMNET_NODE_MODE_BRIDGED;
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext), "a bridged node needs a bridge");
	cfg.given |= BIT(SEMNET_A_NODE_BRIDGE);
	cfg.bridge_ifindex = 9999;
	node = pt_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -ENODEV);
	KUNIT_EXPECT_STREQ(test, pt_msg(&ext), "no such bridge device");
}

static struct kunit_case semnet_port_cases[] = {
	KUNIT_CASE(semnet_port_counts),
	KUNIT_CASE(semnet_port_change),
	KUNIT_CASE(semnet_port_relocate),
	KUNIT_CASE(semnet_port_device_gone),
	KUNIT_CASE(semnet_port_routed_check),
	KUNIT_CASE(semnet_port_from_container),
	KUNIT_CASE(semnet_port_node_mode),
	{}
};

static void pt_node_adjust(struct semnet_node *node)
{
	node->flow_max = 1000;
}

static int pt_init(struct kunit *test)
{
	return kt_fixture_init(test, pt_node_adjust);
}

KT_FIXTURE_SUITE(port, pt_init);
