// SPDX-License-Identifier: GPL-2.0
/*
 * semnet peer { add | change | set | del | show | flush }: tunnel peers,
 * the nodes that host other subnets of nsIPs, and their cost and state for
 * the closest policy (SEMNET_CMD_NEW_PEER / SET_PEER / DEL_PEER / GET_PEER
 * / FLUSH_PEERS).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"

void sn_peer_usage(FILE *out)
{
	fputs("Usage: semnet peer add PREFIX remote ADDR [port PORT] [encap ENCAP] [dev IFNAME]\n"
	      "                       [label TEXT]\n"
	      "       semnet peer change PREFIX [remote ADDR] [port PORT] [encap ENCAP]\n"
	      "                          [dev { IFNAME | none }] [label TEXT]\n"
	      "       semnet peer set { PREFIX | via ADDR } [cost { N | unknown }] [up | down]\n"
	      "       semnet peer del PREFIX\n"
	      "       semnet peer show\n"
	      "       semnet peer flush\n"
	      "\n"
	      "  PREFIX        the peer's subnet of nsIPs (e.g. 172.16.0.64/26, or an\n"
	      "                IPv6 one such as fc00::100/120, /96 or longer): the key\n"
	      "  remote ADDR   the peer node's underlay address, IPv4 or IPv6 (either\n"
	      "                family for a subnet of either family)\n"
	      "  port PORT     its UDP port (default: 4754 for gre-udp, 50103 for ipudp)\n"
	      "  encap ENCAP   gre-udp (GRE in UDP, RFC 8086; the default), ipudp\n"
	      "                (bare IP in UDP, as Oakestra's NetManager) or direct\n"
	      "                (a node on the same segment, its subnets routed via\n"
	      "                ADDR; needs dev, the segment's device)\n"
	      "  dev IFNAME    accept the peer's tunnel packets only from this device\n"
	      "                (say wg0, the WireGuard device its address is routed\n"
	      "                into): any other packet from its address is dropped as\n"
	      "                spoofed; \"none\" (the default) accepts them from any\n"
	      "  label TEXT    what the node daemon says of the peer, for people (semnetd:\n"
	      "                the pair's link kind and why); printable ASCII, at most\n"
	      "                255 bytes, \"\" clears it; the kernel never acts on it\n"
	      "  via ADDR      set: every peer at that underlay address (one node, both\n"
	      "                families' subnets)\n"
	      "  cost N        how far the node is, lower is closer (semnetd sets its\n"
	      "                smoothed RTT in microseconds): 0..4294967294; \"unknown\"\n"
	      "                (the default) ranks after every measured node\n"
	      "  up | down     a node marked down is never picked by the closest policy,\n"
	      "                and its closest flows are removed when it goes down\n"
	      "semnet0 sends packets for PREFIX to the peer and accepts tunnel packets only\n"
	      "from known peers. -s shows counters.\n",
	      out);
}

void sn_cost_cell(struct sn_table *t, uint32_t cost)
{
	if (cost == SEMNET_PEER_COST_UNKNOWN)
		sn_table_cell(t, "cost -");
	else
		sn_table_cell(t, "cost %" PRIu32, cost);
}

json_t *sn_json_cost(uint32_t cost)
{
	return cost == SEMNET_PEER_COST_UNKNOWN ? json_null() : json_integer(cost);
}

#define PEER_J(key, type, member) SN_JF(key, type, struct sn_peer, member)

static const struct sn_jfield peer_json[] = {
	{ PEER_J("subnet", SN_J_PREFIX, subnet) },
	/* The underlay address, IPv4 or IPv6 (_ADDR6). */
	{ PEER_J("remote", SN_J_INADDR, addr), SN_JF6(struct sn_peer, addr6, SEMNET_A_PEER_ADDR6) },
	{ PEER_J("port", SN_J_U16, port) },
	{ PEER_J("encap", SN_J_NAMED, encap), .name_of = sn_encap_name },
	{ PEER_J("tx_packets", SN_J_U64, tx_packets) },
	{ PEER_J("tx_bytes", SN_J_U64, tx_bytes) },
	{ PEER_J("rx_packets", SN_J_U64, rx_packets) },
	{ PEER_J("rx_bytes", SN_J_U64, rx_bytes) },
	/* Modules before the closest policy do not report these. */
	{ PEER_J("cost", SN_J_COST, cost), .attr = SEMNET_A_PEER_COST },
	{ PEER_J("down", SN_J_BOOL, down), .attr = SEMNET_A_PEER_DOWN },
};

