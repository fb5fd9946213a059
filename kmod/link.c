// SPDX-License-Identifier: GPL-2.0
/*
 * Direct node links (daemon/LINKS.md §1b): a peer on the same segment
 * whose subnets are routed via its underlay address, so its packets
 * arrive bare on the underlay device, not out of semnet0's socket. The
 * hooks take them as tunnel packets once they are proven the peer's as
 * well as a segment allows: by the Ethernet source, which must be the
 * link-layer address the neighbour table holds for the peer's underlay
 * address on the peer's device. That is as strong as the outer-source
 * check of GRE in UDP (either is forged as easily on one segment): direct
 * links are for trusted segments.
 *
 * The peer's device may also be one without a link layer (ARPHRD_NONE):
 * a point-to-point WireGuard device towards that node alone (one peer,
 * allowed-ips 0.0.0.0/0 and ::/0; LINKS.md §1a, the fallback), routed to
 * as a segment would be. Such a device has no Ethernet source to check
 * and needs none: what arrives on it was decrypted with that peer's
 * session keys, so being bound to it is the proof. Cleartext tunnels
 * (ipip, GRE, sit) have their own device types and stay unproven.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/arp.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/route.h>

#include "instance.h"
#include "link.h"
#include "netns.h"
#include "node.h"
#include "peer.h"
#include "service.h"

/*
 * True when @dev, a device a direct peer is bound to, proves by itself
 * that what arrives on it is that peer's: it has no link layer, so it is
 * point-to-point (above).
 */
static bool semnet_direct_l3(const struct net_device *dev)
{
	return dev->type == ARPHRD_NONE;
}

/*
 * True when @skb's Ethernet source is the link-layer address of @peer's
 * underlay address in @dev's neighbour table, an entry in a valid state.
 * Without one (the node has not sent to the peer yet: semnetd's probes
 * keep it warm) nothing proves the sender: the entry is made if need be
 * and resolved, as sending would, so that a later packet may pass.
 */
static bool semnet_direct_l2_ok(const struct semnet_peer *peer,
				struct net_device *dev,
				const struct sk_buff *skb)
{
	char ha[MAX_ADDR_LEN];
	struct neighbour *n;
	bool ok = false;

	if (dev->type != ARPHRD_ETHER || !skb_mac_header_was_set(skb) ||
	    skb_mac_header_len(skb) < ETH_HLEN)
		return false;
	rcu_read_lock_bh();
	if (peer->under.family == AF_INET6)
		n = ip_neigh_gw6(dev, &peer->under.ip6);
	else
		n = ip_neigh_gw4(dev, peer->under.ip);
	if (IS_ERR(n))
		n = NULL;
	if (n && (READ_ONCE(n->nud_state) & NUD_VALID)) {
		neigh_ha_snapshot(ha, n, dev);
		ok = ether_addr_equal(ha, eth_hdr(skb)->h_source);
	} else if (n) {
		neigh_event_send(n, NULL);
	}
	rcu_read_unlock_bh();
	return ok;
}

/*
 * A source no table places: any direct peer of that family on @in whose
 * neighbour entry is the frame's sender, or the first one bound to @in
 * when @in proves its peer itself (*@proven then).
 */
static struct semnet_peer *semnet_direct_by_l2(struct semnet_net *sn,
					       struct net_device *in,
					       const struct sk_buff *skb,
					       u8 family, bool *proven)
{
	struct semnet_peer *peer;

	list_for_each_entry_rcu(peer, &sn->direct_peers, direct) {
		if (READ_ONCE(peer->ifindex) != in->ifindex ||
		    peer->subnet.family != family)
			continue;
		if (semnet_direct_l3(in) || semnet_direct_l2_ok(peer, in, skb)) {
			*proven = true;
			return peer;
		}
	}
	return NULL;
}

/*
 * The peer @skb's IPv4 source belongs to: the one whose subnet holds it
 * (an nsIP) or holds the nsIP of the InstanceIP it is; for an InstanceIP
 * this node does not know, semnet_direct_by_l2(). *@instance: the source
 * is an InstanceIP. NULL: nobody's (a ServiceIP, another range).
 */
