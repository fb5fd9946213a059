// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace's node configuration, and turning the datapath on and off
 * with it: hooks (which reassemble fragments) exist only in namespaces that
 * are nodes, not in every container's.
 */
#include <linux/if_bridge.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/netlink.h>

#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "peer.h"
#include "service.h"
#include "xlate.h"

/* The IPv6 half of semnet_node_validate(): the same rules. */
static int semnet_node_validate6(const struct semnet_node *node,
				 struct netlink_ext_ack *extack)
{
	unsigned int i, j;
	bool gateway_ok = false;

	if (!node->has_v6) {
		if (node->n_subnets6) {
			NL_SET_ERR_MSG(extack, "IPv6 subnets need an IPv6 platform range (platform6)");
			return -EINVAL;
		}
		return 0;
	}
	if (!semnet_prefix6_valid(&node->platform6) || node->platform6.len < 1) {
		NL_SET_ERR_MSG(extack, "IPv6 platform range: not a valid prefix (host bits set?)");
		return -EINVAL;
	}
	if (!semnet_prefix6_valid(&node->services6)) {
		NL_SET_ERR_MSG(extack, "IPv6 service range: not a valid prefix (host bits set?)");
		return -EINVAL;
	}
	if (!semnet_prefix6_within(&node->services6, &node->platform6)) {
		NL_SET_ERR_MSG(extack, "IPv6 service range must lie inside the IPv6 platform range");
		return -EINVAL;
	}
	if (!node->n_subnets6) {
		NL_SET_ERR_MSG(extack, "an IPv6 node needs at least one IPv6 local subnet");
		return -EINVAL;
	}
	for (i = 0; i < node->n_subnets6; i++) {
		const struct semnet_prefix6 *s = &node->subnets6[i];

		if (!semnet_prefix6_valid(s) || s->len > SEMNET_SUBNET6_LEN_MAX) {
			NL_SET_ERR_MSG(extack, "IPv6 subnet: not a valid prefix of length 0..126");
			return -EINVAL;
		}
		if (!semnet_prefix6_within(s, &node->platform6)) {
			NL_SET_ERR_MSG(extack, "IPv6 subnet must lie inside the IPv6 platform range");
			return -EINVAL;
		}
		if (semnet_prefix6_overlap(s, &node->services6)) {
			NL_SET_ERR_MSG(extack, "IPv6 subnet overlaps the IPv6 service range");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (semnet_prefix6_overlap(s, &node->subnets6[j])) {
				NL_SET_ERR_MSG(extack, "IPv6 subnets overlap each other");
				return -EINVAL;
			}
		}
		if (semnet_prefix6_contains(s, &node->gateway6))
			gateway_ok = true;
	}
	if (!gateway_ok) {
		NL_SET_ERR_MSG(extack, "IPv6 gateway must lie inside an IPv6 local subnet");
		return -EINVAL;
	}
	return 0;
}

int semnet_node_validate(const struct semnet_node *node,
			 struct netlink_ext_ack *extack)
{
	unsigned int i, j;
	bool gateway_ok = false;

