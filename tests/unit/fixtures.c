// SPDX-License-Identifier: GPL-2.0
/* Fixtures shared by the unit tests (see unit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

void unit_add_tests(TCase *tc, const TTest *const *tests)
{
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
}

Suite *unit_suite_new(const char *name, SFun setup, SFun teardown, int timeout,
		      const TTest *const *tests)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");

	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	unit_add_tests(tc, tests);
	suite_add_tcase(s, tc);
	return s;
}

void unit_tmpdir(char *dir, size_t len, const char *prefix)
{
	ck_assert_int_lt(snprintf(dir, len, "/tmp/%s.XXXXXX", prefix), (int)len);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

void unit_tmpdir_remove(const char *dir)
{
	char cmd[160];

	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "rm -rf %s", dir), (int)sizeof(cmd));
	ck_assert_int_eq(system(cmd), 0);
}

void unit_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

char unit_file[64];

void unit_file_setup(void)
{
	snprintf(unit_file, sizeof(unit_file), "/tmp/semnet-unit-%d.json", getpid());
}

void unit_file_teardown(void)
{
	unlink(unit_file);
}

/* Reads what FD holds from its start into BUF, NUL-terminated. */
static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t used = 0;

	lseek(fd, 0, SEEK_SET);
	while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
}

int unit_run_tool(struct unit_output *o, int (*fn)(int, char **), const char *argv0, ...)
{
	char out_tmpl[] = "/tmp/semnet-unit-out-XXXXXX";
	char err_tmpl[] = "/tmp/semnet-unit-err-XXXXXX";
	int argc = 0, out_fd, err_fd, saved_out, saved_err;
	char *argv[64];
	const char *a;
	va_list ap;

	/* FN may permute its argv (getopt): it gets a writable copy. */
	argv[argc++] = (char *)argv0;
	va_start(ap, argv0);
	for (a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, 63);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;

	out_fd = mkstemp(out_tmpl);
	err_fd = mkstemp(err_tmpl);
	ck_assert_int_ge(out_fd, 0);
	ck_assert_int_ge(err_fd, 0);
	unlink(out_tmpl);
	unlink(err_tmpl);
	/* What is buffered so far belongs to the real stdout and stderr. */
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	o->status = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out_fd, o->out, sizeof(o->out));
	slurp(err_fd, o->err, sizeof(o->err));
	close(out_fd);
	close(err_fd);
	return o->status;
}
