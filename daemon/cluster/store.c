// SPDX-License-Identifier: GPL-2.0
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sn_cluster_migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE nodes ("
	"  id TEXT PRIMARY KEY, subnet INTEGER UNIQUE, subnet_len INTEGER NOT NULL DEFAULT 26,"
	"  host_ip TEXT NOT NULL DEFAULT '',"
	"  host_port INTEGER NOT NULL DEFAULT 0, tunnel TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE deployments (job_name TEXT PRIMARY KEY, job_id TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE tables ("
	"  job_name TEXT PRIMARY KEY, rr_ip INTEGER NOT NULL, closest_ip INTEGER NOT NULL,"
	"  fresh INTEGER NOT NULL);"
	"CREATE INDEX tables_by_rr ON tables(rr_ip);"
	"CREATE INDEX tables_by_closest ON tables(closest_ip);"
	/* node_id set: the instance runs on one of this cluster's nodes (a
	 * node reported it); NULL: learned from the root. instance_ip 0: not
	 * known yet (nodes do not report it). */
	"CREATE TABLE instances ("
	"  job_name TEXT NOT NULL, number INTEGER NOT NULL, instance_ip INTEGER NOT NULL,"
	"  ns_ip INTEGER NOT NULL, host_ip TEXT NOT NULL, host_port INTEGER NOT NULL,"
	"  tunnel TEXT NOT NULL, node_id TEXT, PRIMARY KEY (job_name, number));"
	"CREATE INDEX instances_by_ip ON instances(instance_ip);"
	"CREATE INDEX instances_by_node ON instances(node_id);"
	"CREATE TABLE interests ("
	"  node_id TEXT NOT NULL, job_name TEXT NOT NULL, last_used INTEGER NOT NULL,"
	"  PRIMARY KEY (node_id, job_name));"
	"CREATE INDEX interests_by_job ON interests(job_name);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, path TEXT NOT NULL,"
	"  body TEXT);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
	/* 2: IPv6 beside IPv4. Addresses are canonical inet_ntop text (the
	 * form Oakestra compares too), NULL for none: a node's /120, a
	 * service's RR and Closest, an instance's InstanceIP and nsIP. */
	"ALTER TABLE nodes ADD COLUMN subnet6 TEXT;"
	"ALTER TABLE nodes ADD COLUMN subnet6_len INTEGER NOT NULL DEFAULT 120;"
	"CREATE UNIQUE INDEX nodes_by_subnet6 ON nodes(subnet6);"
	"ALTER TABLE tables ADD COLUMN rr_ip6 TEXT;"
	"ALTER TABLE tables ADD COLUMN closest_ip6 TEXT;"
	"CREATE INDEX tables_by_rr6 ON tables(rr_ip6);"
	"CREATE INDEX tables_by_closest6 ON tables(closest_ip6);"
	"ALTER TABLE instances ADD COLUMN instance_ip6 TEXT;"
	"ALTER TABLE instances ADD COLUMN ns_ip6 TEXT;"
	"CREATE INDEX instances_by_ip6 ON instances(instance_ip6);",
	/* 3: a node's link facts (issue 18), all NULL for a node without
	 * `link` (Oakestra's, older semnet): its WireGuard public key
	 * (base64) and port (NULL without WireGuard), underlay prefix
	 * (canonical text), kind_override ("direct", "gre-udp",
	 * "encrypted") and relay (0/1: never NULL with a link). */
	"ALTER TABLE nodes ADD COLUMN link_wg_key TEXT;"
	"ALTER TABLE nodes ADD COLUMN link_wg_port INTEGER;"
	"ALTER TABLE nodes ADD COLUMN link_underlay_prefix TEXT;"
	"ALTER TABLE nodes ADD COLUMN link_kind_override TEXT;"
	"ALTER TABLE nodes ADD COLUMN link_relay INTEGER;",
	/* 4: what the node's endpoint discovery found (LINKS.md §4), all
	 * NULL when it sent none: nat ("none", "eim", "symmetric"), the
	 * mapped address (canonical text) and port_preserved (0/1). */
	"ALTER TABLE nodes ADD COLUMN link_nat TEXT;"
	"ALTER TABLE nodes ADD COLUMN link_public_addr TEXT;"
	"ALTER TABLE nodes ADD COLUMN link_port_preserved INTEGER;",
	/* 5: the WireGuard key a node is rotating to (LINKS.md §3), base64,
	 * NULL when no rotation is under way. */
	"ALTER TABLE nodes ADD COLUMN link_wg_key_next TEXT;",
};

