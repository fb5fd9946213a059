// SPDX-License-Identifier: GPL-2.0
/* semnet-cluster's SQLite store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "sn_log.h"
#include "../../daemon/cluster/store.h"

static char dir[64];
static char path[128];
static struct sn_db db;

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnet-cstore");
	snprintf(path, sizeof(path), "%s/cluster.db", dir);
	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(sn_cluster_store_open(&db, path, false), 0);
}

static void teardown(void)
{
	sn_db_close(&db);
	unit_tmpdir_remove(dir);
}

START_TEST(nodes_report_changes)
{
	struct sn_cluster_node n = { .id = "n1", .subnet = 0xac100000, .subnet_len = 26 }, got;
	bool changed;

	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);
	snprintf(n.host_ip, sizeof(n.host_ip), "10.0.0.1");
	n.host_port = 4754;
	snprintf(n.tunnel, sizeof(n.tunnel), "gre-udp");
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert_str_eq(got.host_ip, "10.0.0.1");
	ck_assert_uint_eq(got.subnet_len, 26);
	/* Two nodes never share a subnet. */
	struct sn_cluster_node other = { .id = "n2", .subnet = 0xac100000, .subnet_len = 26 };

	ck_assert_int_eq(sn_cluster_store_node_put(&db, &other, &changed), -1);
	ck_assert_int_eq(sn_cluster_store_registry_version(&db), 0);
	ck_assert_int_eq(sn_cluster_store_registry_bump(&db), 1);
	ck_assert_int_eq(sn_cluster_store_registry_bump(&db), 2);
	ck_assert_int_eq(sn_cluster_store_registry_version(&db), 2);
	ck_assert_int_eq(sn_cluster_store_node_del(&db, "n1"), 1);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 0);
}
END_TEST

/* The link columns of node @id, as text ("NULL" for none), '|'-joined. */
static void link_columns(const char *id, char *out, size_t size)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_prepare_v2(db.conn,
		"SELECT quote(link_wg_key) || '|' || quote(link_wg_port) || '|' ||"
		" quote(link_underlay_prefix) || '|' || quote(link_kind_override) || '|' ||"
		" quote(link_relay) FROM nodes WHERE id = ?", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

/* A node's link facts (issue 18): NULL columns without, stored, changed,
 * dropped. */
START_TEST(nodes_keep_a_link)
{
	struct sn_cluster_node n = { .id = "n1", .subnet = 0xac100000, .subnet_len = 26 }, got;
	char cols[256];
	bool changed;

	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	link_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "NULL|NULL|NULL|NULL|NULL");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(!got.has_link);

	/* A link without WireGuard (direct only): no key, no port. */
	n.has_link = true;
	ck_assert(sn_link_prefix_parse("10.99.0.0/24", &n.link.underlay_prefix));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	link_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "NULL|NULL|'10.99.0.0/24'|NULL|0");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.has_link);
	ck_assert(!got.link.has_wg_key);
	ck_assert(sn_link_info_equal(&got.link, &n.link));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);
	memset(&n.link.underlay_prefix, 0, sizeof(n.link.underlay_prefix));

	n.link.has_wg_key = true;
	ck_assert(sn_link_key_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
					  n.link.wg_key));
	n.link.wg_port = 51820;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	link_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='|51820|NULL|NULL|0");
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);

	ck_assert(sn_link_prefix_parse("2001:db8:5::/64", &n.link.underlay_prefix));
	n.link.kind_override = SN_LINK_DIRECT;
	n.link.relay = true;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	link_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='|51820|"
			       "'2001:db8:5::/64'|'direct'|1");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.has_link);
	ck_assert(sn_link_info_equal(&got.link, &n.link));

	n.link.relay = false;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);

	n.has_link = false;
	memset(&n.link, 0, sizeof(n.link));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	link_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "NULL|NULL|NULL|NULL|NULL");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(!got.has_link);
}
END_TEST

/* The discovery result's columns, as text ("NULL" for none). */
static void nat_columns(const char *id, char *out, size_t size)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sqlite3_prepare_v2(db.conn,
		"SELECT quote(link_nat) || '|' || quote(link_public_addr) || '|' ||"
		" quote(link_port_preserved) FROM nodes WHERE id = ?", -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
}

