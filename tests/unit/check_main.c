// SPDX-License-Identifier: GPL-2.0
/*
 * The one main() of the Check unit test binaries: runs the suite the test
 * file builds (unit_suite()) and exits 1 when anything failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(unit_suite());
	const char *name = program_invocation_short_name;
	int failed;

	/*
	 * Check writes TAP to $CK_TAP_LOG_FILE_NAME on its own (tests/run-all.sh
	 * sets it); run by hand, a binary prints its TAP on stdout instead.
	 */
	if (!getenv("CK_TAP_LOG_FILE_NAME"))
		srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	/* The binaries are test_<suite>: the summary names the suite. */
	if (!strncmp(name, "test_", 5))
		name += 5;
	printf("# %s: %d of %d failed\n", name, failed, srunner_ntests_run(sr));
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
