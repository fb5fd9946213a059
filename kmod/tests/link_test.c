// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: direct node links (link.c, SEMNET_ENCAP_DIRECT): a direct peer
 * needs its device, is counted in n_direct (the hooks' one test), speaks
 * GRE in UDP too, and what semnet_direct_rcv() makes of packets it cannot
 * prove (the Ethernet check itself needs a segment: tests/e2e/
 * links_direct.sh), and semnet_direct_tx()'s counters. Uses the tables
 * fixture (tables_test.c) and the peer helpers (peer_test.c,
 * config_test.c).
 */
#include <kunit/test.h>

/* An IPv4 UDP packet SRC -> DST of 28 bytes, on the loopback device. */
static struct sk_buff *lt_packet(struct kunit *test, const char *src,
				 const char *dst)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(28);
	iph->protocol = IPPROTO_UDP;
	iph->saddr = tb_ip(src);
	iph->daddr = tb_ip(dst);
	skb_put_zero(skb, sizeof(struct udphdr));
	skb->protocol = htons(ETH_P_IP);
	skb->dev = init_net.loopback_dev;
	return skb;
}

/*
 * semnet_direct_rcv() of SRC -> DST arriving on @in, semnet0 being @tunnel:
 * "-" (not a direct peer's), "ok", "ok tunnel" (taken and moved to
 * @tunnel), or the drop reason's number.
 */
static const char *lt_rcv_on(struct kunit *test, struct kt_fixture *f,
			     struct net_device *in, struct net_device *tunnel,
			     const char *src, const char *dst)
{
	struct sk_buff *skb = lt_packet(test, src, dst);
	enum semnet_drop_reason reason;
	static char buf[16];
	bool direct, moved;

	skb->dev = in;
	rcu_read_lock();
	local_bh_disable();
	direct = semnet_direct_rcv(&f->sn, tb_node(f), skb, in, tunnel,
				   &reason);
	local_bh_enable();
	rcu_read_unlock();
	moved = skb->dev == tunnel && tunnel != in;
	kfree_skb(skb);
	if (!direct)
		return "-";
	if (!reason)
		return moved ? "ok tunnel" : "ok";
	snprintf(buf, sizeof(buf), "%d", reason);
	return buf;
}

/* lt_rcv_on() of the loopback device, itself the tunnel. */
static const char *lt_rcv(struct kunit *test, struct kt_fixture *f,
			  const char *src, const char *dst)
{
	return lt_rcv_on(test, f, init_net.loopback_dev, init_net.loopback_dev,
			 src, dst);
}

static u32 lt_n_direct(struct kt_fixture *f)
{
	return READ_ONCE(f->sn.n_direct);
}

/* Configuration: a device is required; n_direct follows kind changes. */
static void semnet_link_direct_config(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub("172.16.0.64", 26),
		.under = tb_under("10.99.0.2"),
		.encap = SEMNET_ENCAP_DIRECT,
		.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_ADDR) |
			 BIT(SEMNET_A_PEER_ENCAP),
	};
	struct netlink_ext_ack ext;

	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), -EINVAL);
	KUNIT_EXPECT_STREQ(test, cf_msg(&ext),
			   "a direct peer needs its device (the segment it is on)");
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 0U);
	cfg.ifindex = LOOPBACK_IFINDEX;
	cfg.given |= BIT(SEMNET_A_PEER_IFINDEX);
	KUNIT_ASSERT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_NEW, &ext), 0);
	/* The GRE port, for what still reaches semnet0. */
	KUNIT_EXPECT_STREQ(test, cf_peer_show(f, "172.16.0.64"), "4754 2 4294967295 0 10.99.0.2");
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 1U);
	/* Dropping the device of a direct peer is refused, the peer kept. */
	cfg.ifindex = 0;
	cfg.given = BIT(SEMNET_A_PEER_SUBNET) | BIT(SEMNET_A_PEER_IFINDEX);
	KUNIT_EXPECT_EQ(test, cf_peer(f, &cfg, SEMNET_ADD_CHANGE, &ext), -EINVAL);
	KUNIT_EXPECT_EQ(test, cf_peer_dev(f, "172.16.0.64"), LOOPBACK_IFINDEX);
	/* A change of kind, and back; a change of the cost keeps it direct. */
	cfg.encap = SEMNET_ENCAP_GRE_UDP;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_ENCAP, "4754 0 4294967295 0 10.99.0.2");
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 0U);
	cfg.encap = SEMNET_ENCAP_DIRECT;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_ENCAP, "4754 2 4294967295 0 10.99.0.2");
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 1U);
	cfg.cost = 9;
	cf_peer_change(test, f, &cfg, SEMNET_A_PEER_COST, "4754 2 9 0 10.99.0.2");
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 1U);
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_peer_del(&f->sn, &cfg.subnet, NULL), 0);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&f->sn.direct_peers));
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.99.0.2",
					  SEMNET_ENCAP_DIRECT, 1, SEMNET_ADD_NEW), 0);
	mutex_lock(&f->sn.lock);
	semnet_peer_flush(&f->sn);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, lt_n_direct(f), 0U);
}

