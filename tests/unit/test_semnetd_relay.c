// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd's relay (daemon/node/relay.c) on a libuv loop in process, with
 * loopback addresses as the nodes:
 *
 *   node x 127.0.0.2 (slot 1) --> relay 127.0.0.1:base+2 ("for y") --+
 *   node y 127.0.0.3 (slot 2) <-- from relay 127.0.0.1:base+1 <------+
 *   stranger 127.0.0.9: not a member
 *
 * Each datagram sent is followed by the loop until its effect shows (a
 * counter moves, a datagram arrives), never by a fixed sleep.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_log.h"
#include "sn_loop.h"
#include "../../daemon/node/relay.h"

static uv_loop_t loop;
static struct semnetd_relay *relay;
static int base;

static struct sn_ipaddr ip4(const char *text)
{
	struct sn_ipaddr a;

	ck_assert(sn_ipaddr_parse(text, &a));
	return a;
}

/* A UDP socket bound to @addr, port 0. */
static int node_socket(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

static void send_to_relay(int fd, int port, const void *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
}

/* Runs the loop until @counter differs from @before or 2 s pass. */
static void until_moves(const uint64_t *counter, uint64_t before)
{
	for (int waited = 0; waited < 2000 && *counter == before; waited += 2) {
		uv_run(&loop, UV_RUN_NOWAIT);
		if (*counter == before)
			usleep(2000);
	}
	ck_assert_msg(*counter != before, "the relay did not act within 2 s");
}

/* The datagram @fd receives within 2 s (the loop runs meanwhile): its
 * length, its source port in *@from_port; -1 for none. */
static int receive(int fd, char *buf, size_t size, int *from_port)
{
	for (int waited = 0; waited < 2000; waited += 2) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_in sa;
		socklen_t len = sizeof(sa);

		uv_run(&loop, UV_RUN_NOWAIT);
		if (poll(&p, 1, 2) == 1) {
			int n = (int)recvfrom(fd, buf, size, 0, (struct sockaddr *)&sa, &len);

			*from_port = ntohs(sa.sin_port);
			ck_assert_str_eq(inet_ntoa(sa.sin_addr), "127.0.0.1");
			return n;
		}
	}
	return -1;
}

/* A datagram already waiting for @fd: its length, or -1. */
static int receive_nowait(int fd, char *buf, size_t size)
{
	return (int)recv(fd, buf, size, MSG_DONTWAIT);
}

/* Nothing for @fd within 100 ms of loop. */
static void nothing_for(int fd)
{
	for (int waited = 0; waited < 100; waited += 2) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		uv_run(&loop, UV_RUN_NOWAIT);
		ck_assert_msg(poll(&p, 1, 2) == 0, "a datagram arrived that should not have");
	}
}

static void relay_start(const struct semnetd_relay_member *m, size_t n)
{
	struct sn_err err;
	int rc = -1;

	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	relay = semnetd_relay_new(&loop);
	ck_assert_ptr_nonnull(relay);
	/* A base whose ports are free: a few tries from a pid-derived one. */
	for (int tries = 0; tries < 20 && rc < 0; tries++) {
		base = 20000 + (int)((getpid() * 7 + tries * 911) % 30000);
		rc = semnetd_relay_set(relay, "127.0.0.1", base, m, n, &err);
	}
	ck_assert_msg(rc == 0, "%s", err.msg);
}

static void relay_stop(void)
{
	semnetd_relay_free(relay);
	relay = NULL;
	sn_loop_close_all(&loop);
}

static const struct semnetd_relay_member *two_members(void)
{
	static struct semnetd_relay_member m[2];

	m[0] = (struct semnetd_relay_member){ .addr = ip4("127.0.0.2"), .slot = 1 };
	m[1] = (struct semnetd_relay_member){ .addr = ip4("127.0.0.3"), .slot = 2 };
	return m;
}

/* x's first packet has nowhere to go; once y has sent for x, both ways
 * are forwarded, byte for byte, from the port that names the sender. */
