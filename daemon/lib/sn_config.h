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

#include "sn_mqtt.h"

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

/*
 * The MQTT client's settings, in @type's struct sn_mqtt_security @field:
 * --mqtt-tls on|off, --mqtt-cafile, --mqtt-capath, --mqtt-certfile,
 * --mqtt-keyfile, --mqtt-keyfile-password-file, --mqtt-tls-version,
 * --mqtt-username, --mqtt-password-file. The daemon's check calls
 * sn_config_mqtt_check on them.
 */
#define SN_MQTT_SETTINGS(type, field) \
	SN_SETTING("mqtt-tls", sn_setting_on_off, type, field.tls, "off"), \
	SN_STRING("mqtt-cafile", type, field.cafile, NULL), \
	SN_STRING("mqtt-capath", type, field.capath, NULL), \
	SN_STRING("mqtt-certfile", type, field.certfile, NULL), \
	SN_STRING("mqtt-keyfile", type, field.keyfile, NULL), \
	SN_STRING("mqtt-keyfile-password-file", type, field.keyfile_password_file, NULL), \
	SN_SETTING("mqtt-tls-version", sn_setting_tls_version, type, field.tls_version, NULL), \
	SN_STRING("mqtt-username", type, field.username, NULL), \
	SN_STRING("mqtt-password-file", type, field.password_file, NULL)

int sn_setting_tls_version(const char *prog, const struct sn_setting *s, const char *value,
			   void *field);	/* char[size]: tlsv1.2 or tlsv1.3 */

/*
 * What must hold of the mqtt-* settings together, checked at startup so that
 * a daemon exits at once instead of failing at every reconnection: a
 * certificate file or CA turns TLS on; a certificate and its key come
 * together; every named file can be read, and a CA, certificate or key
 * file holds PEM of its kind; a password file needs a username. Fills
 * capath with the system's CAs (/etc/ssl/certs) when TLS has no cafile,
 * and reads the two password files (their first line). 0, or -1 (said).
 */
int sn_config_mqtt_check(const char *prog, struct sn_mqtt_security *sec);

/*
 * A named set of values: "profile" is then a setting of its own, applied
 * before every other one wherever it is given (the file's first, then the
 * flags' first), so any explicit setting overrides it. The first profile
 * is the default.
 */
struct sn_config_profile {
	const char *name;
	const char *const *values;	/* setting name, value, ..., NULL */
};

struct sn_config_spec {
	const char *prog;		/* for messages */
	const char *usage;		/* printed by --help and on errors */
	size_t size;			/* the config struct's */
	const struct sn_setting *settings;	/* ends with { NULL } */
	const struct sn_config_profile *profiles;	/* ends with { NULL }; NULL: none */
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
