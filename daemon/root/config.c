// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_config.h"
#include "sn_daemon.h"
#include "sn_log.h"

#define PROG "semnet-root"

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
	OPT_PROFILE = SN_OPT_OWN, OPT_LISTEN, OPT_PORT, OPT_WORKER_RANGE, OPT_SERVICE_RANGE,
	OPT_SUBNET_LEN, OPT_PUSH_TIMEOUT, OPT_PUSH_BACKOFF, OPT_PUSH_BACKOFF_MAX, OPT_PUSH_ATTEMPTS,
};

static const struct option options[] = {
	SN_CONFIG_COMMON_OPTIONS,
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "worker-range", required_argument, NULL, OPT_WORKER_RANGE },
	{ "service-range", required_argument, NULL, OPT_SERVICE_RANGE },
	{ "subnet-len", required_argument, NULL, OPT_SUBNET_LEN },
	{ "push-timeout-ms", required_argument, NULL, OPT_PUSH_TIMEOUT },
	{ "push-backoff-ms", required_argument, NULL, OPT_PUSH_BACKOFF },
	{ "push-backoff-max-ms", required_argument, NULL, OPT_PUSH_BACKOFF_MAX },
	{ "push-max-attempts", required_argument, NULL, OPT_PUSH_ATTEMPTS },
	{ NULL, 0, NULL, 0 },
};

static int parse_range(const char *name, const char *text, struct sn_prefix *out)
{
	if (!sn_prefix_parse(text, out)) {
		fprintf(stderr, PROG ": %s must be an IPv4 prefix like 172.16.0.0/12, not '%s'\n",
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
		fprintf(stderr, PROG ": unknown profile '%s' (seed, oakestra)\n", name);
		return -1;
	}
	sn_prefix_parse(workers, &cfg->worker_range);
	sn_prefix_parse(services, &cfg->service_range);
	return 0;
}

/* One setting by option id, from a flag or the config file. */
static int apply(void *arg, int id, const char *value)
{
	struct sn_root_config *cfg = arg;

	switch (id) {
	case OPT_PROFILE:
		return apply_profile(cfg, value);
	case OPT_LISTEN:
		return sn_config_string(PROG, "listen", cfg->listen, sizeof(cfg->listen), value);
	case OPT_PORT:
		return sn_config_int(PROG, "port", value, 0, 65535, &cfg->port);
	case OPT_WORKER_RANGE:
		return parse_range("worker-range", value, &cfg->worker_range);
	case OPT_SERVICE_RANGE:
		return parse_range("service-range", value, &cfg->service_range);
	case OPT_SUBNET_LEN: {
		int len;

		if (sn_config_int(PROG, "subnet-len", value, 8, 30, &len) < 0)
			return -1;
		cfg->subnet_len = (unsigned int)len;
		return 0;
	}
	case OPT_PUSH_TIMEOUT:
		return sn_config_int(PROG, "push-timeout-ms", value, 1, 600000, &cfg->push_timeout_ms);
	case OPT_PUSH_BACKOFF:
		return sn_config_int(PROG, "push-backoff-ms", value, 1, 600000, &cfg->push_backoff_ms);
	case OPT_PUSH_BACKOFF_MAX:
		return sn_config_int(PROG, "push-backoff-max-ms", value, 1, 3600000,
				     &cfg->push_backoff_max_ms);
	case OPT_PUSH_ATTEMPTS:
		return sn_config_int(PROG, "push-max-attempts", value, 1, 1000000, &cfg->push_max_attempts);
	}
	return sn_config_common(PROG, &(const struct sn_config_common){ &cfg->db_path,
				&cfg->db_durable, &cfg->log_level, &cfg->ready_file }, id, value);
}

/* Like sn_args_load_json, with the profile first: ranges in the file override it. */
static int load_file(const struct sn_args *args, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *profile;
	int rc = 0;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, PROG ": %s: %s\n", path,
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

int sn_root_config_load(struct sn_root_config *cfg, int argc, char **argv)
{
	struct sn_args args = {
		.prog = PROG,
		.usage = usage,
		.options = options,
		.opt_config = SN_OPT_CONFIG,
		.opt_help = SN_OPT_HELP,
		.load_file = load_file,
		.apply = apply,
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
		fprintf(stderr, PROG ": /%u subnets do not fit the worker range\n", cfg->subnet_len);
		return -1;
	}
	if (cfg->service_range.len < 8) {
		fprintf(stderr, PROG ": the service range must be /8 or longer\n");
		return -1;
	}
	return 0;
}
