// SPDX-License-Identifier: GPL-2.0
/*
 * What semnetd reads from the node registry about another node (issue 17,
 * item 3): a semnet node is a GRE-in-UDP peer, an Oakestra node an ipudp
 * one (tunnel "ipudp" from semnet's managers; none, with Oakestra's
 * host_port string "50103"); bad ports and unknown tunnels make the
 * entry unusable, with a reason naming the field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uapi/linux/semnet.h>

#include "unit.h"
#include "../../daemon/node/peer_parse.h"

static json_t *j;
static struct semnetd_node_entry e;
static struct sn_err err;

/* Reads @text (a registry entry) into e and err. */
static enum semnetd_node_read read_entry(const char *text)
{
	json_error_t jerr;

	json_decref(j);
	j = json_loads(text, JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(j != NULL, "bad test JSON: %s", jerr.text);
	return semnetd_node_entry_read(j, &e, &err);
}

static void teardown(void)
{
	json_decref(j);
	j = NULL;
}

/* A registry entry of node "n9" at 10.99.0.9 with these other fields. */
#define ENTRY(rest) \
	"{\"node_id\":\"n9\",\"subnet\":\"172.16.0.128/26\",\"host_ip\":\"10.99.0.9\"" rest "}"

START_TEST(encap_by_tunnel_then_port)
{
	ck_assert_int_eq(semnetd_encap_of("gre-udp", 50103), SEMNET_ENCAP_GRE_UDP);
	ck_assert_int_eq(semnetd_encap_of("ipudp", 4754), SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(semnetd_encap_of(NULL, 50103), SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(semnetd_encap_of(NULL, 4754), SEMNET_ENCAP_GRE_UDP);
	ck_assert_int_eq(semnetd_encap_of("vxlan", 4789), -1);
	ck_assert_int_eq(semnetd_encap_of("IPUDP", 50103), -1);
	ck_assert_str_eq(semnetd_encap_name(SEMNET_ENCAP_GRE_UDP), "gre-udp");
	ck_assert_str_eq(semnetd_encap_name(SEMNET_ENCAP_IPUDP), "ipudp");
	/* The kernel's dump may carry any: the CLI's names, or "unknown". */
	ck_assert_str_eq(semnetd_encap_name(SEMNET_ENCAP_DIRECT), "direct");
	ck_assert_str_eq(semnetd_encap_name(SEMNET_ENCAP_DIRECT + 1), "unknown");
	ck_assert_str_eq(semnetd_encap_name(-1), "unknown");
}
END_TEST

/* What semnet-cluster publishes for a semnet node: a GRE peer. */
START_TEST(semnet_node_is_gre)
{
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"tunnel\":\"gre-udp\","
					  "\"subnet_v6\":\"fc00::200/120\"")),
			 SEMNETD_NODE_PEER);
	ck_assert_str_eq(e.node_id, "n9");
	ck_assert_uint_eq(e.subnet.addr, 0xac100080);
	ck_assert_int_eq(e.subnet.len, 26);
	ck_assert_int_eq(e.addr.family, AF_INET);
	ck_assert_uint_eq(e.addr.v4, 0x0a630009);
	ck_assert_int_eq(e.port, 4754);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert(e.has6);
	ck_assert_int_eq(e.subnet6.len, 120);
}
END_TEST

/* An Oakestra NetManager's report through semnet-cluster (tunnel ipudp,
 * port 50103), or with no tunnel and Oakestra's host_port string. */
START_TEST(oakestra_node_is_ipudp)
{
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":50103,\"tunnel\":\"ipudp\"")),
			 SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(e.port, 50103);
	ck_assert(!e.has6);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"50103\"")), SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(e.port, 50103);
	/* A null or empty tunnel is none too. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"50103\",\"tunnel\":null")),
			 SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"50103\",\"tunnel\":\"\"")),
			 SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
	/* An explicit tunnel wins over the port. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"4754\",\"tunnel\":\"ipudp\"")),
			 SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(e.port, 4754);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"4754\"")), SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_GRE_UDP);
	/* An IPv6 underlay address. */
	ck_assert_int_eq(read_entry("{\"node_id\":\"n9\",\"subnet\":\"172.16.0.128/26\","
				    "\"host_ip\":\"2001:db8::9\",\"host_port\":\"50103\"}"),
			 SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.addr.family, AF_INET6);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
}
END_TEST

/* No subnet or no underlay address yet: quietly not a peer. */
START_TEST(not_yet_a_peer)
{
	static const char *const pending[] = {
		"{\"node_id\":\"n9\",\"subnet\":\"172.16.0.128/26\",\"host_ip\":null,"
		"\"host_port\":null,\"tunnel\":null}",
		"{\"node_id\":\"n9\",\"subnet\":\"172.16.0.128/26\"}",
		"{\"node_id\":\"n9\",\"host_ip\":\"10.99.0.9\",\"host_port\":4754}",
		"{\"node_id\":\"n9\",\"subnet\":\"no subnet\",\"host_ip\":\"10.99.0.9\",\"host_port\":4754}",
	};

	for (size_t i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		ck_assert_msg(read_entry(pending[i]) == SEMNETD_NODE_PENDING, "case %zu", i);
}
END_TEST

/* Ports that are none: each a BAD entry whose reason quotes it. */
START_TEST(bad_ports)
{
	static const struct {
		const char *port, *why;
	} bad[] = {
		{ "\"abc\"", "host_port \"abc\" is no port (1 to 65535)" },
		{ "\"0\"", "host_port \"0\" is no port (1 to 65535)" },
		{ "0", "host_port 0 is no port (1 to 65535)" },
		{ "65536", "host_port 65536 is no port (1 to 65535)" },
		{ "\"65536\"", "host_port \"65536\" is no port (1 to 65535)" },
		{ "\"99999999999999999999\"", "host_port \"99999999999999999999\" is no port (1 to 65535)" },
		{ "-1", "host_port -1 is no port (1 to 65535)" },
		{ "\"-1\"", "host_port \"-1\" is no port (1 to 65535)" },
		{ "\"+80\"", "host_port \"+80\" is no port (1 to 65535)" },
		{ "\" 80\"", "host_port \" 80\" is no port (1 to 65535)" },
		{ "\"80x\"", "host_port \"80x\" is no port (1 to 65535)" },
		{ "\"\"", "host_port \"\" is no port (1 to 65535)" },
		{ "\"80\\u0000\"", "host_port \"(with a NUL byte)\" is no port (1 to 65535)" },
		{ "4754.5", "host_port must be a number or a string of one, not a JSON real" },
		{ "true", "host_port must be a number or a string of one, not a JSON boolean" },
		{ "[4754]", "host_port must be a number or a string of one, not a JSON array" },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), ENTRY(",\"host_port\":%s"), bad[i].port);
		ck_assert_msg(read_entry(text) == SEMNETD_NODE_BAD, "port %s read", bad[i].port);
		ck_assert_str_eq(err.msg, bad[i].why);
		ck_assert_str_eq(e.node_id, "n9");	/* for the warning */
	}
	/* The bounds themselves are ports. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"65535\"")), SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.port, 65535);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":1")), SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.port, 1);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"050103\"")), SEMNETD_NODE_PEER);
	ck_assert_int_eq(e.port, 50103);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_IPUDP);
}
END_TEST

START_TEST(bad_host_and_tunnel)
{
	ck_assert_int_eq(read_entry(ENTRY("")), SEMNETD_NODE_BAD);
	ck_assert_str_eq(err.msg, "host_ip without host_port");
	ck_assert_int_eq(read_entry("{\"subnet\":\"172.16.0.128/26\",\"host_ip\":\"10.99.0.x\","
				    "\"host_port\":4754}"),
			 SEMNETD_NODE_BAD);
	ck_assert_str_eq(err.msg, "host_ip '10.99.0.x' is no IPv4 or IPv6 address");
	ck_assert_ptr_null(e.node_id);
	ck_assert_int_eq(read_entry("{\"subnet\":\"172.16.0.128/26\",\"host_ip\":7,"
				    "\"host_port\":4754}"),
			 SEMNETD_NODE_BAD);
	ck_assert_str_eq(err.msg, "host_ip (not a string) is no IPv4 or IPv6 address");
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4789,\"tunnel\":\"vxlan\"")),
			 SEMNETD_NODE_BAD);
	ck_assert_str_eq(err.msg, "tunnel 'vxlan' is none semnet0 speaks (gre-udp, ipudp)");
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"tunnel\":1")), SEMNETD_NODE_BAD);
	ck_assert_str_eq(err.msg, "tunnel must be a string");
	/* A subnet_v6 that does not parse costs only the IPv6 side. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"subnet_v6\":\"fc00::/129\"")),
			 SEMNETD_NODE_PEER);
	ck_assert(!e.has6);
}
END_TEST

/* A node's `link` (issue 18) as semnet-cluster publishes it. */
#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

