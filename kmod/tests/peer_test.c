// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: which peer a tunnel packet is accepted from (peer.c), by underlay
 * address, encapsulation and the nsIP it claims, and the one GRE header
 * semnet0 speaks (offload.c). Uses the tables fixture (tables_test.c).
 */
#include <kunit/test.h>
#include <net/gre.h>

static int pt_peer(struct kt_fixture *f, const char *subnet, u8 len,
		   const char *addr, u8 encap)
{
	struct semnet_peer_cfg cfg = {
		.subnet = { tb_ip(subnet), len },
		.addr = tb_ip(addr),
		.port = encap == SEMNET_ENCAP_IPUDP ? SEMNET_IPUDP_PORT :
			SEMNET_TUNNEL_PORT,
		.encap = encap,
	};

	return kt_locked(f, semnet_peer_add(&f->sn, &cfg, SEMNET_ADD_NEW, NULL));
}

/* The subnet of the peer accepted, "-" (spoofed) or "?" (unknown). */
static const char *pt_from(struct kt_fixture *f, const char *addr, u8 encap,
			   const char *nsip, bool any)
{
	static char buf[24];
	struct semnet_peer *peer;
	bool known;

	rcu_read_lock();
	peer = semnet_peer_from(&f->sn, tb_ip(addr), encap,
				nsip ? tb_ip(nsip) : 0, any, &known);
	if (peer)
		snprintf(buf, sizeof(buf), "%pI4/%u", &peer->subnet.addr,
			 peer->subnet.len);
	else
		strscpy(buf, known ? "-" : "?", sizeof(buf));
	rcu_read_unlock();
	return buf;
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
}

static struct kunit_case semnet_peer_cases[] = {
	KUNIT_CASE(semnet_peer_from_encap),
	KUNIT_CASE(semnet_peer_gre_header),
	{}
};

KT_FIXTURE_SUITE(peer, tables_init);
