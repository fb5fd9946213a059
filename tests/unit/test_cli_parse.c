// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the semnet CLI's argument parsers (daemon/cli/parse.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/cli/parse.h"

static uint32_t A(const char *s)
{
	struct in_addr in;

	ck_assert_int_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

START_TEST(addr_valid)
{
	static const char *const ok[] = {
		"0.0.0.0", "255.255.255.255", "172.30.0.10", "10.0.0.1", "1.2.3.4",
		"192.168.100.200", "0.0.0.1",
	};
	uint32_t be;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		be = 0xdeadbeef;
		ck_assert_msg(sn_parse_addr(ok[i], &be) == 0, "rejected %s", ok[i]);
		ck_assert_uint_eq(be, A(ok[i]));
	}
	/* Network byte order: the first octet is the first byte in memory. */
	ck_assert_int_eq(sn_parse_addr("172.30.0.10", &be), 0);
	ck_assert_uint_eq(((uint8_t *)&be)[0], 172);
	ck_assert_uint_eq(((uint8_t *)&be)[3], 10);
}
END_TEST

START_TEST(addr_invalid)
{
	static const char *const bad[] = {
		"", "1", "1.2", "1.2.3", "1.2.3.4.5", "172.30.0.300", "256.0.0.0",
		"1.2.3.-4", "-1.2.3.4", "+1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
		"1.2.3.", ".1.2.3", "01.2.3.4", "1.2.3.04", "1.2.3.00", "0x1.2.3.4",
		"1.2.3.4/32", "a.b.c.d", "1.2.3.4x", "1234.2.3.4", "1.2.3.1000",
		"4294967295", "::1", "1.2.3.4\n",
	};
	uint32_t be = 0x12345678;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sn_parse_addr(bad[i], &be) == -EINVAL, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(sn_parse_addr(NULL, &be), -EINVAL);
	/* A failed parse leaves the output alone. */
	ck_assert_uint_eq(be, 0x12345678);
}
END_TEST

