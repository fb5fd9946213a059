/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A daemon's settings: a table of them (struct sn_setting), each with its
 * default, filled from a --config JSON file and then from the command-line
 * flags, so flags win whatever their order. A value is parsed and checked
 * the same way in every daemon, so it is refused with the same words
 * whichever daemon reads it. The parsers return 0, or -1 after printing
 * "PROG: why" on stderr.
 */
#ifndef SN_CONFIG_H
#define SN_CONFIG_H

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

/* on|off (a file's true/false arrive as these). */
int sn_config_on_off(const char *prog, const char *name, const char *value, bool *out);

/*
 * One setting: its long option (a file's key, with '_' for '-'), its
 * parser, and the field of the daemon's config struct it fills (@offset,
 * @size). @def: the value it starts from, parsed the same way (NULL: zero).
 */
struct sn_setting {
	const char *name;
	int (*parse)(const char *prog, const struct sn_setting *s, const char *value,
		     void *field);
	size_t offset, size;
	int min, max;		/* sn_setting_int's range */
	const char *def;
};

/* The parsers of the common kinds, for struct sn_setting.parse. */
int sn_setting_string(const char *prog, const struct sn_setting *s, const char *value,
		      void *field);	/* char[size] */
int sn_setting_int(const char *prog, const struct sn_setting *s, const char *value,
		   void *field);	/* int (or unsigned int, min >= 0) */
int sn_setting_on_off(const char *prog, const struct sn_setting *s, const char *value,
		      void *field);	/* bool; a file may say true/false */
int sn_setting_sync(const char *prog, const struct sn_setting *s, const char *value,
		    void *field);	/* bool: durable */
int sn_setting_log_level(const char *prog, const struct sn_setting *s, const char *value,
			 void *field);	/* int: enum sn_log_level */

#define SN_SETTING(name, parse, type, field, def) \
	{ name, parse, offsetof(type, field), sizeof(((type *)0)->field), 0, 0, def }
#define SN_STRING(name, type, field, def) SN_SETTING(name, sn_setting_string, type, field, def)
#define SN_INT(name, type, field, min, max, def) \
	{ name, sn_setting_int, offsetof(type, field), sizeof(int), min, max, def }

/*
 * What every daemon has besides --config FILE and --help: --db PATH (its
 * default @db), --sync full|normal, --log-level LEVEL and --ready-file
 * PATH, in @type's fields db_path, db_durable, log_level and ready_file.
 */
#define SN_COMMON_SETTINGS(type, db) \
	SN_STRING("db", type, db_path, db), \
	SN_SETTING("sync", sn_setting_sync, type, db_durable, "full"), \
	SN_SETTING("log-level", sn_setting_log_level, type, log_level, "info"), \
	SN_STRING("ready-file", type, ready_file, NULL)

struct sn_config_spec {
	const char *prog;		/* for messages */
	const char *usage;		/* printed by --help and on errors */
	size_t size;			/* the config struct's */
	const struct sn_setting *settings;	/* ends with { NULL } */
	const char *file_first;		/* a file's key applied before the others (NULL) */
	/*
	 * Once every setting is read: checks what must hold of them together
	 * and fills what follows from them (NULL: nothing). 0, or -1 (said).
	 */
	int (*check)(void *cfg);
};

/*
 * Fills @cfg: zero, the defaults, every --config file, then the other
 * flags. Returns 0, 1 after --help (usage printed), or -1 on bad input
 * (said).
 */
int sn_config_load(const struct sn_config_spec *spec, void *cfg, int argc, char **argv);

#endif /* SN_CONFIG_H */
