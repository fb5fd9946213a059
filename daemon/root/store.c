// SPDX-License-Identifier: GPL-2.0
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Migrations: index i takes the schema from version i to i + 1. Never edit
 * a released one; append. */
static const char *const sn_root_migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE clusters ("
	"  id TEXT PRIMARY KEY, address TEXT NOT NULL, port INTEGER NOT NULL,"
	"  registered_at INTEGER NOT NULL);"
	"CREATE INDEX clusters_by_address ON clusters(address);"
	"CREATE TABLE subnets ("
	"  addr INTEGER PRIMARY KEY, cluster_id TEXT NOT NULL REFERENCES clusters(id),"
	"  node_id TEXT);"
	"CREATE UNIQUE INDEX subnets_by_node ON subnets(cluster_id, node_id)"
	"  WHERE node_id IS NOT NULL;"
	"CREATE TABLE services ("
	"  job_id TEXT PRIMARY KEY, job_name TEXT NOT NULL UNIQUE,"
	"  rr_ip INTEGER NOT NULL, closest_ip INTEGER NOT NULL, descriptor TEXT);"
	/* One row per ServiceIP or InstanceIP in use: one pool, one owner each. */
	"CREATE TABLE service_addrs ("
	"  addr INTEGER PRIMARY KEY, job_id TEXT NOT NULL REFERENCES services(job_id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('RR', 'Closest', 'instance_ip')));"
	"CREATE INDEX service_addrs_by_job ON service_addrs(job_id);"
	"CREATE TABLE instances ("
	"  job_id TEXT NOT NULL REFERENCES services(job_id), number INTEGER NOT NULL,"
	"  cluster_id TEXT NOT NULL, instance_ip INTEGER NOT NULL UNIQUE,"
	"  ns_ip TEXT, ns_ip_v6 TEXT, host_ip TEXT, host_port INTEGER, tunnel TEXT,"
	"  PRIMARY KEY (job_id, number));"
	"CREATE TABLE interests ("
	"  cluster_id TEXT NOT NULL REFERENCES clusters(id), job_name TEXT NOT NULL,"
	"  PRIMARY KEY (cluster_id, job_name));"
	"CREATE INDEX interests_by_job ON interests(job_name);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, cluster_id TEXT NOT NULL, body TEXT NOT NULL);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
};

int sn_root_store_open(struct sn_db *db, const char *path, bool durable)
{
	return sn_db_open(db, path, sn_root_migrations,
			  sizeof(sn_root_migrations) / sizeof(sn_root_migrations[0]), durable);
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	snprintf(dst, size, "%s", sn_db_text(stmt, col));
}

/* --- pools ------------------------------------------------------------- */

int sn_root_store_each_addr(struct sn_db *db, enum sn_addr_kind kind,
			    void (*fn)(void *arg, uint32_t addr), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, kind == SN_ADDR_SUBNET ?
					"SELECT addr FROM subnets" :
					"SELECT addr FROM service_addrs");
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(arg, (uint32_t)sqlite3_column_int64(stmt, 0));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *cursor_key(enum sn_addr_kind kind)
{
	return kind == SN_ADDR_SUBNET ? "last_subnet" : "last_service_addr";
}

int sn_root_store_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t *addr)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT value FROM meta WHERE key = ?");
	int found;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cursor_key(kind), -1, SQLITE_STATIC);
	found = sn_db_step_row(stmt);
	if (found == 1)
		*addr = (uint32_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return found;
}

int sn_root_store_set_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t addr)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "INSERT INTO meta (key, value) VALUES (?, ?)"
					" ON CONFLICT (key) DO UPDATE SET value = excluded.value");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cursor_key(kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, addr);
	return sn_db_run(db, stmt);
}

/* --- clusters ---------------------------------------------------------- */

int sn_root_store_cluster_put(struct sn_db *db, const struct sn_root_cluster *c)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO clusters (id, address, port, registered_at) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (id) DO UPDATE SET address = excluded.address, port = excluded.port");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->address, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, c->port);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
	return sn_db_run(db, stmt);
}

