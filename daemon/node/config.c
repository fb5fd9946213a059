// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_config.h"

#define PROG "semnetd"

static const char usage[] =
	"usage: semnetd [options]\n"
	"  --config FILE            JSON settings (keys as the long options, '_' for '-')\n"
	"  --profile NAME           seed (the defaults below) or oakestra: Oakestra's\n"
	"                           NetManager socket /etc/netmanager/netmanager.sock,\n"
	"                           --platform 10.16.0.0/12, --services 10.30.0.0/16;\n"
	"                           settings given anywhere override it\n"
	"  --socket PATH            the API's unix socket (default /run/semnet/semnetd.sock)\n"
	"  --db PATH                SQLite database (default /var/lib/semnet/semnetd.db)\n"
	"  --sync full|normal       commit durability (default full)\n"
	"  --mqtt-host HOST         the cluster's MQTT broker (default: cluster_address\n"
	"                           of POST /register)\n"
	"  --mqtt-port N            (default 10003, Oakestra's cluster broker)\n"
	"  --mqtt-tls on|off        MQTT over TLS (default off; on with any file below)\n"
	"  --mqtt-cafile FILE       CA certificate(s) the broker's must chain to (PEM)\n"
	"  --mqtt-capath DIR        or a directory of them (default /etc/ssl/certs)\n"
	"  --mqtt-certfile FILE --mqtt-keyfile FILE   client certificate and its key (PEM;\n"
	"                           Oakestra's MqttCert and MqttKey)\n"
	"  --mqtt-keyfile-password-file FILE   the key's password (first line)\n"
	"  --mqtt-tls-version V     tlsv1.2 or tlsv1.3 only (default: 1.2 or newer)\n"
	"  --mqtt-username NAME --mqtt-password-file FILE   broker login (first line)\n"
	"  --underlay-addr ADDR     this node's underlay address, IPv4 or IPv6: where the\n"
	"                           other nodes' tunnels reach it (default: found on\n"
	"                           --underlay-dev, see --underlay-family)\n"
	"  --underlay-dev IFNAME    (default: the device of the IPv4 default route, else\n"
	"                           of the IPv6 one)\n"
	"  --underlay-family auto|4|6  which address is found there: auto (default) its\n"
	"                           first global IPv4 address, or its first global IPv6\n"
	"                           one when it has no IPv4 address (IPv4 wins when both\n"
	"                           exist); 4 or 6: that family only. A node peers only\n"
	"                           with nodes of its underlay's family\n"
	"  --mode bridged|routed    how containers attach: ports of the bridge (default),\n"
	"                           or routed veths (a /32 route each, proxy ARP, the\n"
	"                           gateway on the dummy device semnet-gw; no bridge)\n"
	"  --bridge IFNAME          the container bridge, bridged (default semnet-br0)\n"
	"  --container-ifname NAME  the interface inside containers (default eth0)\n"
	"  --platform PREFIX        every semnet address (default 172.16.0.0/12)\n"
	"  --services PREFIX        ServiceIPs and InstanceIPs (default 172.30.0.0/16)\n"
	"  --platform6 PREFIX       every semnet IPv6 address (default fc00::/7, as\n"
	"                           Oakestra); used once the cluster gives the node an\n"
	"                           IPv6 subnet (addressv6)\n"
	"  --services6 PREFIX       IPv6 ServiceIPs and InstanceIPs (default fdff::/16)\n"
	"  --tunnel-port N          GRE-in-UDP port of semnet0 (default 4754)\n"
	"  --wg-port N              first UDP port of the encrypted links' WireGuard\n"
	"                           devices (default 51820; 0: no WireGuard, so no\n"
	"                           encrypted links from this node)\n"
	"  --wg-key PATH            this node's WireGuard private key, made on first\n"
	"                           start, mode 0600 (default /var/lib/semnet/wg.key)\n"
	"  --relay on|off           relay WireGuard between other nodes (a public node;\n"
	"                           needs --wg-port: it listens on wg-port + 4096 +\n"
	"                           each node's slot; default off)\n"
	"  --wg-rotate-grace-ms N   a key rotation (POST /link/rotate) switches this\n"
	"                           long after the registry has the next key (2000)\n"
	"  --discovery-interval-ms N  endpoint discovery (where a NAT maps the WireGuard\n"
	"                           port) again this often, jittered by a sixth (60000)\n"
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

