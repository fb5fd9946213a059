// SPDX-License-Identifier: GPL-2.0
/*
 * The stores' statement helpers (daemon/lib/sn_db): sn_db_run for writes,
 * sn_db_run_changed for an UPDATE or DELETE that may match nothing, and
 * sn_db_step_row for a one-row query, on a scratch database.
 */
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
	sqlite3_stmt *stmt = sn_db_stmt(&db, "INSERT INTO t (k, v) VALUES (?, ?)");

	ck_assert_ptr_nonnull(stmt);
	sqlite3_bind_text(stmt, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, v);
	return sn_db_run(&db, stmt);
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

Suite *unit_suite(void)
{
	Suite *s = suite_create("db_step");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	UNIT_ADD_TESTS(tc, run, step_done_constraint, run_changed, step_row);
	suite_add_tcase(s, tc);
	return s;
}
