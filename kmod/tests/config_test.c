// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the configuration rules of node.c, service.c, instance.c and
 * peer.c as netlink.c hands them a parsed request (a *_cfg struct):
 * defaults, what a new object needs, what a change keeps, ranges, the
 * limits of an unprivileged namespace and the flags' create/replace
 * decision, each refusal with its extack text (tests/e2e/netlink.sh sees
 * the same texts from userspace). Uses the tables fixture (tables_test.c):
 * platform 172.16.0.0/12, services 172.30.0.0/16, subnet 172.16.0.0/26.
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>

/* The extack text of the last refusal, "" when none was set. */
static const char *cf_msg(const struct netlink_ext_ack *ext)
{
	return ext->_msg ?: "";
}

/* @ret, a request's result, is the refusal @err with the extack text @msg. */
static void cf_expect_refusal(struct kunit *test, int ret,
			      const struct netlink_ext_ack *ext, int err,
			      const char *msg)
{
	KUNIT_EXPECT_EQ_MSG(test, ret, err, "refused with \"%s\"", msg);
	KUNIT_EXPECT_STREQ(test, cf_msg(ext), msg);
}

static struct semnet_node *cf_node_build(struct kt_fixture *f,
					 const struct semnet_node_cfg *cfg,
					 struct netlink_ext_ack *ext)
{
	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_node_build(&f->sn, cfg, ext));
}

static void cf_node_del(struct kt_fixture *f)
{
	mutex_lock(&f->sn.lock);
	semnet_node_del(&f->sn);
	mutex_unlock(&f->sn.lock);
}

/* Every attribute a new node needs but the bridge, with @node's values. */
static void cf_node_cfg_full(struct semnet_node_cfg *cfg,
			     const struct semnet_node *node)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->given = BIT(SEMNET_A_NODE_PLATFORM) |
		     BIT(SEMNET_A_NODE_SERVICE_RANGE) |
		     BIT(SEMNET_A_NODE_SUBNETS) | BIT(SEMNET_A_NODE_GATEWAY) |
		     BIT(SEMNET_A_NODE_BRIDGE);
	cfg->platform = node->platform;
	cfg->services = node->services;
	cfg->subnets[0] = node->subnets[0];
	cfg->n_subnets = node->n_subnets;
	cfg->gateway = node->gateway;
}

static void semnet_config_add_mode(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, semnet_add_mode(0), SEMNET_ADD_NEW);
	KUNIT_EXPECT_EQ(test, semnet_add_mode(NLM_F_CREATE), SEMNET_ADD_NEW);
	KUNIT_EXPECT_EQ(test, semnet_add_mode(NLM_F_CREATE | NLM_F_EXCL),
			SEMNET_ADD_NEW);
	KUNIT_EXPECT_EQ(test, semnet_add_mode(NLM_F_REPLACE), SEMNET_ADD_CHANGE);
	KUNIT_EXPECT_EQ(test, semnet_add_mode(NLM_F_REPLACE | NLM_F_CREATE),
			SEMNET_ADD_ANY);
	KUNIT_EXPECT_EQ(test, semnet_add_mode(NLM_F_REPLACE | NLM_F_EXCL),
			SEMNET_ADD_ANY);

	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_NEW, true), -EEXIST);
	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_NEW, false), 0);
	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_CHANGE, true), 0);
	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_CHANGE, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_ANY, true), 0);
	KUNIT_EXPECT_EQ(test, semnet_add_allowed(SEMNET_ADD_ANY, false), 0);
}

