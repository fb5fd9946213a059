// SPDX-License-Identifier: GPL-2.0
/*
 * The "semnet" generic-netlink family: the one configuration interface.
 * Requests act on the network namespace of the requesting socket; changes
 * need CAP_NET_ADMIN there. Every rejection says why (extack). Dumps walk
 * the hash tables with a cursor kept across messages and flag a dump that
 * raced with a change (NLM_F_DUMP_INTR).
 */
#include <linux/if_bridge.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <uapi/linux/semnet.h>

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
	[SEMNET_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 32),
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

static const struct nla_policy semnet_node_policy[SEMNET_A_NODE_MAX + 1] = {
	[SEMNET_A_NODE_PLATFORM] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_SERVICE_RANGE] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_NODE_SUBNETS] = { .type = NLA_NESTED },
	[SEMNET_A_NODE_SUBNET] = { .type = NLA_REJECT },
	[SEMNET_A_NODE_GATEWAY] = { .type = NLA_BE32 },
	[SEMNET_A_NODE_BRIDGE] = NLA_POLICY_MIN(NLA_U32, 1),
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
};

static const struct nla_policy semnet_service_policy[SEMNET_A_SERVICE_MAX + 1] = {
	[SEMNET_A_SERVICE_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_SERVICE_NAME] = { .type = NLA_NUL_STRING, .len = SEMNET_NAME_MAX - 1 },
	[SEMNET_A_SERVICE_POLICY] = { .type = NLA_NUL_STRING,
				      .len = SEMNET_POLICY_NAME_MAX - 1 },
	[SEMNET_A_SERVICE_INSTANCES] = { .type = NLA_REJECT },
	[SEMNET_A_SERVICE_COUNTERS] = { .type = NLA_REJECT },
};

static const struct nla_policy semnet_instance_policy[SEMNET_A_INSTANCE_MAX + 1] = {
	[SEMNET_A_INSTANCE_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_SERVICE] = { .type = NLA_NUL_STRING, .len = SEMNET_NAME_MAX - 1 },
	[SEMNET_A_INSTANCE_NSIP] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_NODE] = { .type = NLA_BE32 },
	[SEMNET_A_INSTANCE_LOCAL] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_COUNTERS] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_IFINDEX] = { .type = NLA_U32 },
	[SEMNET_A_INSTANCE_COST] = { .type = NLA_REJECT },
	[SEMNET_A_INSTANCE_DOWN] = { .type = NLA_REJECT },
};

static const struct nla_policy semnet_peer_policy[SEMNET_A_PEER_MAX + 1] = {
	[SEMNET_A_PEER_SUBNET] = NLA_POLICY_NESTED(semnet_prefix_policy),
	[SEMNET_A_PEER_ADDR] = { .type = NLA_BE32 },
	[SEMNET_A_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SEMNET_A_PEER_ENCAP] = NLA_POLICY_MAX(NLA_U8, SEMNET_ENCAP_IPUDP),
	[SEMNET_A_PEER_TX_PACKETS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_TX_BYTES] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_RX_PACKETS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_RX_BYTES] = { .type = NLA_REJECT },
	[SEMNET_A_PEER_COST] = { .type = NLA_U32 },
	[SEMNET_A_PEER_DOWN] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy semnet_flow_policy[SEMNET_A_FLOW_MAX + 1] = {
	[SEMNET_A_FLOW_SERVICE] = { .type = NLA_BE32 },
	[SEMNET_A_FLOW_INSTANCE] = { .type = NLA_BE32 },
};