json_t *sn_peer_json(const void *peer)
{
	const struct sn_peer *p = peer;
	char ifname[SN_IFNAME_STRLEN];
	json_t *o = sn_json_object(peer, peer_json, ARRAY_SIZE(peer_json));

	if (!o)
		return NULL;
	/* "dev": where its packets must arrive, null for anywhere. */
	json_object_set_new(o, "dev", p->ifindex ?
			    json_string(sn_fmt_ifname(p->ifindex, ifname)) : json_null());
	json_object_set_new(o, "ifindex", json_integer(p->ifindex));
	/* Bound to a device that is gone since: it matches nothing. */
	if (p->ifindex_gone)
		json_object_set_new(o, "dev_gone", json_integer(p->ifindex_gone));
	json_object_set_new(o, "label", p->label[0] ? json_string(p->label) : json_null());
	return o;
}

void sn_peer_text(struct sn_table *t, const char *indent, const void *peer)
{
	const struct sn_peer *p = peer;
	const char *encap = sn_encap_name(p->encap);
	char pfx[SN_PREFIX_STRLEN], a[SN_INADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_fmt_kprefix(&p->subnet, pfx));
	sn_table_cell(t, "remote %s",
		      sn_fmt_inaddr(SN_HAS(p, SEMNET_A_PEER_ADDR6) ? AF_INET6 : AF_INET, p->addr,
				    &p->addr6, a));
	sn_table_cell(t, "port %u", p->port);
	if (encap)
		sn_table_cell(t, "encap %s", encap);
	else
		sn_table_cell(t, "encap %u", p->encap);
	if (SN_HAS(p, SEMNET_A_PEER_COST))
		sn_cost_cell(t, p->cost);
	if (p->ifindex) {
		char ifname[SN_IFNAME_STRLEN];

		sn_table_cell(t, "dev %s", sn_fmt_ifname(p->ifindex, ifname));
	} else if (p->ifindex_gone) {
		sn_table_cell(t, "dev gone (ifindex %" PRIu32 ")", p->ifindex_gone);
	}
	if (p->down)
		sn_table_cell(t, "down");
	/* Free text, often long: a line of its own. */
	if (p->label[0])
		sn_table_line(t, "%s    label: %s", indent, p->label);
	if (sn_opts.stats)
		sn_table_line(t, "%s    tx packets %" PRIu64 "  bytes %" PRIu64
			      "  rx packets %" PRIu64 "  bytes %" PRIu64, indent,
			      p->tx_packets, p->tx_bytes, p->rx_packets, p->rx_bytes);
}

static int cmp_peer(const void *pa, const void *pb)
{
	const struct sn_peer *a = pa, *b = pb;
	int c = sn_cmp_inaddr(sn_kprefix_is6(&a->subnet) ? AF_INET6 : AF_INET, a->subnet.addr,
			      &a->subnet.addr6, sn_kprefix_is6(&b->subnet) ? AF_INET6 : AF_INET,
			      b->subnet.addr, &b->subnet.addr6);

	/* IPv4 subnets first, then IPv6 ones, each by address and length. */
	if (c)
		return c;
	return a->subnet.len < b->subnet.len ? -1 : a->subnet.len > b->subnet.len;
}

static void *peer_items(void *list, size_t *n)
{
	struct sn_peers *l = list;

	*n = l->n;
	return l->v;
}

const struct sn_list_ops sn_peer_list = {
	.list_size = sizeof(struct sn_peers),
	.item_size = sizeof(struct sn_peer),
	.collect = sn_peers_collect,
	.reset = sn_peers_reset,
	.items = peer_items,
	.cmp = cmp_peer,
	.json = sn_peer_json,
	.text = sn_peer_text,
};

#define PEER_KW(name, type, flags, words, member, attr) \
	{ SN_KW(name, type, flags, 0, words), SN_KW_FIELD(struct sn_peer, member, attr) }

static const struct sn_kw peer_kw[] = {
	/* IPv4 (_ADDR) or IPv6 (_ADDR6): the outer packets' family. */
	{ SN_KW("remote", SN_KW_ADDR_ANY, SN_KW_REQUIRED, 0, NULL),
	  SN_KW_FIELD(struct sn_peer, addr, SEMNET_A_PEER_ADDR),
	  SN_KW_FIELD6(struct sn_peer, addr6, SEMNET_A_PEER_ADDR6) },
	PEER_KW("port", SN_KW_PORT, 0, NULL, port, SEMNET_A_PEER_PORT),
	PEER_KW("encap", SN_KW_WORD, 0, sn_encap_names, encap, SEMNET_A_PEER_ENCAP),
	/* "none" (ifindex 0) accepts the peer's packets from any device. */
	PEER_KW("dev", SN_KW_IFNAME, SN_KW_NONE, NULL, ifindex, SEMNET_A_PEER_IFINDEX),
	PEER_KW("label", SN_KW_TEXT, 0, NULL, label, SEMNET_A_PEER_LABEL),
};