/* The defaults, and the limits of a namespace outside init's user ns. */
static void semnet_config_node_defaults(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext = {};
	struct semnet_node node = {};

	semnet_node_defaults(&node, false);
	KUNIT_EXPECT_EQ(test, node.flow_max, (u32)SEMNET_DEFAULT_FLOW_MAX);
	KUNIT_EXPECT_EQ(test, node.unreplied_max, (u32)SEMNET_DEFAULT_UNREPLIED_MAX);
	KUNIT_EXPECT_EQ(test, node.tunnel_port, (u16)SEMNET_TUNNEL_PORT);
	KUNIT_EXPECT_EQ(test, node.timeout[SEMNET_TIMEOUT_TCP], 900UL * HZ);
	KUNIT_EXPECT_EQ(test, node.timeout[SEMNET_TIMEOUT_TCP_CLOSE], 10UL * HZ);
	KUNIT_EXPECT_EQ(test, node.timeout[SEMNET_TIMEOUT_UDP], 30UL * HZ);
	KUNIT_EXPECT_EQ(test, node.timeout[SEMNET_TIMEOUT_ICMP], 30UL * HZ);
	KUNIT_EXPECT_EQ(test, node.timeout[SEMNET_TIMEOUT_UNREPLIED], 30UL * HZ);
	KUNIT_EXPECT_EQ(test, node.hold_packets, (u32)SEMNET_DEFAULT_HOLD_PACKETS);
	KUNIT_EXPECT_EQ(test, node.hold_total, (u32)SEMNET_DEFAULT_HOLD_TOTAL);
	KUNIT_EXPECT_EQ(test, node.hold_timeout,
			msecs_to_jiffies(SEMNET_DEFAULT_HOLD_TIMEOUT_MS));
	KUNIT_EXPECT_EQ(test, node.miss_interval,
			msecs_to_jiffies(SEMNET_DEFAULT_MISS_INTERVAL_MS));
	/* The privileged defaults are beyond an unprivileged namespace's. */
	KUNIT_EXPECT_EQ(test, semnet_node_check_unpriv(&node, &ext), -ERANGE);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "flow-max above 65536, the limit of a namespace outside the initial user namespace");

	/* An unprivileged namespace starts within its limits. */
	semnet_node_defaults(&node, true);
	KUNIT_EXPECT_EQ(test, node.flow_max, (u32)SEMNET_UNPRIV_FLOW_MAX);
	KUNIT_EXPECT_EQ(test, node.unreplied_max, (u32)SEMNET_UNPRIV_UNREPLIED_MAX);
	KUNIT_EXPECT_EQ(test, semnet_node_check_unpriv(&node, NULL), 0);

	node.unreplied_max = SEMNET_UNPRIV_UNREPLIED_MAX + 1;
	KUNIT_EXPECT_EQ(test, semnet_node_check_unpriv(&node, &ext), -ERANGE);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "unreplied-max above 256, the limit of a namespace outside the initial user namespace");
	node.unreplied_max = SEMNET_UNPRIV_UNREPLIED_MAX;
	node.hold_total = SEMNET_UNPRIV_HOLD_TOTAL + 1;
	KUNIT_EXPECT_EQ(test, semnet_node_check_unpriv(&node, &ext), -ERANGE);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "hold-packets above 8 or hold-total above 256, the limits of a namespace outside the initial user namespace");
	node.hold_total = SEMNET_UNPRIV_HOLD_TOTAL;
	node.hold_packets = SEMNET_UNPRIV_HOLD_PACKETS + 1;
	KUNIT_EXPECT_EQ(test, semnet_node_check_unpriv(&node, NULL), -ERANGE);
	/* The initial namespace has none of these limits. */
	KUNIT_EXPECT_FALSE(test, semnet_node_unprivileged(&f->sn));
}

/* A new node needs five attributes and a bridge that is one. */
static void semnet_config_node_new(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_node_cfg full, cfg;
	struct netlink_ext_ack ext;
	struct semnet_node *node;

	/* The fixture's node, as it was configured, is gone. */
	cf_node_cfg_full(&full, tb_node(f));
	cf_node_del(f);
	cfg = full;
	cfg.bridge_ifindex = 9999;
	cfg.given &= ~BIT(SEMNET_A_NODE_GATEWAY);
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "a new node needs platform, service range, subnets, gateway and bridge");
	KUNIT_EXPECT_EQ(test, ext.miss_type, (u32)SEMNET_A_NODE_GATEWAY);

	cfg = full;
	cfg.bridge_ifindex = 9999;
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -ENODEV);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "no such bridge device");

	/* The loopback device exists, and is no bridge. */
	cfg.bridge_ifindex = init_net.loopback_dev->ifindex;
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "not a bridge device");
}

