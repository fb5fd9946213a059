// SPDX-License-Identifier: GPL-2.0
/*
 * The "semnet" generic-netlink family: the one configuration interface.
 * Requests act on the network namespace of the requesting socket; changes
 * need CAP_NET_ADMIN there. Every rejection says why (extack). This file
 * is transport only: it parses each request into its object's *_cfg struct
 * and fills the replies; the rules (defaults, what a new object needs,
 * ranges, limits) live with the objects in node.c, service.c, instance.c
 * and peer.c. Dumps walk the hash tables with a cursor kept across
 * messages and flag a dump that raced with a change (NLM_F_DUMP_INTR).
 */
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <uapi/linux/semnet.h>

#include "cfg.h"
#include "flow.h"
#include "instance.h"
#include "netlink.h"
#include "netns.h"
#include "node.h"
#include "peer.h"
#include "policy.h"
#include "service.h"
#include "version.h"

static const struct nla_policy semnet_prefix_policy[SEMNET_A_PREFIX_MAX + 1] = {
	[SEMNET_A_PREFIX_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[SEMNET_A_PREFIX_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static struct netlink_range_validation semnet_flow_max_range = {
	.min = 1,
	.max = SEMNET_FLOW_MAX_LIMIT,
};

static struct netlink_range_validation semnet_timeout_range = {
	.min = 1,
	.max = SEMNET_TIMEOUT_MAX_SECONDS,
};

static struct netlink_range_validation semnet_hold_packets_range = {
	.max = SEMNET_HOLD_PACKETS_LIMIT,
};

static struct netlink_range_validation semnet_hold_total_range = {
	.max = SEMNET_HOLD_TOTAL_LIMIT,
};

static struct netlink_range_validation semnet_hold_timeout_range = {
	.min = 1,
	.max = SEMNET_HOLD_TIMEOUT_MAX_MS,
};

static struct netlink_range_validation semnet_miss_interval_range = {
	.max = SEMNET_MISS_INTERVAL_MAX_MS,
};

/*
 * A device's index (u32 on the wire, an int in the kernel): 0 (none) to
 * INT_MAX, so a larger value is refused by its range, not taken as a
 * negative index that names no device.
 */
static struct netlink_range_validation semnet_ifindex_range = {
	.max = INT_MAX,
};

static struct netlink_range_validation semnet_bridge_range = {
	.min = 1,
	.max = INT_MAX,
};

static const struct nla_policy semnet_node_policy[SEMNET_A_NODE_MAX + 1] = {
	[SEMNET_A_NODE_PLATFORM] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_SERVICE_RANGE] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_SUBNETS] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SUBNET] = { .type = NLA_REJECT },
	[SEMNET_A_NODE_GATEWAY] = { .type = NLA_BE32 },
	[SEMNET_A_NODE_BRIDGE] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_bridge_range),
	[SEMNET_A_NODE_FLOW_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_flow_max_range),
	[SEMNET_A_NODE_TIMEOUT_TCP] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_timeout_range),
	[SEMNET_A_NODE_TIMEOUT_TCP_CLOSE] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_timeout_range),
	[SEMNET_A_NODE_TIMEOUT_UDP] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_timeout_range),
	[SEMNET_A_NODE_TIMEOUT_ICMP] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_timeout_range),
	[SEMNET_A_NODE_TUNNEL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SEMNET_A_NODE_HOLD_PACKETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_hold_packets_range),
	[SEMNET_A_NODE_HOLD_TOTAL] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_hold_total_range),
	[SEMNET_A_NODE_HOLD_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_hold_timeout_range),
	[SEMNET_A_NODE_MISS_INTERVAL] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_miss_interval_range),
	[SEMNET_A_NODE_TIMEOUT_UNREPLIED] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_timeout_range),
	[SEMNET_A_NODE_UNREPLIED_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_flow_max_range),
	[SEMNET_A_NODE_MODE] = NLA_POLICY_MAX(NLA_U32, SEMNET_NODE_MODE_MAX),
	[SEMNET_A_NODE_PLATFORM6] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_SERVICE_RANGE6] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_GATEWAY6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy semnet_service_policy[SEMNET_A_SERVICE_MAX + 1] = {
	[SEMNET_A_SERVICE_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_SERVICE_NAME] = { .type = NLA_NUL_STRING, .len = SEMNET_NAME_MAX - 1 },
	[SEMNET_A_SERVICE_POLICY] = { .type = NLA_NUL_STRING,
				      .len = SEMNET_POLICY_NAME_MAX - 1 },
	[SEMNET_A_SERVICE_INSTANCES] = { .type = NLA_REJECT },
	[SEMNET_A_SERVICE_COUNTERS] = { .type = NLA_REJECT },
	[SEMNET_A_SERVICE_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy semnet_instance_policy[SEMNET_A_INSTANCE_MAX + 1] = {
	[SEMNET_A_INSTANCE_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_SERVICE] = { .type = NLA_NUL_STRING, .len = SEMNET_NAME_MAX - 1 },
	[SEMNET_A_INSTANCE_NSIP] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_NODE] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_LOCAL] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_COUNTERS] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_ifindex_range),
	[SEMNET_A_INSTANCE_COST] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_DOWN] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEMNET_A_INSTANCE_NSIP6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy semnet_peer_policy[SEMNET_A_PEER_MAX + 1] = {
	[SEMNET_A_PEER_SUBNET] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_PEER_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SEMNET_A_PEER_ENCAP] = NLA_POLICY_MAX(NLA_U8, SEMNET_ENCAP_DIRECT),
	[SEMNET_A_PEER_TX_PACKETS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_TX_BYTES] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_RX_PACKETS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_RX_BYTES] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_COST] = { .type = NLA_U32 },
	[SEMNET_A_PEER_DOWN] = NLA_POLICY_MAX(NLA_U8, 1),
	[SEMNET_A_PEER_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEMNET_A_PEER_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &semnet_ifindex_range),
	[SEMNET_A_PEER_IFINDEX_GONE] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_LABEL] = { .type = NLA_NUL_STRING, .len = SEMNET_PEER_LABEL_MAX - 1 },
};

static const struct nla_policy semnet_flow_policy[SEMNET_A_FLOW_MAX + 1] = {
	[SEMNET_A_FLOW_SERVICE] = { .type = NLA_BE32 },
	[SEMNET_A_FLOW_INSTANCE] = { .type = NLA_BE32 },
	[SEMNET_A_FLOW_SERVICE6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEMNET_A_FLOW_INSTANCE6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy semnet_genl_policy[SEMNET_A_MAX + 1] = {
	[SEMNET_A_INFO] = { .type = NLA_REJECT },
	[SEMNET_A_NODE] = NLA_POLICY_NESTED(semnet_node_policy),
	[SEMNET_A_SERVICE] = NLA_POLICY_NESTED(semnet_service_policy),
	[SEMNET_A_INSTANCE] = NLA_POLICY_NESTED(semnet_instance_policy),
	[SEMNET_A_FLOW] = NLA_POLICY_NESTED(semnet_flow_policy),
	[SEMNET_A_STATS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER] = NLA_POLICY_NESTED(semnet_peer_policy),
	[SEMNET_A_SERVICES] = { .type = NLA_NESTED },
	[SEMNET_A_INSTANCES] = { .type = NLA_NESTED },
};

static struct genl_family semnet_genl_family;

/* Parses the nest @attr of a request with @policy into @tb. */
static int semnet_parse_nest(struct nlattr **tb, int maxtype,
			     const struct nlattr *attr,
			     const struct nla_policy *policy,
			     struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, maxtype, attr, policy, extack);
}

/* ------------------------------------------------------------------ info */

static int semnet_fill_info(struct sk_buff *skb, struct net *net)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SEMNET_A_INFO);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, SEMNET_A_INFO_VERSION, SEMNET_VERSION) ||
	    nla_put_u32(skb, SEMNET_A_INFO_GENL_VERSION, SEMNET_GENL_VERSION) ||
	    nla_put_u32(skb, SEMNET_A_INFO_NETNS_INUM, net->ns.inum) ||
	    nla_put_u64_64bit(skb, SEMNET_A_INFO_NETNS_COOKIE, net->net_cookie,
			      SEMNET_A_INFO_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

typedef int (*semnet_fill_fn)(struct sk_buff *skb, struct genl_info *info,
			      void *arg);

/* Builds and sends a one-message reply with @fill. */
static int semnet_reply(struct genl_info *info, u8 cmd, semnet_fill_fn fill,
			void *arg)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &semnet_genl_family, 0, cmd);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	ret = fill(msg, info, arg);
	if (ret)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