/* A link's nat, public_addr and port_preserved (LINKS.md §4): NULL
 * without, stored, a change of any one is a change, dropped again. */
START_TEST(nodes_keep_a_nat)
{
	struct sn_cluster_node n = { .id = "n1", .subnet = 0xac100000, .subnet_len = 26 }, got;
	char cols[256];
	bool changed;

	n.has_link = true;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	nat_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "NULL|NULL|NULL");

	n.link.has_nat = true;
	n.link.nat = SN_NAT_EIM;
	ck_assert(sn_ipaddr_parse("198.51.100.7", &n.link.public_addr));
	n.link.port_preserved = true;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	nat_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "'eim'|'198.51.100.7'|1");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.link.has_nat);
	ck_assert(sn_link_info_equal(&got.link, &n.link));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);

	n.link.port_preserved = false;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	n.link.nat = SN_NAT_SYMMETRIC;
	ck_assert(sn_ipaddr_parse("2001:db8::9", &n.link.public_addr));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	nat_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "'symmetric'|'2001:db8::9'|0");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(sn_link_info_equal(&got.link, &n.link));

	n.link.has_nat = false;
	n.link.nat = SN_NAT_NONE;
	memset(&n.link.public_addr, 0, sizeof(n.link.public_addr));
	n.link.port_preserved = false;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	nat_columns("n1", cols, sizeof(cols));
	ck_assert_str_eq(cols, "NULL|NULL|NULL");
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.has_link && !got.link.has_nat);
}
END_TEST

/* A rotation's next key (LINKS.md §3): NULL without, stored, a change is
 * a change, dropped when the rotation ends; never without a key. */
START_TEST(nodes_keep_a_next_key)
{
	struct sn_cluster_node n = { .id = "n1", .subnet = 0xac100000, .subnet_len = 26 }, got;
	sqlite3_stmt *stmt;
	bool changed;

	n.has_link = true;
	n.link.has_wg_key = true;
	ck_assert(sn_link_key_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
					  n.link.wg_key));
	n.link.wg_port = 51820;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	n.link.has_wg_key_next = true;
	ck_assert(sn_link_key_from_base64("//////////////////////////////////////////8=",
					  n.link.wg_key_next));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(sqlite3_prepare_v2(db.conn, "SELECT quote(link_wg_key_next) FROM nodes"
					    " WHERE id = 'n1'", -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0),
			 "'//////////////////////////////////////////8='");
	sqlite3_finalize(stmt);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.link.has_wg_key_next);
	ck_assert(sn_link_info_equal(&got.link, &n.link));
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);

	/* The switch: the next key is the key, no next any more. */
	memcpy(n.link.wg_key, n.link.wg_key_next, sizeof(n.link.wg_key));
	memset(n.link.wg_key_next, 0, sizeof(n.link.wg_key_next));
	n.link.has_wg_key_next = false;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_assert(got.link.has_wg_key && !got.link.has_wg_key_next);
	ck_assert(sn_link_info_equal(&got.link, &n.link));
}
END_TEST