enum { SKW_VIA, SKW_COST, SKW_UP, SKW_DOWN, SKW_N };

static const struct sn_kw set_kw[] = {
	[SKW_VIA] = { SN_KW("via", SN_KW_ADDR_ANY, 0, 0, NULL),
		      SN_KW_FIELD(struct sn_peer, addr, SEMNET_A_PEER_ADDR),
		      SN_KW_FIELD6(struct sn_peer, addr6, SEMNET_A_PEER_ADDR6) },
	[SKW_COST] = PEER_KW("cost", SN_KW_COST, 0, NULL, cost, SEMNET_A_PEER_COST),
	[SKW_UP] = { SN_KW("up", SN_KW_FLAG, 0, 0, NULL) },
	[SKW_DOWN] = { SN_KW("down", SN_KW_FLAG, 0, 0, NULL) },
};
static const char *const set_words[] = { "via", "cost", "up", "down", NULL };

/* peer set { PREFIX | via ADDR } [cost N|unknown] [up | down] */
static int peer_set(const char *what, int argc, char **argv)
{
	struct sn_kwval kv[SKW_N];
	struct sn_peer p;
	bool by_prefix;
	int ret;

	memset(&p, 0, sizeof(p));
	if (argc < 1)
		return sn_usage_error(what, "missing prefix or \"via ADDR\" (see: semnet peer help)");
	/* A keyword first (via ADDR): no prefix; anything else is one. */
	by_prefix = sn_lookup(set_words, argv[0]) == -ENOENT;
	if (by_prefix) {
		ret = sn_object_key(&sn_peer_object, what, argc, argv, &p);
		if (ret)
			return ret;
		argc--;
		argv++;
	}
	ret = sn_object_keywords(what, set_kw, SKW_N, false, argc, argv, kv, &p);
	if (ret)
		return ret;
	if (by_prefix && kv[SKW_VIA].n)
		return sn_usage_error(what, "give a prefix or \"via ADDR\", not both");
	if (!by_prefix && !kv[SKW_VIA].n)
		return sn_usage_error(what, "missing prefix or \"via ADDR\" (see: semnet peer help)");
	if (kv[SKW_UP].n && kv[SKW_DOWN].n)
		return sn_usage_error(what, "\"up\" and \"down\" exclude each other");
	if (!kv[SKW_COST].n && !kv[SKW_UP].n && !kv[SKW_DOWN].n)
		return sn_usage_error(what, "nothing to set (give cost, up or down)");
	if (kv[SKW_UP].n || kv[SKW_DOWN].n) {
		p.down = kv[SKW_DOWN].n > 0;
		SN_SET(&p, SEMNET_A_PEER_DOWN);
	}
	return sn_request(what, SEMNET_CMD_SET_PEER, 0, sn_peer_fill, &p, NULL, NULL);
}

static const struct sn_subcmd peer_cmds[] = {
	{ "show", .op = sn_object_show },
	{ "add", .op = sn_object_add },
	{ "change", .op = sn_object_change },
	{ "set", peer_set, NULL },
	{ "del", .op = sn_object_del },
	{ "flush", .op = sn_object_flush },
};

/* Dumped only: show takes no key. */
const struct sn_object sn_peer_object = {
	.name = "peer",
	.usage = sn_peer_usage,
	.cmds = peer_cmds,
	.ncmds = ARRAY_SIZE(peer_cmds),
	.size = sizeof(struct sn_peer),
	.fill = sn_peer_fill,
	SN_OBJECT_KEY(SN_KEY_PREFIX, struct sn_peer, subnet, SEMNET_A_PEER_SUBNET),
	SN_OBJECT_KW(peer_kw, "nothing to change (give remote, port, encap, dev or label)"),
	.cmd = { SEMNET_CMD_NEW_PEER, SEMNET_CMD_DEL_PEER, SEMNET_CMD_GET_PEER,
		 SEMNET_CMD_FLUSH_PEERS },
	.list = &sn_peer_list,
};