/* An address to bind: its text in @buf, or NULL (binds NULL) for none. */
static const char *v6_bind(const struct in6_addr *addr, char buf[SN_JSON_IPV6_STRLEN])
{
	return sn_json_ipv6_set(addr) ? sn_json_ipv6_format(addr, buf) : NULL;
}

static void v6_column(sqlite3_stmt *stmt, int col, struct in6_addr *out)
{
	if (sn_json_ipv6_text(sn_db_text(stmt, col), out) < 0)
		memset(out, 0, sizeof(*out));	/* only this store writes it */
}

int sn_cluster_store_open(struct sn_db *db, const char *path, bool durable)
{
	return SN_DB_OPEN(db, path, sn_cluster_migrations, durable);
}

/* --- nodes ------------------------------------------------------------- */

#define NODE_SELECT \
	"SELECT id, subnet, host_ip, host_port, tunnel, subnet_len, subnet6, subnet6_len," \
	" link_wg_key, link_wg_port, link_underlay_prefix, link_kind_override, link_relay," \
	" link_nat, link_public_addr, link_port_preserved, link_wg_key_next FROM nodes"

/*
 * The link columns from @col on. A node has link when link_relay is not
 * NULL (0 or 1 with every link, NULL without one); its key is NULL when
 * it offers no WireGuard. As only this store writes them, a value that
 * does not read back is left out.
 */
static void read_link(sqlite3_stmt *stmt, int col, struct sn_cluster_node *n)
{
	const char *key = (const char *)sqlite3_column_text(stmt, col);
	const char *prefix = (const char *)sqlite3_column_text(stmt, col + 2);
	const char *kind = (const char *)sqlite3_column_text(stmt, col + 3);
	const char *next = (const char *)sqlite3_column_text(stmt, col + 8);
	struct sn_link_info *l = &n->link;

	if (sqlite3_column_type(stmt, col + 4) == SQLITE_NULL)
		return;
	l->has_wg_key = key && sn_link_key_from_base64(key, l->wg_key);
	l->wg_port = l->has_wg_key ? sqlite3_column_int(stmt, col + 1) : 0;
	l->has_wg_key_next = l->has_wg_key && next && sn_link_key_from_base64(next, l->wg_key_next);
	if (prefix && !sn_link_prefix_parse(prefix, &l->underlay_prefix))
		memset(&l->underlay_prefix, 0, sizeof(l->underlay_prefix));
	if (!kind || !sn_link_kind_parse(kind, &l->kind_override))
		l->kind_override = SN_LINK_NONE;
	l->relay = sqlite3_column_int(stmt, col + 4) != 0;
	/* The discovery result, whole or not at all. */
	l->has_nat = sn_link_nat_parse((const char *)sqlite3_column_text(stmt, col + 5), &l->nat) &&
		     sn_ipaddr_parse((const char *)sqlite3_column_text(stmt, col + 6),
				     &l->public_addr) &&
		     sqlite3_column_type(stmt, col + 7) != SQLITE_NULL;
	if (l->has_nat) {
		l->port_preserved = sqlite3_column_int(stmt, col + 7) != 0;
	} else {
		l->nat = SN_NAT_NONE;
		memset(&l->public_addr, 0, sizeof(l->public_addr));
	}
	n->has_link = true;
}