/* A change keeps what it leaves out, and is checked as a whole. */
static void semnet_config_node_change(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const struct semnet_node *old = tb_node(f);
	struct semnet_node_cfg cfg = {};
	struct netlink_ext_ack ext;
	struct semnet_node *node;

	cfg.given = BIT(SEMNET_A_NODE_FLOW_MAX) | BIT(SEMNET_A_NODE_TIMEOUT_UDP) |
		    BIT(SEMNET_A_NODE_HOLD_TIMEOUT);
	cfg.flow_max = 2000;
	cfg.timeout[SEMNET_TIMEOUT_UDP] = 45;
	cfg.timeout[SEMNET_TIMEOUT_TCP] = 1;	/* not given: ignored */
	cfg.hold_timeout_ms = 500;
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_ASSERT_FALSE(test, IS_ERR(node));
	KUNIT_EXPECT_EQ(test, node->flow_max, 2000U);
	KUNIT_EXPECT_EQ(test, node->timeout[SEMNET_TIMEOUT_UDP], 45UL * HZ);
	KUNIT_EXPECT_EQ(test, node->timeout[SEMNET_TIMEOUT_TCP],
			old->timeout[SEMNET_TIMEOUT_TCP]);
	KUNIT_EXPECT_EQ(test, node->hold_timeout, msecs_to_jiffies(500));
	KUNIT_EXPECT_EQ(test, node->gateway, old->gateway);
	KUNIT_EXPECT_EQ(test, node->n_subnets, old->n_subnets);
	KUNIT_EXPECT_EQ(test, node->subnets[0].addr, old->subnets[0].addr);
	kfree(node);

	/* The whole config must still hold: the gateway in a subnet. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.given = BIT(SEMNET_A_NODE_GATEWAY);
	cfg.gateway = tb_ip("172.16.1.1");
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "gateway must lie inside a local subnet");

	/* The service range moves only while nothing lives in it. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.given = BIT(SEMNET_A_NODE_SERVICE_RANGE);
	cfg.services = (struct semnet_prefix){ tb_ip("172.31.0.0"), 16 };
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_ASSERT_FALSE(test, IS_ERR(node));
	KUNIT_EXPECT_EQ(test, node->services.addr, tb_ip("172.31.0.0"));
	kfree(node);
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	node = cf_node_build(f, &cfg, &ext);
	KUNIT_EXPECT_EQ(test, PTR_ERR(node), -EBUSY);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "cannot change the service range while services or instances exist");
}

static int cf_service(struct kt_fixture *f, const char *addr,
		      const char *name, const char *policy,
		      enum semnet_add_mode mode, struct netlink_ext_ack *ext)
{
	struct semnet_service_cfg cfg = {
		.addr = tb_ip(addr), .name = name, .policy = policy,
	};

	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_service_configure(&f->sn, &cfg, mode, ext));
}

/* Service requests refused whatever else exists. */
static const struct cf_service_refusal {
	const char *addr, *name, *policy;
	enum semnet_add_mode mode;
	int err;
	const char *msg;
} cf_service_refusals[] = {
	{ "172.30.0.1", "", NULL, SEMNET_ADD_NEW, -EINVAL, "service name is empty" },
	/* The known policies are named from the table. */
	{ "172.30.0.1", "s", "fastest", SEMNET_ADD_NEW, -EINVAL,
	  "unknown policy (known: rr, random, mh, closest)" },
	{ "10.0.0.1", "s", NULL, SEMNET_ADD_NEW, -EINVAL,
	  "service address outside the service range" },
	{ "172.30.0.1", NULL, NULL, SEMNET_ADD_NEW, -EINVAL, "a new service needs a name" },
	{ "172.30.0.1", "s", NULL, SEMNET_ADD_CHANGE, -ENOENT, "no service with this address" },
};

static void semnet_config_services(struct kunit *test)
{
	const struct cf_service_refusal *r;
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext;
	struct semnet_service *svc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cf_service_refusals); i++) {
		r = &cf_service_refusals[i];
		cf_expect_refusal(test, cf_service(f, r->addr, r->name, r->policy,
						   r->mode, &ext), &ext, r->err, r->msg);
	}

	KUNIT_ASSERT_EQ(test, cf_service(f, "172.30.0.1", "s", "mh",
					 SEMNET_ADD_NEW, &ext), 0);
	KUNIT_EXPECT_EQ(test, cf_service(f, "172.30.0.1", "s", NULL,
					 SEMNET_ADD_NEW, &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "service address already exists");
	/* A change without a policy keeps it. */
	KUNIT_EXPECT_EQ(test, cf_service(f, "172.30.0.1", "t", NULL,
					 SEMNET_ADD_CHANGE, &ext), 0);
	mutex_lock(&f->sn.lock);
	svc = semnet_service_find(&f->sn, tb_ip("172.30.0.1"));
	KUNIT_EXPECT_PTR_EQ(test, svc->policy, &semnet_policy_mh);
	KUNIT_EXPECT_STREQ(test, svc->group->name, "t");
	mutex_unlock(&f->sn.lock);

	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.2"), 0);
	KUNIT_EXPECT_EQ(test, cf_service(f, "172.30.1.1", "s", NULL,
					 SEMNET_ADD_NEW, &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "address is in use by an instance");

	cf_node_del(f);
	KUNIT_EXPECT_EQ(test, cf_service(f, "172.30.0.2", "s", NULL,
					 SEMNET_ADD_NEW, &ext), -ENODATA);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "configure the node first (semnet node set)");
}