START_TEST(link_read)
{
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"tunnel\":\"gre-udp\","
					  "\"link\":{\"wg_key\":\"" KEY "\",\"wg_port\":51820,"
					  "\"underlay_prefix\":\"10.99.0.0/24\","
					  "\"kind_override\":\"encrypted\",\"relay\":true,"
					  "\"later\":1}")),
			 SEMNETD_NODE_PEER);
	ck_assert(e.has_link);
	for (int i = 0; i < SN_LINK_KEY_LEN; i++)
		ck_assert_uint_eq(e.link.wg_key[i], i);
	ck_assert_int_eq(e.link.wg_port, 51820);
	ck_assert_int_eq(e.link.underlay_prefix.addr.family, AF_INET);
	ck_assert_uint_eq(e.link.underlay_prefix.addr.v4, 0x0a630000);
	ck_assert_uint_eq(e.link.underlay_prefix.len, 24);
	ck_assert_int_eq(e.link.kind_override, SN_LINK_ENCRYPTED);
	ck_assert(e.link.relay);
	ck_assert_int_eq(e.encap, SEMNET_ENCAP_GRE_UDP);

	/* The optional members absent. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{\"wg_key\":\"" KEY
					  "\",\"wg_port\":1}")),
			 SEMNETD_NODE_PEER);
	ck_assert(e.has_link);
	ck_assert_int_eq(e.link.underlay_prefix.addr.family, 0);
	ck_assert_int_eq(e.link.kind_override, SN_LINK_NONE);
	ck_assert(!e.link.relay);
	ck_assert(e.link.has_wg_key);

	/* Without WireGuard: a node offering direct only. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{"
					  "\"underlay_prefix\":\"10.99.0.0/24\"}")),
			 SEMNETD_NODE_PEER);
	ck_assert(e.has_link);
	ck_assert(!e.link_unreadable);
	ck_assert(!e.link.has_wg_key);
	ck_assert_int_eq(e.link.wg_port, 0);
	ck_assert_uint_eq(e.link.underlay_prefix.len, 24);
}
END_TEST

/* A link's discovery result reaches the facts sn_link_kind() reads:
 * nat and public_addr; without one the node counts as public. */
START_TEST(link_nat_read)
{
	struct sn_link_node n;
	char addr[SN_IPADDR_STRLEN];

	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{\"nat\":\"symmetric\","
					  "\"public_addr\":\"198.51.100.7\","
					  "\"port_preserved\":false}")),
			 SEMNETD_NODE_PEER);
	ck_assert(e.has_link && e.link.has_nat);
	ck_assert(!e.link.port_preserved);
	semnetd_link_node_of(&e, &n);
	ck_assert_int_eq(n.nat, SN_NAT_SYMMETRIC);
	ck_assert_str_eq(sn_ipaddr_format(&n.public_addr, addr), "198.51.100.7");

	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{\"nat\":\"eim\","
					  "\"public_addr\":\"2001:db8::7\",\"port_preserved\":true}")),
			 SEMNETD_NODE_PEER);
	semnetd_link_node_of(&e, &n);
	ck_assert_int_eq(n.nat, SN_NAT_EIM);
	ck_assert_str_eq(sn_ipaddr_format(&n.public_addr, addr), "2001:db8::7");
	ck_assert(e.link.port_preserved);

	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{}")), SEMNETD_NODE_PEER);
	semnetd_link_node_of(&e, &n);
	ck_assert_int_eq(n.nat, SN_NAT_NONE);
	ck_assert(!sn_ipaddr_is_set(&n.public_addr));

	/* A bad one makes the link unreadable, as any bad member does. */
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":{\"nat\":\"cone\","
					  "\"public_addr\":\"198.51.100.7\","
					  "\"port_preserved\":false}")),
			 SEMNETD_NODE_PEER);
	ck_assert(!e.has_link && e.link_unreadable);
	ck_assert_str_eq(err.msg, "link: field 'nat' must be \"none\", \"eim\" or \"symmetric\"");
	semnetd_link_node_of(&e, &n);
	ck_assert_int_eq(n.nat, SN_NAT_NONE);
}
END_TEST

/* The registry's stun_port: none is no discovery, a bad one said. */
START_TEST(stun_port)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "{\"nodes\":[]}", 0 },
		{ "{\"links\":{\"policy\":\"auto\"}}", 0 },
		{ "{\"links\":{\"policy\":\"auto\",\"stun_port\":null}}", 0 },
		{ "{\"links\":{\"policy\":\"auto\",\"stun_port\":3478}}", 3478 },
		{ "{\"links\":{\"stun_port\":65534}}", 65534 },
		{ "{\"links\":{\"stun_port\":65535}}", -1 },
		{ "{\"links\":{\"stun_port\":0}}", -1 },
		{ "{\"links\":{\"stun_port\":\"3478\"}}", -1 },
		{ "{\"links\":{\"stun_port\":3478.0}}", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *msg = json_loads(cases[i].text, 0, NULL);

		ck_assert_ptr_nonnull(msg);
		ck_assert_msg(semnetd_stun_port_read(msg, &err) == cases[i].rc, "case %zu", i);
		ck_assert_str_eq(err.msg, cases[i].rc < 0 ?
				 "links stun_port must be a port from 1 to 65534" : "");
		json_decref(msg);
	}
}
END_TEST

/* An Oakestra node (no link, or null) is what it was; a link that does
 * not read costs only the link, and err says why. */
