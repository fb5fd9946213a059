/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared main() of the CLI's Check tests: TAP ("ok N - ..." lines that
 * tests/run-all.sh counts) to $CK_TAP_LOG_FILE_NAME, else to stdout; exit
 * status 1 when anything failed.
 */
#ifndef SEMNET_TEST_CLI_CHECK_H
#define SEMNET_TEST_CLI_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline int cli_check_run(Suite *s, const char *name)
{
	SRunner *sr = srunner_create(s);
	int failed;

	/* TAP on stdout, unless tests/run-all.sh asks for a file. */
	if (!getenv("CK_TAP_LOG_FILE_NAME"))
		srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	printf("# %s: %d of %d failed\n", name, failed, srunner_ntests_run(sr));
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* SEMNET_TEST_CLI_CHECK_H */