/* A store of schema 2 (before links) opens as 5, its nodes without links. */
START_TEST(nodes_migrate_to_links)
{
	char old[160];
	sqlite3 *conn;
	struct sn_db db2;
	struct sn_cluster_node got;

	snprintf(old, sizeof(old), "%s/v2.db", dir);
	ck_assert_int_eq(sqlite3_open(old, &conn), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(conn,
		"CREATE TABLE nodes (id TEXT PRIMARY KEY, subnet INTEGER UNIQUE,"
		" subnet_len INTEGER NOT NULL DEFAULT 26, host_ip TEXT NOT NULL DEFAULT '',"
		" host_port INTEGER NOT NULL DEFAULT 0, tunnel TEXT NOT NULL DEFAULT '',"
		" subnet6 TEXT, subnet6_len INTEGER NOT NULL DEFAULT 120);"
		"INSERT INTO nodes (id, subnet, host_ip, host_port, tunnel)"
		" VALUES ('n1', 2886729728, '10.0.0.1', 4754, 'gre-udp');"
		"PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(conn);
	ck_assert_int_eq(sn_cluster_store_open(&db2, old, false), 0);
	ck_assert_int_eq(sn_db_version(&db2), 5);
	ck_assert_int_eq(sn_cluster_store_node_get(&db2, "n1", &got), 1);
	ck_assert_str_eq(got.host_ip, "10.0.0.1");
	ck_assert_int_eq(got.host_port, 4754);
	ck_assert(!got.has_link);
	sn_db_close(&db2);
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

/* A node's v6 /120 (Oakestra's cut) beside its v4 subnet. */
START_TEST(nodes_keep_a_v6_subnet)
{
	struct sn_cluster_node n = { .id = "n1", .subnet = 0xac100000, .subnet_len = 26 }, got;
	bool changed;

	ck_assert_int_eq(sn_db_version(&db), 5);
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_v6(&got.subnet6, NULL);
	ck_assert_uint_eq(got.subnet6_len, 120);
	/* The root's v6 subnet arrives later (a root that gained v6). */
	n.subnet6 = v6("fc00::100");
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(!changed);	/* length 0 means 120: the same */
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "n1", &got), 1);
	ck_v6(&got.subnet6, "fc00::100");
	ck_assert_uint_eq(got.subnet6_len, 120);
	n.subnet6_len = 112;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &n, &changed), 0);
	ck_assert(changed);
	/* Two nodes never share a v6 subnet either; many have none. */
	struct sn_cluster_node other = { .id = "n2", .subnet = 0xac100040, .subnet_len = 26,
					 .subnet6 = v6("fc00::100") };

	ck_assert_int_eq(sn_cluster_store_node_put(&db, &other, &changed), -1);
	other.subnet6 = (struct in6_addr){ 0 };
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &other, &changed), 0);
	other.id[1] = '3';
	other.subnet = 0xac100080;
	ck_assert_int_eq(sn_cluster_store_node_put(&db, &other, &changed), 0);
	/* A row written before migration 2 (no v6 columns set) reads as none. */
	ck_assert_int_eq(sn_db_exec(&db, "INSERT INTO nodes (id, subnet) VALUES ('old', 1)"), 0);
	ck_assert_int_eq(sn_cluster_store_node_get(&db, "old", &got), 1);
	ck_v6(&got.subnet6, NULL);
	ck_assert_uint_eq(got.subnet6_len, 120);
}
END_TEST

static struct sn_oak_table root_answer(struct sn_oak_instance *inst, size_t n)
{
	struct sn_oak_table t = { .app_name = "a.b.c.d", .rr_ip = 0xac1e0001, .closest_ip = 0xac1e0002,
				  .instances = inst, .ninstances = n };

	return t;
}

START_TEST(tables_cache_and_go_stale)
{
	struct sn_oak_instance inst[2] = {
		{ .number = 0, .instance_ip = 0xac1e0003, .ns_ip = 0xac100002, .host_ip = "10.0.0.1",
		  .host_port = 4754, .tunnel = "gre-udp" },
		{ .number = 1, .instance_ip = 0xac1e0004, .ns_ip = 0xac100042, .host_ip = "10.0.0.2",
		  .host_port = 4754, .tunnel = "gre-udp" },
	};
	struct sn_oak_table t = root_answer(inst, 2), got;
	char job[SN_OAK_JOB_NAME_MAX + 1];

	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 0);
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_assert_uint_eq(got.ninstances, 2);
	ck_assert_uint_eq(got.instances[1].ns_ip, 0xac100042);
	sn_oak_table_free(&got);
	ck_assert_int_eq(sn_cluster_store_job_by_ip(&db, 0xac1e0002, job), 1);
	ck_assert_str_eq(job, "a.b.c.d");
	ck_assert_int_eq(sn_cluster_store_job_by_ip(&db, 0xac1e0004, job), 1);
	ck_assert_int_eq(sn_cluster_store_job_by_ip(&db, 0xac1e0009, job), 0);
	ck_assert_int_eq(sn_cluster_store_table_invalidate(&db, "a.b.c.d"), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 0);
	ck_assert_int_eq(sn_cluster_store_job_by_ip(&db, 0xac1e0001, job), 0);
	/* A newer answer replaces the instances learned from the root. */
	t.ninstances = 1;
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_assert_uint_eq(got.ninstances, 1);
	sn_oak_table_free(&got);
	ck_assert_int_eq(sn_cluster_store_tables_invalidate_all(&db), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 0);
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	sn_oak_table_free(&got);
	/* An answer that may have raced a job update is kept, not served. */
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, false), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 0);
}
END_TEST