	if (!semnet_prefix_valid(&node->platform) || node->platform.len < 1) {
		NL_SET_ERR_MSG(extack, "platform range: not a valid prefix (host bits set?)");
		return -EINVAL;
	}
	if (!semnet_prefix_valid(&node->services)) {
		NL_SET_ERR_MSG(extack, "service range: not a valid prefix (host bits set?)");
		return -EINVAL;
	}
	if (!semnet_prefix_within(&node->services, &node->platform)) {
		NL_SET_ERR_MSG(extack, "service range must lie inside the platform range");
		return -EINVAL;
	}
	if (!node->n_subnets) {
		NL_SET_ERR_MSG(extack, "a node needs at least one local subnet");
		return -EINVAL;
	}
	for (i = 0; i < node->n_subnets; i++) {
		const struct semnet_prefix *s = &node->subnets[i];

		if (!semnet_prefix_valid(s) || s->len > 30) {
			NL_SET_ERR_MSG(extack, "subnet: not a valid prefix of length 0..30");
			return -EINVAL;
		}
		if (!semnet_prefix_within(s, &node->platform)) {
			NL_SET_ERR_MSG(extack, "subnet must lie inside the platform range");
			return -EINVAL;
		}
		if (semnet_prefix_overlap(s, &node->services)) {
			NL_SET_ERR_MSG(extack, "subnet overlaps the service range");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (semnet_prefix_overlap(s, &node->subnets[j])) {
				NL_SET_ERR_MSG(extack, "subnets overlap each other");
				return -EINVAL;
			}
		}
		if (semnet_prefix_contains(s, node->gateway))
			gateway_ok = true;
	}
	if (!gateway_ok) {
		NL_SET_ERR_MSG(extack, "gateway must lie inside a local subnet");
		return -EINVAL;
	}
	if (!node->flow_max || node->flow_max > SEMNET_FLOW_MAX_LIMIT) {
		NL_SET_ERR_MSG(extack, "flow-max out of range");
		return -ERANGE;
	}
	return semnet_node_validate6(node, extack);
}

/* The same for IPv6 addresses, under the caller's RCU read lock. */
static int semnet_node_check_addresses6(struct net *net,
					const struct semnet_node *node,
					struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	for_each_netdev_rcu(net, dev) {
		struct inet6_dev *idev = __in6_dev_get(dev);
		const struct inet6_ifaddr *ifa;

		if (!idev)
			continue;
		list_for_each_entry_rcu(ifa, &idev->addr_list, if_list) {
			if (!semnet_prefix6_contains(&node->platform6, &ifa->addr) ||
			    semnet_node_is_local6(node, &ifa->addr))
				continue;
			net_info_ratelimited("semnet: IPv6 platform range overlaps %pI6c on %s\n",
					     &ifa->addr, dev->name);
			NL_SET_ERR_MSG_FMT(extack,
					   "IPv6 platform range overlaps an address of this host (%pI6c on %s)",
					   &ifa->addr, dev->name);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/*
 * The platform range must not swallow addresses the host already uses for
 * something else (Docker's 172.17/16, a cloud VPC): only local subnets may
 * hold local addresses.
 */
static int semnet_node_check_addresses(struct net *net,
				       const struct semnet_node *node,
				       struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int ret = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);
		const struct in_ifaddr *ifa;

		if (!in_dev)
			continue;
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (!semnet_prefix_contains(&node->platform, ifa->ifa_local) ||
			    semnet_node_is_local(node, ifa->ifa_local))
				continue;
			/* 6.1 cannot format extack text: name it in the log too. */
			net_info_ratelimited("semnet: platform range overlaps %pI4 on %s\n",
					     &ifa->ifa_local, dev->name);
			NL_SET_ERR_MSG_FMT(extack,
					   "platform range overlaps an address of this host (%pI4 on %s)",
					   &ifa->ifa_local, dev->name);
			ret = -EADDRINUSE;
			goto out;
		}
	}
	if (node->has_v6)
		ret = semnet_node_check_addresses6(net, node, extack);
out:
	rcu_read_unlock();
	return ret;
}

static bool semnet_node_same_ranges(const struct semnet_node *a,
				    const struct semnet_node *b)
{
	return !memcmp(&a->platform, &b->platform, sizeof(a->platform)) &&
	       !memcmp(&a->services, &b->services, sizeof(a->services)) &&
	       a->n_subnets == b->n_subnets &&
	       !memcmp(a->subnets, b->subnets,
		       a->n_subnets * sizeof(a->subnets[0])) &&
	       a->gateway == b->gateway &&
	       a->has_v6 == b->has_v6 &&
	       !memcmp(&a->platform6, &b->platform6, sizeof(a->platform6)) &&
	       !memcmp(&a->services6, &b->services6, sizeof(a->services6)) &&
	       a->n_subnets6 == b->n_subnets6 &&
	       !memcmp(a->subnets6, b->subnets6,
		       a->n_subnets6 * sizeof(a->subnets6[0])) &&
	       ipv6_addr_equal(&a->gateway6, &b->gateway6) &&
	       a->bridge_ifindex == b->bridge_ifindex && a->mode == b->mode;
}