static int semnet_info_fill(struct sk_buff *skb, struct genl_info *info,
			    void *arg)
{
	return semnet_fill_info(skb, genl_info_net(info));
}

static int semnet_cmd_get_info(struct sk_buff *skb, struct genl_info *info)
{
	return semnet_reply(info, SEMNET_CMD_GET_INFO, semnet_info_fill, NULL);
}

/* ------------------------------------------------------------------ node */

static int semnet_put_prefix(struct sk_buff *skb, int type,
			     const struct semnet_prefix *p)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, SEMNET_A_PREFIX_ADDR, p->addr) ||
	    nla_put_u8(skb, SEMNET_A_PREFIX_LEN, p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_put_prefix6(struct sk_buff *skb, int type,
			      const struct semnet_prefix6 *p)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in6_addr(skb, SEMNET_A_PREFIX_ADDR6, &p->addr) ||
	    nla_put_u8(skb, SEMNET_A_PREFIX_LEN, p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Reads a prefix of either family: *@v6 says which of @p and @p6 it
 * filled. The family's length limit and host bits are checked here.
 */
static int semnet_get_prefix_any(struct semnet_prefix *p,
				 struct semnet_prefix6 *p6, bool *v6,
				 const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];
	int ret;

	ret = semnet_parse_nest(tb, SEMNET_A_PREFIX_MAX, attr,
				semnet_prefix_policy, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, attr, tb, SEMNET_A_PREFIX_LEN) ||
	    (!tb[SEMNET_A_PREFIX_ADDR] && !tb[SEMNET_A_PREFIX_ADDR6])) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a prefix needs an address and a length");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PREFIX_ADDR] && tb[SEMNET_A_PREFIX_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PREFIX_ADDR6],
				    "a prefix has one address: IPv4 or IPv6, not both");
		return -EINVAL;
	}
	*v6 = tb[SEMNET_A_PREFIX_ADDR6];
	if (*v6) {
		p6->addr = nla_get_in6_addr(tb[SEMNET_A_PREFIX_ADDR6]);
		p6->len = nla_get_u8(tb[SEMNET_A_PREFIX_LEN]);
		if (!semnet_prefix6_valid(p6)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "prefix has host bits set");
			return -EINVAL;
		}
		return 0;
	}
	p->addr = nla_get_in_addr(tb[SEMNET_A_PREFIX_ADDR]);
	p->len = nla_get_u8(tb[SEMNET_A_PREFIX_LEN]);
	if (p->len > 32) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PREFIX_LEN],
				    "an IPv4 prefix is at most 32 bits long");
		return -ERANGE;
	}
	if (!semnet_prefix_valid(p)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "prefix has host bits set");
		return -EINVAL;
	}
	return 0;
}

/* An IPv4 prefix, where only IPv4 makes sense. */
static int semnet_get_prefix(struct semnet_prefix *p, const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	struct semnet_prefix6 p6;
	bool v6;
	int ret;

	ret = semnet_get_prefix_any(p, &p6, &v6, attr, extack);
	if (!ret && v6) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "an IPv4 prefix is needed here");
		return -EAFNOSUPPORT;
	}
	return ret;
}

/* An IPv6 prefix, where only IPv6 makes sense. */
static int semnet_get_prefix6(struct semnet_prefix6 *p6,
			      const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	struct semnet_prefix p;
	bool v6;
	int ret;

	ret = semnet_get_prefix_any(&p, p6, &v6, attr, extack);
	if (!ret && !v6) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "an IPv6 prefix is needed here");
		return -EAFNOSUPPORT;
	}
	return ret;
}

static int semnet_node_fill(struct sk_buff *skb, struct genl_info *info,
			    void *arg)
{
	const struct semnet_node *node = arg;
	struct nlattr *nest, *subnets;
	unsigned int i;

	nest = nla_nest_start(skb, SEMNET_A_NODE);
	if (!nest)
		return -EMSGSIZE;
	if (semnet_put_prefix(skb, SEMNET_A_NODE_PLATFORM, &node->platform) ||
	    semnet_put_prefix(skb, SEMNET_A_NODE_SERVICE_RANGE, &node->services))
		goto err;
	subnets = nla_nest_start(skb, SEMNET_A_NODE_SUBNETS);
	if (!subnets)
		goto err;
	for (i = 0; i < node->n_subnets; i++)
		if (semnet_put_prefix(skb, SEMNET_A_NODE_SUBNET, &node->subnets[i]))
			goto err;
	for (i = 0; i < node->n_subnets6; i++)
		if (semnet_put_prefix6(skb, SEMNET_A_NODE_SUBNET, &node->subnets6[i]))
			goto err;
	nla_nest_end(skb, subnets);
	if (node->has_v6 &&
	    (semnet_put_prefix6(skb, SEMNET_A_NODE_PLATFORM6, &node->platform6) ||
	     semnet_put_prefix6(skb, SEMNET_A_NODE_SERVICE_RANGE6,
				&node->services6) ||
	     nla_put_in6_addr(skb, SEMNET_A_NODE_GATEWAY6, &node->gateway6)))
		goto err;
	if (nla_put_in_addr(skb, SEMNET_A_NODE_GATEWAY, node->gateway) ||
	    (node->bridge_ifindex &&
	     nla_put_u32(skb, SEMNET_A_NODE_BRIDGE, node->bridge_ifindex)) ||
	    nla_put_u32(skb, SEMNET_A_NODE_MODE, node->mode) ||
	    nla_put_u32(skb, SEMNET_A_NODE_FLOW_MAX, node->flow_max) ||
	    nla_put_u32(skb, SEMNET_A_NODE_TIMEOUT_TCP,
			node->timeout[SEMNET_TIMEOUT_TCP] / HZ) ||
	    nla_put_u32(skb, SEMNET_A_NODE_TIMEOUT_TCP_CLOSE,
			node->timeout[SEMNET_TIMEOUT_TCP_CLOSE] / HZ) ||
	    nla_put_u32(skb, SEMNET_A_NODE_TIMEOUT_UDP,
			node->timeout[SEMNET_TIMEOUT_UDP] / HZ) ||
	    nla_put_u32(skb, SEMNET_A_NODE_TIMEOUT_ICMP,
			node->timeout[SEMNET_TIMEOUT_ICMP] / HZ) ||
	    nla_put_u16(skb, SEMNET_A_NODE_TUNNEL_PORT, node->tunnel_port) ||
	    nla_put_u32(skb, SEMNET_A_NODE_HOLD_PACKETS, node->hold_packets) ||
	    nla_put_u32(skb, SEMNET_A_NODE_HOLD_TOTAL, node->hold_total) ||
	    nla_put_u32(skb, SEMNET_A_NODE_HOLD_TIMEOUT,
			jiffies_to_msecs(node->hold_timeout)) ||
	    nla_put_u32(skb, SEMNET_A_NODE_MISS_INTERVAL,
			jiffies_to_msecs(node->miss_interval)) ||
	    nla_put_u32(skb, SEMNET_A_NODE_TIMEOUT_UNREPLIED,
			node->timeout[SEMNET_TIMEOUT_UNREPLIED] / HZ) ||
	    nla_put_u32(skb, SEMNET_A_NODE_UNREPLIED_MAX, node->unreplied_max))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int semnet_cmd_get_node(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct semnet_node copy;
	const struct semnet_node *node;

	rcu_read_lock();
	node = rcu_dereference(sn->node);
	if (node)
		copy = *node;
	rcu_read_unlock();
	if (!node) {
		NL_SET_ERR_MSG(info->extack, "this namespace has no node configuration");
		return -ENODATA;
	}
	return semnet_reply(info, SEMNET_CMD_GET_NODE, semnet_node_fill, &copy);
}

static int semnet_node_parse_subnets(struct semnet_node_cfg *cfg,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	const struct nlattr *sub;
	int rem, ret;

	cfg->n_subnets = 0;
	cfg->n_subnets6 = 0;
	nla_for_each_nested(sub, attr, rem) {
		struct semnet_prefix p;
		struct semnet_prefix6 p6;
		bool v6;

		if (nla_type(sub) != SEMNET_A_NODE_SUBNET) {
			NL_SET_ERR_MSG_ATTR(extack, sub, "subnets holds only subnet entries");
			return -EINVAL;
		}
		ret = semnet_get_prefix_any(&p, &p6, &v6, sub, extack);
		if (ret)
			return ret;
		if ((v6 ? cfg->n_subnets6 : cfg->n_subnets) == SEMNET_SUBNETS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, sub, "too many subnets");
			return -E2BIG;
		}
		if (v6)
			cfg->subnets6[cfg->n_subnets6++] = p6;
		else
			cfg->subnets[cfg->n_subnets++] = p;
	}
	/*
	 * The policy cannot see inside this nest (its entries are walked
	 * here): bytes that are no whole attribute would be dropped silently.
	 */
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "stray bytes after the subnets");
		return -EINVAL;
	}
	return 0;
}

