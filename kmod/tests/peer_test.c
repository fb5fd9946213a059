// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: which peer a tunnel packet is accepted from (peer.c), by underlay
 * address (IPv4 or IPv6), encapsulation and the nsIP it claims (IPv6: the
 * GRE key completing the peer's subnet), where semnet0 sends an IPv6
 * destination, the GRE header semnet0 speaks and how its GRE port tells
 * that from bare IP (offload.h). Uses the tables fixture (tables_test.c).
 */
#include <kunit/test.h>
#include <net/gre.h>

/* A peer bound to device @ifindex (0: none), added (or changed) by @mode. */
static int pt_peer_dev(struct kt_fixture *f, const char *subnet, u8 len,
		       const char *addr, u8 encap, int ifindex,
		       enum semnet_add_mode mode)
{
	struct semnet_peer_cfg cfg = {
		.subnet = tb_psub(subnet, len),
		.under = tb_under(addr),
		.port = encap == SEMNET_ENCAP_IPUDP ? SEMNET_IPUDP_PORT :
			SEMNET_TUNNEL_PORT,
		.encap = encap,
		.ifindex = ifindex,
	};

	return kt_locked(f, semnet_peer_add(&f->sn, &cfg, mode, NULL));
}

static int pt_peer(struct kt_fixture *f, const char *subnet, u8 len,
		   const char *addr, u8 encap)
{
	return pt_peer_dev(f, subnet, len, addr, encap, 0, SEMNET_ADD_NEW);
}

/*
 * The subnet of the peer accepted for a packet that arrived on device
 * @iif (a VRF: through its slave @sdif), "-" (spoofed) or "?" (unknown).
 */
static const char *pt_from_vrf(struct kt_fixture *f, const char *addr, int iif,
			       int sdif, u8 encap, const char *nsip, bool any)
{
	const struct semnet_via via = { .iif = iif, .sdif = sdif };
	struct semnet_underlay from = tb_under(addr);
	struct semnet_inaddr claimed;
	static char buf[48];
	struct semnet_peer *peer;
	bool known;

	if (nsip && strchr(nsip, ':')) {
		claimed.family = AF_INET6;
		in6_pton(nsip, -1, claimed.ip6.s6_addr, -1, NULL);
	} else {
		claimed = semnet_inaddr4(nsip ? tb_ip(nsip) : 0);
	}
	rcu_read_lock();
	peer = semnet_peer_from(&f->sn, &from, &via, encap, &claimed, any, &known);
	if (peer && peer->subnet.family == AF_INET6)
		snprintf(buf, sizeof(buf), "%pI6c/%u", &peer->subnet.v6.addr,
			 peer->subnet.v6.len);
	else if (peer)
		snprintf(buf, sizeof(buf), "%pI4/%u", &peer->subnet.v4.addr,
			 peer->subnet.v4.len);
	else
		strscpy(buf, known ? "-" : "?", sizeof(buf));
	rcu_read_unlock();
	return buf;
}

static const char *pt_from_via(struct kt_fixture *f, const char *addr, int iif,
			       u8 encap, const char *nsip, bool any)
{
	return pt_from_vrf(f, addr, iif, 0, encap, nsip, any);
}

/* As pt_from_via(), from a device no peer of these cases is bound to. */
static const char *pt_from(struct kt_fixture *f, const char *addr, u8 encap,
			   const char *nsip, bool any)
{
	return pt_from_via(f, addr, 1, encap, nsip, any);
}

static void semnet_peer_from_encap(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP, ipudp = SEMNET_ENCAP_IPUDP;

	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.64", 26, "10.99.0.2", gre), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.128", 26, "10.99.0.3", ipudp), 0);
	/* One node, two subnets, one in each encapsulation. */
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.1.0", 26, "10.99.0.3", gre), 0);

	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", gre, "172.16.0.66", false),
			   "172.16.0.64/26");
	/* A key outside the sender's subnets: spoofed. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", gre, "172.16.0.130", false), "-");
	/* A GRE peer is not an ipudp peer. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", ipudp, "172.16.0.66", false), "?");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.3", ipudp, "172.16.0.130", false),
			   "172.16.0.128/26");
	/* The other subnet of that node is its GRE peer's, not the ipudp one's. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.3", ipudp, "172.16.1.5", false), "-");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.3", gre, "172.16.1.5", false),
			   "172.16.1.0/26");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.3", gre, "172.16.0.130", false), "-");
	/* Any subnet: an unknown InstanceIP over ipudp. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.3", ipudp, NULL, true),
			   "172.16.0.128/26");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", ipudp, NULL, true), "?");
	/* A key of 0 names no subnet. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", gre, "0.0.0.0", false), "-");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.9", gre, "172.16.0.66", false), "?");
}

/*
 * GRE with an IPv6 inner packet: the key completes the sender's IPv6
 * nsIP from its peer's /96-or-longer subnet: "subnet nsip", "-" or "?".
 */
