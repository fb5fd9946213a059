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
	/* 2: IPv6 twins, 16-byte BLOBs (NULL in rows from before). A node's v6
	 * subnet shares its v4 subnet's row; v6 ServiceIPs and InstanceIPs
	 * have their own one-owner table, as the v4 ones. The v6 pools'
	 * cursors are BLOB values in meta. */
	"ALTER TABLE subnets ADD COLUMN addr_v6 BLOB CHECK (length(addr_v6) = 16);"
	"CREATE UNIQUE INDEX subnets_by_addr_v6 ON subnets(addr_v6) WHERE addr_v6 IS NOT NULL;"
	"ALTER TABLE services ADD COLUMN rr_ip_v6 BLOB;"
	"ALTER TABLE services ADD COLUMN closest_ip_v6 BLOB;"
	"ALTER TABLE instances ADD COLUMN instance_ip_v6 BLOB;"
	"CREATE UNIQUE INDEX instances_by_ip_v6 ON instances(instance_ip_v6)"
	"  WHERE instance_ip_v6 IS NOT NULL;"
	"CREATE TABLE service_addrs6 ("
	"  addr BLOB PRIMARY KEY CHECK (length(addr) = 16),"
	"  job_id TEXT NOT NULL REFERENCES services(job_id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('RR', 'Closest', 'instance_ip')));"
	"CREATE INDEX service_addrs6_by_job ON service_addrs6(job_id);",
};

int sn_root_store_open(struct sn_db *db, const char *path, bool durable)
{
	return SN_DB_OPEN(db, path, sn_root_migrations, durable);
}

static void copy_text(char *dst, size_t size, sqlite3_stmt *stmt, int col)
{
	snprintf(dst, size, "%s", sn_db_text(stmt, col));
}

/* Binds parameter @i of @stmt (which sn_db_bind may have returned as NULL:
 * passed on) to @addr as a 16-byte BLOB, or NULL when @addr is NULL or ::. */
static sqlite3_stmt *bind6(sqlite3_stmt *stmt, int i, const struct in6_addr *addr)
{
	int rc;

	if (!stmt)
		return NULL;
	if (!addr || sn_ipv6_is_zero(addr))
		rc = sqlite3_bind_null(stmt, i);
	else
		rc = sqlite3_bind_blob(stmt, i, addr->s6_addr, 16, SQLITE_TRANSIENT);
	return rc == SQLITE_OK ? stmt : NULL;
}

/* Column @col as an IPv6 address; :: for NULL (or anything not 16 bytes). */
static void column6(sqlite3_stmt *stmt, int col, struct in6_addr *addr)
{
	const void *blob = sqlite3_column_blob(stmt, col);

	memset(addr, 0, sizeof(*addr));
	if (blob && sqlite3_column_bytes(stmt, col) == 16)
		memcpy(addr->s6_addr, blob, 16);
}

/* --- pools ------------------------------------------------------------- */

int sn_root_store_each_addr(struct sn_db *db, enum sn_addr_kind kind,
			    void (*fn)(void *arg, uint32_t addr), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, kind == SN_ADDR_SUBNET ?
					"SELECT addr FROM subnets" :
					"SELECT addr FROM service_addrs");
	int rc;

	while (sn_db_next(stmt, &rc))
		fn(arg, (uint32_t)sqlite3_column_int64(stmt, 0));
	return rc;
}

static const char *cursor_key(enum sn_addr_kind kind)
{
	return kind == SN_ADDR_SUBNET ? "last_subnet" : "last_service_addr";
}

int sn_root_store_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t *addr)
{
	sqlite3_stmt *stmt = sn_db_bind(db, "SELECT value FROM meta WHERE key = ?",
					"t", cursor_key(kind));
	int found = sn_db_step_row(stmt);

	if (found == 1)
		*addr = (uint32_t)sqlite3_column_int64(stmt, 0);
	return sn_db_reset(stmt, found);
}

int sn_root_store_set_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t addr)
{
	return sn_db_run(db, sn_db_bind(db, "INSERT INTO meta (key, value) VALUES (?, ?)"
					" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
					"tu", cursor_key(kind), addr));
}

int sn_root_store_each_addr6(struct sn_db *db, enum sn_addr_kind kind,
			     void (*fn)(void *arg, const struct in6_addr *addr), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, kind == SN_ADDR_SUBNET ?
					"SELECT addr_v6 FROM subnets WHERE addr_v6 IS NOT NULL" :
					"SELECT addr FROM service_addrs6");
	struct in6_addr addr;
	int rc;

	while (sn_db_next(stmt, &rc)) {
		column6(stmt, 0, &addr);
		fn(arg, &addr);
	}
	return rc;
}