/* Interface names: what the kernel accepts (no '/', ':', spaces). */
static int parse_ifname(const char *prog, const struct sn_setting *s, const char *value,
			void *field)
{
	/* ... nor quotes: the names go into nft commands. */
	if (strpbrk(value, "/: \t\n\"'\\") || !strcmp(value, ".") || !strcmp(value, "..")) {
		fprintf(stderr, "%s: %s '%s' is not an interface name\n", prog, s->name, value);
		return -1;
	}
	return sn_setting_string(prog, s, value, field);
}

static int parse_prefix(const char *prog, const struct sn_setting *s, const char *value,
			void *field)
{
	struct sn_prefix *out = field;

	if (!sn_prefix_parse(value, out) || out->len < 8 || out->len > 24) {
		fprintf(stderr, "%s: %s must be a prefix a.b.c.d/8..24 without host bits, not '%s'\n",
			prog, s->name, value);
		return -1;
	}
	return 0;
}

static int parse_prefix6(const char *prog, const struct sn_setting *s, const char *value,
			 void *field)
{
	struct sn_prefix6 *out = field;

	if (!sn_prefix6_parse(value, out) || out->len < 7 || out->len > 96) {
		fprintf(stderr, "%s: %s must be an IPv6 prefix like fc00::/7 (/7..96) without host bits, not '%s'\n",
			prog, s->name, value);
		return -1;
	}
	return 0;
}

static int parse_underlay_addr(const char *prog, const struct sn_setting *s, const char *value,
			       void *field)
{
	struct sn_ipaddr *addr = field;
	const char *why;

	(void)s;
	if (!sn_ipaddr_parse(value, addr))
		return fprintf(stderr, "%s: underlay-addr '%s' is not an IPv4 or IPv6 address\n",
			       prog, value), -1;
	if ((why = sn_ipaddr_underlay_unfit(addr))) {
		fprintf(stderr, "%s: underlay-addr '%s' is %s, not a node's address\n", prog, value,
			why);
		memset(addr, 0, sizeof(*addr));
		return -1;
	}
	return 0;
}

static int parse_underlay_family(const char *prog, const struct sn_setting *s, const char *value,
				 void *field)
{
	int *family = field;

	if (!strcmp(value, "auto"))
		*family = 0;
	else if (!strcmp(value, "4"))
		*family = AF_INET;
	else if (!strcmp(value, "6"))
		*family = AF_INET6;
	else
		return fprintf(stderr, "%s: %s must be auto, 4 or 6, not '%s'\n", prog, s->name,
			       value), -1;
	return 0;
}

static int parse_probe_interval(const char *prog, const struct sn_setting *s, const char *value,
				void *field)
{
	int *ms = field;

	if (sn_setting_int(prog, s, value, field) < 0)
		return -1;
	/* More than a few probes a second per node is load, not insight. */
	if (*ms && *ms < 100)
		return fprintf(stderr, "%s: probe-interval-ms must be 0 or at least 100\n", prog),
		       -1;
	return 0;
}

static int parse_mode(const char *prog, const struct sn_setting *s, const char *value,
		      void *field)
{
	bool *routed = field;

	if (strcmp(value, "bridged") && strcmp(value, "routed")) {
		fprintf(stderr, "%s: %s must be bridged or routed, not '%s'\n", prog, s->name,
			value);
		return -1;
	}
	*routed = !strcmp(value, "routed");
	return 0;
}

/* Oakestra's NetManager: its socket (NM server/server.go), the range its
 * nodes route into the tunnel and its service subnetwork (config/tuncfg.json). */
static const char *const seed[] = {
	"socket", "/run/semnet/semnetd.sock", "platform", "172.16.0.0/12",
	"services", "172.30.0.0/16", "mqtt-port", "10003", NULL,
};
static const char *const oakestra[] = {
	"socket", "/etc/netmanager/netmanager.sock", "platform", "10.16.0.0/12",
	"services", "10.30.0.0/16", "mqtt-port", "10003", NULL,
};
static const struct sn_config_profile profiles[] = {
	{ "seed", seed }, { "oakestra", oakestra }, { NULL },
};