static void read_cluster(sqlite3_stmt *stmt, struct sn_root_cluster *c)
{
	copy_text(c->id, sizeof(c->id), stmt, 0);
	copy_text(c->address, sizeof(c->address), stmt, 1);
	c->port = sqlite3_column_int(stmt, 2);
}

int sn_root_store_cluster_get(struct sn_db *db, const char *id, struct sn_root_cluster *c)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT id, address, port FROM clusters WHERE id = ?");
	int found;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	if ((found = sn_db_step_row(stmt)) == 1)
		read_cluster(stmt, c);
	sqlite3_reset(stmt);
	return found;
}

int sn_root_store_cluster_by_address(struct sn_db *db, const char *address,
				     struct sn_root_cluster *c)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT id, address, port FROM clusters WHERE address = ? ORDER BY id LIMIT 2");
	int n = 0, rc;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, address, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		if (n++ == 0)
			read_cluster(stmt, c);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? n : -1;
}

/* --- subnets ----------------------------------------------------------- */

int sn_root_store_subnet_add(struct sn_db *db, uint32_t addr, const char *cluster_id,
			     const char *node_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO subnets (addr, cluster_id, node_id) VALUES (?, ?, ?)");

	if (!stmt)
		return SQLITE_ERROR;
	sqlite3_bind_int64(stmt, 1, addr);
	sqlite3_bind_text(stmt, 2, cluster_id, -1, SQLITE_STATIC);
	if (node_id)
		sqlite3_bind_text(stmt, 3, node_id, -1, SQLITE_STATIC);
	return sn_db_step_done(db, stmt);
}

int sn_root_store_subnet_of_node(struct sn_db *db, const char *cluster_id, const char *node_id,
				 uint32_t *addr)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT addr FROM subnets WHERE cluster_id = ? AND node_id = ?");
	int found;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, node_id, -1, SQLITE_STATIC);
	if ((found = sn_db_step_row(stmt)) == 1)
		*addr = (uint32_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return found;
}

int sn_root_store_subnet_del(struct sn_db *db, uint32_t addr, const char *cluster_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM subnets WHERE addr = ? AND cluster_id = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, addr);
	sqlite3_bind_text(stmt, 2, cluster_id, -1, SQLITE_STATIC);
	return sn_db_run_changed(db, stmt);
}

int sn_root_store_subnet_count(struct sn_db *db)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT count(*) FROM subnets");
	int n = -1;

	if (stmt && sn_db_step_row(stmt) == 1)
		n = sqlite3_column_int(stmt, 0);
	if (stmt)
		sqlite3_reset(stmt);
	return n;
}

/* --- services and their addresses -------------------------------------- */

static int addr_add(struct sn_db *db, uint32_t addr, const char *job_id, const char *kind)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO service_addrs (addr, job_id, kind) VALUES (?, ?, ?)");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, addr);
	sqlite3_bind_text(stmt, 2, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_STATIC);
	return sn_db_run(db, stmt);
}

static int addr_del(struct sn_db *db, uint32_t addr)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM service_addrs WHERE addr = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, addr);
	return sn_db_run(db, stmt);
}

/* Multi-row writes are all-or-nothing even outside a caller's transaction. */
static int savepoint(struct sn_db *db)
{
	return sn_db_exec(db, "SAVEPOINT sn_store");
}

static int release(struct sn_db *db, int rc)
{
	if (rc < 0)
		sn_db_exec(db, "ROLLBACK TO sn_store");
	sn_db_exec(db, "RELEASE sn_store");
	return rc;
}

static int service_add(struct sn_db *db, const struct sn_root_service *s, const char *descriptor);

int sn_root_store_service_add(struct sn_db *db, const struct sn_root_service *s,
			      const char *descriptor)
{
	if (savepoint(db) < 0)
		return -1;
	return release(db, service_add(db, s, descriptor));
}

