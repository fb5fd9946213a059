// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-spoofing on the container bridge's ports: a container sends only
 * with its own address.
 */
#include <linux/if_bridge.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>

#include "bridge.h"
#include "instance.h"
#include "netns.h"
#include "node.h"

/*
 * Containers sit behind bridge ports and the IPv4 hooks only see the
 * bridge: check here that a port sends only with its own address, so a
 * container cannot take a neighbour's nsIP (or the gateway's).
 */
unsigned int semnet_bridge_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node = rcu_dereference(sn->node);
	const struct semnet_instance *inst;
	struct net_device *bridge;
	const struct iphdr *iph;
	struct iphdr _iph;
	int ifindex;

	if (!node || skb->protocol != htons(ETH_P_IP) || !state->in)
		return NF_ACCEPT;
	bridge = netdev_master_upper_dev_get_rcu(state->in);
	if (!bridge || bridge->ifindex != node->bridge_ifindex)
		return NF_ACCEPT;
	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph || !iph->saddr)
		return NF_ACCEPT;	/* truncated: IPv4 drops it; DHCP */
	if (iph->saddr == node->gateway ||
	    !semnet_node_is_local(node, iph->saddr))
		goto spoofed;
	inst = semnet_local_lookup(sn, iph->saddr);
	ifindex = inst ? READ_ONCE(inst->ifindex) : 0;
	if (ifindex && ifindex != state->in->ifindex)
		goto spoofed;
	return NF_ACCEPT;
spoofed:
	return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
}
