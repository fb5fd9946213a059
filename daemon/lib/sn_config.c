// SPDX-License-Identifier: GPL-2.0
#include "sn_config.h"

#include <getopt.h>
#include <jansson.h>
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

/* --- the common kinds of setting ------------------------------------------ */

int sn_setting_string(const char *prog, const struct sn_setting *s, const char *value,
		      void *field)
{
	return sn_config_string(prog, s->name, field, s->size, value);
}

int sn_setting_int(const char *prog, const struct sn_setting *s, const char *value,
		   void *field)
{
	return sn_config_int(prog, s->name, value, s->min, s->max, field);
}

int sn_setting_on_off(const char *prog, const struct sn_setting *s, const char *value,
		      void *field)
{
	return sn_config_on_off(prog, s->name, value, field);
}

int sn_setting_sync(const char *prog, const struct sn_setting *s, const char *value,
		    void *field)
{
	(void)s;
	return sn_config_sync(prog, value, field);
}

int sn_setting_log_level(const char *prog, const struct sn_setting *s, const char *value,
			 void *field)
{
	(void)s;
	return sn_config_log_level(prog, value, field);
}

/* --- loading -------------------------------------------------------------- */

/* getopt's values: the settings' indexes from OPT_SETTING on. */
enum { OPT_CONFIG = 256, OPT_HELP, OPT_SETTING };

struct loader {
	const struct sn_config_spec *spec;
	void *cfg;
};

static int apply(const struct loader *l, const struct sn_setting *s, const char *value)
{
	return s->parse(l->spec->prog, s, value, (char *)l->cfg + s->offset);
}

static const struct sn_setting *find(const struct sn_config_spec *spec, const char *key)
{
	char name[64];

	snprintf(name, sizeof(name), "%s", key);
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = '-';
	for (const struct sn_setting *s = spec->settings; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* One key of a config file: strings as given, integers in decimal,
 * true/false as "on"/"off" for on/off settings only. */
static int apply_json(const struct loader *l, const char *path, const char *key, json_t *value)
{
	const struct sn_setting *s = find(l->spec, key);
	const char *prog = l->spec->prog;
	char text[32];

	if (!s) {
		fprintf(stderr, "%s: %s: unknown setting '%s'\n", prog, path, key);
		return -1;
	}
	if (json_is_string(value))
		return apply(l, s, json_string_value(value));
	if (json_is_integer(value)) {
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
		return apply(l, s, text);
	}
	if (json_is_boolean(value) && s->parse == sn_setting_on_off)
		return apply(l, s, json_is_true(value) ? "on" : "off");
	fprintf(stderr, "%s: %s: '%s' must be a string or integer\n", prog, path, key);
	return -1;
}

static int load_file(const struct loader *l, const char *path)
{
	const char *first = l->spec->file_first, *key;
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *value;
	int rc = 0;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, "%s: %s: %s\n", l->spec->prog, path,
			root ? "must hold a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	if (first && (value = json_object_get(root, first)))
		rc = apply_json(l, path, first, value);
	json_object_foreach(root, key, value) {
		if (rc < 0)
			break;
		if (!first || strcmp(key, first))
			rc = apply_json(l, path, key, value);
	}
	json_decref(root);
	return rc;
}

int sn_config_load(const struct sn_config_spec *spec, void *cfg, int argc, char **argv)
{
	const struct loader l = { spec, cfg };
	size_t n = 0;
	struct option *options;
	int opt, rc = 0;

	for (const struct sn_setting *s = spec->settings; s->name; s++)
		n++;
	options = calloc(n + 3, sizeof(*options));
	if (!options) {
		fprintf(stderr, "%s: out of memory\n", spec->prog);
		return -1;
	}
	options[0] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	options[1] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	for (size_t i = 0; i < n; i++)
		options[i + 2] = (struct option){ spec->settings[i].name, required_argument, NULL,
						  OPT_SETTING + (int)i };

	memset(cfg, 0, spec->size);
	for (const struct sn_setting *s = spec->settings; s->name && rc == 0; s++)
		if (s->def)
			rc = apply(&l, s, s->def);

	/* Two passes: every --config file first, then the other flags. */
	opterr = 0;
	optind = 1;
	while (rc == 0 && (opt = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (opt == OPT_CONFIG && load_file(&l, optarg) < 0)
			rc = -1;
	optind = 1;
	opterr = 1;
	while (rc == 0 && (opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_HELP) {
			fputs(spec->usage, stdout);
			rc = 1;
		} else if (opt == '?') {
			fputs(spec->usage, stderr);
			rc = -1;
		} else if (opt >= OPT_SETTING) {
			rc = apply(&l, &spec->settings[opt - OPT_SETTING], optarg) < 0 ? -1 : 0;
		}
	}
	if (rc == 0 && optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", spec->prog, argv[optind]);
		rc = -1;
	}
	if (rc == 0 && spec->check)
		rc = spec->check(cfg);
	free(options);
	return rc;
}