static const char *pt_from_key6_via(struct kt_fixture *f, const char *addr,
				    int iif, const char *key)
{
	const struct semnet_via via = { .iif = iif };
	struct semnet_underlay from = tb_under(addr);
	static char buf[96];
	struct semnet_peer *peer;
	struct in6_addr nsip;
	bool known;

	rcu_read_lock();
	peer = semnet_peer_from_key6(&f->sn, &from, &via, tb_ip(key), &nsip,
				     &known);
	if (peer)
		snprintf(buf, sizeof(buf), "%pI6c/%u %pI6c",
			 &peer->subnet.v6.addr, peer->subnet.v6.len, &nsip);
	else
		strscpy(buf, known ? "-" : "?", sizeof(buf));
	rcu_read_unlock();
	return buf;
}

static const char *pt_from_key6(struct kt_fixture *f, const char *addr,
				const char *key)
{
	return pt_from_key6_via(f, addr, 1, key);
}

/*
 * The subnet semnet0 sends an IPv6 destination to, "-" (none), or "!"
 * (asked again at once, it said another).
 */
static const char *pt_route6(struct kt_fixture *f, const char *dst)
{
	static char buf[64];
	struct semnet_peer *peer;
	struct in6_addr a;

	in6_pton(dst, -1, a.s6_addr, -1, NULL);
	rcu_read_lock();
	/* As the packet path asks: the second answer from the CPU's cache. */
	local_bh_disable();
	peer = semnet_peer_route6(&f->sn, &a);
	if (semnet_peer_route6(&f->sn, &a) != peer)
		strscpy(buf, "!", sizeof(buf));
	else if (peer)
		snprintf(buf, sizeof(buf), "%pI6c/%u", &peer->subnet.v6.addr,
			 peer->subnet.v6.len);
	else
		strscpy(buf, "-", sizeof(buf));
	local_bh_enable();
	rcu_read_unlock();
	return buf;
}