static const struct nla_policy semnet_genl_policy[SEMNET_A_MAX + 1] = {
	[SEMNET_A_INFO] = { .type = NLA_REJECT },
	[SEMNET_A_NODE] = NLA_POLICY_NESTED(semnet_node_policy),
	[SEMNET_A_SERVICE] = NLA_POLICY_NESTED(semnet_service_policy),
	[SEMNET_A_INSTANCE] = NLA_POLICY_NESTED(semnet_instance_policy),
	[SEMNET_A_FLOW] = NLA_POLICY_NESTED(semnet_flow_policy),
	[SEMNET_A_STATS] = { .type = NLA_REJECT },
	[SEMNET_A_PEER] = NLA_POLICY_NESTED(semnet_peer_policy),
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

static int semnet_get_prefix(struct semnet_prefix *p, const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];
	int ret;

	ret = semnet_parse_nest(tb, SEMNET_A_PREFIX_MAX, attr,
				semnet_prefix_policy, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, attr, tb, SEMNET_A_PREFIX_ADDR) ||
	    NL_REQ_ATTR_CHECK(extack, attr, tb, SEMNET_A_PREFIX_LEN)) {
		NL_SET_ERR_MSG(extack, "a prefix needs an address and a length");
		return -EINVAL;
	}
	p->addr = nla_get_in_addr(tb[SEMNET_A_PREFIX_ADDR]);
	p->len = nla_get_u8(tb[SEMNET_A_PREFIX_LEN]);
	if (!semnet_prefix_valid(p)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "prefix has host bits set");
		return -EINVAL;
	}
	return 0;
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
	nla_nest_end(skb, subnets);
	if (nla_put_in_addr(skb, SEMNET_A_NODE_GATEWAY, node->gateway) ||
	    nla_put_u32(skb, SEMNET_A_NODE_BRIDGE, node->bridge_ifindex) ||
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

static int semnet_node_parse_subnets(struct semnet_node *node,
				     const struct nlattr *attr,
				     struct netlink_ext_ack *extack)
{
	const struct nlattr *sub;
	int rem, ret;

	node->n_subnets = 0;
	nla_for_each_nested(sub, attr, rem) {
		if (nla_type(sub) != SEMNET_A_NODE_SUBNET) {
			NL_SET_ERR_MSG_ATTR(extack, sub, "subnets holds only subnet entries");
			return -EINVAL;
		}
		if (node->n_subnets == SEMNET_SUBNETS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, sub, "too many subnets");
			return -E2BIG;
		}
		ret = semnet_get_prefix(&node->subnets[node->n_subnets], sub,
					extack);
		if (ret)
			return ret;
		node->n_subnets++;
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

static int semnet_cmd_set_node(struct sk_buff *skb, struct genl_info *info)
{
	static const struct {
		int attr;
		enum semnet_timeout timeout;
	} timeouts[] = {
		{ SEMNET_A_NODE_TIMEOUT_TCP, SEMNET_TIMEOUT_TCP },
		{ SEMNET_A_NODE_TIMEOUT_TCP_CLOSE, SEMNET_TIMEOUT_TCP_CLOSE },
		{ SEMNET_A_NODE_TIMEOUT_UDP, SEMNET_TIMEOUT_UDP },
		{ SEMNET_A_NODE_TIMEOUT_ICMP, SEMNET_TIMEOUT_ICMP },
		{ SEMNET_A_NODE_TIMEOUT_UNREPLIED, SEMNET_TIMEOUT_UNREPLIED },
	};
	struct net *net = genl_info_net(info);
	struct semnet_net *sn = semnet_pernet(net);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_NODE_MAX + 1];
	const struct semnet_node *old;
	struct semnet_node *node;
	struct net_device *dev;
	unsigned int i;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_NODE)) {
		NL_SET_ERR_MSG(info->extack, "missing the node attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_NODE_MAX, info->attrs[SEMNET_A_NODE],
				semnet_node_policy, extack);
	if (ret)
		return ret;
	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;

	mutex_lock(&sn->lock);
	old = rcu_dereference_protected(sn->node, lockdep_is_held(&sn->lock));
	if (old) {
		/* A change: what the request leaves out stays as it was. */
		*node = *old;
	} else {
		static const int required[] = {
			SEMNET_A_NODE_PLATFORM, SEMNET_A_NODE_SERVICE_RANGE,
			SEMNET_A_NODE_SUBNETS, SEMNET_A_NODE_GATEWAY,
			SEMNET_A_NODE_BRIDGE,
		};

		for (i = 0; i < ARRAY_SIZE(required); i++) {
			if (!tb[required[i]]) {
				NL_SET_ERR_MSG(extack,
					       "a new node needs platform, service range, subnets, gateway and bridge");
				NL_SET_ERR_ATTR_MISS(extack, info->attrs[SEMNET_A_NODE],
						     required[i]);
				ret = -EINVAL;
				goto err;
			}
		}
		node->flow_max = SEMNET_DEFAULT_FLOW_MAX;
		if (semnet_node_unprivileged(sn))
			node->flow_max = SEMNET_UNPRIV_FLOW_MAX;
		node->tunnel_port = SEMNET_TUNNEL_PORT;
		node->timeout[SEMNET_TIMEOUT_TCP] = SEMNET_DEFAULT_TIMEOUT_TCP * HZ;
		node->timeout[SEMNET_TIMEOUT_TCP_CLOSE] =
			SEMNET_DEFAULT_TIMEOUT_TCP_CLOSE * HZ;
		node->timeout[SEMNET_TIMEOUT_UDP] = SEMNET_DEFAULT_TIMEOUT_UDP * HZ;
		node->timeout[SEMNET_TIMEOUT_ICMP] = SEMNET_DEFAULT_TIMEOUT_ICMP * HZ;
		node->timeout[SEMNET_TIMEOUT_UNREPLIED] =
			SEMNET_DEFAULT_TIMEOUT_UNREPLIED * HZ;
		node->unreplied_max = SEMNET_DEFAULT_UNREPLIED_MAX;
		if (semnet_node_unprivileged(sn))
			node->unreplied_max = SEMNET_UNPRIV_UNREPLIED_MAX;
		node->hold_packets = SEMNET_DEFAULT_HOLD_PACKETS;
		node->hold_total = SEMNET_DEFAULT_HOLD_TOTAL;
		node->hold_timeout =
			msecs_to_jiffies(SEMNET_DEFAULT_HOLD_TIMEOUT_MS);
		node->miss_interval =
			msecs_to_jiffies(SEMNET_DEFAULT_MISS_INTERVAL_MS);
	}
	if (tb[SEMNET_A_NODE_PLATFORM]) {
		ret = semnet_get_prefix(&node->platform, tb[SEMNET_A_NODE_PLATFORM],
					extack);
		if (ret)
			goto err;
	}
	if (tb[SEMNET_A_NODE_SERVICE_RANGE]) {
		ret = semnet_get_prefix(&node->services,
					tb[SEMNET_A_NODE_SERVICE_RANGE], extack);
		if (ret)
			goto err;
	}
	if (tb[SEMNET_A_NODE_SUBNETS]) {
		ret = semnet_node_parse_subnets(node, tb[SEMNET_A_NODE_SUBNETS],
						extack);
		if (ret)
			goto err;
	}
	if (tb[SEMNET_A_NODE_GATEWAY])
		node->gateway = nla_get_in_addr(tb[SEMNET_A_NODE_GATEWAY]);
	if (tb[SEMNET_A_NODE_BRIDGE]) {
		node->bridge_ifindex = nla_get_u32(tb[SEMNET_A_NODE_BRIDGE]);
		rcu_read_lock();
		dev = dev_get_by_index_rcu(net, node->bridge_ifindex);
		ret = !dev ? -ENODEV : !netif_is_bridge_master(dev) ? -EINVAL : 0;
		rcu_read_unlock();
		if (ret == -ENODEV) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_NODE_BRIDGE],
					    "no such bridge device");
			goto err;
		} else if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_NODE_BRIDGE],
					    "not a bridge device");
			goto err;
		}
	}
	if (tb[SEMNET_A_NODE_FLOW_MAX])
		node->flow_max = nla_get_u32(tb[SEMNET_A_NODE_FLOW_MAX]);
	if (tb[SEMNET_A_NODE_UNREPLIED_MAX])
		node->unreplied_max = nla_get_u32(tb[SEMNET_A_NODE_UNREPLIED_MAX]);
	if (tb[SEMNET_A_NODE_TUNNEL_PORT])
		node->tunnel_port = nla_get_u16(tb[SEMNET_A_NODE_TUNNEL_PORT]);
	if (tb[SEMNET_A_NODE_HOLD_PACKETS])
		node->hold_packets = nla_get_u32(tb[SEMNET_A_NODE_HOLD_PACKETS]);
	if (tb[SEMNET_A_NODE_HOLD_TOTAL])
		node->hold_total = nla_get_u32(tb[SEMNET_A_NODE_HOLD_TOTAL]);
	if (tb[SEMNET_A_NODE_HOLD_TIMEOUT])
		node->hold_timeout =
			msecs_to_jiffies(nla_get_u32(tb[SEMNET_A_NODE_HOLD_TIMEOUT]));
	if (tb[SEMNET_A_NODE_MISS_INTERVAL])
		node->miss_interval =
			msecs_to_jiffies(nla_get_u32(tb[SEMNET_A_NODE_MISS_INTERVAL]));
	for (i = 0; i < ARRAY_SIZE(timeouts); i++)
		if (tb[timeouts[i].attr])
			node->timeout[timeouts[i].timeout] =
				nla_get_u32(tb[timeouts[i].attr]) * HZ;

	ret = semnet_node_validate(node, extack);
	if (ret)
		goto err;
	ret = semnet_node_check_caps(sn, node, extack);
	if (ret)
		goto err;
	/* Existing services and instances must fit the new ranges. */
	if (old && (sn->n_services || sn->n_instances) &&
	    memcmp(&old->services, &node->services, sizeof(node->services))) {
		NL_SET_ERR_MSG(extack, "cannot change the service range while services or instances exist");
		ret = -EBUSY;
		goto err;
	}
	ret = semnet_node_set(sn, node, extack);	/* takes @node */
	mutex_unlock(&sn->lock);
	return ret;
