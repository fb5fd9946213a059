// SPDX-License-Identifier: GPL-2.0
#include "sn_config.h"

#include <errno.h>
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

/* --- the MQTT client's settings ------------------------------------------- */

int sn_setting_tls_version(const char *prog, const struct sn_setting *s, const char *value,
			   void *field)
{
	if (strcmp(value, "tlsv1.2") && strcmp(value, "tlsv1.3")) {
		fprintf(stderr, "%s: %s must be tlsv1.2 or tlsv1.3, not '%s'\n", prog, s->name,
			value);
		return -1;
	}
	return sn_setting_string(prog, s, value, field);
}

/*
 * Reads the start of @path (a setting's @name) into @buf: "" when it cannot
 * be read (said, with errno's words). The whole file when @size allows.
 */
static int read_start(const char *prog, const char *name, const char *path, char *buf,
		      size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s %s: %s\n", prog, name, path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	if (ferror(f)) {
		fprintf(stderr, "%s: %s %s: %s\n", prog, name, path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* A PEM file: readable and holding a block whose label ends with @kind
 * ("CERTIFICATE", "PRIVATE KEY": also "RSA PRIVATE KEY", "ENCRYPTED ..."). */
static int check_pem(const char *prog, const char *name, const char *path, const char *kind)
{
	static char buf[65536];
	char tail[64];

	if (!path[0])
		return 0;
	if (read_start(prog, name, path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(tail, sizeof(tail), "%s-----", kind);
	for (const char *p = strstr(buf, "-----BEGIN "); p; p = strstr(p + 1, "-----BEGIN ")) {
		const char *eol = strchr(p, '\n'), *end = strstr(p, tail);

		if (end && (!eol || end < eol))
			return 0;
	}
	fprintf(stderr, "%s: %s %s holds no PEM %s\n", prog, name, path, kind);
	return -1;
}

/* The first line of @path into @out (char[size]): a password file. */
static int read_password(const char *prog, const char *name, const char *path, char *out,
			 size_t size)
{
	char buf[1024];

	if (!path[0])
		return 0;
	if (read_start(prog, name, path, buf, sizeof(buf)) < 0)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0] || strlen(buf) >= size) {
		fprintf(stderr, "%s: %s %s: the first line must hold 1 to %zu bytes\n", prog, name,
			path, size - 1);
		return -1;
	}
	strcpy(out, buf);
	return 0;
}

int sn_config_mqtt_check(const char *prog, struct sn_mqtt_security *sec)
{
	if (sec->cafile[0] || sec->capath[0] || sec->certfile[0] || sec->keyfile[0])
		sec->tls = true;
	if (!sec->certfile[0] != !sec->keyfile[0]) {
		fprintf(stderr, "%s: %s without %s: a client certificate needs both\n", prog,
			sec->keyfile[0] ? "mqtt-keyfile" : "mqtt-certfile",
			sec->keyfile[0] ? "mqtt-certfile" : "mqtt-keyfile");
		return -1;
	}
	if (sec->keyfile_password_file[0] && !sec->keyfile[0]) {
		fprintf(stderr, "%s: mqtt-keyfile-password-file without mqtt-keyfile\n", prog);
		return -1;
	}
	if (sec->password_file[0] && !sec->username[0]) {
		fprintf(stderr, "%s: mqtt-password-file without mqtt-username\n", prog);
		return -1;
	}
	if (sec->tls_version[0] && !sec->tls) {
		fprintf(stderr, "%s: mqtt-tls-version without TLS (mqtt-tls on)\n", prog);
		return -1;
	}
	if (sec->tls && !sec->cafile[0] && !sec->capath[0])
		strcpy(sec->capath, "/etc/ssl/certs");
	if (check_pem(prog, "mqtt-cafile", sec->cafile, "CERTIFICATE") < 0 ||
	    check_pem(prog, "mqtt-certfile", sec->certfile, "CERTIFICATE") < 0 ||
	    check_pem(prog, "mqtt-keyfile", sec->keyfile, "PRIVATE KEY") < 0)
		return -1;
	if (sec->capath[0]) {
		FILE *dir = fopen(sec->capath, "r");	/* a directory opens read-only */

		if (!dir) {
			fprintf(stderr, "%s: mqtt-capath %s: %s\n", prog, sec->capath,
				strerror(errno));
			return -1;
		}
		fclose(dir);
	}
	return read_password(prog, "mqtt-keyfile-password-file", sec->keyfile_password_file,
			     sec->keyfile_password, sizeof(sec->keyfile_password)) < 0 ||
	       read_password(prog, "mqtt-password-file", sec->password_file, sec->password,
			     sizeof(sec->password)) < 0 ? -1 : 0;
}

/* --- loading -------------------------------------------------------------- */

/* getopt's values: the settings' indexes from OPT_SETTING on. */
enum { OPT_CONFIG = 256, OPT_HELP, OPT_PROFILE, OPT_SETTING };

struct loader {
	const struct sn_config_spec *spec;
	void *cfg;
	bool flag_profile;	/* a --profile flag: a file's profile is not applied */
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

static int apply_profile(const struct loader *l, const char *name)
{
	const struct sn_config_profile *p;
	const char *prog = l->spec->prog;

	for (p = l->spec->profiles; p->name; p++)
		if (!strcmp(p->name, name))
			break;
	if (!p->name) {
		fprintf(stderr, "%s: unknown profile '%s' (", prog, name);
		for (p = l->spec->profiles; p->name; p++)
			fprintf(stderr, "%s%s", p->name, p[1].name ? ", " : ")\n");
		return -1;
	}
	for (const char *const *v = p->values; *v; v += 2) {
		const struct sn_setting *s = find(l->spec, v[0]);

		if (!s || apply(l, s, v[1]) < 0)
			return -1;	/* a bug in the table: the unit tests load each */
	}
	return 0;
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
	const char *key;
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *value;
	bool profiles = l->spec->profiles;
	int rc = 0;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, "%s: %s: %s\n", l->spec->prog, path,
			root ? "must hold a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	/* The profile first: the file's other keys override it. */
	if (profiles && (value = json_object_get(root, "profile"))) {
		if (!json_is_string(value)) {
			fprintf(stderr, "%s: %s: 'profile' must be a string\n", l->spec->prog, path);
			rc = -1;
		} else if (!l->flag_profile) {
			rc = apply_profile(l, json_string_value(value));
		}
	}
	json_object_foreach(root, key, value) {
		if (rc < 0)
			break;
		if (!profiles || strcmp(key, "profile"))
			rc = apply_json(l, path, key, value);
	}
	json_decref(root);
	return rc;
}

int sn_config_load(const struct sn_config_spec *spec, void *cfg, int argc, char **argv)
{
	struct loader l = { spec, cfg, false };
	const char *profile = spec->profiles ? spec->profiles[0].name : NULL;
	size_t n = 0, first = 2;
	struct option *options;
	int opt, rc = 0;

	for (const struct sn_setting *s = spec->settings; s->name; s++)
		n++;
	options = calloc(n + 4, sizeof(*options));
	if (!options) {
		fprintf(stderr, "%s: out of memory\n", spec->prog);
		return -1;
	}
	options[0] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	options[1] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	if (profile)
		options[first++] = (struct option){ "profile", required_argument, NULL,
						    OPT_PROFILE };
	for (size_t i = 0; i < n; i++)
		options[i + first] = (struct option){ spec->settings[i].name, required_argument,
						      NULL, OPT_SETTING + (int)i };

	memset(cfg, 0, spec->size);
	for (const struct sn_setting *s = spec->settings; s->name && rc == 0; s++)
		if (s->def)
			rc = apply(&l, s, s->def);

	/* Three passes: the last --profile (else the default one) under
	 * everything, every --config file, then the other flags. */
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (opt == OPT_PROFILE) {
			profile = optarg;
			l.flag_profile = true;
		}
	if (rc == 0 && profile)
		rc = apply_profile(&l, profile);
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