START_TEST(link_absent_or_bad)
{
	static const struct {
		const char *link, *why;
	} bad[] = {
		{ "{\"wg_port\":51820}", "link: field 'wg_key' is required with 'wg_port'" },
		{ "{\"wg_key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\",\"wg_port\":51820}",
		  "link: field 'wg_key' is not the base64 of a 32-byte key" },
		{ "{\"wg_key\":\"" KEY "\"}", "link: field 'wg_port' is required with 'wg_key'" },
		{ "{\"wg_key\":\"" KEY "\",\"wg_port\":0}",
		  "link: field 'wg_port' must be between 1 and 65535" },
		{ "{\"wg_key\":\"" KEY "\",\"wg_port\":51820,\"underlay_prefix\":\"10.99.0.1/24\"}",
		  "link: field 'underlay_prefix' is not a prefix (address/length, host bits zero)" },
		{ "{\"wg_key\":\"" KEY "\",\"wg_port\":51820,\"kind_override\":\"relay\"}",
		  "link: field 'kind_override' must be \"direct\", \"gre-udp\" or \"encrypted\"" },
		{ "{\"wg_key\":\"" KEY "\",\"wg_port\":51820,\"relay\":1}",
		  "link: field 'relay' must be true or false" },
		{ "\"wg\"", "link: must be an object" },
	};
	char text[512];

	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":\"50103\"")), SEMNETD_NODE_PEER);
	ck_assert(!e.has_link);
	ck_assert_str_eq(err.msg, "");
	ck_assert(!e.link_unreadable);
	ck_assert_int_eq(read_entry(ENTRY(",\"host_port\":4754,\"link\":null")), SEMNETD_NODE_PEER);
	ck_assert(!e.has_link);
	ck_assert(!e.link_unreadable);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), ENTRY(",\"host_port\":4754,\"link\":%s"), bad[i].link);
		ck_assert_msg(read_entry(text) == SEMNETD_NODE_PEER, "case %zu", i);
		ck_assert_msg(!e.has_link, "case %zu", i);
		ck_assert_msg(e.link_unreadable, "case %zu", i);
		ck_assert_str_eq(err.msg, bad[i].why);
		ck_assert_int_eq(e.port, 4754);
		ck_assert_int_eq(e.encap, SEMNET_ENCAP_GRE_UDP);
	}
}
END_TEST

/* The registry's links policy: none is gre-udp (an older cluster), one
 * this node cannot read is encrypted (no cleartext route), said why. */
START_TEST(links_policy)
{
	static const struct {
		const char *text;
		int rc;
		enum sn_links_policy policy;
		const char *why;
	} cases[] = {
		{ "{\"nodes\":[]}", 0, SN_LINKS_GRE_UDP, "" },
		{ "{\"links\":null}", 0, SN_LINKS_GRE_UDP, "" },
		{ "{\"links\":{\"policy\":\"auto\"}}", 0, SN_LINKS_AUTO, "" },
		{ "{\"links\":{\"policy\":\"gre-udp\",\"later\":1}}", 0, SN_LINKS_GRE_UDP, "" },
		{ "{\"links\":{\"policy\":\"encrypted\"}}", 0, SN_LINKS_ENCRYPTED, "" },
		{ "{\"links\":{\"policy\":\"mesh\"}}", -1, SN_LINKS_ENCRYPTED,
		  "links policy 'mesh' is unknown here" },
		{ "{\"links\":{\"policy\":\"auto\\u0000x\"}}", -1, SN_LINKS_ENCRYPTED,
		  "links policy '(with a NUL byte)' is unknown here" },
		{ "{\"links\":{\"policy\":3}}", -1, SN_LINKS_ENCRYPTED,
		  "links policy is not a string" },
		{ "{\"links\":{}}", -1, SN_LINKS_ENCRYPTED, "links has no policy" },
		{ "{\"links\":\"auto\"}", -1, SN_LINKS_ENCRYPTED, "links is not an object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sn_links_policy got = SN_LINKS_AUTO;
		json_t *msg = json_loads(cases[i].text, JSON_ALLOW_NUL, NULL);

		ck_assert_ptr_nonnull(msg);
		ck_assert_msg(semnetd_links_policy_read(msg, &got, &err) == cases[i].rc, "case %zu", i);
		ck_assert_int_eq(got, cases[i].policy);
		ck_assert_str_eq(err.msg, cases[i].why);
		json_decref(msg);
	}
}
END_TEST

/* This node for semnetd_link_pick: the platform range of node() below. */
static const struct sn_prefix platform = { 0xac100000, 12 };	/* 172.16.0.0/12 */
static const struct semnetd_link_here here = { .have_dev = true, .wg = true, .platform = &platform };
static const struct semnetd_link_here nodev = { .wg = true, .platform = &platform };

/* Node entries for semnetd_link_pick: @id at @host with @link; node "nK"
 * has subnet 172.16.0.0/26 + 64 K addresses, slot K. */
static struct semnetd_node_entry node(json_t **keep, const char *id, const char *host,
				      const char *rest)
{
	struct semnetd_node_entry out;
	char text[512];

	snprintf(text, sizeof(text), "{\"node_id\":\"%s\",\"subnet\":\"172.16.%d.%d/26\","
		 "\"host_ip\":\"%s\",\"host_port\":%s}", id, (id[1] - '0') * 64 / 256,
		 (id[1] - '0') * 64 % 256, host, rest);
	*keep = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(*keep);
	ck_assert_int_eq(semnetd_node_entry_read(*keep, &out, &err), SEMNETD_NODE_PEER);
	return out;
}

/* One segment (10.99.0.0/24): direct under auto, the same answer and why
 * from both ends; gre-udp under the default policy. */
START_TEST(pick_direct_on_one_segment)
{
	json_t *ja, *jb;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/24\"}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.99.0.2",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/24\"}");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick ab, ba;

	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &ab);
	semnetd_link_pick(&links, &b, &a, &here, AF_INET, &ba);
	ck_assert_int_eq(ab.kind, SN_LINK_DIRECT);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(ab.why, "same underlay 10.99.0.0/24, no NAT");
	ck_assert_int_eq(ba.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(ba.why, ab.why);

	/* An IPv6 subnet over this IPv4 underlay stays in semnet0. */
	semnetd_link_pick(&links, &a, &b, &here, AF_INET6, &ab);
	ck_assert_int_eq(ab.kind, SN_LINK_DIRECT);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(ab.why, "same underlay 10.99.0.0/24, no NAT; an IPv6 subnet cannot be "
				 "routed via an underlay address of the other family, using gre-udp");
	/* No underlay device known here: gre-udp, said. */
	semnetd_link_pick(&links, &a, &b, &nodev, AF_INET, &ab);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(ab.why, "same underlay 10.99.0.0/24, no NAT; this node's underlay "
				 "device is unknown, using gre-udp");

	links.policy = SN_LINKS_GRE_UDP;
	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &ab);
	ck_assert_int_eq(ab.kind, SN_LINK_GRE_UDP);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(ab.why, "cluster policy gre-udp");
	json_decref(ja);
	json_decref(jb);
}
END_TEST

/* Another prefix: encrypted, but the nodes offer no WireGuard key, so
 * gre-udp and the why says so; an Oakestra node is ipudp; this node not
 * in the registry yet: no link on its side. */
