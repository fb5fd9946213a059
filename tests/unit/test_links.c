// SPDX-License-Identifier: GPL-2.0
/* sn_link_kind (daemon/lib/sn_links.h): every rule of the per-pair kind,
 * in its order, and that both ends of every pair get the same answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sn_links.h"

static struct sn_link_node node(const char *id, const char *prefix)
{
	struct sn_link_node n = { .id = id, .has_link = true };

	if (prefix)
		ck_assert_msg(sn_link_prefix_parse(prefix, &n.underlay_prefix), "%s", prefix);
	return n;
}

static struct sn_link_node natted(const char *id, const char *prefix, enum sn_link_nat nat,
				  const char *public_addr)
{
	struct sn_link_node n = node(id, prefix);

	n.nat = nat;
	if (public_addr)
		ck_assert(sn_ipaddr_parse(public_addr, &n.public_addr));
	return n;
}

static struct sn_links links_of(enum sn_links_policy policy)
{
	return (struct sn_links){ .policy = policy };
}

/* kind(a, b), checked equal to kind(b, a) (kind, relay, why). */
static struct sn_link_choice pick(const struct sn_links *l, const struct sn_link_node *a,
				  const struct sn_link_node *b)
{
	struct sn_link_choice ab, ba;

	sn_link_kind(l, a, b, &ab);
	sn_link_kind(l, b, a, &ba);
	ck_assert_int_eq(ab.kind, ba.kind);
	ck_assert_str_eq(ab.why, ba.why);
	ck_assert(ab.relay == ba.relay);
	ck_assert(ab.why[0]);
	return ab;
}

#define ck_kind(c, k, text) do { \
	ck_assert_str_eq(sn_link_kind_name((c).kind), sn_link_kind_name(k)); \
	ck_assert_str_eq((c).why, (text)); \
} while (0)

/* Rule 1: a node without `link` keeps today's tunnel, whatever else says. */
START_TEST(no_link_support)
{
	struct sn_links l = links_of(SN_LINKS_AUTO);
	struct sn_link_node a = node("a", "192.168.5.0/24"), b = node("b", "192.168.5.0/24");
	struct sn_link_override o = { "a", "b", SN_LINK_ENCRYPTED };
	struct sn_link_choice c;

	b.has_link = false;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_GRE_UDP, "b has no link support (older semnet)");

	b.ipudp = true;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_IPUDP, "b has no link support (Oakestra node)");

	/* Neither an override for the pair nor a's own override changes it. */
	l.overrides = &o;
	l.n_overrides = 1;
	a.kind_override = SN_LINK_ENCRYPTED;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_IPUDP, "b has no link support (Oakestra node)");

	a.has_link = false;
	b.ipudp = false;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_GRE_UDP, "neither has link support (older semnet)");
}
END_TEST

/* Rule 2: the cluster's override for the pair, in either order, the first
 * one that names it; other pairs' overrides do not apply. */
/* Rule 0: a `link` that cannot be read is no reason for cleartext. */
START_TEST(unreadable_link)
{
	struct sn_links l = links_of(SN_LINKS_ENCRYPTED);
	struct sn_link_node a = node("a", "192.168.5.0/24"), b = node("b", "192.168.5.0/24");
	struct sn_link_override o = { "a", "b", SN_LINK_GRE_UDP };
	struct sn_link_choice c;

	b.has_link = false;
	b.link_unreadable = true;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_NONE,
		"b's link is unreadable here: no link rather than cleartext under policy encrypted");
	l.policy = SN_LINKS_AUTO;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_NONE,
		"b's link is unreadable here: no link rather than cleartext under policy auto");
	/* Not even an override for the pair makes it cleartext... */
	l.overrides = &o;
	l.n_overrides = 1;
	c = pick(&l, &a, &b);
	ck_assert_int_eq(c.kind, SN_LINK_NONE);
	/* ...only a cluster that wants cleartext everywhere. */
	l.policy = SN_LINKS_GRE_UDP;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_GRE_UDP, "cluster policy gre-udp");
}
END_TEST

