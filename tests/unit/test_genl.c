// SPDX-License-Identifier: GPL-2.0
/*
 * lib/genl.c's transport against the host's own generic netlink: the
 * controller family ("nlctrl") is in every kernel, so these run anywhere,
 * semnet.ko or not. A transaction whose reply callback fails midway must
 * leave the socket ready for the next one (the rest of the replies read
 * and dropped), as semnetd and the CLI reuse one socket for everything.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "unit.h"
#include "genl.h"

static struct nl_sock *sk;
static int nlctrl;

static void setup(void)
{
	ck_assert_int_eq(sn_genl_connect("nlctrl", &sk, &nlctrl), 0);
	ck_assert_int_eq(nlctrl, GENL_ID_CTRL);
}

static void teardown(void)
{
	nl_socket_free(sk);
	sk = NULL;
}

/* CTRL_CMD_GETFAMILY for every family (@dump) or for "nlctrl". */
static struct nl_msg *getfamily(bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
					  dump ? NLM_F_DUMP : 0, CTRL_CMD_GETFAMILY, 1));
	if (!dump)
		ck_assert_int_eq(nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "nlctrl"), 0);
	return msg;
}

static int count(struct nl_msg *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
	return 0;
}

/* Fails at the @arg-th reply (1: the first). */
static int fail_at(struct nl_msg *msg, void *arg)
{
	(void)msg;
	return --*(int *)arg == 0 ? -ENOMEM : 0;
}

/* One transaction of @msg (freed) with @fn; its return. */
static int transact(struct nl_msg *msg, int (*fn)(struct nl_msg *, void *), void *arg)
{
	struct sn_nl_transact t = { .fn = fn, .arg = arg };
	int ret = sn_nl_transact(sk, msg, &t);

	nlmsg_free(msg);
	return ret;
}

START_TEST(dump_counts_every_family)
{
	int n = 0;

	ck_assert_int_eq(transact(getfamily(true), count, &n), 0);
	ck_assert_int_ge(n, 1);	/* nlctrl itself at least */
	n = 0;
	ck_assert_int_eq(transact(getfamily(false), count, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

/*
 * A dump stopped by its callback at each of its replies in turn, then a
 * plain request and a whole dump on the same socket: both must see their
 * own replies, not what was left of the stopped dump.
 */
START_TEST(stopped_dump_leaves_the_socket_clean)
{
	int families = 0;

	ck_assert_int_eq(transact(getfamily(true), count, &families), 0);
	for (int stop = 1; stop <= families; stop++) {
		int left = stop, n = 0;

		ck_assert_int_eq(transact(getfamily(true), fail_at, &left), -ENOMEM);
		ck_assert_int_eq(transact(getfamily(false), count, &n), 0);
		ck_assert_msg(n == 1, "after a dump stopped at %d of %d: %d replies to one request",
			      stop, families, n);
		n = 0;
		ck_assert_int_eq(transact(getfamily(true), count, &n), 0);
		ck_assert_int_eq(n, families);
	}
}
END_TEST

/* The same for a request whose one reply fails: its ACK is read too. */
START_TEST(failed_reply_leaves_the_socket_clean)
{
	int left = 1, n = 0;

	ck_assert_int_eq(transact(getfamily(false), fail_at, &left), -ENOMEM);
	ck_assert_int_eq(transact(getfamily(false), count, &n), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("genl", setup, teardown, 0, dump_counts_every_family,
			  stopped_dump_leaves_the_socket_clean,
			  failed_reply_leaves_the_socket_clean);
}