START_TEST(pick_falls_back_truthfully)
{
	json_t *ja, *jb, *jc;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/24\"}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.98.0.2",
					   "4754,\"link\":{\"underlay_prefix\":\"10.98.0.0/24\"}");
	struct semnetd_node_entry oak = node(&jc, "n2", "10.99.0.3", "\"50103\"");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick pk;

	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &pk);
	ck_assert_int_eq(pk.kind, SN_LINK_ENCRYPTED);
	ck_assert_int_eq(pk.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(pk.why, "different underlays or NATs; n0 offers no WireGuard key, using "
				 "gre-udp");
	semnetd_link_pick(&links, &a, &oak, &here, AF_INET, &pk);
	ck_assert_int_eq(pk.kind, SN_LINK_IPUDP);
	ck_assert_int_eq(pk.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_str_eq(pk.why, "n2 has no link support (Oakestra node)");
	semnetd_link_pick(&links, NULL, &b, &here, AF_INET, &pk);
	ck_assert_int_eq(pk.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(pk.why, "this node has no link support (older semnet)");
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
}
END_TEST

/* An override naming direct for nodes on two segments: both ends see an
 * address outside a prefix and keep gre-udp; an unreadable link gets no
 * peer unless the policy is gre-udp. */
START_TEST(pick_override_and_unreadable)
{
	json_t *ja, *jb, *jc;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/16\","
					   "\"kind_override\":\"direct\"}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.99.1.2",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.1.0/24\"}");
	struct semnetd_node_entry c = node(&jc, "n2", "10.99.0.3",
					   "4754,\"link\":{\"wg_port\":1}");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick ab, ba;

	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &ab);
	semnetd_link_pick(&links, &b, &a, &here, AF_INET, &ba);
	ck_assert_int_eq(ab.kind, SN_LINK_DIRECT);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_int_eq(ba.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(ab.why, "kind_override direct of n0; an underlay address is outside "
				 "10.99.1.0/24, using gre-udp");
	ck_assert_str_eq(ba.why, ab.why);

	ck_assert(c.link_unreadable);
	semnetd_link_pick(&links, &a, &c, &here, AF_INET, &ab);
	ck_assert_int_eq(ab.kind, SN_LINK_NONE);
	ck_assert_int_eq(ab.encap, -1);
	ck_assert_str_eq(ab.why, "n2's link is unreadable here: no link rather than cleartext "
				 "under policy auto");
	links.policy = SN_LINKS_GRE_UDP;
	semnetd_link_pick(&links, &a, &c, &here, AF_INET, &ab);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_GRE_UDP);
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
}
END_TEST

#define KEY_A "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define KEY_B "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define KEY_C "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="
#define KEY_D "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ="

/* A node's slot: its IPv4 subnet's index among subnets of its length in
 * the platform range. */
START_TEST(wg_slot)
{
	struct sn_prefix s;
	unsigned int slot = 77;

	ck_assert(sn_prefix_parse("172.16.0.192/26", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), 0);
	ck_assert_uint_eq(slot, 3);
	ck_assert(sn_prefix_parse("172.16.1.0/26", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), 0);
	ck_assert_uint_eq(slot, 4);
	ck_assert(sn_prefix_parse("172.31.255.192/26", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), 0);
	ck_assert_uint_eq(slot, 16383);
	ck_assert(sn_prefix_parse("172.16.0.5/32", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), 0);
	ck_assert_uint_eq(slot, 5);
	ck_assert(sn_prefix_parse("172.16.0.0/12", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), 0);
	ck_assert_uint_eq(slot, 0);
	/* Outside, or larger than the platform range: no slot. */
	slot = 77;
	ck_assert(sn_prefix_parse("172.32.0.0/26", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), -1);
	ck_assert(sn_prefix_parse("172.0.0.0/8", &s));
	ck_assert_int_eq(semnetd_wg_slot(&platform, &s, &slot), -1);
	ck_assert_int_eq(semnetd_wg_slot(NULL, &s, &slot), -1);
	ck_assert_uint_eq(slot, 77);
}
END_TEST

/* Two nodes on different prefixes with WireGuard keys: encrypted over the
 * device of the other's slot, ports agreed from both ends, the same why;
 * IPv6 subnets ride the same device. */
START_TEST(pick_encrypted)
{
	json_t *ja, *jb;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/24\","
					   "\"wg_key\":\"" KEY_A "\",\"wg_port\":51820}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.98.0.2",
					   "4754,\"link\":{\"underlay_prefix\":\"10.98.0.0/24\","
					   "\"wg_key\":\"" KEY_B "\",\"wg_port\":40000}");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick ab, ba, ab6;
	uint8_t key_a[32], key_b[32];

	ck_assert(sn_link_key_from_base64(KEY_A, key_a));
	ck_assert(sn_link_key_from_base64(KEY_B, key_b));
	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &ab);
	semnetd_link_pick(&links, &b, &a, &here, AF_INET, &ba);
	semnetd_link_pick(&links, &a, &b, &here, AF_INET6, &ab6);
	ck_assert_int_eq(ab.kind, SN_LINK_ENCRYPTED);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(ab.why, "different underlays or NATs");
	ck_assert_str_eq(ba.why, ab.why);
	/* a (slot 0) for b (slot 1): snwg1, listening on 51820 + 1, sending
	 * to b's 40000 + 0; b for a: snwg0 on 40000, to a's 51821. */
	ck_assert_str_eq(ab.wg_dev, "snwg1");
	ck_assert_int_eq(ab.wg_listen_port, 51821);
	ck_assert_int_eq(ab.wg_endpoint_port, 40000);
	ck_assert_mem_eq(ab.wg_peer_key, key_b, 32);
	ck_assert_int_eq(ba.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(ba.wg_dev, "snwg0");
	ck_assert_int_eq(ba.wg_listen_port, 40000);
	ck_assert_int_eq(ba.wg_endpoint_port, 51821);
	ck_assert_mem_eq(ba.wg_peer_key, key_a, 32);
	ck_assert_int_eq(ab6.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(ab6.wg_dev, "snwg1");
	ck_assert_int_eq(ab6.wg_listen_port, 51821);
	/* Without an underlay device it still works (the device is WireGuard's). */
	semnetd_link_pick(&links, &a, &b, &nodev, AF_INET, &ab);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	/* Policy encrypted on one segment too. */
	links.policy = SN_LINKS_ENCRYPTED;
	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &ab);
	ck_assert_int_eq(ab.kind, SN_LINK_ENCRYPTED);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	json_decref(ja);
	json_decref(jb);
}
END_TEST

/* Where an encrypted pair's other end is reached, and whether its NAT
 * mapping is kept open: a public node at its underlay address, a node
 * behind a port-keeping NAT at its NAT's address, one behind a NAT that
 * changes ports nowhere (WireGuard learns it from its first packet);
 * keepalive 25 s whenever either end is behind NAT. */
