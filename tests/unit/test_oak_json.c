// SPDX-License-Identifier: GPL-2.0
/* The JSON mapping: request field readers and Oakestra's table records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sn_json.h"
#include "sn_oak.h"

static json_t *parse(const char *text)
{
	struct sn_err err;
	json_t *j = sn_json_parse_object(text, strlen(text), &err);

	ck_assert_msg(j != NULL, "test JSON does not parse: %s", err.msg);
	return j;
}

START_TEST(parse_object_rejects_bad_bodies)
{
	struct sn_err err;

	ck_assert_ptr_null(sn_json_parse_object("", 0, &err));
	ck_assert_str_eq(err.msg, "empty body: a JSON object is required");
	ck_assert_ptr_null(sn_json_parse_object("{\"a\":", 5, &err));
	ck_assert(strncmp(err.msg, "malformed JSON", 14) == 0);
	ck_assert_ptr_null(sn_json_parse_object("[1]", 3, &err));
	ck_assert_str_eq(err.msg, "the body must be a JSON object");
	ck_assert_ptr_null(sn_json_parse_object("{\"a\":1,\"a\":2}", 13, &err));
	ck_assert_ptr_null(sn_json_parse_object("{} {}", 5, &err));
	/* An embedded NUL would truncate names in C: refused at parse time. */
	ck_assert_ptr_null(sn_json_parse_object("{\"s\":\"a\\u0000b\"}", 16, &err));
}
END_TEST