START_TEST(forwards_both_ways_once_primed)
{
	const struct semnetd_relay_stats *st;
	char buf[2048];
	int x, y, n, from;

	relay_start(two_members(), 2);
	st = semnetd_relay_stats(relay);
	x = node_socket("127.0.0.2");
	y = node_socket("127.0.0.3");

	send_to_relay(x, base + 2, "x-for-y-1", 9);
	until_moves(&st->unprimed, 0);
	ck_assert_uint_eq(st->forwarded, 0);
	nothing_for(y);

	send_to_relay(y, base + 1, "y-for-x-1", 9);
	n = receive(x, buf, sizeof(buf), &from);
	ck_assert_int_eq(n, 9);
	ck_assert(!memcmp(buf, "y-for-x-1", 9));
	ck_assert_int_eq(from, base + 2);	/* x's endpoint for y */

	/* A full-size WireGuard datagram, the other way. */
	memset(buf, 0xa5, 1500);
	send_to_relay(x, base + 2, buf, 1500);
	memset(buf, 0, sizeof(buf));
	n = receive(y, buf, sizeof(buf), &from);
	ck_assert_int_eq(n, 1500);
	ck_assert_int_eq((unsigned char)buf[0], 0xa5);
	ck_assert_int_eq((unsigned char)buf[1499], 0xa5);
	ck_assert_int_eq(from, base + 1);	/* y's endpoint for x */
	ck_assert_uint_eq(st->forwarded, 2);
	ck_assert_uint_eq(st->forwarded_bytes, 1509);
	ck_assert_uint_eq(st->unprimed, 1);
	close(x);
	close(y);
	relay_stop();
}
END_TEST

/* A NAT that changes y's port (a new mapping): the relay follows the
 * newest source, as WireGuard's roaming does. */
START_TEST(follows_a_new_mapping)
{
	const struct semnetd_relay_stats *st;
	char buf[64];
	int x, y1, y2, from;

	relay_start(two_members(), 2);
	st = semnetd_relay_stats(relay);
	x = node_socket("127.0.0.2");
	y1 = node_socket("127.0.0.3");
	y2 = node_socket("127.0.0.3");
	ck_assert_int_ne(port_of(y1), port_of(y2));

	send_to_relay(y1, base + 1, "prime", 5);
	until_moves(&st->unprimed, 0);
	send_to_relay(x, base + 2, "one", 3);
	ck_assert_int_eq(receive(y1, buf, sizeof(buf), &from), 3);
	send_to_relay(y2, base + 1, "moved", 5);
	ck_assert_int_eq(receive(x, buf, sizeof(buf), &from), 5);
	send_to_relay(x, base + 2, "two", 3);
	ck_assert_int_eq(receive(y2, buf, sizeof(buf), &from), 3);
	ck_assert(!memcmp(buf, "two", 3));
	nothing_for(y1);
	close(x);
	close(y1);
	close(y2);
	relay_stop();
}
END_TEST

/* What the relay refuses: a stranger (even aimed at a primed member), a
 * member's packet for itself, a datagram too long for WireGuard. None is
 * forwarded; each is counted. */
START_TEST(refuses_strangers_self_and_oversize)
{
	const struct semnetd_relay_stats *st;
	static char big[SEMNETD_RELAY_MTU + 100];
	char buf[64];
	int x, y, stranger, from;

	relay_start(two_members(), 2);
	st = semnetd_relay_stats(relay);
	x = node_socket("127.0.0.2");
	y = node_socket("127.0.0.3");
	stranger = node_socket("127.0.0.9");

	send_to_relay(y, base + 1, "prime", 5);
	until_moves(&st->unprimed, 0);
	send_to_relay(stranger, base + 2, "spoof", 5);
	until_moves(&st->unknown_source, 0);
	send_to_relay(x, base + 1, "self", 4);
	until_moves(&st->to_self, 0);
	send_to_relay(x, base + 2, big, sizeof(big));
	until_moves(&st->malformed, 0);
	nothing_for(y);
	nothing_for(stranger);
	ck_assert_uint_eq(st->forwarded, 0);
	/* And the pair still works. */
	send_to_relay(x, base + 2, "ok", 2);
	ck_assert_int_eq(receive(y, buf, sizeof(buf), &from), 2);
	close(x);
	close(y);
	close(stranger);
	relay_stop();
}
END_TEST

