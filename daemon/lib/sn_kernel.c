// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and decoding of semnet.ko's objects (sn_kernel.h). Decoders
 * parse with a policy, so an attribute of the wrong size is a malformed
 * reply (-EBADMSG) rather than a read past its end.
 */
#include "sn_kernel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

/* present is a u32 bit mask indexed by attribute. */
_Static_assert(SEMNET_A_NODE_MAX < 32, "sn_node.present too small");
_Static_assert(SEMNET_A_SERVICE_MAX < 32, "sn_service.present too small");
_Static_assert(SEMNET_A_INSTANCE_MAX < 32, "sn_instance.present too small");
_Static_assert(SEMNET_A_PEER_MAX < 32, "sn_peer.present too small");
_Static_assert(SEMNET_A_FLOW_MAX < 32, "sn_flow.present too small");
_Static_assert(SEMNET_A_STATS_MAX < 32, "sn_stats.present too small");

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Starts the object's nest; NULL when the message is full. */
static struct nlattr *nest_start(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, NLA_F_NESTED | type);
}

/* Parses the top-level nest @type of a reply into tb[0..max]. */
static int nest_parse(struct nlattr **attrs, int type, struct nlattr **tb, int max,
		      const struct nla_policy *policy)
{
	if (!attrs[type] || nla_parse_nested(tb, max, attrs[type],
					     policy) < 0)
		return -EBADMSG;
	return 0;
}

/* Marks every attribute found but the 64-bit alignment pad. */
static uint32_t found(struct nlattr **tb, int max, int pad)
{
	uint32_t present = 0;

	for (int a = 1; a <= max; a++)
		if (tb[a] && a != pad)
			present |= 1u << a;
	return present;
}

static void get_string(char *buf, size_t size, const struct nlattr *a)
{
	snprintf(buf, size, "%s", nla_get_string(a));
}

/*
 * An IPv6 address attribute: exactly 16 bytes (libnl's policy checks the
 * bounds too; this keeps a wrong size from ever being read as an address).
 */
#define IN6_POLICY { .type = NLA_UNSPEC, .minlen = sizeof(struct in6_addr), \
		     .maxlen = sizeof(struct in6_addr) }

static int get_in6(const struct nlattr *a, struct in6_addr *addr6)
{
	if (nla_len(a) != (int)sizeof(*addr6))
		return -EBADMSG;
	memcpy(addr6, nla_data(a), sizeof(*addr6));
	return 0;
}

static int put_in6(struct nl_msg *msg, int type, const struct in6_addr *addr6)
{
	return nla_put(msg, type, sizeof(*addr6), addr6);
}

/* --- families, text --- */

int sn_service_family(const struct sn_service *s)
{
	return SN_HAS(s, SEMNET_A_SERVICE_ADDR6) ? AF_INET6 : AF_INET;
}

int sn_instance_family(const struct sn_instance *i)
{
	return SN_HAS(i, SEMNET_A_INSTANCE_ADDR6) ? AF_INET6 : AF_INET;
}

void sn_service_set_addr6(struct sn_service *s, const struct in6_addr *addr6)
{
	s->addr6 = *addr6;
	s->addr = 0;
	s->family = AF_INET6;
	s->present &= ~(1u << SEMNET_A_SERVICE_ADDR);
	SN_SET(s, SEMNET_A_SERVICE_ADDR6);
}

void sn_instance_set_addr6(struct sn_instance *i, const struct in6_addr *addr6,
			   const struct in6_addr *nsip6)
{
	i->addr6 = *addr6;
	i->addr = 0;
	i->family = AF_INET6;
	i->present &= ~(1u << SEMNET_A_INSTANCE_ADDR);
	SN_SET(i, SEMNET_A_INSTANCE_ADDR6);
	if (nsip6) {
		i->nsip6 = *nsip6;
		i->nsip = 0;
		i->present &= ~(1u << SEMNET_A_INSTANCE_NSIP);
		SN_SET(i, SEMNET_A_INSTANCE_NSIP6);
	}
}

const char *sn_kaddr_fmt(int family, uint32_t addr, const struct in6_addr *addr6,
			 char buf[SN_KADDR_STRLEN])
{
	struct in_addr in = { .s_addr = addr };

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET,
		       family == AF_INET6 ? (const void *)addr6 : (const void *)&in,
		       buf, SN_KADDR_STRLEN))
		snprintf(buf, SN_KADDR_STRLEN, "?");
	return buf;
}

const char *sn_kprefix_fmt(const struct sn_kprefix *p, char buf[SN_KPREFIX_STRLEN])
{
	char a[SN_KADDR_STRLEN];

	snprintf(buf, SN_KPREFIX_STRLEN, "%s/%u",
		 sn_kaddr_fmt(sn_kprefix_is6(p) ? AF_INET6 : AF_INET, p->addr, &p->addr6, a),
		 p->len);
	return buf;
}

const char *sn_service_addr_fmt(const struct sn_service *s, char buf[SN_KADDR_STRLEN])
{
	return sn_kaddr_fmt(sn_service_family(s), s->addr, &s->addr6, buf);
}

const char *sn_instance_addr_fmt(const struct sn_instance *i, char buf[SN_KADDR_STRLEN])
{
	return sn_kaddr_fmt(sn_instance_family(i), i->addr, &i->addr6, buf);
}

const char *sn_instance_nsip_fmt(const struct sn_instance *i, char buf[SN_KADDR_STRLEN])
{
	return sn_kaddr_fmt(SN_HAS(i, SEMNET_A_INSTANCE_NSIP6) ? AF_INET6 : AF_INET, i->nsip,
			    &i->nsip6, buf);
}

/* --- prefix, counters --- */

static const struct nla_policy prefix_policy[SEMNET_A_PREFIX_MAX + 1] = {
	[SEMNET_A_PREFIX_ADDR] = { .type = NLA_U32 },
	[SEMNET_A_PREFIX_LEN] = { .type = NLA_U8 },
	[SEMNET_A_PREFIX_ADDR6] = IN6_POLICY,
};

int sn_kprefix_put(struct nl_msg *msg, int type, const struct sn_kprefix *p)
{
	struct nlattr *nest = nest_start(msg, type);

	if (!nest ||
	    (sn_kprefix_is6(p) ? put_in6(msg, SEMNET_A_PREFIX_ADDR6, &p->addr6) :
	     nla_put_u32(msg, SEMNET_A_PREFIX_ADDR, p->addr)) < 0 ||
	    nla_put_u8(msg, SEMNET_A_PREFIX_LEN, p->len) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Exactly one address, of either family, and a length that fits it. */
int sn_kprefix_get(struct nlattr *nest, struct sn_kprefix *p)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(tb, SEMNET_A_PREFIX_MAX, nest,
			     prefix_policy) < 0 || !tb[SEMNET_A_PREFIX_LEN] ||
	    !tb[SEMNET_A_PREFIX_ADDR] == !tb[SEMNET_A_PREFIX_ADDR6])
		return -EBADMSG;
	p->len = nla_get_u8(tb[SEMNET_A_PREFIX_LEN]);
	if (tb[SEMNET_A_PREFIX_ADDR6]) {
		p->family = AF_INET6;
		if (get_in6(tb[SEMNET_A_PREFIX_ADDR6], &p->addr6) < 0 || p->len > 128)
			return -EBADMSG;
		return 0;
	}
	p->family = AF_INET;
	p->addr = nla_get_u32(tb[SEMNET_A_PREFIX_ADDR]);
	if (p->len > 32)
		return -EBADMSG;
	return 0;
}

static const struct nla_policy counters_policy[SEMNET_A_COUNTERS_MAX + 1] = {
	[SEMNET_A_COUNTERS_PACKETS] = { .type = NLA_U64 },
	[SEMNET_A_COUNTERS_BYTES] = { .type = NLA_U64 },
	[SEMNET_A_COUNTERS_FLOWS] = { .type = NLA_U64 },
};