/* NEW_INSTANCE with the attributes in @given (a SEMNET_A_INSTANCE_x mask). */
static int cf_instance(struct kt_fixture *f, u32 given, const char *addr,
		       const char *service, const char *nsip, int ifindex,
		       enum semnet_add_mode mode, struct netlink_ext_ack *ext)
{
	struct semnet_instance_cfg cfg = {
		.addr = tb_ip(addr), .service = service,
		.nsip = nsip ? tb_ip(nsip) : 0, .ifindex = ifindex,
		.given = given | BIT(SEMNET_A_INSTANCE_ADDR),
	};

	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_instance_configure(&f->sn, &cfg, mode, ext));
}

#define CF_SVC_NSIP	(BIT(SEMNET_A_INSTANCE_SERVICE) | BIT(SEMNET_A_INSTANCE_NSIP))

/* NEW_INSTANCE requests refused whatever else exists. */
static const struct cf_instance_refusal {
	u32 given;
	const char *addr, *service, *nsip;
	int ifindex, err;
	const char *msg;
} cf_instance_refusals[] = {
	{ BIT(SEMNET_A_INSTANCE_SERVICE), "172.30.1.1", "s", NULL, 0, -EINVAL,
	  "a new instance needs a service name and an nsIP" },
	{ CF_SVC_NSIP, "172.30.1.1", "", "172.16.0.2", 0, -EINVAL, "service name is empty" },
	{ CF_SVC_NSIP, "10.0.0.1", "s", "172.16.0.2", 0, -EINVAL,
	  "instance address outside the service range" },
	{ CF_SVC_NSIP, "172.30.1.1", "s", "172.30.5.5", 0, -EINVAL,
	  "nsIP must be in the platform range, outside the service range" },
	{ CF_SVC_NSIP, "172.30.1.1", "s", "10.0.0.2", 0, -EINVAL,
	  "nsIP must be in the platform range, outside the service range" },
	/* The gateway, and the subnet's network and broadcast addresses. */
	{ CF_SVC_NSIP, "172.30.1.1", "s", "172.16.0.1", 0, -EINVAL,
	  "nsIP is the network, gateway or broadcast address of a local subnet" },
	{ CF_SVC_NSIP, "172.30.1.1", "s", "172.16.0.63", 0, -EINVAL,
	  "nsIP is the network, gateway or broadcast address of a local subnet" },
	{ CF_SVC_NSIP | BIT(SEMNET_A_INSTANCE_IFINDEX), "172.30.1.1", "s",
	  "172.16.0.2", 9999, -ENODEV, "no such device" },
};