err:
	mutex_unlock(&sn->lock);
	kfree(node);
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

/* Returns the node config or sets an error: objects need one first. */
static const struct semnet_node *semnet_node_required(struct semnet_net *sn,
						      struct netlink_ext_ack *extack)
{
	const struct semnet_node *node;

	node = rcu_dereference_protected(sn->node, lockdep_is_held(&sn->lock));
	if (!node)
		NL_SET_ERR_MSG(extack, "configure the node first (semnet node set)");
	return node;
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

/* A dump's cursor and filters, kept in cb->args[0] across messages. */
struct semnet_dump {
	struct rhashtable_iter iter;
	char service[SEMNET_NAME_MAX];	/* instance filter by name */
	__be32 flow_service;		/* flow filters */
	__be32 flow_instance;
};

static struct semnet_dump *semnet_dump_ctx(struct netlink_callback *cb)
{
	return (struct semnet_dump *)cb->args[0];
}

static int semnet_dump_start(struct netlink_callback *cb,
			     struct rhashtable *table)
{
	struct semnet_dump *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	rhashtable_walk_enter(table, &ctx->iter);
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
	while ((obj = rhashtable_walk_peek(&ctx->iter))) {
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

/* --------------------------------------------------------------- service */
/*
 * Table lookups for writers, under sn->lock (which keeps what they find
 * alive) rather than RCU: the _fast variants take the RCU read lock the
 * table wants for the walk itself.
 */
static struct semnet_service *semnet_service_find(struct semnet_net *sn,
						  __be32 addr)
{
	return rhashtable_lookup_fast(&sn->services, &addr,
				      semnet_service_params);
}

static struct semnet_instance *semnet_instance_find(struct semnet_net *sn,
						    __be32 addr)
{
	return rhashtable_lookup_fast(&sn->instances, &addr,
				      semnet_instance_params);
}

static int semnet_service_fill(struct sk_buff *skb, void *obj,
			       struct semnet_dump *ctx)
{
	const struct semnet_service *svc = obj;
	struct nlattr *nest = nla_nest_start(skb, SEMNET_A_SERVICE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, SEMNET_A_SERVICE_ADDR, svc->addr) ||
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

static int semnet_cmd_new_service(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	const struct semnet_policy *policy = NULL;
	const struct semnet_node *node;
	const char *name = NULL;
	u16 flags = info->nlhdr->nlmsg_flags;
	__be32 addr;
	int ret;

	ret = semnet_service_attrs(info, tb);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, info->attrs[SEMNET_A_SERVICE], tb,
			      SEMNET_A_SERVICE_ADDR)) {
		NL_SET_ERR_MSG(extack, "a service needs an address");
		return -EINVAL;
	}
	addr = nla_get_in_addr(tb[SEMNET_A_SERVICE_ADDR]);
	if (tb[SEMNET_A_SERVICE_NAME]) {
		name = nla_data(tb[SEMNET_A_SERVICE_NAME]);
		if (!*name) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_SERVICE_NAME],
					    "service name is empty");
			return -EINVAL;
		}
	}
	if (tb[SEMNET_A_SERVICE_POLICY]) {
		policy = semnet_policy_find(nla_data(tb[SEMNET_A_SERVICE_POLICY]));
		if (!policy) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_SERVICE_POLICY],
					    "unknown policy (known: rr, random, mh, closest)");
			return -EINVAL;
		}
	}

	mutex_lock(&sn->lock);
	node = semnet_node_required(sn, extack);
	if (!node) {
		ret = -ENODATA;
		goto out;
	}
	if (!semnet_prefix_contains(&node->services, addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_SERVICE_ADDR],
				    "service address outside the service range");
		ret = -EINVAL;
		goto out;
	}
	if (semnet_instance_find(sn, addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_SERVICE_ADDR],
				    "address is in use by an instance");
		ret = -EEXIST;
		goto out;
	}
	ret = semnet_service_add(sn, addr, name, policy,
				 flags & NLM_F_REPLACE,
				 flags & (NLM_F_CREATE | NLM_F_EXCL) ||
				 !(flags & NLM_F_REPLACE), extack);