int sn_counters_get(struct nlattr *nest, struct sn_counters *c)
{
	struct nlattr *tb[SEMNET_A_COUNTERS_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (!nest)
		return 0;
	if (nla_parse_nested(tb, SEMNET_A_COUNTERS_MAX, nest,
			     counters_policy) < 0)
		return -EBADMSG;
	c->present = true;
	if (tb[SEMNET_A_COUNTERS_PACKETS])
		c->packets = nla_get_u64(tb[SEMNET_A_COUNTERS_PACKETS]);
	if (tb[SEMNET_A_COUNTERS_BYTES])
		c->bytes = nla_get_u64(tb[SEMNET_A_COUNTERS_BYTES]);
	if (tb[SEMNET_A_COUNTERS_FLOWS])
		c->flows = nla_get_u64(tb[SEMNET_A_COUNTERS_FLOWS]);
	return 0;
}

/* --- node --- */

static const struct nla_policy node_policy[SEMNET_A_NODE_MAX + 1] = {
	[SEMNET_A_NODE_PLATFORM] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SERVICE_RANGE] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SUBNETS] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SUBNET] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_GATEWAY] = { .type = NLA_U32 },
	[SEMNET_A_NODE_BRIDGE] = { .type = NLA_U32 },
	[SEMNET_A_NODE_FLOW_MAX] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TIMEOUT_TCP] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TIMEOUT_TCP_CLOSE] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TIMEOUT_UDP] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TIMEOUT_ICMP] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TUNNEL_PORT] = { .type = NLA_U16 },
	[SEMNET_A_NODE_HOLD_PACKETS] = { .type = NLA_U32 },
	[SEMNET_A_NODE_HOLD_TOTAL] = { .type = NLA_U32 },
	[SEMNET_A_NODE_HOLD_TIMEOUT] = { .type = NLA_U32 },
	[SEMNET_A_NODE_MISS_INTERVAL] = { .type = NLA_U32 },
	[SEMNET_A_NODE_TIMEOUT_UNREPLIED] = { .type = NLA_U32 },
	[SEMNET_A_NODE_UNREPLIED_MAX] = { .type = NLA_U32 },
	[SEMNET_A_NODE_MODE] = { .type = NLA_U32 },
	[SEMNET_A_NODE_PLATFORM6] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SERVICE_RANGE6] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_GATEWAY6] = IN6_POLICY,
};

/* In the order `semnet node set` documents them. */
const struct sn_node_u32 sn_node_u32s[] = {
	{ SEMNET_A_NODE_FLOW_MAX, offsetof(struct sn_node, flow_max), "flow-max" },
	{ SEMNET_A_NODE_TIMEOUT_TCP, offsetof(struct sn_node, timeout_tcp), "timeout-tcp" },
	{ SEMNET_A_NODE_TIMEOUT_TCP_CLOSE, offsetof(struct sn_node, timeout_tcp_close),
	  "timeout-tcp-close" },
	{ SEMNET_A_NODE_TIMEOUT_UDP, offsetof(struct sn_node, timeout_udp), "timeout-udp" },
	{ SEMNET_A_NODE_TIMEOUT_ICMP, offsetof(struct sn_node, timeout_icmp), "timeout-icmp" },
	{ SEMNET_A_NODE_HOLD_PACKETS, offsetof(struct sn_node, hold_packets), "hold-packets" },
	{ SEMNET_A_NODE_HOLD_TOTAL, offsetof(struct sn_node, hold_total), "hold-total" },
	{ SEMNET_A_NODE_HOLD_TIMEOUT, offsetof(struct sn_node, hold_timeout), "hold-timeout" },
	{ SEMNET_A_NODE_MISS_INTERVAL, offsetof(struct sn_node, miss_interval),
	  "miss-interval" },
	{ SEMNET_A_NODE_TIMEOUT_UNREPLIED, offsetof(struct sn_node, timeout_unreplied),
	  "timeout-unreplied" },
	{ SEMNET_A_NODE_UNREPLIED_MAX, offsetof(struct sn_node, unreplied_max),
	  "unreplied-max" },
};
const size_t sn_node_nu32 = ARRAY_LEN(sn_node_u32s);

static int node_put_subnets(struct nl_msg *msg, const struct sn_node *n)
{
	struct nlattr *subnets = nest_start(msg, SEMNET_A_NODE_SUBNETS);

	if (!subnets)
		return -EMSGSIZE;
	for (unsigned int k = 0; k < n->nsubnets && k < SN_NODE_SUBNETS_MAX; k++)
		if (sn_kprefix_put(msg, SEMNET_A_NODE_SUBNET, &n->subnets[k]) < 0)
			return -EMSGSIZE;
	nla_nest_end(msg, subnets);
	return 0;
}

