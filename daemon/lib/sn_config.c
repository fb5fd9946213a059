// SPDX-License-Identifier: GPL-2.0
#include "sn_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_log.h"

int sn_config_int(const char *prog, const char *name, const char *text, int min, int max,
		  int *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: %s must be an integer in %d..%d, not '%s'\n", prog, name, min,
			max, text);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int sn_config_string(const char *prog, const char *name, char *dst, size_t size,
		     const char *value)
{
	if (strlen(value) >= size || !*value) {
		fprintf(stderr, "%s: %s must be 1 to %zu bytes\n", prog, name, size - 1);
		return -1;
	}
	strcpy(dst, value);
	return 0;
}

int sn_config_sync(const char *prog, const char *value, bool *durable)
{
	if (strcmp(value, "full") && strcmp(value, "normal")) {
		fprintf(stderr, "%s: sync must be full or normal\n", prog);
		return -1;
	}
	*durable = strcmp(value, "full") == 0;
	return 0;
}

int sn_config_log_level(const char *prog, const char *value, int *level)
{
	int parsed = sn_log_parse_level(value);

	if (parsed < 0) {
		fprintf(stderr, "%s: bad log level '%s'\n", prog, value);
		return -1;
	}
	*level = parsed;
	return 0;
}

int sn_config_on_off(const char *prog, const char *name, const char *value, bool *out)
{
	if (strcmp(value, "on") && strcmp(value, "off")) {
		fprintf(stderr, "%s: %s must be on or off\n", prog, name);
		return -1;
	}
	*out = strcmp(value, "on") == 0;
	return 0;
}

int sn_config_common(const char *prog, const struct sn_config_common *c, int id,
		     const char *value)
{
	switch (id) {
	case SN_OPT_DB:
		return sn_config_string(prog, "db", *c->db_path, sizeof(*c->db_path), value);
	case SN_OPT_SYNC:
		return sn_config_sync(prog, value, c->db_durable);
	case SN_OPT_LOG_LEVEL:
		return sn_config_log_level(prog, value, c->log_level);
	case SN_OPT_READY_FILE:
		return sn_config_string(prog, "ready-file", *c->ready_file,
					sizeof(*c->ready_file), value);
	}
	return -1;
}
