// SPDX-License-Identifier: GPL-2.0
#include "sn_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sn_log.h"

int sn_db_exec(struct sn_db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->conn, sql, NULL, NULL, &err) != SQLITE_OK) {
		sn_error("sqlite: %s (sql=\"%.80s\")", err ? err : sqlite3_errmsg(db->conn), sql);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int sn_db_version(struct sn_db *db)
{
	sqlite3_stmt *stmt;
	int version = -1;

	if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

static int sn_db_migrate(struct sn_db *db, const char *const *migrations, size_t n)
{
	int version = sn_db_version(db);

	if (version < 0)
		return -1;
	if ((size_t)version > n) {
		sn_error("db %s: schema version %d is newer than this program's %zu", db->path,
			 version, n);
		return -1;
	}
	for (size_t v = (size_t)version; v < n; v++) {
		char bump[64];

		snprintf(bump, sizeof(bump), "PRAGMA user_version = %zu", v + 1);
		if (sn_db_begin(db) < 0)
			return -1;
		if (sn_db_exec(db, migrations[v]) < 0 || sn_db_exec(db, bump) < 0) {
			sn_db_rollback(db);
			return -1;
		}
		if (sn_db_commit(db) < 0)
			return -1;
		sn_info("db %s: migrated schema to version %zu", db->path, v + 1);
	}
	return 0;
}

int sn_db_open(struct sn_db *db, const char *path, const char *const *migrations,
	       size_t nmigrations, bool durable)
{
	memset(db, 0, sizeof(*db));
	db->path = path;
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		sn_error("db %s: cannot open: %s", path,
			 db->conn ? sqlite3_errmsg(db->conn) : "out of memory");
		sn_db_close(db);
		return -1;
	}
	/* Another process (a backup, the sqlite3 shell) may hold the lock briefly. */
	sqlite3_busy_timeout(db->conn, 2000);
	if (sn_db_exec(db, "PRAGMA journal_mode = WAL") < 0 ||
	    sn_db_exec(db, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL") < 0 ||
	    sn_db_exec(db, "PRAGMA foreign_keys = ON") < 0 ||
	    sn_db_migrate(db, migrations, nmigrations) < 0) {
		sn_db_close(db);
		return -1;
	}
	return 0;
}

void sn_db_close(struct sn_db *db)
{
	for (size_t i = 0; i < db->ncached; i++)
		sqlite3_finalize(db->cache[i].stmt);
	db->ncached = 0;
	if (db->conn)
		sqlite3_close(db->conn);
	db->conn = NULL;
}

int sn_db_begin(struct sn_db *db)
{
	return sn_db_exec(db, "BEGIN IMMEDIATE");
}

int sn_db_commit(struct sn_db *db)
{
	if (sn_db_exec(db, "COMMIT") < 0) {
		sn_db_rollback(db);
		return -1;
	}
	return 0;
}

void sn_db_rollback(struct sn_db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *sn_db_stmt(struct sn_db *db, const char *sql)
{
	for (size_t i = 0; i < db->ncached; i++) {
		if (db->cache[i].sql == sql || strcmp(db->cache[i].sql, sql) == 0) {
			sqlite3_reset(db->cache[i].stmt);
			sqlite3_clear_bindings(db->cache[i].stmt);
			return db->cache[i].stmt;
		}
	}
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db->conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sn_error("sqlite prepare: %s (sql=\"%.80s\")", sqlite3_errmsg(db->conn), sql);
		return NULL;
	}
	if (db->ncached == SN_DB_MAX_STMTS) {
		/* Not expected (the daemons use fewer); evict the oldest rather than fail. */
		sqlite3_finalize(db->cache[0].stmt);
		memmove(&db->cache[0], &db->cache[1], sizeof(db->cache[0]) * (SN_DB_MAX_STMTS - 1));
		db->ncached--;
	}
	db->cache[db->ncached].sql = sql;
	db->cache[db->ncached].stmt = stmt;
	db->ncached++;
	return stmt;
}

sqlite3_stmt *sn_db_bind(struct sn_db *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, sql);
	va_list ap;
	int i = 0;

	if (!stmt)
		return NULL;
	va_start(ap, types);
	for (const char *t = types; *t; t++) {
		switch (*t) {
		case 't':
			sqlite3_bind_text(stmt, ++i, va_arg(ap, const char *), -1, SQLITE_STATIC);
			break;
		case 'i':
			sqlite3_bind_int(stmt, ++i, va_arg(ap, int));
			break;
		case 'u':
			sqlite3_bind_int64(stmt, ++i, va_arg(ap, uint32_t));
			break;
		case 'l':
			sqlite3_bind_int64(stmt, ++i, va_arg(ap, int64_t));
			break;
		default:	/* a programming error: never reached by input */
			sn_error("sqlite bind: no type '%c' (sql=\"%.80s\")", *t, sql);
			va_end(ap);
			return NULL;
		}
	}
	va_end(ap);
	return stmt;
}

int sn_db_step_done(struct sn_db *db, sqlite3_stmt *stmt)
{
	int rc;

	if (!stmt)
		return SQLITE_ERROR;
	rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;	/* a RETURNING-less statement never yields rows */
	if (rc != SQLITE_DONE && sqlite3_extended_errcode(db->conn) != SQLITE_CONSTRAINT_UNIQUE &&
	    sqlite3_extended_errcode(db->conn) != SQLITE_CONSTRAINT_PRIMARYKEY)
		sn_error("sqlite step: %s", sqlite3_errmsg(db->conn));
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_DONE : (rc & 0xff);
}

int sn_db_run(struct sn_db *db, sqlite3_stmt *stmt)
{
	return sn_db_step_done(db, stmt) == SQLITE_DONE ? 0 : -1;
}

int sn_db_run_changed(struct sn_db *db, sqlite3_stmt *stmt)
{
	if (sn_db_run(db, stmt) < 0)
		return -1;
	return sqlite3_changes(db->conn) > 0;
}

int sn_db_step_row(sqlite3_stmt *stmt)
{
	int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;

	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sn_db_reset(sqlite3_stmt *stmt, int rc)
{
	if (stmt)
		sqlite3_reset(stmt);
	return rc;
}

int sn_db_get(sqlite3_stmt *stmt, void (*read)(sqlite3_stmt *stmt, void *out), void *out)
{
	int found = sn_db_step_row(stmt);

	if (found == 1)
		read(stmt, out);
	return sn_db_reset(stmt, found);
}

bool sn_db_next(sqlite3_stmt *stmt, int *rc)
{
	*rc = sn_db_step_row(stmt);
	if (*rc == 1)
		return true;
	sn_db_reset(stmt, 0);
	return false;
}

int64_t sn_db_value(sqlite3_stmt *stmt, int64_t none)
{
	int found = sn_db_step_row(stmt);
	int64_t v = found == 1 ? sqlite3_column_int64(stmt, 0) : found == 0 ? none : -1;

	sn_db_reset(stmt, 0);
	return v;
}

int64_t sn_db_insert(struct sn_db *db, sqlite3_stmt *stmt)
{
	if (sn_db_run(db, stmt) < 0)
		return -1;
	return sqlite3_last_insert_rowid(db->conn);
}