/* A flood from a primed member, with the relay limited to 1,000 packets a
 * second and bursts of 100: at most the burst plus what the rate refills
 * meanwhile goes out, the rest is counted as limited; then, the bucket
 * refilled, the pair works again. */
#define FLOOD_RATE 1000
#define FLOOD_BURST 100
START_TEST(bounds_a_flood)
{
	const struct semnetd_relay_stats *st;
	int x, y, sent = 0, rcvbuf = 1 << 22;
	uint64_t t0, elapsed, seen;
	char buf[64];

	relay_start(two_members(), 2);
	semnetd_relay_limit(relay, FLOOD_RATE, FLOOD_BURST);
	st = semnetd_relay_stats(relay);
	x = node_socket("127.0.0.2");
	y = node_socket("127.0.0.3");
	setsockopt(y, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	send_to_relay(y, base + 1, "prime", 5);
	until_moves(&st->unprimed, 0);
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	/* In rounds the relay's socket buffer holds, so that it sees them all. */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 100; i++, sent++)
			send_to_relay(x, base + 2, "f", 1);
		for (int k = 0; k < 20; k++)
			uv_run(&loop, UV_RUN_NOWAIT);
	}
	for (int k = 0; k < 500; k++) {
		seen = st->forwarded + st->limited + st->send_failed;
		if (seen >= (uint64_t)sent)
			break;
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	uv_update_time(&loop);
	elapsed = uv_now(&loop) - t0;
	seen = st->forwarded + st->limited + st->send_failed;
	ck_assert_uint_eq(seen, (uint64_t)sent);
	ck_assert_msg(st->forwarded + st->send_failed <=
		      FLOOD_BURST + (elapsed + 1) * FLOOD_RATE / 1000,
		      "%" PRIu64 " forwarded in %" PRIu64 " ms", st->forwarded, elapsed);
	ck_assert_uint_ge(st->forwarded, FLOOD_BURST);
	if (elapsed < 1000)	/* 2,000 sent faster than the rate allows */
		ck_assert_uint_gt(st->limited, 0);
	/* Refilled: the next one goes through. */
	usleep(20000);
	while (receive_nowait(y, buf, sizeof(buf)) > 0)
		;
	send_to_relay(x, base + 2, "after", 5);
	{
		int from;

		ck_assert_int_eq(receive(y, buf, sizeof(buf), &from), 5);
	}
	close(x);
	close(y);
	relay_stop();
}
END_TEST

/* Membership changes: a member gone loses its port and its endpoints; a
 * member at a new address is not reached at the old one; a bad set
 * changes nothing. */