/* A direct peer takes GRE in UDP (switching kinds drops nothing), not ipudp. */
static void semnet_link_direct_gre(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP, ipudp = SEMNET_ENCAP_IPUDP;

	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.99.0.2",
					  SEMNET_ENCAP_DIRECT, 3, SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.99.0.2", 3, gre, "172.16.0.66", false),
			   "172.16.0.64/26");
	/* Its device binds its GRE as it binds its bare packets. */
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.99.0.2", 4, gre, "172.16.0.66", false),
			   "-");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.99.0.2", 3, ipudp, "172.16.0.66", false),
			   "?");
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, semnet_peer_at(&f->sn, &(struct semnet_underlay){
		.family = AF_INET, .ip = tb_ip("10.99.0.2") }, htons(SEMNET_TUNNEL_PORT), gre,
		&(struct semnet_via){ .iif = 3 }));
	rcu_read_unlock();
}

/*
 * What semnet_direct_rcv() cannot prove is dropped, what is not a direct
 * peer's is left alone. The loopback device has no Ethernet header: no
 * frame from it is ever proven.
 */
static void semnet_link_direct_rcv(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	char spoofed[8];

	snprintf(spoofed, sizeof(spoofed), "%d", SEMNET_DROP_PEER_SPOOFED);
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.99.0.2",
					  SEMNET_ENCAP_DIRECT, LOOPBACK_IFINDEX,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.128", 26, "10.99.0.3",
					  SEMNET_ENCAP_DIRECT, 5, SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.192", 26, "10.99.0.4",
				      SEMNET_ENCAP_GRE_UDP), 0);
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.66"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.2", "s", "172.16.0.194"), 0);

	/* An nsIP of the peer on its device: no Ethernet proof, spoofed. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.16.0.66", "172.16.0.2"), spoofed);
	/* An InstanceIP living there: the same. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.30.1.1", "172.16.0.2"), spoofed);
	/* A direct peer bound to another device. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.16.0.130", "172.16.0.2"), spoofed);
	/* A GRE peer's nsIP or InstanceIP, bare: not a direct peer's. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.16.0.194", "172.16.0.2"), "-");
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.30.1.2", "172.16.0.2"), "-");
	/* A ServiceIP is nobody's; an unknown InstanceIP nobody proves. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.30.0.1", "172.16.0.2"), "-");
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.30.9.9", "172.16.0.2"), "-");
	/* No peer holds it. */
	KUNIT_EXPECT_STREQ(test, lt_rcv(test, f, "172.17.0.1", "172.16.0.2"), "-");
}

/*
 * A device without a link layer, as WireGuard's (drivers/net/wireguard/
 * device.c: ARPHRD_NONE, point-to-point, no ARP), registered in init_net.
 */
static void lt_l3_setup(struct net_device *dev)
{
	dev->netdev_ops = &cf_dev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = 1420;
}

static struct net_device *lt_l3_dev(void)
{
	struct net_device *dev;

	dev = alloc_netdev(0, "snwg%d", NET_NAME_ENUM, lt_l3_setup);
	if (!dev)
		return NULL;
	if (register_netdev(dev)) {
		free_netdev(dev);
		return NULL;
	}
	return dev;
}

static void lt_l3_put(struct net_device *dev)
{
	if (!dev)
		return;
	unregister_netdev(dev);
	free_netdev(dev);
}

