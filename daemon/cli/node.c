// SPDX-License-Identifier: GPL-2.0
/*
 * semnet node { set | show | del }: this namespace's semnet configuration
 * (SEMNET_CMD_SET_NODE / GET_NODE / DEL_NODE).
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"

void sn_node_usage(FILE *out)
{
	fputs("Usage: semnet node set platform PREFIX services PREFIX subnet PREFIX [subnet PREFIX ...]\n"
	      "                       gateway ADDR { [mode bridged] bridge IFNAME | mode routed }\n"
	      "                       [platform6 PREFIX6 services6 PREFIX6 gateway6 ADDR6]\n"
	      "                       [flow-max N]\n"
	      "                       [timeout-tcp SEC] [timeout-tcp-close SEC]\n"
	      "                       [timeout-udp SEC] [timeout-icmp SEC] [tunnel-port PORT]\n"
	      "                       [hold-packets N] [hold-total N] [hold-timeout MS]\n"
	      "                       [miss-interval MS] [timeout-unreplied SEC]\n"
	      "                       [unreplied-max N]\n"
	      "       semnet node change [platform PREFIX] [services PREFIX] [subnet PREFIX ...]\n"
	      "                          [gateway ADDR] [mode bridged|routed] [bridge IFNAME]\n"
	      "                          [platform6 PREFIX6] [services6 PREFIX6] [gateway6 ADDR6]\n"
	      "                          [flow-max N] [timeout-* SEC]\n"
	      "                          [tunnel-port PORT] [hold-* N|MS] [miss-interval MS]\n"
	      "                          [unreplied-max N]\n"
	      "       semnet node show\n"
	      "       semnet node del\n"
	      "\n"
	      "  platform PREFIX   every semnet address (e.g. 172.16.0.0/12)\n"
	      "  services PREFIX   ServiceIPs and InstanceIPs (e.g. 172.30.0.0/16)\n"
	      "  subnet PREFIX     a local container subnet, IPv4 (e.g. 172.16.0.0/26) or\n"
	      "                    IPv6 (e.g. fc00::100/120, at most a /126); up to 8 of each\n"
	      "  gateway ADDR      the containers' gateway (e.g. 172.16.0.1): the bridge's\n"
	      "                    address, or routed, an address of the node\n"
	      "  platform6 PREFIX6 IPv6 beside IPv4: every semnet IPv6 address (e.g.\n"
	      "                    fc00::/7); given with services6\n"
	      "  services6 PREFIX6 IPv6 ServiceIPs and InstanceIPs (e.g. fdff::/16)\n"
	      "  gateway6 ADDR6    the containers' IPv6 gateway (e.g. fc00::101), in an\n"
	      "                    IPv6 subnet; needed once there is one\n"
	      "  mode MODE         how containers attach: bridged (the default: ports of\n"
	      "                    the bridge) or routed (no bridge: each container's\n"
	      "                    host-side veth is routed, a /32 route to its nsIP, and\n"
	      "                    is its port: see semnet instance dev)\n"
	      "  bridge IFNAME     the container bridge (bridged mode only)\n"
	      "  flow-max N        flow table capacity\n"
	      "  timeout-* SEC     idle timeouts: established TCP, TCP after RST or FIN both\n"
	      "                    ways, UDP, ICMP, and a flow not yet answered (unreplied)\n"
	      "  tunnel-port PORT  the UDP port semnet0 receives on (default 4754)\n"
	      "  hold-packets N    packets held per unknown address while it is resolved\n"
	      "                    (0: drop them; see semnet monitor)\n"
	      "  hold-total N      packets held in all\n"
	      "  hold-timeout MS   a held packet is dropped after MS milliseconds\n"
	      "  miss-interval MS  at most one miss event per address every MS milliseconds\n"
	      "  unreplied-max N   flows not yet answered that one source may have at once\n"
	      "`node set` configures the node; on a new node the optional values default\n"
	      "to flow-max 262144, timeouts tcp 900, tcp-close 10, udp 30, icmp 30,\n"
	      "unreplied 30, unreplied-max 1024, hold-packets 4, hold-total 256,\n"
	      "hold-timeout 2000, miss-interval 200 (those\n"
	      "of the module); on a configured node what is left out stays as it was.\n"
	      "`node change` updates just the values given (subnets: all of them, both\n"
	      "families); the IPv6 plan can be changed, not removed (but by node del); mode\n"
	      "routed drops the bridge, mode bridged needs one. `node\n"
	      "del` removes the configuration with every service, instance and flow.\n",
	      out);
}

static const char *const mode_names[] = { "bridged", "routed", NULL };

/* "bridged", "routed", or NULL for a mode this tool does not know. */
static const char *mode_name(uint32_t mode)
{
	return mode < ARRAY_SIZE(mode_names) - 1 ? mode_names[mode] : NULL;
}

