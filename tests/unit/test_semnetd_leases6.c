// SPDX-License-Identifier: GPL-2.0
/* IPv6 nsIP leases of a node's /120 (semnetd_leases6), and their store
 * (schema 3: the nsIP and InstanceIP as canonical text). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/leases.h"
#include "../../daemon/node/store.h"
#include "sn_log.h"

static struct in6_addr a6(const char *text)
{
	struct in6_addr a;

	ck_assert_msg(sn_ipv6_parse(text, &a), "bad test address %s", text);
	return a;
}

/* The same, as a pointer (a few live at once: a small ring). */
static const struct in6_addr *p6(const char *text)
{
	static struct in6_addr ring[4];
	static unsigned int next;
	struct in6_addr *a = &ring[next++ % 4];

	*a = a6(text);
	return a;
}

static void pool(struct semnetd_leases6 *l, const char *subnet)
{
	struct sn_prefix6 p;

	ck_assert(sn_prefix6_parse(subnet, &p));
	ck_assert_int_eq(semnetd_leases6_init(l, &p), 0);
}

static void ck_addr(const struct in6_addr *got, const char *want)
{
	char text[SN_IPV6_STRLEN];

	sn_ipv6_format(got, text);
	ck_assert_str_eq(text, want);
}

/* Oakestra's layout: ::1 the gateway, ::2 .. ::ff leased (254). */
START_TEST(a_120_holds_254_containers_from_2)
{
	struct semnetd_leases6 l;
	struct in6_addr a, gw;
	char want[SN_IPV6_STRLEN];
	int n = 0;

	pool(&l, "fc00::100/120");
	ck_assert_uint_eq(semnetd_leases6_capacity(&l), 254);
	ck_assert_uint_eq(semnetd_leases6_free(&l), 254);
	semnetd_leases6_gateway(&l, &gw);
	ck_addr(&gw, "fc00::101");
	while (semnetd_leases6_take(&l, &a) == 0) {
		snprintf(want, sizeof(want), "fc00::1%02x", n + 2);
		ck_addr(&a, want);	/* in order, never ::0 or ::1 */
		n++;
	}
	ck_assert_int_eq(n, 254);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), -ENOSPC);
	ck_assert_uint_eq(semnetd_leases6_free(&l), 0);
	semnetd_leases6_destroy(&l);
}
END_TEST

/* A released address is the next one handed out (the lowest free). */
START_TEST(freed_addresses_are_reused_first)
{
	struct semnetd_leases6 l;
	struct in6_addr a;

	pool(&l, "fc00::/120");
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::6");
	ck_assert_int_eq(semnetd_leases6_release(&l, p6("fc00::4")), 0);
	ck_assert_int_eq(semnetd_leases6_release(&l, p6("fc00::4")), -ENOENT);
	ck_assert_int_eq(semnetd_leases6_release(&l, p6("fc00::1")), -ENOENT);
	ck_assert_uint_eq(semnetd_leases6_free(&l), 254 - 4);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::4");
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::7");
	semnetd_leases6_destroy(&l);
}
END_TEST

/* Startup: the store's leases are marked, the rest stays free. */
START_TEST(reserve_rebuilds_after_restart)
{
	struct semnetd_leases6 l;
	struct in6_addr a;

	pool(&l, "fc00::200/120");
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::202")), 0);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::202")), -EEXIST);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::203")), 0);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::201")), -EACCES);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::200")), -EACCES);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00::300")), -EDOM);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc01::202")), -EDOM);
	ck_assert_uint_eq(semnetd_leases6_free(&l), 252);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::204");
	semnetd_leases6_destroy(&l);
}
END_TEST

/* /96 to /126; a large subnet leases its first 65536 addresses only. */
START_TEST(subnet_lengths)
{
	struct semnetd_leases6 l;
	struct sn_prefix6 p;
	struct in6_addr a;

	ck_assert(sn_prefix6_parse("fc00::/95", &p));
	ck_assert_int_eq(semnetd_leases6_init(&l, &p), -EINVAL);
	ck_assert(sn_prefix6_parse("fc00::/127", &p));
	ck_assert_int_eq(semnetd_leases6_init(&l, &p), -EINVAL);
	ck_assert_uint_eq(semnetd_leases6_capacity(&l), 0);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), -ENOSPC);
	semnetd_leases6_destroy(&l);

	pool(&l, "fc00::4/126");
	ck_assert_uint_eq(semnetd_leases6_capacity(&l), 2);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::6");
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00::7");
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), -ENOSPC);
	semnetd_leases6_destroy(&l);

	pool(&l, "fc00:0:0:1::/96");
	ck_assert_uint_eq(semnetd_leases6_capacity(&l), SEMNETD_LEASES6_MAX - 2);
	ck_assert_int_eq(semnetd_leases6_take(&l, &a), 0);
	ck_addr(&a, "fc00:0:0:1::2");
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00:0:0:1::1:0")),
			 -EDOM);
	ck_assert_int_eq(semnetd_leases6_reserve(&l, p6("fc00:0:0:1::ffff")),
			 0);
	semnetd_leases6_destroy(&l);
}
END_TEST