static void semnet_peer_ipv6(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP, ipudp = SEMNET_ENCAP_IPUDP;

	/* Node B: an IPv4 and an IPv6 subnet at one IPv4 underlay address. */
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.64", 26, "10.99.0.2", gre), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "fc00::100", 120, "10.99.0.2", gre), 0);
	/* Node C over an IPv6 underlay; D's /96 holds C's /120. */
	KUNIT_ASSERT_EQ(test, pt_peer(f, "fc00::200", 120, "2001:db8::3", gre), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "fc00::", 96, "2001:db8::4", ipudp), 0);

	KUNIT_EXPECT_STREQ(test, pt_from_key6(f, "10.99.0.2", "0.0.1.2"),
			   "fc00::100/120 fc00::102");
	/* A key outside B's /120: spoofed, whatever else B hosts. */
	KUNIT_EXPECT_STREQ(test, pt_from_key6(f, "10.99.0.2", "0.0.2.2"), "-");
	KUNIT_EXPECT_STREQ(test, pt_from_key6(f, "2001:db8::3", "0.0.2.9"),
			   "fc00::200/120 fc00::209");
	/* The same key from an IPv4 address C does not have: unknown. */
	KUNIT_EXPECT_STREQ(test, pt_from_key6(f, "10.99.0.3", "0.0.2.9"), "?");
	/* D speaks ipudp only: GRE from it is not accepted. */
	KUNIT_EXPECT_STREQ(test, pt_from_key6(f, "2001:db8::4", "0.0.0.5"), "?");
	/* By claimed nsIP and family. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "2001:db8::4", ipudp, "fc00::7", false),
			   "fc00::/96");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", gre, "fc00::105", false),
			   "fc00::100/120");
	KUNIT_EXPECT_STREQ(test, pt_from(f, "10.99.0.2", gre, "172.16.0.66", false),
			   "172.16.0.64/26");
	/* An IPv4 claim is never an IPv6 subnet's, nor the other way. */
	KUNIT_EXPECT_STREQ(test, pt_from(f, "2001:db8::3", gre, "172.16.0.66", false), "-");
	/* Longest prefix first. */
	KUNIT_EXPECT_STREQ(test, pt_route6(f, "fc00::201"), "fc00::200/120");
	KUNIT_EXPECT_STREQ(test, pt_route6(f, "fc00::301"), "fc00::/96");
	KUNIT_EXPECT_STREQ(test, pt_route6(f, "fc00:0:0:0:0:1::1"), "-");
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_peer_del(&f->sn, &(struct semnet_peer_subnet){
			.family = AF_INET6, .v6 = { .addr = { .s6_addr = {
			0xfc } }, .len = 96 } }, NULL), 0);
	mutex_unlock(&f->sn.lock);
	KUNIT_EXPECT_STREQ(test, pt_route6(f, "fc00::301"), "-");
	KUNIT_EXPECT_STREQ(test, pt_route6(f, "fc00::201"), "fc00::200/120");
}

/*
 * A peer bound to a device (SEMNET_A_PEER_IFINDEX: its address is routed
 * into an encrypting tunnel) is accepted only from that device, in
 * either encapsulation and for either inner family; from any other, its
 * address is known but the packet spoofed. Unbound peers of the same node
 * and other nodes are not affected, and a change of the device applies
 * at once.
 */
static void semnet_peer_from_dev(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP, ipudp = SEMNET_ENCAP_IPUDP;
	const int wg = 7, eth = 2;

	/* Node B behind wg (via its link address 10.255.0.2), C unbound. */
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, wg,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "fc00::100", 120, "10.255.0.2", gre, wg,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.128", 26, "10.255.0.2", ipudp, wg,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.192", 26, "10.99.0.3", gre), 0);

	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", wg, gre, "172.16.0.66", false),
			   "172.16.0.64/26");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", eth, gre, "172.16.0.66", false),
			   "-");
	/* No device at all (0) is not wg either. */
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", 0, gre, "172.16.0.66", false),
			   "-");
	KUNIT_EXPECT_STREQ(test, pt_from_key6_via(f, "10.255.0.2", wg, "0.0.1.2"),
			   "fc00::100/120 fc00::102");
	KUNIT_EXPECT_STREQ(test, pt_from_key6_via(f, "10.255.0.2", eth, "0.0.1.2"), "-");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", wg, ipudp, NULL, true),
			   "172.16.0.128/26");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", eth, ipudp, "172.16.0.130",
					     false), "-");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", eth, ipudp, NULL, true), "-");
	/* An unbound peer: from any device. */
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.99.0.3", eth, gre, "172.16.0.200", false),
			   "172.16.0.192/26");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.99.0.3", wg, gre, "172.16.0.200", false),
			   "172.16.0.192/26");
	/* Unbinding B's IPv4 peer (ifindex 0) frees it, and it alone. */
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, 0,
					  SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", eth, gre, "172.16.0.66", false),
			   "172.16.0.64/26");
	KUNIT_EXPECT_STREQ(test, pt_from_key6_via(f, "10.255.0.2", eth, "0.0.1.2"), "-");
	/* Binding it to another device moves it there. */
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, eth,
					  SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", wg, gre, "172.16.0.66", false),
			   "-");
	KUNIT_EXPECT_STREQ(test, pt_from_via(f, "10.255.0.2", eth, gre, "172.16.0.66", false),
			   "172.16.0.64/26");
}