START_TEST(pick_encrypted_nat)
{
	json_t *jp, *je, *jx;
	struct semnetd_node_entry pub = node(&jp, "n0", "10.99.0.1",
					     "4754,\"link\":{\"wg_key\":\"" KEY_A "\",\"wg_port\":51820,"
					     "\"nat\":\"none\",\"public_addr\":\"10.99.0.1\","
					     "\"port_preserved\":true}");
	struct semnetd_node_entry eim = node(&je, "n1", "192.168.1.2",
					     "4754,\"link\":{\"wg_key\":\"" KEY_B "\",\"wg_port\":51820,"
					     "\"nat\":\"eim\",\"public_addr\":\"10.99.0.11\","
					     "\"port_preserved\":true}");
	struct semnetd_node_entry moved = node(&jx, "n2", "192.168.2.3",
					       "4754,\"link\":{\"wg_key\":\"" KEY_C "\",\"wg_port\":51820,"
					       "\"nat\":\"eim\",\"public_addr\":\"10.99.0.12\","
					       "\"port_preserved\":false}");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick pick;
	char text[SN_IPADDR_STRLEN];

	/* The public node for the one behind a port-keeping NAT: its NAT's
	 * address, at its port for us. */
	semnetd_link_pick(&links, &pub, &eim, &here, AF_INET, &pick);
	ck_assert_int_eq(pick.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_str_eq(sn_ipaddr_format(&pick.wg_endpoint_addr, text), "10.99.0.11");
	ck_assert_int_eq(pick.wg_endpoint_port, 51820);
	ck_assert_int_eq(pick.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	/* And the other way: the public node's own address, kept open from
	 * behind the NAT. */
	semnetd_link_pick(&links, &eim, &pub, &here, AF_INET, &pick);
	ck_assert_str_eq(sn_ipaddr_format(&pick.wg_endpoint_addr, text), "10.99.0.1");
	ck_assert_int_eq(pick.wg_endpoint_port, 51821);
	ck_assert_int_eq(pick.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	/* A NAT that changes ports: no endpoint to give, it is learned. */
	semnetd_link_pick(&links, &pub, &moved, &here, AF_INET, &pick);
	ck_assert_int_eq(pick.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(!sn_ipaddr_is_set(&pick.wg_endpoint_addr));
	ck_assert_int_eq(pick.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	/* Two public nodes: underlay addresses, no keepalive. */
	json_decref(je);
	eim = node(&je, "n1", "10.99.0.2",
		   "4754,\"link\":{\"wg_key\":\"" KEY_B "\",\"wg_port\":51820,"
		   "\"nat\":\"none\",\"public_addr\":\"10.99.0.2\",\"port_preserved\":true}");
	semnetd_link_pick(&links, &pub, &eim, &here, AF_INET, &pick);
	ck_assert_str_eq(sn_ipaddr_format(&pick.wg_endpoint_addr, text), "10.99.0.2");
	ck_assert_int_eq(pick.wg_keepalive, 0);
	json_decref(jp);
	json_decref(je);
	json_decref(jx);
}
END_TEST

/* The other node rotates its key: the pick names its next key too, and
 * only when it has one (LINKS.md §3). */
START_TEST(pick_encrypted_next_key)
{
	json_t *ja, *jb;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"wg_key\":\"" KEY_A "\",\"wg_port\":51820}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.98.0.2",
					   "4754,\"link\":{\"wg_key\":\"" KEY_B "\",\"wg_port\":51820,"
					   "\"wg_key_next\":\"" KEY_C "\"}");
	struct sn_links links = { .policy = SN_LINKS_AUTO };
	struct semnetd_link_pick pick;
	uint8_t key[SN_LINK_KEY_LEN];

	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &pick);
	ck_assert_int_eq(pick.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(sn_link_key_from_base64(KEY_B, key));
	ck_assert_mem_eq(pick.wg_peer_key, key, SN_LINK_KEY_LEN);
	ck_assert(pick.wg_has_next);
	ck_assert(sn_link_key_from_base64(KEY_C, key));
	ck_assert_mem_eq(pick.wg_peer_key_next, key, SN_LINK_KEY_LEN);
	/* b's own view of a: a rotates nothing. */
	semnetd_link_pick(&links, &b, &a, &here, AF_INET, &pick);
	ck_assert_int_eq(pick.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(!pick.wg_has_next);
	json_decref(ja);
	json_decref(jb);
}
END_TEST

/* What keeps a pair from being encrypted, said the same from both ends:
 * a node without a key (--wg-port 0) gives gre-udp; a port beyond 65535
 * or a subnet outside the platform range gives no peer at all. */
START_TEST(pick_encrypted_refused)
{
	json_t *ja, *jb, *jc, *jd;
	struct semnetd_node_entry a = node(&ja, "n0", "10.99.0.1",
					   "4754,\"link\":{\"underlay_prefix\":\"10.99.0.0/24\"}");
	struct semnetd_node_entry b = node(&jb, "n1", "10.98.0.2",
					   "4754,\"link\":{\"wg_key\":\"" KEY_B "\",\"wg_port\":51820}");
	struct semnetd_node_entry c = node(&jc, "n2", "10.97.0.3",
					   "4754,\"link\":{\"wg_key\":\"" KEY_C "\",\"wg_port\":65533}");
	struct semnetd_node_entry d = node(&jd, "n3", "10.96.0.4",
					   "4754,\"link\":{\"wg_key\":\"" KEY_D "\",\"wg_port\":65535}");
	struct sn_links links = { .policy = SN_LINKS_ENCRYPTED };
	const struct sn_prefix other = { 0x0a000000, 8 };
	struct semnetd_link_here elsewhere = here, nowg = here;
	struct semnetd_link_pick x, y;

	semnetd_link_pick(&links, &a, &b, &here, AF_INET, &x);
	semnetd_link_pick(&links, &b, &a, &here, AF_INET, &y);
	ck_assert_int_eq(x.kind, SN_LINK_ENCRYPTED);
	ck_assert_int_eq(x.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(x.why, "cluster policy encrypted; n0 offers no WireGuard key, using gre-udp");
	ck_assert_int_eq(y.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(y.why, x.why);
	ck_assert_str_eq(x.wg_dev, "");

	/* b (slot 1) and c (slot 2): c listens for b on 65533 + 1, fine. */
	semnetd_link_pick(&links, &b, &c, &here, AF_INET, &x);
	ck_assert_int_eq(x.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_int_eq(x.wg_endpoint_port, 65534);
	/* c and d (slot 3): c's port for d is 65533 + 3, d's for c 65535 + 2. */
	semnetd_link_pick(&links, &c, &d, &here, AF_INET, &x);
	semnetd_link_pick(&links, &d, &c, &here, AF_INET, &y);
	ck_assert_int_eq(x.kind, SN_LINK_ENCRYPTED);
	ck_assert_int_eq(x.encap, -1);
	ck_assert_str_eq(x.why, "cluster policy encrypted; n2's WireGuard port for n3 (wg_port "
				"65533 + slot 3) is beyond 65535: no encrypted link");
	ck_assert_int_eq(y.encap, -1);
	ck_assert_str_eq(y.why, x.why);
	/* b (slot 1) and d: d's port for b is 65535 + 1. */
	semnetd_link_pick(&links, &d, &b, &here, AF_INET6, &x);
	ck_assert_int_eq(x.encap, -1);
	ck_assert_str_eq(x.why, "cluster policy encrypted; n3's WireGuard port for n1 (wg_port "
				"65535 + slot 1) is beyond 65535: no encrypted link");
	/* d for a (slot 0): 65535 exactly is a port; but a offers no key. */

	/* Subnets outside this node's platform range: no slot. */
	elsewhere.platform = &other;
	semnetd_link_pick(&links, &b, &c, &elsewhere, AF_INET, &x);
	ck_assert_int_eq(x.encap, -1);
	ck_assert_str_eq(x.why, "cluster policy encrypted; n1's subnet is outside the platform "
				"range: no slot, no encrypted link");
	/* This node's WireGuard did not come up: gre-udp, said. */
	nowg.wg = false;
	semnetd_link_pick(&links, &b, &c, &nowg, AF_INET, &x);
	ck_assert_int_eq(x.encap, SEMNET_ENCAP_GRE_UDP);
	ck_assert_str_eq(x.why, "cluster policy encrypted; this node's WireGuard is not up, using "
				"gre-udp");
	/* Not in the registry yet. */
	semnetd_link_pick(&links, NULL, &c, &here, AF_INET, &x);
	ck_assert_int_eq(x.encap, SEMNET_ENCAP_GRE_UDP);
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
	json_decref(jd);
}
END_TEST

/* The relay's nodes of the e2e (tests/e2e/semnetd_nat.sh): n0 public
 * and relaying, n1 behind an EIM NAT, n2 behind a symmetric one; @extra
 * (NULL: none) a fourth entry. The registry as semnetd reads it: entries
 * and their link facts. */
struct relay_world {
	json_t *j[5];
	struct semnetd_node_entry e[5];
	struct sn_link_node nodes[5];
	size_t n;
	struct sn_links links;
	struct semnetd_link_here here;
};

#define RELAY_LINK(key, nat, pub, kept) \
	"4754,\"link\":{\"wg_key\":\"" key "\",\"wg_port\":51820,\"nat\":\"" nat "\"," \
	"\"public_addr\":\"" pub "\",\"port_preserved\":" kept "}"

static void relay_world(struct relay_world *w, const char *relay_link, const char *extra_id,
			const char *extra_host, const char *extra_link)
{
	memset(w, 0, sizeof(*w));
	w->e[0] = node(&w->j[0], "n0", "10.99.0.1", relay_link);
	w->e[1] = node(&w->j[1], "n1", "192.168.1.2", RELAY_LINK(KEY_B, "eim", "10.99.0.11", "true"));
	w->e[2] = node(&w->j[2], "n2", "192.168.2.2",
		       RELAY_LINK(KEY_C, "symmetric", "10.99.0.12", "false"));
	w->n = 3;
	if (extra_id)
		w->e[w->n] = node(&w->j[w->n], extra_id, extra_host, extra_link), w->n++;
	for (size_t i = 0; i < w->n; i++)
		semnetd_link_node_of(&w->e[i], &w->nodes[i]);
	w->links = (struct sn_links){ .policy = SN_LINKS_AUTO, .nodes = w->nodes,
				      .n_nodes = w->n };
	w->here = here;
	w->here.registry = w->e;
	w->here.n_registry = w->n;
}

static void relay_world_free(struct relay_world *w)
{
	for (size_t i = 0; i < w->n; i++)
		json_decref(w->j[i]);
}

#define RELAY_N0 "4754,\"link\":{\"wg_key\":\"" KEY_A "\",\"wg_port\":51820,\"relay\":true," \
		 "\"nat\":\"none\",\"public_addr\":\"10.99.0.1\",\"port_preserved\":true}"

/* n1 (EIM) and n2 (symmetric) through the relay n0: each end's device for
 * the other, its listen port as encrypted, sends to n0 at n0's wg_port +
 * 4096 + the other's slot, keepalive 25 s; the same why at both ends;
 * n0's pairs stay encrypted. */
START_TEST(pick_relay)
{
	struct relay_world w;
	struct semnetd_link_pick ab, ba, pa;
	char text[SN_IPADDR_STRLEN];

	relay_world(&w, RELAY_N0, NULL, NULL, NULL);
	semnetd_link_pick(&w.links, &w.e[1], &w.e[2], &w.here, AF_INET, &ab);
	semnetd_link_pick(&w.links, &w.e[2], &w.e[1], &w.here, AF_INET, &ba);
	ck_assert_int_eq(ab.kind, SN_LINK_RELAY);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(ab.wg_relayed);
	ck_assert_str_eq(ab.why, "n2 behind symmetric NAT, n1 behind eim NAT: relay via n0");
	ck_assert_str_eq(ab.wg_dev, "snwg2");
	ck_assert_int_eq(ab.wg_listen_port, 51820 + 2);
	ck_assert_str_eq(sn_ipaddr_format(&ab.wg_endpoint_addr, text), "10.99.0.1");
	ck_assert_int_eq(ab.wg_endpoint_port, 51820 + SEMNETD_RELAY_PORT_OFFSET + 2);
	ck_assert_int_eq(ab.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	ck_assert_mem_eq(ab.wg_peer_key, w.e[2].link.wg_key, SN_LINK_KEY_LEN);
	ck_assert_int_eq(ba.kind, SN_LINK_RELAY);
	ck_assert(ba.wg_relayed);
	ck_assert_str_eq(ba.why, ab.why);
	ck_assert_str_eq(ba.wg_dev, "snwg1");
	ck_assert_int_eq(ba.wg_listen_port, 51820 + 1);
	ck_assert_str_eq(sn_ipaddr_format(&ba.wg_endpoint_addr, text), "10.99.0.1");
	ck_assert_int_eq(ba.wg_endpoint_port, 51820 + SEMNETD_RELAY_PORT_OFFSET + 1);
	ck_assert_int_eq(ba.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	/* Both families ride the one device. */
	semnetd_link_pick(&w.links, &w.e[1], &w.e[2], &w.here, AF_INET6, &ab);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	ck_assert_int_eq(ab.wg_endpoint_port, 51820 + SEMNETD_RELAY_PORT_OFFSET + 2);
	/* The relay's own pairs are encrypted, not relayed. */
	semnetd_link_pick(&w.links, &w.e[0], &w.e[2], &w.here, AF_INET, &pa);
	ck_assert_int_eq(pa.kind, SN_LINK_ENCRYPTED);
	ck_assert(!pa.wg_relayed);
	ck_assert(!sn_ipaddr_is_set(&pa.wg_endpoint_addr));
	relay_world_free(&w);
}
END_TEST

/* The relay cannot serve the pair: the pair is what encrypted makes of
 * it (n2's endpoint learned, n1's at natA's address), said the same at
 * both ends, naming why. */
static void check_not_relayed(struct relay_world *w, const char *why)
{
	struct semnetd_link_pick ab, ba;
	char text[SN_IPADDR_STRLEN];
	char want[512];

	semnetd_link_pick(&w->links, &w->e[1], &w->e[2], &w->here, AF_INET, &ab);
	semnetd_link_pick(&w->links, &w->e[2], &w->e[1], &w->here, AF_INET, &ba);
	snprintf(want, sizeof(want), "n2 behind symmetric NAT, n1 behind eim NAT: relay via n0; "
		 "not relayed: %s, encrypted without it", why);
	ck_assert_int_eq(ab.kind, SN_LINK_RELAY);
	ck_assert_int_eq(ab.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(!ab.wg_relayed);
	ck_assert_str_eq(ab.why, want);
	ck_assert(!sn_ipaddr_is_set(&ab.wg_endpoint_addr));
	ck_assert_int_eq(ab.wg_keepalive, SEMNETD_WG_NAT_KEEPALIVE);
	ck_assert_str_eq(ba.why, want);
	ck_assert(!ba.wg_relayed);
	ck_assert_str_eq(sn_ipaddr_format(&ba.wg_endpoint_addr, text), "10.99.0.11");
	ck_assert_int_eq(ba.wg_endpoint_port, 51820 + 2);
}

START_TEST(pick_relay_falls_back)
{
	struct relay_world w;

	/* A relay without WireGuard has no relay ports. */
	relay_world(&w, "4754,\"link\":{\"relay\":true}", NULL, NULL, NULL);
	check_not_relayed(&w, "n0 offers no WireGuard port, so no relay ports");
	relay_world_free(&w);
	/* Its ports past 65535: n1's is 61439 + 4096 + 1. */
	relay_world(&w, "4754,\"link\":{\"wg_key\":\"" KEY_A "\",\"wg_port\":61439,"
		    "\"relay\":true}", NULL, NULL, NULL);
	check_not_relayed(&w, "n1's relay port (base 65535 + slot 1) is beyond 65535");
	relay_world_free(&w);
	/* Not in the entries this node has (a registry read elsewhere). */
	relay_world(&w, RELAY_N0, NULL, NULL, NULL);
	w.here.n_registry = 0;
	check_not_relayed(&w, "n0 is not in the registry here");
	relay_world_free(&w);
	/* An IPv6 relay for IPv4 NATs. */
	relay_world(&w, "4754,\"link\":{\"wg_key\":\"" KEY_A "\",\"wg_port\":51820,"
		    "\"relay\":true}", NULL, NULL, NULL);
	json_decref(w.j[0]);
	w.e[0] = node(&w.j[0], "n0", "2001:db8::1", "4754,\"link\":{\"wg_key\":\"" KEY_A
		      "\",\"wg_port\":51820,\"relay\":true}");
	semnetd_link_node_of(&w.e[0], &w.nodes[0]);
	check_not_relayed(&w, "n1's address 10.99.0.11 is not of the relay's family (IPv6)");
	relay_world_free(&w);
	/* n3 behind natA too, with n1's WireGuard port: the relay cannot
	 * tell n1 from n3. */
	relay_world(&w, RELAY_N0, "n3", "192.168.1.3",
		    RELAY_LINK(KEY_D, "eim", "10.99.0.11", "true"));
	check_not_relayed(&w, "n1 and n3 share address 10.99.0.11 and WireGuard port (the relay "
			      "cannot tell them apart)");
	relay_world_free(&w);
}
END_TEST

/* Whom the relay serves, as the relay node derives it from the registry:
 * every node with a link but itself, at its NAT's address or its own,
 * its slot; not a node without link support, nor two at one address. */
START_TEST(relay_members)
{
	struct relay_world w;
	struct semnetd_relay_member_of m;
	json_t *jo;
	struct semnetd_node_entry oak = node(&jo, "n4", "10.99.0.5", "\"50103\"");
	char text[SN_IPADDR_STRLEN], why[160];

	relay_world(&w, RELAY_N0, "n3", "10.99.0.3", RELAY_LINK(KEY_D, "none", "10.99.0.3", "true"));
	ck_assert_int_eq(semnetd_relay_base(&w.e[0]), 51820 + SEMNETD_RELAY_PORT_OFFSET);
	ck_assert(!semnetd_relay_serves(&w.e[0], &w.e[0], w.e, w.n, &platform, &m, why,
					sizeof(why)));
	ck_assert_str_eq(why, "n0 is the relay itself");
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[1], w.e, w.n, &platform, &m, why,
				       sizeof(why)));
	ck_assert_str_eq(sn_ipaddr_format(&m.addr, text), "10.99.0.11");
	ck_assert_uint_eq(m.slot, 1);
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[2], w.e, w.n, &platform, &m, why,
				       sizeof(why)));
	ck_assert_str_eq(sn_ipaddr_format(&m.addr, text), "10.99.0.12");
	ck_assert_uint_eq(m.slot, 2);
	/* A public node: its underlay address. */
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[3], w.e, w.n, &platform, &m, why,
				       sizeof(why)));
	ck_assert_str_eq(sn_ipaddr_format(&m.addr, text), "10.99.0.3");
	ck_assert_uint_eq(m.slot, 3);
	ck_assert(!semnetd_relay_serves(&w.e[0], &oak, w.e, w.n, &platform, &m, why,
					sizeof(why)));
	ck_assert_str_eq(why, "n4 has no link support");
	relay_world_free(&w);
	ck_assert_int_eq(m.port_base, 0);
	/* Two behind one NAT with one WireGuard port: neither. */
	relay_world(&w, RELAY_N0, "n3", "192.168.1.3",
		    RELAY_LINK(KEY_D, "eim", "10.99.0.11", "true"));
	ck_assert(!semnetd_relay_serves(&w.e[0], &w.e[3], w.e, w.n, &platform, &m, why,
					sizeof(why)));
	ck_assert_str_eq(why, "n3 and n1 share address 10.99.0.11 and WireGuard port (the relay "
			      "cannot tell them apart)");
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[2], w.e, w.n, &platform, &m, NULL, 0));
	ck_assert_int_eq(m.port_base, 0);
	relay_world_free(&w);
	/* With ports of their own: both, told apart by them. */
	relay_world(&w, RELAY_N0, "n3", "192.168.1.3",
		    "4754,\"link\":{\"wg_key\":\"" KEY_D "\",\"wg_port\":52820,\"nat\":\"eim\","
		    "\"public_addr\":\"10.99.0.11\",\"port_preserved\":true}");
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[1], w.e, w.n, &platform, &m, why,
				       sizeof(why)));
	ck_assert_int_eq(m.port_base, 51820);
	ck_assert(semnetd_relay_serves(&w.e[0], &w.e[3], w.e, w.n, &platform, &m, why,
				       sizeof(why)));
	ck_assert_int_eq(m.port_base, 52820);
	ck_assert_str_eq(sn_ipaddr_format(&m.addr, text), "10.99.0.11");
	relay_world_free(&w);
	json_decref(jo);
}
END_TEST

/* --- The relay's members a registry at once (semnetd_relay_view) ------- */

/* A small PRNG (xorshift): the same registries every run. */
static uint64_t rnd_state;

static uint32_t rnd(uint32_t below)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % below);
}

