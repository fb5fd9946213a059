/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_BRIDGE_H
#define _SEMNET_BRIDGE_H

#include <linux/netdevice.h>
#include <linux/xarray.h>

#include "netns.h"
#include "node.h"

struct nf_hook_state;
struct sk_buff;

/* NF_BR_PRE_ROUTING: drops what a container port sends as someone else. */
unsigned int semnet_bridge_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);
/*
 * NF_INET_PRE_ROUTING: the same, for IPv4 that bypassed the bridge; on a
 * routed node, for every container port, and against the node's container
 * addresses arriving on any other device.
 */
unsigned int semnet_bridge_port_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);
unsigned int semnet_bridge_port_hook6(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state);

/* True when some local instance names device @ifindex its port. RCU. */
static inline bool semnet_port_is(const struct semnet_net *sn, int ifindex)
{
	/* xa_load() only reads, but takes no const array. */
	return xa_load((struct xarray *)&sn->ports, ifindex);
}

/*
 * semnet_port_is() for the packet path, already inside an RCU read-side
 * section: xa_load() without its own rcu_read_lock() and unlock, which
 * with preemptible RCU are two calls per packet. RCU.
 */
static inline bool semnet_port_is_rcu(const struct semnet_net *sn,
				      int ifindex)
{
	XA_STATE(xas, (struct xarray *)&sn->ports, ifindex);
	void *entry;

	/* xa_load()'s loop: a zero entry reads as none (no retry). */
	do {
		entry = xas_load(&xas);
		if (xa_is_zero(entry))
			entry = NULL;
	} while (xas_retry(&xas, entry));
	return entry;
}

/*
 * Did a packet from @saddr that arrived on @in come from a container?
 * Bridged: it came through the container bridge. Routed: it carries an
 * address of the node's subnets and came neither on the loopback nor on
 * @tunnel, the node's semnet0 (or NULL); the routed check (semnet_routed_check(),
 * at a higher priority) has dropped it unless @in is that address's own
 * veth. RCU reader, @node the caller's dereference of sn->node.
 */
static inline bool semnet_from_container(const struct semnet_node *node,
					 const struct net_device *in,
					 const struct net_device *tunnel,
					 __be32 saddr)
{
	if (node->mode == SEMNET_NODE_MODE_ROUTED)
		return semnet_node_is_local(node, saddr) && in != tunnel &&
		       !(in->flags & IFF_LOOPBACK);
	return in->ifindex == node->bridge_ifindex;
}

/*
 * The port map, under the netns lock: a local instance with an ifindex
 * takes a reference on its port (-ENOMEM, or 0), and puts it when it goes,
 * moves, or stops being local.
 */
int semnet_port_get(struct semnet_net *sn, int ifindex);
void semnet_port_put(struct semnet_net *sn, int ifindex);
/* Device @ifindex is gone: it stops being a port, whoever named it. */
void semnet_port_gone(struct semnet_net *sn, int ifindex);

/*
 * What a routed node's hook decides for IPv4 from @saddr arriving on @in:
 * SEMNET_DROP_UNSPEC to accept, or SEMNET_DROP_SPOOFED_SOURCE. RCU.
 */
enum semnet_drop_reason semnet_routed_check(struct semnet_net *sn,
					    const struct semnet_node *node,
					    const struct net_device *in,
					    __be32 saddr);
enum semnet_drop_reason semnet_routed_check6(struct semnet_net *sn,
					     const struct semnet_node *node,
					     const struct net_device *in,
					     const struct in6_addr *saddr);

int semnet_port_notifier_init(void);
void semnet_port_notifier_exit(void);

#endif /* _SEMNET_BRIDGE_H */