static const char *cursor_key6(enum sn_pool6 pool)
{
	return pool == SN_POOL6_SUBNET ? "last_subnet6" :
	       pool == SN_POOL6_INSTANCE ? "last_instance_ip6" : "last_rr_ip6";
}

int sn_root_store_last_addr6(struct sn_db *db, enum sn_pool6 pool, struct in6_addr *addr)
{
	sqlite3_stmt *stmt = sn_db_bind(db, "SELECT value FROM meta WHERE key = ?",
					"t", cursor_key6(pool));
	int found = sn_db_step_row(stmt);

	if (found == 1)
		column6(stmt, 0, addr);
	return sn_db_reset(stmt, found);
}

int sn_root_store_set_last_addr6(struct sn_db *db, enum sn_pool6 pool,
				 const struct in6_addr *addr)
{
	/* meta.value's INTEGER affinity keeps a BLOB as it is. */
	return sn_db_run(db, bind6(sn_db_bind(db, "INSERT INTO meta (key, value) VALUES (?, ?)"
					      " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
					      "t", cursor_key6(pool)), 2, addr));
}

/* --- clusters ---------------------------------------------------------- */

int sn_root_store_cluster_put(struct sn_db *db, const struct sn_root_cluster *c)
{
	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO clusters (id, address, port, registered_at) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (id) DO UPDATE SET address = excluded.address, port = excluded.port",
		"ttil", c->id, c->address, c->port, (int64_t)time(NULL)));
}

static void read_cluster(sqlite3_stmt *stmt, void *out)
{
	struct sn_root_cluster *c = out;

	copy_text(c->id, sizeof(c->id), stmt, 0);
	copy_text(c->address, sizeof(c->address), stmt, 1);
	c->port = sqlite3_column_int(stmt, 2);
}

int sn_root_store_cluster_get(struct sn_db *db, const char *id, struct sn_root_cluster *c)
{
	return sn_db_get(sn_db_bind(db, "SELECT id, address, port FROM clusters WHERE id = ?",
				    "t", id), read_cluster, c);
}

int sn_root_store_cluster_by_address(struct sn_db *db, const char *address,
				     struct sn_root_cluster *c)
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT id, address, port FROM clusters WHERE address = ? ORDER BY id LIMIT 2",
		"t", address);
	int n = 0, rc;

	while (sn_db_next(stmt, &rc))
		if (n++ == 0)
			read_cluster(stmt, c);
	return rc < 0 ? -1 : n;
}

/* --- subnets ----------------------------------------------------------- */

int sn_root_store_subnet_add(struct sn_db *db, uint32_t addr, const struct in6_addr *addr6,
			     const char *cluster_id, const char *node_id)
{
	return sn_db_step_done(db, bind6(sn_db_bind(db,
		"INSERT INTO subnets (addr, cluster_id, node_id, addr_v6) VALUES (?, ?, ?, ?)",
		"utt", addr, cluster_id, node_id), 4, addr6));
}

int sn_root_store_subnet_of_node(struct sn_db *db, const char *cluster_id, const char *node_id,
				 uint32_t *addr, struct in6_addr *addr6)
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT addr, addr_v6 FROM subnets WHERE cluster_id = ? AND node_id = ?",
		"tt", cluster_id, node_id);
	int found = sn_db_step_row(stmt);

	if (found == 1) {
		*addr = (uint32_t)sqlite3_column_int64(stmt, 0);
		column6(stmt, 1, addr6);
	}
	return sn_db_reset(stmt, found);
}

int sn_root_store_subnet_set_v6(struct sn_db *db, uint32_t addr, const struct in6_addr *addr6)
{
	return sn_db_run_changed(db, bind6(sn_db_bind(db,
		"UPDATE subnets SET addr_v6 = ?2 WHERE addr = ?1", "u", addr), 2, addr6));
}

int sn_root_store_subnet_by_v6(struct sn_db *db, const struct in6_addr *addr6,
			       const char *cluster_id, uint32_t *addr)
{
	sqlite3_stmt *stmt = bind6(sn_db_bind(db,
		"SELECT addr FROM subnets WHERE cluster_id = ?1 AND addr_v6 = ?2",
		"t", cluster_id), 2, addr6);
	int found = sn_db_step_row(stmt);

	if (found == 1)
		*addr = (uint32_t)sqlite3_column_int64(stmt, 0);
	return sn_db_reset(stmt, found);
}