/* Reads a SET_NODE request's node nest into @cfg; node.c has the rules. */
static int semnet_node_parse(struct semnet_node_cfg *cfg, struct nlattr **tb,
			     const struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	unsigned int i;
	int ret;

	BUILD_BUG_ON(SEMNET_A_NODE_MAX >= 32);
	cfg->nest = nest;
	cfg->attrs = tb;
	for (i = 1; i <= SEMNET_A_NODE_MAX; i++)
		if (tb[i])
			cfg->given |= BIT(i);
	if (tb[SEMNET_A_NODE_PLATFORM]) {
		ret = semnet_get_prefix(&cfg->platform, tb[SEMNET_A_NODE_PLATFORM],
					extack);
		if (ret)
			return ret;
	}
	if (tb[SEMNET_A_NODE_SERVICE_RANGE]) {
		ret = semnet_get_prefix(&cfg->services,
					tb[SEMNET_A_NODE_SERVICE_RANGE], extack);
		if (ret)
			return ret;
	}
	if (tb[SEMNET_A_NODE_SUBNETS]) {
		ret = semnet_node_parse_subnets(cfg, tb[SEMNET_A_NODE_SUBNETS],
						extack);
		if (ret)
			return ret;
	}
	if (tb[SEMNET_A_NODE_GATEWAY])
		cfg->gateway = nla_get_in_addr(tb[SEMNET_A_NODE_GATEWAY]);
	if (tb[SEMNET_A_NODE_PLATFORM6]) {
		ret = semnet_get_prefix6(&cfg->platform6,
					 tb[SEMNET_A_NODE_PLATFORM6], extack);
		if (ret)
			return ret;
	}
	if (tb[SEMNET_A_NODE_SERVICE_RANGE6]) {
		ret = semnet_get_prefix6(&cfg->services6,
					 tb[SEMNET_A_NODE_SERVICE_RANGE6], extack);
		if (ret)
			return ret;
	}
	if (tb[SEMNET_A_NODE_GATEWAY6])
		cfg->gateway6 = nla_get_in6_addr(tb[SEMNET_A_NODE_GATEWAY6]);
	if (tb[SEMNET_A_NODE_BRIDGE])
		cfg->bridge_ifindex = nla_get_u32(tb[SEMNET_A_NODE_BRIDGE]);
	if (tb[SEMNET_A_NODE_MODE])
		cfg->mode = nla_get_u32(tb[SEMNET_A_NODE_MODE]);
	if (tb[SEMNET_A_NODE_FLOW_MAX])
		cfg->flow_max = nla_get_u32(tb[SEMNET_A_NODE_FLOW_MAX]);
	if (tb[SEMNET_A_NODE_UNREPLIED_MAX])
		cfg->unreplied_max = nla_get_u32(tb[SEMNET_A_NODE_UNREPLIED_MAX]);
	if (tb[SEMNET_A_NODE_TUNNEL_PORT])
		cfg->tunnel_port = nla_get_u16(tb[SEMNET_A_NODE_TUNNEL_PORT]);
	if (tb[SEMNET_A_NODE_HOLD_PACKETS])
		cfg->hold_packets = nla_get_u32(tb[SEMNET_A_NODE_HOLD_PACKETS]);
	if (tb[SEMNET_A_NODE_HOLD_TOTAL])
		cfg->hold_total = nla_get_u32(tb[SEMNET_A_NODE_HOLD_TOTAL]);
	if (tb[SEMNET_A_NODE_HOLD_TIMEOUT])
		cfg->hold_timeout_ms = nla_get_u32(tb[SEMNET_A_NODE_HOLD_TIMEOUT]);
	if (tb[SEMNET_A_NODE_MISS_INTERVAL])
		cfg->miss_interval_ms = nla_get_u32(tb[SEMNET_A_NODE_MISS_INTERVAL]);
	for (i = 0; i < SEMNET_TIMEOUT_COUNT; i++)
		if (tb[semnet_node_timeout_attr[i]])
			cfg->timeout[i] = nla_get_u32(tb[semnet_node_timeout_attr[i]]);
	return 0;
}

static int semnet_cmd_set_node(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_NODE_MAX + 1];
	struct semnet_node_cfg cfg = {};
	struct semnet_node *node;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_NODE)) {
		NL_SET_ERR_MSG(info->extack, "missing the node attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_NODE_MAX, info->attrs[SEMNET_A_NODE],
				semnet_node_policy, extack);
	if (ret)
		return ret;
	ret = semnet_node_parse(&cfg, tb, info->attrs[SEMNET_A_NODE], extack);
	if (ret)
		return ret;

	mutex_lock(&sn->lock);
	node = semnet_node_build(sn, &cfg, extack);
	if (IS_ERR(node))
		ret = PTR_ERR(node);
	else
		ret = semnet_node_set(sn, node, extack);	/* takes @node */
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_del_node(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	int ret = 0;

	mutex_lock(&sn->lock);
	if (rcu_access_pointer(sn->node)) {
		semnet_node_del(sn);
	} else {
		NL_SET_ERR_MSG(info->extack, "this namespace has no node configuration");
		ret = -ENODATA;
	}
	mutex_unlock(&sn->lock);
	return ret;
}

/* ------------------------------------------------------------- counters */

static int semnet_put_counters(struct sk_buff *skb, int type,
			       const struct semnet_counters *c)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SEMNET_A_COUNTERS_PACKETS,
			      atomic64_read(&c->packets), SEMNET_A_COUNTERS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_COUNTERS_BYTES,
			      atomic64_read(&c->bytes), SEMNET_A_COUNTERS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_COUNTERS_FLOWS,
			      atomic64_read(&c->flows), SEMNET_A_COUNTERS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* ----------------------------------------------------------------- dumps */

/* Which flows a dump or flush takes: family 0 in either, no filter. */
struct semnet_flow_filter {
	struct semnet_inaddr service;
	struct semnet_inaddr instance;
	bool none;	/* a dump's filter no flow matches (see below) */
};

/* A dump's cursor and filters, kept in cb->args[0] across messages. */
struct semnet_dump {
	struct rhashtable_iter iter;
	struct rhashtable *next;	/* walked once @iter's table is done */
	bool on_next;			/* @iter walks the second table */
	char service[SEMNET_NAME_MAX];	/* instance filter by name */
	struct semnet_flow_filter flows;
};

static struct semnet_dump *semnet_dump_ctx(struct netlink_callback *cb)
{
	return (struct semnet_dump *)cb->args[0];
}

/* A dump of @table's objects, then of @next's (when not NULL). */
static int semnet_dump_start(struct netlink_callback *cb,
			     struct rhashtable *table, struct rhashtable *next)
{
	struct semnet_dump *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	rhashtable_walk_enter(table, &ctx->iter);
	ctx->next = next;
	cb->args[0] = (long)ctx;
	return 0;
}

static int semnet_dump_done(struct netlink_callback *cb)
{
	struct semnet_dump *ctx = semnet_dump_ctx(cb);

	if (ctx) {
		rhashtable_walk_exit(&ctx->iter);
		kfree(ctx);
	}
	return 0;
}

typedef int (*semnet_dump_fill_fn)(struct sk_buff *skb, void *obj,
				   struct semnet_dump *ctx);

/*
 * Emits one message per object, resuming where the last call stopped:
 * an object that did not fit is peeked again next time.
 */
static int semnet_dump_walk(struct sk_buff *skb, struct netlink_callback *cb,
			    u8 cmd, semnet_dump_fill_fn fill)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));
	struct semnet_dump *ctx = semnet_dump_ctx(cb);
	void *obj, *hdr;
	int ret = 0;

	cb->seq = READ_ONCE(sn->generation);
	rhashtable_walk_start(&ctx->iter);
	for (;;) {
		obj = rhashtable_walk_peek(&ctx->iter);
		if (!obj) {
			if (!ctx->next)
				break;
			/* This table is done: on to the next one. */
			rhashtable_walk_stop(&ctx->iter);
			rhashtable_walk_exit(&ctx->iter);
			rhashtable_walk_enter(ctx->next, &ctx->iter);
			ctx->next = NULL;
			ctx->on_next = true;
			rhashtable_walk_start(&ctx->iter);
			continue;
		}
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN) {
				/*
				 * Resized under us: the walk restarted and may
				 * repeat objects; flag the dump as interrupted.
				 */
				cb->seq++;
				continue;
			}
			ret = PTR_ERR(obj);
			break;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &semnet_genl_family,
				  NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		ret = fill(skb, obj, ctx);
		if (ret && ret != -ENOENT) {
			/* Full: this object opens the next message. */
			genlmsg_cancel(skb, hdr);
			ret = 0;
			break;
		}
		if (ret)	/* -ENOENT: filtered out */
			genlmsg_cancel(skb, hdr);
		else
			genlmsg_end(skb, hdr);
		ret = 0;
		rhashtable_walk_next(&ctx->iter);
	}
	rhashtable_walk_stop(&ctx->iter);
	if (ret)
		return ret;
	return skb->len;
}

