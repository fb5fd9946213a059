// SPDX-License-Identifier: GPL-2.0
#include "sn_daemon.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "sn_log.h"

int sn_args_apply_json(const struct sn_args *args, const char *path,
		       json_t *settings, const char *skip)
{
	const char *key;
	json_t *value;

	json_object_foreach(settings, key, value) {
		char name[64], text[32];
		const struct option *o;
		int rc;

		if (skip && !strcmp(key, skip))
			continue;
		snprintf(name, sizeof(name), "%s", key);
		for (char *p = name; *p; p++)
			if (*p == '_')
				*p = '-';
		for (o = args->options; o->name && strcmp(o->name, name); o++)
			;
		if (!o->name || o->val == args->opt_config || o->val == args->opt_help) {
			fprintf(stderr, "%s: %s: unknown setting '%s'\n", args->prog, path, key);
			return -1;
		}
		if (json_is_string(value)) {
			rc = args->apply(args->cfg, o->val, json_string_value(value));
		} else if (json_is_integer(value)) {
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
			rc = args->apply(args->cfg, o->val, text);
		} else if (json_is_boolean(value) && args->json_bool_opt &&
			   o->val == args->json_bool_opt) {
			rc = args->apply(args->cfg, o->val, json_is_true(value) ? "on" : "off");
		} else {
			fprintf(stderr, "%s: %s: '%s' must be a string or integer\n",
				args->prog, path, key);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int sn_args_load_json(const struct sn_args *args, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, "%s: %s: %s\n", args->prog, path,
			root ? "must hold a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	rc = sn_args_apply_json(args, path, root, NULL);
	json_decref(root);
	return rc;
}

int sn_args_parse(const struct sn_args *args, int argc, char **argv)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", args->options, NULL)) != -1)
		if (opt == args->opt_config &&
		    (args->load_file ? args->load_file(args, optarg) :
		     sn_args_load_json(args, optarg)) < 0)
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
