/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every semnet daemon's main() needs: command-line parsing where
 * flags override a --config file whatever their order, and a ready file
 * that tests and supervisors wait for.
 */
#ifndef SN_DAEMON_H
#define SN_DAEMON_H

#include <getopt.h>

struct sn_args {
	const char *prog;		/* for messages */
	const char *usage;		/* printed by --help and on errors */
	const struct option *options;
	int opt_config;			/* the --config option's value */
	int opt_help;			/* the --help option's value */
	/* Reads a config file / applies one option; < 0 on error (said). */
	int (*load_file)(void *cfg, const char *path);
	int (*apply)(void *cfg, int opt, const char *value);
	void *cfg;
};

/*
 * Two passes: every --config file first, then the other flags, so flags
 * win. Returns 0, 1 after --help (usage printed), or -1 on bad input.
 */
int sn_args_parse(const struct sn_args *args, int argc, char **argv);

/* Writes @port to @path atomically (write, then rename). */
int sn_write_ready_file(const char *path, int port);

#endif /* SN_DAEMON_H */
