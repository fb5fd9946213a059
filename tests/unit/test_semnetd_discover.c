// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd's endpoint discovery without I/O (daemon/node/discover_match.c,
 * daemon/LINKS.md §4): which datagram answers the running request (from
 * the cluster's address and one of its two ports, with the run's nonce
 * and the port it came from as "via"), and what two answers say about the
 * node's NAT:
 *
 *   node 10.0.0.2, WireGuard port 51820 --> cluster 192.0.2.1:3478 and :3479
 *   both see 10.0.0.2:51820             --> none (public)
 *   both see 198.51.100.7:P (same P)    --> eim, port_preserved iff P = 51820
 *   different mappings                  --> symmetric
 */
#include <arpa/inet.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/discover_match.h"

#define NONCE "00112233445566778899aabbccddeeff"
#define OTHER "ffeeddccbbaa99887766554433221100"

static struct semnetd_stun_run run;

static void setup(void)
{
	memset(&run, 0, sizeof(run));
	ck_assert(sn_ipaddr_parse("192.0.2.1", &run.cluster));
	run.port = 3478;
	memcpy(run.nonce, NONCE, sizeof(NONCE));
}

static struct sockaddr_in from4(const char *addr, int port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	ck_assert_int_eq(inet_pton(AF_INET, addr, &in.sin_addr), 1);
	return in;
}

/* The cluster's answer for @nonce: "@addr:@port seen via @via". */
static int answer(char *buf, size_t size, const char *nonce, const char *addr, int port, int via)
{
	return snprintf(buf, size, "{\"semnet_stun\":1,\"nonce\":\"%s\",\"addr\":\"%s\",\"port\":%d,"
			"\"via\":%d}", nonce, addr, port, via);
}

static int take(const char *src, int sport, const char *nonce, const char *addr, int port,
		int via, struct sn_err *err)
{
	struct sockaddr_in from = from4(src, sport);
	char buf[512];
	int len = answer(buf, sizeof(buf), nonce, addr, port, via);

	return semnetd_stun_take(&run, (struct sockaddr *)&from, buf, (size_t)len, err);
}

/* Both ports' answers are taken, each in its own slot. */
START_TEST(answers_taken)
{
	struct sn_err err;
	char text[SN_IPADDR_STRLEN];

	ck_assert_int_eq(take("192.0.2.1", 3479, NONCE, "198.51.100.7", 40001, 3479, &err), 1);
	ck_assert(!run.got[0] && run.got[1]);
	ck_assert_int_eq(take("192.0.2.1", 3478, NONCE, "198.51.100.7", 40000, 3478, &err), 0);
	ck_assert(run.got[0]);
	ck_assert_str_eq(sn_ipaddr_format(&run.mapped[0], text), "198.51.100.7");
	ck_assert_int_eq(run.mapped_port[0], 40000);
	ck_assert_int_eq(run.mapped_port[1], 40001);
}
END_TEST

/* Forgeries and strays change nothing, and say why. */
START_TEST(strays_ignored)
{
	static const struct {
		const char *src;
		int sport;
		const char *nonce;
		int via;
		const char *why;
	} bad[] = {
		{ "192.0.2.99", 3478, NONCE, 3478, "an answer from 192.0.2.99, not the cluster" },
		{ "192.0.2.1", 3480, NONCE, 3480, "an answer from port 3480, not 3478 or 3479" },
		{ "192.0.2.1", 3477, NONCE, 3477, "an answer from port 3477, not 3478 or 3479" },
		{ "192.0.2.1", 3478, OTHER, 3478, "an answer to another request (nonce " OTHER ")" },
		{ "192.0.2.1", 3478, NONCE, 3479, "an answer from port 3478 says it is port 3479's" },
	};
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(take(bad[i].src, bad[i].sport, bad[i].nonce, "198.51.100.7", 40000,
				   bad[i].via, &err) == -1, "case %zu", i);
		ck_assert_str_eq(err.msg, bad[i].why);
		ck_assert(!run.got[0] && !run.got[1]);
	}
	/* Not JSON, not IPv4/IPv6, no source. */
	{
		struct sockaddr_in from = from4("192.0.2.1", 3478);
		struct sockaddr_in6 six = { .sin6_family = AF_INET6, .sin6_port = htons(3478) };
		struct sockaddr sa = { .sa_family = AF_UNIX };

		ck_assert_int_eq(semnetd_stun_take(&run, (struct sockaddr *)&from, "junk", 4, &err),
				 -1);
		ck_assert_int_eq(semnetd_stun_take(&run, (struct sockaddr *)&six, "{}", 2, &err), -1);
		ck_assert_str_eq(err.msg, "an answer from ::, not the cluster");
		ck_assert_int_eq(semnetd_stun_take(&run, &sa, "{}", 2, &err), -1);
		ck_assert_int_eq(semnetd_stun_take(&run, NULL, "{}", 2, &err), -1);
		ck_assert(!run.got[0] && !run.got[1]);
	}
}
END_TEST

