// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint discovery (issue 18, daemon/LINKS.md §4): the messages
 * (daemon/lib/sn_stun.c) and semnet-cluster's server (daemon/cluster/
 * stun.c) on a libuv loop in process, asked over loopback:
 *
 *   test socket (127.0.0.1 or ::1, port P) --request--> server ports S, S+1
 *              <--answer: "you are 127.0.0.1:P, via S"--
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "sn_stun.h"
#include "../../daemon/cluster/stun.h"

static const uint8_t nonce_a[SN_STUN_NONCE_LEN] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
						    0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
						    0xee, 0xff };
#define NONCE_A_HEX "00112233445566778899aabbccddeeff"

START_TEST(request_round_trip)
{
	char buf[SN_STUN_MSG_MAX], nonce[SN_STUN_NONCE_HEX];
	struct sn_err err;
	int len = sn_stun_request(nonce_a, buf, sizeof(buf));

	ck_assert_int_eq(len, SN_STUN_REQUEST_MIN);
	ck_assert_int_eq(sn_stun_request_read(buf, (size_t)len, nonce, &err), 0);
	ck_assert_str_eq(nonce, NONCE_A_HEX);
	/* Too small a buffer: refused, not cut. */
	ck_assert_int_eq(sn_stun_request(nonce_a, buf, 100), -1);
}
END_TEST

START_TEST(request_refusals)
{
	static const char *const bad[] = {
		"", "{}", "[]", "{\"semnet_stun\":2,\"nonce\":\"" NONCE_A_HEX "\"}",
		"{\"semnet_stun\":1}",
		"{\"semnet_stun\":1,\"nonce\":\"00112233445566778899AABBCCDDEEFF\"}",
		"{\"semnet_stun\":1,\"nonce\":\"00112233445566778899aabbccddeef\"}",
		"{\"semnet_stun\":1,\"nonce\":\"00112233445566778899aabbccddeeff0\"}",
		"{\"semnet_stun\":1,\"nonce\":\"0011223344556677zz99aabbccddeeff\"}",
		"{\"semnet_stun\":\"1\",\"nonce\":\"" NONCE_A_HEX "\"}",
		"{\"semnet_stun\":1,\"nonce\":\"" NONCE_A_HEX "\",\"nonce\":\"" NONCE_A_HEX "\"}",
	};
	char nonce[SN_STUN_NONCE_HEX], big[SN_STUN_MSG_MAX + 2];
	struct sn_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_msg(sn_stun_request_read(bad[i], strlen(bad[i]), nonce, &err) == -1,
			      "accepted: %s", bad[i]);
		ck_assert_msg(err.msg[0], "no reason for: %s", bad[i]);
	}
	/* Over the size limit, however well formed. */
	ck_assert_int_gt(sn_stun_request(nonce_a, big, sizeof(big)), 0);
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"semnet_stun\":1,\"nonce\":\"" NONCE_A_HEX "\"}", 60);
	ck_assert_int_eq(sn_stun_request_read(big, sizeof(big), nonce, &err), -1);
}
END_TEST

