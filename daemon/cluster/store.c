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
};

int sn_cluster_store_open(struct sn_db *db, const char *path, bool durable)
{
	return sn_db_open(db, path, sn_cluster_migrations,
			  sizeof(sn_cluster_migrations) / sizeof(sn_cluster_migrations[0]), durable);
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
}

/* --- nodes ------------------------------------------------------------- */

static void read_node(sqlite3_stmt *stmt, struct sn_cluster_node *n)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", sn_db_text(stmt, 0));
	n->subnet = (uint32_t)sqlite3_column_int64(stmt, 1);
	snprintf(n->host_ip, sizeof(n->host_ip), "%s", sn_db_text(stmt, 2));
	n->host_port = sqlite3_column_int(stmt, 3);
	snprintf(n->tunnel, sizeof(n->tunnel), "%s", sn_db_text(stmt, 4));
	n->subnet_len = (unsigned int)sqlite3_column_int(stmt, 5);
}

int sn_cluster_store_node_get(struct sn_db *db, const char *id, struct sn_cluster_node *n)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT id, subnet, host_ip, host_port, tunnel, subnet_len FROM nodes WHERE id = ?");
	int found;

	if (!stmt)
		return -1;
	bind_text(stmt, 1, id);
	found = sn_db_step_row(stmt);
	if (found == 1)
		read_node(stmt, n);
	sqlite3_reset(stmt);
	return found;
}

int sn_cluster_store_node_put(struct sn_db *db, const struct sn_cluster_node *n, bool *changed)
{
	struct sn_cluster_node old;
	int found = sn_cluster_store_node_get(db, n->id, &old);
	sqlite3_stmt *stmt;

	if (found < 0)
		return -1;
	*changed = found == 0 || old.subnet != n->subnet || old.subnet_len != n->subnet_len || strcmp(old.host_ip, n->host_ip) ||
		   old.host_port != n->host_port || strcmp(old.tunnel, n->tunnel);
	if (!*changed)
		return 0;
	stmt = sn_db_stmt(db,
		"INSERT INTO nodes (id, subnet, host_ip, host_port, tunnel, subnet_len)"
		" VALUES (?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (id) DO UPDATE SET subnet = excluded.subnet, host_ip = excluded.host_ip,"
		" subnet_len = excluded.subnet_len,"
		" host_port = excluded.host_port, tunnel = excluded.tunnel");
	if (!stmt)
		return -1;
	bind_text(stmt, 1, n->id);
	if (n->subnet)
		sqlite3_bind_int64(stmt, 2, n->subnet);
	bind_text(stmt, 3, n->host_ip);
	sqlite3_bind_int(stmt, 4, n->host_port);
	bind_text(stmt, 5, n->tunnel);
	sqlite3_bind_int(stmt, 6, (int)(n->subnet_len ? n->subnet_len : 26));
	return sn_db_run(db, stmt);
}

int sn_cluster_store_node_del(struct sn_db *db, const char *id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM nodes WHERE id = ?");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, id);
	return sn_db_run_changed(db, stmt);
}

int sn_cluster_store_each_node(struct sn_db *db,
			       void (*fn)(void *arg, const struct sn_cluster_node *n), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT id, subnet, host_ip, host_port, tunnel, subnet_len FROM nodes ORDER BY id");
	struct sn_cluster_node n;
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_node(stmt, &n);
		fn(arg, &n);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int64_t sn_cluster_store_registry_version(struct sn_db *db)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT value FROM meta WHERE key = 'registry_version'");
	int64_t v = 0;

	if (!stmt)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

int64_t sn_cluster_store_registry_bump(struct sn_db *db)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO meta (key, value) VALUES ('registry_version', 1)"
		" ON CONFLICT (key) DO UPDATE SET value = value + 1");

	if (!stmt || sn_db_run(db, stmt) < 0)
		return -1;
	stmt = sn_db_stmt(db, "SELECT value FROM meta WHERE key = 'registry_version'");
	if (!stmt)
		return -1;
	int64_t v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;

	sqlite3_reset(stmt);
	return v;
}

/* --- deployments ------------------------------------------------------- */