/* A dual-stack root answer: cached with its v6 addresses, found by a v6
 * RR, Closest or InstanceIP while fresh. */
START_TEST(tables_cache_v6)
{
	struct sn_oak_instance inst[2] = {
		{ .number = 0, .instance_ip = 0xac1e0003, .ns_ip = 0xac100002, .host_ip = "10.0.0.1",
		  .host_port = 4754, .tunnel = "gre-udp" },
		{ .number = 1, .instance_ip = 0xac1e0004, .ns_ip = 0xac100042, .host_ip = "10.0.0.2",
		  .host_port = 4754, .tunnel = "gre-udp" },
	};
	struct sn_oak_table t = root_answer(inst, 2), got;
	char job[SN_OAK_JOB_NAME_MAX + 1];
	struct in6_addr ip;

	t.rr_ip6 = v6("fdff:2000::");
	t.closest_ip6 = v6("fdff:2000::1");
	inst[0].instance_ip6 = v6("fdff::");
	inst[0].ns_ip6 = v6("fc00::2");
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_v6(&got.rr_ip6, "fdff:2000::");
	ck_v6(&got.closest_ip6, "fdff:2000::1");
	ck_assert_uint_eq(got.ninstances, 2);
	ck_v6(&got.instances[0].instance_ip6, "fdff::");
	ck_v6(&got.instances[0].ns_ip6, "fc00::2");
	ck_v6(&got.instances[1].instance_ip6, NULL);	/* a v4-only instance beside it */
	ck_v6(&got.instances[1].ns_ip6, NULL);
	sn_oak_table_free(&got);
	static const char *const known[] = { "fdff:2000::", "fdff:2000::1", "fdff::" };

	for (size_t i = 0; i < 3; i++) {
		ip = v6(known[i]);
		job[0] = '\0';
		ck_assert_int_eq(sn_cluster_store_job_by_ip6(&db, &ip, job), 1);
		ck_assert_str_eq(job, "a.b.c.d");
	}
	/* Another spelling of the same address is the same address. */
	ck_assert_int_eq(sn_json_ipv6_text("FDFF:2000:0:0::", &ip), 1);
	ck_assert_int_eq(sn_cluster_store_job_by_ip6(&db, &ip, job), 1);
	ip = v6("fc00::2");	/* an nsIP is no ServiceIP */
	ck_assert_int_eq(sn_cluster_store_job_by_ip6(&db, &ip, job), 0);
	ip = v6("fdff::");
	ck_assert_int_eq(sn_cluster_store_table_invalidate(&db, "a.b.c.d"), 0);
	ck_assert_int_eq(sn_cluster_store_job_by_ip6(&db, &ip, job), 0);
	/* The root's next answer drops the instance's v6: so does the cache. */
	inst[0].instance_ip6 = (struct in6_addr){ 0 };
	t.closest_ip6 = (struct in6_addr){ 0 };
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_job_by_ip6(&db, &ip, job), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_v6(&got.closest_ip6, NULL);
	ck_v6(&got.instances[0].instance_ip6, NULL);
	sn_oak_table_free(&got);
}
END_TEST