START_TEST(answer_round_trip)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(40001) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(51820) };
	char buf[SN_STUN_MSG_MAX], text[SN_IPADDR_STRLEN];
	struct sn_ipaddr addr;
	struct sn_err err;
	int port, via;

	inet_pton(AF_INET, "203.0.113.7", &in.sin_addr);
	ck_assert_int_gt(sn_stun_answer(NONCE_A_HEX, (struct sockaddr *)&in, 10112, buf,
					sizeof(buf)), 0);
	ck_assert_int_eq(sn_stun_answer_read(buf, strlen(buf), NONCE_A_HEX, &addr, &port, &via,
					     &err), 0);
	ck_assert_str_eq(sn_ipaddr_format(&addr, text), "203.0.113.7");
	ck_assert_int_eq(port, 40001);
	ck_assert_int_eq(via, 10112);
	/* Not ours: another nonce. */
	ck_assert_int_eq(sn_stun_answer_read(buf, strlen(buf), "ffffffffffffffffffffffffffffffff",
					     &addr, &port, &via, &err), -1);
	ck_assert_msg(strstr(err.msg, "another request"), "%s", err.msg);

	inet_pton(AF_INET6, "2001:db8::7", &in6.sin6_addr);
	ck_assert_int_gt(sn_stun_answer(NONCE_A_HEX, (struct sockaddr *)&in6, 10113, buf,
					sizeof(buf)), 0);
	ck_assert_int_eq(sn_stun_answer_read(buf, strlen(buf), NONCE_A_HEX, &addr, &port, &via,
					     &err), 0);
	ck_assert_str_eq(sn_ipaddr_format(&addr, text), "2001:db8::7");
	ck_assert_int_eq(port, 51820);
	/* A v4-mapped sender (a dual-stack socket) is told as IPv4. */
	inet_pton(AF_INET6, "::ffff:198.51.100.9", &in6.sin6_addr);
	ck_assert_int_gt(sn_stun_answer(NONCE_A_HEX, (struct sockaddr *)&in6, 10113, buf,
					sizeof(buf)), 0);
	ck_assert_int_eq(sn_stun_answer_read(buf, strlen(buf), NONCE_A_HEX, &addr, &port, &via,
					     &err), 0);
	ck_assert_str_eq(sn_ipaddr_format(&addr, text), "198.51.100.9");
	/* The answer is shorter than the request it answers. */
	ck_assert_int_lt((int)strlen(buf), SN_STUN_REQUEST_MIN);
}
END_TEST

/* --- the server --------------------------------------------------------- */

static uv_loop_t loop;
static struct sn_stun *server;

static void server_start(const char *addr)
{
	struct sn_err err;

	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert(server = sn_stun_new(&loop));
	ck_assert_msg(sn_stun_listen(server, addr, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_gt(sn_stun_port(server), 0);
}

static void server_stop(void)
{
	sn_stun_free(server);
	server = NULL;
	sn_loop_close_all(&loop);
}

/* A UDP socket of @family on loopback, port 0. */
static int client(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static void to(int family, int port, struct sockaddr_storage *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_loopback;
		*len = sizeof(*in6);
	}
}

static void send_bytes(int fd, int family, int port, const char *buf, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t salen;

	to(family, port, &sa, &salen);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&sa, salen), (ssize_t)len);
}

/* Runs the loop until @fd has a datagram or @ms pass; its length or -1. */
static int answer_within(int fd, int ms, char *buf, size_t size)
{
	for (int waited = 0; waited < ms; waited += 5) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		uv_run(&loop, UV_RUN_NOWAIT);
		if (poll(&p, 1, 5) == 1)
			return (int)recv(fd, buf, size, 0);
	}
	return -1;
}

static int local_port(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port :
		     ((struct sockaddr_in6 *)&sa)->sin6_port);
}

/* Asks both server ports from one socket: the same mapped port twice
 * (loopback has no NAT), each answer naming the port that gave it. */
