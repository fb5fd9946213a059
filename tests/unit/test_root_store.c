// SPDX-License-Identifier: GPL-2.0
/* semnet-root's SQLite store and the shared SQLite helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_log.h"
#include "../../daemon/root/store.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnet-store");
	snprintf(path, sizeof(path), "%s/root.db", dir);
	sn_log_init("test", SN_LOG_ERROR);
}

static void teardown(void)
{
	unit_tmpdir_remove(dir);
}

static void open_db(struct sn_db *db)
{
	ck_assert_int_eq(sn_root_store_open(db, path, false), 0);
}

static void add_cluster(struct sn_db *db, const char *id, const char *address)
{
	struct sn_root_cluster c = { .port = 10110 };

	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.address, sizeof(c.address), "%s", address);
	ck_assert_int_eq(sn_root_store_cluster_put(db, &c), 0);
}

START_TEST(migrates_once_and_refuses_newer_schemas)
{
	struct sn_db db;

	open_db(&db);
	ck_assert_int_eq(sn_db_version(&db), 2);
	add_cluster(&db, "c1", "10.0.0.1");
	sn_db_close(&db);
	open_db(&db);	/* reopening keeps the data, migrates nothing */
	struct sn_root_cluster c;

	ck_assert_int_eq(sn_root_store_cluster_get(&db, "c1", &c), 1);
	ck_assert_int_eq(sn_db_exec(&db, "PRAGMA user_version = 7"), 0);
	sn_db_close(&db);
	ck_assert_int_eq(sn_root_store_open(&db, path, false), -1);
}
END_TEST

START_TEST(wal_mode)
{
	struct sn_db db;
	sqlite3_stmt *stmt;

	open_db(&db);
	stmt = sn_db_stmt(&db, "PRAGMA journal_mode");
	ck_assert_ptr_nonnull(stmt);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq(sn_db_text(stmt, 0), "wal");
	sqlite3_reset(stmt);
	sn_db_close(&db);
}
END_TEST

START_TEST(clusters_by_id_and_address)
{
	struct sn_db db;
	struct sn_root_cluster c;

	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	add_cluster(&db, "c2", "10.0.0.2");
	ck_assert_int_eq(sn_root_store_cluster_by_address(&db, "10.0.0.2", &c), 1);
	ck_assert_str_eq(c.id, "c2");
	ck_assert_int_eq(sn_root_store_cluster_by_address(&db, "10.0.0.3", &c), 0);
	add_cluster(&db, "c3", "10.0.0.2");	/* behind the same NAT */
	ck_assert_int_eq(sn_root_store_cluster_by_address(&db, "10.0.0.2", &c), 2);
	add_cluster(&db, "c3", "10.0.0.9");	/* re-registration moves it */
	ck_assert_int_eq(sn_root_store_cluster_by_address(&db, "10.0.0.2", &c), 1);
	ck_assert_int_eq(sn_root_store_cluster_get(&db, "c3", &c), 1);
	ck_assert_str_eq(c.address, "10.0.0.9");
	ck_assert_int_eq(sn_root_store_cluster_get(&db, "nope", &c), 0);
	sn_db_close(&db);
}
END_TEST

START_TEST(subnets_are_unique)
{
	struct sn_db db;
	uint32_t addr;
	struct in6_addr addr6;

	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, NULL, "c1", "n1"), SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, NULL, "c1", NULL),
			 SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, NULL, "c1", "n1"),
			 SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, NULL, "c1", NULL), SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100080, NULL, "nocluster", NULL),
			 SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_of_node(&db, "c1", "n1", &addr, &addr6), 1);
	ck_assert(sn_ipv6_is_zero(&addr6));
	ck_assert_uint_eq(addr, 0xac100000);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 2);
	ck_assert_int_eq(sn_root_store_subnet_del(&db, 0xac100040, "c2"), 0);
	ck_assert_int_eq(sn_root_store_subnet_del(&db, 0xac100040, "c1"), 1);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 1);
	sn_db_close(&db);
}
END_TEST

static void count_addr(void *arg, uint32_t addr)
{
	(void)addr;
	(*(int *)arg)++;
}