out:
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

	ret = semnet_service_attrs(info, tb);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[SEMNET_A_SERVICE], tb,
			      SEMNET_A_SERVICE_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "which service? (address missing)");
		return -EINVAL;
	}
	mutex_lock(&sn->lock);
	ret = semnet_service_del(sn, nla_get_in_addr(tb[SEMNET_A_SERVICE_ADDR]),
				 info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];
	struct semnet_service *svc;
	int ret;

	ret = semnet_service_attrs(info, tb);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[SEMNET_A_SERVICE], tb,
			      SEMNET_A_SERVICE_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "which service? (address missing)");
		return -EINVAL;
	}
	/* The lock keeps the service alive while the reply is built. */
	mutex_lock(&sn->lock);
	svc = semnet_service_find(sn, nla_get_in_addr(tb[SEMNET_A_SERVICE_ADDR]));
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

	return semnet_dump_start(cb, &sn->services);
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
	if (nla_put_in_addr(skb, SEMNET_A_INSTANCE_ADDR, inst->addr) ||
	    nla_put_string(skb, SEMNET_A_INSTANCE_SERVICE, inst->group->name) ||
	    nla_put_in_addr(skb, SEMNET_A_INSTANCE_NSIP, inst->nsip) ||
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
				 bool need_addr)
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
	if (need_addr && NL_REQ_ATTR_CHECK(info->extack,
					   info->attrs[SEMNET_A_INSTANCE], tb,
					   SEMNET_A_INSTANCE_ADDR)) {
		NL_SET_ERR_MSG(info->extack, "which instance? (address missing)");
		return -EINVAL;
	}
	return 0;
}