START_TEST(pair_override)
{
	struct sn_link_node a = node("a", "192.168.5.0/24"), b = node("b", "192.168.5.0/24");
	struct sn_link_node c3 = node("c", "192.168.5.0/24");
	const struct sn_link_override o[] = {
		{ "a", "c", SN_LINK_GRE_UDP },
		{ "b", "a", SN_LINK_ENCRYPTED },
		{ "a", "b", SN_LINK_GRE_UDP },
	};
	struct sn_links l = { .policy = SN_LINKS_GRE_UDP, .overrides = o, .n_overrides = 3 };
	struct sn_link_choice c;

	a.kind_override = SN_LINK_DIRECT;
	b.kind_override = SN_LINK_GRE_UDP;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_ENCRYPTED, "cluster override for a/b");
	c = pick(&l, &b, &c3);
	ck_kind(c, SN_LINK_GRE_UDP, "kind_override gre-udp of b");
}
END_TEST

/* A relay override goes through the first relay node, or falls back. */
START_TEST(pair_override_relay)
{
	struct sn_link_node n[] = {
		node("a", NULL), node("b", NULL), node("r2", NULL), node("r1", NULL),
	};
	const struct sn_link_override o = { "a", "b", SN_LINK_RELAY };
	struct sn_links l = { .policy = SN_LINKS_AUTO, .overrides = &o, .n_overrides = 1,
			      .nodes = n, .n_nodes = 2 };
	struct sn_link_choice c;

	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_ENCRYPTED, "cluster override relay, but no relay node: encrypted");
	ck_assert_ptr_null(c.relay);

	n[2].relay = n[3].relay = true;
	l.n_nodes = 4;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "cluster override relay: relay via r1");
	ck_assert_str_eq(c.relay, "r1");
}
END_TEST

/* Rule 3: a node's kind_override, the stronger of two
 * (encrypted > gre-udp > direct), over the policy and the segment. */
START_TEST(kind_override_strength)
{
	struct sn_links l = links_of(SN_LINKS_AUTO);
	struct sn_link_node a = node("a", "10.0.0.0/24"), b = node("b", "10.9.0.0/24");
	struct sn_link_node s1 = node("s1", "10.0.0.0/24"), s2 = node("s2", "10.0.0.0/24");
	struct sn_link_choice c;

	a.kind_override = SN_LINK_DIRECT;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_DIRECT, "kind_override direct of a");

	b.kind_override = SN_LINK_GRE_UDP;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_GRE_UDP, "kind_override gre-udp of b");

	a.kind_override = SN_LINK_ENCRYPTED;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_ENCRYPTED, "kind_override encrypted of a");

	/* On one segment, encrypted by request. */
	s2.kind_override = SN_LINK_ENCRYPTED;
	c = pick(&l, &s1, &s2);
	ck_kind(c, SN_LINK_ENCRYPTED, "kind_override encrypted of s2");

	/* Under policy gre-udp, direct by request. */
	l.policy = SN_LINKS_GRE_UDP;
	s2.kind_override = SN_LINK_DIRECT;
	c = pick(&l, &s1, &s2);
	ck_kind(c, SN_LINK_DIRECT, "kind_override direct of s2");
}
END_TEST

/* Rule 4: policy gre-udp, even on one segment. */
START_TEST(policy_gre_udp)
{
	struct sn_links l = links_of(SN_LINKS_GRE_UDP);
	struct sn_link_node a = node("a", "10.0.0.0/24"), b = node("b", "10.0.0.0/24");
	struct sn_link_choice c = pick(&l, &a, &b);

	ck_kind(c, SN_LINK_GRE_UDP, "cluster policy gre-udp");
}
END_TEST

/* Rule 5: one underlay prefix and no NAT, or one NAT and one private
 * prefix: direct; only under policy auto. */