/* --------------------------------------------------------------- batches */

typedef int (*semnet_entry_fn)(struct semnet_net *sn, const struct nlattr *entry,
			       enum semnet_add_mode mode,
			       struct semnet_batch *batch,
			       struct netlink_ext_ack *extack);

/*
 * Applies the entries of a batch (SEMNET_A_SERVICES, SEMNET_A_INSTANCES)
 * in order under one hold of the lock, stopping at the first that fails;
 * the UAPI header has the contract. The family's policy sees a batch as a
 * plain nest: entries are checked against their object's policy one by
 * one, as they come, so that a bad entry fails where it is and not the
 * whole request before anything is applied.
 */
static int semnet_batch_apply(struct genl_info *info, int list, int type,
			      semnet_entry_fn apply)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	enum semnet_add_mode mode = semnet_add_mode(info->nlhdr->nlmsg_flags);
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *entry, *bad;
	struct semnet_batch batch;
	unsigned int applied = 0;
	int rem, ret = 0;

	/* Its shape first, so that a stray byte fails before any entry. */
	nla_for_each_nested(entry, info->attrs[list], rem) {
		if (nla_type(entry) != type) {
			NL_SET_ERR_MSG_ATTR(extack, entry,
					    "a batch holds entries of its one kind");
			return -EINVAL;
		}
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[list],
				    "stray bytes after the last entry");
		return -EINVAL;
	}

	semnet_batch_init(&batch);
	mutex_lock(&sn->lock);
	nla_for_each_nested(entry, info->attrs[list], rem) {
		ret = apply(sn, entry, mode, &batch, extack);
		if (ret) {
			/* The error points inside the entry that failed. */
			bad = extack->bad_attr;
			if (!bad || (const void *)bad < (const void *)entry ||
			    (const void *)bad >= nla_data(entry) + nla_len(entry))
				NL_SET_BAD_ATTR(extack, entry);
			break;
		}
		applied++;
		cond_resched();
	}
	semnet_batch_commit(sn, &batch);
	mutex_unlock(&sn->lock);
	if (applied)
		semnet_miss_release(sn);
	return ret;
}

/*
 * An object's key: exactly one of its IPv4 attribute @type and IPv6 twin
 * @type6 in @tb (of @nest). -EINVAL, extack set, otherwise.
 */
static int semnet_get_key(struct semnet_inaddr *key, struct nlattr **tb,
			  int type, int type6, const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct in6_addr addr6;

	if (tb[type] && tb[type6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[type6],
				    "one address, IPv4 or IPv6, not both");
		return -EINVAL;
	}
	if (tb[type6]) {
		addr6 = nla_get_in6_addr(tb[type6]);
		*key = semnet_inaddr6(&addr6);
		return 0;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, type)) {
		NL_SET_ERR_MSG(extack, "the object's address is missing");
		return -EINVAL;
	}
	*key = semnet_inaddr4(nla_get_in_addr(tb[type]));
	return 0;
}

/* --------------------------------------------------------------- service */
static int semnet_service_fill(struct sk_buff *skb, void *obj,
			       struct semnet_dump *ctx)
{
	const struct semnet_service *svc = obj;
	struct nlattr *nest = nla_nest_start(skb, SEMNET_A_SERVICE);

	if (!nest)
		return -EMSGSIZE;
	if ((svc->family == AF_INET6 ?
	     nla_put_in6_addr(skb, SEMNET_A_SERVICE_ADDR6, &svc->addr6) :
	     nla_put_in_addr(skb, SEMNET_A_SERVICE_ADDR, svc->addr)) ||
	    nla_put_string(skb, SEMNET_A_SERVICE_NAME, svc->group->name) ||
	    nla_put_string(skb, SEMNET_A_SERVICE_POLICY, svc->policy->name) ||
	    nla_put_u32(skb, SEMNET_A_SERVICE_INSTANCES,
			READ_ONCE(svc->group->n_instances)) ||
	    semnet_put_counters(skb, SEMNET_A_SERVICE_COUNTERS, &svc->counters)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_service_reply_fill(struct sk_buff *skb, struct genl_info *info,
				     void *obj)
{
	return semnet_service_fill(skb, obj, NULL);
}

static int semnet_service_attrs(struct genl_info *info,
				struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_SERVICE)) {
		NL_SET_ERR_MSG(info->extack, "missing the service attributes");
		return -EINVAL;
	}
	return semnet_parse_nest(tb, SEMNET_A_SERVICE_MAX,
				 info->attrs[SEMNET_A_SERVICE],
				 semnet_service_policy, info->extack);
}

/* Adds or changes the service of one NEW_SERVICE nest, under the lock. */
static int semnet_service_entry(struct semnet_net *sn, const struct nlattr *entry,
				enum semnet_add_mode mode,
				struct semnet_batch *batch,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	struct semnet_service_cfg cfg = { .attrs = tb };
	struct semnet_inaddr key;
	int ret;

	ret = semnet_parse_nest(tb, SEMNET_A_SERVICE_MAX, entry,
				semnet_service_policy, extack);
	if (ret)
		return ret;
	ret = semnet_get_key(&key, tb, SEMNET_A_SERVICE_ADDR,
			     SEMNET_A_SERVICE_ADDR6, entry, extack);
	if (ret)
		return ret;
	cfg.family = key.family;
	if (key.family == AF_INET6)
		cfg.addr6 = key.ip6;
	else
		cfg.addr = key.ip;
	if (tb[SEMNET_A_SERVICE_NAME])
		cfg.name = nla_data(tb[SEMNET_A_SERVICE_NAME]);
	if (tb[SEMNET_A_SERVICE_POLICY])
		cfg.policy = nla_data(tb[SEMNET_A_SERVICE_POLICY]);
	return semnet_service_configure(sn, &cfg, mode, extack);
}

static int semnet_cmd_new_service(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	int ret;

	if (info->attrs[SEMNET_A_SERVICES])
		return semnet_batch_apply(info, SEMNET_A_SERVICES,
					  SEMNET_A_SERVICE, semnet_service_entry);
	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_SERVICE)) {
		NL_SET_ERR_MSG(info->extack, "missing the service attributes");
		return -EINVAL;
	}
	mutex_lock(&sn->lock);
	ret = semnet_service_entry(sn, info->attrs[SEMNET_A_SERVICE],
				   semnet_add_mode(info->nlhdr->nlmsg_flags),
				   NULL, info->extack);
	mutex_unlock(&sn->lock);
	if (!ret)
		semnet_miss_release(sn);
	return ret;
}

static int semnet_cmd_del_service(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	int ret;

	struct semnet_inaddr key;

	ret = semnet_service_attrs(info, tb);
	if (ret)
		return ret;
	ret = semnet_get_key(&key, tb, SEMNET_A_SERVICE_ADDR,
			     SEMNET_A_SERVICE_ADDR6, info->attrs[SEMNET_A_SERVICE], info->extack);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	ret = semnet_service_del_key(sn, &key, info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	struct semnet_service *svc;
	struct semnet_inaddr key;
	int ret;

	ret = semnet_service_attrs(info, tb);
	if (ret)
		return ret;
	ret = semnet_get_key(&key, tb, SEMNET_A_SERVICE_ADDR,
			     SEMNET_A_SERVICE_ADDR6, info->attrs[SEMNET_A_SERVICE], info->extack);
	if (ret)
		return ret;
	/* The lock keeps the service alive while the reply is built. */
	mutex_lock(&sn->lock);
	svc = semnet_service_find_key(sn, &key);
	if (svc) {
		ret = semnet_reply(info, SEMNET_CMD_GET_SERVICE,
				   semnet_service_reply_fill, svc);
	} else {
		NL_SET_ERR_MSG(info->extack, "no service with this address");
		ret = -ENOENT;
	}
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_service_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));

	return semnet_dump_start(cb, &sn->services, &sn->services6);
}