int sn_node_put(struct nl_msg *msg, const struct sn_node *n)
{
	struct nlattr *nest = nest_start(msg, SEMNET_A_NODE);

	if (!nest)
		return -EMSGSIZE;
	if ((SN_HAS(n, SEMNET_A_NODE_PLATFORM) &&
	     sn_kprefix_put(msg, SEMNET_A_NODE_PLATFORM, &n->platform) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE) &&
	     sn_kprefix_put(msg, SEMNET_A_NODE_SERVICE_RANGE, &n->service_range) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_SUBNETS) && node_put_subnets(msg, n) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_GATEWAY) &&
	     nla_put_u32(msg, SEMNET_A_NODE_GATEWAY, n->gateway) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_BRIDGE) &&
	     nla_put_u32(msg, SEMNET_A_NODE_BRIDGE, n->bridge) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_MODE) &&
	     nla_put_u32(msg, SEMNET_A_NODE_MODE, n->mode) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_PLATFORM6) &&
	     sn_kprefix_put(msg, SEMNET_A_NODE_PLATFORM6, &n->platform6) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_SERVICE_RANGE6) &&
	     sn_kprefix_put(msg, SEMNET_A_NODE_SERVICE_RANGE6, &n->service_range6) < 0) ||
	    (SN_HAS(n, SEMNET_A_NODE_GATEWAY6) &&
	     put_in6(msg, SEMNET_A_NODE_GATEWAY6, &n->gateway6) < 0))
		return -EMSGSIZE;
	for (size_t i = 0; i < sn_node_nu32; i++)
		if (SN_HAS(n, sn_node_u32s[i].attr) &&
		    nla_put_u32(msg, sn_node_u32s[i].attr, sn_node_u32_get(n, i)) < 0)
			return -EMSGSIZE;
	if (SN_HAS(n, SEMNET_A_NODE_TUNNEL_PORT) &&
	    nla_put_u16(msg, SEMNET_A_NODE_TUNNEL_PORT, n->tunnel_port) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Up to SEMNET_SUBNETS_MAX of each family, as the module keeps them. */
static int node_get_subnets(struct nlattr *nest, struct sn_node *n)
{
	unsigned int per_family[2] = { 0, 0 };
	struct nlattr *sub;
	int rem;

	nla_for_each_nested(sub, nest, rem) {
		struct sn_kprefix *p = &n->subnets[n->nsubnets];

		if (nla_type(sub) != SEMNET_A_NODE_SUBNET)
			continue;
		if (n->nsubnets == SN_NODE_SUBNETS_MAX || sn_kprefix_get(sub, p) < 0 ||
		    ++per_family[sn_kprefix_is6(p)] > SEMNET_SUBNETS_MAX)
			return -EBADMSG;
		n->nsubnets++;
	}
	return 0;
}

/* A prefix of the IPv6 plan: an IPv4 one there is a malformed reply. */
static int get_prefix6(struct nlattr *nest, struct sn_kprefix *p)
{
	return sn_kprefix_get(nest, p) < 0 || !sn_kprefix_is6(p) ? -EBADMSG : 0;
}

int sn_node_get(struct nlattr **attrs, struct sn_node *n)
{
	struct nlattr *tb[SEMNET_A_NODE_MAX + 1];

	memset(n, 0, sizeof(*n));
	if (nest_parse(attrs, SEMNET_A_NODE, tb, SEMNET_A_NODE_MAX, node_policy) < 0)
		return -EBADMSG;
	if ((tb[SEMNET_A_NODE_PLATFORM] &&
	     sn_kprefix_get(tb[SEMNET_A_NODE_PLATFORM], &n->platform) < 0) ||
	    (tb[SEMNET_A_NODE_SERVICE_RANGE] &&
	     sn_kprefix_get(tb[SEMNET_A_NODE_SERVICE_RANGE], &n->service_range) < 0) ||
	    (tb[SEMNET_A_NODE_SUBNETS] && node_get_subnets(tb[SEMNET_A_NODE_SUBNETS], n) < 0) ||
	    (tb[SEMNET_A_NODE_PLATFORM6] &&
	     get_prefix6(tb[SEMNET_A_NODE_PLATFORM6], &n->platform6) < 0) ||
	    (tb[SEMNET_A_NODE_SERVICE_RANGE6] &&
	     get_prefix6(tb[SEMNET_A_NODE_SERVICE_RANGE6], &n->service_range6) < 0) ||
	    (tb[SEMNET_A_NODE_GATEWAY6] && get_in6(tb[SEMNET_A_NODE_GATEWAY6], &n->gateway6) < 0))
		return -EBADMSG;
	/* SUBNET appears only inside SUBNETS. */
	n->present = found(tb, SEMNET_A_NODE_MAX, 0) & ~(1u << SEMNET_A_NODE_SUBNET);
	if (tb[SEMNET_A_NODE_GATEWAY])
		n->gateway = nla_get_u32(tb[SEMNET_A_NODE_GATEWAY]);
	if (tb[SEMNET_A_NODE_BRIDGE])
		n->bridge = nla_get_u32(tb[SEMNET_A_NODE_BRIDGE]);
	if (tb[SEMNET_A_NODE_MODE])
		n->mode = nla_get_u32(tb[SEMNET_A_NODE_MODE]);
	for (size_t i = 0; i < sn_node_nu32; i++)
		if (tb[sn_node_u32s[i].attr])
			*sn_node_u32(n, i) = nla_get_u32(tb[sn_node_u32s[i].attr]);
	if (tb[SEMNET_A_NODE_TUNNEL_PORT])
		n->tunnel_port = nla_get_u16(tb[SEMNET_A_NODE_TUNNEL_PORT]);
	return 0;
}

/* --- service --- */

static const struct nla_policy service_policy[SEMNET_A_SERVICE_MAX + 1] = {
	[SEMNET_A_SERVICE_ADDR] = { .type = NLA_U32 },
	[SEMNET_A_SERVICE_NAME] = { .type = NLA_STRING },
	[SEMNET_A_SERVICE_POLICY] = { .type = NLA_STRING },
	[SEMNET_A_SERVICE_INSTANCES] = { .type = NLA_U32 },
	[SEMNET_A_SERVICE_COUNTERS] = { .type = NLA_NESTED },
	[SEMNET_A_SERVICE_ADDR6] = IN6_POLICY,
};

int sn_service_put(struct nl_msg *msg, const struct sn_service *s)
{
	struct nlattr *nest = nest_start(msg, SEMNET_A_SERVICE);

	if (!nest ||
	    (SN_HAS(s, SEMNET_A_SERVICE_ADDR) &&
	     nla_put_u32(msg, SEMNET_A_SERVICE_ADDR, s->addr) < 0) ||
	    (SN_HAS(s, SEMNET_A_SERVICE_ADDR6) &&
	     put_in6(msg, SEMNET_A_SERVICE_ADDR6, &s->addr6) < 0) ||
	    (SN_HAS(s, SEMNET_A_SERVICE_NAME) &&
	     nla_put_string(msg, SEMNET_A_SERVICE_NAME, s->name) < 0) ||
	    (SN_HAS(s, SEMNET_A_SERVICE_POLICY) &&
	     nla_put_string(msg, SEMNET_A_SERVICE_POLICY, s->policy) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int sn_service_get(struct nlattr **attrs, struct sn_service *s)
{
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];

	memset(s, 0, sizeof(*s));
	/* Its key: exactly one of _ADDR and _ADDR6. */
	if (nest_parse(attrs, SEMNET_A_SERVICE, tb, SEMNET_A_SERVICE_MAX, service_policy) < 0 ||
	    !tb[SEMNET_A_SERVICE_ADDR] == !tb[SEMNET_A_SERVICE_ADDR6] ||
	    sn_counters_get(tb[SEMNET_A_SERVICE_COUNTERS], &s->counters) < 0)
		return -EBADMSG;
	s->present = found(tb, SEMNET_A_SERVICE_MAX, 0);
	if (tb[SEMNET_A_SERVICE_ADDR6]) {
		s->family = AF_INET6;
		if (get_in6(tb[SEMNET_A_SERVICE_ADDR6], &s->addr6) < 0)
			return -EBADMSG;
	} else {
		s->family = AF_INET;
		s->addr = nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]);
	}
	if (tb[SEMNET_A_SERVICE_NAME])
		get_string(s->name, sizeof(s->name), tb[SEMNET_A_SERVICE_NAME]);
	if (tb[SEMNET_A_SERVICE_POLICY])
		get_string(s->policy, sizeof(s->policy), tb[SEMNET_A_SERVICE_POLICY]);
	if (tb[SEMNET_A_SERVICE_INSTANCES])
		s->instances = nla_get_u32(tb[SEMNET_A_SERVICE_INSTANCES]);
	return 0;
}

/* --- instance --- */

static const struct nla_policy instance_policy[SEMNET_A_INSTANCE_MAX + 1] = {
	[SEMNET_A_INSTANCE_ADDR] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_SERVICE] = { .type = NLA_STRING },
	[SEMNET_A_INSTANCE_NSIP] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_NODE] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_LOCAL] = { .type = NLA_FLAG },
	[SEMNET_A_INSTANCE_COUNTERS] = { .type = NLA_NESTED },
	[SEMNET_A_INSTANCE_IFINDEX] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_COST] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_DOWN] = { .type = NLA_U8 },
	[SEMNET_A_INSTANCE_ADDR6] = IN6_POLICY,
	[SEMNET_A_INSTANCE_NSIP6] = IN6_POLICY,
};