/* Each case's store sits in a directory of its own (SQLite adds -wal, -shm). */
static char dir[64], db_path[96];

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnetd-leases6");
	snprintf(db_path, sizeof(db_path), "%s/semnetd.db", dir);
}

static void teardown(void)
{
	unit_tmpdir_remove(dir);
}

static struct semnetd_lease lease(uint32_t nsip, const char *nsip6, int number)
{
	struct semnetd_lease l = { .nsip = nsip, .number = number, .pid = 100 + number };

	snprintf(l.job_name, sizeof(l.job_name), "app.ns.web.prod");
	snprintf(l.veth, sizeof(l.veth), "sn%08x", l.nsip);
	if (nsip6)
		l.nsip6 = a6(nsip6);
	return l;
}

START_TEST(store_keeps_the_ipv6_side)
{
	struct sn_db db;
	struct semnetd_identity id = { .node_id = "n1", .cluster_address = "10.0.0.1" }, got;
	struct semnetd_lease a = lease(0xac100002, "fc00::2", 0), b = lease(0xac100003, NULL, 1);
	struct semnetd_lease dup = lease(0xac100004, "FC00:0::2", 2), l;

	ck_assert(sn_prefix_parse("172.16.0.0/26", &id.subnet));
	ck_assert(sn_prefix6_parse("fc00::/120", &id.subnet6));
	ck_assert_int_eq(semnetd_store_open(&db, db_path, false), 0);
	ck_assert_int_eq(semnetd_store_identity_put(&db, &id), 0);
	ck_assert_int_eq(semnetd_store_lease_put(&db, &a), 0);
	ck_assert_int_eq(semnetd_store_lease_put(&db, &b), 0);
	/* The same IPv6 nsIP, however spelt, is never leased twice. */
	ck_assert_int_eq(semnetd_store_lease_put(&db, &dup), -EEXIST);
	ck_assert_int_eq(semnetd_store_lease_set_instance_ip6(&db, a.job_name, 0,
							      p6("fdff::9")), 0);
	sn_db_close(&db);

	ck_assert_int_eq(semnetd_store_open(&db, db_path, false), 0);
	ck_assert_int_eq(semnetd_store_identity_get(&db, &got), 0);
	ck_addr(&got.subnet6.addr, "fc00::");
	ck_assert_uint_eq(got.subnet6.len, 120);
	ck_assert_int_eq(semnetd_store_lease_get(&db, a.job_name, 0, &l), 1);
	ck_addr(&l.nsip6, "fc00::2");
	ck_addr(&l.instance_ip6, "fdff::9");
	ck_assert_int_eq(semnetd_store_lease_get(&db, b.job_name, 1, &l), 1);
	ck_assert(sn_ipv6_is_zero(&l.nsip6) && sn_ipv6_is_zero(&l.instance_ip6));
	sn_db_close(&db);
}
END_TEST

START_TEST(ipv4_only_identity_has_no_subnet6)
{
	struct sn_db db;
	struct semnetd_identity id = { .node_id = "n1" }, got;

	ck_assert(sn_prefix_parse("172.16.0.0/26", &id.subnet));
	ck_assert_int_eq(semnetd_store_open(&db, db_path, false), 0);
	ck_assert_int_eq(semnetd_store_identity_put(&db, &id), 0);
	ck_assert_int_eq(semnetd_store_identity_get(&db, &got), 0);
	ck_assert_uint_eq(got.subnet6.len, 0);
	ck_assert_uint_eq(got.subnet.len, 26);
	sn_db_close(&db);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("semnetd_leases6");
	TCase *tc = tcase_create("leases6"), *ts = tcase_create("store6");

	sn_log_init("test", SN_LOG_ERROR);
	UNIT_ADD_TESTS(tc, a_120_holds_254_containers_from_2, freed_addresses_are_reused_first,
		       reserve_rebuilds_after_restart, subnet_lengths);
	tcase_add_checked_fixture(ts, setup, teardown);
	UNIT_ADD_TESTS(ts, store_keeps_the_ipv6_side, ipv4_only_identity_has_no_subnet6);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, ts);
	return s;
}