/* Packets the peer of SUBNET/26 has received (@tx: sent); -1: no peer. */
static s64 lt_peer_count(struct kt_fixture *f, const char *subnet, bool tx)
{
	const struct semnet_peer_subnet sub = tb_psub(subnet, 26);
	struct semnet_peer *peer;
	s64 n = -1;

	mutex_lock(&f->sn.lock);
	peer = semnet_peer_find(&f->sn, &sub);
	if (peer)
		n = atomic64_read(tx ? &peer->tx_packets : &peer->rx_packets);
	mutex_unlock(&f->sn.lock);
	return n;
}

/*
 * A direct peer bound to a device without a link layer (a point-to-point
 * WireGuard device, daemon/LINKS.md §1a's fallback): the binding proves
 * the sender, no Ethernet source is looked for. What claims a peer bound
 * elsewhere is dropped as spoofed, on such a device as on any other; a
 * device no direct peer is bound to proves nobody.
 */
static void semnet_link_direct_l3(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct net_device *wg1 = lt_l3_dev(), *wg2 = lt_l3_dev();
	struct net_device *lo = init_net.loopback_dev;
	char spoofed[8], not_ours[8];
	struct sk_buff *to_b;

	if (!wg1 || !wg2) {
		lt_l3_put(wg1);
		lt_l3_put(wg2);
		KUNIT_FAIL(test, "cannot register the test devices");
		return;
	}
	snprintf(spoofed, sizeof(spoofed), "%d", SEMNET_DROP_PEER_SPOOFED);
	snprintf(not_ours, sizeof(not_ours), "%d", SEMNET_DROP_NOT_OURS);
	/* b behind wg1; c direct on another device; d over GRE, unbound. */
	KUNIT_EXPECT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2",
					  SEMNET_ENCAP_DIRECT, wg1->ifindex,
					  SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_peer_dev(f, "172.16.0.128", 26, "10.99.0.3",
					  SEMNET_ENCAP_DIRECT, LOOPBACK_IFINDEX,
					  SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_EQ(test, pt_peer(f, "172.16.0.192", 26, "10.99.0.4",
				      SEMNET_ENCAP_GRE_UDP), 0);
	KUNIT_EXPECT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	KUNIT_EXPECT_EQ(test, tb_instance(f, "172.30.1.1", "s", "172.16.0.66"), 0);
	KUNIT_EXPECT_EQ(test, tb_instance(f, "172.30.1.3", "s", "172.16.0.130"), 0);

	/* Bound: b's nsIP stays on wg1 (the route back to it is wg1)... */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.16.0.66", "172.16.0.2"),
			   "ok");
	/* ...an InstanceIP living at b, or one unknown here, moves to semnet0. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.30.1.1", "172.16.0.2"),
			   "ok tunnel");
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.30.9.9", "172.16.0.2"),
			   "ok tunnel");
	KUNIT_EXPECT_EQ(test, lt_peer_count(f, "172.16.0.64", false), 3LL);
	/* Proven, but not for this node: the inner checks still apply. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.16.0.66", "172.17.0.1"),
			   not_ours);

	/* Unbound here: c is bound to another device, so wg1 proves nothing. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.16.0.130", "172.16.0.2"),
			   spoofed);
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.30.1.3", "172.16.0.2"),
			   spoofed);
	KUNIT_EXPECT_EQ(test, lt_peer_count(f, "172.16.0.128", false), 0LL);
	/* A GRE peer's nsIP, bare: not a direct peer's, left alone as before. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg1, lo, "172.16.0.194", "172.16.0.2"),
			   "-");

	/* Another device, link layer or none: b's sources are spoofed there. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg2, lo, "172.16.0.66", "172.16.0.2"),
			   spoofed);
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg2, lo, "172.30.1.1", "172.16.0.2"),
			   spoofed);
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, lo, lo, "172.16.0.66", "172.16.0.2"),
			   spoofed);
	/* An unknown InstanceIP on a device no direct peer is bound to: nobody's. */
	KUNIT_EXPECT_STREQ(test, lt_rcv_on(test, f, wg2, lo, "172.30.9.9", "172.16.0.2"),
			   "-");
	KUNIT_EXPECT_EQ(test, lt_peer_count(f, "172.16.0.64", false), 3LL);

	/*
	 * Sending: counted for b when routed out of wg1, the device, not a
	 * neighbour, being what it is bound to; not out of wg2.
	 */
	to_b = lt_packet(test, "172.30.1.10", "172.16.0.66");
	rcu_read_lock();
	semnet_direct_tx(&f->sn, to_b, wg2);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, lt_peer_count(f, "172.16.0.64", true), 0LL);
	rcu_read_lock();
	semnet_direct_tx(&f->sn, to_b, wg1);
	rcu_read_unlock();
	kfree_skb(to_b);
	KUNIT_EXPECT_EQ(test, lt_peer_count(f, "172.16.0.64", true), 1LL);
	lt_l3_put(wg1);
	lt_l3_put(wg2);
}