int semnet_node_set(struct semnet_net *sn, struct semnet_node *node,
		    struct netlink_ext_ack *extack)
{
	struct semnet_node *old;
	int ret;

	semnet_assert_locked(sn);
	ret = semnet_node_check_addresses(sn->net, node, extack);
	if (ret)
		goto err_free;
	if (!sn->hooks_registered) {
		ret = semnet_xlate_register(sn);
		if (ret) {
			NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
			goto err_free;
		}
		sn->hooks_registered = true;
	}
	/* The caller's memory cgroup pays for what packets make from now on. */
	if (!sn->memcg)
		WRITE_ONCE(sn->memcg, get_mem_cgroup_from_mm(NULL));
	old = rcu_replace_pointer(sn->node, node, lockdep_is_held(&sn->lock));
	sn->generation++;
	if (old) {
		if (!semnet_node_same_ranges(old, node)) {
			/* Flows were built for the old address plan. */
			synchronize_rcu();
			semnet_flow_purge(sn, NULL, NULL);
			semnet_instance_relocate(sn);
		}
		kfree_rcu(old, rcu);
	} else {
		semnet_instance_relocate(sn);
	}
	return 0;

err_free:
	kfree(node);
	return ret;
}

/*
 * Takes the hooks off and stops charging the memory cgroup: packets in
 * flight may still run both until a grace period has passed. Returns the
 * cgroup, for the caller to put after that grace period.
 */
struct mem_cgroup *semnet_node_quiesce(struct semnet_net *sn)
{
	struct mem_cgroup *memcg = sn->memcg;

	semnet_assert_locked(sn);
	if (sn->hooks_registered) {
		semnet_xlate_unregister(sn);
		sn->hooks_registered = false;
	}
	WRITE_ONCE(sn->memcg, NULL);
	return memcg;
}

