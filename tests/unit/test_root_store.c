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
	ck_assert_int_eq(sn_db_version(&db), 1);
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

	open_db(&db);
	add_cluster(&db, "c1", "10.0.0.1");
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, "c1", "n1"), SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, "c1", NULL), SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, "c1", "n1"), SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100040, "c1", NULL), SQLITE_DONE);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100080, "nocluster", NULL),
			 SQLITE_CONSTRAINT);
	ck_assert_int_eq(sn_root_store_subnet_of_node(&db, "c1", "n1", &addr), 1);
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
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, "c1", "n1"), SQLITE_DONE);
	sn_db_rollback(&db);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 0);
	ck_assert_int_eq(sn_db_begin(&db), 0);
	ck_assert_int_eq(sn_root_store_subnet_add(&db, 0xac100000, "c1", "n1"), SQLITE_DONE);
	ck_assert_int_eq(sn_db_commit(&db), 0);
	sn_db_close(&db);
	open_db(&db);
	ck_assert_int_eq(sn_root_store_subnet_count(&db), 1);
	sn_db_close(&db);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("root_store", setup, teardown, 0,
			  migrates_once_and_refuses_newer_schemas, wal_mode,
			  clusters_by_id_and_address, subnets_are_unique,
			  services_instances_and_their_addresses, interests_and_outbox,
			  rollback_discards);
}