/*
 * A bound peer behind a device enslaved to a VRF: the stack reports the
 * VRF as the packet's device (inet_iif()) and the slave as its sdif. The
 * slave's binding takes what came through the slave, not what came
 * through another slave of the VRF; a binding to the VRF itself takes
 * what came through any of its slaves, as a socket bound to it would.
 */
static void semnet_peer_from_vrf(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP;
	const int wg = 7, eth = 2, vrf = 9;

	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, wg,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.128", 26, "10.255.0.3", gre, vrf,
					  SEMNET_ADD_NEW), 0);
	KUNIT_EXPECT_STREQ(test, pt_from_vrf(f, "10.255.0.2", vrf, wg, gre, "172.16.0.66",
					     false), "172.16.0.64/26");
	KUNIT_EXPECT_STREQ(test, pt_from_vrf(f, "10.255.0.2", vrf, eth, gre, "172.16.0.66",
					     false), "-");
	KUNIT_EXPECT_STREQ(test, pt_from_vrf(f, "10.255.0.2", wg, 0, gre, "172.16.0.66",
					     false), "172.16.0.64/26");
	KUNIT_EXPECT_STREQ(test, pt_from_vrf(f, "10.255.0.3", vrf, eth, gre, "172.16.0.130",
					     false), "172.16.0.128/26");
	KUNIT_EXPECT_STREQ(test, pt_from_vrf(f, "10.255.0.3", eth, 0, gre, "172.16.0.130",
					     false), "-");
}

/* semnet_peer_at() through @iif (@sdif), as a string: "yes" or "no". */
static const char *pt_at(struct kt_fixture *f, const char *addr, u16 port,
			 u8 encap, int iif, int sdif)
{
	const struct semnet_via via = { .iif = iif, .sdif = sdif };
	struct semnet_underlay to = tb_under(addr);
	bool at;

	rcu_read_lock();
	at = semnet_peer_at(&f->sn, &to, htons(port), encap, &via);
	rcu_read_unlock();
	return at ? "yes" : "no";
}

/*
 * Which ICMP errors about a tunnel packet the socket takes (semnet_peer_at:
 * the quoted packet went to a peer's tunnel port): for a peer bound to a
 * device, only those that came in on that device (or, under a VRF,
 * through it); its packets leave by it, so a cleartext error on the
 * underlay is forged and must not lower the path MTU.
 */
static void semnet_peer_at_dev(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP, ipudp = SEMNET_ENCAP_IPUDP;
	const int wg = 7, eth = 2, vrf = 9;

	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, wg,
					  SEMNET_ADD_NEW), 0);
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.192", 26, "10.99.0.3", gre), 0);
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, gre, wg, 0),
			   "yes");
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, gre, eth, 0),
			   "no");
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, gre, vrf, wg),
			   "yes");
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, gre, vrf, eth),
			   "no");
	/* Another port or encapsulation: none of the peer's, from anywhere. */
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", 4000, gre, wg, 0), "no");
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, ipudp, wg, 0),
			   "no");
	/* An unbound peer: from any device. */
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.99.0.3", SEMNET_TUNNEL_PORT, gre, eth, 0),
			   "yes");
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.99.0.3", SEMNET_TUNNEL_PORT, gre, wg, 0),
			   "yes");
	/* Unbound, the first peer takes errors from anywhere again. */
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 26, "10.255.0.2", gre, 0,
					  SEMNET_ADD_CHANGE), 0);
	KUNIT_EXPECT_STREQ(test, pt_at(f, "10.255.0.2", SEMNET_TUNNEL_PORT, gre, eth, 0),
			   "yes");
}