int sn_root_store_subnet_v6_of(struct sn_db *db, uint32_t addr, const char *cluster_id,
			       struct in6_addr *addr6)
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT addr_v6 FROM subnets WHERE addr = ? AND cluster_id = ?",
		"ut", addr, cluster_id);
	int found = sn_db_step_row(stmt);

	if (found == 1)
		column6(stmt, 0, addr6);
	return sn_db_reset(stmt, found);
}

int sn_root_store_subnet_del(struct sn_db *db, uint32_t addr, const char *cluster_id)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"DELETE FROM subnets WHERE addr = ? AND cluster_id = ?", "ut", addr, cluster_id));
}

int sn_root_store_subnet_count(struct sn_db *db)
{
	return (int)sn_db_value(sn_db_stmt(db, "SELECT count(*) FROM subnets"), -1);
}

/* --- services and their addresses -------------------------------------- */

static int addr_add(struct sn_db *db, uint32_t addr, const char *job_id, const char *kind)
{
	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO service_addrs (addr, job_id, kind) VALUES (?, ?, ?)",
		"utt", addr, job_id, kind));
}

static int addr_del(struct sn_db *db, uint32_t addr)
{
	return sn_db_run(db, sn_db_bind(db, "DELETE FROM service_addrs WHERE addr = ?",
					"u", addr));
}

/* A v6 ServiceIP or InstanceIP row; nothing when @addr is :: (none). */
static int addr6_add(struct sn_db *db, const struct in6_addr *addr, const char *job_id,
		     const char *kind)
{
	if (sn_ipv6_is_zero(addr))
		return 0;
	return sn_db_run(db, bind6(sn_db_bind(db,
		"INSERT INTO service_addrs6 (job_id, kind, addr) VALUES (?, ?, ?)",
		"tt", job_id, kind), 3, addr));
}

static int addr6_del(struct sn_db *db, const struct in6_addr *addr)
{
	if (sn_ipv6_is_zero(addr))
		return 0;
	return sn_db_run(db, bind6(sn_db_stmt(db, "DELETE FROM service_addrs6 WHERE addr = ?"),
				   1, addr));
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
	if (sn_db_run(db, bind6(bind6(sn_db_bind(db,
		"INSERT INTO services (job_id, job_name, rr_ip, closest_ip, descriptor,"
		" rr_ip_v6, closest_ip_v6) VALUES (?, ?, ?, ?, ?, ?, ?)",
		"ttuut", s->job_id, s->job_name, s->rr_ip, s->closest_ip, descriptor),
		6, &s->rr_ip6), 7, &s->closest_ip6)) < 0)
		return -1;
	if (addr_add(db, s->rr_ip, s->job_id, "RR") < 0 ||
	    addr_add(db, s->closest_ip, s->job_id, "Closest") < 0 ||
	    addr6_add(db, &s->rr_ip6, s->job_id, "RR") < 0 ||
	    addr6_add(db, &s->closest_ip6, s->job_id, "Closest") < 0)
		return -1;
	return 0;
}

#define SERVICE_SELECT \
	"SELECT job_id, job_name, rr_ip, closest_ip, rr_ip_v6, closest_ip_v6 FROM services"

static void read_service(sqlite3_stmt *stmt, void *out)
{
	struct sn_root_service *s = out;

	copy_text(s->job_id, sizeof(s->job_id), stmt, 0);
	copy_text(s->job_name, sizeof(s->job_name), stmt, 1);
	s->rr_ip = (uint32_t)sqlite3_column_int64(stmt, 2);
	s->closest_ip = (uint32_t)sqlite3_column_int64(stmt, 3);
	column6(stmt, 4, &s->rr_ip6);
	column6(stmt, 5, &s->closest_ip6);
}

int sn_root_store_service_by_id(struct sn_db *db, const char *job_id, struct sn_root_service *s)
{
	return sn_db_get(sn_db_bind(db, SERVICE_SELECT " WHERE job_id = ?", "t", job_id),
			 read_service, s);
}

int sn_root_store_service_by_name(struct sn_db *db, const char *name, struct sn_root_service *s)
{
	return sn_db_get(sn_db_bind(db, SERVICE_SELECT " WHERE job_name = ?", "t", name),
			 read_service, s);
}