json_t *sn_node_json(const struct sn_node *n)
{
	char ifname[SN_IFNAME_STRLEN];
	json_t *o = json_object(), *subnets;
	unsigned int k;
	size_t i;

	if (!o)
		return NULL;
	if (SN_HAS(n, SEMNET_A_NODE_PLATFORM))
		json_object_set_new(o, "platform", sn_json_kprefix(&n->platform));
	if (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE))
		json_object_set_new(o, "service_range", sn_json_kprefix(&n->service_range));
	subnets = json_array();
	for (k = 0; k < n->nsubnets; k++)
		json_array_append_new(subnets, sn_json_kprefix(&n->subnets[k]));
	json_object_set_new(o, "subnets", subnets);
	if (SN_HAS(n, SEMNET_A_NODE_GATEWAY))
		json_object_set_new(o, "gateway", sn_json_addr(n->gateway));
	if (SN_HAS(n, SEMNET_A_NODE_PLATFORM6))
		json_object_set_new(o, "platform6", sn_json_kprefix(&n->platform6));
	if (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE6))
		json_object_set_new(o, "service_range6", sn_json_kprefix(&n->service_range6));
	if (SN_HAS(n, SEMNET_A_NODE_GATEWAY6))
		json_object_set_new(o, "gateway6", sn_json_addr6(&n->gateway6));
	if (SN_HAS(n, SEMNET_A_NODE_MODE)) {
		const char *mode = mode_name(n->mode);

		json_object_set_new(o, "mode", mode ? json_string(mode) : json_integer(n->mode));
	}
	if (SN_HAS(n, SEMNET_A_NODE_BRIDGE)) {
		json_object_set_new(o, "bridge", json_string(sn_fmt_ifname(n->bridge, ifname)));
		json_object_set_new(o, "bridge_ifindex", json_integer(n->bridge));
	}
	for (i = 0; i < sn_node_nu32; i++) {
		char key[32];

		if (SN_HAS(n, sn_node_u32s[i].attr))
			json_object_set_new(o, sn_snake(sn_node_u32s[i].name, key, sizeof(key)),
					    json_integer(sn_node_u32_get(n, i)));
	}
	if (SN_HAS(n, SEMNET_A_NODE_TUNNEL_PORT))
		json_object_set_new(o, "tunnel_port", json_integer(n->tunnel_port));
	return o;
}

/* A `keyword value` row of node show. */
static void pair(struct sn_table *t, const char *keyword, const char *value)
{
	sn_table_row(t);
	sn_table_cell(t, "%s", keyword);
	sn_table_cell(t, "%s", value);
}

