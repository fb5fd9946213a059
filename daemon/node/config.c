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

#define PROG "semnetd"

static const char usage[] =
	"usage: semnetd [options]\n"
	"  --config FILE            JSON settings (keys as the long options, '_' for '-')\n"
	"  --socket PATH            the API's unix socket (default /run/semnet/semnetd.sock)\n"
	"  --db PATH                SQLite database (default /var/lib/semnet/semnetd.db)\n"
	"  --sync full|normal       commit durability (default full)\n"
	"  --mqtt-host HOST         the cluster's MQTT broker (default: cluster_address\n"
	"                           of POST /register)\n"
	"  --mqtt-port N            (default 10003, Oakestra's cluster broker)\n"
	"  --underlay-addr ADDR     this node's underlay IPv4 address (default: the first\n"
	"                           address of --underlay-dev)\n"
	"  --underlay-dev IFNAME    (default: the device of the default route)\n"
	"  --bridge IFNAME          the container bridge (default semnet-br0)\n"
	"  --container-ifname NAME  the interface inside containers (default eth0)\n"
	"  --platform PREFIX        every semnet address (default 172.16.0.0/12)\n"
	"  --services PREFIX        ServiceIPs and InstanceIPs (default 172.30.0.0/16)\n"
	"  --tunnel-port N          GRE-in-UDP port of semnet0 (default 4754)\n"
	"  --interest-idle-ms N     forget a remote service unused this long (default 10000)\n"
	"  --interest-check-ms N    how often traffic counters are read (default 1000)\n"
	"  --probe-interval-ms N    RTT probes (ICMP echo through semnet0) to each peer\n"
	"                           node about this often, jittered by 20%; 0: none\n"
	"                           (default 500)\n"
	"  --probe-timeout-ms N     a probe unanswered this long is lost (default 1000)\n"
	"  --probe-down-after N     lost probes in a row that mark a node down (default 3)\n"
	"  --firewall on|off        accept semnet's interfaces in drop-policy chains (on)\n"
	"  --log-level LEVEL        debug, info, warn, error\n"
	"  --ready-file PATH        write 0 there once the API serves\n";

enum {
	OPT_SOCKET = SN_OPT_OWN, OPT_MQTT_HOST, OPT_MQTT_PORT, OPT_UNDERLAY_ADDR, OPT_UNDERLAY_DEV,
	OPT_BRIDGE, OPT_CONTAINER_IFNAME, OPT_PLATFORM, OPT_SERVICES, OPT_TUNNEL_PORT,
	OPT_INTEREST_IDLE, OPT_INTEREST_CHECK, OPT_PROBE_INTERVAL, OPT_PROBE_TIMEOUT,
	OPT_PROBE_DOWN_AFTER, OPT_FIREWALL,
};

static const struct option options[] = {
	SN_CONFIG_COMMON_OPTIONS,
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "mqtt-host", required_argument, NULL, OPT_MQTT_HOST },
	{ "mqtt-port", required_argument, NULL, OPT_MQTT_PORT },
	{ "underlay-addr", required_argument, NULL, OPT_UNDERLAY_ADDR },
	{ "underlay-dev", required_argument, NULL, OPT_UNDERLAY_DEV },
	{ "bridge", required_argument, NULL, OPT_BRIDGE },
	{ "container-ifname", required_argument, NULL, OPT_CONTAINER_IFNAME },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "services", required_argument, NULL, OPT_SERVICES },
	{ "tunnel-port", required_argument, NULL, OPT_TUNNEL_PORT },
	{ "interest-idle-ms", required_argument, NULL, OPT_INTEREST_IDLE },
	{ "interest-check-ms", required_argument, NULL, OPT_INTEREST_CHECK },
	{ "probe-interval-ms", required_argument, NULL, OPT_PROBE_INTERVAL },
	{ "probe-timeout-ms", required_argument, NULL, OPT_PROBE_TIMEOUT },
	{ "probe-down-after", required_argument, NULL, OPT_PROBE_DOWN_AFTER },
	{ "firewall", required_argument, NULL, OPT_FIREWALL },
	{ NULL, 0, NULL, 0 },
};

/* Interface names: what the kernel accepts (no '/', ':', spaces). */
static int copy_ifname(const char *name, char *dst, const char *value)
{
	/* ... nor quotes: the names go into nft commands. */
	if (strpbrk(value, "/: \t\n\"'\\") || !strcmp(value, ".") || !strcmp(value, "..")) {
		fprintf(stderr, PROG ": %s '%s' is not an interface name\n", name, value);
		return -1;
	}
	return sn_config_string(PROG, name, dst, IF_NAMESIZE, value);
}

static int parse_prefix(const char *name, const char *value, struct sn_prefix *out)
{
	if (!sn_prefix_parse(value, out) || out->len < 8 || out->len > 24) {
		fprintf(stderr, PROG ": %s must be a prefix a.b.c.d/8..24 without host bits, not '%s'\n",
			name, value);
		return -1;
	}
	return 0;
}

