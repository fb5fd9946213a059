/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every Check unit test binary shares. A test file defines its cases
 * and unit_suite(); the one main() (check_main.c, linked from libunitmain
 * by check.mk) runs that suite and writes TAP: "ok N - ..." lines that
 * tests/run-all.sh counts, to $CK_TAP_LOG_FILE_NAME when it is set, else
 * to stdout. The helpers below are the fixtures more than one file needs.
 */
#ifndef SEMNET_TEST_UNIT_H
#define SEMNET_TEST_UNIT_H

#include <check.h>
#include <stddef.h>

/* The binary's suite: its test cases, fixtures and timeouts. */
Suite *unit_suite(void);

/* Adds the tests (START_TEST names) to TC, in the order given. */
#define UNIT_ADD_TESTS(tc, ...) \
	unit_add_tests((tc), (const TTest *const[]) { __VA_ARGS__, NULL })
void unit_add_tests(TCase *tc, const TTest *const *tests);

/*
 * The suite NAME of a binary with one test case, "core": SETUP and
 * TEARDOWN (NULL: none) around each test, TIMEOUT seconds each (0:
 * Check's default), then the tests in the order given.
 */
#define UNIT_SUITE(name, setup, teardown, timeout, ...) \
	unit_suite_new((name), (setup), (teardown), (timeout), \
		       (const TTest *const[]) { __VA_ARGS__, NULL })
Suite *unit_suite_new(const char *name, SFun setup, SFun teardown, int timeout,
		      const TTest *const *tests);

/*
 * Makes a fresh directory /tmp/PREFIX.XXXXXX into DIR (LEN bytes) for a
 * test's files; unit_tmpdir_remove() deletes it and everything below it.
 */
void unit_tmpdir(char *dir, size_t len, const char *prefix);
void unit_tmpdir_remove(const char *dir);

/* Replaces the file at PATH with TEXT (a config file, a request body). */
void unit_write_file(const char *path, const char *text);

/*
 * A case's scratch file (a config file): unit_file_setup, a checked
 * fixture, names it /tmp/semnet-unit-PID.json in unit_file (no file yet);
 * unit_file_teardown removes it.
 */
extern char unit_file[64];
void unit_file_setup(void);
void unit_file_teardown(void);

/* What a tool's main printed, and its exit status. */
struct unit_output {
	int status;
	char out[16384];
	char err[8192];
};

/*
 * Runs FN (a tool's main) as `ARGV0 ARGS...` (NULL-terminated, at most 62
 * of them) with its stdout and stderr captured into O (NUL-terminated, cut
 * to their size); returns FN's exit status, also in O->status.
 */
int unit_run_tool(struct unit_output *o, int (*fn)(int, char **), const char *argv0, ...);

#endif /* SEMNET_TEST_UNIT_H */