/* One `keyword value` row each, in the order and words of `node set`. */
void sn_node_text(struct sn_table *t, const struct sn_node *n)
{
	char buf[SN_PREFIX_STRLEN], ifname[SN_IFNAME_STRLEN], num[16];
	unsigned int k;
	size_t i;

	if (SN_HAS(n, SEMNET_A_NODE_PLATFORM))
		pair(t, "platform", sn_fmt_kprefix(&n->platform, buf));
	if (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE))
		pair(t, "services", sn_fmt_kprefix(&n->service_range, buf));
	for (k = 0; k < n->nsubnets; k++)
		pair(t, "subnet", sn_fmt_kprefix(&n->subnets[k], buf));
	if (SN_HAS(n, SEMNET_A_NODE_GATEWAY))
		pair(t, "gateway", sn_fmt_addr(n->gateway, buf));
	if (SN_HAS(n, SEMNET_A_NODE_PLATFORM6))
		pair(t, "platform6", sn_fmt_kprefix(&n->platform6, buf));
	if (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE6))
		pair(t, "services6", sn_fmt_kprefix(&n->service_range6, buf));
	if (SN_HAS(n, SEMNET_A_NODE_GATEWAY6))
		pair(t, "gateway6", sn_fmt_addr6(&n->gateway6, buf));
	if (SN_HAS(n, SEMNET_A_NODE_MODE)) {
		const char *mode = mode_name(n->mode);

		snprintf(num, sizeof(num), "%" PRIu32, n->mode);
		pair(t, "mode", mode ? mode : num);
	}
	if (SN_HAS(n, SEMNET_A_NODE_BRIDGE))
		pair(t, "bridge", sn_fmt_ifname(n->bridge, ifname));
	for (i = 0; i < sn_node_nu32; i++) {
		if (!SN_HAS(n, sn_node_u32s[i].attr))
			continue;
		snprintf(num, sizeof(num), "%" PRIu32, sn_node_u32_get(n, i));
		pair(t, sn_node_u32s[i].name, num);
	}
	if (SN_HAS(n, SEMNET_A_NODE_TUNNEL_PORT)) {
		snprintf(num, sizeof(num), "%u", n->tunnel_port);
		pair(t, "tunnel-port", num);
	}
}

enum { KW_SUBNET = 2 };

#define NODE_U32(name, min, member, attr) \
	{ SN_KW(name, SN_KW_U32, 0, min, NULL), SN_KW_FIELD(struct sn_node, member, attr) }

/* node set's keywords (all but the numbers, mode and bridge required); node change takes any. */
static const struct sn_kw node_kw[] = {
	{ SN_KW("platform", SN_KW_PREFIX, SN_KW_REQUIRED, 0, NULL),
	  SN_KW_FIELD(struct sn_node, platform, SEMNET_A_NODE_PLATFORM) },
	{ SN_KW("services", SN_KW_PREFIX, SN_KW_REQUIRED, 0, NULL),
	  SN_KW_FIELD(struct sn_node, service_range, SEMNET_A_NODE_SERVICE_RANGE) },
	/* Stored by node_finish(): up to SEMNET_SUBNETS_MAX of each family. */
	[KW_SUBNET] = { SN_KW("subnet", SN_KW_PREFIX_ANY, SN_KW_REQUIRED | SN_KW_MULTI, 0, NULL) },
	{ SN_KW("gateway", SN_KW_ADDR, SN_KW_REQUIRED, 0, NULL),
	  SN_KW_FIELD(struct sn_node, gateway, SEMNET_A_NODE_GATEWAY) },
	/* Required unless routed: the module says so (node set merges). */
	{ SN_KW("mode", SN_KW_WORD, 0, 0, mode_names),
	  SN_KW_FIELD(struct sn_node, mode, SEMNET_A_NODE_MODE) },
	{ SN_KW("bridge", SN_KW_IFNAME, 0, 0, NULL),
	  SN_KW_FIELD(struct sn_node, bridge, SEMNET_A_NODE_BRIDGE) },
	NODE_U32("flow-max", 1, flow_max, SEMNET_A_NODE_FLOW_MAX),
	NODE_U32("timeout-tcp", 1, timeout_tcp, SEMNET_A_NODE_TIMEOUT_TCP),
	NODE_U32("timeout-tcp-close", 1, timeout_tcp_close, SEMNET_A_NODE_TIMEOUT_TCP_CLOSE),
	NODE_U32("timeout-udp", 1, timeout_udp, SEMNET_A_NODE_TIMEOUT_UDP),
	NODE_U32("timeout-icmp", 1, timeout_icmp, SEMNET_A_NODE_TIMEOUT_ICMP),
	NODE_U32("hold-packets", 0, hold_packets, SEMNET_A_NODE_HOLD_PACKETS),
	NODE_U32("hold-total", 0, hold_total, SEMNET_A_NODE_HOLD_TOTAL),
	NODE_U32("hold-timeout", 1, hold_timeout, SEMNET_A_NODE_HOLD_TIMEOUT),
	NODE_U32("miss-interval", 0, miss_interval, SEMNET_A_NODE_MISS_INTERVAL),
	NODE_U32("timeout-unreplied", 1, timeout_unreplied, SEMNET_A_NODE_TIMEOUT_UNREPLIED),
	NODE_U32("unreplied-max", 1, unreplied_max, SEMNET_A_NODE_UNREPLIED_MAX),
	{ SN_KW("tunnel-port", SN_KW_PORT, 0, 0, NULL),
	  SN_KW_FIELD(struct sn_node, tunnel_port, SEMNET_A_NODE_TUNNEL_PORT) },
	/* The IPv6 plan, optional: the module checks that it is whole. */
	{ SN_KW("platform6", SN_KW_PREFIX6, 0, 0, NULL),
	  SN_KW_FIELD(struct sn_node, platform6, SEMNET_A_NODE_PLATFORM6) },
	{ SN_KW("services6", SN_KW_PREFIX6, 0, 0, NULL),
	  SN_KW_FIELD(struct sn_node, service_range6, SEMNET_A_NODE_SERVICE_RANGE6) },
	{ SN_KW("gateway6", SN_KW_ADDR6, 0, 0, NULL),
	  SN_KW_FIELD(struct sn_node, gateway6, SEMNET_A_NODE_GATEWAY6) },
};