void semnet_node_del(struct semnet_net *sn)
{
	struct mem_cgroup *memcg = semnet_node_quiesce(sn);
	struct semnet_node *old;

	if (memcg) {
		/* Packets in flight may still be charging to it. */
		synchronize_rcu();
		mem_cgroup_put(memcg);
	}
	old = rcu_replace_pointer(sn->node, NULL, lockdep_is_held(&sn->lock));
	semnet_miss_flush(sn);
	semnet_service_flush(sn);
	semnet_instance_flush(sn, NULL);
	semnet_peer_flush(sn);
	semnet_flow_purge(sn, NULL, NULL);
	sn->generation++;
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * A namespace whose user namespace is not the initial one may be any
 * user's (unshare -Urn): its node gets limits that bound what a stranger
 * can make the kernel allocate, on top of its memory cgroup's.
 */
bool semnet_node_unprivileged(const struct semnet_net *sn)
{
	return sn->net->user_ns != &init_user_ns;
}

int semnet_node_check_caps(const struct semnet_net *sn,
			   const struct semnet_node *node,
			   struct netlink_ext_ack *extack)
{
	if (!semnet_node_unprivileged(sn))
		return 0;
	return semnet_node_check_unpriv(node, extack);
}

int semnet_node_check_unpriv(const struct semnet_node *node,
			     struct netlink_ext_ack *extack)
{
	if (node->flow_max > SEMNET_UNPRIV_FLOW_MAX) {
		NL_SET_ERR_MSG(extack, "flow-max above 65536, the limit of a namespace outside the initial user namespace");
		return -ERANGE;
	}
	if (node->unreplied_max > SEMNET_UNPRIV_UNREPLIED_MAX) {
		NL_SET_ERR_MSG(extack, "unreplied-max above 256, the limit of a namespace outside the initial user namespace");
		return -ERANGE;
	}
	if (node->hold_packets > SEMNET_UNPRIV_HOLD_PACKETS ||
	    node->hold_total > SEMNET_UNPRIV_HOLD_TOTAL) {
		NL_SET_ERR_MSG(extack, "hold-packets above 8 or hold-total above 256, the limits of a namespace outside the initial user namespace");
		return -ERANGE;
	}
	return 0;
}

const u8 semnet_node_timeout_attr[SEMNET_TIMEOUT_COUNT] = {
	[SEMNET_TIMEOUT_TCP] = SEMNET_A_NODE_TIMEOUT_TCP,
	[SEMNET_TIMEOUT_TCP_CLOSE] = SEMNET_A_NODE_TIMEOUT_TCP_CLOSE,
	[SEMNET_TIMEOUT_UDP] = SEMNET_A_NODE_TIMEOUT_UDP,
	[SEMNET_TIMEOUT_ICMP] = SEMNET_A_NODE_TIMEOUT_ICMP,
	[SEMNET_TIMEOUT_UNREPLIED] = SEMNET_A_NODE_TIMEOUT_UNREPLIED,
};

void semnet_node_defaults(struct semnet_node *node, bool unprivileged)
{
	node->flow_max = unprivileged ? SEMNET_UNPRIV_FLOW_MAX :
			 SEMNET_DEFAULT_FLOW_MAX;
	node->tunnel_port = SEMNET_TUNNEL_PORT;
	node->timeout[SEMNET_TIMEOUT_TCP] = SEMNET_DEFAULT_TIMEOUT_TCP * HZ;
	node->timeout[SEMNET_TIMEOUT_TCP_CLOSE] =
		SEMNET_DEFAULT_TIMEOUT_TCP_CLOSE * HZ;
	node->timeout[SEMNET_TIMEOUT_UDP] = SEMNET_DEFAULT_TIMEOUT_UDP * HZ;
	node->timeout[SEMNET_TIMEOUT_ICMP] = SEMNET_DEFAULT_TIMEOUT_ICMP * HZ;
	node->timeout[SEMNET_TIMEOUT_UNREPLIED] =
		SEMNET_DEFAULT_TIMEOUT_UNREPLIED * HZ;
	node->unreplied_max = unprivileged ? SEMNET_UNPRIV_UNREPLIED_MAX :
			      SEMNET_DEFAULT_UNREPLIED_MAX;
	node->hold_packets = SEMNET_DEFAULT_HOLD_PACKETS;
	node->hold_total = SEMNET_DEFAULT_HOLD_TOTAL;
	node->hold_timeout = msecs_to_jiffies(SEMNET_DEFAULT_HOLD_TIMEOUT_MS);
	node->miss_interval = msecs_to_jiffies(SEMNET_DEFAULT_MISS_INTERVAL_MS);
}

/* Writes what @cfg gives into @node. */
static void semnet_node_apply(struct semnet_node *node,
			      const struct semnet_node_cfg *cfg)
{
	unsigned int i;

	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_PLATFORM))
		node->platform = cfg->platform;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_SERVICE_RANGE))
		node->services = cfg->services;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_SUBNETS)) {
		/* The list replaces both families' (an IPv6 node checks). */
		node->n_subnets = cfg->n_subnets;
		memcpy(node->subnets, cfg->subnets,
		       cfg->n_subnets * sizeof(node->subnets[0]));
		node->n_subnets6 = cfg->n_subnets6;
		memcpy(node->subnets6, cfg->subnets6,
		       cfg->n_subnets6 * sizeof(node->subnets6[0]));
	}
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_GATEWAY))
		node->gateway = cfg->gateway;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_PLATFORM6)) {
		node->platform6 = cfg->platform6;
		node->has_v6 = true;
	}
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_SERVICE_RANGE6))
		node->services6 = cfg->services6;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_GATEWAY6))
		node->gateway6 = cfg->gateway6;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_BRIDGE))
		node->bridge_ifindex = cfg->bridge_ifindex;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_MODE))
		node->mode = cfg->mode;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_FLOW_MAX))
		node->flow_max = cfg->flow_max;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_UNREPLIED_MAX))
		node->unreplied_max = cfg->unreplied_max;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_TUNNEL_PORT))
		node->tunnel_port = cfg->tunnel_port;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_HOLD_PACKETS))
		node->hold_packets = cfg->hold_packets;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_HOLD_TOTAL))
		node->hold_total = cfg->hold_total;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_HOLD_TIMEOUT))
		node->hold_timeout = msecs_to_jiffies(cfg->hold_timeout_ms);
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_MISS_INTERVAL))
		node->miss_interval = msecs_to_jiffies(cfg->miss_interval_ms);
	for (i = 0; i < SEMNET_TIMEOUT_COUNT; i++)
		if (semnet_cfg_has(cfg->given, semnet_node_timeout_attr[i]))
			node->timeout[i] = cfg->timeout[i] * HZ;
}

