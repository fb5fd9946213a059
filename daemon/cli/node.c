// SPDX-License-Identifier: GPL-2.0
/*
 * semnet node { set | show | del }: this namespace's semnet configuration
 * (SEMNET_CMD_SET_NODE / GET_NODE / DEL_NODE).
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <string.h>

#include <netlink/attr.h>

#include "cli.h"

void sn_node_usage(FILE *out)
{
	fputs("Usage: semnet node set platform PREFIX services PREFIX subnet PREFIX [subnet PREFIX ...]\n"
	      "                       gateway ADDR bridge IFNAME [flow-max N]\n"
	      "                       [timeout-tcp SEC] [timeout-tcp-close SEC]\n"
	      "                       [timeout-udp SEC] [timeout-icmp SEC] [tunnel-port PORT]\n"
	      "                       [hold-packets N] [hold-total N] [hold-timeout MS]\n"
	      "                       [miss-interval MS] [timeout-unreplied SEC]\n"
	      "                       [unreplied-max N]\n"
	      "       semnet node change [platform PREFIX] [services PREFIX] [subnet PREFIX ...]\n"
	      "                          [gateway ADDR] [bridge IFNAME] [flow-max N] [timeout-* SEC]\n"
	      "                          [tunnel-port PORT] [hold-* N|MS] [miss-interval MS]\n"
	      "                          [unreplied-max N]\n"
	      "       semnet node show\n"
	      "       semnet node del\n"
	      "\n"
	      "  platform PREFIX   every semnet address (e.g. 172.16.0.0/12)\n"
	      "  services PREFIX   ServiceIPs and InstanceIPs (e.g. 172.30.0.0/16)\n"
	      "  subnet PREFIX     a local container subnet (e.g. 172.16.0.0/26); up to 8\n"
	      "  gateway ADDR      the bridge's address (e.g. 172.16.0.1)\n"
	      "  bridge IFNAME     the container bridge\n"
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
	      "`node change` updates just the values given (subnets: all of them). `node\n"
	      "del` removes the configuration with every service, instance and flow.\n",
	      out);
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

/* One `keyword value` row each, in the order and words of `node set`. */
void sn_node_text(struct sn_table *t, const struct sn_node *n)
{
	char buf[SN_PREFIX_STRLEN], ifname[SN_IFNAME_STRLEN];
	unsigned int k;
	size_t i;

	if (SN_HAS(n, SEMNET_A_NODE_PLATFORM)) {
		sn_table_row(t);
		sn_table_cell(t, "platform");
		sn_table_cell(t, "%s", sn_fmt_kprefix(&n->platform, buf));
	}
	if (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE)) {
		sn_table_row(t);
		sn_table_cell(t, "services");
		sn_table_cell(t, "%s", sn_fmt_kprefix(&n->service_range, buf));
	}
	for (k = 0; k < n->nsubnets; k++) {
		sn_table_row(t);
		sn_table_cell(t, "subnet");
		sn_table_cell(t, "%s", sn_fmt_kprefix(&n->subnets[k], buf));
	}
	if (SN_HAS(n, SEMNET_A_NODE_GATEWAY)) {
		sn_table_row(t);
		sn_table_cell(t, "gateway");
		sn_table_cell(t, "%s", sn_fmt_addr(n->gateway, buf));
	}
	if (SN_HAS(n, SEMNET_A_NODE_BRIDGE)) {
		sn_table_row(t);
		sn_table_cell(t, "bridge");
		sn_table_cell(t, "%s", sn_fmt_ifname(n->bridge, ifname));
	}
	for (i = 0; i < sn_node_nu32; i++) {
		if (!SN_HAS(n, sn_node_u32s[i].attr))
			continue;
		sn_table_row(t);
		sn_table_cell(t, "%s", sn_node_u32s[i].name);
		sn_table_cell(t, "%" PRIu32, sn_node_u32_get(n, i));
	}
	if (SN_HAS(n, SEMNET_A_NODE_TUNNEL_PORT)) {
		sn_table_row(t);
		sn_table_cell(t, "tunnel-port");
		sn_table_cell(t, "%u", n->tunnel_port);
	}
}