int sn_instance_put(struct nl_msg *msg, const struct sn_instance *i)
{
	struct nlattr *nest = nest_start(msg, SEMNET_A_INSTANCE);

	if (!nest ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_ADDR) &&
	     nla_put_u32(msg, SEMNET_A_INSTANCE_ADDR, i->addr) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_SERVICE) &&
	     nla_put_string(msg, SEMNET_A_INSTANCE_SERVICE, i->service) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_NSIP) &&
	     nla_put_u32(msg, SEMNET_A_INSTANCE_NSIP, i->nsip) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_ADDR6) &&
	     put_in6(msg, SEMNET_A_INSTANCE_ADDR6, &i->addr6) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_NSIP6) &&
	     put_in6(msg, SEMNET_A_INSTANCE_NSIP6, &i->nsip6) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_NODE) &&
	     nla_put_u32(msg, SEMNET_A_INSTANCE_NODE, i->node) < 0) ||
	    (SN_HAS(i, SEMNET_A_INSTANCE_IFINDEX) &&
	     nla_put_u32(msg, SEMNET_A_INSTANCE_IFINDEX, i->ifindex) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int sn_instance_get(struct nlattr **attrs, struct sn_instance *i)
{
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];

	memset(i, 0, sizeof(*i));
	/* Its key: exactly one of _ADDR and _ADDR6. */
	if (nest_parse(attrs, SEMNET_A_INSTANCE, tb, SEMNET_A_INSTANCE_MAX,
		       instance_policy) < 0 ||
	    !tb[SEMNET_A_INSTANCE_ADDR] == !tb[SEMNET_A_INSTANCE_ADDR6] ||
	    sn_counters_get(tb[SEMNET_A_INSTANCE_COUNTERS], &i->counters) < 0)
		return -EBADMSG;
	i->present = found(tb, SEMNET_A_INSTANCE_MAX, 0);
	if (tb[SEMNET_A_INSTANCE_ADDR6]) {
		i->family = AF_INET6;
		if (get_in6(tb[SEMNET_A_INSTANCE_ADDR6], &i->addr6) < 0 ||
		    (tb[SEMNET_A_INSTANCE_NSIP6] &&
		     get_in6(tb[SEMNET_A_INSTANCE_NSIP6], &i->nsip6) < 0))
			return -EBADMSG;
	} else {
		i->family = AF_INET;
		i->addr = nla_get_u32(tb[SEMNET_A_INSTANCE_ADDR]);
	}
	if (tb[SEMNET_A_INSTANCE_SERVICE])
		get_string(i->service, sizeof(i->service), tb[SEMNET_A_INSTANCE_SERVICE]);
	if (tb[SEMNET_A_INSTANCE_NSIP])
		i->nsip = nla_get_u32(tb[SEMNET_A_INSTANCE_NSIP]);
	if (tb[SEMNET_A_INSTANCE_NODE])
		i->node = nla_get_u32(tb[SEMNET_A_INSTANCE_NODE]);
	i->local = tb[SEMNET_A_INSTANCE_LOCAL] != NULL;
	if (tb[SEMNET_A_INSTANCE_IFINDEX])
		i->ifindex = nla_get_u32(tb[SEMNET_A_INSTANCE_IFINDEX]);
	if (tb[SEMNET_A_INSTANCE_COST])
		i->cost = nla_get_u32(tb[SEMNET_A_INSTANCE_COST]);
	if (tb[SEMNET_A_INSTANCE_DOWN])
		i->down = nla_get_u8(tb[SEMNET_A_INSTANCE_DOWN]) != 0;
	return 0;
}

/* --- peer --- */

static const struct nla_policy peer_policy[SEMNET_A_PEER_MAX + 1] = {
	[SEMNET_A_PEER_SUBNET] = { .type = NLA_NESTED },
	[SEMNET_A_PEER_ADDR] = { .type = NLA_U32 },
	[SEMNET_A_PEER_PORT] = { .type = NLA_U16 },
	[SEMNET_A_PEER_ENCAP] = { .type = NLA_U8 },
	[SEMNET_A_PEER_TX_PACKETS] = { .type = NLA_U64 },
	[SEMNET_A_PEER_TX_BYTES] = { .type = NLA_U64 },
	[SEMNET_A_PEER_RX_PACKETS] = { .type = NLA_U64 },
	[SEMNET_A_PEER_RX_BYTES] = { .type = NLA_U64 },
	[SEMNET_A_PEER_COST] = { .type = NLA_U32 },
	[SEMNET_A_PEER_DOWN] = { .type = NLA_U8 },
	[SEMNET_A_PEER_ADDR6] = IN6_POLICY,
	[SEMNET_A_PEER_IFINDEX] = { .type = NLA_U32 },
	[SEMNET_A_PEER_IFINDEX_GONE] = { .type = NLA_U32 },
	[SEMNET_A_PEER_LABEL] = { .type = NLA_STRING, .maxlen = SEMNET_PEER_LABEL_MAX },
};

int sn_peer_put(struct nl_msg *msg, const struct sn_peer *p)
{
	struct nlattr *nest = nest_start(msg, SEMNET_A_PEER);

	if (!nest ||
	    (SN_HAS(p, SEMNET_A_PEER_SUBNET) &&
	     sn_kprefix_put(msg, SEMNET_A_PEER_SUBNET, &p->subnet) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_ADDR) && nla_put_u32(msg, SEMNET_A_PEER_ADDR, p->addr) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_ADDR6) && put_in6(msg, SEMNET_A_PEER_ADDR6, &p->addr6) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_PORT) && nla_put_u16(msg, SEMNET_A_PEER_PORT, p->port) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_ENCAP) &&
	     nla_put_u8(msg, SEMNET_A_PEER_ENCAP, p->encap) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_COST) && nla_put_u32(msg, SEMNET_A_PEER_COST, p->cost) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_DOWN) && nla_put_u8(msg, SEMNET_A_PEER_DOWN, p->down) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_IFINDEX) &&
	     nla_put_u32(msg, SEMNET_A_PEER_IFINDEX, p->ifindex) < 0) ||
	    (SN_HAS(p, SEMNET_A_PEER_LABEL) &&
	     nla_put_string(msg, SEMNET_A_PEER_LABEL, p->label) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

const char *const sn_encap_names[] = {
	[SEMNET_ENCAP_GRE_UDP] = "gre-udp",
	[SEMNET_ENCAP_IPUDP] = "ipudp",
	[SEMNET_ENCAP_DIRECT] = "direct",
	NULL,
};

const char *sn_encap_name(unsigned int encap)
{
	return encap <= SEMNET_ENCAP_DIRECT ? sn_encap_names[encap] : NULL;
}

int sn_peer_get(struct nlattr **attrs, struct sn_peer *p)
{
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];

	memset(p, 0, sizeof(*p));
	p->cost = SEMNET_PEER_COST_UNKNOWN;
	if (nest_parse(attrs, SEMNET_A_PEER, tb, SEMNET_A_PEER_MAX, peer_policy) < 0 ||
	    !tb[SEMNET_A_PEER_SUBNET] || sn_kprefix_get(tb[SEMNET_A_PEER_SUBNET], &p->subnet) < 0)
		return -EBADMSG;
	p->present = found(tb, SEMNET_A_PEER_MAX, SEMNET_A_PEER_PAD);
	if (tb[SEMNET_A_PEER_ADDR])
		p->addr = nla_get_u32(tb[SEMNET_A_PEER_ADDR]);
	if (tb[SEMNET_A_PEER_ADDR6] && get_in6(tb[SEMNET_A_PEER_ADDR6], &p->addr6) < 0)
		return -EBADMSG;
	if (tb[SEMNET_A_PEER_PORT])
		p->port = nla_get_u16(tb[SEMNET_A_PEER_PORT]);
	if (tb[SEMNET_A_PEER_ENCAP])
		p->encap = nla_get_u8(tb[SEMNET_A_PEER_ENCAP]);
	if (tb[SEMNET_A_PEER_TX_PACKETS])
		p->tx_packets = nla_get_u64(tb[SEMNET_A_PEER_TX_PACKETS]);
	if (tb[SEMNET_A_PEER_TX_BYTES])
		p->tx_bytes = nla_get_u64(tb[SEMNET_A_PEER_TX_BYTES]);
	if (tb[SEMNET_A_PEER_RX_PACKETS])
		p->rx_packets = nla_get_u64(tb[SEMNET_A_PEER_RX_PACKETS]);
	if (tb[SEMNET_A_PEER_RX_BYTES])
		p->rx_bytes = nla_get_u64(tb[SEMNET_A_PEER_RX_BYTES]);
	if (tb[SEMNET_A_PEER_COST])
		p->cost = nla_get_u32(tb[SEMNET_A_PEER_COST]);
	if (tb[SEMNET_A_PEER_DOWN])
		p->down = nla_get_u8(tb[SEMNET_A_PEER_DOWN]) != 0;
	if (tb[SEMNET_A_PEER_IFINDEX])
		p->ifindex = nla_get_u32(tb[SEMNET_A_PEER_IFINDEX]);
	if (tb[SEMNET_A_PEER_IFINDEX_GONE])
		p->ifindex_gone = nla_get_u32(tb[SEMNET_A_PEER_IFINDEX_GONE]);
	if (tb[SEMNET_A_PEER_LABEL])
		nla_strlcpy(p->label, tb[SEMNET_A_PEER_LABEL], sizeof(p->label));
	return 0;
}

/* --- flow --- */

