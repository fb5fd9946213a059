// SPDX-License-Identifier: GPL-2.0
/*
 * The stores' statement helpers (daemon/lib/sn_db): sn_db_run for writes,
 * sn_db_run_changed for an UPDATE or DELETE that may match nothing,
 * sn_db_step_row for a one-row query, sn_db_bind for a statement and its
 * parameters, sn_db_next and sn_db_value for reading, on a scratch
 * database.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "sn_db.h"
#include "sn_log.h"

static char dir[64];
static char path[128];
static struct sn_db db;

static const char *const migrations[] = {
	"CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);",
};

static void setup(void)
{
	unit_tmpdir(dir, sizeof(dir), "semnet-dbstep");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	sn_log_init("test", SN_LOG_ERROR);
	ck_assert_int_eq(sn_db_open(&db, path, migrations, 1, false), 0);
}

static void teardown(void)
{
	sn_db_close(&db);
	unit_tmpdir_remove(dir);
}

static int put(const char *k, int v)
{
	return sn_db_run(&db, sn_db_bind(&db, "INSERT INTO t (k, v) VALUES (?, ?)", "ti", k, v));
}

static int get(const char *k, int *v)
{
	sqlite3_stmt *stmt = sn_db_stmt(&db, "SELECT v FROM t WHERE k = ?");
	int found;

	ck_assert_ptr_nonnull(stmt);
	sqlite3_bind_text(stmt, 1, k, -1, SQLITE_STATIC);
	found = sn_db_step_row(stmt);
	if (found == 1)
		*v = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return found;
}

START_TEST(run)
{
	int v = 0;

	ck_assert_int_eq(put("a", 1), 0);
	ck_assert_int_eq(get("a", &v), 1);
	ck_assert_int_eq(v, 1);
	/* A unique violation is an error to sn_db_run (the caller who must
	 * tell it apart uses sn_db_step_done: SQLITE_CONSTRAINT). */
	ck_assert_int_eq(put("a", 2), -1);
	ck_assert_int_eq(get("a", &v), 1);
	ck_assert_int_eq(v, 1);
	/* The statement was reset: it runs again at once. */
	ck_assert_int_eq(put("b", 2), 0);
}
END_TEST

START_TEST(step_done_constraint)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(put("a", 1), 0);
	stmt = sn_db_stmt(&db, "INSERT INTO t (k, v) VALUES ('a', 3)");
	ck_assert_ptr_nonnull(stmt);
	ck_assert_int_eq(sn_db_step_done(&db, stmt), SQLITE_CONSTRAINT);
	stmt = sn_db_stmt(&db, "INSERT INTO t (k, v) VALUES ('c', 3)");
	ck_assert_int_eq(sn_db_step_done(&db, stmt), SQLITE_DONE);
}
END_TEST

START_TEST(run_changed)
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(put("a", 1), 0);
	stmt = sn_db_stmt(&db, "DELETE FROM t WHERE k = ?");
	sqlite3_bind_text(stmt, 1, "a", -1, SQLITE_STATIC);
	ck_assert_int_eq(sn_db_run_changed(&db, stmt), 1);
	stmt = sn_db_stmt(&db, "DELETE FROM t WHERE k = ?");
	sqlite3_bind_text(stmt, 1, "a", -1, SQLITE_STATIC);
	ck_assert_int_eq(sn_db_run_changed(&db, stmt), 0);
	/* An error is -1, not "nothing changed". */
	ck_assert_int_eq(put("b", 1), 0);
	stmt = sn_db_stmt(&db, "UPDATE t SET v = NULL WHERE k = ?");
	sqlite3_bind_text(stmt, 1, "b", -1, SQLITE_STATIC);
	ck_assert_int_eq(sn_db_run_changed(&db, stmt), -1);
}
END_TEST

