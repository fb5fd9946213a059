// SPDX-License-Identifier: GPL-2.0
/* KUnit: IPv4 and IPv6 prefix and node-subnet arithmetic (addr.h). */
#include <kunit/test.h>
#include <linux/inet.h>

#include "../addr.h"

static __be32 ip(const char *s)
{
	return in_aton(s);
}

static struct semnet_prefix pfx(const char *s, u8 len)
{
	return (struct semnet_prefix){ .addr = ip(s), .len = len };
}

static void semnet_addr_mask(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, semnet_mask(0), 0U);
	KUNIT_EXPECT_EQ(test, semnet_mask(1), 0x80000000U);
	KUNIT_EXPECT_EQ(test, semnet_mask(12), 0xfff00000U);
	KUNIT_EXPECT_EQ(test, semnet_mask(26), 0xffffffc0U);
	KUNIT_EXPECT_EQ(test, semnet_mask(32), 0xffffffffU);
}

/* Prefixes, valid or not. */
static const struct addr_valid_case {
	const char *prefix;
	u8 len;
	bool valid;
} addr_valid_cases[] = {
	{ "172.16.0.0", 12, true },
	{ "172.16.0.64", 26, true },
	/* Host bits set. */
	{ "172.16.0.65", 26, false },
	{ "172.17.0.0", 12, false },
	{ "0.0.0.0", 0, true },
	{ "1.0.0.0", 0, false },
	{ "255.255.255.255", 32, true },
	{ "10.0.0.0", 33, false },
};

static void semnet_addr_prefix_valid(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addr_valid_cases); i++) {
		const struct addr_valid_case *c = &addr_valid_cases[i];
		struct semnet_prefix p = pfx(c->prefix, c->len);

		KUNIT_EXPECT_EQ_MSG(test, semnet_prefix_valid(&p), c->valid,
				    "%s/%u", c->prefix, c->len);
	}
}

/* Prefixes, and addresses in them or not. */
static const struct addr_contains_case {
	const char *prefix;
	u8 len;
	const char *addr;
	bool in;
} addr_contains_cases[] = {
	{ "172.16.0.0", 12, "172.16.0.0", true },
	{ "172.16.0.0", 12, "172.31.255.255", true },
	{ "172.16.0.0", 12, "172.32.0.0", false },
	{ "172.16.0.0", 12, "172.15.255.255", false },
	/* Range edges of a /26. */
	{ "172.16.1.64", 26, "172.16.1.64", true },
	{ "172.16.1.64", 26, "172.16.1.127", true },
	{ "172.16.1.64", 26, "172.16.1.63", false },
	{ "172.16.1.64", 26, "172.16.1.128", false },
	{ "0.0.0.0", 0, "203.0.113.9", true },
	{ "10.1.2.3", 32, "10.1.2.3", true },
	{ "10.1.2.3", 32, "10.1.2.2", false },
};

static void semnet_addr_contains(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addr_contains_cases); i++) {
		const struct addr_contains_case *c = &addr_contains_cases[i];
		struct semnet_prefix p = pfx(c->prefix, c->len);

		KUNIT_EXPECT_EQ_MSG(test, semnet_prefix_contains(&p, ip(c->addr)),
				    c->in, "%s in %s/%u", c->addr, c->prefix,
				    c->len);
	}
}

static void semnet_addr_within_overlap(struct kunit *test)
{
	struct semnet_prefix platform = pfx("172.16.0.0", 12);
	struct semnet_prefix services = pfx("172.30.0.0", 16);
	struct semnet_prefix docker = pfx("172.17.0.0", 16);
	struct semnet_prefix other = pfx("10.18.0.0", 16);
	struct semnet_prefix node = pfx("172.30.0.0", 26);

	KUNIT_EXPECT_TRUE(test, semnet_prefix_within(&services, &platform));
	KUNIT_EXPECT_FALSE(test, semnet_prefix_within(&platform, &services));
	KUNIT_EXPECT_TRUE(test, semnet_prefix_overlap(&platform, &docker));
	KUNIT_EXPECT_TRUE(test, semnet_prefix_overlap(&docker, &platform));
	KUNIT_EXPECT_FALSE(test, semnet_prefix_overlap(&docker, &services));
	KUNIT_EXPECT_FALSE(test, semnet_prefix_overlap(&other, &platform));
	/* A node subnet inside the service range is an overlap. */
	KUNIT_EXPECT_TRUE(test, semnet_prefix_overlap(&node, &services));
}

