// SPDX-License-Identifier: GPL-2.0
/* nsIP leases of a node /26, in memory and in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/leases.h"
#include "sn_log.h"
#include "../../daemon/node/store.h"

static uint32_t addr(const char *text)
{
	uint32_t a;

	ck_assert_msg(sn_ipv4_parse(text, &a), "bad test address %s", text);
	return a;
}

static void node_leases(struct semnetd_leases *l, const char *subnet)
{
	struct sn_prefix p;

	ck_assert(sn_prefix_parse(subnet, &p));
	ck_assert_int_eq(semnetd_leases_init(l, &p), 0);
}

START_TEST(a_26_holds_61_containers)
{
	struct semnetd_leases l;
	uint32_t a, seen[64];
	int n = 0;

	node_leases(&l, "172.16.0.64/26");
	ck_assert_uint_eq(semnetd_leases_capacity(&l), 61);
	ck_assert_uint_eq(semnetd_leases_gateway(&l), addr("172.16.0.65"));
	while (semnetd_leases_take(&l, &a) == 0) {
		ck_assert_msg(a >= addr("172.16.0.66") && a <= addr("172.16.0.126"),
			      "leased %08x: network, gateway or broadcast", a);
		for (int i = 0; i < n; i++)
			ck_assert_msg(seen[i] != a, "leased %08x twice", a);
		ck_assert_int_lt(n, 64);
		seen[n++] = a;
	}
	ck_assert_int_eq(n, 61);
	ck_assert_int_eq(semnetd_leases_take(&l, &a), -ENOSPC);
	ck_assert_uint_eq(semnetd_leases_free(&l), 0);
	semnetd_leases_destroy(&l);
}
END_TEST

START_TEST(released_addresses_come_back_last)
{
	struct semnetd_leases l;
	uint32_t first, a;

	node_leases(&l, "172.16.0.0/26");
	ck_assert_int_eq(semnetd_leases_take(&l, &first), 0);
	ck_assert_uint_eq(first, addr("172.16.0.2"));
	ck_assert_int_eq(semnetd_leases_release(&l, first), 0);
	ck_assert_int_eq(semnetd_leases_release(&l, first), -ENOENT);
	for (int i = 0; i < 60; i++) {
		ck_assert_int_eq(semnetd_leases_take(&l, &a), 0);
		ck_assert_uint_ne(a, first);
	}
	ck_assert_int_eq(semnetd_leases_take(&l, &a), 0);
	ck_assert_uint_eq(a, first);
	semnetd_leases_destroy(&l);
}
END_TEST

START_TEST(reserve_rebuilds_after_restart)
{
	struct semnetd_leases l;
	uint32_t a;

	node_leases(&l, "172.16.0.0/26");
	ck_assert_int_eq(semnetd_leases_reserve(&l, addr("172.16.0.2")), 0);
	ck_assert_int_eq(semnetd_leases_reserve(&l, addr("172.16.0.2")), -EEXIST);
	ck_assert_int_eq(semnetd_leases_reserve(&l, addr("172.16.0.1")), -EACCES);
	ck_assert_int_eq(semnetd_leases_reserve(&l, addr("172.16.0.63")), -EACCES);
	ck_assert_int_eq(semnetd_leases_reserve(&l, addr("172.16.0.64")), -EDOM);
	semnetd_leases_continue_after(&l, addr("172.16.0.9"));
	ck_assert_int_eq(semnetd_leases_take(&l, &a), 0);
	ck_assert_uint_eq(a, addr("172.16.0.10"));
	semnetd_leases_destroy(&l);
}
END_TEST

/* Each case's store sits in a directory of its own (SQLite adds -wal, -shm). */
static char dir[64], db_path[96];

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnetd-leases");
	snprintf(db_path, sizeof(db_path), "%s/semnetd.db", dir);
}

static void teardown(void)
{
	unit_tmpdir_remove(dir);
}

static void open_store(struct sn_db *db)
{
	ck_assert_int_eq(semnetd_store_open(db, db_path, false), 0);
}

static struct semnetd_lease lease(const char *nsip, const char *job, int number)
{
	struct semnetd_lease l = { .nsip = addr(nsip), .number = number, .pid = 100 + number };

	snprintf(l.job_name, sizeof(l.job_name), "%s", job);
	snprintf(l.veth, sizeof(l.veth), "sn%08x", l.nsip);
	return l;
}

START_TEST(store_refuses_double_assignment)
{
	struct sn_db db;
	struct semnetd_lease a = lease("172.16.0.2", "app.ns.web.prod", 0), got;

	open_store(&db);
	ck_assert_int_eq(semnetd_store_lease_put(&db, &a), 0);
	/* the same address for another instance */
	struct semnetd_lease b = lease("172.16.0.2", "app.ns.web.prod", 1);

	ck_assert_int_eq(semnetd_store_lease_put(&db, &b), -EEXIST);
	/* the same instance at another address */
	struct semnetd_lease c = lease("172.16.0.3", "app.ns.web.prod", 0);

	ck_assert_int_eq(semnetd_store_lease_put(&db, &c), -EEXIST);
	ck_assert_int_eq(semnetd_store_lease_get(&db, "app.ns.web.prod", 0, &got), 1);
	ck_assert_uint_eq(got.nsip, a.nsip);
	ck_assert_int_eq(semnetd_store_lease_get(&db, "app.ns.web.prod", 1, &got), 0);
	sn_db_close(&db);
}
END_TEST

static void count(void *arg, const struct semnetd_lease *l)
{
	(void)l;
	(*(int *)arg)++;
}