START_TEST(same_segment)
{
	struct sn_links l = links_of(SN_LINKS_AUTO);
	struct sn_link_node a = node("a", "192.168.5.0/24"), b = node("b", "192.168.5.0/24");
	struct sn_link_node a6 = node("a6", "2001:db8:5::/64"), b6 = node("b6", "2001:db8:5::/64");
	struct sn_link_node wider = node("w", "192.168.4.0/23"), bare = node("x", NULL);
	struct sn_link_node bare2 = node("y", NULL);
	struct sn_link_node h1 = natted("h1", "10.0.0.0/24", SN_NAT_EIM, "198.51.100.7");
	struct sn_link_node h2 = natted("h2", "10.0.0.0/24", SN_NAT_SYMMETRIC, "198.51.100.7");
	struct sn_link_node h3 = natted("h3", "10.0.0.0/24", SN_NAT_EIM, "203.0.113.9");
	struct sn_link_node p = node("p", "10.0.0.0/24");
	struct sn_link_choice c;

	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_DIRECT, "same underlay 192.168.5.0/24, no NAT");
	c = pick(&l, &a6, &b6);
	ck_kind(c, SN_LINK_DIRECT, "same underlay 2001:db8:5::/64, no NAT");
	/* A different length is another segment; no prefix is none. */
	c = pick(&l, &a, &wider);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");
	c = pick(&l, &bare, &bare2);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");
	/* Two homes behind one NAT, the same private prefix. */
	c = pick(&l, &h1, &h2);
	ck_kind(c, SN_LINK_DIRECT, "same underlay 10.0.0.0/24 behind one NAT 198.51.100.7");
	/* The same private prefix behind two NATs (that keep ports: rule 7)
	 * is two places. */
	h1.port_preserved = h3.port_preserved = true;
	c = pick(&l, &h1, &h3);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");
	/* One public, one behind NAT, the same prefix text. */
	c = pick(&l, &p, &h1);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");

	l.policy = SN_LINKS_ENCRYPTED;
	c = pick(&l, &a, &b);
	ck_kind(c, SN_LINK_ENCRYPTED, "cluster policy encrypted");
}
END_TEST

/* Rule 6: symmetric NAT against a node behind NAT: relay through the
 * first eligible relay node by id; against a public node: encrypted. */
START_TEST(symmetric_nat_relay)
{
	struct sn_link_node n[] = {
		natted("a", "10.1.0.0/24", SN_NAT_SYMMETRIC, "198.51.100.1"),
		natted("b", "10.2.0.0/24", SN_NAT_EIM, "198.51.100.2"),
		node("pub", "203.0.113.0/24"),
		node("r3", "203.0.113.0/24"),
		node("r2", "203.0.113.0/24"),
		natted("r0", "10.3.0.0/24", SN_NAT_EIM, "198.51.100.3"),	/* NATed: no relay */
		node("r1", "203.0.113.0/24"),					/* no link: no relay */
		natted("c", "10.4.0.0/24", SN_NAT_SYMMETRIC, "198.51.100.4"),
	};
	struct sn_links l = { .policy = SN_LINKS_AUTO, .nodes = n, .n_nodes = 8 };
	struct sn_link_choice c;

	n[3].relay = n[4].relay = n[5].relay = n[6].relay = true;
	n[6].has_link = false;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "a behind symmetric NAT, b behind eim NAT: relay via r2");
	ck_assert_str_eq(c.relay, "r2");
	c = pick(&l, &n[0], &n[7]);
	ck_kind(c, SN_LINK_RELAY, "a behind symmetric NAT, c behind symmetric NAT: relay via r2");

	/* A relay node does not relay its own pair. */
	c = pick(&l, &n[1], &n[4]);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");
	c = pick(&l, &n[0], &n[2]);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");

	/* Relay r2 itself behind symmetric NAT's peer: r3 relays. */
	n[4].nat = SN_NAT_EIM;
	c = pick(&l, &n[0], &n[4]);
	ck_kind(c, SN_LINK_RELAY, "a behind symmetric NAT, r2 behind eim NAT: relay via r3");

	/* No relay node at all. */
	l.n_nodes = 2;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_ENCRYPTED,
		"a behind symmetric NAT, b behind eim NAT, but no relay node: encrypted");

	/* Policy encrypted relays the same way. */
	l.policy = SN_LINKS_ENCRYPTED;
	l.n_nodes = 8;
	c = pick(&l, &n[0], &n[1]);
	ck_assert_int_eq(c.kind, SN_LINK_RELAY);
}
END_TEST

/* Rule 7: two nodes behind NAT meet directly only where both NATs keep
 * ports (each aims at the other's NAT at the other's own port); else the
 * relay, as for a symmetric NAT. A public node needs no such luck. */