static void read_node(sqlite3_stmt *stmt, void *out)
{
	struct sn_cluster_node *n = out;

	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", sn_db_text(stmt, 0));
	n->subnet = (uint32_t)sqlite3_column_int64(stmt, 1);
	snprintf(n->host_ip, sizeof(n->host_ip), "%s", sn_db_text(stmt, 2));
	n->host_port = sqlite3_column_int(stmt, 3);
	snprintf(n->tunnel, sizeof(n->tunnel), "%s", sn_db_text(stmt, 4));
	n->subnet_len = (unsigned int)sqlite3_column_int(stmt, 5);
	v6_column(stmt, 6, &n->subnet6);
	n->subnet6_len = (unsigned int)sqlite3_column_int(stmt, 7);
	read_link(stmt, 8, n);
}

int sn_cluster_store_node_get(struct sn_db *db, const char *id, struct sn_cluster_node *n)
{
	return sn_db_get(sn_db_bind(db, NODE_SELECT " WHERE id = ?", "t", id), read_node, n);
}

int sn_cluster_store_node_put(struct sn_db *db, const struct sn_cluster_node *n, bool *changed)
{
	struct sn_cluster_node old;
	int found = sn_cluster_store_node_get(db, n->id, &old);
	unsigned int len6 = n->subnet6_len ? n->subnet6_len : 120;
	char subnet6[SN_JSON_IPV6_STRLEN], key[SN_LINK_KEY_B64_LEN + 1];
	char next[SN_LINK_KEY_B64_LEN + 1];
	char prefix[SN_IPADDR_STRLEN + 4], public_addr[SN_IPADDR_STRLEN];
	const struct sn_link_info *l = &n->link;
	bool has_nat = n->has_link && l->has_nat;
	bool has_next = n->has_link && l->has_wg_key && l->has_wg_key_next;
	bool has_prefix = n->has_link && sn_ipaddr_is_set(&l->underlay_prefix.addr);
	bool has_kind = n->has_link && l->kind_override != SN_LINK_NONE;
	sqlite3_stmt *stmt;

	if (found < 0)
		return -1;
	*changed = found == 0 || old.subnet != n->subnet || old.subnet_len != n->subnet_len || strcmp(old.host_ip, n->host_ip) ||
		   old.host_port != n->host_port || strcmp(old.tunnel, n->tunnel) ||
		   memcmp(&old.subnet6, &n->subnet6, sizeof(n->subnet6)) ||
		   (sn_json_ipv6_set(&n->subnet6) && old.subnet6_len != len6) ||
		   old.has_link != n->has_link ||
		   (n->has_link && !sn_link_info_equal(&old.link, l));
	if (!*changed)
		return 0;
	if (n->has_link && l->has_wg_key)
		sn_link_key_to_base64(l->wg_key, key);
	if (has_next)
		sn_link_key_to_base64(l->wg_key_next, next);
	if (n->has_link) {
		sn_link_prefix_format(&l->underlay_prefix, prefix);
	}
	sn_ipaddr_format(&l->public_addr, public_addr);
	stmt = sn_db_bind(db,
		"INSERT INTO nodes (id, subnet, host_ip, host_port, tunnel, subnet_len, subnet6,"
		" subnet6_len, link_wg_key, link_wg_port, link_underlay_prefix, link_kind_override,"
		" link_relay, link_nat, link_public_addr, link_port_preserved, link_wg_key_next)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (id) DO UPDATE SET subnet = excluded.subnet, host_ip = excluded.host_ip,"
		" subnet_len = excluded.subnet_len, subnet6 = excluded.subnet6,"
		" subnet6_len = excluded.subnet6_len,"
		" host_port = excluded.host_port, tunnel = excluded.tunnel,"
		" link_wg_key = excluded.link_wg_key, link_wg_port = excluded.link_wg_port,"
		" link_underlay_prefix = excluded.link_underlay_prefix,"
		" link_kind_override = excluded.link_kind_override, link_relay = excluded.link_relay,"
		" link_nat = excluded.link_nat, link_public_addr = excluded.link_public_addr,"
		" link_port_preserved = excluded.link_port_preserved,"
		" link_wg_key_next = excluded.link_wg_key_next",
		"tutitititittittit", n->id, n->subnet, n->host_ip, n->host_port, n->tunnel,
		(int)(n->subnet_len ? n->subnet_len : 26), v6_bind(&n->subnet6, subnet6),
		(int)len6, n->has_link && l->has_wg_key ? key : NULL, n->has_link ? l->wg_port : 0,
		has_prefix ? prefix : NULL, has_kind ? sn_link_kind_name(l->kind_override) : NULL,
		n->has_link && l->relay, has_nat ? sn_link_nat_name(l->nat) : NULL,
		has_nat ? public_addr : NULL, has_nat && l->port_preserved, has_next ? next : NULL);
	/* No subnet yet: NULL, which the UNIQUE constraint lets many rows have. */
	if (stmt && !n->subnet)
		sqlite3_bind_null(stmt, 2);
	if (stmt && !(n->has_link && l->has_wg_key))
		sqlite3_bind_null(stmt, 10);
	if (stmt && !n->has_link)
		sqlite3_bind_null(stmt, 13);
	if (stmt && !has_nat)
		sqlite3_bind_null(stmt, 16);
	return sn_db_run(db, stmt);
}

