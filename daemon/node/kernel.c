// SPDX-License-Identifier: GPL-2.0
#include "kernel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <uapi/linux/semnet.h>

static int put_prefix(struct nl_msg *msg, int type, const struct sn_prefix *p)
{
	struct nlattr *nest = nla_nest_start(msg, NLA_F_NESTED | type);

	if (!nest || nla_put_u32(msg, SEMNET_A_PREFIX_ADDR, htonl(p->addr)) < 0 ||
	    nla_put_u8(msg, SEMNET_A_PREFIX_LEN, (uint8_t)p->len) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int get_prefix(struct nlattr *nest, struct sn_prefix *p)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];

	if (nla_parse_nested(tb, SEMNET_A_PREFIX_MAX, nest, NULL) < 0 ||
	    !tb[SEMNET_A_PREFIX_ADDR] || !tb[SEMNET_A_PREFIX_LEN])
		return -EBADMSG;
	p->addr = ntohl(nla_get_u32(tb[SEMNET_A_PREFIX_ADDR]));
	p->len = nla_get_u8(tb[SEMNET_A_PREFIX_LEN]);
	return 0;
}

/* Sends a request built by the caller; frees @msg on every path. */
static int send_request(struct sn_genl *g, struct nl_msg *msg, bool built_ok, sn_genl_reply_fn fn,
		void *arg)
{
	if (!msg)
		return -ENOMEM;
	if (!built_ok) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sn_genl_transact(g, msg, fn, arg);
}

int semnetd_kernel_set_node(struct sn_genl *g, const struct semnetd_node_cfg *n)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_SET_NODE, 0);
	struct nlattr *nest, *subnets;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_NODE)) &&
	    put_prefix(msg, SEMNET_A_NODE_PLATFORM, &n->platform) == 0 &&
	    put_prefix(msg, SEMNET_A_NODE_SERVICE_RANGE, &n->services) == 0 &&
	    (subnets = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_NODE_SUBNETS)) &&
	    put_prefix(msg, SEMNET_A_NODE_SUBNET, &n->subnet) == 0) {
		nla_nest_end(msg, subnets);
		ok = nla_put_u32(msg, SEMNET_A_NODE_GATEWAY, htonl(n->gateway)) == 0 &&
		     nla_put_u32(msg, SEMNET_A_NODE_BRIDGE, (uint32_t)n->bridge_ifindex) == 0 &&
		     nla_put_u16(msg, SEMNET_A_NODE_TUNNEL_PORT, (uint16_t)n->tunnel_port) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

int semnetd_kernel_service_put(struct sn_genl *g, uint32_t addr, const char *name,
			       const char *policy)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_NEW_SERVICE,
					     NLM_F_CREATE | NLM_F_REPLACE);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_SERVICE))) {
		ok = nla_put_u32(msg, SEMNET_A_SERVICE_ADDR, htonl(addr)) == 0 &&
		     nla_put_string(msg, SEMNET_A_SERVICE_NAME, name) == 0 &&
		     nla_put_string(msg, SEMNET_A_SERVICE_POLICY, policy) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

static int del_by_addr(struct sn_genl *g, uint8_t cmd, int nest_type, int addr_type,
		       uint32_t addr)
{
	struct nl_msg *msg = sn_genl_request(g, cmd, 0);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | nest_type))) {
		ok = nla_put_u32(msg, addr_type, htonl(addr)) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

int semnetd_kernel_service_del(struct sn_genl *g, uint32_t addr)
{
	return del_by_addr(g, SEMNET_CMD_DEL_SERVICE, SEMNET_A_SERVICE, SEMNET_A_SERVICE_ADDR,
			   addr);
}

int semnetd_kernel_instance_put(struct sn_genl *g, uint32_t addr, const char *service,
				uint32_t nsip, uint32_t node, int ifindex)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_NEW_INSTANCE,
					     NLM_F_CREATE | NLM_F_REPLACE);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_INSTANCE))) {
		ok = nla_put_u32(msg, SEMNET_A_INSTANCE_ADDR, htonl(addr)) == 0 &&
		     nla_put_string(msg, SEMNET_A_INSTANCE_SERVICE, service) == 0 &&
		     nla_put_u32(msg, SEMNET_A_INSTANCE_NSIP, htonl(nsip)) == 0 &&
		     nla_put_u32(msg, SEMNET_A_INSTANCE_NODE, htonl(node)) == 0 &&
		     (node || ifindex <= 0 ||
		      nla_put_u32(msg, SEMNET_A_INSTANCE_IFINDEX, (uint32_t)ifindex) == 0);
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

int semnetd_kernel_instance_del(struct sn_genl *g, uint32_t addr)
{
	return del_by_addr(g, SEMNET_CMD_DEL_INSTANCE, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_ADDR,
			   addr);
}

int semnetd_kernel_peer_put(struct sn_genl *g, const struct sn_prefix *subnet, uint32_t addr,
			    int port)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_NEW_PEER, NLM_F_CREATE | NLM_F_REPLACE);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_PEER))) {
		ok = put_prefix(msg, SEMNET_A_PEER_SUBNET, subnet) == 0 &&
		     nla_put_u32(msg, SEMNET_A_PEER_ADDR, htonl(addr)) == 0 &&
		     nla_put_u16(msg, SEMNET_A_PEER_PORT, (uint16_t)port) == 0 &&
		     nla_put_u8(msg, SEMNET_A_PEER_ENCAP, SEMNET_ENCAP_GRE_UDP) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

int semnetd_kernel_peer_del(struct sn_genl *g, const struct sn_prefix *subnet)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_DEL_PEER, 0);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_PEER))) {
		ok = put_prefix(msg, SEMNET_A_PEER_SUBNET, subnet) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

int semnetd_kernel_peer_state(struct sn_genl *g, uint32_t addr, uint32_t cost, bool down)
{
	struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_SET_PEER, 0);
	struct nlattr *nest;
	bool ok = false;

	if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_PEER))) {
		ok = nla_put_u32(msg, SEMNET_A_PEER_ADDR, htonl(addr)) == 0 &&
		     nla_put_u32(msg, SEMNET_A_PEER_COST, cost) == 0 &&
		     nla_put_u8(msg, SEMNET_A_PEER_DOWN, down) == 0;
		nla_nest_end(msg, nest);
	}
	return send_request(g, msg, ok, NULL, NULL);
}

