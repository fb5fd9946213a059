// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: IPv6 table misses (miss.c) beside IPv4 ones: the event names the
 * IPv6 address and source, the rate limit and the bounds on held packets
 * are the same and shared with IPv4 (one table), an IPv4 and an IPv6
 * address never share an entry, an event the rate refused is raised later
 * from the held IPv6 packet, and adding the IPv6 service or instance
 * releases exactly its packets. The miss fixture (miss_test.c) plus the
 * IPv6 plan of the dual-stack one (dualstack_test.c).
 */
#include <kunit/test.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

static void miss6_node(struct semnet_node *node)
{
	miss_node(node);
	ds_plan(node);
}

static int miss6_init(struct kunit *test)
{
	n_miss_events = 0;
	return kt_fixture_init(test, miss6_node);
}

/* One UDP datagram from @src to [@dst]:80 stopping at PRE_ROUTING. */
static unsigned int miss6_send(struct kunit *test, const char *src,
			       const char *dst)
{
	struct kt_fixture *f = test->priv;
	struct nf_hook_state state = {
		.hook = NF_INET_PRE_ROUTING,
		.pf = NFPROTO_IPV6,
		.net = &init_net,
	};
	struct semnet_pkt6 pkt = {
		.key = {
			.src = ds_ip6(src), .dst = ds_ip6(dst),
			.sport = htons(40000), .dport = htons(80),
			.proto = IPPROTO_UDP, .stage = SEMNET_STAGE_PRE,
		},
		.l4off = sizeof(struct ipv6hdr),
	};
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	unsigned int verdict;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->payload_len = htons(sizeof(*uh));
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = 64;
	ip6h->saddr = pkt.key.src;
	ip6h->daddr = pkt.key.dst;
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = pkt.key.sport;
	uh->dest = pkt.key.dport;
	skb->protocol = htons(ETH_P_IPV6);
	/* As the hooks call it: under RCU, bottom halves off. */
	rcu_read_lock();
	local_bh_disable();
	verdict = semnet_miss6(&f->sn, f->node, skb, &state, &pkt);
	local_bh_enable();
	rcu_read_unlock();
	return verdict;
}

static bool miss6_addr_is(const struct semnet_inaddr *a, const char *s)
{
	struct in6_addr want = ds_ip6(s);

	return a->family == AF_INET6 && ipv6_addr_equal(&a->ip6, &want);
}

static void semnet_miss6_events_and_bounds(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_stats sum;
	int i;

	/* Four datagrams to one address: one event, three held, one dropped. */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, miss6_send(test, "fc00::102", "fdff:2000::77"),
				NF_STOLEN);
	KUNIT_ASSERT_EQ(test, n_miss_events, 1U);
	KUNIT_EXPECT_TRUE(test, miss6_addr_is(&miss_events[0].addr, "fdff:2000::77"));
	KUNIT_EXPECT_TRUE(test, miss6_addr_is(&miss_events[0].src, "fc00::102"));
	KUNIT_EXPECT_EQ(test, miss_events[0].proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, miss_events[0].dport, htons(80));
	KUNIT_EXPECT_EQ(test, miss_events[0].kind, SEMNET_MISS_ADDRESS);
	KUNIT_EXPECT_EQ(test, miss_events[0].held, 1U);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 3U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_HOLD_FULL), 1ULL);

	/* IPv4 shares the bound on all held packets (5): two more, then full. */
	for (i = 0; i < 3; i++)
		miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	KUNIT_EXPECT_EQ(test, n_miss_events, 2U);
	KUNIT_EXPECT_EQ(test, miss_events[1].addr.family, (u8)AF_INET);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 5U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_HOLD_FULL), 2ULL);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 2U);

	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.misses, 7ULL);
	KUNIT_EXPECT_EQ(test, sum.miss_events, 2ULL);

	semnet_miss_flush(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 0U);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 0U);
}

/*
 * One event per address and interval, IPv6 too; an IPv6 address whose
 * last 32 bits spell an IPv4 one's is another address.
 */