START_TEST(step_row)
{
	sqlite3_stmt *stmt;
	int v = -1;

	ck_assert_int_eq(get("none", &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(put("a", 5), 0);
	ck_assert_int_eq(get("a", &v), 1);
	ck_assert_int_eq(v, 5);
	/* A query that fails while stepping (integer overflow): -1. */
	stmt = sn_db_stmt(&db, "SELECT abs(-9223372036854775807 - 1)");
	ck_assert_ptr_nonnull(stmt);
	ck_assert_int_eq(sn_db_step_row(stmt), -1);
	sqlite3_reset(stmt);
}
END_TEST

/* Every parameter type binds in order; a row comes back as it went in. */
START_TEST(bind_types)
{
	const int64_t big = INT64_C(1) << 40;
	sqlite3_stmt *stmt;

	ck_assert_int_eq(sn_db_run(&db, sn_db_bind(&db, "INSERT INTO t (k, v) VALUES (?, ?)",
						   "tu", "addr", UINT32_C(0xac100001))), 0);
	ck_assert_int_eq(sn_db_value(sn_db_bind(&db, "SELECT v FROM t WHERE k = ?", "t", "addr"),
				     -1), 0xac100001);
	ck_assert_int_eq(sn_db_insert(&db, sn_db_bind(&db, "INSERT INTO t (k, v) VALUES (?, ?)",
						      "tl", "big", big)), 2);
	ck_assert_int_eq(sn_db_value(sn_db_bind(&db, "SELECT v FROM t WHERE k = ?", "t", "big"),
				     -1), big);
	/* A NULL string binds NULL: the NOT NULL column refuses it. */
	ck_assert_int_eq(sn_db_run(&db, sn_db_bind(&db, "INSERT INTO t (k, v) VALUES (?, ?)",
						   "tt", "n", NULL)), -1);
	/* An unknown type letter is an error before anything runs. */
	stmt = sn_db_bind(&db, "SELECT v FROM t WHERE k = ?", "x", "addr");
	ck_assert_ptr_null(stmt);
	/* ... which every step helper takes as the error it is. */
	ck_assert_int_eq(sn_db_run(&db, NULL), -1);
	ck_assert_int_eq(sn_db_run_changed(&db, NULL), -1);
	ck_assert_int_eq(sn_db_step_row(NULL), -1);
	ck_assert_int_eq(sn_db_value(NULL, 0), -1);
	ck_assert_int_eq(sn_db_insert(&db, NULL), -1);
}
END_TEST

/* sn_db_next walks the rows, then says whether the walk ended or failed. */
START_TEST(next_and_value)
{
	sqlite3_stmt *stmt;
	int rc, sum = 0, rows = 0;

	ck_assert_int_eq(sn_db_value(sn_db_stmt(&db, "SELECT count(*) FROM t"), -1), 0);
	ck_assert_int_eq(sn_db_value(sn_db_stmt(&db, "SELECT v FROM t"), 42), 42);	/* none */
	for (int i = 1; i <= 4; i++) {
		char k[4] = { 'k', (char)('0' + i), '\0' };

		ck_assert_int_eq(put(k, i), 0);
	}
	stmt = sn_db_stmt(&db, "SELECT v FROM t ORDER BY k");
	while (sn_db_next(stmt, &rc)) {
		sum += sqlite3_column_int(stmt, 0);
		rows++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(rows, 4);
	ck_assert_int_eq(sum, 10);
	/* Reset at the end: the same statement walks again. */
	rows = 0;
	while (sn_db_next(stmt, &rc))
		rows++;
	ck_assert_int_eq(rows, 4);
	/* A failing step ends the walk with -1. */
	ck_assert(!sn_db_next(sn_db_stmt(&db, "SELECT abs(-9223372036854775807 - 1)"), &rc));
	ck_assert_int_eq(rc, -1);
	ck_assert(!sn_db_next(NULL, &rc));
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(sn_db_reset(NULL, 7), 7);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("db_step", setup, teardown, 0, run, step_done_constraint, run_changed,
			  step_row, bind_types, next_and_value);
}