static int semnet_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return semnet_dump_walk(skb, cb, SEMNET_CMD_GET_SERVICE,
				semnet_service_fill);
}

static int semnet_cmd_flush_services(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));

	mutex_lock(&sn->lock);
	semnet_service_flush(sn);
	mutex_unlock(&sn->lock);
	return 0;
}

/* -------------------------------------------------------------- instance */

static int semnet_instance_fill(struct sk_buff *skb, void *obj,
				struct semnet_dump *ctx)
{
	const struct semnet_instance *inst = obj;
	struct nlattr *nest;

	if (ctx && ctx->service[0] && strcmp(ctx->service, inst->group->name))
		return -ENOENT;
	nest = nla_nest_start(skb, SEMNET_A_INSTANCE);
	if (!nest)
		return -EMSGSIZE;
	if ((inst->family == AF_INET6 ?
	     nla_put_in6_addr(skb, SEMNET_A_INSTANCE_ADDR6, &inst->addr6) ||
	     nla_put_in6_addr(skb, SEMNET_A_INSTANCE_NSIP6, &inst->nsip6) :
	     nla_put_in_addr(skb, SEMNET_A_INSTANCE_ADDR, inst->addr) ||
	     nla_put_in_addr(skb, SEMNET_A_INSTANCE_NSIP, inst->nsip)) ||
	    nla_put_string(skb, SEMNET_A_INSTANCE_SERVICE, inst->group->name) ||
	    nla_put_in_addr(skb, SEMNET_A_INSTANCE_NODE, READ_ONCE(inst->node_addr)) ||
	    nla_put_u32(skb, SEMNET_A_INSTANCE_IFINDEX, READ_ONCE(inst->ifindex)) ||
	    (READ_ONCE(inst->local) && nla_put_flag(skb, SEMNET_A_INSTANCE_LOCAL)) ||
	    nla_put_u32(skb, SEMNET_A_INSTANCE_COST, READ_ONCE(inst->cost)) ||
	    nla_put_u8(skb, SEMNET_A_INSTANCE_DOWN, READ_ONCE(inst->down)) ||
	    semnet_put_counters(skb, SEMNET_A_INSTANCE_COUNTERS, &inst->counters)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_instance_reply_fill(struct sk_buff *skb, struct genl_info *info,
				      void *obj)
{
	return semnet_instance_fill(skb, obj, NULL);
}

static int semnet_instance_attrs(struct genl_info *info, struct nlattr **tb,
				 struct semnet_inaddr *key)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_INSTANCE)) {
		NL_SET_ERR_MSG(info->extack, "missing the instance attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_INSTANCE_MAX,
				info->attrs[SEMNET_A_INSTANCE],
				semnet_instance_policy, info->extack);
	if (ret)
		return ret;
	if (!key)
		return 0;
	return semnet_get_key(key, tb, SEMNET_A_INSTANCE_ADDR,
			      SEMNET_A_INSTANCE_ADDR6,
			      info->attrs[SEMNET_A_INSTANCE], info->extack);
}

/*
 * Adds or changes the instance of one NEW_INSTANCE nest, under the lock;
 * @batch: part of one (NULL: alone).
 */
static int semnet_instance_entry(struct semnet_net *sn, const struct nlattr *entry,
				 enum semnet_add_mode mode,
				 struct semnet_batch *batch,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnet_instance_cfg cfg = { .attrs = tb, .batch = batch };
	struct semnet_inaddr key;
	unsigned int i;
	int ret;

	ret = semnet_parse_nest(tb, SEMNET_A_INSTANCE_MAX, entry,
				semnet_instance_policy, extack);
	if (ret)
		return ret;
	ret = semnet_get_key(&key, tb, SEMNET_A_INSTANCE_ADDR,
			     SEMNET_A_INSTANCE_ADDR6, entry, extack);
	if (ret)
		return ret;
	/* An instance's nsIP is of its InstanceIP's family. */
	if (tb[key.family == AF_INET6 ? SEMNET_A_INSTANCE_NSIP :
		SEMNET_A_INSTANCE_NSIP6]) {
		NL_SET_ERR_MSG_ATTR(extack,
				    tb[key.family == AF_INET6 ? SEMNET_A_INSTANCE_NSIP :
				       SEMNET_A_INSTANCE_NSIP6],
				    "the nsIP must be of the InstanceIP's family");
		return -EINVAL;
	}
	BUILD_BUG_ON(SEMNET_A_INSTANCE_MAX >= 32);
	for (i = 1; i <= SEMNET_A_INSTANCE_MAX; i++)
		if (tb[i])
			cfg.given |= BIT(i);
	cfg.family = key.family;
	if (key.family == AF_INET6)
		cfg.addr6 = key.ip6;
	else
		cfg.addr = key.ip;
	if (tb[SEMNET_A_INSTANCE_SERVICE])
		cfg.service = nla_data(tb[SEMNET_A_INSTANCE_SERVICE]);
	if (tb[SEMNET_A_INSTANCE_NSIP])
		cfg.nsip = nla_get_in_addr(tb[SEMNET_A_INSTANCE_NSIP]);
	if (tb[SEMNET_A_INSTANCE_NSIP6])
		cfg.nsip6 = nla_get_in6_addr(tb[SEMNET_A_INSTANCE_NSIP6]);
	if (tb[SEMNET_A_INSTANCE_NODE])
		cfg.node_addr = nla_get_in_addr(tb[SEMNET_A_INSTANCE_NODE]);
	if (tb[SEMNET_A_INSTANCE_IFINDEX])
		cfg.ifindex = nla_get_u32(tb[SEMNET_A_INSTANCE_IFINDEX]);
	return semnet_instance_configure(sn, &cfg, mode, extack);
}

static int semnet_cmd_new_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	int ret;

	if (info->attrs[SEMNET_A_INSTANCES])
		return semnet_batch_apply(info, SEMNET_A_INSTANCES,
					  SEMNET_A_INSTANCE, semnet_instance_entry);
	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_INSTANCE)) {
		NL_SET_ERR_MSG(info->extack, "missing the instance attributes");
		return -EINVAL;
	}
	mutex_lock(&sn->lock);
	ret = semnet_instance_entry(sn, info->attrs[SEMNET_A_INSTANCE],
				    semnet_add_mode(info->nlhdr->nlmsg_flags),
				    NULL, info->extack);
	mutex_unlock(&sn->lock);
	if (!ret)
		semnet_miss_release(sn);
	return ret;
}

static int semnet_cmd_del_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnet_inaddr key;
	int ret;

	ret = semnet_instance_attrs(info, tb, &key);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	ret = semnet_instance_del_key(sn, &key, info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_get_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnet_instance *inst;
	struct semnet_inaddr key;
	int ret;

	ret = semnet_instance_attrs(info, tb, &key);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	inst = semnet_instance_find_key(sn, &key);
	if (inst) {
		ret = semnet_reply(info, SEMNET_CMD_GET_INSTANCE,
				   semnet_instance_reply_fill, inst);
	} else {
		NL_SET_ERR_MSG(info->extack, "no instance with this address");
		ret = -ENOENT;
	}
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_instance_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));
	struct nlattr **attrs = semnet_dump_attrs(cb);
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	int ret;

	ret = semnet_dump_start(cb, &sn->instances, &sn->instances6);
	if (ret || !attrs[SEMNET_A_INSTANCE])
		return ret;
	ret = semnet_parse_nest(tb, SEMNET_A_INSTANCE_MAX,
				attrs[SEMNET_A_INSTANCE],
				semnet_instance_policy, cb->extack);
	if (!ret && tb[SEMNET_A_INSTANCE_SERVICE])
		nla_strscpy(semnet_dump_ctx(cb)->service,
			    tb[SEMNET_A_INSTANCE_SERVICE], SEMNET_NAME_MAX);
	return ret;
}

static int semnet_instance_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return semnet_dump_walk(skb, cb, SEMNET_CMD_GET_INSTANCE,
				semnet_instance_fill);
}

static int semnet_cmd_flush_instances(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	const char *service = NULL;
	int ret;

	if (info->attrs[SEMNET_A_INSTANCE]) {
		ret = semnet_instance_attrs(info, tb, NULL);
		if (ret)
			return ret;
		if (tb[SEMNET_A_INSTANCE_SERVICE])
			service = nla_data(tb[SEMNET_A_INSTANCE_SERVICE]);
	}
	mutex_lock(&sn->lock);
	semnet_instance_flush(sn, service);
	mutex_unlock(&sn->lock);
	return 0;
}

/* ------------------------------------------------------------------ flow */