static void semnet_addr_subnet26(struct kunit *test)
{
	struct semnet_prefix node = pfx("172.16.3.192", 26);

	KUNIT_EXPECT_EQ(test, semnet_subnet_of(ip("172.16.3.254"), 26),
			ip("172.16.3.192"));
	KUNIT_EXPECT_EQ(test, semnet_subnet_of(ip("172.16.3.191"), 26),
			ip("172.16.3.128"));
	KUNIT_EXPECT_EQ(test, semnet_subnet_gateway(&node), ip("172.16.3.193"));
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip_count(26), 61U);
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip_count(24), 253U);
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip_count(30), 1U);
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip_count(31), 0U);
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip_count(32), 0U);
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip(&node, 0), ip("172.16.3.194"));
	KUNIT_EXPECT_EQ(test, semnet_subnet_nsip(&node, 60), ip("172.16.3.254"));
	/* Network, gateway and broadcast are not nsIPs; .2 .. .62 are. */
	KUNIT_EXPECT_FALSE(test, semnet_subnet_is_nsip(&node, ip("172.16.3.192")));
	KUNIT_EXPECT_FALSE(test, semnet_subnet_is_nsip(&node, ip("172.16.3.193")));
	KUNIT_EXPECT_TRUE(test, semnet_subnet_is_nsip(&node, ip("172.16.3.194")));
	KUNIT_EXPECT_TRUE(test, semnet_subnet_is_nsip(&node, ip("172.16.3.254")));
	KUNIT_EXPECT_FALSE(test, semnet_subnet_is_nsip(&node, ip("172.16.3.255")));
	KUNIT_EXPECT_FALSE(test, semnet_subnet_is_nsip(&node, ip("172.16.4.2")));
}

static void semnet_addr_subnet_count_platform(struct kunit *test)
{
	/* The seed: /26s of 172.16.0.0/12 minus 172.30.0.0/16 = 15,360. */
	u64 all = semnet_prefix_size(12) / semnet_prefix_size(26);
	u64 services = semnet_prefix_size(16) / semnet_prefix_size(26);

	KUNIT_EXPECT_EQ(test, all - services, 15360ULL);
	KUNIT_EXPECT_EQ(test, semnet_prefix_size(0), 1ULL << 32);
	KUNIT_EXPECT_EQ(test, semnet_prefix_size(32), 1ULL);
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a = {};

	in6_pton(s, -1, a.s6_addr, -1, NULL);
	return a;
}

static struct semnet_prefix6 pfx6(const char *s, u8 len)
{
	return (struct semnet_prefix6){ .addr = ip6(s), .len = len };
}

static const struct addr6_case {
	const char *prefix;
	u8 len;
	bool valid;
	const char *addr;
	bool in;
} addr6_cases[] = {
	/* Oakestra's plan: the platform, the services, a worker's /120. */
	{ "fc00::", 7, true, "fdff:2000::5", true },
	{ "fc00::", 7, true, "fe80::1", false },
	{ "fdff::", 16, true, "fdff:ffff::1", true },
	{ "fdff::", 16, true, "fdfe::1", false },
	{ "fc00::100", 120, true, "fc00::1ff", true },
	{ "fc00::100", 120, true, "fc00::200", false },
	{ "fc00::100", 120, true, "fc00::ff", false },
	/* Host bits set, in the first and in the last word. */
	{ "fc00::1", 120, false, "fc00::1", true },
	{ "fd00::", 7, false, "fd00::", true },
	{ "fc00::", 129, false, "fc00::", false },
	{ "::", 0, true, "2001:db8::1", true },
	{ "2001:db8::1", 128, true, "2001:db8::1", true },
	{ "2001:db8::1", 128, true, "2001:db8::2", false },
	/* A prefix ending inside a word: /36. */
	{ "2001:db8:f000::", 36, true, "2001:db8:ffff::", true },
	{ "2001:db8:f000::", 36, true, "2001:db9:f000::", false },
};

static void semnet_addr6_valid_contains(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addr6_cases); i++) {
		const struct addr6_case *c = &addr6_cases[i];
		struct semnet_prefix6 p = pfx6(c->prefix, c->len);
		struct in6_addr a = ip6(c->addr);

		KUNIT_EXPECT_EQ_MSG(test, semnet_prefix6_valid(&p), c->valid,
				    "%s/%u", c->prefix, c->len);
		if (c->len <= 128)
			KUNIT_EXPECT_EQ_MSG(test,
					    semnet_prefix6_contains(&p, &a),
					    c->in, "%s in %s/%u", c->addr,
					    c->prefix, c->len);
	}
}