int sn_cluster_store_node_del(struct sn_db *db, const char *id)
{
	return sn_db_run_changed(db, sn_db_bind(db, "DELETE FROM nodes WHERE id = ?", "t", id));
}

int sn_cluster_store_each_node(struct sn_db *db,
			       void (*fn)(void *arg, const struct sn_cluster_node *n), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, NODE_SELECT " ORDER BY id");
	struct sn_cluster_node n;
	int rc;

	while (sn_db_next(stmt, &rc)) {
		read_node(stmt, &n);
		fn(arg, &n);
	}
	return rc;
}

#define REGISTRY_VERSION "SELECT value FROM meta WHERE key = 'registry_version'"

int64_t sn_cluster_store_registry_version(struct sn_db *db)
{
	return sn_db_value(sn_db_stmt(db, REGISTRY_VERSION), 0);
}

int64_t sn_cluster_store_registry_bump(struct sn_db *db)
{
	if (sn_db_run(db, sn_db_stmt(db,
		"INSERT INTO meta (key, value) VALUES ('registry_version', 1)"
		" ON CONFLICT (key) DO UPDATE SET value = value + 1")) < 0)
		return -1;
	return sn_db_value(sn_db_stmt(db, REGISTRY_VERSION), -1);
}

/* --- deployments ------------------------------------------------------- */

int sn_cluster_store_deployment_put(struct sn_db *db, const char *job_name, const char *job_id)
{
	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO deployments (job_name, job_id) VALUES (?, ?)"
		" ON CONFLICT (job_name) DO UPDATE SET job_id ="
		" CASE WHEN excluded.job_id = '' THEN job_id ELSE excluded.job_id END",
		"tt", job_name, job_id ? job_id : ""));
}

int sn_cluster_store_deployment_del(struct sn_db *db, const char *job_name)
{
	return sn_db_run_changed(db, sn_db_bind(db, "DELETE FROM deployments WHERE job_name = ?",
						"t", job_name));
}

int sn_cluster_store_deployment_get(struct sn_db *db, const char *job_name, char job_id[65])
{
	sqlite3_stmt *stmt = sn_db_bind(db, "SELECT job_id FROM deployments WHERE job_name = ?",
					"t", job_name);
	int found = sn_db_step_row(stmt);

	if (found == 1)
		snprintf(job_id, 65, "%s", sn_db_text(stmt, 0));
	return sn_db_reset(stmt, found);
}

/* --- tables ------------------------------------------------------------ */