/* True when @key (family 0: no filter) does not name @addr, @addr6. */
static bool semnet_flow_key_differs(const struct semnet_inaddr *key, u8 family,
				    __be32 addr, const struct in6_addr *addr6)
{
	if (key->family != family)
		return true;
	return family == AF_INET6 ? !ipv6_addr_equal(&key->ip6, addr6) :
	       key->ip != addr;
}

static bool semnet_flow_filtered(const struct semnet_flow *flow,
				 const struct semnet_flow_filter *f)
{
	const struct semnet_service *svc = flow->svc;
	const struct semnet_instance *inst = flow->inst;

	if (f->none)
		return true;
	if (f->service.family &&
	    (!svc || semnet_flow_key_differs(&f->service, svc->family,
					     svc->addr, &svc->addr6)))
		return true;
	if (f->instance.family &&
	    (!inst || semnet_flow_key_differs(&f->instance, inst->family,
					      inst->addr, &inst->addr6)))
		return true;
	return false;
}

/*
 * What flows of both families report alike: the protocol, the ports as
 * sent (@sport, @dport) and as translated (@xsport, @xdport), the state,
 * clock and counters.
 */
static int semnet_flow_put_common(struct sk_buff *skb,
				  const struct semnet_flow *flow, u8 proto,
				  __be16 sport, __be16 dport,
				  __be16 xsport, __be16 xdport)
{
	long left = (long)(semnet_flow_expires(flow) - jiffies);

	if (nla_put_u8(skb, SEMNET_A_FLOW_PROTO, proto) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_SPORT, sport) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_DPORT, dport) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_XSPORT, xsport) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_XDPORT, xdport) ||
	    nla_put_u8(skb, SEMNET_A_FLOW_STATE, READ_ONCE(flow->state)) ||
	    nla_put_u32(skb, SEMNET_A_FLOW_EXPIRES,
			left > 0 ? jiffies_to_msecs(left) : 0) ||
	    nla_put_u64_64bit(skb, SEMNET_A_FLOW_PACKETS,
			      atomic64_read(&flow->packets), SEMNET_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_FLOW_BYTES,
			      atomic64_read(&flow->bytes), SEMNET_A_FLOW_PAD))
		return -EMSGSIZE;
	return 0;
}

/* An IPv4 flow, by its ORIG_PRE tuple (the others are skipped). */
static int semnet_flow4_fill(struct sk_buff *skb, struct semnet_ftuple *t,
			     const struct semnet_flow_filter *filter)
{
	const struct semnet_flow4 *flow4;
	const struct semnet_flow *flow;
	const struct semnet_fkey *o, *x;
	struct nlattr *nest;

	if (t->key.index != SEMNET_FT_ORIG_PRE)
		return -ENOENT;
	flow4 = semnet_ftuple_flow4(t);
	flow = &flow4->f;
	if (test_bit(SEMNET_FLOW_DEAD, &flow->flags) ||
	    semnet_flow_filtered(flow, filter))
		return -ENOENT;
	o = &t->key;
	x = &flow4->t[SEMNET_FT_ORIG_POST].key;	/* what ORIG_PRE makes */

	nest = nla_nest_start(skb, SEMNET_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, SEMNET_A_FLOW_SRC, o->src) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_DST, o->dst) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_XSRC, flow4->orig_xsrc) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_XDST, x->dst) ||
	    (flow->svc && nla_put_in_addr(skb, SEMNET_A_FLOW_SERVICE, flow->svc->addr)) ||
	    (flow->inst && nla_put_in_addr(skb, SEMNET_A_FLOW_INSTANCE, flow->inst->addr)) ||
	    semnet_flow_put_common(skb, flow, o->proto, o->sport, o->dport,
				   x->sport, x->dport)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* An IPv6 flow: the same with the IPv6 twins of the addresses. */
static int semnet_flow6_fill(struct sk_buff *skb, struct semnet_ftuple6 *t,
			     const struct semnet_flow_filter *filter)
{
	const struct semnet_flow6 *flow6;
	const struct semnet_flow *flow;
	const struct semnet_fkey6 *o, *x;
	struct nlattr *nest;

	if (t->key.index != SEMNET_FT_ORIG_PRE)
		return -ENOENT;
	flow6 = semnet_ftuple6_flow6(t);
	flow = &flow6->f;
	if (test_bit(SEMNET_FLOW_DEAD, &flow->flags) ||
	    semnet_flow_filtered(flow, filter))
		return -ENOENT;
	o = &t->key;
	x = &flow6->t[SEMNET_FT_ORIG_POST].key;

	nest = nla_nest_start(skb, SEMNET_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in6_addr(skb, SEMNET_A_FLOW_SRC6, &o->src) ||
	    nla_put_in6_addr(skb, SEMNET_A_FLOW_DST6, &o->dst) ||
	    nla_put_in6_addr(skb, SEMNET_A_FLOW_XSRC6, &flow6->orig_xsrc) ||
	    nla_put_in6_addr(skb, SEMNET_A_FLOW_XDST6, &x->dst) ||
	    (flow->svc &&
	     nla_put_in6_addr(skb, SEMNET_A_FLOW_SERVICE6, &flow->svc->addr6)) ||
	    (flow->inst &&
	     nla_put_in6_addr(skb, SEMNET_A_FLOW_INSTANCE6, &flow->inst->addr6)) ||
	    semnet_flow_put_common(skb, flow, o->proto, o->sport, o->dport,
				   x->sport, x->dport)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The dump walks the IPv4 tuples, then the IPv6 ones (ctx->on_next). */
static int semnet_flow_fill(struct sk_buff *skb, void *obj,
			    struct semnet_dump *ctx)
{
	if (ctx->on_next)
		return semnet_flow6_fill(skb, obj, &ctx->flows);
	return semnet_flow4_fill(skb, obj, &ctx->flows);
}

/*
 * The SERVICE and INSTANCE filters of @attr (NULL: none), each of either
 * family (the IPv4 attribute or its IPv6 twin, not both).
 */
/*
 * A request's flow filters. An address of both families for one filter
 * is refused; in a dump (@dump) it matches no flow instead, because 6.1
 * carries no extack message out of a dump's start.
 */
static int semnet_flow_filters(struct nlattr *attr, struct semnet_flow_filter *f,
			       bool dump, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_FLOW_MAX + 1];
	static const int keys[][2] = {
		{ SEMNET_A_FLOW_SERVICE, SEMNET_A_FLOW_SERVICE6 },
		{ SEMNET_A_FLOW_INSTANCE, SEMNET_A_FLOW_INSTANCE6 },
	};
	struct semnet_inaddr *out[] = { &f->service, &f->instance };
	unsigned int i;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!attr)
		return 0;
	ret = semnet_parse_nest(tb, SEMNET_A_FLOW_MAX, attr, semnet_flow_policy,
				extack);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (tb[keys[i][0]] && tb[keys[i][1]]) {
			if (dump) {
				f->none = true;
				continue;
			}
			NL_SET_ERR_MSG_ATTR(extack, tb[keys[i][1]],
					    "one address, IPv4 or IPv6, not both");
			return -EINVAL;
		}
		if (tb[keys[i][1]]) {
			struct in6_addr addr6 = nla_get_in6_addr(tb[keys[i][1]]);

			*out[i] = semnet_inaddr6(&addr6);
		} else if (tb[keys[i][0]]) {
			*out[i] = semnet_inaddr4(nla_get_in_addr(tb[keys[i][0]]));
		}
	}
	return 0;
}

static int semnet_flow_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));
	struct nlattr **attrs = semnet_dump_attrs(cb);
	struct semnet_flow_filter f;
	int ret;

	/* Before the cursor: .done is not called when .start fails. */
	ret = semnet_flow_filters(attrs[SEMNET_A_FLOW], &f, true, cb->extack);
	if (ret)
		return ret;
	ret = semnet_dump_start(cb, &sn->flows.tuples, &sn->flows.tuples6);
	if (ret)
		return ret;
	semnet_dump_ctx(cb)->flows = f;
	return 0;
}

static int semnet_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return semnet_dump_walk(skb, cb, SEMNET_CMD_GET_FLOW, semnet_flow_fill);
}

static bool semnet_flow_flush_match(const struct semnet_flow *flow,
				    const void *arg)
{
	return !semnet_flow_filtered(flow, arg);
}

static int semnet_cmd_flush_flows(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct semnet_flow_filter f;
	int ret;

	ret = semnet_flow_filters(info->attrs[SEMNET_A_FLOW], &f, false,
				  info->extack);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	semnet_flow_purge(sn, semnet_flow_flush_match, &f);
	mutex_unlock(&sn->lock);
	return 0;
}