#define CFG struct semnetd_config
static const struct sn_setting settings[] = {
	SN_COMMON_SETTINGS(CFG, "/var/lib/semnet/semnetd.db"),
	SN_STRING("socket", CFG, socket_path, NULL),
	SN_STRING("mqtt-host", CFG, mqtt_host, NULL),
	SN_INT("mqtt-port", CFG, mqtt_port, 1, 65535, NULL),
	SN_MQTT_SETTINGS(CFG, mqtt_security),
	SN_SETTING("underlay-addr", parse_underlay_addr, CFG, underlay_addr, NULL),
	SN_SETTING("underlay-dev", parse_ifname, CFG, underlay_dev, NULL),
	SN_SETTING("underlay-family", parse_underlay_family, CFG, underlay_family, "auto"),
	SN_SETTING("mode", parse_mode, CFG, routed, "bridged"),
	SN_SETTING("bridge", parse_ifname, CFG, bridge, "semnet-br0"),
	SN_SETTING("container-ifname", parse_ifname, CFG, container_ifname, "eth0"),
	SN_SETTING("platform", parse_prefix, CFG, platform, NULL),
	SN_SETTING("services", parse_prefix, CFG, services, NULL),
	SN_SETTING("platform6", parse_prefix6, CFG, platform6, "fc00::/7"),
	SN_SETTING("services6", parse_prefix6, CFG, services6, "fdff::/16"),
	SN_INT("tunnel-port", CFG, tunnel_port, 1, 65535, "4754"),
	SN_INT("wg-port", CFG, wg_port, 0, 65535, "51820"),
	SN_STRING("wg-key", CFG, wg_key_path, "/var/lib/semnet/wg.key"),
	SN_SETTING("relay", sn_setting_on_off, CFG, relay, "off"),
	SN_INT("wg-rotate-grace-ms", CFG, wg_rotate_grace_ms, 0, 600000, "2000"),
	SN_INT("discovery-interval-ms", CFG, discovery_interval_ms, 1000, 86400000, "60000"),
	SN_INT("interest-idle-ms", CFG, interest_idle_ms, 100, 86400000, "10000"),
	SN_INT("interest-check-ms", CFG, interest_check_ms, 50, 600000, "1000"),
	{ "probe-interval-ms", parse_probe_interval, offsetof(CFG, probe_interval_ms), sizeof(int),
	  0, 3600000, "500" },
	SN_INT("probe-timeout-ms", CFG, probe_timeout_ms, 10, 60000, "1000"),
	SN_INT("probe-down-after", CFG, probe_down_after, 1, 100, "3"),
	SN_SETTING("firewall", sn_setting_on_off, CFG, firewall, "on"),
	{ NULL },
};

#undef CFG

static int check(void *arg)
{
	struct semnetd_config *cfg = arg;

	if (!sn_prefix_contains(&cfg->platform, cfg->services.addr) ||
	    cfg->services.len < cfg->platform.len) {
		fprintf(stderr, PROG ": the services range must lie inside the platform range\n");
		return -1;
	}
	if (!sn_prefix6_within(&cfg->services6, &cfg->platform6)) {
		fprintf(stderr, PROG ": the services6 range must lie inside the platform6 range\n");
		return -1;
	}
	if (sn_ipaddr_is_set(&cfg->underlay_addr) && cfg->underlay_family &&
	    cfg->underlay_addr.family != cfg->underlay_family) {
		fprintf(stderr, PROG ": underlay-addr is an %s address, underlay-family says IPv%d\n",
			sn_ipaddr_family_name(cfg->underlay_addr.family),
			cfg->underlay_family == AF_INET ? 4 : 6);
		return -1;
	}
	if (!cfg->routed &&
	    (!strcmp(cfg->bridge, "semnet0") || !strcmp(cfg->bridge, cfg->container_ifname))) {
		fprintf(stderr, PROG ": the bridge needs a name of its own\n");
		return -1;
	}
	return sn_config_mqtt_check(PROG, &cfg->mqtt_security);
}

int semnetd_config_load(struct semnetd_config *cfg, int argc, char **argv)
{
	static const struct sn_config_spec spec = {
		.prog = PROG, .usage = usage, .size = sizeof(*cfg), .settings = settings,
		.profiles = profiles, .check = check,
	};

	return sn_config_load(&spec, cfg, argc, argv);
}