static int service_add(struct sn_db *db, const struct sn_root_service *s, const char *descriptor)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO services (job_id, job_name, rr_ip, closest_ip, descriptor)"
		" VALUES (?, ?, ?, ?, ?)");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, s->job_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, s->job_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, s->rr_ip);
	sqlite3_bind_int64(stmt, 4, s->closest_ip);
	sqlite3_bind_text(stmt, 5, descriptor, -1, SQLITE_STATIC);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	if (addr_add(db, s->rr_ip, s->job_id, "RR") < 0 ||
	    addr_add(db, s->closest_ip, s->job_id, "Closest") < 0)
		return -1;
	return 0;
}


static int read_service(sqlite3_stmt *stmt, struct sn_root_service *s)
{
	int found = sn_db_step_row(stmt);

	if (found == 1) {
		copy_text(s->job_id, sizeof(s->job_id), stmt, 0);
		copy_text(s->job_name, sizeof(s->job_name), stmt, 1);
		s->rr_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
		s->closest_ip = (uint32_t)sqlite3_column_int64(stmt, 3);
	}
	sqlite3_reset(stmt);
	return found;
}

int sn_root_store_service_by_id(struct sn_db *db, const char *job_id, struct sn_root_service *s)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_id, job_name, rr_ip, closest_ip FROM services WHERE job_id = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	return read_service(stmt, s);
}

int sn_root_store_service_by_name(struct sn_db *db, const char *name, struct sn_root_service *s)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_id, job_name, rr_ip, closest_ip FROM services WHERE job_name = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	return read_service(stmt, s);
}

int sn_root_store_service_by_ip(struct sn_db *db, uint32_t ip, struct sn_root_service *s)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT s.job_id, s.job_name, s.rr_ip, s.closest_ip FROM service_addrs a"
		" JOIN services s ON s.job_id = a.job_id WHERE a.addr = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, ip);
	return read_service(stmt, s);
}

int sn_root_store_service_del(struct sn_db *db, const char *job_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM service_addrs WHERE job_id = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	stmt = sn_db_stmt(db, "DELETE FROM services WHERE job_id = ?");
	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	return sn_db_run(db, stmt);
}

/* --- instances --------------------------------------------------------- */

static int instance_add(struct sn_db *db, const char *job_id, const struct sn_root_instance *inst);

int sn_root_store_instance_add(struct sn_db *db, const char *job_id,
			       const struct sn_root_instance *inst)
{
	if (savepoint(db) < 0)
		return -1;
	return release(db, instance_add(db, job_id, inst));
}

static int instance_add(struct sn_db *db, const char *job_id, const struct sn_root_instance *inst)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"INSERT INTO instances (job_id, number, cluster_id, instance_ip) VALUES (?, ?, ?, ?)");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, inst->number);
	sqlite3_bind_text(stmt, 3, inst->cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, inst->instance_ip);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	return addr_add(db, inst->instance_ip, job_id, "instance_ip");
}

#define INSTANCE_COLUMNS \
	"SELECT number, cluster_id, instance_ip, ns_ip, ns_ip_v6, host_ip, host_port, tunnel" \
	" FROM instances"

static void read_instance(sqlite3_stmt *stmt, struct sn_root_instance *inst)
{
	memset(inst, 0, sizeof(*inst));
	inst->number = sqlite3_column_int(stmt, 0);
	copy_text(inst->cluster_id, sizeof(inst->cluster_id), stmt, 1);
	inst->instance_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
	inst->located = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
	copy_text(inst->ns_ip, sizeof(inst->ns_ip), stmt, 3);
	copy_text(inst->ns_ip_v6, sizeof(inst->ns_ip_v6), stmt, 4);
	copy_text(inst->host_ip, sizeof(inst->host_ip), stmt, 5);
	inst->host_port = sqlite3_column_int(stmt, 6);
	copy_text(inst->tunnel, sizeof(inst->tunnel), stmt, 7);
}

int sn_root_store_instance_get(struct sn_db *db, const char *job_id, int number,
			       struct sn_root_instance *inst)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, INSTANCE_COLUMNS " WHERE job_id = ? AND number = ?");
	int found;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, number);
	if ((found = sn_db_step_row(stmt)) == 1)
		read_instance(stmt, inst);
	sqlite3_reset(stmt);
	return found;
}