int sn_cluster_store_table_put(struct sn_db *db, const struct sn_oak_table *t, bool fresh)
{
	const char *job = t->app_name;
	char rr6[SN_JSON_IPV6_STRLEN], closest6[SN_JSON_IPV6_STRLEN];

	if (sn_db_run(db, sn_db_bind(db,
		"INSERT INTO tables (job_name, rr_ip, closest_ip, fresh, rr_ip6, closest_ip6)"
		" VALUES (?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (job_name) DO UPDATE SET rr_ip = excluded.rr_ip,"
		" closest_ip = excluded.closest_ip, fresh = excluded.fresh,"
		" rr_ip6 = excluded.rr_ip6, closest_ip6 = excluded.closest_ip6",
		"tuuitt", job, t->rr_ip, t->closest_ip, (int)fresh, v6_bind(&t->rr_ip6, rr6),
		v6_bind(&t->closest_ip6, closest6))) < 0 ||
	    sn_db_run(db, sn_db_bind(db,
		"DELETE FROM instances WHERE job_name = ? AND node_id IS NULL", "t", job)) < 0 ||
	    /* The root decides which instances exist: a local one it no longer
	     * lists (undeployed there) is hidden until it lists it again. */
	    sn_db_run(db, sn_db_bind(db,
		"UPDATE instances SET instance_ip = 0, instance_ip6 = NULL WHERE job_name = ?",
		"t", job)) < 0)
		return -1;
	for (size_t i = 0; i < t->ninstances; i++) {
		const struct sn_oak_instance *in = &t->instances[i];
		char ip6[SN_JSON_IPV6_STRLEN], ns6[SN_JSON_IPV6_STRLEN];

		/* A local row keeps what its node reported; the root adds the
		 * InstanceIPs nodes do not know. */
		if (sn_db_run(db, sn_db_bind(db,
			"INSERT INTO instances (job_name, number, instance_ip, ns_ip, host_ip,"
			" host_port, tunnel, instance_ip6, ns_ip6) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
			" ON CONFLICT (job_name, number) DO UPDATE SET instance_ip = excluded.instance_ip,"
			" instance_ip6 = excluded.instance_ip6",
			"tiuutittt", job, in->number, in->instance_ip, in->ns_ip, in->host_ip,
			in->host_port, in->tunnel, v6_bind(&in->instance_ip6, ip6),
			v6_bind(&in->ns_ip6, ns6))) < 0)
			return -1;
	}
	/* Listed but not deployed yet as far as the root knows (an Oakestra
	 * root until net_deploy_status arrives): a local row that its node
	 * reported still takes the InstanceIPs, as Oakestra's cluster lists
	 * it from its own record. */
	for (size_t i = 0; i < t->nunlocated; i++) {
		const struct sn_oak_instance *in = &t->unlocated[i];
		char ip6[SN_JSON_IPV6_STRLEN];

		if (sn_db_run(db, sn_db_bind(db,
			"UPDATE instances SET instance_ip = ?, instance_ip6 = ?"
			" WHERE job_name = ? AND number = ? AND node_id IS NOT NULL",
			"utti", in->instance_ip, v6_bind(&in->instance_ip6, ip6), job,
			in->number)) < 0)
			return -1;
	}
	return 0;
}

/* The columns read_instance() reads, in its order. */
#define INSTANCE_SELECT \
	"SELECT job_name, number, instance_ip, ns_ip, host_ip, host_port, tunnel, instance_ip6," \
	" ns_ip6 FROM instances"

static void read_instance(sqlite3_stmt *stmt, void *out)
{
	struct sn_oak_instance *in = out;

	memset(in, 0, sizeof(*in));
	in->number = sqlite3_column_int(stmt, 1);
	in->instance_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
	in->ns_ip = (uint32_t)sqlite3_column_int64(stmt, 3);
	snprintf(in->host_ip, sizeof(in->host_ip), "%s", sn_db_text(stmt, 4));
	in->host_port = sqlite3_column_int(stmt, 5);
	snprintf(in->tunnel, sizeof(in->tunnel), "%s", sn_db_text(stmt, 6));
	v6_column(stmt, 7, &in->instance_ip6);
	v6_column(stmt, 8, &in->ns_ip6);
}

