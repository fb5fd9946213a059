// SPDX-License-Identifier: GPL-2.0
#include "sn_daemon.h"

#include <limits.h>
#include <stdio.h>

#include "sn_log.h"

int sn_args_parse(const struct sn_args *args, int argc, char **argv)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", args->options, NULL)) != -1)
		if (opt == args->opt_config && args->load_file(args->cfg, optarg) < 0)
			return -1;
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", args->options, NULL)) != -1) {
		if (opt == args->opt_help) {
			fputs(args->usage, stdout);
			return 1;
		}
		if (opt == '?') {
			fputs(args->usage, stderr);
			return -1;
		}
		if (opt != args->opt_config && args->apply(args->cfg, opt, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", args->prog, argv[optind]);
		return -1;
	}
	return 0;
}

int sn_write_ready_file(const char *path, int port)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int bad;

	/* Written then renamed, so a reader never sees a half-written file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		sn_error("cannot write %s", path);
		return -1;
	}
	bad = fprintf(f, "%d\n", port) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		sn_error("cannot write %s", path);
		remove(tmp);
		return -1;
	}
	return 0;
}
