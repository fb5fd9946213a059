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

#define PROG "semnet-cluster"

static const char usage[] =
	"usage: semnet-cluster --cluster-id ID [options]\n"
	"  --config FILE            JSON settings (keys as the long options, '_' for '-')\n"
	"  --cluster-id ID          this cluster's id at the root (required)\n"
	"  --cluster-address ADDR   address the root reaches this cluster at (default: --listen,\n"
	"                           or 127.0.0.1 when that is 0.0.0.0)\n"
	"  --listen ADDR            address to serve on (default 0.0.0.0)\n"
	"  --port N                 port (default 10110, Oakestra's)\n"
	"  --db PATH                SQLite database (default /var/lib/semnet/cluster.db)\n"
	"  --sync full|normal       commit durability (default full)\n"
	"  --root-url URL           the root service manager (default http://127.0.0.1:10099)\n"
	"  --mqtt-host HOST         the cluster's MQTT broker (default 127.0.0.1)\n"
	"  --mqtt-port N            (default 1883)\n"
	"  --interest-idle-s N      drop a node's interest unused this long (default 600)\n"
	"  --root-timeout-ms N      one request to the root (default 5000)\n"
	"  --retry-backoff-ms N --retry-backoff-max-ms N   retries towards the root\n"
	"  --log-level LEVEL        debug, info, warn, error\n"
	"  --ready-file PATH        write the bound port there once serving\n";

enum {
	OPT_CLUSTER_ID = SN_OPT_OWN, OPT_CLUSTER_ADDRESS, OPT_LISTEN, OPT_PORT, OPT_ROOT_URL,
	OPT_MQTT_HOST, OPT_MQTT_PORT, OPT_INTEREST_IDLE, OPT_ROOT_TIMEOUT, OPT_BACKOFF,
	OPT_BACKOFF_MAX,
};

static const struct option options[] = {
	SN_CONFIG_COMMON_OPTIONS,
	{ "cluster-id", required_argument, NULL, OPT_CLUSTER_ID },
	{ "cluster-address", required_argument, NULL, OPT_CLUSTER_ADDRESS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "root-url", required_argument, NULL, OPT_ROOT_URL },
	{ "mqtt-host", required_argument, NULL, OPT_MQTT_HOST },
	{ "mqtt-port", required_argument, NULL, OPT_MQTT_PORT },
	{ "interest-idle-s", required_argument, NULL, OPT_INTEREST_IDLE },
	{ "root-timeout-ms", required_argument, NULL, OPT_ROOT_TIMEOUT },
	{ "retry-backoff-ms", required_argument, NULL, OPT_BACKOFF },
	{ "retry-backoff-max-ms", required_argument, NULL, OPT_BACKOFF_MAX },
	{ NULL, 0, NULL, 0 },
};

static int apply(void *arg, int id, const char *value)
{
	struct sn_cluster_config *cfg = arg;

	switch (id) {
	case OPT_CLUSTER_ID:
		if (strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    strlen(value))
			return fprintf(stderr, PROG ": cluster-id: [A-Za-z0-9._-] only\n"), -1;
		return sn_config_string(PROG, "cluster-id", cfg->cluster_id, sizeof(cfg->cluster_id), value);
	case OPT_CLUSTER_ADDRESS:
		return sn_config_string(PROG, "cluster-address", cfg->cluster_address,
					sizeof(cfg->cluster_address), value);
	case OPT_LISTEN:
		return sn_config_string(PROG, "listen", cfg->listen, sizeof(cfg->listen), value);
	case OPT_PORT:
		return sn_config_int(PROG, "port", value, 0, 65535, &cfg->port);
	case OPT_ROOT_URL:
		if (strncmp(value, "http://", 7) != 0)
			return fprintf(stderr, PROG ": root-url must start with http://\n"), -1;
		return sn_config_string(PROG, "root-url", cfg->root_url, sizeof(cfg->root_url), value);
	case OPT_MQTT_HOST:
		return sn_config_string(PROG, "mqtt-host", cfg->mqtt_host, sizeof(cfg->mqtt_host), value);
	case OPT_MQTT_PORT:
		return sn_config_int(PROG, "mqtt-port", value, 1, 65535, &cfg->mqtt_port);
	case OPT_INTEREST_IDLE:
		return sn_config_int(PROG, "interest-idle-s", value, 1, 86400 * 30, &cfg->interest_idle_s);
	case OPT_ROOT_TIMEOUT:
		return sn_config_int(PROG, "root-timeout-ms", value, 1, 600000, &cfg->root_timeout_ms);
	case OPT_BACKOFF:
		return sn_config_int(PROG, "retry-backoff-ms", value, 1, 600000, &cfg->retry_backoff_ms);
	case OPT_BACKOFF_MAX:
		return sn_config_int(PROG, "retry-backoff-max-ms", value, 1, 3600000,
				     &cfg->retry_backoff_max_ms);
	}
	return sn_config_common(PROG, &(const struct sn_config_common){ &cfg->db_path,
				&cfg->db_durable, &cfg->log_level, &cfg->ready_file }, id, value);
}

int sn_cluster_config_load(struct sn_cluster_config *cfg, int argc, char **argv)
{
	struct sn_args args = {
		.prog = PROG,
		.usage = usage,
		.options = options,
		.opt_config = SN_OPT_CONFIG,
		.opt_help = SN_OPT_HELP,
		.apply = apply,
	};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "0.0.0.0");
	cfg->port = 10110;
	strcpy(cfg->db_path, "/var/lib/semnet/cluster.db");
	cfg->db_durable = true;
	strcpy(cfg->root_url, "http://127.0.0.1:10099");
	strcpy(cfg->mqtt_host, "127.0.0.1");
	cfg->mqtt_port = 1883;
	cfg->interest_idle_s = 600;
	cfg->root_timeout_ms = 5000;
	cfg->retry_backoff_ms = 200;
	cfg->retry_backoff_max_ms = 30000;
	cfg->log_level = SN_LOG_INFO;

	args.cfg = cfg;
	rc = sn_args_parse(&args, argc, argv);
	if (rc)
		return rc;
	if (!cfg->cluster_id[0]) {
		fprintf(stderr, PROG ": --cluster-id is required\n");
		return -1;
	}
	/* Strip a trailing '/' so paths can be appended. */
	size_t len = strlen(cfg->root_url);

	if (len > 7 && cfg->root_url[len - 1] == '/')
		cfg->root_url[len - 1] = '\0';
	if (!cfg->cluster_address[0])
		strcpy(cfg->cluster_address,
		       strcmp(cfg->listen, "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen);
	return 0;
}