static const struct nla_policy flow_policy[SEMNET_A_FLOW_MAX + 1] = {
	[SEMNET_A_FLOW_PROTO] = { .type = NLA_U8 },
	[SEMNET_A_FLOW_SRC] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_SPORT] = { .type = NLA_U16 },
	[SEMNET_A_FLOW_DST] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_DPORT] = { .type = NLA_U16 },
	[SEMNET_A_FLOW_XSRC] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_XSPORT] = { .type = NLA_U16 },
	[SEMNET_A_FLOW_XDST] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_XDPORT] = { .type = NLA_U16 },
	[SEMNET_A_FLOW_SERVICE] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_INSTANCE] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_STATE] = { .type = NLA_U8 },
	[SEMNET_A_FLOW_EXPIRES] = { .type = NLA_U32 },
	[SEMNET_A_FLOW_PACKETS] = { .type = NLA_U64 },
	[SEMNET_A_FLOW_BYTES] = { .type = NLA_U64 },
	[SEMNET_A_FLOW_SRC6] = IN6_POLICY,
	[SEMNET_A_FLOW_DST6] = IN6_POLICY,
	[SEMNET_A_FLOW_XSRC6] = IN6_POLICY,
	[SEMNET_A_FLOW_XDST6] = IN6_POLICY,
	[SEMNET_A_FLOW_SERVICE6] = IN6_POLICY,
	[SEMNET_A_FLOW_INSTANCE6] = IN6_POLICY,
};