START_TEST(membership_changes)
{
	struct semnetd_relay_member m[3] = {
		{ .addr = ip4("127.0.0.2"), .slot = 1 },
		{ .addr = ip4("127.0.0.3"), .slot = 2 },
		{ .addr = ip4("127.0.0.4"), .slot = 3 },
	};
	const struct semnetd_relay_stats *st;
	struct sn_err err;
	char buf[64];
	int x, y, z, y_new, from;
	json_t *j;

	relay_start(m, 3);
	st = semnetd_relay_stats(relay);
	x = node_socket("127.0.0.2");
	y = node_socket("127.0.0.3");
	z = node_socket("127.0.0.4");
	send_to_relay(y, base + 1, "prime", 5);
	until_moves(&st->unprimed, 0);
	send_to_relay(x, base + 2, "a", 1);
	ck_assert_int_eq(receive(y, buf, sizeof(buf), &from), 1);

	/* Refused sets: the members and the pair stay as they were. */
	struct semnetd_relay_member twice[2] = { m[0], { .addr = ip4("127.0.0.5"), .slot = 1 } };
	struct semnetd_relay_member far[1] = { { .addr = ip4("127.0.0.5"), .slot = 5000 } };
	struct semnetd_relay_member v6[1] = { { .addr = { .family = AF_INET6 }, .slot = 4 } };
	struct semnetd_relay_member same_addr[2] = { m[0], { .addr = m[0].addr, .slot = 7 } };

	v6[0].addr.v6 = in6addr_loopback;
	err.msg[0] = '\0';
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, twice, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "twice"), "%s", err.msg);
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, far, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "slot 5000"), "%s", err.msg);
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, v6, 1, &err), -1);
	ck_assert_msg(strstr(err.msg, "IPv4"), "%s", err.msg);
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, same_addr, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "two members"), "%s", err.msg);
	ck_assert_int_eq(semnetd_relay_set(relay, "nowhere", base, m, 3, &err), -1);
	send_to_relay(x, base + 2, "b", 1);
	ck_assert_int_eq(receive(y, buf, sizeof(buf), &from), 1);

	/* y moves to 127.0.0.6: x's packets for y wait for y to speak again
	 * from there; the old address is a stranger now. */
	m[1].addr = ip4("127.0.0.6");
	ck_assert_msg(semnetd_relay_set(relay, "127.0.0.1", base, m, 3, &err) == 0, "%s",
		      err.msg);
	uint64_t unprimed = st->unprimed, unknown = st->unknown_source;

	send_to_relay(x, base + 2, "c", 1);
	until_moves(&st->unprimed, unprimed);
	nothing_for(y);
	send_to_relay(y, base + 1, "old", 3);
	until_moves(&st->unknown_source, unknown);
	y_new = node_socket("127.0.0.6");
	send_to_relay(y_new, base + 1, "new", 3);
	ck_assert_int_eq(receive(x, buf, sizeof(buf), &from), 3);
	send_to_relay(x, base + 2, "d", 1);
	ck_assert_int_eq(receive(y_new, buf, sizeof(buf), &from), 1);

	/* z leaves: its port closes, and x's packets for it go nowhere. */
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, m, 2, &err), 0);
	j = semnetd_relay_json(relay);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "members")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "base")), base);
	json_decref(j);
	{
		/* The port is free again: we can bind it ourselves. */
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)(base + 3)) };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		/* The close runs on the loop. */
		for (int k = 0; k < 10; k++)
			uv_run(&loop, UV_RUN_NOWAIT);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	send_to_relay(z, base + 1, "z", 1);	/* z is a stranger now */
	until_moves(&st->unknown_source, st->unknown_source);
	close(x);
	close(y);
	close(z);
	close(y_new);
	relay_stop();
}
END_TEST

/* A taken port: the set fails naming it, and nothing is half opened. */
START_TEST(taken_port_refused)
{
	struct semnetd_relay_member m[2] = {
		{ .addr = ip4("127.0.0.2"), .slot = 1 },
		{ .addr = ip4("127.0.0.3"), .slot = 2 },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sn_err err;
	int fd;

	relay_start(m, 1);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sa.sin_port = htons((uint16_t)(base + 2));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, m, 2, &err), -1);
	ck_assert_msg(strstr(err.msg, "in use"), "%s", err.msg);
	json_t *j = semnetd_relay_json(relay);

	ck_assert_int_eq(json_integer_value(json_object_get(j, "members")), 1);
	json_decref(j);
	close(fd);
	relay_stop();
}
END_TEST

/* No members (a relay node's first registry may list only itself): no
 * socket, everyone a stranger; members later get their ports. */
START_TEST(empty_set)
{
	struct semnetd_relay_member m[1] = { { .addr = ip4("127.0.0.2"), .slot = 1 } };
	struct sn_err err;
	json_t *j;

	relay_start(NULL, 0);
	j = semnetd_relay_json(relay);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "members")), 0);
	json_decref(j);
	ck_assert_msg(semnetd_relay_set(relay, "127.0.0.1", base, m, 1, &err) == 0, "%s", err.msg);
	ck_assert_msg(semnetd_relay_set(relay, "127.0.0.1", base, NULL, 0, &err) == 0, "%s", err.msg);
	j = semnetd_relay_json(relay);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "members")), 0);
	json_decref(j);
	relay_stop();
}
END_TEST