/* A node reports the v6 nsIP, the root adds the v6 InstanceIP. */
START_TEST(local_instances_merge_v6)
{
	struct sn_oak_instance local = { .number = 5, .ns_ip = 0xac100003, .host_ip = "10.0.0.1",
					 .host_port = 4754, .tunnel = "gre-udp" };
	struct sn_oak_instance from_root = local, got_inst;
	struct sn_oak_table t = root_answer(&from_root, 1), got;

	local.ns_ip6 = v6("fc00::3");
	ck_assert_int_eq(sn_cluster_store_local_put(&db, "a.b.c.d", &local, "n1"), 0);
	ck_assert_int_eq(sn_cluster_store_local_get(&db, "a.b.c.d", 5, &got_inst), 1);
	ck_v6(&got_inst.ns_ip6, "fc00::3");
	ck_v6(&got_inst.instance_ip6, NULL);
	from_root.instance_ip = 0xac1e0005;
	from_root.instance_ip6 = v6("fdff::5");
	/* The root has not heard of the v6 nsIP yet: the node's report wins. */
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_assert_uint_eq(got.ninstances, 1);
	ck_v6(&got.instances[0].instance_ip6, "fdff::5");
	ck_v6(&got.instances[0].ns_ip6, "fc00::3");
	sn_oak_table_free(&got);
	/* A later report without v6 (say, a unikernel's "<nil>") clears it. */
	local.ns_ip6 = (struct in6_addr){ 0 };
	ck_assert_int_eq(sn_cluster_store_local_put(&db, "a.b.c.d", &local, "n1"), 0);
	ck_assert_int_eq(sn_cluster_store_local_get(&db, "a.b.c.d", 5, &got_inst), 1);
	ck_v6(&got_inst.ns_ip6, NULL);
	ck_v6(&got_inst.instance_ip6, "fdff::5");
}
END_TEST

START_TEST(local_instances_merge_with_the_root)
{
	struct sn_oak_instance local = { .number = 5, .ns_ip = 0xac100003, .host_ip = "10.0.0.1",
					 .host_port = 4754, .tunnel = "gre-udp" };
	struct sn_oak_instance from_root = local, got_inst;
	struct sn_oak_table t = root_answer(&from_root, 1), got;

	ck_assert_int_eq(sn_cluster_store_local_put(&db, "a.b.c.d", &local, "n1"), 0);
	/* Nodes do not know InstanceIPs: not listed until the root names it. */
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &(struct sn_oak_table){
		.app_name = "a.b.c.d", .rr_ip = 0xac1e0001, .closest_ip = 0xac1e0002 }, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_assert_uint_eq(got.ninstances, 0);
	sn_oak_table_free(&got);
	from_root.instance_ip = 0xac1e0005;
	from_root.host_port = 1;	/* stale at the root: the node's report wins */
	ck_assert_int_eq(sn_cluster_store_table_put(&db, &t, true), 0);
	ck_assert_int_eq(sn_cluster_store_table_get(&db, "a.b.c.d", &got), 1);
	ck_assert_uint_eq(got.ninstances, 1);
	ck_assert_uint_eq(got.instances[0].instance_ip, 0xac1e0005);
	ck_assert_int_eq(got.instances[0].host_port, 4754);
	sn_oak_table_free(&got);
	ck_assert_int_eq(sn_cluster_store_local_get(&db, "a.b.c.d", 5, &got_inst), 1);
	ck_assert_int_eq(sn_cluster_store_local_del(&db, "a.b.c.d", 5), 1);
	ck_assert_int_eq(sn_cluster_store_local_del(&db, "a.b.c.d", 5), 0);
	ck_assert_int_eq(sn_cluster_store_local_get(&db, "a.b.c.d", 5, &got_inst), 0);
}
END_TEST

static void collect(void *arg, const char *job_name)
{
	strcat(arg, job_name);
	strcat(arg, ",");
}