int sn_cluster_store_deployment_put(struct sn_db *db, const char *job_name, const char *job_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO deployments (job_name, job_id) VALUES (?, ?)"
		" ON CONFLICT (job_name) DO UPDATE SET job_id ="
		" CASE WHEN excluded.job_id = '' THEN job_id ELSE excluded.job_id END");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	sqlite3_bind_text(stmt, 2, job_id ? job_id : "", -1, SQLITE_STATIC);
	return sn_db_run(db, stmt);
}

int sn_cluster_store_deployment_del(struct sn_db *db, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM deployments WHERE job_name = ?");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	return sn_db_run_changed(db, stmt);
}

int sn_cluster_store_deployment_get(struct sn_db *db, const char *job_name, char job_id[65])
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT job_id FROM deployments WHERE job_name = ?");
	int found;

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	found = sn_db_step_row(stmt);
	if (found == 1)
		snprintf(job_id, 65, "%s", sn_db_text(stmt, 0));
	sqlite3_reset(stmt);
	return found;
}

/* --- tables ------------------------------------------------------------ */

int sn_cluster_store_table_put(struct sn_db *db, const struct sn_oak_table *t, bool fresh)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO tables (job_name, rr_ip, closest_ip, fresh) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (job_name) DO UPDATE SET rr_ip = excluded.rr_ip,"
		" closest_ip = excluded.closest_ip, fresh = excluded.fresh");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, t->app_name);
	sqlite3_bind_int64(stmt, 2, t->rr_ip);
	sqlite3_bind_int64(stmt, 3, t->closest_ip);
	sqlite3_bind_int(stmt, 4, fresh);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	stmt = sn_db_stmt(db, "DELETE FROM instances WHERE job_name = ? AND node_id IS NULL");
	if (!stmt)
		return -1;
	bind_text(stmt, 1, t->app_name);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	/* The root decides which instances exist: a local one it no longer
	 * lists (undeployed there) is hidden until it lists it again. */
	stmt = sn_db_stmt(db, "UPDATE instances SET instance_ip = 0 WHERE job_name = ?");
	if (!stmt)
		return -1;
	bind_text(stmt, 1, t->app_name);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	for (size_t i = 0; i < t->ninstances; i++) {
		const struct sn_oak_instance *in = &t->instances[i];

		/* A local row keeps what its node reported; the root adds the
		 * InstanceIP nodes do not know. */
		stmt = sn_db_stmt(db,
			"INSERT INTO instances (job_name, number, instance_ip, ns_ip, host_ip,"
			" host_port, tunnel) VALUES (?, ?, ?, ?, ?, ?, ?)"
			" ON CONFLICT (job_name, number) DO UPDATE SET instance_ip = excluded.instance_ip");
		if (!stmt)
			return -1;
		bind_text(stmt, 1, t->app_name);
		sqlite3_bind_int(stmt, 2, in->number);
		sqlite3_bind_int64(stmt, 3, in->instance_ip);
		sqlite3_bind_int64(stmt, 4, in->ns_ip);
		bind_text(stmt, 5, in->host_ip);
		sqlite3_bind_int(stmt, 6, in->host_port);
		bind_text(stmt, 7, in->tunnel);
		if (sn_db_run(db, stmt) < 0)
			return -1;
	}
	return 0;
}

int sn_cluster_store_table_get(struct sn_db *db, const char *job_name, struct sn_oak_table *t)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT rr_ip, closest_ip FROM tables WHERE job_name = ? AND fresh = 1");
	size_t cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	snprintf(t->app_name, sizeof(t->app_name), "%s", job_name);
	t->rr_ip = (uint32_t)sqlite3_column_int64(stmt, 0);
	t->closest_ip = (uint32_t)sqlite3_column_int64(stmt, 1);
	sqlite3_reset(stmt);

	stmt = sn_db_stmt(db,
		"SELECT number, instance_ip, ns_ip, host_ip, host_port, tunnel FROM instances"
		" WHERE job_name = ? AND instance_ip != 0 ORDER BY number");
	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (t->ninstances == cap) {
			size_t grown_cap = cap ? 2 * cap : 8;
			struct sn_oak_instance *grown = realloc(t->instances,
								grown_cap * sizeof(*grown));

			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			t->instances = grown;
			cap = grown_cap;
		}
		struct sn_oak_instance *in = &t->instances[t->ninstances++];

		memset(in, 0, sizeof(*in));
		in->number = sqlite3_column_int(stmt, 0);
		in->instance_ip = (uint32_t)sqlite3_column_int64(stmt, 1);
		in->ns_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
		snprintf(in->host_ip, sizeof(in->host_ip), "%s", sn_db_text(stmt, 3));
		in->host_port = sqlite3_column_int(stmt, 4);
		snprintf(in->tunnel, sizeof(in->tunnel), "%s", sn_db_text(stmt, 5));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		sn_oak_table_free(t);
		return -1;
	}
	return 1;
}