enum {
	KW_PLATFORM, KW_SERVICES, KW_SUBNET, KW_GATEWAY, KW_BRIDGE,
	KW_FLOW_MAX, KW_TIMEOUT_TCP, KW_TIMEOUT_TCP_CLOSE, KW_TIMEOUT_UDP,
	KW_TIMEOUT_ICMP, KW_HOLD_PACKETS, KW_HOLD_TOTAL, KW_HOLD_TIMEOUT,
	KW_MISS_INTERVAL, KW_TIMEOUT_UNREPLIED, KW_UNREPLIED_MAX, KW_TUNNEL_PORT,
};

/* Same order as the enum above and as sn_node_u32s for the numbers. */
#define NODE_KW(req) { \
	[KW_PLATFORM] = { "platform", SN_KW_PREFIX, req, 0, NULL }, \
	[KW_SERVICES] = { "services", SN_KW_PREFIX, req, 0, NULL }, \
	[KW_SUBNET] = { "subnet", SN_KW_PREFIX, (req) | SN_KW_MULTI, 0, NULL }, \
	[KW_GATEWAY] = { "gateway", SN_KW_ADDR, req, 0, NULL }, \
	[KW_BRIDGE] = { "bridge", SN_KW_IFNAME, req, 0, NULL }, \
	[KW_FLOW_MAX] = { "flow-max", SN_KW_U32, 0, 1, NULL }, \
	[KW_TIMEOUT_TCP] = { "timeout-tcp", SN_KW_U32, 0, 1, NULL }, \
	[KW_TIMEOUT_TCP_CLOSE] = { "timeout-tcp-close", SN_KW_U32, 0, 1, NULL }, \
	[KW_TIMEOUT_UDP] = { "timeout-udp", SN_KW_U32, 0, 1, NULL }, \
	[KW_TIMEOUT_ICMP] = { "timeout-icmp", SN_KW_U32, 0, 1, NULL }, \
	[KW_HOLD_PACKETS] = { "hold-packets", SN_KW_U32, 0, 0, NULL }, \
	[KW_HOLD_TOTAL] = { "hold-total", SN_KW_U32, 0, 0, NULL }, \
	[KW_HOLD_TIMEOUT] = { "hold-timeout", SN_KW_U32, 0, 1, NULL }, \
	[KW_MISS_INTERVAL] = { "miss-interval", SN_KW_U32, 0, 0, NULL }, \
	[KW_TIMEOUT_UNREPLIED] = { "timeout-unreplied", SN_KW_U32, 0, 1, NULL }, \
	[KW_UNREPLIED_MAX] = { "unreplied-max", SN_KW_U32, 0, 1, NULL }, \
	[KW_TUNNEL_PORT] = { "tunnel-port", SN_KW_PORT, 0, 0, NULL }, \
}
static const struct sn_kw node_set_kw[] = NODE_KW(SN_KW_REQUIRED);
static const struct sn_kw node_change_kw[] = NODE_KW(0);

/*
 * Turns parsed `node set` keywords into a node, except the bridge (which
 * needs the caller's namespace). Returns 0, or -EINVAL with a message.
 */
