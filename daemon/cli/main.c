// SPDX-License-Identifier: GPL-2.0
/* semnet(8): see semnet.c. Only main() lives here, so tests can link the rest. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	int ret = sn_main(argc, argv);

	/* A full pipe or disk must not pass for success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fputs("semnet: write error on standard output\n", stderr);
		return SN_EXIT_FAIL;
	}
	return ret;
}