static void ask_both(int family, const char *want_addr)
{
	char req[SN_STUN_MSG_MAX], ans[SN_STUN_MSG_MAX + 1], text[SN_IPADDR_STRLEN];
	int fd = client(family), reqlen, anslen, port, via, p0 = sn_stun_port(server);
	struct sn_ipaddr addr;
	struct sn_err err;

	reqlen = sn_stun_request(nonce_a, req, sizeof(req));
	for (int i = 0; i < 2; i++) {
		send_bytes(fd, family, p0 + i, req, (size_t)reqlen);
		anslen = answer_within(fd, 2000, ans, sizeof(ans) - 1);
		ck_assert_msg(anslen > 0, "no answer from port %d", p0 + i);
		ck_assert_msg(sn_stun_answer_read(ans, (size_t)anslen, NONCE_A_HEX, &addr, &port,
						  &via, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(sn_ipaddr_format(&addr, text), want_addr);
		ck_assert_int_eq(port, local_port(fd));
		ck_assert_int_eq(via, p0 + i);
	}
	close(fd);
}

START_TEST(server_answers_ipv4)
{
	server_start("127.0.0.1");
	ask_both(AF_INET, "127.0.0.1");
	ck_assert_uint_eq(sn_stun_stats(server)->answered, 2);
	server_stop();
}
END_TEST

START_TEST(server_answers_both_families)
{
	server_start("::");
	ask_both(AF_INET6, "::1");
	ask_both(AF_INET, "127.0.0.1");	/* v4-mapped on the dual-stack socket */
	ck_assert_uint_eq(sn_stun_stats(server)->answered, 4);
	server_stop();
}
END_TEST

/* Junk, short requests and a flood: each counted, none answered beyond
 * the rate, no answer longer than its request; then a good one works. */
START_TEST(server_refuses_and_limits)
{
	char req[SN_STUN_MSG_MAX], ans[SN_STUN_MSG_MAX];
	const struct sn_stun_stats *st;
	int fd, len, answers = 0, p0;
	uint64_t t0, elapsed;

	server_start("127.0.0.1");
	st = sn_stun_stats(server);
	p0 = sn_stun_port(server);
	fd = client(AF_INET);
	send_bytes(fd, AF_INET, p0, "hello", 5);
	send_bytes(fd, AF_INET, p0, "{\"semnet_stun\":1,\"nonce\":\"" NONCE_A_HEX "\"}", 60);
	ck_assert_int_eq(answer_within(fd, 300, ans, sizeof(ans)), -1);
	ck_assert_uint_eq(st->malformed, 1);
	ck_assert_uint_eq(st->short_requests, 1);	/* the answer would be longer */
	ck_assert_uint_eq(st->answered, 0);

	/* A flood from one socket: at most the burst (plus what the rate
	 * refills meanwhile) is answered, the rest counted. */
	len = sn_stun_request(nonce_a, req, sizeof(req));
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	for (int i = 0; i < 3 * SN_STUN_BURST; i++) {
		send_bytes(fd, AF_INET, p0 + (i & 1), req, (size_t)len);
		if (i % 50 == 49)	/* the socket buffers hold 50 at a time */
			while (answer_within(fd, 20, ans, sizeof(ans)) > 0)
				answers++;
	}
	while (answer_within(fd, 200, ans, sizeof(ans)) > 0)
		answers++;
	uv_update_time(&loop);
	elapsed = uv_now(&loop) - t0;
	ck_assert_uint_eq(st->answered, (uint64_t)answers);
	ck_assert_int_ge(answers, SN_STUN_BURST);
	/* The bucket: its burst and what the rate refilled meanwhile. */
	ck_assert_msg(answers <= SN_STUN_BURST + (int)(elapsed * SN_STUN_RATE / 1000) + 1,
		      "%d answers to a flood in %llu ms", answers, (unsigned long long)elapsed);
	ck_assert_uint_ge(st->limited, 1);
	ck_assert_uint_eq(st->answered + st->limited + st->send_failed, 3 * SN_STUN_BURST);
	close(fd);
	server_stop();
}
END_TEST

START_TEST(listen_errors)
{
	struct sn_err err;
	struct sn_stun *other;

	server_start("127.0.0.1");
	ck_assert(other = sn_stun_new(&loop));
	/* Its ports are taken. */
	ck_assert_int_eq(sn_stun_listen(other, "127.0.0.1", sn_stun_port(server), &err), -1);
	ck_assert_msg(strstr(err.msg, "cannot listen"), "%s", err.msg);
	ck_assert_int_eq(sn_stun_listen(other, "no-address", 10112, &err), -1);
	ck_assert_msg(strstr(err.msg, "not an IP address"), "%s", err.msg);
	ck_assert_int_eq(sn_stun_listen(other, "127.0.0.1", 65535, &err), -1);
	sn_stun_free(other);
	ck_assert_int_eq(sn_stun_listen(server, "127.0.0.1", 0, &err), -1);
	ck_assert_msg(strstr(err.msg, "already listening"), "%s", err.msg);
	server_stop();
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("stun", NULL, NULL, 30, request_round_trip, request_refusals,
			  answer_round_trip, server_answers_ipv4, server_answers_both_families,
			  server_refuses_and_limits, listen_errors);
}
