// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: table misses (miss.c) on a private state: events and their rate
 * limit, the bounds on held packets, expiry, release once resolved, and
 * cleanup when a device goes away. Packets are real skbs; the events go
 * to a recorder instead of netlink.
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/inet.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/udp.h>

/* The events semnet_miss raised, in order. */
static struct semnet_miss_event miss_events[16];
static struct semnet_miss_event last_miss_event;
static unsigned int n_miss_events;

void semnet_nl_miss_event(struct semnet_net *sn,
			  const struct semnet_miss_event *ev)
{
	if (n_miss_events < ARRAY_SIZE(miss_events))
		miss_events[n_miss_events] = *ev;
	last_miss_event = *ev;
	n_miss_events++;
}

static void miss_node(struct semnet_node *node)
{
	node->flow_max = 100;
	node->hold_packets = 3;
	node->hold_total = 5;
	node->hold_timeout = 60 * HZ;
	node->miss_interval = 60 * HZ;
}

static int miss_init(struct kunit *test)
{
	n_miss_events = 0;
	return kt_fixture_init(test, miss_node);
}

/* One UDP packet from @src to @dst:80 stopping at PRE_ROUTING on @in. */
static unsigned int miss_send(struct kunit *test, struct net_device *in,
			      const char *src, const char *dst)
{
	struct kt_fixture *f = test->priv;
	struct nf_hook_state state = {
		.hook = NF_INET_PRE_ROUTING,
		.pf = NFPROTO_IPV4,
		.in = in,
		.net = &init_net,
	};
	struct semnet_pkt pkt = {
		.key = {
			.src = in_aton(src), .dst = in_aton(dst),
			.sport = htons(40000), .dport = htons(80),
			.proto = IPPROTO_UDP, .stage = SEMNET_STAGE_PRE,
		},
	};
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	unsigned int verdict;
	struct udphdr *uh;
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	/* The headers the key describes: the collector reads held ones. */
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(28);
	iph->protocol = IPPROTO_UDP;
	iph->saddr = pkt.key.src;
	iph->daddr = pkt.key.dst;
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = pkt.key.sport;
	uh->dest = pkt.key.dport;
	/* As the hooks call it: under RCU, bottom halves off. */
	rcu_read_lock();
	local_bh_disable();
	verdict = semnet_miss(&f->sn, f->node, skb, &state, &pkt);
	local_bh_enable();
	rcu_read_unlock();
	return verdict;
}

static u64 miss_drops(struct kt_fixture *f, enum semnet_drop_reason r)
{
	struct semnet_stats sum;

	semnet_stats_sum(&f->sn, &sum);
	return sum.drops[r];
}

static void semnet_miss_events_and_bounds(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_stats sum;
	int i;

	/* Four packets to one address: one event, three held, one dropped. */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, miss_send(test, NULL, "172.16.0.2",
						"172.30.1.1"), NF_STOLEN);
	KUNIT_EXPECT_EQ(test, n_miss_events, 1U);
	KUNIT_EXPECT_EQ(test, miss_events[0].addr.ip, in_aton("172.30.1.1"));
	KUNIT_EXPECT_EQ(test, miss_events[0].src.ip, in_aton("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, miss_events[0].proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, miss_events[0].dport, htons(80));
	KUNIT_EXPECT_EQ(test, miss_events[0].kind, SEMNET_MISS_ADDRESS);
	KUNIT_EXPECT_EQ(test, miss_events[0].held, 1U);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 3U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_HOLD_FULL), 1ULL);

	/* Another address: its own event; the total bound (5) holds. */
	for (i = 0; i < 3; i++)
		miss_send(test, NULL, "172.16.0.2", "172.30.1.2");
	KUNIT_EXPECT_EQ(test, n_miss_events, 2U);
	KUNIT_EXPECT_EQ(test, miss_events[1].addr.ip, in_aton("172.30.1.2"));
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 5U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_HOLD_FULL), 2ULL);

	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.misses, 7ULL);
	KUNIT_EXPECT_EQ(test, sum.miss_events, 2ULL);

	/* Removing the node drops what is held, nothing leaks. */
	semnet_miss_flush(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 0U);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 0U);
}

static void semnet_miss_rate_limit(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	int i;

	f->node->hold_packets = 0;	/* events only */
	f->node->miss_interval = msecs_to_jiffies(50);
	for (i = 0; i < 5; i++)
		miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	KUNIT_EXPECT_EQ(test, n_miss_events, 1U);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 0U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_UNKNOWN_ADDRESS), 5ULL);

	/* After the interval the next miss reports the four it suppressed. */
	msleep(jiffies_to_msecs(f->node->miss_interval) + 20);
	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	KUNIT_ASSERT_EQ(test, n_miss_events, 2U);
	KUNIT_EXPECT_EQ(test, miss_events[1].suppressed, 4U);
}