static struct semnet_peer *semnet_direct_peer4(struct semnet_net *sn,
					       const struct semnet_node *node,
					       struct net_device *in,
					       const struct sk_buff *skb,
					       bool *instance, bool *proven)
{
	__be32 src = ip_hdr(skb)->saddr;
	const struct semnet_instance *inst;

	*instance = semnet_prefix_contains(&node->services, src);
	if (!*instance)
		return semnet_peer_route(sn, src);
	inst = semnet_instance_lookup(sn, src);
	if (inst)
		return semnet_peer_route(sn, READ_ONCE(inst->nsip));
	if (semnet_service_lookup(sn, src))
		return NULL;
	return semnet_direct_by_l2(sn, in, skb, AF_INET, proven);
}

static struct semnet_peer *semnet_direct_peer6(struct semnet_net *sn,
					       const struct semnet_node *node,
					       struct net_device *in,
					       const struct sk_buff *skb,
					       bool *instance, bool *proven)
{
	const struct in6_addr *src = &ipv6_hdr(skb)->saddr;
	const struct semnet_instance *inst;

	*instance = semnet_prefix6_contains(&node->services6, src);
	if (!*instance)
		return semnet_peer_route6(sn, src);
	inst = semnet_instance_lookup6(sn, src);
	if (inst)
		return semnet_peer_route6(sn, &inst->nsip6);
	if (semnet_service_lookup6(sn, src))
		return NULL;
	return semnet_direct_by_l2(sn, in, skb, AF_INET6, proven);
}

bool semnet_direct_rcv(struct semnet_net *sn, const struct semnet_node *node,
		       struct sk_buff *skb, struct net_device *in,
		       struct net_device *tunnel,
		       enum semnet_drop_reason *reason)
{
	bool v6 = skb->protocol == htons(ETH_P_IPV6);
	bool instance = false, proven = false, serves;
	struct semnet_peer *peer;

	*reason = SEMNET_DROP_UNSPEC;
	if (v6) {
		if (!node->has_v6)
			return false;
		peer = semnet_direct_peer6(sn, node, in, skb, &instance,
					   &proven);
	} else {
		peer = semnet_direct_peer4(sn, node, in, skb, &instance,
					   &proven);
	}
	if (!peer || peer->encap != SEMNET_ENCAP_DIRECT)
		return false;
	if (READ_ONCE(peer->ifindex) != in->ifindex ||
	    (!proven && !semnet_direct_l3(in) &&
	     !semnet_direct_l2_ok(peer, in, skb))) {
		*reason = SEMNET_DROP_PEER_SPOOFED;
		return true;
	}
	serves = v6 ? semnet_node_serves6(node, &ipv6_hdr(skb)->daddr) :
		 semnet_node_serves(node, ip_hdr(skb)->daddr);
	if (!serves) {
		*reason = SEMNET_DROP_NOT_OURS;
		return true;
	}
	atomic64_inc(&peer->rx_packets);
	atomic64_add(skb->len, &peer->rx_bytes);
	/*
	 * The route back to an InstanceIP is semnet0 (the platform route),
	 * to an nsIP of the peer the direct route on @in: routing, which
	 * reads skb->dev after the PRE_ROUTING hooks, and strict
	 * reverse-path filtering then find the way back where it came from.
	 */
	if (instance)
		skb->dev = tunnel;
	return true;
}

void semnet_direct_tx(struct semnet_net *sn, const struct sk_buff *skb,
		      const struct net_device *out)
{
	int dev = READ_ONCE(sn->direct_dev);
	struct semnet_peer *peer;

	/* Not the direct peers' one device: no route to ask. */
	if (dev && dev != out->ifindex)
		return;
	if (skb->protocol == htons(ETH_P_IPV6))
		peer = semnet_peer_route6(sn, &ipv6_hdr(skb)->daddr);
	else
		peer = semnet_peer_route(sn, ip_hdr(skb)->daddr);
	if (!peer || peer->encap != SEMNET_ENCAP_DIRECT ||
	    READ_ONCE(peer->ifindex) != out->ifindex)
		return;
	atomic64_add(skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1,
		     &peer->tx_packets);
	atomic64_add(skb->len, &peer->tx_bytes);
}