/* ------------------------------------------------------------------ peer */

static int semnet_peer_fill(struct sk_buff *skb, void *obj,
			    struct semnet_dump *ctx)
{
	const struct semnet_peer *peer = obj;
	struct nlattr *nest = nla_nest_start(skb, SEMNET_A_PEER);
	int ifindex = READ_ONCE(peer->ifindex);

	if (!nest)
		return -EMSGSIZE;
	if ((peer->subnet.family == AF_INET6 ?
	     semnet_put_prefix6(skb, SEMNET_A_PEER_SUBNET, &peer->subnet.v6) :
	     semnet_put_prefix(skb, SEMNET_A_PEER_SUBNET, &peer->subnet.v4)) ||
	    (peer->under.family == AF_INET6 ?
	     nla_put_in6_addr(skb, SEMNET_A_PEER_ADDR6, &peer->under.ip6) :
	     nla_put_in_addr(skb, SEMNET_A_PEER_ADDR, peer->under.ip)) ||
	    nla_put_u16(skb, SEMNET_A_PEER_PORT, ntohs(peer->port)) ||
	    nla_put_u8(skb, SEMNET_A_PEER_ENCAP, peer->encap) ||
	    nla_put_u64_64bit(skb, SEMNET_A_PEER_TX_PACKETS,
			      atomic64_read(&peer->tx_packets), SEMNET_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_PEER_TX_BYTES,
			      atomic64_read(&peer->tx_bytes), SEMNET_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_PEER_RX_PACKETS,
			      atomic64_read(&peer->rx_packets), SEMNET_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_PEER_RX_BYTES,
			      atomic64_read(&peer->rx_bytes), SEMNET_A_PEER_PAD) ||
	    nla_put_u32(skb, SEMNET_A_PEER_COST, READ_ONCE(peer->cost)) ||
	    nla_put_u8(skb, SEMNET_A_PEER_DOWN, READ_ONCE(peer->down)) ||
	    /* A bound device that is gone: its index, as gone. */
	    (ifindex >= 0 ?
	     nla_put_u32(skb, SEMNET_A_PEER_IFINDEX, ifindex) :
	     nla_put_u32(skb, SEMNET_A_PEER_IFINDEX_GONE, -ifindex)) ||
	    (peer->label && nla_put_string(skb, SEMNET_A_PEER_LABEL, peer->label))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Only printable ASCII: a label ends up on people's terminals. */
static bool semnet_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* A peer's subnet, of either family. */
static int semnet_get_peer_subnet(struct semnet_peer_subnet *sub,
				  const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	bool v6;
	int ret;

	ret = semnet_get_prefix_any(&sub->v4, &sub->v6, &v6, attr, extack);
	sub->family = v6 ? AF_INET6 : AF_INET;
	return ret;
}

/* The underlay address of a request: _ADDR or _ADDR6, never both. */
static int semnet_get_underlay(struct semnet_underlay *u, struct nlattr **tb,
			       struct netlink_ext_ack *extack)
{
	if (tb[SEMNET_A_PEER_ADDR] && tb[SEMNET_A_PEER_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_ADDR6],
				    "a peer has one underlay address: IPv4 or IPv6, not both");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PEER_ADDR6]) {
		u->family = AF_INET6;
		u->ip6 = nla_get_in6_addr(tb[SEMNET_A_PEER_ADDR6]);
	} else if (tb[SEMNET_A_PEER_ADDR]) {
		u->family = AF_INET;
		u->ip = nla_get_in_addr(tb[SEMNET_A_PEER_ADDR]);
	}
	return 0;
}

static int semnet_peer_attrs(struct genl_info *info, struct nlattr **tb,
			     struct semnet_peer_subnet *subnet)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_PEER)) {
		NL_SET_ERR_MSG(info->extack, "missing the peer attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_PEER_MAX, info->attrs[SEMNET_A_PEER],
				semnet_peer_policy, info->extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[SEMNET_A_PEER], tb,
			      SEMNET_A_PEER_SUBNET)) {
		NL_SET_ERR_MSG(info->extack, "which peer? (subnet missing)");
		return -EINVAL;
	}
	return semnet_get_peer_subnet(subnet, tb[SEMNET_A_PEER_SUBNET],
				      info->extack);
}

static int semnet_cmd_new_peer(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct semnet_peer_cfg cfg = { .attrs = tb };
	unsigned int i;
	int ret;

	ret = semnet_peer_attrs(info, tb, &cfg.subnet);
	if (ret)
		return ret;
	BUILD_BUG_ON(SEMNET_A_PEER_MAX >= 32);
	for (i = 1; i <= SEMNET_A_PEER_MAX; i++)
		if (tb[i])
			cfg.given |= BIT(i);
	ret = semnet_get_underlay(&cfg.under, tb, info->extack);
	if (ret)
		return ret;
	if (tb[SEMNET_A_PEER_PORT])
		cfg.port = nla_get_u16(tb[SEMNET_A_PEER_PORT]);
	if (tb[SEMNET_A_PEER_ENCAP])
		cfg.encap = nla_get_u8(tb[SEMNET_A_PEER_ENCAP]);
	if (tb[SEMNET_A_PEER_COST])
		cfg.cost = nla_get_u32(tb[SEMNET_A_PEER_COST]);
	if (tb[SEMNET_A_PEER_DOWN])
		cfg.down = nla_get_u8(tb[SEMNET_A_PEER_DOWN]);
	if (tb[SEMNET_A_PEER_IFINDEX])
		cfg.ifindex = nla_get_u32(tb[SEMNET_A_PEER_IFINDEX]);
	if (tb[SEMNET_A_PEER_LABEL]) {
		cfg.label = nla_data(tb[SEMNET_A_PEER_LABEL]);
		if (!semnet_printable(cfg.label)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SEMNET_A_PEER_LABEL],
					    "a peer label is printable ASCII only");
			return -EINVAL;
		}
	}

	mutex_lock(&sn->lock);
	ret = semnet_peer_configure(sn, &cfg,
				    semnet_add_mode(info->nlhdr->nlmsg_flags),
				    info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_del_peer(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct semnet_peer_subnet subnet;
	int ret;

	ret = semnet_peer_attrs(info, tb, &subnet);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	ret = semnet_peer_del(sn, &subnet, info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

/*
 * SET_PEER: the cost and/or down state of one peer (by subnet) or of every
 * peer of one node (by underlay address). Only those two may be given, and
 * at least one of them.
 */
static int semnet_cmd_set_peer(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct semnet_peer_state st = {};
	struct semnet_peer_subnet subnet;
	struct semnet_underlay addr = {};
	bool by_addr;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_PEER)) {
		NL_SET_ERR_MSG(extack, "missing the peer attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_PEER_MAX, info->attrs[SEMNET_A_PEER],
				semnet_peer_policy, extack);
	if (ret)
		return ret;
	by_addr = tb[SEMNET_A_PEER_ADDR] || tb[SEMNET_A_PEER_ADDR6];
	if (!tb[SEMNET_A_PEER_SUBNET] == !by_addr) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[SEMNET_A_PEER],
				    "which peer? (give its subnet or its node's underlay address, one of them)");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PEER_PORT] || tb[SEMNET_A_PEER_ENCAP] ||
	    tb[SEMNET_A_PEER_IFINDEX] || tb[SEMNET_A_PEER_LABEL]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_PORT] ?:
				    tb[SEMNET_A_PEER_ENCAP] ?:
				    tb[SEMNET_A_PEER_IFINDEX] ?:
				    tb[SEMNET_A_PEER_LABEL],
				    "only cost and down can be set (NEW_PEER changes the rest)");
		return -EINVAL;
	}
	if (!tb[SEMNET_A_PEER_COST] && !tb[SEMNET_A_PEER_DOWN]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[SEMNET_A_PEER],
				    "nothing to set (give the cost and/or down)");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PEER_SUBNET])
		ret = semnet_get_peer_subnet(&subnet, tb[SEMNET_A_PEER_SUBNET],
					     extack);
	else
		ret = semnet_get_underlay(&addr, tb, extack);
	if (ret)
		return ret;
	if (tb[SEMNET_A_PEER_COST]) {
		st.set_cost = true;
		st.cost = nla_get_u32(tb[SEMNET_A_PEER_COST]);
	}
	if (tb[SEMNET_A_PEER_DOWN]) {
		st.set_down = true;
		st.down = nla_get_u8(tb[SEMNET_A_PEER_DOWN]);
	}
	mutex_lock(&sn->lock);
	ret = semnet_peer_set(sn, tb[SEMNET_A_PEER_SUBNET] ? &subnet : NULL,
			      &addr, &st, extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_peer_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));

	return semnet_dump_start(cb, &sn->peers, &sn->peers6);
}

