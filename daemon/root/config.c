// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_daemon.h"
#include "sn_log.h"

static const char usage[] =
	"usage: semnet-root [options]\n"
	"  --config FILE         JSON settings (keys as the long options, with '_' for '-')\n"
	"  --profile NAME        seed (172.16.0.0/12 minus 172.30.0.0/16) or oakestra\n"
	"                        (10.18.0.0/16 workers, 10.30.0.0/16 services)\n"
	"  --listen ADDR         address to serve on (default 0.0.0.0)\n"
	"  --port N              port (default 10099, Oakestra's)\n"
	"  --db PATH             SQLite database (default /var/lib/semnet/root.db)\n"
	"  --sync full|normal    full: every commit reaches the disk (default); normal:\n"
	"                        survives a process crash, maybe not a power loss\n"
	"  --worker-range CIDR   range worker subnets are cut from\n"
	"  --service-range CIDR  ServiceIP/InstanceIP pool (excluded from worker subnets)\n"
	"  --subnet-len N        worker subnet prefix length (default 26)\n"
	"  --push-timeout-ms N   --push-backoff-ms N --push-backoff-max-ms N --push-max-attempts N\n"
	"                        job update delivery to clusters\n"
	"  --log-level LEVEL     debug, info, warn, error\n"
	"  --ready-file PATH     write the bound port there once serving (with --port 0)\n";