static void semnet_addr6_within_overlap(struct kunit *test)
{
	struct semnet_prefix6 platform = pfx6("fc00::", 7);
	struct semnet_prefix6 services = pfx6("fdff::", 16);
	struct semnet_prefix6 node = pfx6("fc00::100", 120);
	struct semnet_prefix6 inside = pfx6("fdff:2000::", 120);
	struct semnet_prefix6 ula = pfx6("fd12:3456::", 32);
	struct semnet_prefix6 doc = pfx6("2001:db8::", 32);

	KUNIT_EXPECT_TRUE(test, semnet_prefix6_within(&services, &platform));
	KUNIT_EXPECT_FALSE(test, semnet_prefix6_within(&platform, &services));
	KUNIT_EXPECT_TRUE(test, semnet_prefix6_within(&node, &platform));
	KUNIT_EXPECT_FALSE(test, semnet_prefix6_overlap(&node, &services));
	KUNIT_EXPECT_TRUE(test, semnet_prefix6_overlap(&inside, &services));
	KUNIT_EXPECT_TRUE(test, semnet_prefix6_overlap(&platform, &ula));
	KUNIT_EXPECT_FALSE(test, semnet_prefix6_overlap(&ula, &services));
	KUNIT_EXPECT_FALSE(test, semnet_prefix6_overlap(&doc, &platform));
}

static void semnet_addr6_subnet(struct kunit *test)
{
	struct semnet_prefix6 node = pfx6("fc00::100", 120);
	struct semnet_prefix6 big = pfx6("fc00:0:0:1::", 64);
	struct semnet_prefix6 tiny = pfx6("fc00::ffff:fffc", 126);
	struct semnet_prefix6 too_small = pfx6("fc00::ffff:fffe", 127);
	struct in6_addr gw = semnet_subnet6_gateway(&node);
	struct in6_addr a;

	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&gw, &(struct in6_addr){
		.s6_addr32 = { htonl(0xfc000000), 0, 0, htonl(0x101) } }));
	/* ::0 and ::1 of the subnet are not nsIPs; ::2 .. ::ff are. */
	a = ip6("fc00::100");
	KUNIT_EXPECT_FALSE(test, semnet_subnet6_is_nsip(&node, &a));
	a = ip6("fc00::101");
	KUNIT_EXPECT_FALSE(test, semnet_subnet6_is_nsip(&node, &a));
	a = ip6("fc00::102");
	KUNIT_EXPECT_TRUE(test, semnet_subnet6_is_nsip(&node, &a));
	a = ip6("fc00::1ff");
	KUNIT_EXPECT_TRUE(test, semnet_subnet6_is_nsip(&node, &a));
	a = ip6("fc00::200");
	KUNIT_EXPECT_FALSE(test, semnet_subnet6_is_nsip(&node, &a));
	/* A /64: the host part spans words. */
	a = ip6("fc00:0:0:1:ffff::");
	KUNIT_EXPECT_TRUE(test, semnet_subnet6_is_nsip(&big, &a));
	a = ip6("fc00:0:0:1::1");
	KUNIT_EXPECT_FALSE(test, semnet_subnet6_is_nsip(&big, &a));
	/* The last /126 of a word: its gateway does not carry over. */
	gw = semnet_subnet6_gateway(&tiny);
	a = ip6("fc00::ffff:fffd");
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&gw, &a));
	a = ip6("fc00::ffff:ffff");
	KUNIT_EXPECT_TRUE(test, semnet_subnet6_is_nsip(&tiny, &a));
	a = ip6("fc00::ffff:ffff");
	KUNIT_EXPECT_FALSE(test, semnet_subnet6_is_nsip(&too_small, &a));
}

static struct kunit_case semnet_addr_cases[] = {
	KUNIT_CASE(semnet_addr_mask),
	KUNIT_CASE(semnet_addr_prefix_valid),
	KUNIT_CASE(semnet_addr_contains),
	KUNIT_CASE(semnet_addr_within_overlap),
	KUNIT_CASE(semnet_addr_subnet26),
	KUNIT_CASE(semnet_addr_subnet_count_platform),
	KUNIT_CASE(semnet_addr6_valid_contains),
	KUNIT_CASE(semnet_addr6_within_overlap),
	KUNIT_CASE(semnet_addr6_subnet),
	{}
};

KT_SUITE(addr);