START_TEST(nat_ports_relay)
{
	struct sn_link_node n[] = {
		natted("a", "10.1.0.0/24", SN_NAT_EIM, "198.51.100.1"),
		natted("b", "10.2.0.0/24", SN_NAT_EIM, "198.51.100.2"),
		node("pub", "203.0.113.0/24"),
		node("r", "203.0.113.0/24"),
	};
	struct sn_links l = { .policy = SN_LINKS_AUTO, .nodes = n, .n_nodes = 4 };
	struct sn_link_choice c;

	n[3].relay = true;
	n[0].port_preserved = n[1].port_preserved = true;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");
	ck_assert_ptr_null(c.relay);

	n[1].port_preserved = false;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "b's NAT does not keep ports, a is behind NAT too: relay via r");
	ck_assert_str_eq(c.relay, "r");
	n[0].port_preserved = false;
	n[1].port_preserved = true;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "a's NAT does not keep ports, b is behind NAT too: relay via r");
	n[1].port_preserved = false;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "neither a's nor b's NAT keeps ports: relay via r");

	/* A public node is aimed at as it is: encrypted, ports or not. */
	c = pick(&l, &n[0], &n[2]);
	ck_kind(c, SN_LINK_ENCRYPTED, "different underlays or NATs");

	/* The symmetric rule comes first and says why in its own words. */
	n[1].nat = SN_NAT_SYMMETRIC;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_RELAY, "b behind symmetric NAT, a behind eim NAT: relay via r");

	/* No relay node: encrypted, and the why says what is missing. */
	n[1].nat = SN_NAT_EIM;
	l.n_nodes = 3;
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_ENCRYPTED,
		"neither a's nor b's NAT keeps ports, but no relay node: encrypted");

	/* One segment behind one NAT stays direct (rule 5 first). */
	n[1] = natted("b", "10.1.0.0/24", SN_NAT_EIM, "198.51.100.1");
	c = pick(&l, &n[0], &n[1]);
	ck_kind(c, SN_LINK_DIRECT, "same underlay 10.1.0.0/24 behind one NAT 198.51.100.1");
}
END_TEST

/* Every pair of a mixed set of nodes, overrides and policies: both ends
 * agree on kind, relay and why. */
START_TEST(symmetric_everywhere)
{
	static const char *const prefixes[] = { "10.0.0.0/24", "10.0.1.0/24", NULL };
	static const enum sn_link_nat nats[] = { SN_NAT_NONE, SN_NAT_EIM, SN_NAT_SYMMETRIC };
	static const enum sn_link_kind overrides[] = {
		SN_LINK_NONE, SN_LINK_NONE, SN_LINK_DIRECT, SN_LINK_GRE_UDP, SN_LINK_ENCRYPTED,
	};
	static char ids[64][8];
	struct sn_link_node n[64];
	const struct sn_link_override o[] = {
		{ "n3", "n7", SN_LINK_DIRECT }, { "n9", "n2", SN_LINK_RELAY },
		{ "n12", "n4", SN_LINK_GRE_UDP },
	};
	struct sn_links l = { .overrides = o, .n_overrides = 3, .nodes = n, .n_nodes = 64 };
	unsigned int pairs = 0, kinds[SN_LINK_IPUDP + 1] = { 0 };

	for (unsigned int i = 0; i < 64; i++) {
		snprintf(ids[i], sizeof(ids[i]), "n%u", i);
		n[i] = natted(ids[i], prefixes[i % 3], nats[(i / 3) % 3],
			      i % 2 ? "198.51.100.1" : "198.51.100.2");
		n[i].kind_override = overrides[(i / 9) % 5];
		n[i].port_preserved = i % 4 < 2;
		n[i].relay = i % 11 == 5;
		n[i].has_link = i % 13 != 0;
		n[i].ipudp = i % 26 == 0;
	}
	for (enum sn_links_policy p = SN_LINKS_AUTO; p <= SN_LINKS_GRE_UDP; p++) {
		l.policy = p;
		for (unsigned int i = 0; i < 64; i++) {
			for (unsigned int j = i + 1; j < 64; j++) {
				struct sn_link_choice c = pick(&l, &n[i], &n[j]);

				kinds[c.kind]++;
				pairs++;
			}
		}
	}
	ck_assert_uint_eq(pairs, 3 * 64 * 63 / 2);
	/* The set reaches every kind. */
	for (enum sn_link_kind k = SN_LINK_DIRECT; k <= SN_LINK_IPUDP; k++)
		ck_assert_msg(kinds[k] > 0, "no pair got %s", sn_link_kind_name(k));
}
END_TEST