static int node_from_keywords(const struct sn_kwval *kv, struct sn_node *n,
			      char *err, size_t errlen)
{
	unsigned int k, j;
	size_t i;

	memset(n, 0, sizeof(*n));
	if (kv[KW_PLATFORM].n) {
		n->platform = sn_kprefix_of(&kv[KW_PLATFORM].v[0].prefix);
		SN_SET(n, SEMNET_A_NODE_PLATFORM);
	}
	if (kv[KW_SERVICES].n) {
		n->service_range = sn_kprefix_of(&kv[KW_SERVICES].v[0].prefix);
		SN_SET(n, SEMNET_A_NODE_SERVICE_RANGE);
	}
	for (k = 0; k < kv[KW_SUBNET].n; k++) {
		for (j = 0; j < k; j++) {
			const struct sn_prefix *p = &kv[KW_SUBNET].v[k].prefix;

			if (n->subnets[j].addr == p->addr && n->subnets[j].len == p->len) {
				char buf[SN_PREFIX_STRLEN];

				snprintf(err, errlen, "subnet %s given twice",
					 sn_fmt_kprefix(&n->subnets[j], buf));
				return -EINVAL;
			}
		}
		n->subnets[k] = sn_kprefix_of(&kv[KW_SUBNET].v[k].prefix);
	}
	n->nsubnets = kv[KW_SUBNET].n;
	if (n->nsubnets)
		SN_SET(n, SEMNET_A_NODE_SUBNETS);
	if (kv[KW_GATEWAY].n) {
		n->gateway = kv[KW_GATEWAY].v[0].addr;
		SN_SET(n, SEMNET_A_NODE_GATEWAY);
	}
	for (i = 0; i < sn_node_nu32; i++) {
		if (!kv[KW_FLOW_MAX + i].n)
			continue;
		*sn_node_u32(n, i) = kv[KW_FLOW_MAX + i].v[0].u32;
		SN_SET(n, sn_node_u32s[i].attr);
	}
	if (kv[KW_TUNNEL_PORT].n) {
		n->tunnel_port = (uint16_t)kv[KW_TUNNEL_PORT].v[0].u32;
		SN_SET(n, SEMNET_A_NODE_TUNNEL_PORT);
	}
	return 0;
}

/* node set (all the required keywords) and node change (any, at least one). */
static int node_set_change(const char *what, int argc, char **argv, bool set)
{
	struct sn_kwval kv[ARRAY_SIZE(node_set_kw)];
	char err[SN_ERR_MAX];
	struct sn_node n;
	unsigned int ifindex;
	int ret;

	ret = sn_keywords(what, set ? node_set_kw : node_change_kw,
			  ARRAY_SIZE(node_set_kw), argc, argv, kv);
	if (ret)
		return ret;
	if (!argc)
		return sn_usage_error(what, "nothing to change (see: semnet node help)");
	if (node_from_keywords(kv, &n, err, sizeof(err)) < 0)
		return sn_usage_error(what, "%s", err);
	if (kv[KW_BRIDGE].n) {
		ifindex = if_nametoindex(kv[KW_BRIDGE].v[0].str);
		if (!ifindex)
			return sn_fail(what, "no such device \"%s\" (bridge) in this network namespace",
				       kv[KW_BRIDGE].v[0].str);
		n.bridge = ifindex;
		SN_SET(&n, SEMNET_A_NODE_BRIDGE);
	}
	return sn_request(what, SEMNET_CMD_SET_NODE, 0, sn_node_fill, &n, NULL, NULL);
}

static int node_set(const char *what, int argc, char **argv)
{
	return node_set_change(what, argc, argv, true);
}

static int node_change(const char *what, int argc, char **argv)
{
	return node_set_change(what, argc, argv, false);
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

	if (argc > 0)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[0]);
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

static int node_del(const char *what, int argc, char **argv)
{
	if (argc > 0)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[0]);
	return sn_request(what, SEMNET_CMD_DEL_NODE, 0, NULL, NULL, NULL, NULL);
}

static const struct sn_subcmd node_cmds[] = {
	{ "show", node_show },
	{ "set", node_set },
	{ "change", node_change },
	{ "del", node_del },
};

int sn_cmd_node(int argc, char **argv)
{
	return sn_dispatch("node", node_cmds, ARRAY_SIZE(node_cmds), sn_node_usage,
			   argc, argv);
}