START_TEST(store_survives_reopen)
{
	struct sn_db db;
	struct semnetd_identity id = { .node_id = "n1", .cluster_address = "10.0.0.1" }, got;
	struct semnetd_lease a = lease("172.16.0.2", "app.ns.web.prod", 0), l;
	uint32_t cursor;
	int n = 0;

	ck_assert(sn_prefix_parse("172.16.0.0/26", &id.subnet));
	open_store(&db);
	ck_assert_int_eq(semnetd_store_identity_put(&db, &id), 0);
	ck_assert_int_eq(semnetd_store_lease_put(&db, &a), 0);
	ck_assert_int_eq(semnetd_store_cursor_put(&db, a.nsip), 0);
	ck_assert_int_eq(semnetd_store_lease_set_instance_ip(&db, a.job_name, 0, addr("172.30.0.9")), 0);
	sn_db_close(&db);

	open_store(&db);
	ck_assert_int_eq(semnetd_store_identity_get(&db, &got), 0);
	ck_assert_str_eq(got.node_id, "n1");
	ck_assert_str_eq(got.cluster_address, "10.0.0.1");
	ck_assert_uint_eq(got.subnet.addr, id.subnet.addr);
	ck_assert_uint_eq(got.subnet.len, 26);
	ck_assert_int_eq(semnetd_store_cursor_get(&db, &cursor), 0);
	ck_assert_uint_eq(cursor, a.nsip);
	ck_assert_int_eq(semnetd_store_lease_get(&db, a.job_name, 0, &l), 1);
	ck_assert_uint_eq(l.instance_ip, addr("172.30.0.9"));
	ck_assert_str_eq(l.veth, "snac100002");
	ck_assert_int_eq(semnetd_store_job_is_local(&db, a.job_name), 1);
	ck_assert_int_eq(semnetd_store_job_is_local(&db, "x.y.z.w"), 0);
	ck_assert_int_eq(semnetd_store_lease_each(&db, count, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(semnetd_store_lease_del(&db, a.job_name, 0), 1);
	ck_assert_int_eq(semnetd_store_lease_del(&db, a.job_name, 0), 0);
	sn_db_close(&db);
}
END_TEST

/* The veth's ifindex rides with the lease, so a table answer installs a
 * local instance without asking rtnetlink. */
START_TEST(lease_keeps_its_veth_ifindex)
{
	struct sn_db db;
	struct semnetd_lease a = lease("172.16.0.2", "app.ns.web.prod", 0), l;

	open_store(&db);
	ck_assert_int_eq(semnetd_store_lease_put(&db, &a), 0);
	ck_assert_int_eq(semnetd_store_lease_get(&db, a.job_name, 0, &l), 1);
	ck_assert_int_eq(l.ifindex, 0);	/* the veth does not exist yet */
	ck_assert_int_eq(semnetd_store_lease_set_ifindex(&db, a.job_name, 0, 42), 0);
	sn_db_close(&db);

	open_store(&db);
	ck_assert_int_eq(semnetd_store_lease_get(&db, a.job_name, 0, &l), 1);
	ck_assert_int_eq(l.ifindex, 42);
	ck_assert_uint_eq(l.nsip, a.nsip);
	sn_db_close(&db);
}
END_TEST

/* A store written before the ifindex column keeps its leases (ifindex 0:
 * the restart looks the veth up once and stores it). */
START_TEST(schema_1_store_is_migrated)
{
	static const char *const schema_1[] = {
		"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		"CREATE TABLE leases ("
		"  nsip INTEGER PRIMARY KEY, job_name TEXT NOT NULL, number INTEGER NOT NULL,"
		"  pid INTEGER NOT NULL, veth TEXT NOT NULL UNIQUE, ports TEXT NOT NULL DEFAULT '',"
		"  instance_ip INTEGER NOT NULL DEFAULT 0, UNIQUE (job_name, number));",
	};
	struct sn_db db;
	struct semnetd_lease l;

	ck_assert_int_eq(sn_db_open(&db, db_path, schema_1, 1, false), 0);
	ck_assert_int_eq(sn_db_exec(&db, "INSERT INTO leases (nsip, job_name, number, pid, veth)"
				    " VALUES (2886729730, 'app.ns.web.prod', 3, 7, 'snac100002')"), 0);
	sn_db_close(&db);

	open_store(&db);
	ck_assert_int_eq(sn_db_version(&db), 3);
	ck_assert_int_eq(semnetd_store_lease_get(&db, "app.ns.web.prod", 3, &l), 1);
	ck_assert_uint_eq(l.nsip, addr("172.16.0.2"));
	ck_assert_str_eq(l.veth, "snac100002");
	ck_assert_int_eq(l.ifindex, 0);
	/* schema 3: no IPv6 side for a lease of before */
	ck_assert(sn_ipv6_is_zero(&l.nsip6) && sn_ipv6_is_zero(&l.instance_ip6));
	sn_db_close(&db);
}
END_TEST

START_TEST(unregistered_store_is_empty)
{
	struct sn_db db;
	struct semnetd_identity got;

	open_store(&db);
	ck_assert_int_eq(semnetd_store_identity_get(&db, &got), 0);
	ck_assert_str_eq(got.node_id, "");
	ck_assert_uint_eq(got.subnet.len, 0);
	sn_db_close(&db);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("semnetd_leases");
	TCase *tc = tcase_create("leases"), *ts = tcase_create("store");

	sn_log_init("test", SN_LOG_ERROR);
	UNIT_ADD_TESTS(tc, a_26_holds_61_containers,
		       released_addresses_come_back_last,
		       reserve_rebuilds_after_restart);
	tcase_add_checked_fixture(ts, setup, teardown);
	UNIT_ADD_TESTS(ts, store_refuses_double_assignment,
		       store_survives_reopen, unregistered_store_is_empty,
		       lease_keeps_its_veth_ifindex,
		       schema_1_store_is_migrated);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, ts);
	return s;
}