START_TEST(names_and_prefixes)
{
	enum sn_link_kind k;
	enum sn_link_nat nat;
	enum sn_links_policy p;
	struct sn_link_prefix pf;
	char text[SN_IPADDR_STRLEN + 4];

	for (enum sn_link_kind i = SN_LINK_DIRECT; i <= SN_LINK_RELAY; i++) {
		ck_assert(sn_link_kind_parse(sn_link_kind_name(i), &k));
		ck_assert_int_eq(k, i);
	}
	ck_assert(!sn_link_kind_parse("ipudp", &k));
	ck_assert(!sn_link_kind_parse("none", &k));
	ck_assert(!sn_link_kind_parse("Direct", &k));
	ck_assert(!sn_link_kind_parse(NULL, &k));
	ck_assert(sn_link_nat_parse("symmetric", &nat) && nat == SN_NAT_SYMMETRIC);
	ck_assert(!sn_link_nat_parse("full-cone", &nat));
	ck_assert(sn_links_policy_parse("gre-udp", &p) && p == SN_LINKS_GRE_UDP);
	ck_assert(!sn_links_policy_parse("direct", &p));

	ck_assert(sn_link_prefix_parse("192.168.5.0/24", &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "192.168.5.0/24");
	ck_assert(sn_link_prefix_parse("2001:DB8::/32", &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "2001:db8::/32");
	ck_assert(!sn_link_prefix_parse("192.168.5.1/24", &pf));
	ck_assert(!sn_link_prefix_parse("192.168.5.0", &pf));
	ck_assert(!sn_link_prefix_parse("192.168.5.0/33", &pf));
	ck_assert(!sn_link_prefix_parse("", &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "");
}
END_TEST

/* A node's `link` object: read, written back the same, compared. */
START_TEST(link_info_round_trip)
{
	static const char *const texts[] = {
		"{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"wg_port\":51820}",
		"{\"wg_key\":\"//////////////////////////////////////////8=\",\"wg_port\":1,"
		"\"underlay_prefix\":\"2001:db8::/32\",\"kind_override\":\"direct\",\"relay\":true}",
		/* Without WireGuard: direct only (issue 18 stage 2). */
		"{\"underlay_prefix\":\"10.99.0.0/24\"}",
		"{}",
		/* Endpoint discovery's result (LINKS.md §4). */
		"{\"nat\":\"eim\",\"public_addr\":\"198.51.100.7\",\"port_preserved\":true}",
		"{\"underlay_prefix\":\"10.1.0.0/16\",\"nat\":\"symmetric\","
		"\"public_addr\":\"2001:db8::7\",\"port_preserved\":false}",
		"{\"nat\":\"none\",\"public_addr\":\"203.0.113.9\",\"port_preserved\":true}",
		/* A key rotation under way (LINKS.md §3). */
		"{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"wg_port\":51820,"
		"\"wg_key_next\":\"//////////////////////////////////////////8=\"}",
	};
	struct sn_link_info a, b;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *in = json_loads(texts[i], 0, NULL), *out;
		char *text;

		ck_assert_ptr_nonnull(in);
		ck_assert_int_eq(sn_link_info_read(in, &a, &err), 0);
		out = sn_link_info_json(&a);
		ck_assert_ptr_nonnull(out);
		text = json_dumps(out, JSON_COMPACT);
		ck_assert_str_eq(text, texts[i]);
		ck_assert_int_eq(sn_link_info_read(out, &b, &err), 0);
		ck_assert(sn_link_info_equal(&a, &b));
		ck_assert(a.has_wg_key == (strstr(texts[i], "wg_key") != NULL));
		b.relay = !b.relay;
		ck_assert(!sn_link_info_equal(&a, &b));
		b.relay = a.relay;
		ck_assert(a.has_nat == (strstr(texts[i], "nat") != NULL));
		if (a.has_nat) {
			b.nat = a.nat == SN_NAT_EIM ? SN_NAT_SYMMETRIC : SN_NAT_EIM;
			ck_assert(!sn_link_info_equal(&a, &b));
			b.nat = a.nat;
			b.port_preserved = !b.port_preserved;
			ck_assert(!sn_link_info_equal(&a, &b));
			b.port_preserved = a.port_preserved;
			b.public_addr.v4 ^= 1;
			b.public_addr.v6.s6_addr[15] ^= 1;
			ck_assert(!sn_link_info_equal(&a, &b));
			b.public_addr = a.public_addr;
			ck_assert(sn_link_info_equal(&a, &b));
		}
		b.has_nat = !b.has_nat;
		ck_assert(!sn_link_info_equal(&a, &b));
		b.has_nat = a.has_nat;
		ck_assert(a.has_wg_key_next == (strstr(texts[i], "wg_key_next") != NULL));
		if (a.has_wg_key_next) {
			b.wg_key_next[3] ^= 1;
			ck_assert(!sn_link_info_equal(&a, &b));
			b.wg_key_next[3] = a.wg_key_next[3];
			b.has_wg_key_next = false;
			ck_assert(!sn_link_info_equal(&a, &b));
			b.has_wg_key_next = true;
			ck_assert(sn_link_info_equal(&a, &b));
		}
		b.has_wg_key = !b.has_wg_key;
		ck_assert(!sn_link_info_equal(&a, &b));
		free(text);
		json_decref(in);
		json_decref(out);
	}
	/* "relay": false and null read as not a relay; unknown members go. */
	{
		json_t *in = json_loads("{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\","
					"\"wg_port\":9,\"relay\":false,\"mtu\":1420}", 0, NULL);
		json_t *out;
		char *text;

		ck_assert_int_eq(sn_link_info_read(in, &a, &err), 0);
		ck_assert(!a.relay);
		out = sn_link_info_json(&a);
		text = json_dumps(out, JSON_COMPACT);
		ck_assert_str_eq(text, "{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\","
				       "\"wg_port\":9}");
		free(text);
		json_decref(in);
		json_decref(out);
	}
}
END_TEST

/* wg_key and wg_port come together; either alone is refused by name. */
START_TEST(link_info_key_and_port_together)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "{\"wg_port\":51820}", "link: field 'wg_key' is required with 'wg_port'" },
		{ "{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}",
		  "link: field 'wg_port' is required with 'wg_key'" },
		{ "{\"wg_key\":\"AAEC\",\"wg_port\":1}",
		  "link: field 'wg_key' is not the base64 of a 32-byte key" },
		{ "{\"wg_key\":null,\"wg_port\":1}", "link: field 'wg_key' is required with 'wg_port'" },
		/* A rotation's next key only beside a current one, and a key. */
		{ "{\"wg_key_next\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}",
		  "link: field 'wg_key' is required with 'wg_key_next'" },
		{ "{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"wg_port\":1,"
		  "\"wg_key_next\":\"AAEC\"}",
		  "link: field 'wg_key_next' is not the base64 of a 32-byte key" },
		{ "{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"wg_port\":1,"
		  "\"wg_key_next\":7}",
		  "link: field 'wg_key_next' must be a string" },
	};
	struct sn_link_info a;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *in = json_loads(bad[i].text, 0, NULL);

		ck_assert_ptr_nonnull(in);
		ck_assert_int_eq(sn_link_info_read(in, &a, &err), -1);
		ck_assert_str_eq(err.msg, bad[i].err);
		ck_assert(!a.has_wg_key && !a.has_wg_key_next);
		json_decref(in);
	}
	/* A next key equal to the current one is no rotation. */
	{
		json_t *in = json_loads("{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\","
					"\"wg_port\":9,\"wg_key_next\":"
					"\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}", 0, NULL);

		ck_assert_int_eq(sn_link_info_read(in, &a, &err), 0);
		ck_assert(a.has_wg_key && !a.has_wg_key_next);
		json_decref(in);
	}
}
END_TEST