/*
 * A burst over the sender's event rate: the addresses it refused keep
 * their packets held, and the collector tells the daemon about them as
 * soon as the rate allows, rather than when the sender tries again.
 */
static void semnet_miss_owed_events(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	unsigned int i, first, burst = SEMNET_MISS_SOURCE_RATE + 40;
	char dst[16];

	f->node->hold_packets = 1;
	f->node->hold_total = burst;
	f->node->miss_interval = msecs_to_jiffies(50);
	for (i = 0; i < burst; i++) {
		snprintf(dst, sizeof(dst), "172.30.1.%u", 1 + i);
		miss_send(test, NULL, "172.16.0.2", dst);
	}
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), burst);
	/* The rate's burst, and what it refilled meanwhile: not all. */
	first = n_miss_events;
	KUNIT_EXPECT_GE(test, first, (unsigned int)SEMNET_MISS_SOURCE_RATE);
	KUNIT_ASSERT_LT(test, first, burst);

	/* A second refills the rate; each run raises up to 16 of them. */
	msleep(1000);
	cancel_delayed_work_sync(&f->sn.misses.gc);
	for (i = 0; i < DIV_ROUND_UP(burst - first, SEMNET_MISS_GC_EVENTS); i++)
		semnet_miss_gc(&f->sn.misses.gc.work);
	cancel_delayed_work_sync(&f->sn.misses.gc);
	KUNIT_EXPECT_EQ(test, n_miss_events, burst);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), burst);
	/* They describe the held packet, and the miss they stand for. */
	/* The bucket's first 50 always pass: a refused one came later. */
	KUNIT_EXPECT_GT(test, ntohl(last_miss_event.addr.ip),
			ntohl(in_aton("172.30.1.0")) + SEMNET_MISS_SOURCE_RATE);
	KUNIT_EXPECT_LE(test, ntohl(last_miss_event.addr.ip),
			ntohl(in_aton("172.30.1.0")) + burst);
	KUNIT_EXPECT_EQ(test, last_miss_event.src.ip, in_aton("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, last_miss_event.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, last_miss_event.dport, htons(80));
	KUNIT_EXPECT_EQ(test, last_miss_event.held, 1U);
	KUNIT_EXPECT_EQ(test, last_miss_event.suppressed, 1U);
	KUNIT_EXPECT_EQ(test, last_miss_event.kind, SEMNET_MISS_ADDRESS);

	/* Nothing is owed twice. */
	semnet_miss_gc(&f->sn.misses.gc.work);
	KUNIT_EXPECT_EQ(test, n_miss_events, burst);
}

/*
 * One source spraying unknown addresses takes no more than its share of
 * the table and of the events; another source's miss is still raised,
 * and a full table evicts the address missed least recently.
 */
static void semnet_miss_fairness(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_miss_table *mt = &f->sn.misses;
	struct semnet_stats sum;
	unsigned int i, j, s, before;
	struct semnet_inaddr srcs[19], addr;
	unsigned long start;
	char src[16], dst[16];

	f->node->hold_packets = 0;	/* events only */
	/* A seed that gives each source here its own slot (as most will). */
	srcs[0] = semnet_inaddr4(in_aton("172.16.0.66"));
	srcs[1] = semnet_inaddr4(in_aton("172.16.0.7"));
	srcs[2] = semnet_inaddr4(in_aton("172.16.2.1"));
	for (s = 0; s < 16; s++)
		srcs[3 + s] = semnet_inaddr4(htonl(ntohl(in_aton("172.16.1.10")) + s));
	for (mt->seed = 1;; mt->seed++) {
		bool clash = false;

		for (i = 0; i < ARRAY_SIZE(srcs); i++)
			for (j = 0; j < i; j++)
				clash |= semnet_miss_source(mt, &srcs[i]) ==
					 semnet_miss_source(mt, &srcs[j]);
		if (!clash)
			break;
	}
	start = jiffies;
	for (i = 0; i < SEMNET_MISS_SOURCE_ENTRIES + 50; i++) {
		snprintf(dst, sizeof(dst), "172.30.%u.%u", 1 + i / 250, i % 250);
		miss_send(test, NULL, "172.16.0.66", dst);
	}
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, SEMNET_MISS_SOURCE_ENTRIES);
	/* Its events: a burst, then its rate a second, however many addresses. */
	KUNIT_EXPECT_LE(test, n_miss_events,
			SEMNET_MISS_SOURCE_RATE * (2 + (jiffies - start) / HZ));
	KUNIT_EXPECT_GE(test, n_miss_events, SEMNET_MISS_SOURCE_RATE);

	/* Meanwhile another container's miss is raised at once. */
	before = n_miss_events;
	miss_send(test, NULL, "172.16.0.7", "172.30.200.1");
	KUNIT_EXPECT_EQ(test, n_miss_events, before + 1);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, SEMNET_MISS_SOURCE_ENTRIES + 1);

	/* Many sprayers fill the table: the oldest addresses make room. */
	start = jiffies;
	for (s = 0; s < 16; s++) {
		snprintf(src, sizeof(src), "172.16.1.%u", 10 + s);
		for (i = 0; i < SEMNET_MISS_SOURCE_ENTRIES; i++) {
			snprintf(dst, sizeof(dst), "172.31.%u.%u", s, i);
			miss_send(test, NULL, src, dst);
		}
	}
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, SEMNET_MISS_ENTRIES_MAX);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_GT(test, sum.miss_evicted, 0ULL);
	/* The events to the daemon stay bounded in all: the rate, per second. */
	KUNIT_EXPECT_LE(test, n_miss_events - before - 1,
			SEMNET_MISS_EVENT_RATE * (2 + (jiffies - start) / HZ));
	/* And a newcomer still gets its entry. */
	miss_send(test, NULL, "172.16.2.1", "172.30.250.1");
	addr = semnet_inaddr4(in_aton("172.30.250.1"));
	KUNIT_EXPECT_NOT_NULL(test, semnet_miss_find(&f->sn.misses, &addr));
}