/* The bridge a request names must exist in the namespace and be one. */
static int semnet_node_check_bridge(struct semnet_net *sn,
				    const struct semnet_node_cfg *cfg,
				    struct netlink_ext_ack *extack)
{
	const struct nlattr *attr = semnet_cfg_attr(cfg->attrs,
						    SEMNET_A_NODE_BRIDGE);
	struct net_device *dev;
	int ret;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(sn->net, cfg->bridge_ifindex);
	ret = !dev ? -ENODEV : !netif_is_bridge_master(dev) ? -EINVAL : 0;
	rcu_read_unlock();
	if (ret == -ENODEV)
		NL_SET_ERR_MSG_ATTR(extack, attr, "no such bridge device");
	else if (ret)
		NL_SET_ERR_MSG_ATTR(extack, attr, "not a bridge device");
	return ret;
}

/*
 * A bridged node has its bridge, a routed node none: a request that
 * switches to routed drops the bridge, one that switches to bridged must
 * name one. Checked on the node @cfg was applied to.
 */
static int semnet_node_check_mode(struct semnet_node *node,
				  const struct semnet_node_cfg *cfg,
				  struct netlink_ext_ack *extack)
{
	const struct nlattr *bridge = semnet_cfg_attr(cfg->attrs,
						      SEMNET_A_NODE_BRIDGE);

	if (node->mode == SEMNET_NODE_MODE_ROUTED) {
		if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_BRIDGE)) {
			NL_SET_ERR_MSG_ATTR(extack, bridge,
					    "a routed node has no bridge: leave it out, or set mode bridged");
			return -EINVAL;
		}
		node->bridge_ifindex = 0;
		return 0;
	}
	/*
	 * A change that leaves the mode out keeps the bridge it has (the
	 * KUnit fixtures' nodes have none).
	 */
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_MODE) &&
	    !node->bridge_ifindex) {
		NL_SET_ERR_MSG_ATTR(extack, cfg->nest,
				    "a bridged node needs a bridge");
		return -EINVAL;
	}
	return 0;
}

/*
 * A node's IPv6 plan starts whole: the platform, the service range, the
 * gateway and its subnets in one request; the IPv6 attributes mean
 * nothing without the platform.
 */
static int semnet_node_check_v6_given(const struct semnet_node *old,
				      const struct semnet_node_cfg *cfg,
				      struct netlink_ext_ack *extack)
{
	static const int required6[] = {
		SEMNET_A_NODE_PLATFORM6, SEMNET_A_NODE_SERVICE_RANGE6,
		SEMNET_A_NODE_GATEWAY6, SEMNET_A_NODE_SUBNETS,
	};
	bool had_v6 = old && old->has_v6;
	unsigned int i;