/* A UDP socket bound to @addr, port @port. */
static int node_socket_at(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "port %d: %s", port,
		      strerror(errno));
	return fd;
}

/* Two members behind one address (x1 slot 1 and x3 slot 3, one NAT),
 * told apart by the source port: each one's device for y (slot 2) sends
 * from its port base + 2. A third port at that address is a stranger;
 * members at one address without distinct port bases are refused. */
START_TEST(shared_address_by_port)
{
	const struct semnetd_relay_stats *st;
	struct semnetd_relay_member m[3] = {
		{ .addr = ip4("127.0.0.2"), .slot = 1 },
		{ .addr = ip4("127.0.0.3"), .slot = 2 },
		{ .addr = ip4("127.0.0.2"), .slot = 3 },
	};
	struct sn_err err;
	char buf[64];
	int x1, x3, y1, y3, other, from;
	uint64_t unknown;

	/* Port bases whose port for slot 2 is free: far from the relay's. */
	relay_start(m, 1);
	m[0].port_base = base < 40000 ? base + 10000 : base - 10000;
	m[2].port_base = m[0].port_base + 1000;
	ck_assert_msg(semnetd_relay_set(relay, "127.0.0.1", base, m, 3, &err) == 0, "%s", err.msg);
	st = semnetd_relay_stats(relay);
	x1 = node_socket_at("127.0.0.2", m[0].port_base + 2);
	x3 = node_socket_at("127.0.0.2", m[2].port_base + 2);
	y1 = node_socket("127.0.0.3");	/* y's device for x1 */
	y3 = node_socket("127.0.0.3");	/* and for x3 */
	other = node_socket("127.0.0.2");

	send_to_relay(y1, base + 1, "p1", 2);
	until_moves(&st->unprimed, 0);
	send_to_relay(y3, base + 3, "p3", 2);
	until_moves(&st->unprimed, 1);
	send_to_relay(x1, base + 2, "from-x1", 7);
	ck_assert_int_eq(receive(y1, buf, sizeof(buf), &from), 7);
	ck_assert(!memcmp(buf, "from-x1", 7));
	ck_assert_int_eq(from, base + 1);
	send_to_relay(x3, base + 2, "from-x3", 7);
	ck_assert_int_eq(receive(y3, buf, sizeof(buf), &from), 7);
	ck_assert(!memcmp(buf, "from-x3", 7));
	ck_assert_int_eq(from, base + 3);
	nothing_for(y1);
	/* And back, each to its own. */
	send_to_relay(y3, base + 3, "to-x3", 5);
	ck_assert_int_eq(receive(x3, buf, sizeof(buf), &from), 5);
	ck_assert_int_eq(from, base + 2);
	send_to_relay(y1, base + 1, "to-x1", 5);
	ck_assert_int_eq(receive(x1, buf, sizeof(buf), &from), 5);
	nothing_for(x3);
	/* Another port at that address matches neither. */
	unknown = st->unknown_source;
	send_to_relay(other, base + 2, "who", 3);
	until_moves(&st->unknown_source, unknown);
	nothing_for(y1);
	nothing_for(y3);
	ck_assert_uint_eq(st->forwarded, 4);

	/* One address, a port base missing or the same: refused. */
	m[2].port_base = 0;
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, m, 3, &err), -1);
	ck_assert_msg(strstr(err.msg, "without distinct port bases"), "%s", err.msg);
	m[2].port_base = m[0].port_base;
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, m, 3, &err), -1);
	m[0].port_base = 0;
	m[2].port_base = 0;
	ck_assert_int_eq(semnetd_relay_set(relay, "127.0.0.1", base, m, 3, &err), -1);
	close(x1);
	close(x3);
	close(y1);
	close(y3);
	close(other);
	relay_stop();
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_relay", NULL, NULL, 30, forwards_both_ways_once_primed,
			  follows_a_new_mapping, refuses_strangers_self_and_oversize,
			  bounds_a_flood, membership_changes, taken_port_refused,
			  shared_address_by_port, empty_set);
}