static void semnet_miss6_rate_limit(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_inaddr v4 = semnet_inaddr4(in_aton("172.30.1.1"));
	struct in6_addr a6 = ds_ip6("::ac1e:101");
	struct semnet_inaddr v6 = semnet_inaddr6(&a6);
	int i;

	f->node->hold_packets = 0;	/* events only */
	f->node->miss_interval = msecs_to_jiffies(50);
	for (i = 0; i < 5; i++)
		miss6_send(test, "fc00::102", "fdff:2000::77");
	KUNIT_EXPECT_EQ(test, n_miss_events, 1U);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 0U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_UNKNOWN_ADDRESS), 5ULL);

	/* After the interval the next miss reports the four it suppressed. */
	msleep(jiffies_to_msecs(f->node->miss_interval) + 20);
	miss6_send(test, "fc00::102", "fdff:2000::77");
	KUNIT_ASSERT_EQ(test, n_miss_events, 2U);
	KUNIT_EXPECT_EQ(test, miss_events[1].suppressed, 4U);

	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	miss6_send(test, "fc00::102", "::ac1e:101");
	KUNIT_EXPECT_EQ(test, n_miss_events, 4U);
	KUNIT_EXPECT_NOT_NULL(test, semnet_miss_find(&f->sn.misses, &v4));
	KUNIT_EXPECT_NOT_NULL(test, semnet_miss_find(&f->sn.misses, &v6));
	KUNIT_EXPECT_PTR_NE(test, semnet_miss_find(&f->sn.misses, &v4),
			    semnet_miss_find(&f->sn.misses, &v6));
}

/*
 * An IPv6 sender over its event rate: the collector raises the refused
 * events later, from the held IPv6 packets (source, protocol, port).
 */
static void semnet_miss6_owed_events(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	unsigned int i, first, burst = SEMNET_MISS_SOURCE_RATE + 20;
	char dst[40];

	f->node->hold_packets = 1;
	f->node->hold_total = burst;
	f->node->miss_interval = msecs_to_jiffies(50);
	for (i = 0; i < burst; i++) {
		snprintf(dst, sizeof(dst), "fdff:2000::1:%x", 1 + i);
		miss6_send(test, "fc00::102", dst);
	}
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), burst);
	first = n_miss_events;
	KUNIT_ASSERT_LT(test, first, burst);

	msleep(1000);
	cancel_delayed_work_sync(&f->sn.misses.gc);
	for (i = 0; i < DIV_ROUND_UP(burst - first, SEMNET_MISS_GC_EVENTS); i++)
		semnet_miss_gc(&f->sn.misses.gc.work);
	cancel_delayed_work_sync(&f->sn.misses.gc);
	KUNIT_EXPECT_EQ(test, n_miss_events, burst);
	KUNIT_EXPECT_EQ(test, last_miss_event.addr.family, (u8)AF_INET6);
	KUNIT_EXPECT_TRUE(test, miss6_addr_is(&last_miss_event.src, "fc00::102"));
	KUNIT_EXPECT_EQ(test, last_miss_event.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, last_miss_event.dport, htons(80));
	KUNIT_EXPECT_EQ(test, last_miss_event.held, 1U);
	KUNIT_EXPECT_EQ(test, last_miss_event.suppressed, 1U);
}

/*
 * An IPv6 service without instances resolves nothing; adding an IPv6
 * instance releases the packets held for it, and one of the service's
 * name then those held for the service; IPv4 packets stay.
 */
static void semnet_miss6_release_resolved(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct netlink_ext_ack ext;
	struct semnet_stats sum;

	miss6_send(test, "fc00::102", "fdff::7");
	miss6_send(test, "fc00::102", "fdff::7");
	miss6_send(test, "fc00::102", "fdff:2000::5");
	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 4U);

	KUNIT_ASSERT_EQ(test, ds_service6(f, "fdff:2000::5", "empty", &ext), 0);
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 4U);

	KUNIT_ASSERT_EQ(test, ds_instance6(f, "fdff::7", "app", "fc00::105", &ext), 0);
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 2U);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.released, 2ULL);

	KUNIT_ASSERT_EQ(test, ds_instance6(f, "fdff::8", "empty", "fc00::106", &ext), 0);
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 1U);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.released, 3ULL);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 1U);
}

static struct kunit_case semnet_miss6_cases[] = {
	KUNIT_CASE(semnet_miss6_events_and_bounds),
	KUNIT_CASE(semnet_miss6_rate_limit),
	KUNIT_CASE(semnet_miss6_owed_events),
	KUNIT_CASE(semnet_miss6_release_resolved),
	{}
};

KT_FIXTURE_SUITE(miss6, miss6_init);