static struct sn_ipaddr addr_of(int family, uint32_t k)
{
	struct sn_ipaddr a = { .family = family };

	if (family == AF_INET) {
		a.v4 = 0x0a000000 + k;		/* 10.0.0.0 + k */
	} else {
		a.v6.s6_addr[0] = 0x20;		/* 2001:db8::k */
		a.v6.s6_addr[1] = 0x01;
		a.v6.s6_addr[2] = 0x0d;
		a.v6.s6_addr[3] = 0xb8;
		a.v6.s6_addr[12] = (uint8_t)(k >> 24);
		a.v6.s6_addr[13] = (uint8_t)(k >> 16);
		a.v6.s6_addr[14] = (uint8_t)(k >> 8);
		a.v6.s6_addr[15] = (uint8_t)k;
	}
	return a;
}

/*
 * A registry of @n nodes: @shared_pct of them behind one of @n_nats NATs
 * (public addresses 10.0.0.1 ..; eim or symmetric), the rest public
 * (some of them at a NAT's address too); WireGuard ports from @n_ports
 * (51820 + i), a key in 85 of 100, a link in 92 of 100, both families
 * (@v6_pct IPv6). Subnets /26 of 172.16.0.0/12, slot = the node's place
 * but for a few: a duplicate subnet (when @odd), one outside the range,
 * one past slot 4095. @ids: n names of 8 bytes.
 */