static int semnet_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return semnet_dump_walk(skb, cb, SEMNET_CMD_GET_PEER, semnet_peer_fill);
}

static int semnet_cmd_flush_peers(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));

	mutex_lock(&sn->lock);
	semnet_peer_flush(sn);
	mutex_unlock(&sn->lock);
	return 0;
}

/* ----------------------------------------------------------------- stats */

static int semnet_stats_fill(struct sk_buff *skb, struct genl_info *info,
			     void *arg)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct semnet_stats *sum = arg;
	struct nlattr *nest, *drops;
	int i;

	nest = nla_nest_start(skb, SEMNET_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SEMNET_A_STATS_FLOWS, atomic_read(&sn->flows.count)) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_FLOWS_CREATED, sum->flows_created,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_FLOWS_EXPIRED, sum->flows_expired,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_PORT_REMAPS, sum->port_remaps,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_PACKETS, sum->packets,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u32(skb, SEMNET_A_STATS_SERVICES, READ_ONCE(sn->n_services)) ||
	    nla_put_u32(skb, SEMNET_A_STATS_INSTANCES, READ_ONCE(sn->n_instances)) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_MISSES, sum->misses,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_MISS_EVENTS, sum->miss_events,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u32(skb, SEMNET_A_STATS_HELD, semnet_miss_held(sn)) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_RELEASED, sum->released,
			      SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_CLOSEST_PURGED,
			      sum->closest_purged, SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_EARLY_DROPS,
			      sum->early_drops, SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_MISS_EVICTED,
			      sum->miss_evicted, SEMNET_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_STATS_FORWARDED,
			      sum->forwarded, SEMNET_A_STATS_PAD))
		goto err;
	drops = nla_nest_start(skb, SEMNET_A_STATS_DROPS);
	if (!drops)
		goto err;
	/* Attribute type = drop reason; the pad type is the unused 0. */
	for (i = 1; i <= SEMNET_DROP_MAX; i++)
		if (nla_put_u64_64bit(skb, i, sum->drops[i], 0))
			goto err;
	nla_nest_end(skb, drops);
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int semnet_cmd_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct semnet_stats *sum;
	int ret;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	semnet_stats_sum(sn, sum);
	ret = semnet_reply(info, SEMNET_CMD_GET_STATS, semnet_stats_fill, sum);
	kfree(sum);
	return ret;
}

/* ---------------------------------------------------------------- events */

enum semnet_mcgrp {
	SEMNET_MCGRP_MISSES_ID,
};

static const struct genl_multicast_group semnet_mcgrps[] = {
	[SEMNET_MCGRP_MISSES_ID] = {
		.name = SEMNET_MCGRP_MISSES,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		/* 6.6+: events name addresses; only admins may listen. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static int semnet_miss_fill(struct sk_buff *skb,
			    const struct semnet_miss_event *ev)
{
	struct nlattr *nest = nla_nest_start(skb, SEMNET_A_MISS);

	if (!nest ||
	    (ev->addr.family == AF_INET6 ?
	     nla_put_in6_addr(skb, SEMNET_A_MISS_ADDR6, &ev->addr.ip6) ||
	     nla_put_in6_addr(skb, SEMNET_A_MISS_SRC6, &ev->src.ip6) :
	     nla_put_in_addr(skb, SEMNET_A_MISS_ADDR, ev->addr.ip) ||
	     nla_put_in_addr(skb, SEMNET_A_MISS_SRC, ev->src.ip)) ||
	    nla_put_u8(skb, SEMNET_A_MISS_KIND, ev->kind) ||
	    nla_put_u8(skb, SEMNET_A_MISS_PROTO, ev->proto) ||
	    nla_put_be16(skb, SEMNET_A_MISS_DPORT, ev->dport) ||
	    nla_put_u32(skb, SEMNET_A_MISS_HELD, ev->held) ||
	    nla_put_u32(skb, SEMNET_A_MISS_SUPPRESSED, ev->suppressed))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The family is registered: events may be sent. Cleared (and waited for
 * with RCU) before the family goes, whose multicast group ids another
 * family may get next.
 */
static bool semnet_genl_up;

/* Packet path (atomic): nothing is built when nobody listens. */
void semnet_nl_miss_event(struct semnet_net *sn,
			  const struct semnet_miss_event *ev)
{
	struct sk_buff *msg;
	void *hdr;

	rcu_read_lock();
	if (!READ_ONCE(semnet_genl_up) ||
	    !genl_has_listeners(&semnet_genl_family, sn->net,
				SEMNET_MCGRP_MISSES_ID))
		goto out;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		goto out;
	hdr = genlmsg_put(msg, 0, 0, &semnet_genl_family, 0, SEMNET_CMD_MISS);
	if (!hdr || semnet_miss_fill(msg, ev)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&semnet_genl_family, sn->net, msg, 0,
				SEMNET_MCGRP_MISSES_ID, GFP_ATOMIC);
out:
	rcu_read_unlock();
}

/* ------------------------------------------------------------- the family */

#define SEMNET_ADMIN GENL_UNS_ADMIN_PERM

static const struct genl_ops semnet_genl_ops[] = {
	{ .cmd = SEMNET_CMD_GET_INFO, .doit = semnet_cmd_get_info },
	{ .cmd = SEMNET_CMD_SET_NODE, .doit = semnet_cmd_set_node,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_GET_NODE, .doit = semnet_cmd_get_node },
	{ .cmd = SEMNET_CMD_DEL_NODE, .doit = semnet_cmd_del_node,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_NEW_SERVICE, .doit = semnet_cmd_new_service,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_DEL_SERVICE, .doit = semnet_cmd_del_service,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_GET_SERVICE, .doit = semnet_cmd_get_service,
	  .start = semnet_service_dump_start, .dumpit = semnet_service_dump,
	  .done = semnet_dump_done },
	{ .cmd = SEMNET_CMD_FLUSH_SERVICES, .doit = semnet_cmd_flush_services,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_NEW_INSTANCE, .doit = semnet_cmd_new_instance,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_DEL_INSTANCE, .doit = semnet_cmd_del_instance,
	  .flags = SEMNET_ADMIN },
	/*
	 * Instances, flows and peers tell who talks to whom and where the
	 * nodes are: only admins of the namespace read them, as conntrack's
	 * and IPVS's tables. Services, the node and counters stay readable.
	 */
	{ .cmd = SEMNET_CMD_GET_INSTANCE, .doit = semnet_cmd_get_instance,
	  .start = semnet_instance_dump_start, .dumpit = semnet_instance_dump,
	  .done = semnet_dump_done, .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_FLUSH_INSTANCES, .doit = semnet_cmd_flush_instances,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_GET_FLOW, .start = semnet_flow_dump_start,
	  .dumpit = semnet_flow_dump, .done = semnet_dump_done,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_FLUSH_FLOWS, .doit = semnet_cmd_flush_flows,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_GET_STATS, .doit = semnet_cmd_get_stats },
	{ .cmd = SEMNET_CMD_NEW_PEER, .doit = semnet_cmd_new_peer,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_DEL_PEER, .doit = semnet_cmd_del_peer,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_GET_PEER, .start = semnet_peer_dump_start,
	  .dumpit = semnet_peer_dump, .done = semnet_dump_done,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_FLUSH_PEERS, .doit = semnet_cmd_flush_peers,
	  .flags = SEMNET_ADMIN },
	{ .cmd = SEMNET_CMD_SET_PEER, .doit = semnet_cmd_set_peer,
	  .flags = SEMNET_ADMIN },
};

static struct genl_family semnet_genl_family __ro_after_init = {
	.name = SEMNET_GENL_NAME,
	.version = SEMNET_GENL_VERSION,
	.maxattr = SEMNET_A_MAX,
	.policy = semnet_genl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = semnet_genl_ops,
	.n_ops = ARRAY_SIZE(semnet_genl_ops),
	.mcgrps = semnet_mcgrps,
	.n_mcgrps = ARRAY_SIZE(semnet_mcgrps),
	.resv_start_op = SEMNET_CMD_MAX + 1,
};

int __init semnet_genl_init(void)
{
	int ret = genl_register_family(&semnet_genl_family);

	if (!ret)
		WRITE_ONCE(semnet_genl_up, true);
	return ret;
}

void semnet_genl_exit(void)
{
	WRITE_ONCE(semnet_genl_up, false);
	synchronize_rcu();	/* events being sent are done */
	genl_unregister_family(&semnet_genl_family);
}