int sn_cluster_store_table_get(struct sn_db *db, const char *job_name, struct sn_oak_table *t)
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT rr_ip, closest_ip, rr_ip6, closest_ip6 FROM tables"
		" WHERE job_name = ? AND fresh = 1",
		"t", job_name);
	size_t cap = 0;
	int rc = sn_db_step_row(stmt);

	memset(t, 0, sizeof(*t));
	if (rc != 1)
		return sn_db_reset(stmt, rc);
	snprintf(t->app_name, sizeof(t->app_name), "%s", job_name);
	t->rr_ip = (uint32_t)sqlite3_column_int64(stmt, 0);
	t->closest_ip = (uint32_t)sqlite3_column_int64(stmt, 1);
	v6_column(stmt, 2, &t->rr_ip6);
	v6_column(stmt, 3, &t->closest_ip6);
	sqlite3_reset(stmt);

	stmt = sn_db_bind(db, INSTANCE_SELECT
			  " WHERE job_name = ? AND instance_ip != 0 ORDER BY number", "t", job_name);
	while (sn_db_next(stmt, &rc)) {
		if (t->ninstances == cap) {
			size_t grown_cap = cap ? 2 * cap : 8;
			struct sn_oak_instance *grown = realloc(t->instances,
								grown_cap * sizeof(*grown));

			if (!grown) {
				sqlite3_reset(stmt);
				rc = -1;
				break;
			}
			t->instances = grown;
			cap = grown_cap;
		}
		read_instance(stmt, &t->instances[t->ninstances++]);
	}
	if (rc < 0) {
		sn_oak_table_free(t);
		return -1;
	}
	return 1;
}

int sn_cluster_store_job_by_ip(struct sn_db *db, uint32_t ip, char job_name[SN_OAK_JOB_NAME_MAX + 1])
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT job_name FROM tables WHERE fresh = 1 AND (rr_ip = ?1 OR closest_ip = ?1)"
		" UNION SELECT i.job_name FROM instances i JOIN tables t ON t.job_name = i.job_name"
		" WHERE t.fresh = 1 AND i.instance_ip = ?1 LIMIT 1", "u", ip);
	int found = sn_db_step_row(stmt);

	if (found == 1)
		snprintf(job_name, SN_OAK_JOB_NAME_MAX + 1, "%s", sn_db_text(stmt, 0));
	return sn_db_reset(stmt, found);
}

int sn_cluster_store_job_by_ip6(struct sn_db *db, const struct in6_addr *ip,
				char job_name[SN_OAK_JOB_NAME_MAX + 1])
{
	char text[SN_JSON_IPV6_STRLEN];
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT job_name FROM tables WHERE fresh = 1 AND (rr_ip6 = ?1 OR closest_ip6 = ?1)"
		" UNION SELECT i.job_name FROM instances i JOIN tables t ON t.job_name = i.job_name"
		" WHERE t.fresh = 1 AND i.instance_ip6 = ?1 LIMIT 1",
		"t", sn_json_ipv6_format(ip, text));
	int found = sn_db_step_row(stmt);

	if (found == 1)
		snprintf(job_name, SN_OAK_JOB_NAME_MAX + 1, "%s", sn_db_text(stmt, 0));
	return sn_db_reset(stmt, found);
}

int sn_cluster_store_tables_invalidate_all(struct sn_db *db)
{
	return sn_db_exec(db, "UPDATE tables SET fresh = 0");
}

int sn_cluster_store_table_invalidate(struct sn_db *db, const char *job_name)
{
	return sn_db_run(db, sn_db_bind(db, "UPDATE tables SET fresh = 0 WHERE job_name = ?",
					"t", job_name));
}

/* --- local instances --------------------------------------------------- */

int sn_cluster_store_local_put(struct sn_db *db, const char *job_name,
			       const struct sn_oak_instance *inst, const char *node_id)
{
	char ns6[SN_JSON_IPV6_STRLEN];

	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO instances (job_name, number, instance_ip, ns_ip, host_ip, host_port,"
		" tunnel, node_id, ns_ip6) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (job_name, number) DO UPDATE SET ns_ip = excluded.ns_ip,"
		" host_ip = excluded.host_ip, host_port = excluded.host_port,"
		" tunnel = excluded.tunnel, node_id = excluded.node_id, ns_ip6 = excluded.ns_ip6",
		"tiutittt", job_name, inst->number, inst->ns_ip, inst->host_ip, inst->host_port,
		inst->tunnel, node_id, v6_bind(&inst->ns_ip6, ns6)));
}

