/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every semnet daemon's main() needs: command-line parsing where
 * flags override a --config file whatever their order, and a ready file
 * that tests and supervisors wait for.
 */
#ifndef SN_DAEMON_H
#define SN_DAEMON_H

#include <getopt.h>
#include <jansson.h>

struct sn_args {
	const char *prog;		/* for messages */
	const char *usage;		/* printed by --help and on errors */
	const struct option *options;
	int opt_config;			/* the --config option's value */
	int opt_help;			/* the --help option's value */
	/*
	 * Reads a config file (NULL: sn_args_load_json) / applies one option;
	 * < 0 on error (said).
	 */
	int (*load_file)(const struct sn_args *args, const char *path);
	int (*apply)(void *cfg, int opt, const char *value);
	void *cfg;
	int json_bool_opt;		/* an option a file may set to true/false */
};

/*
 * Two passes: every --config file first, then the other flags, so flags
 * win. Returns 0, 1 after --help (usage printed), or -1 on bad input.
 */
int sn_args_parse(const struct sn_args *args, int argc, char **argv);

/*
 * A config file's settings: a JSON object whose keys are the long options
 * (with '_' for '-'), applied through args->apply: strings as given,
 * integers in decimal, true/false as "on"/"off" for json_bool_opt only.
 * sn_args_apply_json leaves out the key @skip (NULL: none).
 */
int sn_args_apply_json(const struct sn_args *args, const char *path,
		       json_t *settings, const char *skip);
int sn_args_load_json(const struct sn_args *args, const char *path);

/* Writes @port to @path atomically (write, then rename). */
int sn_write_ready_file(const char *path, int port);

#endif /* SN_DAEMON_H */
