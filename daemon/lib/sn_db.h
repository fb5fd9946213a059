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
#include <stdint.h>
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
/* sn_db_open with every migration of the array @migrations. */
#define SN_DB_OPEN(db, path, migrations, durable) \
	sn_db_open((db), (path), (migrations), sizeof(migrations) / sizeof((migrations)[0]), \
		   (durable))
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

/*
 * sn_db_stmt with its parameters bound in order, one letter of @types
 * each: 't' a string (const char *, NULL binds NULL; bound without a copy:
 * it must outlive the step), 'i' an int, 'u' a uint32_t (an address), 'l'
 * an int64_t. NULL on error (logged); the step helpers below take a NULL
 * statement as that error, so a store can write
 * return sn_db_run(db, sn_db_bind(db, "DELETE ...", "t", id));
 */
sqlite3_stmt *sn_db_bind(struct sn_db *db, const char *sql, const char *types, ...);

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

/*
 * Steps a query to its next row: true with the row ready; false at the
 * end (*rc = 0) or on an error (*rc = -1), the statement then reset. So
 *	while (sn_db_next(stmt, &rc))
 *		read the row;
 *	return rc;
 */
bool sn_db_next(sqlite3_stmt *stmt, int *rc);

/* Resets @stmt (NULL: nothing to reset) and returns @rc: the end of a
 * one-row read, return sn_db_reset(stmt, found). */
int sn_db_reset(sqlite3_stmt *stmt, int rc);

/* A one-row read: 1 after @read(@stmt, @out) read the first row, 0 when
 * there is none, -1 on error (a NULL @stmt too); resets @stmt. */
int sn_db_get(sqlite3_stmt *stmt, void (*read)(sqlite3_stmt *stmt, void *out), void *out);

/* A query's one value (count(*), a meta row): the first column of its
 * first row, @none when it has no row, -1 on error; resets it. */
int64_t sn_db_value(sqlite3_stmt *stmt, int64_t none);

/* INSERT: its row's id (0 < id), or -1 when it failed. */
int64_t sn_db_insert(struct sn_db *db, sqlite3_stmt *stmt);

/* The schema version (PRAGMA user_version), -1 on error. */
int sn_db_version(struct sn_db *db);

/* sqlite3_column_text as a const char * ("" for NULL). */
static inline const char *sn_db_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return t ? (const char *)t : "";
}

#endif