int sn_root_store_service_by_ip(struct sn_db *db, uint32_t ip, struct sn_root_service *s)
{
	return sn_db_get(sn_db_bind(db,
		"SELECT s.job_id, s.job_name, s.rr_ip, s.closest_ip, s.rr_ip_v6, s.closest_ip_v6"
		" FROM service_addrs a JOIN services s ON s.job_id = a.job_id WHERE a.addr = ?",
		"u", ip), read_service, s);
}

int sn_root_store_service_by_ip6(struct sn_db *db, const struct in6_addr *ip,
				 struct sn_root_service *s)
{
	return sn_db_get(bind6(sn_db_stmt(db,
		"SELECT s.job_id, s.job_name, s.rr_ip, s.closest_ip, s.rr_ip_v6, s.closest_ip_v6"
		" FROM service_addrs6 a JOIN services s ON s.job_id = a.job_id WHERE a.addr = ?"),
		1, ip), read_service, s);
}

int sn_root_store_service_del(struct sn_db *db, const char *job_id)
{
	if (sn_db_run(db, sn_db_bind(db, "DELETE FROM service_addrs WHERE job_id = ?",
				     "t", job_id)) < 0 ||
	    sn_db_run(db, sn_db_bind(db, "DELETE FROM service_addrs6 WHERE job_id = ?",
				     "t", job_id)) < 0)
		return -1;
	return sn_db_run(db, sn_db_bind(db, "DELETE FROM services WHERE job_id = ?", "t", job_id));
}

int sn_root_store_each_without_v6(struct sn_db *db,
				  void (*fn)(void *arg, const char *job_id, int number), void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db,
		"SELECT job_id, -1 FROM services WHERE rr_ip_v6 IS NULL"
		" UNION ALL SELECT job_id, number FROM instances WHERE instance_ip_v6 IS NULL");
	int rc;

	while (sn_db_next(stmt, &rc))
		fn(arg, sn_db_text(stmt, 0), sqlite3_column_int(stmt, 1));
	return rc;
}

static int service_set_v6(struct sn_db *db, const char *job_id, const struct in6_addr *rr_ip6,
			  const struct in6_addr *closest_ip6)
{
	if (sn_db_run_changed(db, bind6(bind6(sn_db_bind(db,
		"UPDATE services SET rr_ip_v6 = ?2, closest_ip_v6 = ?3 WHERE job_id = ?1",
		"t", job_id), 2, rr_ip6), 3, closest_ip6)) != 1)
		return -1;
	if (addr6_add(db, rr_ip6, job_id, "RR") < 0 ||
	    addr6_add(db, closest_ip6, job_id, "Closest") < 0)
		return -1;
	return 0;
}

int sn_root_store_service_set_v6(struct sn_db *db, const char *job_id,
				 const struct in6_addr *rr_ip6, const struct in6_addr *closest_ip6)
{
	if (savepoint(db) < 0)
		return -1;
	return release(db, service_set_v6(db, job_id, rr_ip6, closest_ip6));
}

static int instance_set_v6(struct sn_db *db, const char *job_id, int number,
			   const struct in6_addr *instance_ip6)
{
	if (sn_db_run_changed(db, bind6(sn_db_bind(db,
		"UPDATE instances SET instance_ip_v6 = ?3 WHERE job_id = ?1 AND number = ?2",
		"ti", job_id, number), 3, instance_ip6)) != 1)
		return -1;
	return addr6_add(db, instance_ip6, job_id, "instance_ip");
}

int sn_root_store_instance_set_v6(struct sn_db *db, const char *job_id, int number,
				  const struct in6_addr *instance_ip6)
{
	if (savepoint(db) < 0)
		return -1;
	return release(db, instance_set_v6(db, job_id, number, instance_ip6));
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
	if (sn_db_run(db, bind6(sn_db_bind(db,
		"INSERT INTO instances (job_id, number, cluster_id, instance_ip, instance_ip_v6)"
		" VALUES (?, ?, ?, ?, ?)",
		"titu", job_id, inst->number, inst->cluster_id, inst->instance_ip),
		5, &inst->instance_ip6)) < 0)
		return -1;
	if (addr_add(db, inst->instance_ip, job_id, "instance_ip") < 0)
		return -1;
	return addr6_add(db, &inst->instance_ip6, job_id, "instance_ip");
}

#define INSTANCE_COLUMNS \
	"SELECT number, cluster_id, instance_ip, ns_ip, ns_ip_v6, host_ip, host_port, tunnel," \
	" instance_ip_v6 FROM instances"

static void read_instance(sqlite3_stmt *stmt, void *out)
{
	struct sn_root_instance *inst = out;

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
	column6(stmt, 8, &inst->instance_ip6);
}

