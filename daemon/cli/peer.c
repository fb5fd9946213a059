// SPDX-License-Identifier: GPL-2.0
/*
 * semnet peer { add | change | set | del | show | flush }: tunnel peers,
 * the nodes that host other subnets of nsIPs, and their cost and state for
 * the closest policy (SEMNET_CMD_NEW_PEER / SET_PEER / DEL_PEER / GET_PEER
 * / FLUSH_PEERS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sn_peer_usage(FILE *out)
{
	fputs("Usage: semnet peer add PREFIX remote ADDR [port PORT] [encap ENCAP]\n"
	      "       semnet peer change PREFIX [remote ADDR] [port PORT] [encap ENCAP]\n"
	      "       semnet peer set { PREFIX | via ADDR } [cost { N | unknown }] [up | down]\n"
	      "       semnet peer del PREFIX\n"
	      "       semnet peer show\n"
	      "       semnet peer flush\n"
	      "\n"
	      "  PREFIX        the peer's subnet of nsIPs (e.g. 172.16.0.64/26): the key\n"
	      "  remote ADDR   the peer node's underlay address\n"
	      "  port PORT     its UDP port (default: 4754 for gre-udp, 50103 for ipudp)\n"
	      "  encap ENCAP   gre-udp (GRE in UDP, RFC 8086; the default) or ipudp\n"
	      "                (bare IP in UDP, as Oakestra's NetManager)\n"
	      "  via ADDR      set: every peer at that underlay address (one node)\n"
	      "  cost N        how far the node is, lower is closer (semnetd sets its\n"
	      "                smoothed RTT in microseconds): 0..4294967294; \"unknown\"\n"
	      "                (the default) ranks after every measured node\n"
	      "  up | down     a node marked down is never picked by the closest policy,\n"
	      "                and its closest flows are removed when it goes down\n"
	      "semnet0 sends packets for PREFIX to the peer and accepts tunnel packets only\n"
	      "from known peers. -s shows counters.\n",
	      out);
}

static const char *const encap_names[] = {
	[SEMNET_ENCAP_GRE_UDP] = "gre-udp",
	[SEMNET_ENCAP_IPUDP] = "ipudp",
	NULL,
};

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

/* "gre-udp", "ipudp", or NULL for an encapsulation this tool does not know. */
static const char *encap_name(unsigned int encap)
{
	return encap < ARRAY_SIZE(encap_names) - 1 ? encap_names[encap] : NULL;
}

json_t *sn_peer_json(const struct sn_peer *p)
{
	const char *encap = encap_name(p->encap);
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "subnet", sn_json_kprefix(&p->subnet));
	json_object_set_new(o, "remote", sn_json_addr(p->addr));
	json_object_set_new(o, "port", json_integer(p->port));
	json_object_set_new(o, "encap", encap ? json_string(encap) : json_integer(p->encap));
	json_object_set_new(o, "tx_packets", sn_json_u64(p->tx_packets));
	json_object_set_new(o, "tx_bytes", sn_json_u64(p->tx_bytes));
	json_object_set_new(o, "rx_packets", sn_json_u64(p->rx_packets));
	json_object_set_new(o, "rx_bytes", sn_json_u64(p->rx_bytes));
	/* Modules before the closest policy do not report these. */
	if (SN_HAS(p, SEMNET_A_PEER_COST))
		json_object_set_new(o, "cost", sn_json_cost(p->cost));
	if (SN_HAS(p, SEMNET_A_PEER_DOWN))
		json_object_set_new(o, "down", json_boolean(p->down));
	return o;
}

void sn_peer_text(struct sn_table *t, const char *indent, const struct sn_peer *p)
{
	const char *encap = encap_name(p->encap);
	char pfx[SN_PREFIX_STRLEN], a[SN_ADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_fmt_kprefix(&p->subnet, pfx));
	sn_table_cell(t, "remote %s", sn_fmt_addr(p->addr, a));
	sn_table_cell(t, "port %u", p->port);
	if (encap)
		sn_table_cell(t, "encap %s", encap);
	else
		sn_table_cell(t, "encap %u", p->encap);
	if (SN_HAS(p, SEMNET_A_PEER_COST))
		sn_cost_cell(t, p->cost);
	if (p->down)
		sn_table_cell(t, "down");
	if (sn_opts.stats)
		sn_table_line(t, "%s    tx packets %" PRIu64 "  bytes %" PRIu64
			      "  rx packets %" PRIu64 "  bytes %" PRIu64, indent,
			      p->tx_packets, p->tx_bytes, p->rx_packets, p->rx_bytes);
}