int sn_cluster_store_job_by_ip(struct sn_db *db, uint32_t ip, char job_name[SN_OAK_JOB_NAME_MAX + 1])
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_name FROM tables WHERE fresh = 1 AND (rr_ip = ?1 OR closest_ip = ?1)"
		" UNION SELECT i.job_name FROM instances i JOIN tables t ON t.job_name = i.job_name"
		" WHERE t.fresh = 1 AND i.instance_ip = ?1 LIMIT 1");
	int found;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, ip);
	found = sn_db_step_row(stmt);
	if (found == 1)
		snprintf(job_name, SN_OAK_JOB_NAME_MAX + 1, "%s", sn_db_text(stmt, 0));
	sqlite3_reset(stmt);
	return found;
}

int sn_cluster_store_tables_invalidate_all(struct sn_db *db)
{
	return sn_db_exec(db, "UPDATE tables SET fresh = 0");
}

int sn_cluster_store_table_invalidate(struct sn_db *db, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "UPDATE tables SET fresh = 0 WHERE job_name = ?");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	return sn_db_run(db, stmt);
}

/* --- local instances --------------------------------------------------- */

int sn_cluster_store_local_put(struct sn_db *db, const char *job_name,
			       const struct sn_oak_instance *inst, const char *node_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO instances (job_name, number, instance_ip, ns_ip, host_ip, host_port,"
		" tunnel, node_id) VALUES (?, ?, 0, ?, ?, ?, ?, ?)"
		" ON CONFLICT (job_name, number) DO UPDATE SET ns_ip = excluded.ns_ip,"
		" host_ip = excluded.host_ip, host_port = excluded.host_port,"
		" tunnel = excluded.tunnel, node_id = excluded.node_id");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	sqlite3_bind_int(stmt, 2, inst->number);
	sqlite3_bind_int64(stmt, 3, inst->ns_ip);
	bind_text(stmt, 4, inst->host_ip);
	sqlite3_bind_int(stmt, 5, inst->host_port);
	bind_text(stmt, 6, inst->tunnel);
	bind_text(stmt, 7, node_id);
	return sn_db_run(db, stmt);
}

int sn_cluster_store_local_del(struct sn_db *db, const char *job_name, int number)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"DELETE FROM instances WHERE job_name = ? AND number = ? AND node_id IS NOT NULL");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	sqlite3_bind_int(stmt, 2, number);
	return sn_db_run_changed(db, stmt);
}

static void read_local(sqlite3_stmt *stmt, struct sn_oak_instance *in)
{
	memset(in, 0, sizeof(*in));
	in->number = sqlite3_column_int(stmt, 1);
	in->instance_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
	in->ns_ip = (uint32_t)sqlite3_column_int64(stmt, 3);
	snprintf(in->host_ip, sizeof(in->host_ip), "%s", sn_db_text(stmt, 4));
	in->host_port = sqlite3_column_int(stmt, 5);
	snprintf(in->tunnel, sizeof(in->tunnel), "%s", sn_db_text(stmt, 6));
}