static void random_registry(struct semnetd_node_entry *r, size_t n, char (*ids)[8],
			    uint32_t n_nats, uint32_t shared_pct, uint32_t n_ports, uint32_t v6_pct,
			    bool odd)
{
	for (size_t i = 0; i < n; i++) {
		struct semnetd_node_entry *x = &r[i];
		int family = rnd(100) < v6_pct ? AF_INET6 : AF_INET;
		uint32_t slot = (uint32_t)i, odds = odd ? rnd(100) : 100;

		memset(x, 0, sizeof(*x));
		snprintf(ids[i], 8, "r%zu", i % 1000000);
		x->node_id = rnd(50) ? ids[i] : NULL;
		if (odds < 3 && i)
			slot = rnd((uint32_t)i);		/* a duplicate subnet */
		else if (odds < 5)
			slot = 4096 + rnd(100);			/* past the relay's slots */
		x->subnet = (struct sn_prefix){ 0xac100000 + slot * 64, 26 };
		if (odds == 5)
			x->subnet = (struct sn_prefix){ 0x0b000000 + slot * 64, 26 };
		x->addr = addr_of(family, rnd(5) ? 0x10000 + (uint32_t)i : 1 + rnd(n_nats));
		x->encap = SEMNET_ENCAP_GRE_UDP;
		x->port = 4754;
		x->has_link = rnd(100) < 92;
		if (!x->has_link)
			continue;
		if (rnd(100) < 85) {
			x->link.has_wg_key = true;
			x->link.wg_key[0] = (uint8_t)i;
			x->link.wg_port = 51820 + (int)rnd(n_ports);
		}
		if (rnd(100) < shared_pct) {
			x->link.has_nat = true;
			x->link.nat = rnd(2) ? SN_NAT_EIM : SN_NAT_SYMMETRIC;
			x->link.public_addr = addr_of(family, 1 + rnd(n_nats));
		} else if (rnd(2)) {
			x->link.has_nat = true;	/* reported public */
			x->link.public_addr = addr_of(family, 1 + rnd(n_nats));
		}
	}
}