static int cmp_peer(const void *pa, const void *pb)
{
	const struct sn_peer *a = pa, *b = pb;
	uint32_t x = ntohl(a->subnet.addr), y = ntohl(b->subnet.addr);

	if (x != y)
		return x < y ? -1 : 1;
	return a->subnet.len < b->subnet.len ? -1 : a->subnet.len > b->subnet.len;
}

void sn_peers_sort(struct sn_peers *list)
{
	if (list->n > 1)
		qsort(list->v, list->n, sizeof(*list->v), cmp_peer);
}

/* The positional PREFIX; prints the usage error itself. */
static int peer_prefix(const char *what, int argc, char **argv, struct sn_peer *p)
{
	char err[SN_ERR_MAX];
	struct sn_prefix subnet;

	memset(p, 0, sizeof(*p));
	if (argc < 1)
		return sn_usage_error(what, "missing prefix (see: semnet peer help)");
	if (sn_parse_prefix(argv[0], &subnet, err, sizeof(err)) < 0)
		return sn_usage_error(what, "invalid prefix \"%s\": %s", argv[0], err);
	p->subnet = sn_kprefix_of(&subnet);
	SN_SET(p, SEMNET_A_PEER_SUBNET);
	return 0;
}

enum { PKW_REMOTE, PKW_PORT, PKW_ENCAP, PKW_N };

static int peer_add_change(const char *what, int argc, char **argv, bool add)
{
	static const struct sn_kw add_kw[] = {
		[PKW_REMOTE] = { "remote", SN_KW_ADDR, SN_KW_REQUIRED, 0, NULL },
		[PKW_PORT] = { "port", SN_KW_PORT, 0, 0, NULL },
		[PKW_ENCAP] = { "encap", SN_KW_WORD, 0, 0, encap_names },
	};
	static const struct sn_kw change_kw[] = {
		[PKW_REMOTE] = { "remote", SN_KW_ADDR, 0, 0, NULL },
		[PKW_PORT] = { "port", SN_KW_PORT, 0, 0, NULL },
		[PKW_ENCAP] = { "encap", SN_KW_WORD, 0, 0, encap_names },
	};
	struct sn_kwval kv[PKW_N];
	struct sn_peer p;
	int ret;

	ret = peer_prefix(what, argc, argv, &p);
	if (ret)
		return ret;
	ret = sn_keywords(what, add ? add_kw : change_kw, PKW_N, argc - 1, argv + 1, kv);
	if (ret)
		return ret;
	if (!add && !kv[PKW_REMOTE].n && !kv[PKW_PORT].n && !kv[PKW_ENCAP].n)
		return sn_usage_error(what, "nothing to change (give remote, port or encap)");
	if (kv[PKW_REMOTE].n) {
		p.addr = kv[PKW_REMOTE].v[0].addr;
		SN_SET(&p, SEMNET_A_PEER_ADDR);
	}
	if (kv[PKW_PORT].n) {
		p.port = (uint16_t)kv[PKW_PORT].v[0].u32;
		SN_SET(&p, SEMNET_A_PEER_PORT);
	}
	if (kv[PKW_ENCAP].n) {
		p.encap = (uint8_t)kv[PKW_ENCAP].v[0].u32;
		SN_SET(&p, SEMNET_A_PEER_ENCAP);
	}
	return sn_request(what, SEMNET_CMD_NEW_PEER,
			  add ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_REPLACE,
			  sn_peer_fill, &p, NULL, NULL);
}

static int peer_add(const char *what, int argc, char **argv)
{
	return peer_add_change(what, argc, argv, true);
}

static int peer_change(const char *what, int argc, char **argv)
{
	return peer_add_change(what, argc, argv, false);
}

