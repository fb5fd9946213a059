/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_LINK_H
#define _SEMNET_LINK_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <uapi/linux/semnet.h>

struct semnet_net;
struct semnet_node;

/*
 * Direct node links (SEMNET_ENCAP_DIRECT): a peer on the same segment,
 * whose subnets the node routes via its underlay address instead of into
 * semnet0, so its packets arrive bare on the segment's device. Or a peer
 * behind a point-to-point device without a link layer (ARPHRD_NONE: a
 * WireGuard device whose one peer is that node), its subnets routed into
 * that device: the device, not an Ethernet source, proves the sender.
 */

/*
 * At PRE_ROUTING, for a packet (IPv4 or IPv6, by skb->protocol) that
 * arrived on @in, neither from a container nor from the tunnel @tunnel:
 * false when it is no direct peer's (the hooks leave it alone). True when
 * it is one's, by its source: an nsIP of the peer's subnet, an InstanceIP
 * known to live there, or (any direct peer on @in) an InstanceIP unknown
 * here. Then *@reason is SEMNET_DROP_PEER_SPOOFED when @in is not the
 * peer's device, or is an Ethernet device and the frame's Ethernet source
 * is not the peer's valid neighbour entry on it (a device without a link
 * layer needs no such proof), SEMNET_DROP_NOT_OURS when the node does not serve its
 * destination, or SEMNET_DROP_UNSPEC: counted as received from the peer
 * and, from an InstanceIP, moved to @tunnel (routing and reverse-path
 * filtering see semnet0, the route back to InstanceIPs); the hooks go on
 * as for a packet from the tunnel. RCU, softirq.
 */
bool semnet_direct_rcv(struct semnet_net *sn, const struct semnet_node *node,
		       struct sk_buff *skb, struct net_device *in,
		       struct net_device *tunnel,
		       enum semnet_drop_reason *reason);

/*
 * At POST_ROUTING, a packet leaving on @out (not the tunnel): counted as
 * sent to the direct peer whose subnet holds its destination, if that
 * peer is on @out. RCU.
 */
void semnet_direct_tx(struct semnet_net *sn, const struct sk_buff *skb,
		      const struct net_device *out);

#endif /* _SEMNET_LINK_H */