static int apply(void *arg, int id, const char *value)
{
	struct semnetd_config *cfg = arg;

	switch (id) {
	case OPT_SOCKET:
		return sn_config_string(PROG, "socket", cfg->socket_path, sizeof(cfg->socket_path), value);
	case OPT_MQTT_HOST:
		return sn_config_string(PROG, "mqtt-host", cfg->mqtt_host, sizeof(cfg->mqtt_host), value);
	case OPT_MQTT_PORT:
		return sn_config_int(PROG, "mqtt-port", value, 1, 65535, &cfg->mqtt_port);
	case OPT_UNDERLAY_ADDR:
		if (!sn_ipv4_parse(value, &cfg->underlay_addr) || !cfg->underlay_addr)
			return fprintf(stderr, PROG ": underlay-addr '%s' is not an IPv4 address\n",
				       value), -1;
		return 0;
	case OPT_UNDERLAY_DEV:
		return copy_ifname("underlay-dev", cfg->underlay_dev, value);
	case OPT_BRIDGE:
		return copy_ifname("bridge", cfg->bridge, value);
	case OPT_CONTAINER_IFNAME:
		return copy_ifname("container-ifname", cfg->container_ifname, value);
	case OPT_PLATFORM:
		return parse_prefix("platform", value, &cfg->platform);
	case OPT_SERVICES:
		return parse_prefix("services", value, &cfg->services);
	case OPT_TUNNEL_PORT:
		return sn_config_int(PROG, "tunnel-port", value, 1, 65535, &cfg->tunnel_port);
	case OPT_INTEREST_IDLE:
		return sn_config_int(PROG, "interest-idle-ms", value, 100, 86400000, &cfg->interest_idle_ms);
	case OPT_INTEREST_CHECK:
		return sn_config_int(PROG, "interest-check-ms", value, 50, 600000, &cfg->interest_check_ms);
	case OPT_PROBE_INTERVAL:
		if (sn_config_int(PROG, "probe-interval-ms", value, 0, 3600000, &cfg->probe_interval_ms) < 0)
			return -1;
		/* More than a few probes a second per node is load, not insight. */
		if (cfg->probe_interval_ms && cfg->probe_interval_ms < 100)
			return fprintf(stderr,
				       PROG ": probe-interval-ms must be 0 or at least 100\n"), -1;
		return 0;
	case OPT_PROBE_TIMEOUT:
		return sn_config_int(PROG, "probe-timeout-ms", value, 10, 60000, &cfg->probe_timeout_ms);
	case OPT_PROBE_DOWN_AFTER:
		return sn_config_int(PROG, "probe-down-after", value, 1, 100, &cfg->probe_down_after);
	case OPT_FIREWALL:
		return sn_config_on_off(PROG, "firewall", value, &cfg->firewall);
	}
	return sn_config_common(PROG, &(const struct sn_config_common){ &cfg->db_path,
				&cfg->db_durable, &cfg->log_level, &cfg->ready_file }, id, value);
}

int semnetd_config_load(struct semnetd_config *cfg, int argc, char **argv)
{
	struct sn_args args = {
		.prog = PROG,
		.usage = usage,
		.options = options,
		.opt_config = SN_OPT_CONFIG,
		.opt_help = SN_OPT_HELP,
		.apply = apply,
		.json_bool_opt = OPT_FIREWALL,
	};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->socket_path, "/run/semnet/semnetd.sock");
	strcpy(cfg->db_path, "/var/lib/semnet/semnetd.db");
	cfg->db_durable = true;
	cfg->mqtt_port = 10003;
	strcpy(cfg->bridge, "semnet-br0");
	strcpy(cfg->container_ifname, "eth0");
	sn_prefix_parse("172.16.0.0/12", &cfg->platform);
	sn_prefix_parse("172.30.0.0/16", &cfg->services);
	cfg->tunnel_port = 4754;
	cfg->interest_idle_ms = 10000;
	cfg->interest_check_ms = 1000;
	cfg->probe_interval_ms = 500;
	cfg->probe_timeout_ms = 1000;
	cfg->probe_down_after = 3;
	cfg->firewall = true;
	cfg->log_level = SN_LOG_INFO;

	args.cfg = cfg;
	rc = sn_args_parse(&args, argc, argv);
	if (rc)
		return rc;
	if (!sn_prefix_contains(&cfg->platform, cfg->services.addr) ||
	    cfg->services.len < cfg->platform.len) {
		fprintf(stderr, PROG ": the services range must lie inside the platform range\n");
		return -1;
	}
	if (!strcmp(cfg->bridge, "semnet0") || !strcmp(cfg->bridge, cfg->container_ifname)) {
		fprintf(stderr, PROG ": the bridge needs a name of its own\n");
		return -1;
	}
	return 0;
}