static int semnet_instance_check(struct semnet_net *sn,
				 const struct semnet_node *node,
				 struct semnet_instance_cfg *cfg,
				 struct nlattr **tb,
				 struct netlink_ext_ack *extack)
{
	struct semnet_prefix subnet;
	unsigned int i;

	if (!semnet_prefix_contains(&node->services, cfg->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_ADDR],
				    "instance address outside the service range");
		return -EINVAL;
	}
	if (semnet_service_find(sn, cfg->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_ADDR],
				    "address is in use by a service");
		return -EEXIST;
	}
	if (!semnet_prefix_contains(&node->platform, cfg->nsip) ||
	    semnet_prefix_contains(&node->services, cfg->nsip)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_NSIP],
				    "nsIP must be in the platform range, outside the service range");
		return -EINVAL;
	}
	for (i = 0; i < node->n_subnets; i++) {
		subnet = node->subnets[i];
		if (semnet_prefix_contains(&subnet, cfg->nsip) &&
		    !semnet_subnet_is_nsip(&subnet, cfg->nsip)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_NSIP],
					    "nsIP is the network, gateway or broadcast address of a local subnet");
			return -EINVAL;
		}
	}
	if (cfg->ifindex) {
		struct net_device *dev;

		rcu_read_lock();
		dev = dev_get_by_index_rcu(sn->net, cfg->ifindex);
		rcu_read_unlock();
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_IFINDEX],
					    "no such device");
			return -ENODEV;
		}
	}
	return 0;
}