static void semnet_peer_gre_header(struct kunit *test)
{
	struct semnet_gre gre = {
		.flags = GRE_KEY, .protocol = htons(ETH_P_IP), .key = tb_ip("172.16.0.2"),
	};

	KUNIT_EXPECT_TRUE(test, semnet_gre_ok(&gre));
	gre.flags = GRE_KEY | GRE_SEQ;
	KUNIT_EXPECT_FALSE(test, semnet_gre_ok(&gre));
	gre.flags = GRE_KEY | GRE_CSUM;
	KUNIT_EXPECT_FALSE(test, semnet_gre_ok(&gre));
	gre.flags = 0;
	KUNIT_EXPECT_FALSE(test, semnet_gre_ok(&gre));
	gre.flags = GRE_KEY | htons(1);		/* GRE version 1 (PPTP) */
	KUNIT_EXPECT_FALSE(test, semnet_gre_ok(&gre));
	gre.flags = GRE_KEY;
	gre.protocol = htons(ETH_P_TEB);
	KUNIT_EXPECT_FALSE(test, semnet_gre_ok(&gre));
	gre.protocol = htons(ETH_P_IPV6);
	KUNIT_EXPECT_TRUE(test, semnet_gre_ok(&gre));
}

/*
 * What semnet0's GRE port makes of a UDP payload (semnet_tunnel_demux()):
 * semnet's GRE, bare IPv4 or IPv6 from an ipudp (Oakestra) peer, or
 * nothing it takes.
 */
static void semnet_peer_tunnel_demux(struct kunit *test)
{
	struct semnet_gre gre = {
		.flags = GRE_KEY, .protocol = htons(ETH_P_IP), .key = tb_ip("172.16.0.2"),
	};
	unsigned int i, n[4] = {};
	u8 b[40] = {};

	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_GRE);
	gre.protocol = htons(ETH_P_IPV6);
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_GRE);
	/* Truncated right after the UDP header, or within a GRE header's size. */
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, 0), SEMNET_TUNNEL_BAD);
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, 7), SEMNET_TUNNEL_BAD);
	b[0] = 0x45;
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(b, 7), SEMNET_TUNNEL_BAD);
	/* GRE semnet does not speak is not bare IP either. */
	gre.flags = GRE_KEY | GRE_SEQ;		/* 0x3000 */
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_BAD);
	gre.flags = GRE_KEY | GRE_CSUM;		/* 0xa000 */
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_BAD);
	gre.flags = GRE_KEY;
	gre.protocol = htons(ETH_P_TEB);
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_BAD);
	gre.flags = GRE_ROUTING;		/* 0x4000: an IPv4 header length of 0 */
	gre.protocol = htons(ETH_P_IP);
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(&gre, sizeof(gre)), SEMNET_TUNNEL_BAD);
	/* Bare IP: IPv4 with a header of 20 to 60 bytes, any IPv6. */
	b[0] = 0x45;
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(b, 20), SEMNET_TUNNEL_IP4);
	b[0] = 0x4f;
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(b, 8), SEMNET_TUNNEL_IP4);
	b[0] = 0x44;
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(b, 20), SEMNET_TUNNEL_BAD);
	b[0] = 0x60;
	KUNIT_EXPECT_EQ(test, semnet_tunnel_demux(b, 40), SEMNET_TUNNEL_IP6);
	/* Every first byte (the rest zero): 11 IPv4, 16 IPv6, the rest bad. */
	for (i = 0; i < 256; i++) {
		enum semnet_tunnel_kind k;

		b[0] = i;
		k = semnet_tunnel_demux(b, sizeof(b));
		KUNIT_ASSERT_LT(test, (unsigned int)k, ARRAY_SIZE(n));
		n[k]++;
	}
	KUNIT_EXPECT_EQ(test, n[SEMNET_TUNNEL_IP4], 11U);
	KUNIT_EXPECT_EQ(test, n[SEMNET_TUNNEL_IP6], 16U);
	KUNIT_EXPECT_EQ(test, n[SEMNET_TUNNEL_GRE], 0U);
	KUNIT_EXPECT_EQ(test, n[SEMNET_TUNNEL_BAD], 229U);
}

