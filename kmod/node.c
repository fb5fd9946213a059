// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace's node configuration, and turning the datapath on and off
 * with it: hooks (which reassemble fragments) exist only in namespaces that
 * are nodes, not in every container's.
 */
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "peer.h"
#include "service.h"
#include "xlate.h"

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
	       a->bridge_ifindex == b->bridge_ifindex;
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