static int semnet_cmd_new_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnet_instance_cfg cfg = {};
	const struct semnet_instance *old;
	const struct semnet_node *node;
	u16 flags = info->nlhdr->nlmsg_flags;
	int ret;

	ret = semnet_instance_attrs(info, tb, true);
	if (ret)
		return ret;
	cfg.addr = nla_get_in_addr(tb[SEMNET_A_INSTANCE_ADDR]);

	mutex_lock(&sn->lock);
	node = semnet_node_required(sn, extack);
	if (!node) {
		ret = -ENODATA;
		goto out;
	}
	/* A change may leave out what stays; a new instance needs it all. */
	old = semnet_instance_find(sn, cfg.addr);
	if (old) {
		cfg.service = old->group->name;
		cfg.nsip = old->nsip;
		cfg.node_addr = old->node_addr;
		cfg.ifindex = old->ifindex;
	} else if (!tb[SEMNET_A_INSTANCE_SERVICE] || !tb[SEMNET_A_INSTANCE_NSIP]) {
		NL_SET_ERR_MSG(extack, "a new instance needs a service name and an nsIP");
		ret = -EINVAL;
		goto out;
	}
	if (tb[SEMNET_A_INSTANCE_SERVICE]) {
		cfg.service = nla_data(tb[SEMNET_A_INSTANCE_SERVICE]);
		if (!*cfg.service) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_INSTANCE_SERVICE],
					    "service name is empty");
			ret = -EINVAL;
			goto out;
		}
	}
	if (tb[SEMNET_A_INSTANCE_NSIP])
		cfg.nsip = nla_get_in_addr(tb[SEMNET_A_INSTANCE_NSIP]);
	if (tb[SEMNET_A_INSTANCE_NODE])
		cfg.node_addr = nla_get_in_addr(tb[SEMNET_A_INSTANCE_NODE]);
	if (tb[SEMNET_A_INSTANCE_IFINDEX])
		cfg.ifindex = nla_get_u32(tb[SEMNET_A_INSTANCE_IFINDEX]);
	ret = semnet_instance_check(sn, node, &cfg, tb, extack);
	if (ret)
		goto out;
	ret = semnet_instance_add(sn, &cfg, flags & NLM_F_REPLACE,
				  flags & (NLM_F_CREATE | NLM_F_EXCL) ||
				  !(flags & NLM_F_REPLACE), extack);
out:
	mutex_unlock(&sn->lock);
	if (!ret)
		semnet_miss_release(sn);
	return ret;
}

static int semnet_cmd_del_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	int ret;

	ret = semnet_instance_attrs(info, tb, true);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	ret = semnet_instance_del(sn, nla_get_in_addr(tb[SEMNET_A_INSTANCE_ADDR]),
				  info->extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_get_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct semnet_instance *inst;
	int ret;

	ret = semnet_instance_attrs(info, tb, true);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	inst = semnet_instance_find(sn, nla_get_in_addr(tb[SEMNET_A_INSTANCE_ADDR]));
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

	ret = semnet_dump_start(cb, &sn->instances);
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
		ret = semnet_instance_attrs(info, tb, false);
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

static bool semnet_flow_filtered(const struct semnet_flow *flow,
				 __be32 service, __be32 instance)
{
	if (service && (!flow->svc || flow->svc->addr != service))
		return true;
	if (instance && (!flow->inst || flow->inst->addr != instance))
		return true;
	return false;
}

static int semnet_flow_fill(struct sk_buff *skb, void *obj,
			    struct semnet_dump *ctx)
{
	struct semnet_ftuple *t = obj;
	const struct semnet_flow *flow;
	const struct semnet_fkey *o, *x, *post;
	struct nlattr *nest;
	long left;

	if (t->index != SEMNET_FT_ORIG_PRE)
		return -ENOENT;
	flow = semnet_ftuple_flow(t);
	if (test_bit(SEMNET_FLOW_DEAD, &flow->flags) ||
	    semnet_flow_filtered(flow, ctx->flow_service, ctx->flow_instance))
		return -ENOENT;
	o = &t->key;
	x = &t->to;
	post = &flow->t[SEMNET_FT_ORIG_POST].to;
	left = (long)(READ_ONCE(flow->expires) - jiffies);

	nest = nla_nest_start(skb, SEMNET_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, SEMNET_A_FLOW_PROTO, o->proto) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_SRC, o->src) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_SPORT, o->sport) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_DST, o->dst) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_DPORT, o->dport) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_XSRC, post->src) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_XSPORT, x->sport) ||
	    nla_put_in_addr(skb, SEMNET_A_FLOW_XDST, x->dst) ||
	    nla_put_be16(skb, SEMNET_A_FLOW_XDPORT, x->dport) ||
	    (flow->svc && nla_put_in_addr(skb, SEMNET_A_FLOW_SERVICE, flow->svc->addr)) ||
	    (flow->inst && nla_put_in_addr(skb, SEMNET_A_FLOW_INSTANCE, flow->inst->addr)) ||
	    nla_put_u8(skb, SEMNET_A_FLOW_STATE, READ_ONCE(flow->state)) ||
	    nla_put_u32(skb, SEMNET_A_FLOW_EXPIRES,
			left > 0 ? jiffies_to_msecs(left) : 0) ||
	    nla_put_u64_64bit(skb, SEMNET_A_FLOW_PACKETS,
			      atomic64_read(&flow->packets), SEMNET_A_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, SEMNET_A_FLOW_BYTES,
			      atomic64_read(&flow->bytes), SEMNET_A_FLOW_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_flow_filters(struct nlattr *attr, __be32 *service,
			       __be32 *instance, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEMNET_A_FLOW_MAX + 1];
	int ret;

	*service = 0;
	*instance = 0;
	if (!attr)
		return 0;
	ret = semnet_parse_nest(tb, SEMNET_A_FLOW_MAX, attr, semnet_flow_policy,
				extack);
	if (ret)
		return ret;
	if (tb[SEMNET_A_FLOW_SERVICE])
		*service = nla_get_in_addr(tb[SEMNET_A_FLOW_SERVICE]);
	if (tb[SEMNET_A_FLOW_INSTANCE])
		*instance = nla_get_in_addr(tb[SEMNET_A_FLOW_INSTANCE]);
	return 0;
}