/* --- dumps ------------------------------------------------------------- */

struct collect {
	void *items;
	size_t n, cap, size;
};

static void *collect_slot(struct collect *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		void *grown = realloc(c->items, cap * c->size);

		if (!grown)
			return NULL;
		c->items = grown;
		c->cap = cap;
	}
	return memset((char *)c->items + c->n++ * c->size, 0, c->size);
}

static void get_counters(struct nlattr *nest, struct semnetd_counters *c)
{
	struct nlattr *tb[SEMNET_A_COUNTERS_MAX + 1];

	if (!nest || nla_parse_nested(tb, SEMNET_A_COUNTERS_MAX, nest, NULL) < 0)
		return;
	if (tb[SEMNET_A_COUNTERS_PACKETS])
		c->packets = nla_get_u64(tb[SEMNET_A_COUNTERS_PACKETS]);
	if (tb[SEMNET_A_COUNTERS_BYTES])
		c->bytes = nla_get_u64(tb[SEMNET_A_COUNTERS_BYTES]);
	if (tb[SEMNET_A_COUNTERS_FLOWS])
		c->flows = nla_get_u64(tb[SEMNET_A_COUNTERS_FLOWS]);
}

static int on_service(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	struct semnetd_kservice *s;

	if (!attrs[SEMNET_A_SERVICE] ||
	    nla_parse_nested(tb, SEMNET_A_SERVICE_MAX, attrs[SEMNET_A_SERVICE], NULL) < 0 ||
	    !tb[SEMNET_A_SERVICE_ADDR])
		return -EBADMSG;
	if (!(s = collect_slot(arg)))
		return -ENOMEM;
	s->addr = ntohl(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]));
	if (tb[SEMNET_A_SERVICE_NAME])
		nla_strlcpy(s->name, tb[SEMNET_A_SERVICE_NAME], sizeof(s->name));
	if (tb[SEMNET_A_SERVICE_POLICY])
		nla_strlcpy(s->policy, tb[SEMNET_A_SERVICE_POLICY], sizeof(s->policy));
	get_counters(tb[SEMNET_A_SERVICE_COUNTERS], &s->c);
	return 0;
}