START_TEST(services_instances_and_their_addresses)
{
	struct sn_db db;
	struct sn_root_service s = { .job_id = "j1", .job_name = "a.b.c.d", .rr_ip = 0xac1e0001,
				     .closest_ip = 0xac1e0002 }, got;
	struct sn_root_instance inst = { .number = 0, .cluster_id = "c1", .instance_ip = 0xac1e0003 };
	struct sn_root_instance clash = { .number = 1, .cluster_id = "c1", .instance_ip = 0xac1e0001 };
	struct sn_root_instance read;
	int n = 0;
	uint32_t last;

	open_db(&db);
	ck_assert_int_eq(sn_root_store_service_add(&db, &s, "{}"), 0);
	ck_assert_int_eq(sn_root_store_instance_add(&db, "j1", &inst), 0);
	/* One pool, one owner: an InstanceIP equal to the RR address fails. */
	ck_assert_int_eq(sn_root_store_instance_add(&db, "j1", &clash), -1);
	ck_assert_int_eq(sn_root_store_instance_add(&db, "nojob", &inst), -1);
	ck_assert_int_eq(sn_root_store_service_by_ip(&db, 0xac1e0003, &got), 1);
	ck_assert_str_eq(got.job_name, "a.b.c.d");
	ck_assert_int_eq(sn_root_store_service_by_ip(&db, 0xac1e0002, &got), 1);
	ck_assert_int_eq(sn_root_store_service_by_ip(&db, 0xac1e0009, &got), 0);
	ck_assert_int_eq(sn_root_store_service_by_name(&db, "a.b.c.d", &got), 1);
	ck_assert_str_eq(got.job_id, "j1");
	ck_assert_int_eq(sn_root_store_each_addr(&db, SN_ADDR_SERVICE, count_addr, &n), 0);
	ck_assert_int_eq(n, 3);

	ck_assert_int_eq(sn_root_store_instance_get(&db, "j1", 0, &read), 1);
	ck_assert(!read.located);
	snprintf(inst.ns_ip, sizeof(inst.ns_ip), "172.16.0.2");
	snprintf(inst.host_ip, sizeof(inst.host_ip), "10.0.0.1");
	inst.host_port = 50103;
	snprintf(inst.tunnel, sizeof(inst.tunnel), "ipudp");
	ck_assert_int_eq(sn_root_store_instance_locate(&db, "j1", &inst), 1);
	inst.number = 9;
	ck_assert_int_eq(sn_root_store_instance_locate(&db, "j1", &inst), 0);
	ck_assert_int_eq(sn_root_store_instance_get(&db, "j1", 0, &read), 1);
	ck_assert(read.located);
	ck_assert_str_eq(read.ns_ip, "172.16.0.2");
	ck_assert_int_eq(read.host_port, 50103);
	ck_assert_str_eq(read.tunnel, "ipudp");
	ck_assert_int_eq(sn_root_store_instance_count(&db, "j1"), 1);
	ck_assert_int_eq(sn_root_store_instance_unlocate(&db, "j1", 0), 1);
	ck_assert_int_eq(sn_root_store_instance_get(&db, "j1", 0, &read), 1);
	ck_assert(!read.located);
	ck_assert_uint_eq(read.instance_ip, 0xac1e0003);	/* keeps its address */
	ck_assert_int_eq(sn_root_store_instance_unlocate(&db, "j1", 9), 0);

	ck_assert_int_eq(sn_root_store_instance_del(&db, "j1", 0), 1);
	ck_assert_int_eq(sn_root_store_instance_del(&db, "j1", 0), 0);
	ck_assert_int_eq(sn_root_store_service_by_ip(&db, 0xac1e0003, &got), 0);
	ck_assert_int_eq(sn_root_store_service_del(&db, "j1"), 0);
	n = 0;
	ck_assert_int_eq(sn_root_store_each_addr(&db, SN_ADDR_SERVICE, count_addr, &n), 0);
	ck_assert_int_eq(n, 0);

	ck_assert_int_eq(sn_root_store_last_addr(&db, SN_ADDR_SERVICE, &last), 0);
	ck_assert_int_eq(sn_root_store_set_last_addr(&db, SN_ADDR_SERVICE, 0xac1e0007), 0);
	ck_assert_int_eq(sn_root_store_set_last_addr(&db, SN_ADDR_SERVICE, 0xac1e0008), 0);
	ck_assert_int_eq(sn_root_store_last_addr(&db, SN_ADDR_SERVICE, &last), 1);
	ck_assert_uint_eq(last, 0xac1e0008);
	ck_assert_int_eq(sn_root_store_last_addr(&db, SN_ADDR_SUBNET, &last), 0);
	sn_db_close(&db);
}
END_TEST

