/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One setting's value, from a flag or a config file (sn_args in
 * sn_daemon.h): parsed and checked the same way in every daemon, so a
 * value is refused with the same words whichever daemon reads it. Each
 * returns 0, or -1 after printing "PROG: why" on stderr.
 */
#ifndef SN_CONFIG_H
#define SN_CONFIG_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* A decimal integer in @min..@max. */
int sn_config_int(const char *prog, const char *name, const char *text, int min, int max,
		  int *out);

/* A non-empty string that fits @size bytes with its NUL. */
int sn_config_string(const char *prog, const char *name, char *dst, size_t size,
		     const char *value);

/* --sync full|normal: *durable is true for full (synchronous=FULL). */
int sn_config_sync(const char *prog, const char *value, bool *durable);

/* --log-level debug|info|warn|error, as an enum sn_log_level. */
int sn_config_log_level(const char *prog, const char *value, int *level);

/* on|off (a file's true/false arrive as these, see sn_args.json_bool_opt). */
int sn_config_on_off(const char *prog, const char *name, const char *value, bool *out);

/*
 * The flags every daemon has: --config FILE and --help (sn_args), --db PATH,
 * --sync full|normal, --log-level LEVEL and --ready-file PATH. A daemon's
 * options[] starts with SN_CONFIG_COMMON_OPTIONS, its own option ids start
 * at SN_OPT_OWN, and its apply() hands the others to sn_config_common().
 */
enum {
	SN_OPT_CONFIG = 256, SN_OPT_HELP, SN_OPT_DB, SN_OPT_SYNC, SN_OPT_LOG_LEVEL,
	SN_OPT_READY_FILE, SN_OPT_OWN,
};

#define SN_CONFIG_COMMON_OPTIONS \
	{ "config", required_argument, NULL, SN_OPT_CONFIG }, \
	{ "help", no_argument, NULL, SN_OPT_HELP }, \
	{ "db", required_argument, NULL, SN_OPT_DB }, \
	{ "sync", required_argument, NULL, SN_OPT_SYNC }, \
	{ "log-level", required_argument, NULL, SN_OPT_LOG_LEVEL }, \
	{ "ready-file", required_argument, NULL, SN_OPT_READY_FILE }

/* Where a daemon keeps the common settings (the paths' size is checked). */
struct sn_config_common {
	char (*db_path)[PATH_MAX];
	bool *db_durable;
	int *log_level;
	char (*ready_file)[PATH_MAX];
};

/* Applies the common option @id; -1 on a bad value (said) or another id. */
int sn_config_common(const char *prog, const struct sn_config_common *c, int id,
		     const char *value);

#endif /* SN_CONFIG_H */