int sn_root_store_instance_get(struct sn_db *db, const char *job_id, int number,
			       struct sn_root_instance *inst)
{
	return sn_db_get(sn_db_bind(db, INSTANCE_COLUMNS " WHERE job_id = ? AND number = ?",
				    "ti", job_id, number), read_instance, inst);
}

int sn_root_store_instance_locate(struct sn_db *db, const char *job_id,
				  const struct sn_root_instance *inst)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"UPDATE instances SET ns_ip = ?, ns_ip_v6 = ?, host_ip = ?, host_port = ?, tunnel = ?"
		" WHERE job_id = ? AND number = ?",
		"tttitti", inst->ns_ip, inst->ns_ip_v6, inst->host_ip, inst->host_port,
		inst->tunnel, job_id, inst->number));
}

int sn_root_store_instance_unlocate(struct sn_db *db, const char *job_id, int number)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"UPDATE instances SET ns_ip = NULL, ns_ip_v6 = NULL, host_ip = NULL, host_port = NULL,"
		" tunnel = NULL WHERE job_id = ? AND number = ?", "ti", job_id, number));
}

int sn_root_store_instance_del(struct sn_db *db, const char *job_id, int number)
{
	struct sn_root_instance inst;
	int found = sn_root_store_instance_get(db, job_id, number, &inst);

	if (found <= 0)
		return found;
	if (sn_db_run(db, sn_db_bind(db, "DELETE FROM instances WHERE job_id = ? AND number = ?",
				     "ti", job_id, number)) < 0 ||
	    addr_del(db, inst.instance_ip) < 0 || addr6_del(db, &inst.instance_ip6) < 0)
		return -1;
	return 1;
}

int sn_root_store_instance_count(struct sn_db *db, const char *job_id)
{
	return (int)sn_db_value(sn_db_bind(db, "SELECT count(*) FROM instances WHERE job_id = ?",
					   "t", job_id), -1);
}

int sn_root_store_each_instance(struct sn_db *db, const char *job_id,
				void (*fn)(void *arg, const struct sn_root_instance *inst),
				void *arg)
{
	sqlite3_stmt *stmt = sn_db_bind(db, INSTANCE_COLUMNS " WHERE job_id = ? ORDER BY number",
					"t", job_id);
	struct sn_root_instance inst;
	int rc;

	while (sn_db_next(stmt, &rc)) {
		read_instance(stmt, &inst);
		fn(arg, &inst);
	}
	return rc;
}

/* --- interests --------------------------------------------------------- */

int sn_root_store_interest_add(struct sn_db *db, const char *cluster_id, const char *job_name)
{
	/* Most queries repeat an interest: a read spares them a write transaction. */
	int64_t known = sn_db_value(sn_db_bind(db,
		"SELECT 1 FROM interests WHERE cluster_id = ? AND job_name = ?",
		"tt", cluster_id, job_name), 0);

	if (known != 0)
		return known < 0 ? -1 : 0;
	return sn_db_run(db, sn_db_bind(db,
		"INSERT OR IGNORE INTO interests (cluster_id, job_name) VALUES (?, ?)",
		"tt", cluster_id, job_name));
}

int sn_root_store_interest_del(struct sn_db *db, const char *cluster_id, const char *job_name)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"DELETE FROM interests WHERE cluster_id = ? AND job_name = ?",
		"tt", cluster_id, job_name));
}

int sn_root_store_interest_del_job(struct sn_db *db, const char *job_name)
{
	return sn_db_run(db, sn_db_bind(db, "DELETE FROM interests WHERE job_name = ?",
					"t", job_name));
}

int sn_root_store_each_interested(struct sn_db *db, const char *job_name,
				  void (*fn)(void *arg, const char *cluster_id), void *arg)
{
	sqlite3_stmt *stmt = sn_db_bind(db,
		"SELECT cluster_id FROM interests WHERE job_name = ? ORDER BY cluster_id",
		"t", job_name);
	int rc;

	while (sn_db_next(stmt, &rc))
		fn(arg, sn_db_text(stmt, 0));
	return rc;
}

/* --- outbox ------------------------------------------------------------ */

int sn_root_store_outbox_add(struct sn_db *db, const char *cluster_id, const char *body,
			     int64_t *id)
{
	*id = sn_db_insert(db, sn_db_bind(db, "INSERT INTO outbox (cluster_id, body) VALUES (?, ?)",
					  "tt", cluster_id, body));
	return *id < 0 ? -1 : 0;
}