/*
 * semnet_peer_route() as the packet path calls it, bottom halves off (it
 * answers from the CPU's cache then): the subnet of @dst's peer, or "-".
 */
static const char *pt_route_bh(struct kt_fixture *f, const char *dst)
{
	static char buf[24];
	struct semnet_peer *peer;

	rcu_read_lock();
	local_bh_disable();
	peer = semnet_peer_route(&f->sn, tb_ip(dst));
	if (peer)
		snprintf(buf, sizeof(buf), "%pI4/%u", &peer->subnet.v4.addr,
			 peer->subnet.v4.len);
	else
		strscpy(buf, "-", sizeof(buf));
	local_bh_enable();
	rcu_read_unlock();
	return buf;
}

/*
 * The routes a CPU remembers follow every change of the peers: a new
 * peer (also one of a longer prefix, a length not yet in use), a
 * replaced one, one deleted, all flushed. Asked twice each time: the
 * second answer comes from the cache.
 */
static void semnet_peer_route_cached(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	const u8 gre = SEMNET_ENCAP_GRE_UDP;
	struct semnet_peer *peer;
	int i;

	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.66"), "-");
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.64", 26, "10.99.0.2", gre), 0);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.66"),
				   "172.16.0.64/26");
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.130"), "-");
	}
	/* A longer prefix inside it wins at once. */
	KUNIT_ASSERT_EQ(test, pt_peer(f, "172.16.0.64", 28, "10.99.0.3", gre), 0);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.66"),
				   "172.16.0.64/28");
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.90"),
				   "172.16.0.64/26");
	}
	/* Replaced: the new peer, not the one freed after a grace period. */
	rcu_read_lock();
	local_bh_disable();
	peer = semnet_peer_route(&f->sn, tb_ip("172.16.0.66"));
	local_bh_enable();
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, pt_peer_dev(f, "172.16.0.64", 28, "10.99.0.4", gre,
					  0, SEMNET_ADD_CHANGE), 0);
	rcu_read_lock();
	local_bh_disable();
	KUNIT_EXPECT_PTR_NE(test, semnet_peer_route(&f->sn, tb_ip("172.16.0.66")),
			    peer);
	peer = semnet_peer_route(&f->sn, tb_ip("172.16.0.66"));
	KUNIT_EXPECT_TRUE(test, peer && peer->under.ip == tb_ip("10.99.0.4"));
	local_bh_enable();
	rcu_read_unlock();
	mutex_lock(&f->sn.lock);
	KUNIT_EXPECT_EQ(test, semnet_peer_del(&f->sn, &(struct semnet_peer_subnet){
			.family = AF_INET, .v4 = { .addr = tb_ip("172.16.0.64"),
			.len = 28 } }, NULL), 0);
	mutex_unlock(&f->sn.lock);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.66"),
				   "172.16.0.64/26");
	mutex_lock(&f->sn.lock);
	semnet_peer_flush(&f->sn);
	mutex_unlock(&f->sn.lock);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_STREQ(test, pt_route_bh(f, "172.16.0.90"), "-");
}

static struct kunit_case semnet_peer_cases[] = {
	KUNIT_CASE(semnet_peer_route_cached),
	KUNIT_CASE(semnet_peer_from_encap),
	KUNIT_CASE(semnet_peer_from_dev),
	KUNIT_CASE(semnet_peer_from_vrf),
	KUNIT_CASE(semnet_peer_at_dev),
	KUNIT_CASE(semnet_peer_gre_header),
	KUNIT_CASE(semnet_peer_tunnel_demux),
	KUNIT_CASE(semnet_peer_ipv6),
	{}
};

KT_FIXTURE_SUITE(peer, tables_init);