/* semnet_direct_tx(): counted for a direct peer on the way out, only. */
static void semnet_link_direct_tx(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const struct semnet_peer_subnet b = tb_psub("172.16.0.64", 26);
	const struct semnet_peer_subnet c = tb_psub("172.16.0.192", 26);
	struct semnet_peer *pb, *pc;
	struct sk_buff *to_b, *to_c;

	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.99.0.2",
					  SEMNET_ENCAP_DIRECT, LOOPBACK_IFINDEX,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.192", 26, "10.99.0.4",
				      SEMNET_ENCAP_GRE_UDP), 0);
	/* Allocated outside the RCU section: GFP_KERNEL may sleep. */
	to_b = lt_packet(test, "172.30.1.10", "172.16.0.66");
	to_c = lt_packet(test, "172.30.1.10", "172.16.0.194");
	rcu_read_lock();
	semnet_direct_tx(&f->sn, to_b, init_net.loopback_dev);
	semnet_direct_tx(&f->sn, to_c, init_net.loopback_dev);
	rcu_read_unlock();
	kfree_skb(to_b);
	kfree_skb(to_c);
	mutex_lock(&f->sn.lock);
	pb = semnet_peer_find(&f->sn, &b);
	pc = semnet_peer_find(&f->sn, &c);
	KUNIT_ASSERT_NOT_NULL(test, pb);
	KUNIT_ASSERT_NOT_NULL(test, pc);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pb->tx_packets), 1LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pb->tx_bytes), 28LL);
	/* A GRE peer's packets are semnet0's to count. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&pc->tx_packets), 0LL);
	mutex_unlock(&f->sn.lock);
}

/*
 * semnet_client_nsip(): a direct link carries no GRE key, so a remote
 * client's location is the instance table's (the flow its first packet
 * starts needs it, or the server's ICMP errors find no flow and are lost).
 */
static void semnet_link_client_nsip(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_inaddr addr, nsip = {};

	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.99.0.2",
					  SEMNET_ENCAP_DIRECT, LOOPBACK_IFINDEX,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, tb_service(f, "172.30.0.1", "s"), 0);
	/* A client at b, and one of this node's own. */
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.10", "s", "172.16.0.66"), 0);
	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.11", "s", "172.16.0.5"), 0);
	rcu_read_lock();
	addr = semnet_inaddr4(tb_ip("172.30.1.10"));
	KUNIT_EXPECT_TRUE(test, semnet_client_nsip(&f->sn, &addr, &nsip));
	KUNIT_EXPECT_EQ(test, nsip.family, AF_INET);
	KUNIT_EXPECT_EQ(test, nsip.ip, tb_ip("172.16.0.66"));
	/* Not remote: no client of a tunnel or direct link. */
	addr = semnet_inaddr4(tb_ip("172.30.1.11"));
	KUNIT_EXPECT_FALSE(test, semnet_client_nsip(&f->sn, &addr, &nsip));
	/* Unknown: the sender's own routable address, nothing to do. */
	addr = semnet_inaddr4(tb_ip("172.30.9.9"));
	KUNIT_EXPECT_FALSE(test, semnet_client_nsip(&f->sn, &addr, &nsip));
	rcu_read_unlock();
}

static struct kunit_case semnet_link_cases[] = {
	KUNIT_CASE(semnet_link_direct_config),
	KUNIT_CASE(semnet_link_direct_gre),
	KUNIT_CASE(semnet_link_direct_rcv),
	KUNIT_CASE(semnet_link_direct_l3),
	KUNIT_CASE(semnet_link_direct_tx),
	KUNIT_CASE(semnet_link_client_nsip),
	{}
};

KT_FIXTURE_SUITE(link, tables_init);