/* nat, public_addr and port_preserved come together, each checked by
 * name; a refused link is left without them. */
START_TEST(link_info_nat_refusals)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "{\"nat\":\"eim\"}", "link: field 'public_addr' is required with 'nat'" },
		{ "{\"public_addr\":\"192.0.2.1\",\"port_preserved\":true}",
		  "link: field 'nat' is required with 'public_addr'" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":null}",
		  "link: field 'port_preserved' is required with 'nat'" },
		{ "{\"nat\":\"full-cone\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":true}",
		  "link: field 'nat' must be \"none\", \"eim\" or \"symmetric\"" },
		{ "{\"nat\":\"EIM\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":true}",
		  "link: field 'nat' must be \"none\", \"eim\" or \"symmetric\"" },
		{ "{\"nat\":1,\"public_addr\":\"192.0.2.1\",\"port_preserved\":true}",
		  "link: field 'nat' must be \"none\", \"eim\" or \"symmetric\"" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"192.0.2.300\",\"port_preserved\":true}",
		  "link: field 'public_addr' is not an IPv4 or IPv6 address" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"192.0.2.1:51820\",\"port_preserved\":true}",
		  "link: field 'public_addr' is not an IPv4 or IPv6 address" },
		{ "{\"nat\":\"eim\",\"public_addr\":3221225985,\"port_preserved\":true}",
		  "link: field 'public_addr' is not an IPv4 or IPv6 address" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"0.0.0.0\",\"port_preserved\":true}",
		  "link: field 'public_addr' cannot be a node's address: the unspecified address" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":\"yes\"}",
		  "link: field 'port_preserved' must be true or false" },
		{ "{\"nat\":\"eim\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":1}",
		  "link: field 'port_preserved' must be true or false" },
	};
	struct sn_link_info a;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *in = json_loads(bad[i].text, 0, NULL);

		ck_assert_ptr_nonnull(in);
		ck_assert_int_eq(sn_link_info_read(in, &a, &err), -1);
		ck_assert_str_eq(err.msg, bad[i].err);
		ck_assert(!a.has_nat);
		ck_assert(!sn_ipaddr_is_set(&a.public_addr));
		json_decref(in);
	}
}
END_TEST