static void cf_instance_refusal_desc(const struct cf_instance_refusal *r,
				     char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s (nsIP %s)", r->msg,
		 r->nsip ?: "none");
}

KUNIT_ARRAY_PARAM(cf_instance_refusals, cf_instance_refusals,
		  cf_instance_refusal_desc);

static void semnet_config_instance_refused(struct kunit *test)
{
	const struct cf_instance_refusal *r = test->param_value;
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext;

	cf_expect_refusal(test, cf_instance(f, r->given, r->addr, r->service,
					    r->nsip, r->ifindex, SEMNET_ADD_NEW,
					    &ext), &ext, r->err, r->msg);
}

static void semnet_config_instances(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_instance_cfg cfg = {};
	struct netlink_ext_ack ext;
	struct semnet_instance *inst;

	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	KUNIT_EXPECT_EQ(test, cf_instance(f, CF_SVC_NSIP, "172.30.0.1", "s",
					  "172.16.0.2", 0, SEMNET_ADD_NEW, &ext),
			-EEXIST);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "address is in use by a service");

	KUNIT_ASSERT_EQ(test, cf_instance(f, CF_SVC_NSIP, "172.30.1.1", "s",
					  "172.16.0.2", 0, SEMNET_ADD_NEW, &ext), 0);
	KUNIT_EXPECT_EQ(test, cf_instance(f, CF_SVC_NSIP, "172.30.1.1", "s",
					  "172.16.0.3", 0, SEMNET_ADD_NEW, &ext),
			-EEXIST);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "instance address already exists");
	KUNIT_EXPECT_EQ(test, cf_instance(f, CF_SVC_NSIP, "172.30.1.9", "s",
					  "172.16.0.9", 0, SEMNET_ADD_CHANGE, &ext),
			-ENOENT);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "no instance with this address");

	/* A change of the node address alone keeps service and nsIP. */
	cfg.addr = tb_ip("172.30.1.1");
	cfg.node_addr = tb_ip("192.168.1.7");
	cfg.given = BIT(SEMNET_A_INSTANCE_ADDR) | BIT(SEMNET_A_INSTANCE_NODE);
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_instance_configure(&f->sn, &cfg,
							SEMNET_ADD_CHANGE, NULL), 0);
	inst = semnet_instance_find(&f->sn, tb_ip("172.30.1.1"));
	KUNIT_ASSERT_NOT_NULL(test, inst);
	KUNIT_EXPECT_EQ(test, inst->nsip, tb_ip("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, inst->node_addr, tb_ip("192.168.1.7"));
	KUNIT_EXPECT_STREQ(test, inst->group->name, "s");
	mutex_unlock(&f->sn.lock);

	cf_node_del(f);
	KUNIT_EXPECT_EQ(test, cf_instance(f, CF_SVC_NSIP, "172.30.1.2", "s",
					  "172.16.0.3", 0, SEMNET_ADD_NEW, &ext),
			-ENODATA);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "configure the node first (semnet node set)");
}

static int cf_peer(struct kt_fixture *f, struct semnet_peer_cfg *cfg,
		   enum semnet_add_mode mode, struct netlink_ext_ack *ext)
{
	memset(ext, 0, sizeof(*ext));
	return kt_locked(f, semnet_peer_configure(&f->sn, cfg, mode, ext));
}

/* The peer for @subnet/26: "port encap cost down addr", or "-". */
static const char *cf_peer_show(struct kt_fixture *f, const char *subnet)
{
	static char buf[64];
	struct semnet_peer_subnet p = tb_psub(subnet, 26);
	struct semnet_peer *peer;

	mutex_lock(&f->sn.lock);
	peer = semnet_peer_find(&f->sn, &p);
	if (peer)
		snprintf(buf, sizeof(buf), "%u %u %u %d %pI4", ntohs(peer->port),
			 peer->encap, peer->cost, peer->down, &peer->under.ip);
	else
		strscpy(buf, "-", sizeof(buf));
	mutex_unlock(&f->sn.lock);
	return buf;
}