int sn_root_store_instance_locate(struct sn_db *db, const char *job_id,
				  const struct sn_root_instance *inst)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"UPDATE instances SET ns_ip = ?, ns_ip_v6 = ?, host_ip = ?, host_port = ?, tunnel = ?"
		" WHERE job_id = ? AND number = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, inst->ns_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, inst->ns_ip_v6, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, inst->host_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, inst->host_port);
	sqlite3_bind_text(stmt, 5, inst->tunnel, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 7, inst->number);
	return sn_db_run_changed(db, stmt);
}

int sn_root_store_instance_unlocate(struct sn_db *db, const char *job_id, int number)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"UPDATE instances SET ns_ip = NULL, ns_ip_v6 = NULL, host_ip = NULL, host_port = NULL,"
		" tunnel = NULL WHERE job_id = ? AND number = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, number);
	return sn_db_run_changed(db, stmt);
}

int sn_root_store_instance_del(struct sn_db *db, const char *job_id, int number)
{
	struct sn_root_instance inst;
	int found = sn_root_store_instance_get(db, job_id, number, &inst);

	if (found <= 0)
		return found;
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM instances WHERE job_id = ? AND number = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, number);
	if (sn_db_run(db, stmt) < 0 || addr_del(db, inst.instance_ip) < 0)
		return -1;
	return 1;
}

int sn_root_store_instance_count(struct sn_db *db, const char *job_id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT count(*) FROM instances WHERE job_id = ?");
	int n = -1;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	if (sn_db_step_row(stmt) == 1)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return n;
}

int sn_root_store_each_instance(struct sn_db *db, const char *job_id,
				void (*fn)(void *arg, const struct sn_root_instance *inst),
				void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, INSTANCE_COLUMNS " WHERE job_id = ? ORDER BY number");
	struct sn_root_instance inst;
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_instance(stmt, &inst);
		fn(arg, &inst);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- interests --------------------------------------------------------- */

int sn_root_store_interest_add(struct sn_db *db, const char *cluster_id, const char *job_name)
{
	/* Most queries repeat an interest: a read spares them a write transaction. */
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT 1 FROM interests WHERE cluster_id = ? AND job_name = ?");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, job_name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return -1;
	stmt = sn_db_stmt(db, "INSERT OR IGNORE INTO interests (cluster_id, job_name) VALUES (?, ?)");
	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, job_name, -1, SQLITE_STATIC);
	return sn_db_run(db, stmt);
}

int sn_root_store_interest_del(struct sn_db *db, const char *cluster_id, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"DELETE FROM interests WHERE cluster_id = ? AND job_name = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, job_name, -1, SQLITE_STATIC);
	return sn_db_run_changed(db, stmt);
}

int sn_root_store_interest_del_job(struct sn_db *db, const char *job_name)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM interests WHERE job_name = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_name, -1, SQLITE_STATIC);
	return sn_db_run(db, stmt);
}

int sn_root_store_each_interested(struct sn_db *db, const char *job_name,
				  void (*fn)(void *arg, const char *cluster_id), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT cluster_id FROM interests WHERE job_name = ? ORDER BY cluster_id");
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, job_name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(arg, sn_db_text(stmt, 0));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* --- outbox ------------------------------------------------------------ */

int sn_root_store_outbox_add(struct sn_db *db, const char *cluster_id, const char *body,
			     int64_t *id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "INSERT INTO outbox (cluster_id, body) VALUES (?, ?)");

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, cluster_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, body, -1, SQLITE_STATIC);
	if (sn_db_run(db, stmt) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->conn);
	return 0;
}

int sn_root_store_outbox_del(struct sn_db *db, int64_t id)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "DELETE FROM outbox WHERE id = ?");

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return sn_db_run(db, stmt);
}

int sn_root_store_each_outbox(struct sn_db *db,
			      void (*fn)(void *arg, int64_t id, const char *cluster_id,
					 const char *body),
			      void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, "SELECT id, cluster_id, body FROM outbox ORDER BY id");
	int rc;

	if (!stmt)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(stmt, 0), sn_db_text(stmt, 1), sn_db_text(stmt, 2));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}