int sn_cluster_store_local_del(struct sn_db *db, const char *job_name, int number)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"DELETE FROM instances WHERE job_name = ? AND number = ? AND node_id IS NOT NULL",
		"ti", job_name, number));
}

int sn_cluster_store_each_local_of_node(struct sn_db *db, const char *node_id,
					void (*fn)(void *arg, const char *job_name,
						   const struct sn_oak_instance *inst),
					void *arg)
{
	sqlite3_stmt *stmt = sn_db_bind(db, INSTANCE_SELECT
					" WHERE node_id = ? ORDER BY job_name, number", "t", node_id);
	struct sn_oak_instance in;
	int rc;

	while (sn_db_next(stmt, &rc)) {
		read_instance(stmt, &in);
		fn(arg, sn_db_text(stmt, 0), &in);
	}
	return rc;
}

int sn_cluster_store_local_get(struct sn_db *db, const char *job_name, int number,
			       struct sn_oak_instance *inst)
{
	return sn_db_get(sn_db_bind(db, INSTANCE_SELECT
		" WHERE job_name = ? AND number = ? AND node_id IS NOT NULL",
		"ti", job_name, number), read_instance, inst);
}

/* --- interests --------------------------------------------------------- */

int sn_cluster_store_interest_touch(struct sn_db *db, const char *node_id, const char *job_name,
				    int64_t now)
{
	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO interests (node_id, job_name, last_used) VALUES (?, ?, ?)"
		" ON CONFLICT (node_id, job_name) DO UPDATE SET last_used = excluded.last_used",
		"ttl", node_id, job_name, now));
}

int sn_cluster_store_interest_del(struct sn_db *db, const char *node_id, const char *job_name)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"DELETE FROM interests WHERE node_id = ? AND job_name = ?",
		"tt", node_id, job_name));
}

int sn_cluster_store_interest_count(struct sn_db *db, const char *job_name)
{
	return (int)sn_db_value(sn_db_bind(db,
		"SELECT count(*) FROM interests WHERE job_name = ?", "t", job_name), -1);
}

#define EXPIRED_WHERE \
	" WHERE last_used < ?1 AND NOT EXISTS (SELECT 1 FROM instances i" \
	" WHERE i.node_id = interests.node_id AND i.job_name = interests.job_name)"

int sn_cluster_store_interest_expire(struct sn_db *db, int64_t before,
				     void (*fn)(void *arg, const char *job_name), void *arg)
{
	sqlite3_stmt *stmt = sn_db_bind(db, "SELECT DISTINCT job_name FROM interests" EXPIRED_WHERE,
					"l", before);
	char **jobs = NULL;
	size_t n = 0;
	int rc;

	/* Collected first: fn may run other statements. */
	while (sn_db_next(stmt, &rc)) {
		char **grown = realloc(jobs, (n + 1) * sizeof(*jobs));

		if (!grown || !(grown[n] = strdup(sn_db_text(stmt, 0)))) {
			jobs = grown ? grown : jobs;
			sqlite3_reset(stmt);
			rc = -1;
			break;
		}
		jobs = grown;
		n++;
	}
	if (rc == 0)
		rc = sn_db_run(db, sn_db_bind(db, "DELETE FROM interests" EXPIRED_WHERE,
					      "l", before));
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && sn_cluster_store_interest_count(db, jobs[i]) == 0)
			fn(arg, jobs[i]);
		free(jobs[i]);
	}
	free(jobs);
	return rc;
}

/* --- outbox ------------------------------------------------------------ */

int sn_cluster_store_outbox_add(struct sn_db *db, const char *method, const char *path,
				const char *body, int64_t *id)
{
	*id = sn_db_insert(db, sn_db_bind(db,
		"INSERT INTO outbox (method, path, body) VALUES (?, ?, ?)",
		"ttt", method, path, body));
	return *id < 0 ? -1 : 0;
}