static int semnet_flow_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));
	struct nlattr **attrs = semnet_dump_attrs(cb);
	struct semnet_dump *ctx;
	int ret;

	ret = semnet_dump_start(cb, &sn->flows.tuples);
	if (ret)
		return ret;
	ctx = semnet_dump_ctx(cb);
	return semnet_flow_filters(attrs[SEMNET_A_FLOW], &ctx->flow_service,
				   &ctx->flow_instance, cb->extack);
}

static int semnet_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return semnet_dump_walk(skb, cb, SEMNET_CMD_GET_FLOW, semnet_flow_fill);
}

struct semnet_flow_filter {
	__be32 service;
	__be32 instance;
};

static bool semnet_flow_flush_match(const struct semnet_flow *flow,
				    const void *arg)
{
	const struct semnet_flow_filter *f = arg;

	return !semnet_flow_filtered(flow, f->service, f->instance);
}

static int semnet_cmd_flush_flows(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct semnet_flow_filter f;
	int ret;

	ret = semnet_flow_filters(info->attrs[SEMNET_A_FLOW], &f.service,
				  &f.instance, info->extack);
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

	if (!nest)
		return -EMSGSIZE;
	if (semnet_put_prefix(skb, SEMNET_A_PEER_SUBNET, &peer->subnet) ||
	    nla_put_in_addr(skb, SEMNET_A_PEER_ADDR, peer->addr) ||
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
	    nla_put_u8(skb, SEMNET_A_PEER_DOWN, READ_ONCE(peer->down))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int semnet_peer_attrs(struct genl_info *info, struct nlattr **tb,
			     struct semnet_prefix *subnet)
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
	return semnet_get_prefix(subnet, tb[SEMNET_A_PEER_SUBNET], info->extack);
}

static int semnet_cmd_new_peer(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	u16 flags = info->nlhdr->nlmsg_flags;
	const struct semnet_node *node;
	struct semnet_peer_cfg cfg = {};
	int ret;

	const struct semnet_peer *old;

	ret = semnet_peer_attrs(info, tb, &cfg.subnet);
	if (ret)
		return ret;

	mutex_lock(&sn->lock);
	node = semnet_node_required(sn, extack);
	if (!node) {
		ret = -ENODATA;
		goto out;
	}
	/* A change may leave out what stays; a new peer needs an address. */
	old = semnet_peer_find(sn, &cfg.subnet);
	if (old) {
		cfg.addr = old->addr;
		cfg.port = ntohs(old->port);
		cfg.encap = old->encap;
		cfg.cost = old->cost;
		cfg.down = old->down;
	} else if (!tb[SEMNET_A_PEER_ADDR]) {
		NL_SET_ERR_MSG(extack, "a peer needs an underlay address");
		ret = -EINVAL;
		goto out;
	} else {
		cfg.cost = SEMNET_PEER_COST_UNKNOWN;
	}
	if (tb[SEMNET_A_PEER_COST])
		cfg.cost = nla_get_u32(tb[SEMNET_A_PEER_COST]);
	if (tb[SEMNET_A_PEER_DOWN])
		cfg.down = nla_get_u8(tb[SEMNET_A_PEER_DOWN]);
	if (tb[SEMNET_A_PEER_ADDR])
		cfg.addr = nla_get_in_addr(tb[SEMNET_A_PEER_ADDR]);
	if (tb[SEMNET_A_PEER_ENCAP])
		cfg.encap = nla_get_u8(tb[SEMNET_A_PEER_ENCAP]);
	/* The port defaults by encapsulation, also when that changes. */
	if (tb[SEMNET_A_PEER_PORT])
		cfg.port = nla_get_u16(tb[SEMNET_A_PEER_PORT]);
	else if (!old || old->encap != cfg.encap)
		cfg.port = cfg.encap == SEMNET_ENCAP_IPUDP ? SEMNET_IPUDP_PORT :
			   SEMNET_TUNNEL_PORT;
	if (ipv4_is_multicast(cfg.addr) || ipv4_is_lbcast(cfg.addr) ||
	    ipv4_is_zeronet(cfg.addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_ADDR],
				    "not a unicast underlay address");
		ret = -EINVAL;
		goto out;
	}
	if (!semnet_prefix_within(&cfg.subnet, &node->platform) ||
	    semnet_prefix_overlap(&cfg.subnet, &node->services)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_SUBNET],
				    "peer subnet must lie in the platform range, outside the service range");
		ret = -EINVAL;
		goto out;
	}
	if (semnet_node_is_local(node, cfg.subnet.addr)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_SUBNET],
				    "peer subnet is one of this node's own");
		ret = -EINVAL;
		goto out;
	}
	ret = semnet_peer_add(sn, &cfg, flags & NLM_F_REPLACE,
			      flags & (NLM_F_CREATE | NLM_F_EXCL) ||
			      !(flags & NLM_F_REPLACE), extack);