enum { SKW_VIA, SKW_COST, SKW_UP, SKW_DOWN, SKW_N };
static const char *const set_words[] = { "via", "cost", "up", "down", NULL };

/* peer set { PREFIX | via ADDR } [cost N|unknown] [up | down] */
static int peer_set(const char *what, int argc, char **argv)
{
	static const struct sn_kw kw[] = {
		[SKW_VIA] = { "via", SN_KW_ADDR, 0, 0, NULL },
		[SKW_COST] = { "cost", SN_KW_COST, 0, 0, NULL },
		[SKW_UP] = { "up", SN_KW_FLAG, 0, 0, NULL },
		[SKW_DOWN] = { "down", SN_KW_FLAG, 0, 0, NULL },
	};
	struct sn_kwval kv[SKW_N];
	struct sn_peer p;
	bool by_prefix;
	int ret;

	if (argc < 1)
		return sn_usage_error(what, "missing prefix or \"via ADDR\" (see: semnet peer help)");
	/* A keyword first (via ADDR): no prefix; anything else is one. */
	by_prefix = sn_lookup(set_words, argv[0]) == -ENOENT;
	if (by_prefix) {
		ret = peer_prefix(what, argc, argv, &p);
		if (ret)
			return ret;
		argc--;
		argv++;
	} else {
		memset(&p, 0, sizeof(p));
	}
	ret = sn_keywords(what, kw, SKW_N, argc, argv, kv);
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
	if (kv[SKW_VIA].n) {
		p.addr = kv[SKW_VIA].v[0].addr;
		SN_SET(&p, SEMNET_A_PEER_ADDR);
	}
	if (kv[SKW_COST].n) {
		p.cost = kv[SKW_COST].v[0].u32;
		SN_SET(&p, SEMNET_A_PEER_COST);
	}
	if (kv[SKW_UP].n || kv[SKW_DOWN].n) {
		p.down = kv[SKW_DOWN].n > 0;
		SN_SET(&p, SEMNET_A_PEER_DOWN);
	}
	return sn_request(what, SEMNET_CMD_SET_PEER, 0, sn_peer_fill, &p, NULL, NULL);
}

static int peer_del(const char *what, int argc, char **argv)
{
	struct sn_peer p;
	int ret;

	ret = peer_prefix(what, argc, argv, &p);
	if (ret)
		return ret;
	if (argc > 1)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[1]);
	return sn_request(what, SEMNET_CMD_DEL_PEER, 0, sn_peer_fill, &p, NULL, NULL);
}

static int peer_show(const char *what, int argc, char **argv)
{
	struct sn_peers list = { 0 };
	struct sn_table *t;
	size_t k;
	int ret;

	if (argc > 0)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[0]);
	ret = sn_dump(what, SEMNET_CMD_GET_PEER, NULL, NULL, sn_peers_collect, &list,
		      sn_peers_reset);
	if (ret)
		goto out;
	sn_peers_sort(&list);
	if (sn_opts.json) {
		json_t *a = json_array();

		for (k = 0; a && k < list.n; k++)
			json_array_append_new(a, sn_peer_json(&list.v[k]));
		ret = sn_json_print(a, stdout) ? SN_EXIT_FAIL : 0;
		goto out;
	}
	t = sn_table_new();
	for (k = 0; k < list.n; k++)
		sn_peer_text(t, "", &list.v[k]);
	sn_table_print(t, stdout, "");
	sn_table_free(t);
out:
	free(list.v);
	return ret;
}

static int peer_flush(const char *what, int argc, char **argv)
{
	if (argc > 0)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[0]);
	return sn_request(what, SEMNET_CMD_FLUSH_PEERS, 0, NULL, NULL, NULL, NULL);
}

static const struct sn_subcmd peer_cmds[] = {
	{ "show", peer_show },
	{ "add", peer_add },
	{ "change", peer_change },
	{ "set", peer_set },
	{ "del", peer_del },
	{ "flush", peer_flush },
};

int sn_cmd_peer(int argc, char **argv)
{
	return sn_dispatch("peer", peer_cmds, ARRAY_SIZE(peer_cmds), sn_peer_usage,
			   argc, argv);
}