/* One node's answer from the scan and from the view: the same. */
static void check_same(const struct semnetd_relay_view *v, const struct semnetd_node_entry *x,
		       const char *where)
{
	struct semnetd_relay_member_of a, b;
	char wa[160], wb[160];
	bool ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = semnetd_relay_serves(v->relay, x, v->registry, v->n, v->platform, &a, wa, sizeof(wa));
	rb = semnetd_relay_view_serves(v, x, &b, wb, sizeof(wb));
	ck_assert_msg(ra == rb, "%s: scan %d, view %d (%s | %s)", where, ra, rb, wa, wb);
	ck_assert_msg(!strcmp(wa, wb), "%s: scan '%s', view '%s'", where, wa, wb);
	ck_assert_msg(rb == semnetd_relay_view_serves(v, x, &b, NULL, 0), "%s: without why",
		      where);
	if (!ra)
		return;
	ck_assert_msg(a.e == b.e && a.slot == b.slot && a.port_base == b.port_base &&
		      sn_ipaddr_equal(&a.addr, &b.addr),
		      "%s: scan slot %u port_base %d, view slot %u port_base %d", where, a.slot,
		      a.port_base, b.slot, b.port_base);
}

/* On random registries (shared NATs, equal and distinct WireGuard ports,
 * both families, duplicate and odd subnets, relays without WireGuard or
 * with ports past 65535, relays not in the registry): every node's
 * answer, address, slot, port_base and why the same as the scan's. */
START_TEST(relay_view_as_scan)
{
	static struct semnetd_node_entry r[96];
	static char ids[96][8];
	unsigned int served = 0, shared = 0, refused = 0;

	rnd_state = 0x5eed5eedULL;
	for (int round = 0; round < 3000; round++) {
		size_t n = 1 + rnd(sizeof(r) / sizeof(r[0]));
		struct semnetd_node_entry relay, outside;
		struct semnetd_relay_view v;
		char where[64];

		random_registry(r, n, ids, 1 + rnd(6), rnd(101), 1 + rnd(4), rnd(60), true);
		relay = r[rnd((uint32_t)n)];
		if (rnd(4) == 0) {		/* a relay not in the registry */
			relay.subnet.addr = 0xac1f0000;
			relay.addr = addr_of(rnd(3) ? AF_INET : AF_INET6, 0x20000);
		}
		relay.has_link = true;
		relay.link.has_wg_key = rnd(10) != 0;
		relay.link.wg_port = rnd(8) ? 51820 : 61000;
		outside = r[rnd((uint32_t)n)];	/* a node as pick_relay passes it */
		ck_assert_int_eq(semnetd_relay_view_init(&v, &relay, r, n, &platform), 0);
		for (size_t i = 0; i < n; i++) {
			struct semnetd_relay_member_of m;

			snprintf(where, sizeof(where), "round %d node %zu of %zu", round, i, n);
			check_same(&v, &r[i], where);
			if (semnetd_relay_view_serves(&v, &r[i], &m, NULL, 0))
				served++, shared += m.port_base != 0;
			else
				refused++;
		}
		snprintf(where, sizeof(where), "round %d, a copy", round);
		check_same(&v, &outside, where);
		semnetd_relay_view_free(&v);
	}
	/* The registries covered each answer. */
	ck_assert_uint_gt(served, 1000);
	ck_assert_uint_gt(shared, 100);
	ck_assert_uint_gt(refused, 1000);
}
END_TEST

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The relay's members of @n nodes, as relaylinks.c derives them: the
 * view's seconds; the scan's too when @scan. */
static double relay_pass(const struct semnetd_node_entry *r, size_t n, bool scan,
			 double *scan_s, size_t *members)
{
	struct semnetd_relay_member_of m;
	struct semnetd_relay_view v;
	char why[160];
	double t0 = now_s(), t;
	size_t k = 0, k2 = 0;

	ck_assert_int_eq(semnetd_relay_view_init(&v, &r[0], r, n, &platform), 0);
	for (size_t i = 0; i < n; i++)
		k += semnetd_relay_view_serves(&v, &r[i], &m, why, sizeof(why));
	semnetd_relay_view_free(&v);
	t = now_s() - t0;
	*members = k;
	if (scan) {
		t0 = now_s();
		for (size_t i = 0; i < n; i++)
			k2 += semnetd_relay_serves(&r[0], &r[i], r, n, &platform, &m, why,
						   sizeof(why));
		*scan_s = now_s() - t0;
		ck_assert_uint_eq(k2, k);
	}
	return t;
}

/* The relay node's pass at 1,000 and 15,000 nodes (half behind n / 4
 * NATs, eight WireGuard ports): the view's under 0.5 s (4 to 13 ms at
 * 15,000, with or without ASan; the scan relaylinks.c ran took 0.4 to
 * 1.1 s there, on the event loop). The scan is timed at 1,000 only;
 * SEMNET_RELAY_SCAN_15K=1 times it at 15,000 too, and fails on it. */
START_TEST(relay_view_at_scale)
{
	static const size_t sizes[] = { 1000, 15000 };
	static struct semnetd_node_entry r[15000];
	static char ids[15000][8];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s], members;
		bool scan = n <= 1000 || getenv("SEMNET_RELAY_SCAN_15K");
		double scan_s = 0, view_s;

		rnd_state = 0xfeedULL + n;
		random_registry(r, n, ids, (uint32_t)n / 4, 50, 8, 20, false);
		r[0].addr = addr_of(AF_INET, 0x30000);	/* the relay: IPv4, public */
		r[0].has_link = true;
		r[0].link.has_nat = false;
		r[0].link.has_wg_key = true;
		r[0].link.wg_port = 51820;
		view_s = relay_pass(r, n, scan, &scan_s, &members);
		if (scan)
			printf("# relay members of %zu nodes: %zu; scan %.1f ms, view %.1f ms\n", n,
			       members, scan_s * 1e3, view_s * 1e3);
		else
			printf("# relay members of %zu nodes: %zu; view %.1f ms\n", n, members,
			       view_s * 1e3);
		fflush(stdout);
		/* Slots 0 .. 4095 only (SEMNETD_RELAY_SLOTS); not all refused. */
		ck_assert_uint_gt(members, (n < 4096 ? n : 4096) / 3);
		ck_assert_msg(view_s < 0.5, "%zu nodes: %.3f s", n, view_s);
		/* The bound the scan misses at 15,000 (the defect, shown). */
		ck_assert_msg(!scan || n <= 1000 || scan_s < 0.5, "%zu nodes: the scan took %.3f s",
			      n, scan_s);
	}
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_peer_parse", NULL, teardown, 0, encap_by_tunnel_then_port,
			  semnet_node_is_gre, oakestra_node_is_ipudp, not_yet_a_peer, bad_ports,
			  bad_host_and_tunnel, link_read, link_nat_read, link_absent_or_bad,
			  links_policy, stun_port,
			  pick_direct_on_one_segment, pick_falls_back_truthfully,
			  pick_override_and_unreadable, wg_slot, pick_encrypted, pick_encrypted_nat,
			  pick_encrypted_refused, pick_encrypted_next_key, pick_relay,
			  pick_relay_falls_back, relay_members, relay_view_as_scan,
			  relay_view_at_scale);
}