out:
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_cmd_del_peer(struct sk_buff *skb, struct genl_info *info)
{
	struct semnet_net *sn = semnet_pernet(genl_info_net(info));
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct semnet_prefix subnet;
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
	struct semnet_prefix subnet;
	__be32 addr = 0;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, SEMNET_A_PEER)) {
		NL_SET_ERR_MSG(extack, "missing the peer attributes");
		return -EINVAL;
	}
	ret = semnet_parse_nest(tb, SEMNET_A_PEER_MAX, info->attrs[SEMNET_A_PEER],
				semnet_peer_policy, extack);
	if (ret)
		return ret;
	if (!tb[SEMNET_A_PEER_SUBNET] == !tb[SEMNET_A_PEER_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[SEMNET_A_PEER],
				    "which peer? (give its subnet or its node's underlay address, one of them)");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PEER_PORT] || tb[SEMNET_A_PEER_ENCAP]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SEMNET_A_PEER_PORT] ?:
				    tb[SEMNET_A_PEER_ENCAP],
				    "only cost and down can be set (NEW_PEER changes the rest)");
		return -EINVAL;
	}
	if (!tb[SEMNET_A_PEER_COST] && !tb[SEMNET_A_PEER_DOWN]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[SEMNET_A_PEER],
				    "nothing to set (give the cost and/or down)");
		return -EINVAL;
	}
	if (tb[SEMNET_A_PEER_SUBNET]) {
		ret = semnet_get_prefix(&subnet, tb[SEMNET_A_PEER_SUBNET], extack);
		if (ret)
			return ret;
	} else {
		addr = nla_get_in_addr(tb[SEMNET_A_PEER_ADDR]);
	}
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
			      addr, &st, extack);
	mutex_unlock(&sn->lock);
	return ret;
}

static int semnet_peer_dump_start(struct netlink_callback *cb)
{
	struct semnet_net *sn = semnet_pernet(sock_net(cb->skb->sk));

	return semnet_dump_start(cb, &sn->peers);
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
			      sum->miss_evicted, SEMNET_A_STATS_PAD))
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
	    nla_put_in_addr(skb, SEMNET_A_MISS_ADDR, ev->addr) ||
	    nla_put_u8(skb, SEMNET_A_MISS_KIND, ev->kind) ||
	    nla_put_in_addr(skb, SEMNET_A_MISS_SRC, ev->src) ||
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