/* A node's underlay prefix from its address and length (what semnetd
 * finds on its underlay device), and what it holds. */
START_TEST(prefix_of_and_contains)
{
	struct sn_ipaddr a, b;
	struct sn_link_prefix pf;
	char text[SN_IPADDR_STRLEN + 4];

	ck_assert(sn_ipaddr_parse("10.99.0.7", &a));
	ck_assert(sn_link_prefix_of(&a, 24, &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "10.99.0.0/24");
	ck_assert(sn_link_prefix_contains(&pf, &a));
	ck_assert(sn_ipaddr_parse("10.99.0.255", &b) && sn_link_prefix_contains(&pf, &b));
	ck_assert(sn_ipaddr_parse("10.99.1.1", &b) && !sn_link_prefix_contains(&pf, &b));
	ck_assert(sn_ipaddr_parse("2001:db8::7", &b) && !sn_link_prefix_contains(&pf, &b));
	ck_assert(sn_link_prefix_of(&a, 32, &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "10.99.0.7/32");
	ck_assert(sn_link_prefix_of(&a, 0, &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "0.0.0.0/0");
	ck_assert(!sn_link_prefix_of(&a, 33, &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "");
	ck_assert(!sn_link_prefix_contains(&pf, &a));	/* none holds nothing */
	ck_assert(sn_ipaddr_parse("2001:db8:1:2:3::9", &b));
	ck_assert(sn_link_prefix_of(&b, 64, &pf));
	ck_assert_str_eq(sn_link_prefix_format(&pf, text), "2001:db8:1:2::/64");
	ck_assert(sn_link_prefix_contains(&pf, &b));
	ck_assert(!sn_link_prefix_contains(&pf, &a));
	ck_assert(!sn_link_prefix_of(&b, 129, &pf));
	memset(&a, 0, sizeof(a));
	ck_assert(!sn_link_prefix_of(&a, 8, &pf));
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("links", NULL, NULL, 0, no_link_support, unreadable_link, pair_override,
			  pair_override_relay, kind_override_strength, policy_gre_udp,
			  same_segment, symmetric_nat_relay, nat_ports_relay, symmetric_everywhere,
			  names_and_prefixes, link_info_round_trip,
			  link_info_key_and_port_together, link_info_nat_refusals,
			  prefix_of_and_contains);
}