	if (had_v6)
		return 0;
	if (!semnet_cfg_has(cfg->given, SEMNET_A_NODE_PLATFORM6)) {
		if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_SERVICE_RANGE6) ||
		    semnet_cfg_has(cfg->given, SEMNET_A_NODE_GATEWAY6)) {
			NL_SET_ERR_MSG(extack, "IPv6 service range and gateway need an IPv6 platform range (platform6)");
			NL_SET_ERR_ATTR_MISS(extack, cfg->nest,
					     SEMNET_A_NODE_PLATFORM6);
			return -EINVAL;
		}
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(required6); i++) {
		if (!semnet_cfg_has(cfg->given, required6[i])) {
			NL_SET_ERR_MSG(extack, "a node's IPv6 plan needs platform6, service range6, gateway6 and IPv6 subnets");
			NL_SET_ERR_ATTR_MISS(extack, cfg->nest, required6[i]);
			return -EINVAL;
		}
	}
	return 0;
}

struct semnet_node *semnet_node_build(struct semnet_net *sn,
				      const struct semnet_node_cfg *cfg,
				      struct netlink_ext_ack *extack)
{
	static const int required[] = {
		SEMNET_A_NODE_PLATFORM, SEMNET_A_NODE_SERVICE_RANGE,
		SEMNET_A_NODE_SUBNETS, SEMNET_A_NODE_GATEWAY,
		SEMNET_A_NODE_BRIDGE,
	};
	const struct semnet_node *old;
	struct semnet_node *node;
	unsigned int i, n_required = ARRAY_SIZE(required);
	int ret;

	semnet_assert_locked(sn);
	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return ERR_PTR(-ENOMEM);
	old = rcu_dereference_protected(sn->node, lockdep_is_held(&sn->lock));
	if (old) {
		/* A change: what the request leaves out stays as it was. */
		*node = *old;
	} else {
		/* A routed node needs all but the bridge (the last). */
		if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_MODE) &&
		    cfg->mode == SEMNET_NODE_MODE_ROUTED)
			n_required--;
		for (i = 0; i < n_required; i++) {
			if (!semnet_cfg_has(cfg->given, required[i])) {
				if (n_required < ARRAY_SIZE(required))
					NL_SET_ERR_MSG(extack,
						       "a new routed node needs platform, service range, subnets and gateway");
				else
					NL_SET_ERR_MSG(extack,
						       "a new node needs platform, service range, subnets, gateway and bridge");
				NL_SET_ERR_ATTR_MISS(extack, cfg->nest,
						     required[i]);
				ret = -EINVAL;
				goto err;
			}
		}
		semnet_node_defaults(node, semnet_node_unprivileged(sn));
	}
	ret = semnet_node_check_v6_given(old, cfg, extack);
	if (ret)
		goto err;
	semnet_node_apply(node, cfg);
	ret = semnet_node_check_mode(node, cfg, extack);
	if (ret)
		goto err;
	if (semnet_cfg_has(cfg->given, SEMNET_A_NODE_BRIDGE)) {
		ret = semnet_node_check_bridge(sn, cfg, extack);
		if (ret)
			goto err;
	}
	ret = semnet_node_validate(node, extack);
	if (ret)
		goto err;
	ret = semnet_node_check_caps(sn, node, extack);
	if (ret)
		goto err;
	/* Existing services and instances must fit the new ranges. */
	if (old && (sn->n_services || sn->n_instances) &&
	    (memcmp(&old->services, &node->services, sizeof(node->services)) ||
	     memcmp(&old->services6, &node->services6,
		    sizeof(node->services6)))) {
		NL_SET_ERR_MSG(extack, "cannot change the service range while services or instances exist");
		ret = -EBUSY;
		goto err;
	}
	return node;
err:
	kfree(node);
	return ERR_PTR(ret);
}

const struct semnet_node *semnet_node_required(struct semnet_net *sn,
					       struct netlink_ext_ack *extack)
{
	const struct semnet_node *node;

	node = rcu_dereference_protected(sn->node, lockdep_is_held(&sn->lock));
	if (!node)
		NL_SET_ERR_MSG(extack, "configure the node first (semnet node set)");
	return node;
}