START_TEST(interests_expire_unless_running_locally)
{
	struct sn_oak_instance local = { .number = 0, .ns_ip = 0xac100003, .host_ip = "10.0.0.1",
					 .host_port = 4754, .tunnel = "gre-udp" };
	char dropped[128] = "";

	ck_assert_int_eq(sn_cluster_store_interest_touch(&db, "n1", "a.b.c.d", 100), 0);
	ck_assert_int_eq(sn_cluster_store_interest_touch(&db, "n2", "a.b.c.d", 100), 0);
	ck_assert_int_eq(sn_cluster_store_interest_touch(&db, "n1", "x.y.z.w", 100), 0);
	ck_assert_int_eq(sn_cluster_store_interest_touch(&db, "n3", "k.l.m.n", 100), 0);
	ck_assert_int_eq(sn_cluster_store_interest_touch(&db, "n2", "a.b.c.d", 200), 0);
	ck_assert_int_eq(sn_cluster_store_local_put(&db, "k.l.m.n", &local, "n3"), 0);
	ck_assert_int_eq(sn_cluster_store_interest_count(&db, "a.b.c.d"), 2);
	ck_assert_int_eq(sn_cluster_store_interest_expire(&db, 150, collect, dropped), 0);
	/* n2 used a.b.c.d recently; n3 runs k.l.m.n: only x.y.z.w is left unwatched. */
	ck_assert_str_eq(dropped, "x.y.z.w,");
	ck_assert_int_eq(sn_cluster_store_interest_count(&db, "a.b.c.d"), 1);
	ck_assert_int_eq(sn_cluster_store_interest_count(&db, "k.l.m.n"), 1);
	ck_assert_int_eq(sn_cluster_store_interest_del(&db, "n2", "a.b.c.d"), 1);
	ck_assert_int_eq(sn_cluster_store_interest_del(&db, "n2", "a.b.c.d"), 0);
	ck_assert_int_eq(sn_cluster_store_interest_count(&db, "a.b.c.d"), 0);
}
END_TEST

/* The outbox's rows as sn_outbox reads them: "id method path body;" each. */
static void outbox_rows(char *seen, size_t size)
{
	sqlite3_stmt *stmt = sn_db_stmt(&db, "SELECT * FROM outbox ORDER BY id");
	size_t n = 0;
	int rc;

	seen[0] = '\0';
	while (sn_db_next(stmt, &rc))
		n += (size_t)snprintf(seen + n, size - n, "%lld %s %s %s;",
				      (long long)sqlite3_column_int64(stmt, 0), sn_db_text(stmt, 1),
				      sn_db_text(stmt, 2), sqlite3_column_type(stmt, 3) ==
				      SQLITE_NULL ? "-" : sn_db_text(stmt, 3));
	ck_assert_int_eq(rc, 0);
}

START_TEST(deployments_and_outbox)
{
	char job_id[65], seen[512] = "";
	int64_t id;

	ck_assert_int_eq(sn_cluster_store_deployment_put(&db, "a.b.c.d", "j1"), 0);
	ck_assert_int_eq(sn_cluster_store_deployment_put(&db, "a.b.c.d", NULL), 0);	/* keeps j1 */
	ck_assert_int_eq(sn_cluster_store_deployment_get(&db, "a.b.c.d", job_id), 1);
	ck_assert_str_eq(job_id, "j1");
	ck_assert_int_eq(sn_cluster_store_deployment_del(&db, "a.b.c.d"), 1);
	ck_assert_int_eq(sn_cluster_store_deployment_get(&db, "a.b.c.d", job_id), 0);
	ck_assert_int_eq(sn_cluster_store_outbox_add(&db, "POST", "/api/net/x", "{}", &id), 0);
	ck_assert_int_eq(sn_cluster_store_outbox_add(&db, "DELETE", "/api/net/y", NULL, &id), 0);
	ck_assert_int_eq(id, 2);
	outbox_rows(seen, sizeof(seen));
	ck_assert_str_eq(seen, "1 POST /api/net/x {};2 DELETE /api/net/y -;");
	ck_assert_int_eq(sn_db_exec(&db, "DELETE FROM outbox WHERE id = 1"), 0);
	outbox_rows(seen, sizeof(seen));
	ck_assert_str_eq(seen, "2 DELETE /api/net/y -;");
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("cluster_store", setup, teardown, 0, nodes_report_changes, nodes_keep_a_link, nodes_keep_a_nat,
			  nodes_keep_a_next_key,
			  nodes_migrate_to_links,
			  nodes_keep_a_v6_subnet, tables_cache_and_go_stale, tables_cache_v6,
			  local_instances_merge_with_the_root, local_instances_merge_v6,
			  interests_expire_unless_running_locally, deployments_and_outbox);
}