/*
 * A change of @cfg's @attr alone to the peer for 172.16.0.64/26: the
 * peer is @show (cf_peer_show()) afterwards.
 */
static void cf_peer_change(struct kunit *test, struct kt_fixture *f,
			   struct semnet_peer_cfg *cfg, int attr, const char *show)
{
	struct netlink_ext_ack ext;

	cfg->given = BIT(SEMNET_A_PEER_SUBNET) | BIT(attr);
	KUNIT_ASSERT_EQ(test, cf_peer(f, cfg, SEMNET_ADD_CHANGE, &ext), 0);
	KUNIT_EXPECT_STREQ(test, cf_peer_show(f, "172.16.0.64"), show);
}

static void semnet_config_peers(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub("172.16.0.64", 26),
	};
	struct netlink_ext_ack ext;

	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "a peer needs an underlay address");
	cfg.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_ADDR);
	cfg.under = tb_under("224.0.0.1");
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "not a unicast underlay address");
	cfg.under = tb_under("192.168.1.2");
	cfg.subnet = tb_psub("10.0.0.0", 26);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "peer subnet must lie in the platform range, outside the service range");
	cfg.subnet = tb_psub("172.30.0.0", 26);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	cfg.subnet = tb_psub("172.16.0.0", 26);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "peer subnet is one of this node's own");

	/* A new peer: cost unknown, up, GRE-in-UDP on its port. */
	cfg.subnet = tb_psub("172.16.0.64", 26);
	KUNIT_ASSERT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), 0);
	KUNIT_EXPECT_STREQ(test, cf_peer_show(f, "172.16.0.64"),
			   "4754 0 4294967295 0 192.168.1.2");
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EEXIST);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "a peer for this subnet already exists");

	/* A change of the cost alone keeps the rest. */
	cfg.under = tb_under("0.0.0.0");
	cfg.cost = 700;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_COST, "4754 0 700 0 192.168.1.2");
	/* The port follows a new encapsulation, unless given. */
	cfg.encap = SEMNET_ENCAP_IPUDP;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_ENCAP, "50103 1 700 0 192.168.1.2");
	cfg.port = 4800;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_PORT, "4800 1 700 0 192.168.1.2");
	cfg.down = true;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_DOWN, "4800 1 700 1 192.168.1.2");

	cfg.subnet = tb_psub("172.16.1.0", 26);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "a peer needs an underlay address");
	cfg.given |= BIT(SEMNET_A_PEER_ADDR);
	cfg.under = tb_under("192.168.1.3");
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), -ENOENT);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "no peer for this subnet");
}

/* The device of the peer for @subnet/26, or -1 when there is none. */
static int cf_peer_dev(struct kt_fixture *f, const char *subnet)
{
	struct semnet_peer_subnet p = tb_psub(subnet, 26);
	struct semnet_peer *peer;
	int ifindex;

	mutex_lock(&f->sn.lock);
	peer = semnet_peer_find(&f->sn, &p);
	ifindex = peer ? peer->ifindex : -1;
	mutex_unlock(&f->sn.lock);
	return ifindex;
}

/*
 * SEMNET_A_PEER_IFINDEX: a device of the namespace (init_net's loopback
 * here), kept by changes that leave it out, refused when no such device
 * exists (the peer unchanged), cleared by 0.
 */
static void semnet_config_peer_dev(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub("172.16.0.64", 26),
		.under = tb_under("10.255.0.2"),
		.ifindex = LOOPBACK_IFINDEX,
		.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_ADDR) |
			 BIT(SEMNET_A_PEER_IFINDEX),
	};
	struct netlink_ext_ack ext;

	KUNIT_ASSERT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), 0);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), LOOPBACK_IFINDEX);
	cfg.cost = 5;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_COST, "4754 0 5 0 10.255.0.2");
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), LOOPBACK_IFINDEX);

	cfg.ifindex = INT_MAX;
	cfg.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_IFINDEX);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), -ENODEV);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "no such device in this network namespace");
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), LOOPBACK_IFINDEX);
	/* A new peer with a missing device is not added. */
	cfg.subnet = tb_psub("172.16.0.128", 26);
	cfg.given |= BIT(SEMNET_A_PEER_ADDR);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -ENODEV);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.128"), -1);

	cfg.subnet = tb_psub("172.16.0.64", 26);
	cfg.ifindex = 0;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_IFINDEX, "4754 0 5 0 10.255.0.2");
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), 0);
}