int sn_flow_put(struct nl_msg *msg, const struct sn_flow *f)
{
	struct nlattr *nest = nest_start(msg, SEMNET_A_FLOW);

	if (!nest ||
	    (SN_HAS(f, SEMNET_A_FLOW_SERVICE) &&
	     nla_put_u32(msg, SEMNET_A_FLOW_SERVICE, f->service) < 0) ||
	    (SN_HAS(f, SEMNET_A_FLOW_INSTANCE) &&
	     nla_put_u32(msg, SEMNET_A_FLOW_INSTANCE, f->instance) < 0) ||
	    (SN_HAS(f, SEMNET_A_FLOW_SERVICE6) &&
	     put_in6(msg, SEMNET_A_FLOW_SERVICE6, &f->service6) < 0) ||
	    (SN_HAS(f, SEMNET_A_FLOW_INSTANCE6) &&
	     put_in6(msg, SEMNET_A_FLOW_INSTANCE6, &f->instance6) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A be16 port, in host order. */
static uint16_t get_port(const struct nlattr *a)
{
	return a ? ntohs(nla_get_u16(a)) : 0;
}

int sn_flow_get(struct nlattr **attrs, struct sn_flow *f)
{
	struct nlattr *tb[SEMNET_A_FLOW_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (nest_parse(attrs, SEMNET_A_FLOW, tb, SEMNET_A_FLOW_MAX, flow_policy) < 0)
		return -EBADMSG;
	f->present = found(tb, SEMNET_A_FLOW_MAX, SEMNET_A_FLOW_PAD);
#define U8(attr, field) if (tb[attr]) f->field = nla_get_u8(tb[attr])
#define U32(attr, field) if (tb[attr]) f->field = nla_get_u32(tb[attr])
#define U64(attr, field) if (tb[attr]) f->field = nla_get_u64(tb[attr])
	U8(SEMNET_A_FLOW_PROTO, proto);
	U32(SEMNET_A_FLOW_SRC, src);
	U32(SEMNET_A_FLOW_DST, dst);
	U32(SEMNET_A_FLOW_XSRC, xsrc);
	U32(SEMNET_A_FLOW_XDST, xdst);
	U32(SEMNET_A_FLOW_SERVICE, service);
	U32(SEMNET_A_FLOW_INSTANCE, instance);
	U8(SEMNET_A_FLOW_STATE, state);
	U32(SEMNET_A_FLOW_EXPIRES, expires);
	U64(SEMNET_A_FLOW_PACKETS, packets);
	U64(SEMNET_A_FLOW_BYTES, bytes);
#undef U8
#undef U32
#undef U64
	f->sport = get_port(tb[SEMNET_A_FLOW_SPORT]);
	f->dport = get_port(tb[SEMNET_A_FLOW_DPORT]);
	f->xsport = get_port(tb[SEMNET_A_FLOW_XSPORT]);
	f->xdport = get_port(tb[SEMNET_A_FLOW_XDPORT]);
	/* An IPv6 flow: its twins instead (never both families). */
	f->family = tb[SEMNET_A_FLOW_SRC6] ? AF_INET6 : AF_INET;
	if ((tb[SEMNET_A_FLOW_SRC6] && get_in6(tb[SEMNET_A_FLOW_SRC6], &f->src6) < 0) ||
	    (tb[SEMNET_A_FLOW_DST6] && get_in6(tb[SEMNET_A_FLOW_DST6], &f->dst6) < 0) ||
	    (tb[SEMNET_A_FLOW_XSRC6] && get_in6(tb[SEMNET_A_FLOW_XSRC6], &f->xsrc6) < 0) ||
	    (tb[SEMNET_A_FLOW_XDST6] && get_in6(tb[SEMNET_A_FLOW_XDST6], &f->xdst6) < 0) ||
	    (tb[SEMNET_A_FLOW_SERVICE6] &&
	     get_in6(tb[SEMNET_A_FLOW_SERVICE6], &f->service6) < 0) ||
	    (tb[SEMNET_A_FLOW_INSTANCE6] &&
	     get_in6(tb[SEMNET_A_FLOW_INSTANCE6], &f->instance6) < 0))
		return -EBADMSG;
	return 0;
}

/* --- stats --- */

static const struct nla_policy stats_policy[SEMNET_A_STATS_MAX + 1] = {
	[SEMNET_A_STATS_FLOWS] = { .type = NLA_U32 },
	[SEMNET_A_STATS_FLOWS_CREATED] = { .type = NLA_U64 },
	[SEMNET_A_STATS_FLOWS_EXPIRED] = { .type = NLA_U64 },
	[SEMNET_A_STATS_PORT_REMAPS] = { .type = NLA_U64 },
	[SEMNET_A_STATS_PACKETS] = { .type = NLA_U64 },
	[SEMNET_A_STATS_DROPS] = { .type = NLA_NESTED },
	[SEMNET_A_STATS_SERVICES] = { .type = NLA_U32 },
	[SEMNET_A_STATS_INSTANCES] = { .type = NLA_U32 },
	[SEMNET_A_STATS_MISSES] = { .type = NLA_U64 },
	[SEMNET_A_STATS_MISS_EVENTS] = { .type = NLA_U64 },
	[SEMNET_A_STATS_HELD] = { .type = NLA_U32 },
	[SEMNET_A_STATS_RELEASED] = { .type = NLA_U64 },
	[SEMNET_A_STATS_CLOSEST_PURGED] = { .type = NLA_U64 },
	[SEMNET_A_STATS_EARLY_DROPS] = { .type = NLA_U64 },
	[SEMNET_A_STATS_MISS_EVICTED] = { .type = NLA_U64 },
	[SEMNET_A_STATS_FORWARDED] = { .type = NLA_U64 },
};

/* One u64 per reason, the attribute type being the reason. */
static int stats_get_drops(struct nlattr *nest, struct sn_stats *s)
{
	struct nlattr *d;
	int rem;

	nla_for_each_nested(d, nest, rem) {
		unsigned int reason = (unsigned int)nla_type(d);
		uint64_t v;

		/* Type 0 (UNSPEC) is the nest's pad for 64-bit alignment. */
		if (reason == SEMNET_DROP_UNSPEC)
			continue;
		if (nla_len(d) < (int)sizeof(uint64_t))
			return -EBADMSG;
		v = nla_get_u64(d);
		s->drops_total += v;
		if (reason < SN_DROPS_MAX) {
			s->drops[reason] += v;
			s->drops_present |= (uint64_t)1 << reason;
		}
	}
	return 0;
}

int sn_stats_get(struct nlattr **attrs, struct sn_stats *s)
{
	struct nlattr *tb[SEMNET_A_STATS_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (nest_parse(attrs, SEMNET_A_STATS, tb, SEMNET_A_STATS_MAX, stats_policy) < 0)
		return -EBADMSG;
	s->present = found(tb, SEMNET_A_STATS_MAX, SEMNET_A_STATS_PAD);
#define U32(attr, field) if (tb[attr]) s->field = nla_get_u32(tb[attr])
#define U64(attr, field) if (tb[attr]) s->field = nla_get_u64(tb[attr])
	U32(SEMNET_A_STATS_FLOWS, flows);
	U64(SEMNET_A_STATS_FLOWS_CREATED, flows_created);
	U64(SEMNET_A_STATS_FLOWS_EXPIRED, flows_expired);
	U64(SEMNET_A_STATS_PORT_REMAPS, port_remaps);
	U64(SEMNET_A_STATS_PACKETS, packets);
	U32(SEMNET_A_STATS_SERVICES, services);
	U32(SEMNET_A_STATS_INSTANCES, instances);
	U64(SEMNET_A_STATS_MISSES, misses);
	U64(SEMNET_A_STATS_MISS_EVENTS, miss_events);
	U32(SEMNET_A_STATS_HELD, held);
	U64(SEMNET_A_STATS_RELEASED, released);
	U64(SEMNET_A_STATS_CLOSEST_PURGED, closest_purged);
	U64(SEMNET_A_STATS_EARLY_DROPS, early_drops);
	U64(SEMNET_A_STATS_MISS_EVICTED, miss_evicted);
	U64(SEMNET_A_STATS_FORWARDED, forwarded);
#undef U32
#undef U64
	if (tb[SEMNET_A_STATS_DROPS])
		return stats_get_drops(tb[SEMNET_A_STATS_DROPS], s);
	return 0;
}

/* --- miss events, module info --- */

static const struct nla_policy miss_policy[SEMNET_A_MISS_MAX + 1] = {
	[SEMNET_A_MISS_ADDR] = { .type = NLA_U32 },
	[SEMNET_A_MISS_KIND] = { .type = NLA_U8 },
	[SEMNET_A_MISS_SRC] = { .type = NLA_U32 },
	[SEMNET_A_MISS_PROTO] = { .type = NLA_U8 },
	[SEMNET_A_MISS_DPORT] = { .type = NLA_U16 },
	[SEMNET_A_MISS_HELD] = { .type = NLA_U32 },
	[SEMNET_A_MISS_SUPPRESSED] = { .type = NLA_U32 },
	[SEMNET_A_MISS_ADDR6] = IN6_POLICY,
	[SEMNET_A_MISS_SRC6] = IN6_POLICY,
};

int sn_miss_get(struct nlattr **attrs, struct sn_miss *m)
{
	struct nlattr *tb[SEMNET_A_MISS_MAX + 1];

	memset(m, 0, sizeof(*m));
	/* Its address: exactly one of _ADDR and _ADDR6. */
	if (nest_parse(attrs, SEMNET_A_MISS, tb, SEMNET_A_MISS_MAX, miss_policy) < 0 ||
	    !tb[SEMNET_A_MISS_ADDR] == !tb[SEMNET_A_MISS_ADDR6])
		return -EBADMSG;
	if (tb[SEMNET_A_MISS_ADDR6]) {
		m->family = AF_INET6;
		if (get_in6(tb[SEMNET_A_MISS_ADDR6], &m->addr6) < 0 ||
		    (tb[SEMNET_A_MISS_SRC6] && get_in6(tb[SEMNET_A_MISS_SRC6], &m->src6) < 0))
			return -EBADMSG;
	} else {
		m->family = AF_INET;
		m->addr = nla_get_u32(tb[SEMNET_A_MISS_ADDR]);
	}
	/* Absent in modules before peers: SEMNET_MISS_ADDRESS (0). */
	if (tb[SEMNET_A_MISS_KIND])
		m->kind = nla_get_u8(tb[SEMNET_A_MISS_KIND]);
	if (tb[SEMNET_A_MISS_SRC])
		m->src = nla_get_u32(tb[SEMNET_A_MISS_SRC]);
	if (tb[SEMNET_A_MISS_PROTO])
		m->proto = nla_get_u8(tb[SEMNET_A_MISS_PROTO]);
	m->dport = get_port(tb[SEMNET_A_MISS_DPORT]);
	if (tb[SEMNET_A_MISS_HELD])
		m->held = nla_get_u32(tb[SEMNET_A_MISS_HELD]);
	if (tb[SEMNET_A_MISS_SUPPRESSED])
		m->suppressed = nla_get_u32(tb[SEMNET_A_MISS_SUPPRESSED]);
	return 0;
}

static const struct nla_policy info_policy[SEMNET_A_INFO_MAX + 1] = {
	[SEMNET_A_INFO_VERSION] = { .type = NLA_STRING },
	[SEMNET_A_INFO_GENL_VERSION] = { .type = NLA_U32 },
	[SEMNET_A_INFO_NETNS_INUM] = { .type = NLA_U32 },
	[SEMNET_A_INFO_NETNS_COOKIE] = { .type = NLA_U64 },
};

int sn_info_get(struct nlattr **attrs, struct sn_info *in)
{
	struct nlattr *tb[SEMNET_A_INFO_MAX + 1];

	memset(in, 0, sizeof(*in));
	if (nest_parse(attrs, SEMNET_A_INFO, tb, SEMNET_A_INFO_MAX, info_policy) < 0)
		return -EBADMSG;
	if (tb[SEMNET_A_INFO_VERSION])
		get_string(in->version, sizeof(in->version), tb[SEMNET_A_INFO_VERSION]);
	if (tb[SEMNET_A_INFO_GENL_VERSION])
		in->genl_version = nla_get_u32(tb[SEMNET_A_INFO_GENL_VERSION]);
	if (tb[SEMNET_A_INFO_NETNS_INUM])
		in->netns_inum = nla_get_u32(tb[SEMNET_A_INFO_NETNS_INUM]);
	if (tb[SEMNET_A_INFO_NETNS_COOKIE])
		in->netns_cookie = nla_get_u64(tb[SEMNET_A_INFO_NETNS_COOKIE]);
	return 0;
}

/* --- requests --- */

int sn_node_fill(struct nl_msg *msg, const void *node)
{
	return sn_node_put(msg, node);
}

int sn_service_fill(struct nl_msg *msg, const void *service)
{
	return sn_service_put(msg, service);
}

int sn_instance_fill(struct nl_msg *msg, const void *instance)
{
	return sn_instance_put(msg, instance);
}

int sn_peer_fill(struct nl_msg *msg, const void *peer)
{
	return sn_peer_put(msg, peer);
}

int sn_flow_fill(struct nl_msg *msg, const void *flow)
{
	return sn_flow_put(msg, flow);
}

struct nl_msg *sn_kernel_msg(struct sn_genl *g, uint8_t cmd, int flags,
			     sn_kernel_fill_fn fill, const void *obj, int *err)
{
	struct nl_msg *msg = sn_genl_request(g, cmd, flags);
	int ret;

	if (!msg) {
		*err = -ENOMEM;
		return NULL;
	}
	if (fill) {
		ret = fill(msg, obj);
		if (ret < 0) {
			nlmsg_free(msg);
			*err = ret;
			return NULL;
		}
	}
	return msg;
}

/* --- a module without IPv6 --- */

/* What a nest holds, for finding the attribute an extack offset names. */
enum nest_kind { IN_TOP, IN_LIST, IN_NODE, IN_SUBNETS, IN_PREFIX, IN_SERVICE, IN_INSTANCE,
		 IN_PEER, IN_FLOW, IN_OTHER };

/* The kind of nest attribute @type of a nest of @kind is (IN_OTHER: not one). */
static enum nest_kind nest_kind_of(enum nest_kind kind, int type)
{
	switch (kind) {
	case IN_TOP:
		switch (type) {
		case SEMNET_A_NODE: return IN_NODE;
		case SEMNET_A_SERVICE: return IN_SERVICE;
		case SEMNET_A_INSTANCE: return IN_INSTANCE;
		case SEMNET_A_PEER: return IN_PEER;
		case SEMNET_A_FLOW: return IN_FLOW;
		case SEMNET_A_SERVICES: case SEMNET_A_INSTANCES: return IN_LIST;
		}
		return IN_OTHER;
	case IN_LIST:
		return nest_kind_of(IN_TOP, type);
	case IN_NODE:
		switch (type) {
		case SEMNET_A_NODE_PLATFORM: case SEMNET_A_NODE_SERVICE_RANGE:
		case SEMNET_A_NODE_PLATFORM6: case SEMNET_A_NODE_SERVICE_RANGE6:
			return IN_PREFIX;
		case SEMNET_A_NODE_SUBNETS: return IN_SUBNETS;
		}
		return IN_OTHER;
	case IN_SUBNETS:
		return type == SEMNET_A_NODE_SUBNET ? IN_PREFIX : IN_OTHER;
	case IN_PEER:
		return type == SEMNET_A_PEER_SUBNET ? IN_PREFIX : IN_OTHER;
	default:
		return IN_OTHER;
	}
}

/* Is attribute @type of a nest of @kind one of the UAPI's IPv6 twins? */
static bool is_v6_twin(enum nest_kind kind, int type)
{
	switch (kind) {
	case IN_NODE:
		return type == SEMNET_A_NODE_PLATFORM6 || type == SEMNET_A_NODE_SERVICE_RANGE6 ||
		       type == SEMNET_A_NODE_GATEWAY6;
	case IN_PREFIX:
		return type == SEMNET_A_PREFIX_ADDR6;
	case IN_SERVICE:
		return type == SEMNET_A_SERVICE_ADDR6;
	case IN_INSTANCE:
		return type == SEMNET_A_INSTANCE_ADDR6 || type == SEMNET_A_INSTANCE_NSIP6;
	case IN_PEER:
		return type == SEMNET_A_PEER_ADDR6;
	case IN_FLOW:
		return type == SEMNET_A_FLOW_SERVICE6 || type == SEMNET_A_FLOW_INSTANCE6;
	default:
		return false;
	}
}

/* Walks the attributes [@p, @p + @len) of a nest of @kind down to @at. */
static bool attr_is6(const char *p, size_t len, enum nest_kind kind, const char *at)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		size_t alen = a->nla_len, step = NLA_ALIGN(alen);
		int type = a->nla_type & NLA_TYPE_MASK;

		if (alen < NLA_HDRLEN || alen > len)
			return false;
		if (at == p)
			return is_v6_twin(kind, type);
		if (at > p && at < p + alen) {
			enum nest_kind inner = nest_kind_of(kind, type);

			return inner != IN_OTHER &&
			       attr_is6(p + NLA_HDRLEN, alen - NLA_HDRLEN, inner, at);
		}
		if (step > len)
			return false;
		p += step;
		len -= step;
	}
	return false;
}

bool sn_kernel_attr_is6(const struct nlmsghdr *nlh, long offset)
{
	size_t start = NLMSG_HDRLEN + GENL_HDRLEN;

	if (offset < (long)start || (size_t)offset >= nlh->nlmsg_len)
		return false;
	return attr_is6((const char *)nlh + start, nlh->nlmsg_len - start, IN_TOP,
			(const char *)nlh + offset);
}

/*
 * A module older than IPv6 refuses an _ADDR6 (strict validation) as an
 * attribute it does not know: say what that means instead.
 */
static void explain_v6(struct sn_genl *g, struct nl_msg *msg, int err)
{
	if (err == -EINVAL && strstr(g->error, "Unknown attribute type") &&
	    sn_kernel_attr_is6(nlmsg_hdr(msg), g->error_offset))
		snprintf(g->error, sizeof(g->error), "%s", SN_KERNEL_NO_IPV6);
}

/* sn_genl_transact(), with explain_v6(): @msg is kept until then. */
int sn_kernel_transact(struct sn_genl *g, struct nl_msg *msg, sn_genl_reply_fn fn, void *arg)
{
	int err;

	nlmsg_get(msg);
	err = sn_genl_transact(g, msg, fn, arg);
	if (err)
		explain_v6(g, msg, err);
	nlmsg_free(msg);
	return err;
}

int sn_kernel_call(struct sn_genl *g, uint8_t cmd, int flags, sn_kernel_fill_fn fill,
		   const void *obj, sn_genl_reply_fn fn, void *arg)
{
	int err;
	struct nl_msg *msg = sn_kernel_msg(g, cmd, flags, fill, obj, &err);

	if (!msg)
		return err;
	return sn_kernel_transact(g, msg, fn, arg);
}

int sn_kernel_dump(struct sn_genl *g, uint8_t cmd, sn_kernel_fill_fn fill, const void *obj,
		   sn_genl_reply_fn fn, void *arg, void (*reset)(void *arg))
{
	int ret = -EIO;

	for (int tries = 0; tries < SN_KERNEL_DUMP_TRIES && ret == -EIO; tries++) {
		if (tries)
			reset(arg);
		ret = sn_kernel_call(g, cmd, NLM_F_DUMP, fill, obj, fn, arg);
	}
	return ret;
}

/* --- lists --- */

/* The array pointer is read and written through memcpy: *vp is not a void *. */
void *sn_kernel_slot(void *vp, size_t *cap, size_t n, size_t size)
{
	void *v;

	memcpy(&v, vp, sizeof(v));
	if (n >= *cap) {
		size_t grown = *cap ? 2 * *cap : 16;

		if (grown > SIZE_MAX / size)
			return NULL;
		v = realloc(v, grown * size);
		if (!v)
			return NULL;
		memcpy(vp, &v, sizeof(v));
		*cap = grown;
	}
	return memset((char *)v + n * size, 0, size);
}

int sn_services_collect(struct nlattr **attrs, void *list)
{
	struct sn_services *l = list;
	struct sn_service *s = sn_kernel_slot(&l->v, &l->cap, l->n, sizeof(*s));
	int ret = s ? sn_service_get(attrs, s) : -ENOMEM;

	l->n += ret == 0 && (!l->family || s->family == l->family);
	return ret;
}

void sn_services_reset(void *list)
{
	((struct sn_services *)list)->n = 0;
}

int sn_instances_collect(struct nlattr **attrs, void *list)
{
	struct sn_instances *l = list;
	struct sn_instance *i = sn_kernel_slot(&l->v, &l->cap, l->n, sizeof(*i));
	int ret = i ? sn_instance_get(attrs, i) : -ENOMEM;

	/* The kernel filters dumps by service too; this keeps an old one honest. */
	if (ret == 0 && !(l->filter_service && strcmp(i->service, l->filter_service)) &&
	    (!l->family || i->family == l->family))
		l->n++;
	return ret;
}

void sn_instances_reset(void *list)
{
	((struct sn_instances *)list)->n = 0;
}

int sn_peers_collect(struct nlattr **attrs, void *list)
{
	struct sn_peers *l = list;
	struct sn_peer *p = sn_kernel_slot(&l->v, &l->cap, l->n, sizeof(*p));
	int ret = p ? sn_peer_get(attrs, p) : -ENOMEM;

	l->n += ret == 0;
	return ret;
}

void sn_peers_reset(void *list)
{
	((struct sn_peers *)list)->n = 0;
}

/* Does @f have @filter's address @attr at @off (IPv4), or its twin @attr6 at @off6? */
static bool flow_key_matches(const struct sn_flow *f, const struct sn_flow *filter, int attr,
			     size_t off, int attr6, size_t off6)
{
	if (SN_HAS(filter, attr))
		return SN_HAS(f, attr) &&
		       !memcmp((const char *)f + off, (const char *)filter + off, sizeof(uint32_t));
	if (SN_HAS(filter, attr6))
		return SN_HAS(f, attr6) &&
		       !memcmp((const char *)f + off6, (const char *)filter + off6,
			       sizeof(struct in6_addr));
	return true;
}

/* Does @f pass @filter's SERVICE and INSTANCE (those it has, of either family)? */
static bool flow_matches(const struct sn_flow *f, const struct sn_flow *filter)
{
	return flow_key_matches(f, filter, SEMNET_A_FLOW_SERVICE, offsetof(struct sn_flow, service),
				SEMNET_A_FLOW_SERVICE6, offsetof(struct sn_flow, service6)) &&
	       flow_key_matches(f, filter, SEMNET_A_FLOW_INSTANCE,
				offsetof(struct sn_flow, instance), SEMNET_A_FLOW_INSTANCE6,
				offsetof(struct sn_flow, instance6));
}

int sn_flows_collect(struct nlattr **attrs, void *list)
{
	struct sn_flows *l = list;
	struct sn_flow *f = sn_kernel_slot(&l->v, &l->cap, l->n, sizeof(*f));
	int ret = f ? sn_flow_get(attrs, f) : -ENOMEM;

	/* The module filters the dump; filtering here too keeps any version honest. */
	if (ret == 0 && (!l->filter || flow_matches(f, l->filter)))
		l->n++;
	return ret;
}

void sn_flows_reset(void *list)
{
	((struct sn_flows *)list)->n = 0;
}

/* --- batches --- */

/*
 * The entries of one batch request: its nest's length is 16 bits, header
 * included, and entries are 4-byte aligned.
 */
#define BATCH_MAX_BYTES 65528
#define BATCH_SOCKET_BUFFER (256 * 1024)

int sn_kernel_batch_init(struct sn_kernel_batch *b, struct sn_genl *g, uint8_t cmd,
			 int flags, sn_kernel_batch_fail_fn fail, void *arg, bool go_on)
{
	memset(b, 0, sizeof(*b));
	switch (cmd) {
	case SEMNET_CMD_NEW_SERVICE:
		b->list = SEMNET_A_SERVICES;
		b->fill = sn_service_fill;
		break;
	case SEMNET_CMD_NEW_INSTANCE:
		b->list = SEMNET_A_INSTANCES;
		b->fill = sn_instance_fill;
		break;
	default:
		return -EINVAL;
	}
	b->g = g;
	b->cmd = cmd;
	b->flags = flags;
	b->fail = fail;
	b->arg = arg;
	b->go_on = go_on;
	/* A bare nlmsghdr: an object's nest is encoded right after it. */
	b->scratch = nlmsg_alloc_size(NLMSG_HDRLEN + BATCH_MAX_BYTES + 4096);
	return b->scratch ? 0 : -ENOMEM;
}

void sn_kernel_batch_free(struct sn_kernel_batch *b)
{
	if (b->scratch)
		nlmsg_free(b->scratch);
	free(b->buf);
	free(b->ent);
	memset(b, 0, sizeof(*b));
}

void sn_kernel_batch_reset(struct sn_kernel_batch *b)
{
	b->n = 0;
	b->len = 0;
	b->stopped = false;
}

/* Where object @i's nest ends in b->buf. */
static size_t ent_end(const struct sn_kernel_batch *b, size_t i)
{
	return i + 1 < b->n ? b->ent[i + 1].off : b->len;
}

/* Object @i alone, as the plain single-object request. */
static int batch_send_one(struct sn_kernel_batch *b, size_t i)
{
	size_t len = ent_end(b, i) - b->ent[i].off;
	struct nl_msg *msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + len + 64);

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, b->g->family, 0,
			 b->flags | NLM_F_REQUEST, b->cmd, SEMNET_GENL_VERSION) ||
	    nlmsg_append(msg, b->buf + b->ent[i].off, len, NLA_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	b->requests++;
	return sn_kernel_transact(b->g, msg, NULL, NULL);
}

/*
 * Objects [from, to) in one batch request. 0; 1 when the module refused
 * the batch attribute itself (it predates batches: nothing applied); or
 * the error, with *at the object it names (SIZE_MAX: none, nothing
 * applied).
 */
static int batch_send(struct sn_kernel_batch *b, size_t from, size_t to, size_t *at)
{
	size_t start = b->ent[from].off, end = ent_end(b, to - 1), base, i;
	struct nl_msg *msg;
	struct nlattr *nest;
	long off;
	int err;

	*at = SIZE_MAX;
	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + (end - start) + 64);
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, b->g->family, 0,
			 b->flags | NLM_F_REQUEST, b->cmd, SEMNET_GENL_VERSION) ||
	    !(nest = nla_nest_start(msg, NLA_F_NESTED | b->list))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	base = (size_t)((char *)nlmsg_tail(nlmsg_hdr(msg)) - (char *)nlmsg_hdr(msg));
	if (nlmsg_append(msg, b->buf + start, end - start, NLA_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	/*
	 * libnl's default send buffer (32 KiB, which the kernel doubles) is
	 * just short of a full request; the kernel caps what it grants. Once
	 * per socket: the caller may have opened a new one meanwhile.
	 */
	if (b->g->sock && b->g->sock != b->sized) {
		nl_socket_set_buffer_size(b->g->sock, BATCH_SOCKET_BUFFER, BATCH_SOCKET_BUFFER);
		b->sized = b->g->sock;
	}
	b->requests++;
	err = sn_kernel_transact(b->g, msg, NULL, NULL);
	if (!err)
		return 0;
	off = b->g->error_offset;
	if (err == -EINVAL && off == (long)(base - NLA_HDRLEN))
		return 1;
	if (off < (long)base || off >= (long)(base + end - start))
		return err;
	for (i = from; i < to; i++)
		if ((size_t)off - base + start < ent_end(b, i)) {
			*at = i;
			break;
		}
	return err;
}

/* Sends every pending object; see sn_kernel.h. */
static int batch_send_pending(struct sn_kernel_batch *b)
{
	size_t from = 0, next, at;
	int err, first = 0;

	while (from < b->n && !b->stopped) {
		if (b->single || b->n - from == 1) {
			at = from;
			next = from + 1;
			err = batch_send_one(b, from);
		} else {
			next = b->n;
			err = batch_send(b, from, b->n, &at);
			if (err == 1) {
				b->single = true;
				continue;
			}
			/* Nothing applied: blame the first, send the rest again. */
			if (err && at == SIZE_MAX)
				at = from;
		}
		if (!err) {
			from = next;
			continue;
		}
		b->fail(b->arg, b->ent[at].tag, err);
		if (!first)
			first = err;
		if (!b->go_on)
			b->stopped = true;
		from = at + 1;
	}
	b->n = 0;
	b->len = 0;
	return first;
}

int sn_kernel_batch_flush(struct sn_kernel_batch *b)
{
	return batch_send_pending(b);
}

int sn_kernel_batch_add(struct sn_kernel_batch *b, const void *obj, unsigned long tag)
{
	struct nlmsghdr *nlh = nlmsg_hdr(b->scratch);
	size_t len;

	if (b->stopped)
		return -ECANCELED;
	nlh->nlmsg_len = NLMSG_HDRLEN;
	if (b->fill(b->scratch, obj) < 0)
		return -EMSGSIZE;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (len > BATCH_MAX_BYTES)
		return -EMSGSIZE;
	if (b->len + len > BATCH_MAX_BYTES) {
		batch_send_pending(b);
		if (b->stopped)
			return -ECANCELED;
	}
	if (b->len + len > b->buf_cap) {
		char *buf = realloc(b->buf, BATCH_MAX_BYTES);

		if (!buf)
			return -ENOMEM;
		b->buf = buf;
		b->buf_cap = BATCH_MAX_BYTES;
	}
	if (!sn_kernel_slot(&b->ent, &b->ent_cap, b->n, sizeof(*b->ent)))
		return -ENOMEM;
	memcpy(b->buf + b->len, nlmsg_data(nlh), len);
	b->ent[b->n].off = b->len;
	b->ent[b->n].tag = tag;
	b->len += len;
	b->n++;
	return 0;
}