/* An IPv6 cluster: its address, not an IPv4 one, and the ports. */
START_TEST(answers_v6)
{
	struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_port = htons(3479) };
	char buf[512], text[SN_IPADDR_STRLEN];
	struct sn_err err;
	int len = answer(buf, sizeof(buf), NONCE, "2001:db8::7", 51820, 3479);

	ck_assert(sn_ipaddr_parse("2001:db8::1", &run.cluster));
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &from.sin6_addr), 1);
	ck_assert_int_eq(semnetd_stun_take(&run, (struct sockaddr *)&from, buf, (size_t)len, &err),
			 1);
	ck_assert_str_eq(sn_ipaddr_format(&run.mapped[1], text), "2001:db8::7");
	ck_assert_int_eq(take("192.0.2.1", 3478, NONCE, "198.51.100.7", 1, 3478, &err), -1);
}
END_TEST

static void mapped(int i, const char *addr, int port)
{
	ck_assert(sn_ipaddr_parse(addr, &run.mapped[i]));
	run.mapped_port[i] = port;
	run.got[i] = true;
}

static void ck_class(enum sn_link_nat nat, const char *pub, int port, bool preserved)
{
	struct sn_ipaddr local;
	struct semnetd_nat_result r;
	char text[SN_IPADDR_STRLEN];

	ck_assert(sn_ipaddr_parse("10.0.0.2", &local));
	semnetd_nat_classify(&run, &local, 51820, &r);
	ck_assert_str_eq(sn_link_nat_name(r.nat), sn_link_nat_name(nat));
	ck_assert_str_eq(sn_ipaddr_format(&r.public_addr, text), pub);
	ck_assert_int_eq(r.public_port, port);
	ck_assert(r.port_preserved == preserved);
}

START_TEST(classify)
{
	/* Public: both saw the node's own endpoint. */
	mapped(0, "10.0.0.2", 51820);
	mapped(1, "10.0.0.2", 51820);
	ck_class(SN_NAT_NONE, "10.0.0.2", 51820, true);
	/* Its own address but another port: a NAT on the host (eim). */
	mapped(0, "10.0.0.2", 40000);
	mapped(1, "10.0.0.2", 40000);
	ck_class(SN_NAT_EIM, "10.0.0.2", 40000, false);
	/* Own endpoint towards one port only: a mapping per destination. */
	mapped(0, "10.0.0.2", 51820);
	mapped(1, "10.0.0.2", 40000);
	ck_class(SN_NAT_SYMMETRIC, "10.0.0.2", 51820, false);
	/* EIM, the port kept (Linux masquerade with the port free). */
	mapped(0, "198.51.100.7", 51820);
	mapped(1, "198.51.100.7", 51820);
	ck_class(SN_NAT_EIM, "198.51.100.7", 51820, true);
	/* EIM, another port. */
	mapped(0, "198.51.100.7", 1024);
	mapped(1, "198.51.100.7", 1024);
	ck_class(SN_NAT_EIM, "198.51.100.7", 1024, false);
	/* Symmetric: a port per destination. */
	mapped(0, "198.51.100.7", 31000);
	mapped(1, "198.51.100.7", 31001);
	ck_class(SN_NAT_SYMMETRIC, "198.51.100.7", 31000, false);
	/* Symmetric keeping one port. */
	mapped(0, "198.51.100.7", 31000);
	mapped(1, "198.51.100.7", 51820);
	ck_class(SN_NAT_SYMMETRIC, "198.51.100.7", 31000, false);
	/* Symmetric by address (a NAT pool), ports kept. */
	mapped(0, "198.51.100.7", 51820);
	mapped(1, "198.51.100.8", 51820);
	ck_class(SN_NAT_SYMMETRIC, "198.51.100.7", 51820, true);
	/* IPv6 with a prefix translator. */
	mapped(0, "2001:db8::7", 51820);
	mapped(1, "2001:db8::7", 51820);
	ck_class(SN_NAT_EIM, "2001:db8::7", 51820, true);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_discover", setup, NULL, 0, answers_taken, strays_ignored,
			  answers_v6, classify);
}