static netdev_tx_t cf_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops cf_dev_ops = {
	.ndo_start_xmit = cf_dev_xmit,
};

/* A test device named sntest%d, with index @ifindex (0: any), or NULL. */
static struct net_device *cf_dev_add(struct kunit *test, int ifindex)
{
	struct net_device *dev;

	dev = alloc_netdev(0, "sntest%d", NET_NAME_ENUM, ether_setup);
	if (!dev)
		return NULL;
	dev->netdev_ops = &cf_dev_ops;
	dev->ifindex = ifindex;
	if (register_netdev(dev)) {
		free_netdev(dev);
		return NULL;
	}
	return dev;
}

static void cf_dev_del(struct net_device *dev)
{
	unregister_netdev(dev);
	free_netdev(dev);
}

/*
 * A peer bound to a device that is gone since (semnetd recreating its
 * WireGuard device) still takes changes that leave the device out. Once
 * the device notifier has seen it go (semnet_peer_dev_gone()), the
 * binding matches nothing, also when a new device gets the old index
 * (ip link add ... index N, a device moved in from another namespace),
 * until a device is given again.
 */
static void semnet_config_peer_dev_gone(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub("172.16.0.64", 26),
		.under = tb_under("10.255.0.2"),
		.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_ADDR) |
			 BIT(SEMNET_A_PEER_IFINDEX),
	};
	const u8 gre = SEMNET_ENCAP_GRE_UDP;
	struct netlink_ext_ack ext;
	struct net_device *dev;
	int ifindex;

	dev = cf_dev_add(test, 0);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "cannot register a test device");
	ifindex = dev->ifindex;
	cfg.ifindex = ifindex;
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), 0);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", ifindex, gre, "172.16.0.66",
					     false), "172.16.0.64/26");
	cf_dev_del(dev);
	/* What the notifier does on NETDEV_UNREGISTER (bridge.c). */
	mutex_lock(&f->sn.lock);
	semnet_peer_dev_gone(&f->sn, ifindex);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), -ifindex);

	cfg.cost = 5;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_COST, "4754 0 5 0 10.255.0.2");
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), -ifindex);
	/* Given again, the gone device is refused. */
	cfg.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_IFINDEX);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), -ENODEV);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext), "no such device in this network namespace");
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), -ifindex);

	/* Another device with the old index is not the peer's path... */
	dev = cf_dev_add(test, ifindex);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "cannot register a device at index %d", ifindex);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", ifindex, gre, "172.16.0.66",
					     false), "-");
	/* ...until it is given: then it is. */
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), 0);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), ifindex);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", ifindex, gre, "172.16.0.66",
					     false), "172.16.0.64/26");
	/* Another device's going leaves the binding alone. */
	mutex_lock(&f->sn.lock);
	semnet_peer_dev_gone(&f->sn, ifindex + 1);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), ifindex);
	cf_dev_del(dev);
}

static struct kunit_case semnet_config_cases[] = {
	KUNIT_CASE(semnet_config_add_mode),
	KUNIT_CASE(semnet_config_node_defaults),
	KUNIT_CASE(semnet_config_node_new),
	KUNIT_CASE(semnet_config_node_change),
	KUNIT_CASE(semnet_config_services),
	KUNIT_CASE_PARAM(semnet_config_instance_refused, cf_instance_refusals_gen_params),
	KUNIT_CASE(semnet_config_instances),
	KUNIT_CASE(semnet_config_peers),
	KUNIT_CASE(semnet_config_peer_dev),
	KUNIT_CASE(semnet_config_peer_dev_gone),
	{}
};

KT_FIXTURE_SUITE(config, tables_init);