/* The subnets: all of them, in the order given (parse.c refused repeats). */
static void node_finish(void *obj, const struct sn_kwval *kv, bool add)
{
	struct sn_node *n = obj;
	unsigned int k;

	(void)add;
	for (k = 0; k < kv[KW_SUBNET].n; k++)
		n->subnets[k] = sn_kprefix_of(&kv[KW_SUBNET].v[k].prefix);
	n->nsubnets = kv[KW_SUBNET].n;
	if (n->nsubnets)
		SN_SET(n, SEMNET_A_NODE_SUBNETS);
}

static int node_reply(struct nlattr **attrs, void *arg)
{
	return sn_node_get(attrs, arg);
}

static int node_show(const char *what, int argc, char **argv)
{
	struct sn_table *t;
	struct sn_node n;
	int ret;

	ret = sn_no_args(what, argc, argv);
	if (ret)
		return ret;
	memset(&n, 0, sizeof(n));
	ret = sn_request(what, SEMNET_CMD_GET_NODE, 0, NULL, NULL, node_reply, &n);
	if (ret)
		return ret;
	if (sn_opts.json)
		return sn_json_print(sn_node_json(&n), stdout) ? SN_EXIT_FAIL : 0;
	t = sn_table_new();
	sn_node_text(t, &n);
	sn_table_print(t, stdout, "");
	sn_table_free(t);
	return 0;
}

static const struct sn_subcmd node_cmds[] = {
	{ "show", node_show, NULL },
	{ "set", .op = sn_object_add },
	{ "change", .op = sn_object_change },
	{ "del", .op = sn_object_del },
};

/* One per namespace: no key; set and change send the same command. */
const struct sn_object sn_node_object = {
	.name = "node",
	.usage = sn_node_usage,
	.cmds = node_cmds,
	.ncmds = ARRAY_SIZE(node_cmds),
	.size = sizeof(struct sn_node),
	.fill = sn_node_fill,
	.key = SN_KEY_NONE,
	SN_OBJECT_KW(node_kw, "nothing to change (see: semnet node help)"),
	.finish = node_finish,
	.cmd = { .new = SEMNET_CMD_SET_NODE, .del = SEMNET_CMD_DEL_NODE },
};