static void collect_cluster(void *arg, const char *cluster_id)
{
	strcat(arg, cluster_id);
	strcat(arg, ",");
}

START_TEST(interests_and_outbox)
{
	struct sn_db db;
	sqlite3_stmt *stmt;
	char seen[256] = "";
	int64_t id1, id2;

	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	add_cluster(&db, "c2", "10.0.0.2");
	ck_assert_int_eq(sn_root_store_interest_add(&db, "c2", "a.b.c.d"), 0);
	ck_assert_int_eq(sn_root_store_interest_add(&db, "c1", "a.b.c.d"), 0);
	ck_assert_int_eq(sn_root_store_interest_add(&db, "c1", "a.b.c.d"), 0);	/* idempotent */
	ck_assert_int_eq(sn_root_store_interest_add(&db, "c1", "x.y.z.w"), 0);
	ck_assert_int_eq(sn_root_store_interest_add(&db, "c9", "x.y.z.w"), -1);	/* unknown */
	ck_assert_int_eq(sn_root_store_each_interested(&db, "a.b.c.d", collect_cluster, seen), 0);
	ck_assert_str_eq(seen, "c1,c2,");
	ck_assert_int_eq(sn_root_store_interest_del(&db, "c2", "a.b.c.d"), 1);
	ck_assert_int_eq(sn_root_store_interest_del(&db, "c2", "a.b.c.d"), 0);
	ck_assert_int_eq(sn_root_store_interest_del_job(&db, "a.b.c.d"), 0);
	seen[0] = '\0';
	ck_assert_int_eq(sn_root_store_each_interested(&db, "a.b.c.d", collect_cluster, seen), 0);
	ck_assert_str_eq(seen, "");

	ck_assert_int_eq(sn_root_store_outbox_add(&db, "c1", "{\"a\":1}", &id1), 0);
	ck_assert_int_eq(sn_root_store_outbox_add(&db, "c2", "{\"b\":2}", &id2), 0);
	ck_assert_int_gt(id2, id1);
	ck_assert_int_eq(sn_db_run(&db, sn_db_bind(&db, "DELETE FROM outbox WHERE id = ?",
						   "l", id1)), 0);
	sn_db_close(&db);
	open_db(&db);	/* the outbox survives a restart, as sn_outbox reads it */
	stmt = sn_db_stmt(&db, "SELECT * FROM outbox ORDER BY id");
	ck_assert_int_eq(sn_db_step_row(stmt), 1);
	ck_assert_int_eq(sqlite3_column_int64(stmt, 0), id2);
	ck_assert_str_eq(sn_db_text(stmt, 1), "c2");
	ck_assert_str_eq(sn_db_text(stmt, 2), "{\"b\":2}");
	ck_assert_int_eq(sn_db_step_row(stmt), 0);
	sqlite3_reset(stmt);
	sn_db_close(&db);
}
END_TEST

START_TEST(rollback_discards)
{
	struct sn_db db;

	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	ck_assert_int_eq(sn_db_begin(&db), 0);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, NULL, "c1", "n1"), SQLITE_DONE);
	sn_db_rollback(&db);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 0);
	ck_assert_int_eq(sn_db_begin(&db), 0);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, NULL, "c1", "n1"), SQLITE_DONE);
	ck_assert_int_eq(sn_db_commit(&db), 0);
	sn_db_close(&db);
	open_db(&db);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 1);
	sn_db_close(&db);
}
END_TEST

static struct in6_addr a6(const char *text)
{
	struct in6_addr a;

	ck_assert_msg(sn_ipv6_parse(text, &a), "bad test address %s", text);
	return a;
}

static void count_addr6(void *arg, const struct in6_addr *addr)
{
	(void)addr;
	(*(int *)arg)++;
}

/* The v6 twins: BLOB columns, one owner per v6 address, rows from before
 * IPv6 (NULL) read as ::, cursors kept across a reopen. */
