/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SQLite helpers: open in WAL mode, schema migrations tracked in
 * PRAGMA user_version, transactions, and a cache of prepared statements
 * keyed by their (static) SQL text.
 */
#ifndef SN_DB_H
#define SN_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#define SN_DB_MAX_STMTS 96

struct sn_db {
	sqlite3 *conn;
	const char *path;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[SN_DB_MAX_STMTS];
	size_t ncached;
};

/*
 * Opens (creating) the database at @path and brings its schema to version
 * @nmigrations: migrations[i] takes it from version i to i + 1, each in its
 * own transaction. @durable: synchronous=FULL (each commit reaches the disk
 * before it returns) rather than NORMAL (a commit survives a process crash
 * but maybe not a power loss). Returns 0 or -1 with a logged reason.
 */
int sn_db_open(struct sn_db *db, const char *path, const char *const *migrations,
	       size_t nmigrations, bool durable);
void sn_db_close(struct sn_db *db);

/* Runs SQL without results (several statements allowed). 0 or -1. */
int sn_db_exec(struct sn_db *db, const char *sql);
int sn_db_begin(struct sn_db *db);	/* BEGIN IMMEDIATE */
int sn_db_commit(struct sn_db *db);
void sn_db_rollback(struct sn_db *db);

/* A prepared statement for @sql (a string literal: the cache compares
 * pointers first, then text), reset and with bindings cleared. NULL on
 * error (logged). The statement belongs to the cache: do not finalize. */
sqlite3_stmt *sn_db_stmt(struct sn_db *db, const char *sql);

/* Steps a statement that returns no rows; resets it. SQLITE_DONE, or the
 * error code (SQLITE_CONSTRAINT for a unique violation). */
int sn_db_step_done(struct sn_db *db, sqlite3_stmt *stmt);

/* sn_db_step_done as the stores use it: 0 when the statement ran, -1 on
 * any error, a unique violation included. */
int sn_db_run(struct sn_db *db, sqlite3_stmt *stmt);
/* sn_db_run for an UPDATE or DELETE: 1 when it changed a row, 0 when it
 * matched none, -1 on error. */
int sn_db_run_changed(struct sn_db *db, sqlite3_stmt *stmt);

/* Steps a query for its first row: 1 with the row ready for
 * sqlite3_column_*, 0 when there is none, -1 on error. The caller resets
 * the statement once it has read what it wants. */
int sn_db_step_row(sqlite3_stmt *stmt);

/* The schema version (PRAGMA user_version), -1 on error. */
int sn_db_version(struct sn_db *db);

/* sqlite3_column_text as a const char * ("" for NULL). */
static inline const char *sn_db_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return t ? (const char *)t : "";
}

#endif