static int on_instance(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnetd_kinstance *i;

	if (!attrs[SEMNET_A_INSTANCE] ||
	    nla_parse_nested(tb, SEMNET_A_INSTANCE_MAX, attrs[SEMNET_A_INSTANCE], NULL) < 0 ||
	    !tb[SEMNET_A_INSTANCE_ADDR])
		return -EBADMSG;
	if (!(i = collect_slot(arg)))
		return -ENOMEM;
	i->addr = ntohl(nla_get_u32(tb[SEMNET_A_INSTANCE_ADDR]));
	if (tb[SEMNET_A_INSTANCE_SERVICE])
		nla_strlcpy(i->service, tb[SEMNET_A_INSTANCE_SERVICE], sizeof(i->service));
	if (tb[SEMNET_A_INSTANCE_NSIP])
		i->nsip = ntohl(nla_get_u32(tb[SEMNET_A_INSTANCE_NSIP]));
	if (tb[SEMNET_A_INSTANCE_NODE])
		i->node = ntohl(nla_get_u32(tb[SEMNET_A_INSTANCE_NODE]));
	get_counters(tb[SEMNET_A_INSTANCE_COUNTERS], &i->c);
	return 0;
}

static int on_peer(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct semnetd_kpeer *p;

	if (!attrs[SEMNET_A_PEER] ||
	    nla_parse_nested(tb, SEMNET_A_PEER_MAX, attrs[SEMNET_A_PEER], NULL) < 0 ||
	    !tb[SEMNET_A_PEER_SUBNET])
		return -EBADMSG;
	if (!(p = collect_slot(arg)))
		return -ENOMEM;
	if (get_prefix(tb[SEMNET_A_PEER_SUBNET], &p->subnet) < 0)
		return -EBADMSG;
	if (tb[SEMNET_A_PEER_ADDR])
		p->addr = ntohl(nla_get_u32(tb[SEMNET_A_PEER_ADDR]));
	if (tb[SEMNET_A_PEER_TX_PACKETS])
		p->tx_packets = nla_get_u64(tb[SEMNET_A_PEER_TX_PACKETS]);
	if (tb[SEMNET_A_PEER_RX_PACKETS])
		p->rx_packets = nla_get_u64(tb[SEMNET_A_PEER_RX_PACKETS]);
	if (tb[SEMNET_A_PEER_COST]) {
		p->has_cost = true;
		p->cost = nla_get_u32(tb[SEMNET_A_PEER_COST]);
	}
	if (tb[SEMNET_A_PEER_DOWN])
		p->down = nla_get_u8(tb[SEMNET_A_PEER_DOWN]);
	return 0;
}