START_TEST(prefix_valid)
{
	struct sn_prefix p;
	char err[SN_ERR_MAX];

	ck_assert_int_eq(sn_parse_prefix("172.16.0.0/12", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.addr, A("172.16.0.0"));
	ck_assert_uint_eq(p.len, 12);
	ck_assert_int_eq(sn_parse_prefix("172.16.0.64/26", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.addr, A("172.16.0.64"));
	ck_assert_uint_eq(p.len, 26);
	ck_assert_int_eq(sn_parse_prefix("0.0.0.0/0", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(sn_parse_prefix("10.1.2.3/32", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.addr, A("10.1.2.3"));
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(sn_parse_prefix("10.18.0.0/16", &p, NULL, 0), 0);
}
END_TEST

START_TEST(prefix_host_bits)
{
	struct sn_prefix p = { .addr = 7, .len = 7 };
	char err[SN_ERR_MAX];

	ck_assert_int_eq(sn_parse_prefix("172.16.0.5/26", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean 172.16.0.0/26?)");
	ck_assert_int_eq(sn_parse_prefix("172.16.0.0/11", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean 172.0.0.0/11?)");
	ck_assert_int_eq(sn_parse_prefix("1.2.3.4/0", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean 0.0.0.0/0?)");
	ck_assert_int_eq(sn_parse_prefix("172.16.0.65/31", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean 172.16.0.64/31?)");
	/* Untouched on failure. */
	ck_assert_uint_eq(p.addr, 7);
	ck_assert_uint_eq(p.len, 7);
}
END_TEST

START_TEST(prefix_invalid)
{
	static const char *const bad_len[] = {
		"1.2.3.0/33", "1.2.3.0/-1", "1.2.3.0/", "1.2.3.0/24x", "1.2.3.0/024",
		"1.2.3.0/00", "1.2.3.0/4294967320", "1.2.3.0/ 24", "1.2.3.0/+24",
		"1.2.3.0/99999999999999999999999", "1.2.3.0/24/24",
	};
	static const char *const bad_addr[] = {
		"1.2.3/24", "1.2.3.300/24", "/24", "x/24", "01.2.3.0/24",
		"1.2.3.0.0/24", "1111111111111111111111111/8",
	};
	struct sn_prefix p;
	char err[SN_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		ck_assert_msg(sn_parse_prefix(bad_len[i], &p, err, sizeof(err)) == -EINVAL,
			      "accepted \"%s\"", bad_len[i]);
		ck_assert_str_eq(err, "length must be 0..32");
	}
	for (i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++) {
		ck_assert_msg(sn_parse_prefix(bad_addr[i], &p, err, sizeof(err)) == -EINVAL,
			      "accepted \"%s\"", bad_addr[i]);
		ck_assert_str_eq(err, "bad address");
	}
	ck_assert_int_eq(sn_parse_prefix("172.16.0.0", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "no /LEN (like 172.16.0.0/26)");
	ck_assert_int_eq(sn_parse_prefix("", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_parse_prefix(NULL, &p, err, sizeof(err)), -EINVAL);
	/* A tiny buffer truncates, never overflows. */
	ck_assert_int_eq(sn_parse_prefix("172.16.0.5/26", &p, err, 5), -EDOM);
	ck_assert_str_eq(err, "host");
}
END_TEST

START_TEST(prefix_mask)
{
	ck_assert_uint_eq(sn_prefix_mask(0), 0);
	ck_assert_uint_eq(sn_prefix_mask(1), 0x80000000u);
	ck_assert_uint_eq(sn_prefix_mask(12), 0xfff00000u);
	ck_assert_uint_eq(sn_prefix_mask(26), 0xffffffc0u);
	ck_assert_uint_eq(sn_prefix_mask(31), 0xfffffffeu);
	ck_assert_uint_eq(sn_prefix_mask(32), 0xffffffffu);
}
END_TEST

START_TEST(uint_valid)
{
	uint64_t v;

	ck_assert_int_eq(sn_parse_uint("0", UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(sn_parse_uint("7440", UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 7440);
	ck_assert_int_eq(sn_parse_uint("4294967295", UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, 4294967295u);
	ck_assert_int_eq(sn_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(sn_parse_uint("32", 32, &v), 0);
	ck_assert_uint_eq(v, 32);
	ck_assert_int_eq(sn_parse_uint("007", 10, &v), 0);
	ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(uint_overflow)
{
	uint64_t v = 42;

	ck_assert_int_eq(sn_parse_uint("4294967296", UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("99999999999", UINT32_MAX, &v), -ERANGE);
	/* Would wrap a uint64_t to a small number if unchecked. */
	ck_assert_int_eq(sn_parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("18446744073709551625", UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("36893488147419103232", UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("33", 32, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("9", 5, &v), -ERANGE);
	ck_assert_int_eq(sn_parse_uint("1", 0, &v), -ERANGE);
	ck_assert_uint_eq(v, 42);
}
END_TEST

START_TEST(uint_invalid)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.5", "12s", "abc", "-0",
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sn_parse_uint(bad[i], UINT32_MAX, &v) == -EINVAL,
			      "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(sn_parse_uint(NULL, UINT32_MAX, &v), -EINVAL);
}
END_TEST

START_TEST(names)
{
	char err[SN_ERR_MAX], longname[SEMNET_NAME_MAX + 1];

	ck_assert_int_eq(sn_check_name("app.ns.svc.ns", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_name("x", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_name("", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "empty");
	ck_assert_int_eq(sn_check_name("a b", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "only printable ASCII without spaces");
	ck_assert_int_eq(sn_check_name("a\tb", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_name("caf\xc3\xa9", err, sizeof(err)), -EINVAL);
	memset(longname, 'a', sizeof(longname));
	longname[SEMNET_NAME_MAX - 1] = '\0';		/* 127 bytes: fits */
	ck_assert_int_eq(sn_check_name(longname, err, sizeof(err)), 0);
	longname[SEMNET_NAME_MAX - 1] = 'a';
	longname[SEMNET_NAME_MAX] = '\0';		/* 128 bytes: too long */
	ck_assert_int_eq(sn_check_name(longname, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "longer than 127 bytes");

	ck_assert_int_eq(sn_check_policy("rr", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_policy("random", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_policy("maglev_2-x", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_policy("RR", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_policy("", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_policy("r r", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_policy("aaaaaaaaaaaaaaa", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_policy("aaaaaaaaaaaaaaaa", err, sizeof(err)), -EINVAL);

	ck_assert_int_eq(sn_check_ifname("br0", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_ifname("semnet-br.10", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_ifname("123456789012345", err, sizeof(err)), 0);
	ck_assert_int_eq(sn_check_ifname("1234567890123456", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_ifname("", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_ifname("a/b", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_ifname("a:1", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_ifname("a b", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_check_ifname("..", err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(lookup)
{
	static const char *const words[] = {
		"show", "set", "service", "services", "del", NULL,
	};

	ck_assert_int_eq(sn_lookup(words, "show"), 0);
	ck_assert_int_eq(sn_lookup(words, "sh"), 0);
	ck_assert_int_eq(sn_lookup(words, "set"), 1);
	/* An exact match wins over being a prefix of a longer word. */
	ck_assert_int_eq(sn_lookup(words, "service"), 2);
	ck_assert_int_eq(sn_lookup(words, "services"), 3);
	ck_assert_int_eq(sn_lookup(words, "d"), 4);
	ck_assert_int_eq(sn_lookup(words, "s"), -EAGAIN);
	ck_assert_int_eq(sn_lookup(words, "se"), -EAGAIN);
	ck_assert_int_eq(sn_lookup(words, "serv"), -EAGAIN);
	ck_assert_int_eq(sn_lookup(words, "showx"), -ENOENT);
	ck_assert_int_eq(sn_lookup(words, "x"), -ENOENT);
	ck_assert_int_eq(sn_lookup(words, ""), -ENOENT);
	ck_assert_int_eq(sn_lookup(words, "SHOW"), -ENOENT);
}
END_TEST

enum { K_PLATFORM, K_SERVICES, K_SUBNET, K_GATEWAY, K_BRIDGE, K_FLOW_MAX, K_TCP,
       K_TCP_CLOSE, K_NODE, K_POLICY, K_NAME, K_N };

static const struct sn_kw table[] = {
	[K_PLATFORM] = { SN_KW("platform", SN_KW_PREFIX, SN_KW_REQUIRED, 0, NULL) },
	[K_SERVICES] = { SN_KW("services", SN_KW_PREFIX, 0, 0, NULL) },
	[K_SUBNET] = { SN_KW("subnet", SN_KW_PREFIX, SN_KW_REQUIRED | SN_KW_MULTI, 0, NULL) },
	[K_GATEWAY] = { SN_KW("gateway", SN_KW_ADDR, 0, 0, NULL) },
	[K_BRIDGE] = { SN_KW("bridge", SN_KW_IFNAME, 0, 0, NULL) },
	[K_FLOW_MAX] = { SN_KW("flow-max", SN_KW_U32, 0, 1, NULL) },
	[K_TCP] = { SN_KW("timeout-tcp", SN_KW_U32, 0, 0, NULL) },
	[K_TCP_CLOSE] = { SN_KW("timeout-tcp-close", SN_KW_U32, 0, 0, NULL) },
	[K_NODE] = { SN_KW("node", SN_KW_NODE, 0, 0, NULL) },
	[K_POLICY] = { SN_KW("policy", SN_KW_POLICY, 0, 0, NULL) },
	[K_NAME] = { SN_KW("name", SN_KW_NAME, 0, 0, NULL) },
};

/* Parses a NULL-terminated argument list against table[]. */
#define PARSE(out, err, ...) ({ \
	char *argv_[] = { __VA_ARGS__, NULL }; \
	sn_parse_keywords(table, K_N, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			  argv_, out, err, sizeof(err)); \
})

START_TEST(keywords_ok)
{
	struct sn_kwval kv[K_N];
	char err[SN_ERR_MAX] = "";

	ck_assert_int_eq(PARSE(kv, err, "platform", "172.16.0.0/12", "subnet", "172.16.0.0/26",
			       "subnet", "172.16.0.64/26", "gateway", "172.16.0.1", "bridge", "br0",
			       "flow-max", "65536", "timeout-tcp", "7440",
			       "timeout-tcp-close", "10", "node", "local", "policy", "random",
			       "name", "web.default"), 0);
	ck_assert_uint_eq(kv[K_PLATFORM].n, 1);
	ck_assert_uint_eq(kv[K_PLATFORM].v[0].prefix.addr, A("172.16.0.0"));
	ck_assert_uint_eq(kv[K_PLATFORM].v[0].prefix.len, 12);
	ck_assert_uint_eq(kv[K_SERVICES].n, 0);
	ck_assert_uint_eq(kv[K_SUBNET].n, 2);
	ck_assert_uint_eq(kv[K_SUBNET].v[1].prefix.addr, A("172.16.0.64"));
	ck_assert_uint_eq(kv[K_GATEWAY].v[0].addr, A("172.16.0.1"));
	ck_assert_str_eq(kv[K_BRIDGE].v[0].str, "br0");
	ck_assert_uint_eq(kv[K_FLOW_MAX].v[0].u32, 65536);
	/* "timeout-tcp" is exact although it prefixes "timeout-tcp-close". */
	ck_assert_uint_eq(kv[K_TCP].v[0].u32, 7440);
	ck_assert_uint_eq(kv[K_TCP_CLOSE].v[0].u32, 10);
	ck_assert_uint_eq(kv[K_NODE].v[0].addr, 0);
	ck_assert_str_eq(kv[K_POLICY].v[0].str, "random");
	ck_assert_str_eq(kv[K_NAME].v[0].str, "web.default");

	/* Abbreviations: unique prefixes. */
	ck_assert_int_eq(PARSE(kv, err, "plat", "10.0.0.0/8", "su", "10.18.0.0/26",
			       "g", "10.18.0.1", "no", "192.168.1.2", "timeout-tcp-c", "5"), 0);
	ck_assert_uint_eq(kv[K_PLATFORM].v[0].prefix.len, 8);
	ck_assert_uint_eq(kv[K_SUBNET].n, 1);
	ck_assert_uint_eq(kv[K_GATEWAY].v[0].addr, A("10.18.0.1"));
	ck_assert_uint_eq(kv[K_NODE].v[0].addr, A("192.168.1.2"));
	ck_assert_uint_eq(kv[K_TCP_CLOSE].v[0].u32, 5);
	ck_assert_uint_eq(kv[K_TCP].n, 0);
	/* Out is cleared first: nothing left over from the call before. */
	ck_assert_uint_eq(kv[K_NAME].n, 0);
	ck_assert_uint_eq(kv[K_BRIDGE].n, 0);
}
END_TEST

/* Misuses of table[], and what each says: the argument, named. */
static const struct {
	const char *args[10];
	const char *err;
} keyword_errors[] = {
	{ { "platform", "172.16.0.0/12", "subnet", "172.16.0.0/26", "polcy", "rr" },
	  "unknown keyword \"polcy\"" },
	{ { "platform", "172.16.0.0/12", "subnet" },
	  "\"subnet\" needs a prefix like 172.16.0.0/26" },
	{ { "subnet", "172.16.0.0" },
	  "\"subnet\" needs a prefix like 172.16.0.0/26, not \"172.16.0.0\"" },
	{ { "subnet", "172.16.0.1/26" },
	  "invalid prefix \"172.16.0.1/26\" for \"subnet\": "
	  "host bits set (did you mean 172.16.0.0/26?)" },
	{ { "subnet", "172.16.0.0/40" },
	  "invalid prefix \"172.16.0.0/40\" for \"subnet\": length must be 0..32" },
	{ { "gateway", "172.30.0.300" },
	  "invalid address \"172.30.0.300\" for \"gateway\"" },
	{ { "node", "remote" },
	  "invalid address \"remote\" for \"node\"" },
	{ { "flow-max", "4294967296" },
	  "number \"4294967296\" for \"flow-max\" is out of range (at most 4294967295)" },
	{ { "flow-max", "0" },
	  "number \"0\" for \"flow-max\" is out of range (at least 1)" },
	{ { "flow-max", "-1" },
	  "invalid number \"-1\" for \"flow-max\"" },
	{ { "timeout-tcp", "30s" },
	  "invalid number \"30s\" for \"timeout-tcp\"" },
	{ { "policy", "Round Robin" },
	  "invalid policy \"Round Robin\" for \"policy\": "
	  "1 to 15 of a-z, 0-9, - and _, like rr or random" },
	{ { "name", "a b" },
	  "invalid name \"a b\" for \"name\": only printable ASCII without spaces" },
	{ { "bridge", "br/0" },
	  "invalid interface name \"br/0\" for \"bridge\": no /, : or whitespace" },
	/* Ambiguous abbreviation: the candidates are named. */
	{ { "s", "x" },
	  "ambiguous keyword \"s\" (services, subnet)" },
	{ { "timeout", "1" },
	  "ambiguous keyword \"timeout\" (timeout-tcp, timeout-tcp-close)" },
	/* Twice. */
	{ { "platform", "10.0.0.0/8", "platform", "10.0.0.0/8" },
	  "\"platform\" given twice" },
	{ { "name", "a", "name", "b" },
	  "\"name\" given twice" },
	/* Missing required ones, named with their value. */
	{ { "subnet", "10.0.0.0/26" },
	  "missing \"platform PREFIX\"" },
	{ { "platform", "10.0.0.0/8" },
	  "missing \"subnet PREFIX\"" },
};

START_TEST(keywords_errors)
{
	struct sn_kwval kv[K_N];
	char err[SN_ERR_MAX];
	size_t i;
	int argc;

	for (i = 0; i < sizeof(keyword_errors) / sizeof(keyword_errors[0]); i++) {
		const char *const *args = keyword_errors[i].args;

		for (argc = 0; args[argc]; argc++)
			;
		err[0] = '\0';
		ck_assert_int_eq(sn_parse_keywords(table, K_N, argc, (char *const *)args, kv, err,
						   sizeof(err)), -EINVAL);
		ck_assert_str_eq(err, keyword_errors[i].err);
	}
	ck_assert_int_eq(PARSE(kv, err, "timeout-tcp", "0", "platform", "10.0.0.0/8",
			       "subnet", "10.0.0.0/26"), 0);	/* min 0: 0 is fine */
	ck_assert_uint_eq(kv[K_TCP].v[0].u32, 0);
	/* A value that happens to be a keyword is still a value. */
	ck_assert_int_eq(PARSE(kv, err, "platform", "10.0.0.0/8", "subnet", "10.0.0.0/26",
			       "name", "policy"), 0);
	ck_assert_str_eq(kv[K_NAME].v[0].str, "policy");
}
END_TEST

/*
 * The same value twice for a repeatable keyword is an error, said after
 * any missing keyword; with optional, no keyword is required.
 */
START_TEST(keywords_repeat_optional)
{
	char *twice[] = { "subnet", "10.0.0.0/26", "subnet", "10.0.0.64/26",
			  "subnet", "10.0.0.0/26", "platform", "10.0.0.0/8" };
	struct sn_kwval kv[K_N];
	char err[SN_ERR_MAX] = "";

	ck_assert_int_eq(sn_parse_keywords(table, K_N, 8, twice, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "subnet 10.0.0.0/26 given twice");
	ck_assert_int_eq(sn_parse_keywords(table, K_N, 6, twice, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "missing \"platform PREFIX\"");
	ck_assert_int_eq(sn_parse_keywords_opt(table, K_N, true, 6, twice, kv, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "subnet 10.0.0.0/26 given twice");
	ck_assert_int_eq(sn_parse_keywords_opt(table, K_N, true, 4, twice, kv, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(kv[K_SUBNET].n, 2);
	ck_assert_uint_eq(kv[K_PLATFORM].n, 0);
	ck_assert_int_eq(sn_parse_keywords_opt(table, K_N, true, 0, NULL, kv, err, sizeof(err)),
			 0);
	ck_assert_str_eq(sn_kw_meta(SN_KW_PREFIX), "PREFIX");
	ck_assert_str_eq(sn_kw_meta(SN_KW_COST), "N|unknown");
	ck_assert_str_eq(sn_kw_meta(SN_KW_FLAG), "");
	ck_assert_str_eq(sn_kw_meta((enum sn_kw_type)99), "VALUE");
}
END_TEST

START_TEST(keywords_multi_limit)
{
	struct sn_kwval kv[K_N];
	char err[SN_ERR_MAX] = "";

	ck_assert_int_eq(PARSE(kv, err, "platform", "10.0.0.0/8",
			       "subnet", "10.0.0.0/26", "subnet", "10.0.0.64/26",
			       "subnet", "10.0.0.128/26", "subnet", "10.0.0.192/26",
			       "subnet", "10.0.1.0/26", "subnet", "10.0.1.64/26",
			       "subnet", "10.0.1.128/26", "subnet", "10.0.1.192/26"), 0);
	ck_assert_uint_eq(kv[K_SUBNET].n, SEMNET_SUBNETS_MAX);
	ck_assert_uint_eq(kv[K_SUBNET].v[7].prefix.addr, A("10.0.1.192"));
	ck_assert_int_eq(PARSE(kv, err, "platform", "10.0.0.0/8",
			       "subnet", "10.0.0.0/26", "subnet", "10.0.0.64/26",
			       "subnet", "10.0.0.128/26", "subnet", "10.0.0.192/26",
			       "subnet", "10.0.1.0/26", "subnet", "10.0.1.64/26",
			       "subnet", "10.0.1.128/26", "subnet", "10.0.1.192/26",
			       "subnet", "10.0.2.0/26"), -EINVAL);
	ck_assert_str_eq(err, "too many \"subnet\" (at most 8)");
}
END_TEST

START_TEST(keywords_empty)
{
	static const struct sn_kw optional[] = {
		{ SN_KW("service", SN_KW_NAME, 0, 0, NULL) },
	};
	struct sn_kwval kv[1];
	char err[SN_ERR_MAX] = "";

	kv[0].n = 5;
	ck_assert_int_eq(sn_parse_keywords(optional, 1, 0, NULL, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[0].n, 0);
}
END_TEST

/* A deterministic xorshift, so a failure reproduces. */
static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A random string over characters that addresses and prefixes are made of. */
static void random_arg(char *buf, size_t len)
{
	static const char alphabet[] = "0123456789....//12525x- ";
	size_t n = rnd() % (len - 1), i;

	for (i = 0; i < n; i++)
		buf[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

/* Plausible dotted quads with random damage: most close calls are here. */
static void random_quad(char *buf, size_t len)
{
	unsigned int v[4], i;

	for (i = 0; i < 4; i++)
		v[i] = rnd() % 4 ? rnd() % 256 : rnd() % 1000;
	snprintf(buf, len, "%s%u.%u.%u.%u%s", rnd() % 16 ? "" : "0", v[0], v[1], v[2], v[3],
		 rnd() % 3 ? "" : "/");
	if (buf[strlen(buf) - 1] == '/' && strlen(buf) + 3 < len)
		snprintf(buf + strlen(buf), len - strlen(buf), "%u", rnd() % 40);
}

START_TEST(addr_differential)
{
	char s[24], back[INET_ADDRSTRLEN];
	struct in_addr in;
	uint32_t be;
	int i, mine, libc, accepted = 0;

	/* sn_parse_addr() must agree with glibc's inet_pton() (which also
	 * refuses leading zeros), and what it accepts must print back the same. */
	for (i = 0; i < 100000; i++) {
		if (i % 2)
			random_arg(s, sizeof(s));
		else
			random_quad(s, sizeof(s));
		mine = sn_parse_addr(s, &be) == 0;
		libc = inet_pton(AF_INET, s, &in) == 1;
		ck_assert_msg(mine == libc, "\"%s\": sn_parse_addr %d, inet_pton %d", s, mine, libc);
		if (!mine)
			continue;
		accepted++;
		ck_assert_uint_eq(be, in.s_addr);
		inet_ntop(AF_INET, &in, back, sizeof(back));
		ck_assert_str_eq(back, s);
	}
	ck_assert_int_gt(accepted, 5000);	/* the generator does reach valid ones */
}
END_TEST

START_TEST(prefix_roundtrip)
{
	char s[32], back[INET_ADDRSTRLEN + 4], err[SN_ERR_MAX];
	struct sn_prefix p;
	struct in_addr in;
	int i, ret, accepted = 0, host_bits = 0;

	for (i = 0; i < 100000; i++) {
		if (i % 2)
			random_arg(s, sizeof(s));
		else
			random_quad(s, sizeof(s));
		err[0] = '\0';
		ret = sn_parse_prefix(s, &p, err, sizeof(err));
		if (ret < 0) {
			ck_assert_msg(ret == -EINVAL || ret == -EDOM, "\"%s\": %d", s, ret);
			ck_assert_msg(err[0], "\"%s\": no message", s);
			host_bits += ret == -EDOM;
			continue;
		}
		accepted++;
		/* Accepted: canonical, so it prints back as given, and a network. */
		in.s_addr = p.addr;
		inet_ntop(AF_INET, &in, back, INET_ADDRSTRLEN);
		snprintf(back + strlen(back), sizeof(back) - strlen(back), "/%u", p.len);
		ck_assert_str_eq(back, s);
		ck_assert_uint_le(p.len, 32);
		ck_assert_uint_eq(ntohl(p.addr) & ~sn_prefix_mask(p.len), 0);
	}
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_gt(host_bits, 500);
}
END_TEST

START_TEST(uint_differential)
{
	char s[32];
	uint64_t v, max;
	unsigned long long ref;
	char *end;
	int i, ret;

	/* Against strtoull on plain digit strings (where it is exact). */
	for (i = 0; i < 100000; i++) {
		size_t n = 1 + rnd() % 22, k;

		for (k = 0; k < n; k++)
			s[k] = (char)('0' + rnd() % 10);
		s[n] = '\0';
		max = rnd() % 2 ? UINT32_MAX : UINT64_MAX;
		errno = 0;
		ref = strtoull(s, &end, 10);
		ret = sn_parse_uint(s, max, &v);
		if (errno == ERANGE || ref > max) {
			ck_assert_msg(ret == -ERANGE, "\"%s\" max %llu: %d", s,
				      (unsigned long long)max, ret);
		} else {
			ck_assert_msg(ret == 0, "\"%s\": %d", s, ret);
			ck_assert(v == ref);
		}
	}
}
END_TEST

START_TEST(keywords_port_word)
{
	static const char *const encaps[] = { "gre-udp", "ipudp", "ip", NULL };
	static const struct sn_kw kw[] = {
		{ SN_KW("port", SN_KW_PORT, 0, 0, NULL) },
		{ SN_KW("encap", SN_KW_WORD, 0, 0, encaps) },
	};
	struct sn_kwval kv[2];
	char err[SN_ERR_MAX];
	char *ok[] = { "port", "65535", "encap", "gre", NULL };
	char *ip[] = { "encap", "ip", NULL };
	char *bad_port[] = { "port", "0", NULL };
	char *big_port[] = { "port", "65536", NULL };
	char *bad_word[] = { "encap", "vxlan", NULL };
	char *amb_word[] = { "encap", "i", NULL };

	ck_assert_int_eq(sn_parse_keywords(kw, 2, 4, ok, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[0].v[0].u32, 65535);
	ck_assert_uint_eq(kv[1].v[0].u32, 0);		/* "gre" abbreviates gre-udp */
	ck_assert_int_eq(sn_parse_keywords(kw, 2, 2, ip, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[1].v[0].u32, 2);		/* exact beats prefix of ipudp */
	ck_assert_int_eq(sn_parse_keywords(kw, 2, 2, bad_port, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid port \"0\" for \"port\" (1..65535)");
	ck_assert_int_eq(sn_parse_keywords(kw, 2, 2, big_port, kv, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_parse_keywords(kw, 2, 2, bad_word, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid encap \"vxlan\" (one of: gre-udp, ipudp, ip)");
	ck_assert_int_eq(sn_parse_keywords(kw, 2, 2, amb_word, kv, err, sizeof(err)), -EINVAL);
}
END_TEST

/* Flags take no value; a cost is a number below UNKNOWN, or "unknown". */
START_TEST(keywords_flag_cost)
{
	static const struct sn_kw kw[] = {
		{ SN_KW("cost", SN_KW_COST, 0, 0, NULL) },
		{ SN_KW("up", SN_KW_FLAG, 0, 0, NULL) },
		{ SN_KW("down", SN_KW_FLAG, 0, 0, NULL) },
		{ SN_KW("via", SN_KW_ADDR, 0, 0, NULL) },
	};
	struct sn_kwval kv[4];
	char err[SN_ERR_MAX];
	char *flag_first[] = { "down", "cost", "5000", NULL };
	char *flag_last[] = { "via", "10.0.0.2", "cost", "0", "up", NULL };
	char *flag_only[] = { "d", NULL };
	char *unknown[] = { "cost", "unknown", NULL };
	char *max[] = { "cost", "4294967294", NULL };
	char *too_big[] = { "cost", "4294967295", NULL };
	char *neg[] = { "cost", "-1", NULL };
	char *word[] = { "cost", "far", NULL };
	char *twice[] = { "up", "up", NULL };
	char *flag_value[] = { "up", "1", NULL };
	char *no_value[] = { "down", "cost", NULL };
	static const struct sn_kw req[] = {
		{ SN_KW("down", SN_KW_FLAG, SN_KW_REQUIRED, 0, NULL) },
	};
	char *none[] = { NULL };

	ck_assert_int_eq(sn_parse_keywords(kw, 4, 3, flag_first, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[2].n, 1);
	ck_assert_uint_eq(kv[1].n, 0);
	ck_assert_uint_eq(kv[0].v[0].u32, 5000);
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 5, flag_last, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[0].v[0].u32, 0);
	ck_assert_uint_eq(kv[1].n, 1);
	ck_assert_uint_eq(kv[3].v[0].addr, htonl(0x0a000002));
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 1, flag_only, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[2].n, 1);			/* "d" abbreviates down */
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, unknown, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[0].v[0].u32, SEMNET_PEER_COST_UNKNOWN);
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, max, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[0].v[0].u32, 4294967294u);
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, too_big, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "number \"4294967295\" for \"cost\" is out of range "
			 "(at most 4294967294, or \"unknown\")");
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, neg, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid cost \"-1\" (a number or \"unknown\")");
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, word, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "invalid cost \"far\" (a number or \"unknown\")");
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, twice, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "\"up\" given twice");
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, flag_value, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "unknown keyword \"1\"");
	ck_assert_int_eq(sn_parse_keywords(kw, 4, 2, no_value, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "\"cost\" needs a number or \"unknown\"");
	ck_assert_int_eq(sn_parse_keywords(req, 1, 0, none, kv, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "missing \"down\"");
	ck_assert_str_eq(sn_kw_meta(SN_KW_COST), "N|unknown");
}
END_TEST

/* One batch line split into words (sn_split_words), compared as "a|b|c". */
static const char *split(const char *line, int max, int *argc, char *err, size_t errlen)
{
	static char buf[512], joined[512];
	char *argv[16];
	size_t used = 0;
	int i;

	ck_assert_int_lt(max, 16);
	snprintf(buf, sizeof(buf), "%s", line);
	*argc = sn_split_words(buf, argv, max, err, errlen);
	joined[0] = '\0';
	for (i = 0; i < *argc; i++)
		used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s",
					 i ? "|" : "", argv[i]);
	if (*argc >= 0)
		ck_assert_ptr_null(argv[*argc]);
	return joined;
}

START_TEST(split_words)
{
	static const struct {
		const char *line;
		int argc;
		const char *words;
	} ok[] = {
		{ "", 0, "" },
		{ "   \t \r\n", 0, "" },
		{ "# a comment", 0, "" },
		{ "   # indented comment \"unterminated", 0, "" },
		{ "service add 172.30.0.10 name web", 5, "service|add|172.30.0.10|name|web" },
		{ "  service\tdel  172.30.0.10  \r\n", 3, "service|del|172.30.0.10" },
		{ "service show # the rest is a comment", 2, "service|show" },
		/* A # inside a word is part of it (names may hold one). */
		{ "service add 172.30.0.10 name a#b", 5, "service|add|172.30.0.10|name|a#b" },
		{ "x \"two words\" 'single # quoted' y", 4, "x|two words|single # quoted|y" },
		{ "x \"it's\" '\"q\"'", 3, "x|it's|\"q\"" },
		{ "\"\" ''", 2, "|" },
		{ "a\"b c", 2, "a\"b|c" },
		{ "a b c d e f g h", 8, "a|b|c|d|e|f|g|h" },
	};
	static const struct {
		const char *line;
		const char *err;
	} bad[] = {
		{ "service add \"web", "no closing \"" },
		{ "service add 'web", "no closing '" },
		{ "service add \"web\"x", "text right after a closing quote" },
		{ "a b c d e f g h i", "more than 8 words" },
	};
	char err[SN_ERR_MAX];
	const char *words;
	size_t i;
	int argc;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		words = split(ok[i].line, 8, &argc, err, sizeof(err));
		ck_assert_msg(argc == ok[i].argc, "\"%s\": %d words, not %d", ok[i].line,
			      argc, ok[i].argc);
		ck_assert_str_eq(words, ok[i].words);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		split(bad[i].line, 8, &argc, err, sizeof(err));
		ck_assert_msg(argc == -EINVAL, "\"%s\" accepted", bad[i].line);
		ck_assert_str_eq(err, bad[i].err);
	}
	/* No room for an error message: still an error. */
	split("\"open", 8, &argc, NULL, 0);
	ck_assert_int_eq(argc, -EINVAL);
}
END_TEST

/* --- IPv6 --- */

static struct in6_addr A6(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

START_TEST(addr6)
{
	static const char *const ok[] = {
		"::", "::1", "fdff::1", "FDFF:2000:0::1", "fc00:0:0:0:0:0:0:102",
		"2001:db8::ffff:1.2.3.4", "fe80::1:2",
	};
	static const char *const bad[] = {
		"", "1.2.3.4", "fdff:::1", "fdff::1::2", "fdff::1/128", "fdff::1%eth0",
		"[fdff::1]", "gggg::1", "fdff::10000", " ::1", "::1 ", "1:2:3:4:5:6:7:8:9",
		"fdff",
	};
	struct in6_addr a, want;
	struct sn_inaddr in;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(sn_parse_addr6(ok[i], &a) == 0, "rejected %s", ok[i]);
		want = A6(ok[i]);
		ck_assert_mem_eq(&a, &want, sizeof(a));
		ck_assert_int_eq(sn_parse_inaddr(ok[i], &in), 0);
		ck_assert_int_eq(in.family, AF_INET6);
		ck_assert_mem_eq(&in.v6, &want, sizeof(want));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sn_parse_addr6(bad[i], &a) == -EINVAL, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(sn_parse_addr6(NULL, &a), -EINVAL);
	/* Either family: a dotted quad is IPv4 (and stays strict). */
	ck_assert_int_eq(sn_parse_inaddr("172.30.0.10", &in), 0);
	ck_assert_int_eq(in.family, AF_INET);
	ck_assert_uint_eq(in.v4, A("172.30.0.10"));
	ck_assert_int_eq(sn_parse_inaddr("01.2.3.4", &in), -EINVAL);
	ck_assert_int_eq(sn_parse_inaddr("fdff", &in), -EINVAL);
}
END_TEST

START_TEST(prefix6)
{
	struct sn_prefix p = { .len = 7 };
	struct in6_addr want = A6("fc00::100");
	char err[SN_ERR_MAX];

	ck_assert_int_eq(sn_parse_prefix6("fc00::100/120", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_uint_eq(p.len, 120);
	ck_assert_mem_eq(&p.addr6, &want, sizeof(want));
	ck_assert_int_eq(sn_parse_prefix6("fc00::/7", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.len, 7);
	ck_assert_int_eq(sn_parse_prefix6("::/0", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(sn_parse_prefix6("fdff::1/128", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.len, 128);
	/* Host bits: the network named in canonical form. */
	ck_assert_int_eq(sn_parse_prefix6("fc00::101/120", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean fc00::100/120?)");
	ck_assert_int_eq(sn_parse_prefix6("FD00::/7", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean fc00::/7?)");
	ck_assert_int_eq(sn_parse_prefix6("fdff::1/127", &p, err, sizeof(err)), -EDOM);
	ck_assert_str_eq(err, "host bits set (did you mean fdff::/127?)");
	ck_assert_int_eq(sn_parse_prefix6("fc00::/129", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "length must be 0..128");
	ck_assert_int_eq(sn_parse_prefix6("fc00::/07", &p, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sn_parse_prefix6("fc00::", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "no /LEN (like fc00::/7)");
	ck_assert_int_eq(sn_parse_prefix6("10.0.0.0/8", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bad address");
	ck_assert_int_eq(sn_parse_prefix6("fc00:::/8", &p, err, sizeof(err)), -EINVAL);
	/* Either family, by the colon. */
	ck_assert_int_eq(sn_parse_prefix_any("fdff::/16", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_int_eq(sn_parse_prefix_any("172.16.0.0/26", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.addr, A("172.16.0.0"));
	ck_assert_int_eq(sn_parse_prefix_any("172.16.0.0/40", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "length must be 0..32");
}
END_TEST

/* An IPv6 twin never makes its IPv4 name's abbreviations ambiguous. */
START_TEST(lookup_twins)
{
	static const char *const words[] = {
		"platform", "services", "subnet", "platform6", "services6", "gateway6",
		"gateway", "plan", NULL,
	};
	static const char *const six_first[] = { "gateway6", "gateway", NULL };

	ck_assert_int_eq(sn_lookup(words, "platf"), 0);
	ck_assert_int_eq(sn_lookup(words, "platform6"), 3);
	ck_assert_int_eq(sn_lookup(words, "services"), 1);
	ck_assert_int_eq(sn_lookup(words, "serv"), 1);
	ck_assert_int_eq(sn_lookup(words, "gate"), 6);
	ck_assert_int_eq(sn_lookup(six_first, "g"), 1);
	ck_assert_int_eq(sn_lookup(words, "pla"), -EAGAIN);
	ck_assert_int_eq(sn_lookup(words, "s"), -EAGAIN);
}
END_TEST

enum { K6_SUBNET, K6_PLATFORM6, K6_GATEWAY6, K6_NSIP, K6_REMOTE, K6_PLATFORM, K6_N };

static const struct sn_kw table6[] = {
	[K6_SUBNET] = { SN_KW("subnet", SN_KW_PREFIX_ANY, SN_KW_MULTI, 0, NULL) },
	[K6_PLATFORM6] = { SN_KW("platform6", SN_KW_PREFIX6, 0, 0, NULL) },
	[K6_GATEWAY6] = { SN_KW("gateway6", SN_KW_ADDR6, 0, 0, NULL) },
	[K6_NSIP] = { SN_KW("nsip", SN_KW_ADDR_ANY, 0, 0, NULL) },
	[K6_REMOTE] = { SN_KW("remote", SN_KW_ADDR, 0, 0, NULL) },
	[K6_PLATFORM] = { SN_KW("platform", SN_KW_PREFIX, 0, 0, NULL) },
};

#define PARSE6(out, err, ...) ({ \
	char *argv_[] = { __VA_ARGS__, NULL }; \
	sn_parse_keywords(table6, K6_N, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			  argv_, out, err, sizeof(err)); \
})

START_TEST(keywords_v6)
{
	struct sn_kwval kv[K6_N];
	char err[SN_ERR_MAX] = "";
	struct in6_addr gw = A6("fc00::101"), nsip = A6("fc00::102");
	char *subnets[2 * 2 * SEMNET_SUBNETS_MAX + 2];
	char text[2 * SEMNET_SUBNETS_MAX + 1][32];
	int k, argc = 0;

	ck_assert_int_eq(PARSE6(kv, err, "subnet", "172.16.0.0/26", "subnet", "fc00::100/120",
				"platform6", "fc00::/7", "gateway6", "fc00::101",
				"nsip", "fc00::102"), 0);
	ck_assert_uint_eq(kv[K6_SUBNET].n, 2);
	ck_assert_int_eq(kv[K6_SUBNET].v[0].prefix.family, AF_INET);
	ck_assert_int_eq(kv[K6_SUBNET].v[1].prefix.family, AF_INET6);
	ck_assert_uint_eq(kv[K6_SUBNET].v[1].prefix.len, 120);
	ck_assert_int_eq(kv[K6_PLATFORM6].v[0].prefix.family, AF_INET6);
	ck_assert_mem_eq(&kv[K6_GATEWAY6].v[0].in.v6, &gw, sizeof(gw));
	ck_assert_int_eq(kv[K6_NSIP].v[0].in.family, AF_INET6);
	ck_assert_mem_eq(&kv[K6_NSIP].v[0].in.v6, &nsip, sizeof(nsip));
	ck_assert_int_eq(PARSE6(kv, err, "nsip", "172.16.0.2"), 0);
	ck_assert_int_eq(kv[K6_NSIP].v[0].in.family, AF_INET);
	ck_assert_uint_eq(kv[K6_NSIP].v[0].in.v4, A("172.16.0.2"));

	/* Each keyword says which family it wants. */
	ck_assert_int_eq(PARSE6(kv, err, "platform6", "172.16.0.0/12"), -EINVAL);
	ck_assert_str_eq(err, "\"platform6\" needs an IPv6 prefix like fc00::/7, not "
			 "\"172.16.0.0/12\" (IPv4 has its own keyword)");
	ck_assert_int_eq(PARSE6(kv, err, "platform", "fc00::/7"), -EINVAL);
	ck_assert_str_eq(err, "\"platform\" needs a prefix like 172.16.0.0/26, not "
			 "\"fc00::/7\" (IPv4 only here)");
	ck_assert_int_eq(PARSE6(kv, err, "gateway6", "172.16.0.1"), -EINVAL);
	ck_assert_str_eq(err, "invalid IPv6 address \"172.16.0.1\" for \"gateway6\" "
			 "(IPv4 has its own keyword)");
	ck_assert_int_eq(PARSE6(kv, err, "remote", "fdff::1"), -EINVAL);
	ck_assert_str_eq(err, "invalid address \"fdff::1\" for \"remote\" (IPv4 only here)");
	ck_assert_int_eq(PARSE6(kv, err, "nsip", "fdff::x"), -EINVAL);
	ck_assert_str_eq(err, "invalid address \"fdff::x\" for \"nsip\"");
	ck_assert_int_eq(PARSE6(kv, err, "subnet", "fc00::101/120"), -EINVAL);
	ck_assert_str_eq(err, "invalid prefix \"fc00::101/120\" for \"subnet\": "
			 "host bits set (did you mean fc00::100/120?)");
	ck_assert_int_eq(PARSE6(kv, err, "subnet", "fc00::100"), -EINVAL);
	ck_assert_str_eq(err, "\"subnet\" needs a prefix like 172.16.0.0/26 or fc00::100/120, "
			 "not \"fc00::100\"");
	/* The same value twice, spelt two ways. */
	ck_assert_int_eq(PARSE6(kv, err, "subnet", "fc00::100/120", "subnet",
				"FC00:0::100/120"), -EINVAL);
	ck_assert_str_eq(err, "subnet FC00:0::100/120 given twice");

	/* Up to SEMNET_SUBNETS_MAX of each family: 8 and 8, not 9 of one. */
	for (k = 0; k < SEMNET_SUBNETS_MAX; k++) {
		snprintf(text[2 * k], sizeof(text[0]), "10.0.%d.0/24", k);
		snprintf(text[2 * k + 1], sizeof(text[0]), "fc00::%x00/120", k + 1);
		subnets[argc++] = "subnet";
		subnets[argc++] = text[2 * k];
		subnets[argc++] = "subnet";
		subnets[argc++] = text[2 * k + 1];
	}
	ck_assert_int_eq(sn_parse_keywords(table6, K6_N, argc, subnets, kv, err, sizeof(err)), 0);
	ck_assert_uint_eq(kv[K6_SUBNET].n, 2 * SEMNET_SUBNETS_MAX);
	snprintf(text[2 * SEMNET_SUBNETS_MAX], sizeof(text[0]), "fc00::f000/120");
	subnets[argc++] = "subnet";
	subnets[argc++] = text[2 * SEMNET_SUBNETS_MAX];
	ck_assert_int_eq(sn_parse_keywords(table6, K6_N, argc, subnets, kv, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "too many IPv6 \"subnet\" (at most 8 of each family)");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cli_parse");
	TCase *tc = tcase_create("parse");

	UNIT_ADD_TESTS(tc, addr_valid, addr_invalid, prefix_valid,
		       prefix_host_bits, prefix_invalid, prefix_mask,
		       uint_valid, uint_overflow, uint_invalid, names, lookup,
		       keywords_ok, keywords_errors, keywords_repeat_optional,
		       keywords_multi_limit, keywords_empty, keywords_port_word, keywords_flag_cost,
		       addr_differential, prefix_roundtrip, uint_differential,
		       split_words, addr6, prefix6, lookup_twins, keywords_v6);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