static void semnet_miss_expiry(struct kunit *test)
{
	struct kt_fixture *f = test->priv;

	f->node->hold_timeout = msecs_to_jiffies(30);
	f->node->miss_interval = msecs_to_jiffies(30);
	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 2U);

	/* The collector drops them once expired, then forgets the address. */
	msleep(100);
	/* Run it here, not racing the queued one, so its counts are final. */
	cancel_delayed_work_sync(&f->sn.misses.gc);
	semnet_miss_gc(&f->sn.misses.gc.work);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 0U);
	KUNIT_EXPECT_EQ(test, miss_drops(f, SEMNET_DROP_HOLD_EXPIRED), 2ULL);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 0U);
}

static void semnet_miss_release_resolved(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct semnet_stats sum;

	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	miss_send(test, NULL, "172.16.0.2", "172.30.1.1");
	miss_send(test, NULL, "172.16.0.2", "172.30.1.2");

	/* Nothing resolved yet: nothing moves. */
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 3U);

	KUNIT_ASSERT_EQ(test, tb_instance(f, "172.30.1.1", "app", "172.16.0.9"), 0);

	/* Only the installed address's packets go on. */
	semnet_miss_release(&f->sn);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 1U);
	semnet_stats_sum(&f->sn, &sum);
	KUNIT_EXPECT_EQ(test, sum.released, 2ULL);
	KUNIT_EXPECT_EQ(test, f->sn.misses.n_entries, 1U);
}

static void semnet_miss_device_gone(struct kunit *test)
{
	struct kt_fixture *f = test->priv;
	struct net_device *dev;
	int refs;

	dev = alloc_netdev(0, "smiss%d", NET_NAME_UNKNOWN, ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	refs = netdev_refcnt_read(dev);
	miss_send(test, dev, "172.16.0.2", "172.30.1.1");
	miss_send(test, NULL, "172.16.0.2", "172.30.1.2");
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 2U);
	KUNIT_EXPECT_EQ(test, netdev_refcnt_read(dev), refs + 1);

	/* Only the packet that came in through it goes (and its reference). */
	semnet_miss_dev_gone(&f->sn, dev);
	KUNIT_EXPECT_EQ(test, semnet_miss_held(&f->sn), 1U);
	KUNIT_EXPECT_EQ(test, netdev_refcnt_read(dev), refs);
	free_netdev(dev);
}

static struct kunit_case semnet_miss_cases[] = {
	KUNIT_CASE(semnet_miss_events_and_bounds),
	KUNIT_CASE(semnet_miss_rate_limit),
	KUNIT_CASE(semnet_miss_owed_events),
	KUNIT_CASE(semnet_miss_fairness),
	KUNIT_CASE(semnet_miss_expiry),
	KUNIT_CASE(semnet_miss_release_resolved),
	KUNIT_CASE(semnet_miss_device_gone),
	{}
};

KT_FIXTURE_SUITE(miss, miss_init);