enum {
	OPT_CONFIG = 256, OPT_PROFILE, OPT_LISTEN, OPT_PORT, OPT_DB, OPT_SYNC, OPT_WORKER_RANGE,
	OPT_SERVICE_RANGE, OPT_SUBNET_LEN, OPT_PUSH_TIMEOUT, OPT_PUSH_BACKOFF, OPT_PUSH_BACKOFF_MAX,
	OPT_PUSH_ATTEMPTS, OPT_LOG_LEVEL, OPT_READY_FILE, OPT_HELP,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "sync", required_argument, NULL, OPT_SYNC },
	{ "worker-range", required_argument, NULL, OPT_WORKER_RANGE },
	{ "service-range", required_argument, NULL, OPT_SERVICE_RANGE },
	{ "subnet-len", required_argument, NULL, OPT_SUBNET_LEN },
	{ "push-timeout-ms", required_argument, NULL, OPT_PUSH_TIMEOUT },
	{ "push-backoff-ms", required_argument, NULL, OPT_PUSH_BACKOFF },
	{ "push-backoff-max-ms", required_argument, NULL, OPT_PUSH_BACKOFF_MAX },
	{ "push-max-attempts", required_argument, NULL, OPT_PUSH_ATTEMPTS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "ready-file", required_argument, NULL, OPT_READY_FILE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_int(const char *name, const char *text, int min, int max, int *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "semnet-root: %s must be an integer in %d..%d, not '%s'\n", name, min,
			max, text);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_range(const char *name, const char *text, struct sn_prefix *out)
{
	if (!sn_prefix_parse(text, out)) {
		fprintf(stderr, "semnet-root: %s must be an IPv4 prefix like 172.16.0.0/12, not '%s'\n",
			name, text);
		return -1;
	}
	return 0;
}

static int apply_profile(struct sn_root_config *cfg, const char *name)
{
	const char *workers, *services;

	if (strcmp(name, "seed") == 0) {
		workers = "172.16.0.0/12";
		services = "172.30.0.0/16";
	} else if (strcmp(name, "oakestra") == 0) {
		workers = "10.18.0.0/16";
		services = "10.30.0.0/16";
	} else {
		fprintf(stderr, "semnet-root: unknown profile '%s' (seed, oakestra)\n", name);
		return -1;
	}
	sn_prefix_parse(workers, &cfg->worker_range);
	sn_prefix_parse(services, &cfg->service_range);
	return 0;
}

/* One setting by option id, from a flag or the config file. */
static int apply(struct sn_root_config *cfg, int id, const char *value)
{
	int level;

	switch (id) {
	case OPT_PROFILE:
		return apply_profile(cfg, value);
	case OPT_LISTEN:
		if (strlen(value) >= sizeof(cfg->listen))
			return fprintf(stderr, "semnet-root: listen address too long\n"), -1;
		strcpy(cfg->listen, value);
		return 0;
	case OPT_PORT:
		return parse_int("port", value, 0, 65535, &cfg->port);
	case OPT_DB:
		if (strlen(value) >= sizeof(cfg->db_path))
			return fprintf(stderr, "semnet-root: db path too long\n"), -1;
		strcpy(cfg->db_path, value);
		return 0;
	case OPT_READY_FILE:
		if (strlen(value) >= sizeof(cfg->ready_file))
			return fprintf(stderr, "semnet-root: ready-file path too long\n"), -1;
		strcpy(cfg->ready_file, value);
		return 0;
	case OPT_SYNC:
		if (strcmp(value, "full") && strcmp(value, "normal"))
			return fprintf(stderr, "semnet-root: sync must be full or normal\n"), -1;
		cfg->db_durable = strcmp(value, "full") == 0;
		return 0;
	case OPT_WORKER_RANGE:
		return parse_range("worker-range", value, &cfg->worker_range);
	case OPT_SERVICE_RANGE:
		return parse_range("service-range", value, &cfg->service_range);
	case OPT_SUBNET_LEN: {
		int len;

		if (parse_int("subnet-len", value, 8, 30, &len) < 0)
			return -1;
		cfg->subnet_len = (unsigned int)len;
		return 0;
	}
	case OPT_PUSH_TIMEOUT:
		return parse_int("push-timeout-ms", value, 1, 600000, &cfg->push_timeout_ms);
	case OPT_PUSH_BACKOFF:
		return parse_int("push-backoff-ms", value, 1, 600000, &cfg->push_backoff_ms);
	case OPT_PUSH_BACKOFF_MAX:
		return parse_int("push-backoff-max-ms", value, 1, 3600000, &cfg->push_backoff_max_ms);
	case OPT_PUSH_ATTEMPTS:
		return parse_int("push-max-attempts", value, 1, 1000000, &cfg->push_max_attempts);
	case OPT_LOG_LEVEL:
		if ((level = sn_log_parse_level(value)) < 0)
			return fprintf(stderr, "semnet-root: bad log level '%s'\n", value), -1;
		cfg->log_level = level;
		return 0;
	}
	return -1;
}

/* Like sn_args_load_json, with the profile first: ranges in the file override it. */
static int load_file(const struct sn_args *args, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *profile;
	int rc = 0;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, "semnet-root: %s: %s\n", path,
			root ? "must hold a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	profile = json_object_get(root, "profile");
	if (profile && (!json_is_string(profile) ||
			apply_profile(args->cfg, json_string_value(profile)) < 0))
		rc = -1;
	else if (sn_args_apply_json(args, path, root, "profile") < 0)
		rc = -1;
	json_decref(root);
	return rc;
}

static int apply_any(void *cfg, int opt, const char *value)
{
	return apply(cfg, opt, value);
}

int sn_root_config_load(struct sn_root_config *cfg, int argc, char **argv)
{
	struct sn_args args = {
		.prog = "semnet-root",
		.usage = usage,
		.options = options,
		.opt_config = OPT_CONFIG,
		.opt_help = OPT_HELP,
		.load_file = load_file,
		.apply = apply_any,
	};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "0.0.0.0");
	cfg->port = 10099;
	strcpy(cfg->db_path, "/var/lib/semnet/root.db");
	cfg->db_durable = true;
	apply_profile(cfg, "seed");
	cfg->subnet_len = 26;
	cfg->push_timeout_ms = 2000;
	cfg->push_backoff_ms = 200;
	cfg->push_backoff_max_ms = 30000;
	cfg->push_max_attempts = 20;
	cfg->log_level = SN_LOG_INFO;

	args.cfg = cfg;
	rc = sn_args_parse(&args, argc, argv);
	if (rc)
		return rc;
	if (cfg->subnet_len < cfg->worker_range.len ||
	    cfg->subnet_len - cfg->worker_range.len > 24) {
		fprintf(stderr, "semnet-root: /%u subnets do not fit the worker range\n", cfg->subnet_len);
		return -1;
	}
	if (cfg->service_range.len < 8) {
		fprintf(stderr, "semnet-root: the service range must be /8 or longer\n");
		return -1;
	}
	return 0;
}