START_TEST(v6_addresses_are_unique_and_durable)
{
	struct sn_db db;
	struct sn_root_service s = { .job_id = "j1", .job_name = "a.b.c.d", .rr_ip = 0xac1e0001,
				     .closest_ip = 0xac1e0002 }, got;
	struct sn_root_service s2 = { .job_id = "j2", .job_name = "a.b.c.e", .rr_ip = 0xac1e0011,
				      .closest_ip = 0xac1e0012 };
	struct sn_root_instance inst = { .number = 0, .cluster_id = "c1", .instance_ip = 0xac1e0003 };
	struct sn_root_instance read;
	struct in6_addr addr6, last;
	uint32_t addr;
	int n = 0;

	s.rr_ip6 = a6("fdff:2000::1");
	s.closest_ip6 = a6("fdff:2000::2");
	inst.instance_ip6 = a6("fdff::1");
	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	addr6 = a6("fc00::");
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, &addr6, "c1", "n1"),
			 SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, &addr6, "c1", "n2"),
			 SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, NULL, "c1", "n2"), SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_of_node(&db, "c1", "n2", &addr, &addr6), 1);
	ck_assert(sn_ipv6_is_zero(&addr6));
	addr6 = a6("fc00::100");
	ck_assert_int_eq(sn_root_store_subnet_set_v6(&db, 0xac100040, &addr6), 1);
	ck_assert_int_eq(sn_root_store_subnet_by_v6(&db, &addr6, "c1", &addr), 1);
	ck_assert_uint_eq(addr, 0xac100040);
	ck_assert_int_eq(sn_root_store_subnet_by_v6(&db, &addr6, "c2", &addr), 0);
	ck_assert_int_eq(sn_root_store_subnet_v6_of(&db, 0xac100000, "c1", &addr6), 1);
	ck_assert_int_eq(sn_ipv6_cmp(&addr6, &(struct in6_addr){ .s6_addr = { 0xfc } }), 0);
	ck_assert_int_eq(sn_root_store_each_addr6(&db, SN_ADDR_SUBNET, count_addr6, &n), 0);
	ck_assert_int_eq(n, 2);

	ck_assert_int_eq(sn_root_store_service_add(&db, &s, "{}"), 0);
	/* Another service with the same v6 RR: refused, and nothing of it stays. */
	s2.rr_ip6 = a6("fdff:2000::1");
	ck_assert_int_eq(sn_root_store_service_add(&db, &s2, "{}"), -1);
	ck_assert_int_eq(sn_root_store_service_by_id(&db, "j2", &got), 0);
	ck_assert_int_eq(sn_root_store_instance_add(&db, "j1", &inst), 0);
	inst.number = 1;
	inst.instance_ip = 0xac1e0004;	/* the same v6 InstanceIP twice */
	ck_assert_int_eq(sn_root_store_instance_add(&db, "j1", &inst), -1);
	ck_assert_int_eq(sn_root_store_service_by_ip6(&db, &s.closest_ip6, &got), 1);
	ck_assert_str_eq(got.job_id, "j1");
	ck_assert_int_eq(sn_ipv6_cmp(&got.rr_ip6, &s.rr_ip6), 0);
	ck_assert_int_eq(sn_root_store_service_by_ip6(&db, &inst.instance_ip6, &got), 1);
	addr6 = a6("fdff::9");
	ck_assert_int_eq(sn_root_store_service_by_ip6(&db, &addr6, &got), 0);
	ck_assert_int_eq(sn_root_store_set_last_addr6(&db, SN_POOL6_RR, &s.closest_ip6), 0);
	sn_db_close(&db);

	open_db(&db);	/* all of it survives a restart */
	ck_assert_int_eq(sn_root_store_instance_get(&db, "j1", 0, &read), 1);
	ck_assert_int_eq(sn_ipv6_cmp(&read.instance_ip6, &inst.instance_ip6), 0);
	ck_assert_int_eq(sn_root_store_last_addr6(&db, SN_POOL6_RR, &last), 1);
	ck_assert_int_eq(sn_ipv6_cmp(&last, &s.closest_ip6), 0);
	ck_assert_int_eq(sn_root_store_last_addr6(&db, SN_POOL6_INSTANCE, &last), 0);
	n = 0;
	ck_assert_int_eq(sn_root_store_each_addr6(&db, SN_ADDR_SERVICE, count_addr6, &n), 0);
	ck_assert_int_eq(n, 3);
	/* Deleting gives the v6 addresses back to the store. */
	ck_assert_int_eq(sn_root_store_instance_del(&db, "j1", 0), 1);
	ck_assert_int_eq(sn_root_store_service_by_ip6(&db, &inst.instance_ip6, &got), 0);
	ck_assert_int_eq(sn_root_store_service_del(&db, "j1"), 0);
	n = 0;
	ck_assert_int_eq(sn_root_store_each_addr6(&db, SN_ADDR_SERVICE, count_addr6, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(sn_root_store_service_add(&db, &s2, "{}"), 0);	/* now free */
	sn_db_close(&db);
}
END_TEST

/* A database of the first schema (before IPv6) gains the v6 columns with
 * its rows kept; their v6 addresses read as none. */
START_TEST(v6_migration_keeps_old_rows)
{
	struct sn_db db;
	struct sn_root_service got;
	uint32_t addr;
	struct in6_addr addr6;
	sqlite3 *conn;

	ck_assert_int_eq(sqlite3_open(path, &conn), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(conn,
		"CREATE TABLE clusters (id TEXT PRIMARY KEY, address TEXT NOT NULL,"
		"  port INTEGER NOT NULL, registered_at INTEGER NOT NULL);"
		"CREATE INDEX clusters_by_address ON clusters(address);"
		"CREATE TABLE subnets (addr INTEGER PRIMARY KEY,"
		"  cluster_id TEXT NOT NULL REFERENCES clusters(id), node_id TEXT);"
		"CREATE TABLE services (job_id TEXT PRIMARY KEY, job_name TEXT NOT NULL UNIQUE,"
		"  rr_ip INTEGER NOT NULL, closest_ip INTEGER NOT NULL, descriptor TEXT);"
		"CREATE TABLE service_addrs (addr INTEGER PRIMARY KEY,"
		"  job_id TEXT NOT NULL REFERENCES services(job_id), kind TEXT NOT NULL);"
		"CREATE TABLE instances (job_id TEXT NOT NULL REFERENCES services(job_id),"
		"  number INTEGER NOT NULL, cluster_id TEXT NOT NULL, instance_ip INTEGER NOT NULL"
		"  UNIQUE, ns_ip TEXT, ns_ip_v6 TEXT, host_ip TEXT, host_port INTEGER, tunnel TEXT,"
		"  PRIMARY KEY (job_id, number));"
		"CREATE TABLE interests (cluster_id TEXT NOT NULL, job_name TEXT NOT NULL,"
		"  PRIMARY KEY (cluster_id, job_name));"
		"CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, cluster_id TEXT NOT NULL,"
		"  body TEXT NOT NULL);"
		"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
		"INSERT INTO clusters VALUES ('c1', '10.0.0.1', 10110, 0);"
		"INSERT INTO subnets VALUES (2886729728, 'c1', 'n1');"
		"INSERT INTO services VALUES ('j1', 'a.b.c.d', 2887647233, 2887647234, '{}');"
		"PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(conn);
	open_db(&db);
	ck_assert_int_eq(sn_db_version(&db), 2);
	ck_assert_int_eq(sn_root_store_subnet_of_node(&db, "c1", "n1", &addr, &addr6), 1);
	ck_assert_uint_eq(addr, 0xac100000);
	ck_assert(sn_ipv6_is_zero(&addr6));
	ck_assert_int_eq(sn_root_store_service_by_id(&db, "j1", &got), 1);
	ck_assert(sn_ipv6_is_zero(&got.rr_ip6) && sn_ipv6_is_zero(&got.closest_ip6));
	sn_db_close(&db);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("root_store", setup, teardown, 0,
			  migrates_once_and_refuses_newer_schemas, wal_mode,
			  clusters_by_id_and_address, subnets_are_unique,
			  services_instances_and_their_addresses, interests_and_outbox,
			  rollback_discards, v6_addresses_are_unique_and_durable,
			  v6_migration_keeps_old_rows);
}
