// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_config.h"

#define PROG "semnet-root"

static const char usage[] =
	"usage: semnet-root [options]\n"
	"  --config FILE         JSON settings (keys as the long options, with '_' for '-')\n"
	"  --profile NAME        seed (172.16.0.0/12 minus 172.30.0.0/16) or oakestra\n"
	"                        (10.18.0.0/16 workers, 10.30.0.0/16 services), each with\n"
	"                        port 10099; settings given anywhere override it\n"
	"  --listen ADDR         address to serve on (default 0.0.0.0)\n"
	"  --port N              port (default 10099, Oakestra's)\n"
	"  --db PATH             SQLite database (default /var/lib/semnet/root.db)\n"
	"  --sync full|normal    full: every commit reaches the disk (default); normal:\n"
	"                        survives a process crash, maybe not a power loss\n"
	"  --worker-range CIDR   range worker subnets are cut from\n"
	"  --service-range CIDR  ServiceIP/InstanceIP pool (excluded from worker subnets)\n"
	"  --subnet-len N        worker subnet prefix length (default 26)\n"
	"  IPv6 (the same defaults in every profile, Oakestra's layout):\n"
	"  --platform6 CIDR      the nodes' overlay range (default fc00::/7)\n"
	"  --service-range6 CIDR ServiceIPs and InstanceIPs (default fdff::/16)\n"
	"  --worker-window6 CIDR worker subnets are cut from it (default fc00::/96)\n"
	"  --subnet-len6 N       worker subnet prefix length (default 120)\n"
	"  --instance-window6 CIDR  InstanceIPs (default fdff::/104)\n"
	"  --rr-window6 CIDR     RR and Closest addresses (default fdff:2000::/104);\n"
	"                        a window's first address is never handed out\n"
	"  --push-timeout-ms N   --push-backoff-ms N --push-backoff-max-ms N --push-max-attempts N\n"
	"                        job update delivery to clusters\n"
	"  --log-level LEVEL     debug, info, warn, error\n"
	"  --ready-file PATH     write the bound port there once serving (with --port 0)\n";

static int parse_range(const char *prog, const struct sn_setting *s, const char *text,
		       void *field)
{
	if (!sn_prefix_parse(text, field)) {
		fprintf(stderr, "%s: %s must be an IPv4 prefix like 172.16.0.0/12, not '%s'\n",
			prog, s->name, text);
		return -1;
	}
	return 0;
}

static int parse_range6(const char *prog, const struct sn_setting *s, const char *text,
			void *field)
{
	if (!sn_prefix6_parse(text, field)) {
		fprintf(stderr, "%s: %s must be an IPv6 prefix like fdff::/16, not '%s'\n",
			prog, s->name, text);
		return -1;
	}
	return 0;
}

/* Oakestra's: its root service-manager's port (root_orchestrator's compose
 * file), worker /26s from 10.18.0.0 and its service subnetwork. */
static const char *const seed[] = {
	"port", "10099", "worker-range", "172.16.0.0/12", "service-range", "172.30.0.0/16", NULL,
};
static const char *const oakestra[] = {
	"port", "10099", "worker-range", "10.18.0.0/16", "service-range", "10.30.0.0/16", NULL,
};
static const struct sn_config_profile profiles[] = {
	{ "seed", seed }, { "oakestra", oakestra }, { NULL },
};

#define CFG struct sn_root_config
static const struct sn_setting settings[] = {
	SN_COMMON_SETTINGS(CFG, "/var/lib/semnet/root.db"),
	SN_STRING("listen", CFG, listen, "0.0.0.0"),
	SN_INT("port", CFG, port, 0, 65535, "10099"),
	SN_SETTING("worker-range", parse_range, CFG, worker_range, NULL),
	SN_SETTING("service-range", parse_range, CFG, service_range, NULL),
	SN_INT("subnet-len", CFG, subnet_len, 8, 30, "26"),
	SN_SETTING("platform6", parse_range6, CFG, platform6, "fc00::/7"),
	SN_SETTING("service-range6", parse_range6, CFG, service_range6, "fdff::/16"),
	SN_SETTING("worker-window6", parse_range6, CFG, worker_window6, "fc00::/96"),
	SN_INT("subnet-len6", CFG, subnet_len6, 64, 126, "120"),
	SN_SETTING("instance-window6", parse_range6, CFG, instance_window6, "fdff::/104"),
	SN_SETTING("rr-window6", parse_range6, CFG, rr_window6, "fdff:2000::/104"),
	SN_INT("push-timeout-ms", CFG, push_timeout_ms, 1, 600000, "2000"),
	SN_INT("push-backoff-ms", CFG, push_backoff_ms, 1, 600000, "200"),
	SN_INT("push-backoff-max-ms", CFG, push_backoff_max_ms, 1, 3600000, "30000"),
	SN_INT("push-max-attempts", CFG, push_max_attempts, 1, 1000000, "20"),
	{ NULL },
};

#undef CFG

/* The IPv6 plan: the service range and the worker window inside the
 * platform and apart, the two address windows inside the service range and
 * apart, every window at most 2^24 blocks. */
static int check6(const struct sn_root_config *cfg)
{
	const char *why = NULL;

	if (!sn_prefix6_within(&cfg->service_range6, &cfg->platform6))
		why = "the IPv6 service range must lie inside platform6";
	else if (!sn_prefix6_within(&cfg->worker_window6, &cfg->platform6) ||
		 sn_prefix6_overlaps(&cfg->worker_window6, &cfg->service_range6))
		why = "worker-window6 must lie inside platform6, outside service-range6";
	else if (cfg->subnet_len6 < cfg->worker_window6.len ||
		 cfg->subnet_len6 - cfg->worker_window6.len > 24)
		why = "worker-window6 must hold 1 to 2^24 subnets of subnet-len6";
	else if (!sn_prefix6_within(&cfg->instance_window6, &cfg->service_range6) ||
		 !sn_prefix6_within(&cfg->rr_window6, &cfg->service_range6))
		why = "instance-window6 and rr-window6 must lie inside service-range6";
	else if (sn_prefix6_overlaps(&cfg->instance_window6, &cfg->rr_window6))
		why = "instance-window6 and rr-window6 must not overlap";
	else if (cfg->instance_window6.len < 104 || cfg->rr_window6.len < 104 ||
		 cfg->instance_window6.len > 127 || cfg->rr_window6.len > 127)
		why = "instance-window6 and rr-window6 must be /104 to /127 (at most 2^24 addresses)";
	if (why) {
		fprintf(stderr, PROG ": %s\n", why);
		return -1;
	}
	return 0;
}

static int check(void *arg)
{
	const struct sn_root_config *cfg = arg;

	if (cfg->subnet_len < cfg->worker_range.len ||
	    cfg->subnet_len - cfg->worker_range.len > 24) {
		fprintf(stderr, PROG ": /%u subnets do not fit the worker range\n", cfg->subnet_len);
		return -1;
	}
	if (cfg->service_range.len < 8) {
		fprintf(stderr, PROG ": the service range must be /8 or longer\n");
		return -1;
	}
	return check6(cfg);
}

int sn_root_config_load(struct sn_root_config *cfg, int argc, char **argv)
{
	static const struct sn_config_spec spec = {
		.prog = PROG, .usage = usage, .size = sizeof(*cfg), .settings = settings,
		.profiles = profiles, .check = check,
	};

	return sn_config_load(&spec, cfg, argc, argv);
}