/* A dump interrupted by a concurrent change (-EIO) is retried a few times. */
static int dump(struct sn_genl *g, uint8_t cmd, sn_genl_reply_fn fn, size_t size, void **out,
		size_t *n)
{
	struct collect c = { .size = size };
	int ret = -EIO;

	for (int tries = 0; tries < 3 && ret == -EIO; tries++) {
		struct nl_msg *msg = sn_genl_request(g, cmd, NLM_F_DUMP);

		c.n = 0;
		if (!msg) {
			ret = -ENOMEM;
			break;
		}
		ret = sn_genl_transact(g, msg, fn, &c);
	}
	if (ret < 0) {
		free(c.items);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = c.items;
	*n = c.n;
	return 0;
}

int semnetd_kernel_services(struct sn_genl *g, struct semnetd_kservice **out, size_t *n)
{
	return dump(g, SEMNET_CMD_GET_SERVICE, on_service, sizeof(**out), (void **)out, n);
}

int semnetd_kernel_instances(struct sn_genl *g, struct semnetd_kinstance **out, size_t *n)
{
	return dump(g, SEMNET_CMD_GET_INSTANCE, on_instance, sizeof(**out), (void **)out, n);
}

int semnetd_kernel_peers(struct sn_genl *g, struct semnetd_kpeer **out, size_t *n)
{
	return dump(g, SEMNET_CMD_GET_PEER, on_peer, sizeof(**out), (void **)out, n);
}

static int on_stats(struct nlattr **attrs, void *arg)
{
	struct semnetd_kstats *s = arg;
	struct nlattr *tb[SEMNET_A_STATS_MAX + 1], *d;
	int rem;

	if (!attrs[SEMNET_A_STATS] ||
	    nla_parse_nested(tb, SEMNET_A_STATS_MAX, attrs[SEMNET_A_STATS], NULL) < 0)
		return -EBADMSG;
#define U32(field, attr) if (tb[attr]) s->field = nla_get_u32(tb[attr])
#define U64(field, attr) if (tb[attr]) s->field = nla_get_u64(tb[attr])
	U32(flows, SEMNET_A_STATS_FLOWS);
	U32(services, SEMNET_A_STATS_SERVICES);
	U32(instances, SEMNET_A_STATS_INSTANCES);
	U32(held, SEMNET_A_STATS_HELD);
	U64(flows_created, SEMNET_A_STATS_FLOWS_CREATED);
	U64(flows_expired, SEMNET_A_STATS_FLOWS_EXPIRED);
	U64(packets, SEMNET_A_STATS_PACKETS);
	U64(misses, SEMNET_A_STATS_MISSES);
	U64(miss_events, SEMNET_A_STATS_MISS_EVENTS);
	U64(released, SEMNET_A_STATS_RELEASED);
	U64(closest_purged, SEMNET_A_STATS_CLOSEST_PURGED);
#undef U32
#undef U64
	if (tb[SEMNET_A_STATS_DROPS]) {
		nla_for_each_nested(d, tb[SEMNET_A_STATS_DROPS], rem) {
			int reason = nla_type(d);

			/* type 0 is the nest's 64-bit alignment pad */
			if (reason > 0 && reason < 32 && nla_len(d) >= (int)sizeof(uint64_t))
				s->drops[reason] = nla_get_u64(d);
		}
	}
	return 0;
}

int semnetd_kernel_stats(struct sn_genl *g, struct semnetd_kstats *s)
{
	memset(s, 0, sizeof(*s));
	return send_request(g, sn_genl_request(g, SEMNET_CMD_GET_STATS, 0), true, on_stats, s);
}

static int on_flow(struct nlattr **attrs, void *arg)
{
	(void)attrs;
	(*(size_t *)arg)++;
	return 0;
}

int semnetd_kernel_flow_count(struct sn_genl *g, uint32_t service, uint32_t instance,
			      size_t *count)
{
	int ret = -EIO;

	for (int tries = 0; tries < 3 && ret == -EIO; tries++) {
		struct nl_msg *msg = sn_genl_request(g, SEMNET_CMD_GET_FLOW, NLM_F_DUMP);
		struct nlattr *nest;
		bool ok = false;

		*count = 0;
		if (msg && (nest = nla_nest_start(msg, NLA_F_NESTED | SEMNET_A_FLOW))) {
			ok = service ? nla_put_u32(msg, SEMNET_A_FLOW_SERVICE, htonl(service)) == 0
				     : nla_put_u32(msg, SEMNET_A_FLOW_INSTANCE, htonl(instance)) == 0;
			nla_nest_end(msg, nest);
		}
		ret = send_request(g, msg, ok, on_flow, count);
	}
	return ret;
}

int semnetd_kernel_subscribe_misses(struct sn_genl *g)
{
	int ret = sn_genl_subscribe(g, SEMNET_MCGRP_MISSES);

	if (ret == 0)
		nl_socket_set_nonblocking(g->sock);
	return ret;
}

int semnetd_kernel_parse_miss(struct nlattr **attrs, struct semnetd_miss *m)
{
	struct nlattr *tb[SEMNET_A_MISS_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (!attrs[SEMNET_A_MISS] ||
	    nla_parse_nested(tb, SEMNET_A_MISS_MAX, attrs[SEMNET_A_MISS], NULL) < 0 ||
	    !tb[SEMNET_A_MISS_ADDR])
		return -EBADMSG;
	m->addr = ntohl(nla_get_u32(tb[SEMNET_A_MISS_ADDR]));
	m->kind = tb[SEMNET_A_MISS_KIND] ? nla_get_u8(tb[SEMNET_A_MISS_KIND]) : SEMNET_MISS_ADDRESS;
	if (tb[SEMNET_A_MISS_SRC])
		m->src = ntohl(nla_get_u32(tb[SEMNET_A_MISS_SRC]));
	if (tb[SEMNET_A_MISS_HELD])
		m->held = nla_get_u32(tb[SEMNET_A_MISS_HELD]);
	return 0;
}