START_TEST(string_reader)
{
	json_t *j = parse("{\"s\":\"abc\",\"n\":5,\"e\":\"\",\"z\":null}");
	struct sn_err err;
	const char *out;

	ck_assert_int_eq(sn_json_str(j, "s", true, 3, &out, &err), 0);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(sn_json_str(j, "s", true, 2, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 's' must be 1 to 2 bytes long");
	ck_assert_int_eq(sn_json_str(j, "n", true, 9, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 'n' must be a string");
	ck_assert_int_eq(sn_json_str(j, "missing", true, 9, &out, &err), -1);
	ck_assert_str_eq(err.msg, "field 'missing' is required");
	ck_assert_int_eq(sn_json_str(j, "missing", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(sn_json_str(j, "z", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	/* Oakestra's "" for an absent optional field. */
	ck_assert_int_eq(sn_json_str(j, "e", false, 9, &out, &err), 0);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(sn_json_str(j, "e", true, 9, &out, &err), -1);
	json_decref(j);
}
END_TEST

START_TEST(int_reader)
{
	json_t *j = parse("{\"i\":4754,\"s\":\"50103\",\"bad\":\"12x\",\"f\":1.5,\"big\":99999999999}");
	struct sn_err err;
	long long v = -7;

	ck_assert_int_eq(sn_json_int(j, "i", true, false, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, 4754);
	ck_assert_int_eq(sn_json_int(j, "s", true, false, 1, 65535, &v, &err), -1);
	ck_assert_str_eq(err.msg, "field 's' must be an integer");
	ck_assert_int_eq(sn_json_int(j, "s", true, true, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, 50103);
	ck_assert_int_eq(sn_json_int(j, "bad", true, true, 1, 65535, &v, &err), -1);
	ck_assert_int_eq(sn_json_int(j, "f", true, true, 1, 65535, &v, &err), -1);
	ck_assert_int_eq(sn_json_int(j, "big", true, true, 1, 65535, &v, &err), -1);
	ck_assert_str_eq(err.msg, "field 'big' must be between 1 and 65535");
	v = -7;
	ck_assert_int_eq(sn_json_int(j, "none", false, true, 1, 65535, &v, &err), 0);
	ck_assert_int_eq(v, -7);
	json_decref(j);
}
END_TEST

START_TEST(ipv4_reader)
{
	json_t *j = parse("{\"a\":\"172.30.0.1\",\"b\":\"172.30.0\",\"c\":\"\",\"d\":17}");
	struct sn_err err;
	uint32_t ip;
	bool present;

	ck_assert_int_eq(sn_json_ipv4(j, "a", true, &ip, &present, &err), 0);
	ck_assert(present);
	ck_assert_uint_eq(ip, 0xac1e0001);
	ck_assert_int_eq(sn_json_ipv4(j, "b", true, &ip, &present, &err), -1);
	ck_assert_str_eq(err.msg, "field 'b' must be an IPv4 address");
	ck_assert_int_eq(sn_json_ipv4(j, "c", false, &ip, &present, &err), 0);
	ck_assert(!present);
	ck_assert_int_eq(sn_json_ipv4(j, "c", true, &ip, &present, &err), -1);
	ck_assert_int_eq(sn_json_ipv4(j, "d", false, &ip, &present, &err), -1);
	json_decref(j);
}
END_TEST

/* v6 text as Oakestra's components write it: Go's net.IP.String() and
 * Python's ipaddress (canonical), "" for an unset Go string, "<nil>" for a
 * nil net.IP (NetManager, handlers/deployment.go: a unikernel's nsipv6). */
START_TEST(ipv6_reader)
{
	json_t *j = parse("{\"a\":\"fdff:2000::\",\"b\":\"FDFF:0:0::5\",\"e\":\"\",\"nil\":\"<nil>\","
			  "\"z\":null,\"v4\":\"10.30.0.1\",\"u\":\"::\",\"m\":\"::ffff:10.0.0.1\","
			  "\"p\":\"fc00::/120\",\"s\":\"fe80::1%eth0\",\"n\":6,\"x\":\"fdff::g\"}");
	struct in6_addr ip;
	char text[SN_JSON_IPV6_STRLEN];
	struct sn_err err;
	bool present;

	ck_assert_int_eq(sn_json_ipv6(j, "a", true, &ip, &present, &err), 0);
	ck_assert(present);
	ck_assert_str_eq(sn_json_ipv6_format(&ip, text), "fdff:2000::");
	/* Any spelling reads; it is written back canonical. */
	ck_assert_int_eq(sn_json_ipv6(j, "b", true, &ip, &present, &err), 0);
	ck_assert_str_eq(sn_json_ipv6_format(&ip, text), "fdff::5");
	/* The three ways Oakestra says "none". */
	static const char *const none[] = { "e", "nil", "z", "missing" };

	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		memset(&ip, 0xff, sizeof(ip));
		ck_assert_int_eq(sn_json_ipv6(j, none[i], false, &ip, &present, &err), 0);
		ck_assert(!present);
		ck_assert(!sn_json_ipv6_set(&ip));
		ck_assert_int_eq(sn_json_ipv6(j, none[i], true, &ip, &present, &err), -1);
		ck_assert_msg(strstr(err.msg, "is required"), "%s: %s", none[i], err.msg);
	}
	static const char *const bad[] = { "v4", "u", "m", "p", "s", "n", "x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(sn_json_ipv6(j, bad[i], false, &ip, &present, &err), -1);
		ck_assert(!present);
		ck_assert(!sn_json_ipv6_set(&ip));
	}
	ck_assert_str_eq(err.msg, "field 'x' must be an IPv6 address");
	ck_assert_int_eq(sn_json_ipv6_text("<nil>", &ip), 0);
	ck_assert_int_eq(sn_json_ipv6_text(NULL, &ip), 0);
	ck_assert_int_eq(sn_json_ipv6_text("fc00::", &ip), 1);
	ck_assert_int_eq(sn_json_ipv6_text(" fc00::", &ip), -1);
	json_decref(j);
}
END_TEST

START_TEST(ipv6_writer)
{
	struct in6_addr ip = { 0 };
	json_t *v = sn_json_ipv6_string(&ip);

	ck_assert(json_is_null(v));	/* :: is "none" */
	json_decref(v);
	ck_assert_int_eq(sn_json_ipv6_text("fdff:0000:0000:0000:0000:0000:0001:0000", &ip), 1);
	v = sn_json_ipv6_string(&ip);
	ck_assert_str_eq(json_string_value(v), "fdff::1:0");
	json_decref(v);
	/* RFC 5952: a lone zero group is not compressed, the first longest run is. */
	ck_assert_int_eq(sn_json_ipv6_text("fdff:0:1:0:0:1:0:0", &ip), 1);
	v = sn_json_ipv6_string(&ip);
	ck_assert_str_eq(json_string_value(v), "fdff:0:1::1:0:0");
	json_decref(v);
}
END_TEST

/* host_ip, a node's underlay address: either family (an IPv6-only node
 * reports its IPv6 one), canonical text; anything else refused by name. */
START_TEST(ipaddr_reader)
{
	json_t *j = parse("{\"a\":\"10.99.0.2\",\"b\":\"2001:DB8:0::2\",\"e\":\"\",\"n\":null,"
			  "\"bad\":[\"10.99.0\",\"nope\",\"::\",\"::ffff:10.0.0.1\",\"fd99::1%ul0\","
			  "\"fd99::/64\",\" 10.0.0.1\",\"fd99::1 \"],\"num\":17}");
	struct sn_ipaddr ip, other;
	char text[SN_IPADDR_STRLEN];
	struct sn_err err;
	bool present;
	size_t i;
	json_t *v;

	ck_assert_int_eq(sn_json_ipaddr(j, "a", true, &ip, &present, &err), 0);
	ck_assert(present);
	ck_assert_int_eq(ip.family, AF_INET);
	ck_assert_uint_eq(ip.v4, 0x0a630002);
	ck_assert_str_eq(sn_ipaddr_format(&ip, text), "10.99.0.2");
	ck_assert_int_eq(sn_json_ipaddr(j, "b", true, &ip, &present, &err), 0);
	ck_assert_int_eq(ip.family, AF_INET6);
	ck_assert_str_eq(sn_ipaddr_format(&ip, text), "2001:db8::2");
	ck_assert_ptr_null(sn_ipaddr_underlay_unfit(&ip));
	/* One node, two spellings: equal. */
	ck_assert(sn_ipaddr_parse("2001:db8:0:0::2", &other));
	ck_assert(sn_ipaddr_equal(&ip, &other));
	ck_assert(sn_ipaddr_parse("10.99.0.2", &other));
	ck_assert(!sn_ipaddr_equal(&ip, &other));
	/* "" and null: absent. */
	ck_assert_int_eq(sn_json_ipaddr(j, "e", false, &ip, &present, &err), 0);
	ck_assert(!present && !sn_ipaddr_is_set(&ip));
	ck_assert_int_eq(sn_json_ipaddr(j, "n", false, &ip, &present, &err), 0);
	ck_assert(!present && !sn_ipaddr_is_set(&ip));
	ck_assert_int_eq(sn_json_ipaddr(j, "n", true, &ip, &present, &err), -1);
	ck_assert_str_eq(err.msg, "field 'n' is required");
	json_array_foreach(json_object_get(j, "bad"), i, v) {
		json_t *o = json_pack("{s:O}", "host_ip", v);

		ck_assert_msg(sn_json_ipaddr(o, "host_ip", false, &ip, &present, &err) == -1,
			      "accepted %s", json_string_value(v));
		ck_assert_str_eq(err.msg, "field 'host_ip' must be an IPv4 or IPv6 address");
		ck_assert(!present && !sn_ipaddr_is_set(&ip));
		json_decref(o);
	}
	ck_assert_int_eq(sn_json_ipaddr(j, "num", false, &ip, &present, &err), -1);
	/* A NUL would hide trailing text from the parser. */
	json_object_set_new(j, "nul", json_stringn("10.0.0.1\0x", 10));
	ck_assert_int_eq(sn_json_ipaddr(j, "nul", false, &ip, &present, &err), -1);
	/* Addresses no tunnel can use: parsed, but unfit for an underlay. */
	ck_assert(sn_ipaddr_parse("0.0.0.0", &ip) && sn_ipaddr_underlay_unfit(&ip));
	ck_assert(sn_ipaddr_parse("239.1.2.3", &ip) && sn_ipaddr_underlay_unfit(&ip));
	ck_assert(sn_ipaddr_parse("255.255.255.255", &ip) && sn_ipaddr_underlay_unfit(&ip));
	ck_assert(sn_ipaddr_parse("ff02::1", &ip) && sn_ipaddr_underlay_unfit(&ip));
	ck_assert(sn_ipaddr_parse("fe80::1", &ip) && sn_ipaddr_underlay_unfit(&ip));
	ck_assert(!sn_ipaddr_parse(NULL, &ip));
	memset(&ip, 0, sizeof(ip));
	ck_assert_str_eq(sn_ipaddr_format(&ip, text), "");
	ck_assert(!sn_ipaddr_is_set(&ip) && !sn_ipaddr_is_set(&(struct sn_ipaddr){ 0 }));
	ck_assert(sn_ipaddr_underlay_unfit(&ip));
	json_decref(j);
}
END_TEST

/* An answer's host_ip: canonical when it is an address of either family,
 * kept as it came when not (the node reading it says it cannot use it). */
START_TEST(instance_entry_host_ip)
{
	static const char *const cases[][2] = {
		{ "10.0.0.1", "10.0.0.1" }, { "2001:DB8:0::2", "2001:db8::2" },
		{ "fd99::1", "fd99::1" }, { "not-an-address", "not-an-address" },
	};
	struct sn_oak_instance inst;
	struct sn_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *e = json_pack("{s:i, s:s, s:s, s:s, s:i}", "instance_number", 0,
				      "instance_ip", "172.30.0.3", "namespace_ip", "172.16.0.2",
				      "host_ip", cases[i][0], "host_port", 4754);

		ck_assert_int_eq(sn_oak_instance_parse(e, &inst, &err), 0);
		ck_assert_str_eq(inst.host_ip, cases[i][1]);
		json_decref(e);
	}
}
END_TEST

START_TEST(job_names)
{
	char longest[4 * 31];

	ck_assert(sn_oak_job_name_valid("app.ns.web.prod"));
	ck_assert(sn_oak_job_name_valid("A1.b2.C3.d4"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web.prod.x"));
	ck_assert(!sn_oak_job_name_valid("app..web.prod"));
	ck_assert(!sn_oak_job_name_valid("app_x.ns.web.prod"));
	ck_assert(!sn_oak_job_name_valid("app.ns.web.pröd"));
	ck_assert(!sn_oak_job_name_valid(""));
	memset(longest, 'a', sizeof(longest));
	longest[30] = longest[61] = longest[92] = '.';
	longest[123] = '\0';
	ck_assert(sn_oak_job_name_valid(longest));	/* 4 x 30 */
	longest[30] = 'a';
	ck_assert(!sn_oak_job_name_valid(longest));	/* a 61-character part */
}
END_TEST

START_TEST(tunnel_kind)
{
	ck_assert_str_eq(sn_oak_tunnel(NULL, 50103), "ipudp");
	ck_assert_str_eq(sn_oak_tunnel(NULL, 4754), "gre-udp");
	ck_assert_str_eq(sn_oak_tunnel("gre-udp", 50103), "gre-udp");
	ck_assert_str_eq(sn_oak_tunnel("ipudp", 4754), "ipudp");
	ck_assert_ptr_null(sn_oak_tunnel("vxlan", 4789));
}
END_TEST

static struct sn_oak_table sample_table(struct sn_oak_instance inst[2])
{
	struct sn_oak_table t = { .app_name = "app.ns.web.prod", .rr_ip = 0xac1e0001,
				  .closest_ip = 0xac1e0002, .instances = inst, .ninstances = 2 };

	memset(inst, 0, 2 * sizeof(*inst));
	inst[0] = (struct sn_oak_instance){ .number = 0, .instance_ip = 0xac1e0003,
					    .ns_ip = 0xac100002, .host_ip = "10.0.0.1",
					    .host_port = 4754, .tunnel = "gre-udp" };
	inst[1] = (struct sn_oak_instance){ .number = 5, .instance_ip = 0xac1e0004,
					    .ns_ip = 0xac100042, .host_ip = "10.0.0.2",
					    .host_port = 50103, .tunnel = "ipudp" };
	return t;
}

START_TEST(instance_entry_json)
{
	struct sn_oak_instance inst[2];
	struct sn_oak_table t = sample_table(inst);
	json_t *j = sn_oak_instance_json(&inst[0], &t);
	char *text = json_dumps(j, JSON_COMPACT);

	ck_assert_str_eq(text,
		"{\"instance_number\":0,\"instance_ip\":\"172.30.0.3\",\"instance_ip_v6\":null,"
		"\"namespace_ip\":\"172.16.0.2\",\"namespace_ip_v6\":null,\"host_ip\":\"10.0.0.1\","
		"\"host_port\":4754,\"tunnel\":\"gre-udp\",\"service_ip\":["
		"{\"IpType\":\"RR\",\"Address\":\"172.30.0.1\",\"Address_v6\":null},"
		"{\"IpType\":\"Closest\",\"Address\":\"172.30.0.2\",\"Address_v6\":null},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"172.30.0.3\",\"Address_v6\":null}]}");
	free(text);
	json_decref(j);
}
END_TEST

static struct in6_addr v6(const char *text)
{
	struct in6_addr a;

	ck_assert_int_eq(sn_json_ipv6_text(text, &a), 1);
	return a;
}

static void ck_v6(const struct in6_addr *a, const char *want)
{
	char text[SN_JSON_IPV6_STRLEN];

	if (!want)
		ck_assert_msg(!sn_json_ipv6_set(a), "%s is set", sn_json_ipv6_format(a, text));
	else
		ck_assert_str_eq(sn_json_ipv6_format(a, text), want);
}

/* Mixed families in one answer: a dual-stack RR, a v4-only Closest, an
 * instance with both nsIPs beside one with v4 only (a semnet node without
 * a v6 subnet). Every v6 key is there: Oakestra's cluster service-manager
 * reads elem["instance_ip_v6"] with no default (resolution.py:82-92). */
START_TEST(instance_entry_json_dual)
{
	struct sn_oak_instance inst[2];
	struct sn_oak_table t = sample_table(inst);
	json_t *j;
	char *text;

	t.rr_ip6 = v6("fdff:2000::");
	inst[0].instance_ip6 = v6("fdff::");
	inst[0].ns_ip6 = v6("fc00::2");
	j = sn_oak_instance_json(&inst[0], &t);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text,
		"{\"instance_number\":0,\"instance_ip\":\"172.30.0.3\",\"instance_ip_v6\":\"fdff::\","
		"\"namespace_ip\":\"172.16.0.2\",\"namespace_ip_v6\":\"fc00::2\",\"host_ip\":\"10.0.0.1\","
		"\"host_port\":4754,\"tunnel\":\"gre-udp\",\"service_ip\":["
		"{\"IpType\":\"RR\",\"Address\":\"172.30.0.1\",\"Address_v6\":\"fdff:2000::\"},"
		"{\"IpType\":\"Closest\",\"Address\":\"172.30.0.2\",\"Address_v6\":null},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"172.30.0.3\",\"Address_v6\":\"fdff::\"}]}");
	free(text);
	json_decref(j);
	/* No Closest in either family (an Oakestra service): no Closest entry,
	 * rather than a "0.0.0.0" an Oakestra NetManager would route to. */
	t.closest_ip = 0;
	j = sn_oak_instance_json(&inst[1], &t);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(text,
		"{\"instance_number\":5,\"instance_ip\":\"172.30.0.4\",\"instance_ip_v6\":null,"
		"\"namespace_ip\":\"172.16.0.66\",\"namespace_ip_v6\":null,\"host_ip\":\"10.0.0.2\","
		"\"host_port\":50103,\"tunnel\":\"ipudp\",\"service_ip\":["
		"{\"IpType\":\"RR\",\"Address\":\"172.30.0.1\",\"Address_v6\":\"fdff:2000::\"},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"172.30.0.4\",\"Address_v6\":null}]}");
	free(text);
	json_decref(j);
}
END_TEST

START_TEST(table_round_trip)
{
	struct sn_oak_instance inst[2];
	struct sn_oak_table t = sample_table(inst), back;
	struct sn_err err;
	json_t *j;

	t.rr_ip6 = v6("fdff:2000::1");
	t.closest_ip6 = v6("fdff:2000::2");
	inst[0].instance_ip6 = v6("fdff::3");
	inst[0].ns_ip6 = v6("fc00::2");
	inst[1].ns_ip6 = v6("fc00::102");	/* no v6 InstanceIP: only the nsIP */
	j = sn_oak_table_json(&t, "app.ns.web.prod");

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "query_key")), "app.ns.web.prod");
	ck_assert_int_eq(sn_oak_table_parse(j, &back, &err), 0);
	ck_assert_str_eq(back.app_name, t.app_name);
	ck_assert_uint_eq(back.rr_ip, t.rr_ip);
	ck_assert_uint_eq(back.closest_ip, t.closest_ip);
	ck_assert_uint_eq(back.ninstances, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(back.instances[i].number, inst[i].number);
		ck_assert_uint_eq(back.instances[i].instance_ip, inst[i].instance_ip);
		ck_assert_uint_eq(back.instances[i].ns_ip, inst[i].ns_ip);
		ck_assert_str_eq(back.instances[i].host_ip, inst[i].host_ip);
		ck_assert_int_eq(back.instances[i].host_port, inst[i].host_port);
		ck_assert_str_eq(back.instances[i].tunnel, inst[i].tunnel);
		ck_assert_mem_eq(&back.instances[i].instance_ip6, &inst[i].instance_ip6, 16);
		ck_assert_mem_eq(&back.instances[i].ns_ip6, &inst[i].ns_ip6, 16);
	}
	ck_v6(&back.rr_ip6, "fdff:2000::1");
	ck_v6(&back.closest_ip6, "fdff:2000::2");
	ck_assert_uint_eq(back.dropped, 0);
	sn_oak_table_free(&back);
	json_decref(j);
}
END_TEST

START_TEST(table_from_oakestra)
{
	/* Oakestra's shape: no top-level service_ip, host_port as a string,
	 * no tunnel field, v6 fields as strings. */
	json_t *j = parse("{\"app_name\":\"a.b.c.d\",\"instance_list\":[{\"instance_number\":2,"
			  "\"instance_ip\":\"10.30.0.9\",\"instance_ip_v6\":\"fdff::9\","
			  "\"namespace_ip\":\"10.18.0.2\",\"namespace_ip_v6\":\"\","
			  "\"host_ip\":\"192.0.2.1\",\"host_port\":\"50103\",\"service_ip\":["
			  "{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff::1\"},"
			  "{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.9\"}]}]}");
	struct sn_oak_table t;
	struct sn_err err;

	ck_assert_int_eq(sn_oak_table_parse(j, &t, &err), 0);
	ck_assert_uint_eq(t.rr_ip, 0x0a1e0001);
	ck_assert_uint_eq(t.closest_ip, 0);
	ck_assert_uint_eq(t.ninstances, 1);
	ck_assert_int_eq(t.instances[0].host_port, 50103);
	ck_assert_str_eq(t.instances[0].tunnel, "ipudp");
	ck_v6(&t.rr_ip6, "fdff::1");
	ck_v6(&t.instances[0].instance_ip6, "fdff::9");
	ck_v6(&t.instances[0].ns_ip6, NULL);
	sn_oak_table_free(&t);
	json_decref(j);
}
END_TEST

/*
 * What an Oakestra cluster service-manager publishes on
 * nodes/<id>/net/tablequery/result (oakestra-net 1bdf5fa,
 * cluster-service-manager/service-manager/interfaces/mqtt_client.py
 * _tablequery_handler and network/tablequery/resolution.py
 * format_instance_response): the root's instances, each with the job's
 * service_ip_list copied in and {IpType: "instance_ip", Address,
 * Address_v6} appended; host_port as the NetManager reported it (a
 * string); namespace_ip_v6 as reported ("<nil>" for a unikernel). The
 * query key here is a v6 sip.
 */
START_TEST(table_from_oakestra_cluster_v6)
{
	json_t *j = parse(
		"{\"app_name\":\"app.ns.web.prod\",\"query_key\":\"fdff:2000::\",\"instance_list\":["
		"{\"instance_number\":0,\"instance_ip\":\"10.30.0.2\",\"instance_ip_v6\":\"fdff::\","
		"\"cluster_id\":\"66a0c1f2e4b0a1b2c3d4e5f6\",\"namespace_ip\":\"10.18.0.2\","
		"\"namespace_ip_v6\":\"fc00::2\",\"host_ip\":\"192.0.2.1\",\"host_port\":\"50103\","
		"\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff:2000::\"},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.2\",\"Address_v6\":\"fdff::\"}]},"
		"{\"instance_number\":1,\"instance_ip\":\"10.30.0.3\",\"instance_ip_v6\":\"fdff::1\","
		"\"cluster_id\":\"66a0c1f2e4b0a1b2c3d4e5f6\",\"namespace_ip\":\"10.18.0.66\","
		"\"namespace_ip_v6\":\"<nil>\",\"host_ip\":\"192.0.2.2\",\"host_port\":\"50103\","
		"\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff:2000::\"},"
		"{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.3\",\"Address_v6\":\"fdff::1\"}]}]}");
	struct sn_oak_table t;
	struct sn_err err;

	ck_assert_int_eq(sn_oak_table_parse(j, &t, &err), 0);
	ck_assert_str_eq(t.app_name, "app.ns.web.prod");
	ck_assert_uint_eq(t.rr_ip, 0x0a1e0001);
	ck_v6(&t.rr_ip6, "fdff:2000::");
	ck_assert_uint_eq(t.closest_ip, 0);
	ck_v6(&t.closest_ip6, NULL);
	ck_assert_uint_eq(t.ninstances, 2);
	ck_v6(&t.instances[0].instance_ip6, "fdff::");
	ck_v6(&t.instances[0].ns_ip6, "fc00::2");
	/* A unikernel: no v6 nsIP, still listed (it serves over v4). */
	ck_v6(&t.instances[1].instance_ip6, "fdff::1");
	ck_v6(&t.instances[1].ns_ip6, NULL);
	ck_assert_uint_eq(t.dropped, 0);
	sn_oak_table_free(&t);
	json_decref(j);
}
END_TEST

/*
 * An Oakestra root's answer to GET /api/net/service/ip/<addr>/instances
 * (oakestra-net 1bdf5fa, root-service-manager: the job document of
 * mongodb_requests.py mongo_insert_job, instances from
 * operations/instances_management.py _prepare_instance_dict and
 * mongo_update_job_instance): job_name is the service, app_name only the
 * application (the descriptor is spread in), service_ip_list top-level
 * only, and an instance not deployed yet has no namespace_ip at all.
 */
START_TEST(table_from_oakestra_root)
{
	json_t *j = parse(
		"{\"_id\":\"66a0c1f2e4b0a1b2c3d4e5f7\",\"job_name\":\"app.ns.web.prod\",\"app_name\":\"app\","
		"\"app_ns\":\"ns\",\"service_name\":\"web\",\"service_ns\":\"prod\",\"RR_ip_v6\":null,"
		"\"service_ip_list\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\",\"Address_v6\":\"fdff:2000::\"}],"
		"\"instance_list\":["
		"{\"instance_number\":0,\"instance_ip\":\"10.30.0.2\",\"instance_ip_v6\":\"fdff::\","
		"\"cluster_id\":\"c1\",\"namespace_ip\":\"10.18.0.2\",\"namespace_ip_v6\":\"fc00::2\","
		"\"host_ip\":\"192.0.2.1\",\"host_port\":\"50103\"},"
		"{\"instance_number\":1,\"instance_ip\":\"10.30.0.3\",\"instance_ip_v6\":\"fdff::1\","
		"\"cluster_id\":\"c1\"}]}");
	struct sn_oak_table t;
	struct sn_err err;

	ck_assert_int_eq(sn_oak_table_parse(j, &t, &err), 0);
	ck_assert_str_eq(t.app_name, "app.ns.web.prod");
	ck_assert_uint_eq(t.rr_ip, 0x0a1e0001);
	ck_v6(&t.rr_ip6, "fdff:2000::");
	ck_assert_uint_eq(t.ninstances, 1);
	ck_assert_int_eq(t.instances[0].number, 0);
	ck_v6(&t.instances[0].ns_ip6, "fc00::2");
	ck_assert_uint_eq(t.dropped, 1);
	ck_assert_str_eq(err.msg, "instance entry 1 left out: field 'namespace_ip' is required");
	ck_assert_uint_eq(t.malformed, 0);	/* not deployed yet: nothing wrong */
	/* ... kept apart with its InstanceIPs, for a local instance. */
	ck_assert_uint_eq(t.nunlocated, 1);
	ck_assert_int_eq(t.unlocated[0].number, 1);
	ck_assert_uint_eq(t.unlocated[0].instance_ip, 0x0a1e0003);
	ck_v6(&t.unlocated[0].instance_ip6, "fdff::1");
	ck_assert_uint_eq(t.unlocated[0].ns_ip, 0);
	sn_oak_table_free(&t);
	ck_assert_ptr_null(t.unlocated);
	json_decref(j);
}
END_TEST

/* A bad v6 value costs that field, or (namespace_ip_v6, which Oakestra's
 * NetManager needs to keep an entry) that entry: never the answer. */
START_TEST(table_bad_v6_values)
{
	json_t *j = parse(
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\","
		"\"Address_v6\":\"10.30.0.1\"},{\"IpType\":\"Closest\",\"Address\":null,"
		"\"Address_v6\":\"fdff:2000::7\"}],\"instance_list\":["
		"{\"instance_number\":0,\"instance_ip\":\"10.30.0.2\",\"instance_ip_v6\":\"bogus\","
		"\"namespace_ip\":\"10.18.0.2\",\"namespace_ip_v6\":\"fc00::2\",\"host_ip\":\"h\","
		"\"host_port\":1},"
		"{\"instance_number\":1,\"instance_ip\":\"10.30.0.3\",\"instance_ip_v6\":7,"
		"\"namespace_ip\":\"10.18.0.3\",\"namespace_ip_v6\":\"fc00::3/120\",\"host_ip\":\"h\","
		"\"host_port\":1},"
		"{\"instance_number\":2,\"instance_ip\":\"10.30.0.4\",\"instance_ip_v6\":null,"
		"\"namespace_ip\":\"10.18.0.4\",\"namespace_ip_v6\":null,\"host_ip\":\"h\","
		"\"host_port\":1,\"service_ip\":[{\"IpType\":\"instance_ip\",\"Address\":\"10.30.0.4\","
		"\"Address_v6\":\"fdff::4\"}]}]}");
	struct sn_oak_table t;
	struct sn_err err;

	ck_assert_int_eq(sn_oak_table_parse(j, &t, &err), 0);
	ck_v6(&t.rr_ip6, NULL);			/* a dotted quad is no v6 address */
	ck_assert_uint_eq(t.closest_ip, 0);
	ck_v6(&t.closest_ip6, "fdff:2000::7");	/* a v6-only Closest */
	ck_assert_uint_eq(t.ninstances, 2);
	ck_assert_int_eq(t.instances[0].number, 0);
	ck_v6(&t.instances[0].instance_ip6, NULL);
	ck_v6(&t.instances[0].ns_ip6, "fc00::2");
	/* Only the entry's service_ip names its v6 InstanceIP. */
	ck_assert_int_eq(t.instances[1].number, 2);
	ck_v6(&t.instances[1].instance_ip6, "fdff::4");
	ck_v6(&t.instances[1].ns_ip6, NULL);
	ck_assert_uint_eq(t.dropped, 1);
	ck_assert_str_eq(err.msg,
			 "instance entry 1 left out: field 'namespace_ip_v6' must be an IPv6 address");
	sn_oak_table_free(&t);
	json_decref(j);
}
END_TEST

START_TEST(table_parse_errors)
{
	static const char *const bad[] = {
		"{\"instance_list\":[]}",
		"{\"app_name\":\"a.b.c.d\"}",
		"{\"app_name\":\"a.b.c.d\",\"instance_list\":{}}",
		"{\"app_name\":\"a.b.c.d\",\"instance_list\":[]}",	/* no RR address anywhere */
		/* An RR with only a v6 address: a v4 one is still required. */
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address_v6\":\"fdff:2000::\"}],"
		"\"instance_list\":[]}",
		"{\"job_name\":7,\"app_name\":\"a.b.c.d\",\"instance_list\":[]}",
		/* Not a service's name (it keys the cluster's cache, names topics). */
		"{\"app_name\":\"a/b#\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[]}",
		"{\"job_name\":\"app\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[]}",
	};
	/* Entries that do not parse: left out, the rest of the answer stands. */
	static const char *const bad_entry[] = {
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":-1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":1}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":70000}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[{\"instance_number\":1,\"instance_ip\":\"10.30.0.9\","
		"\"namespace_ip\":\"10.18.0.2\",\"host_ip\":\"h\",\"host_port\":1,\"tunnel\":\"vxlan\"}]}",
		"{\"app_name\":\"a.b.c.d\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"10.30.0.1\"}],"
		"\"instance_list\":[7]}",
	};
	struct sn_oak_table t;
	struct sn_err err;
	char why[sizeof(err.msg) + 32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = parse(bad[i]);

		ck_assert_msg(sn_oak_table_parse(j, &t, &err) == -1, "case %zu parsed", i);
		ck_assert_ptr_null(t.instances);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof(bad_entry) / sizeof(bad_entry[0]); i++) {
		json_t *j = parse(bad_entry[i]);

		ck_assert_msg(sn_oak_table_parse(j, &t, &err) == 0, "entry case %zu: %s", i,
			      err.msg);
		ck_assert_uint_eq(t.ninstances, 0);
		ck_assert_uint_eq(t.dropped, 1);
		ck_assert(strncmp(err.msg, "instance entry 0 left out: ", 27) == 0);
		/* The first three name a location: malformed, not undeployed. */
		snprintf(why, sizeof(why), "instance entry 0: %s", err.msg + 27);
		ck_assert_uint_eq(t.malformed, i < 3);
		ck_assert_str_eq(t.malformed_why.msg, i < 3 ? why : "");
		sn_oak_table_free(&t);
		json_decref(j);
	}
}
END_TEST

START_TEST(error_body)
{
	json_t *j = sn_json_error("no service %s", "x.y.z.w");
	char *text = json_dumps(j, JSON_COMPACT);

	ck_assert_str_eq(text, "{\"error\":\"no service x.y.z.w\"}");
	free(text);
	json_decref(j);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("oak_json", NULL, NULL, 0, parse_object_rejects_bad_bodies,
			  string_reader, int_reader, ipv4_reader, ipv6_reader, ipv6_writer, ipaddr_reader,
			  instance_entry_host_ip, job_names,
			  tunnel_kind, instance_entry_json, instance_entry_json_dual, table_round_trip,
			  table_from_oakestra, table_from_oakestra_cluster_v6, table_from_oakestra_root,
			  table_bad_v6_values, table_parse_errors, error_body);
}