int sn_cluster_store_each_local_of_node(struct sn_db *db, const char *node_id,
					void (*fn)(void *arg, const char *job_name,
						   const struct sn_oak_instance *inst),
					void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_name, number, instance_ip, ns_ip, host_ip, host_port, tunnel"
		" FROM instances WHERE node_id = ? ORDER BY job_name, number");
	struct sn_oak_instance in;
	int rc;

	if (!stmt)
		return -1;
	bind_text(stmt, 1, node_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_local(stmt, &in);
		fn(arg, sn_db_text(stmt, 0), &in);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int sn_cluster_store_local_get(struct sn_db *db, const char *job_name, int number,
			       struct sn_oak_instance *inst)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_name, number, instance_ip, ns_ip, host_ip, host_port, tunnel"
		" FROM instances WHERE job_name = ? AND number = ? AND node_id IS NOT NULL");
	int found;

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	sqlite3_bind_int(stmt, 2, number);
	found = sn_db_step_row(stmt);
	if (found == 1)
		read_local(stmt, inst);
	sqlite3_reset(stmt);
	return found;
}

/* --- interests --------------------------------------------------------- */

int sn_cluster_store_interest_touch(struct sn_db *db, const char *node_id, const char *job_name,
				    int64_t now)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO interests (node_id, job_name, last_used) VALUES (?, ?, ?)"
		" ON CONFLICT (node_id, job_name) DO UPDATE SET last_used = excluded.last_used");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, node_id);
	bind_text(stmt, 2, job_name);
	sqlite3_bind_int64(stmt, 3, now);
	return sn_db_run(db, stmt);
}

int sn_cluster_store_interest_del(struct sn_db *db, const char *node_id, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"DELETE FROM interests WHERE node_id = ? AND job_name = ?");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, node_id);
	bind_text(stmt, 2, job_name);
	return sn_db_run_changed(db, stmt);
}

int sn_cluster_store_interest_count(struct sn_db *db, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT count(*) FROM interests WHERE job_name = ?");
	int n = -1;

	if (!stmt)
		return -1;
	bind_text(stmt, 1, job_name);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return n;
}

#define EXPIRED_WHERE \
	" WHERE last_used < ?1 AND NOT EXISTS (SELECT 1 FROM instances i" \
	" WHERE i.node_id = interests.node_id AND i.job_name = interests.job_name)"

int sn_cluster_store_interest_expire(struct sn_db *db, int64_t before,
				     void (*fn)(void *arg, const char *job_name), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT DISTINCT job_name FROM interests" EXPIRED_WHERE);
	char **jobs = NULL;
	size_t n = 0;
	int rc, result = 0;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	/* Collected first: fn may run other statements. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		char **grown = realloc(jobs, (n + 1) * sizeof(*jobs));

		if (!grown || !(grown[n] = strdup(sn_db_text(stmt, 0)))) {
			jobs = grown ? grown : jobs;
			rc = SQLITE_NOMEM;
			break;
		}
		jobs = grown;
		n++;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		result = -1;
		goto out;
	}
	stmt = sn_db_stmt(db, "DELETE FROM interests" EXPIRED_WHERE);
	if (!stmt) {
		result = -1;
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, before);
	if (sn_db_run(db, stmt) < 0) {
		result = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (sn_cluster_store_interest_count(db, jobs[i]) == 0)
			fn(arg, jobs[i]);
out:
	for (size_t i = 0; i < n; i++)
		free(jobs[i]);
	free(jobs);
	return result;
}

/* --- outbox ------------------------------------------------------------ */

int sn_cluster_store_outbox_add(struct sn_db *db, const char *method, const char *path,
				const char *body, int64_t *id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "INSERT INTO outbox (method, path, body) VALUES (?, ?, ?)");

	if (!stmt)
		return -1;
	bind_text(stmt, 1, method);
	bind_text(stmt, 2, path);
	bind_text(stmt, 3, body);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->conn);
	return 0;
}

int sn_cluster_store_outbox_del(struct sn_db *db, int64_t id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM outbox WHERE id = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return sn_db_run(db, stmt);
}

int sn_cluster_store_each_outbox(struct sn_db *db,
				 void (*fn)(void *arg, int64_t id, const char *method,
					    const char *path, const char *body),
				 void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT id, method, path, body FROM outbox ORDER BY id");
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(stmt, 0), sn_db_text(stmt, 1), sn_db_text(stmt, 2),
		   sqlite3_column_type(stmt, 3) == SQLITE_NULL ? NULL : sn_db_text(stmt, 3));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}
