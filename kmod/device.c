// SPDX-License-Identifier: GPL-2.0
/*
 * semnet0: the tunnel device that carries packets between nodes, GRE in
 * UDP (RFC 8086). One per namespace (ip link add semnet0 type semnet). The
 * GRE key carries the sender's nsIP, so the receiver can answer a client
 * it has never heard of without asking anyone where it lives. Only known
 * peers are accepted, and only with inner sources that are theirs.
 *
 * Peers configured for ipudp (Oakestra's format: the bare inner IPv4
 * packet as the UDP payload, port 50103) get that instead; while up, the
 * device listens on both ports. Both sockets merge received TCP segments
 * in GRO before decapsulation (offload.c).
 *
 * The tunnel is not a relay: a decapsulated packet must be for this node
 * (one of its subnets, or the service range the hooks translate), or it
 * is dropped, whoever sent it. Otherwise a peer, or anyone who spoofs a
 * peer's outer source, could reach every address the node routes to.
 *
 * ECN follows RFC 6040 (normal mode): the inner ECN field is copied to
 * the outer header, and an outer CE is kept on decapsulation (a CE that
 * an inner not-ECT packet cannot carry drops it).
 *
 * Path MTU: a packet too big for the underlay route to its peer (that
 * route's MTU, lowered by the underlay's "fragmentation needed" errors,
 * which the sockets take: semnet_err_lookup) is answered, when DF is
 * set, with "fragmentation needed" quoting it as the container sent it.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/udp.h>
#include <net/dst.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "flow.h"
#include "instance.h"
#include "learn.h"
#include "netns.h"
#include "node.h"
#include "offload.h"
#include "peer.h"

/* RFC 8086: source ports from the flow hash, in the ephemeral range. */
#define SEMNET_SPORT_MIN	49152
#define SEMNET_SPORT_MAX	65535

static void semnet_tunnel_drop(struct semnet_device *sd, struct sk_buff *skb,
			       enum semnet_drop_reason reason)
{
	semnet_drop(sd->sn, reason);
	DEV_STATS_INC(sd->dev, rx_dropped);
	kfree_skb(skb);
}

/* No configured peer sent it: unknown, or known but not in this encap. */
static void semnet_tunnel_drop_stranger(struct semnet_device *sd,
					struct sk_buff *skb, bool known)
{
	semnet_tunnel_drop(sd, skb, known ? SEMNET_DROP_PEER_SPOOFED :
			   SEMNET_DROP_UNKNOWN_PEER);
}

/* The node a tunnel socket receives for, or NULL while there is none. */
static const struct semnet_node *
semnet_tunnel_node(const struct semnet_device *sd)
{
	return sd ? rcu_dereference(sd->sn->node) : NULL;
}

/*
 * A tunnel packet's inner source must be the sender's: its nsIP (the GRE
 * key) as is, or an InstanceIP we either do not know or know to live at
 * that very nsIP (*@table: the instance table says so).
 */
static bool semnet_inner_source_ok(struct semnet_net *sn,
				   const struct semnet_node *node,
				   __be32 src, __be32 key, bool *table)
{
	const struct semnet_instance *inst;

	*table = false;
	if (src == key)
		return true;
	if (!semnet_prefix_contains(&node->services, src))
		return false;
	inst = semnet_instance_lookup(sn, src);
	*table = inst && READ_ONCE(inst->nsip) == key;
	return !inst || *table;
}

/*
 * What a node serves through the tunnel: its own subnets (containers, the
 * gateway) and the service range, whose addresses the hooks translate or
 * drop. Anything else would be routed on: a relay.
 */
static bool semnet_inner_dest_ok(const struct semnet_node *node, __be32 dst)
{
	return semnet_node_is_local(node, dst) ||
	       semnet_prefix_contains(&node->services, dst);
}

/*
 * RFC 6040 decapsulation of @skb (its inner IPv4 header at the network
 * header) that arrived with outer TOS @outer. False: outer CE on an inner
 * not-ECT packet, which must be dropped (or a failed unshare).
 */
static bool semnet_ecn_decap(struct sk_buff *skb, u8 outer)
{
	bool set_ce = false;
	int rc;

	rc = __INET_ECN_decapsulate(outer, ip_hdr(skb)->tos, &set_ce);
	if (rc > 1)
		return false;
	if (rc || (!set_ce && (outer & INET_ECN_MASK) != INET_ECN_ECT_1))
		return true;	/* nothing to change (rc 1: ECT over not-ECT) */
	/* The header may be shared with a clone (a packet tap): unshare it. */
	if (skb_ensure_writable(skb, skb_network_offset(skb) +
				sizeof(struct iphdr)))
		return false;
	if (set_ce)
		IP_ECN_set_ce(ip_hdr(skb));
	else
		IP_ECN_set_ect1(ip_hdr(skb));
	return true;
}

/* Hands a decapsulated packet from @peer to the stack, on semnet0. */
static void semnet_tunnel_deliver(struct semnet_device *sd,
				  struct semnet_peer *peer, struct sk_buff *skb)
{
	unsigned int len = skb->len;

	skb->dev = sd->dev;
	skb->pkt_type = PACKET_HOST;
	atomic64_inc(&peer->rx_packets);
	atomic64_add(len, &peer->rx_bytes);
	if (gro_cells_receive(&sd->gro_cells, skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(sd->dev, len);
}

/* Strips the @hlen bytes of tunnel headers: the inner IPv4 packet is left. */
static int semnet_tunnel_pull(struct semnet_device *sd, struct sk_buff *skb,
			      unsigned int hlen)
{
	if (__iptunnel_pull_header(skb, hlen, htons(ETH_P_IP), false,
				   !net_eq(sd->net, dev_net(sd->dev))) ||
	    !pskb_may_pull(skb, sizeof(struct iphdr)))
		return -EINVAL;
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);
	return 0;
}

static int semnet_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);
	const struct semnet_node *node;
	struct semnet_peer *peer;
	struct semnet_net *sn;
	const struct semnet_gre *gre;
	const struct iphdr *inner;
	struct semnet_gre _gre;
	bool known, table;
	__be32 key;
	u8 tos;

	node = semnet_tunnel_node(sd);
	if (!node) {
		kfree_skb(skb);
		return 0;
	}
	sn = sd->sn;
	gre = skb_header_pointer(skb, sizeof(struct udphdr), sizeof(_gre), &_gre);
	if (!gre || !semnet_gre_ok(gre)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return 0;
	}
	/* Pulling the headers may move them: keep the key and the TOS. */
	key = gre->key;
	tos = ip_hdr(skb)->tos;
	peer = semnet_peer_from(sn, ip_hdr(skb)->saddr, SEMNET_ENCAP_GRE_UDP,
				key, false, &known);
	if (!peer) {
		semnet_tunnel_drop_stranger(sd, skb, known);
		return 0;
	}
	if (semnet_tunnel_pull(sd, skb, sizeof(struct udphdr) + sizeof(_gre))) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_MALFORMED);
		return 0;
	}
	inner = ip_hdr(skb);
	if (inner->version != 4 ||
	    !semnet_inner_source_ok(sn, node, inner->saddr, key, &table)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_PEER_SPOOFED);
		return 0;
	}
	if (!semnet_inner_dest_ok(node, inner->daddr)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_NOT_OURS);
		return 0;
	}
	if (!semnet_ecn_decap(skb, tos)) {
		DEV_STATS_INC(sd->dev, rx_frame_errors);
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return 0;
	}
	/*
	 * Replies to a remote client need to know where it lives; a client
	 * another node still speaks for is not this peer's to take.
	 */
	if (ip_hdr(skb)->saddr != key &&
	    !semnet_learn(sn, node, ip_hdr(skb)->saddr, key, peer, table)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_PEER_SPOOFED);
		return 0;
	}
	semnet_tunnel_deliver(sd, peer, skb);
	return 0;
}

/*
 * ipudp: no key says which of the peer's nsIPs sent the packet, so its
 * inner source must say it: an nsIP in the subnet of an ipudp peer at the
 * outer source address, an InstanceIP known to live at one, or an
 * InstanceIP this node does not know (from any ipudp peer there, as a GRE
 * key may name any of the peer's nsIPs). Nothing is learned: replies to
 * an unknown InstanceIP miss, and the node daemon resolves it upstream,
 * as Oakestra's NetManager does.
 */
static int semnet_ipudp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);
	const struct semnet_instance *inst;
	const struct semnet_node *node;
	struct semnet_peer *peer;
	const struct iphdr *inner;
	struct semnet_net *sn;
	struct iphdr _inner;
	bool known, any = false;
	__be32 nsip;
	u8 tos;

	node = semnet_tunnel_node(sd);
	if (!node) {
		kfree_skb(skb);
		return 0;
	}
	sn = sd->sn;
	inner = skb_header_pointer(skb, sizeof(struct udphdr), sizeof(_inner),
				   &_inner);
	if (!inner || inner->version != 4) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return 0;
	}
	nsip = inner->saddr;
	if (semnet_prefix_contains(&node->services, nsip)) {
		inst = semnet_instance_lookup(sn, nsip);
		if (inst)
			nsip = READ_ONCE(inst->nsip);
		else
			any = true;
	}
	peer = semnet_peer_from(sn, ip_hdr(skb)->saddr, SEMNET_ENCAP_IPUDP,
				nsip, any, &known);
	if (!peer) {
		semnet_tunnel_drop_stranger(sd, skb, known);
		return 0;
	}
	if (!semnet_inner_dest_ok(node, inner->daddr)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_NOT_OURS);
		return 0;
	}
	tos = ip_hdr(skb)->tos;
	if (semnet_tunnel_pull(sd, skb, sizeof(struct udphdr))) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_MALFORMED);
		return 0;
	}
	if (!semnet_ecn_decap(skb, tos)) {
		DEV_STATS_INC(sd->dev, rx_frame_errors);
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return 0;
	}
	semnet_tunnel_deliver(sd, peer, skb);
	return 0;
}

/* The nsIP that identifies the sender: a local instance's, or the source. */
static __be32 semnet_sender_nsip(struct semnet_net *sn, __be32 src)
{
	const struct semnet_instance *inst = semnet_instance_lookup(sn, src);

	return inst && READ_ONCE(inst->local) ? READ_ONCE(inst->nsip) : src;
}

/*
 * Sets the source of @skb (a packet about to be dropped) to @nsip, its
 * checksums with it. Nonzero: @skb could not be made writable.
 */
static int semnet_set_source(struct sk_buff *skb, __be32 nsip)
{
	unsigned int l4 = skb_network_offset(skb) + ip_hdrlen(skb);
	struct iphdr *iph = ip_hdr(skb);
	__be32 old = iph->saddr;
	__sum16 *check = NULL;
	unsigned int end = l4;

	/* Only a first fragment carries the L4 header. */
	if (!(iph->frag_off & htons(IP_OFFSET))) {
		if (iph->protocol == IPPROTO_TCP)
			end += sizeof(struct tcphdr);
		else if (iph->protocol == IPPROTO_UDP)
			end += sizeof(struct udphdr);
	}
	if (end > skb->len)
		end = l4;
	if (skb_ensure_writable(skb, end))
		return -ENOMEM;
	iph = ip_hdr(skb);
	if (end > l4)
		check = iph->protocol == IPPROTO_TCP ?
			&((struct tcphdr *)(skb->data + l4))->check :
			&((struct udphdr *)(skb->data + l4))->check;
	/* A zero UDP checksum is "none": it stays so. */
	if (check && (iph->protocol == IPPROTO_TCP || *check ||
		      skb->ip_summed == CHECKSUM_PARTIAL)) {
		inet_proto_csum_replace4(check, skb, old, nsip, true);
		if (iph->protocol == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	csum_replace4(&iph->check, old, nsip);
	iph->saddr = nsip;
	return 0;
}

/*
 * Sends the sender of @skb "destination unreachable" (@code, @info) from
 * the tunnel. @skb has been through both of the hooks' rewrites; the
 * error must quote it as it was between them (a local instance's
 * InstanceIP back to its nsIP, as the GRE key says) and go to that nsIP:
 * that is the packet the hooks' ICMP error path (xlate.c, LOCAL_OUT)
 * finds a flow for and turns back into what the container sent.
 */
static void semnet_tunnel_icmp(struct semnet_net *sn, struct sk_buff *skb,
			       int code, __be32 info)
{
	__be32 nsip = semnet_sender_nsip(sn, ip_hdr(skb)->saddr);

	if (nsip != ip_hdr(skb)->saddr && semnet_set_source(skb, nsip))
		return;
	icmp_ndo_send(skb, ICMP_DEST_UNREACH, code, info);
}

/* True when @skb, or one of its segments, is over @mtu. */
static bool semnet_too_big(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return skb->len - skb_network_offset(skb) > mtu;
}

static netdev_tx_t semnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct semnet_net *sn = sd->sn;
	const struct iphdr *iph;
	struct semnet_peer *peer;
	struct semnet_gre *gre;
	struct socket *sock;
	struct flowi4 fl4;
	struct rtable *rt;
	unsigned int overhead, mtu;
	__be32 key = 0;
	__be16 sport, df;
	bool gre_udp;
	u8 tos, ttl;
	int err;

	rcu_read_lock();
	sock = rcu_dereference(sd->sock);
	if (!sock || skb->protocol != htons(ETH_P_IP) ||
	    !pskb_network_may_pull(skb, sizeof(struct iphdr)))
		goto drop;
	iph = ip_hdr(skb);
	peer = semnet_peer_route(sn, iph->daddr);
	if (!peer) {
		const struct semnet_node *node = rcu_dereference(sn->node);

		if (node)
			semnet_miss_peer(sn, node, iph->daddr, iph->saddr,
					 iph->protocol);
		semnet_drop(sn, SEMNET_DROP_NO_PEER);
		semnet_tunnel_icmp(sn, skb, ICMP_HOST_UNREACH, 0);
		goto drop;
	}
	gre_udp = peer->encap == SEMNET_ENCAP_GRE_UDP;
	overhead = gre_udp ? SEMNET_TUNNEL_OVERHEAD : SEMNET_IPUDP_OVERHEAD;
	if (gre_udp)
		key = semnet_sender_nsip(sn, iph->saddr);
	/*
	 * RFC 6040 normal mode: the outer ECN field is the inner one, CE
	 * included (ip_tunnel_ecn_encap() would send CE as ECT(0), RFC
	 * 3168's full functionality). The DSCP is copied too.
	 */
	tos = iph->tos;
	df = iph->frag_off & htons(IP_DF);

	/* One underlay route per peer: TOS and mark do not steer it. */
	rt = dst_cache_get_ip4(&peer->dst_cache, &fl4.saddr);
	if (!rt) {
		memset(&fl4, 0, sizeof(fl4));
		fl4.daddr = peer->addr;
		fl4.flowi4_proto = IPPROTO_UDP;
		rt = ip_route_output_key(dev_net(dev), &fl4);
		if (IS_ERR(rt)) {
			DEV_STATS_INC(dev, tx_carrier_errors);
			goto drop;
		}
		dst_cache_set_ip4(&peer->dst_cache, &rt->dst, fl4.saddr);
	}
	if (rt->dst.dev == dev) {	/* the peer is routed into ourselves */
		ip_rt_put(rt);
		DEV_STATS_INC(dev, collisions);
		goto drop;
	}
	/*
	 * Over what the route to the peer carries (its MTU, or the path MTU
	 * the underlay reported): a sender on this host learns it from its
	 * route; with DF the packet cannot go, and its sender gets
	 * "fragmentation needed" with the tunnel's MTU (as ip_forward()
	 * would say, but it only knows semnet0's). Without DF the outer
	 * packet is fragmented.
	 */
	mtu = dst_mtu(&rt->dst) - overhead;
	if (semnet_too_big(skb, mtu)) {
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		if (df) {
			ip_rt_put(rt);
			semnet_drop(sn, SEMNET_DROP_TOO_BIG);
			semnet_tunnel_icmp(sn, skb, ICMP_FRAG_NEEDED,
					   htonl(mtu));
			goto drop;
		}
	}
	sport = udp_flow_src_port(dev_net(dev), skb, SEMNET_SPORT_MIN,
				  SEMNET_SPORT_MAX, false);
	ttl = ip4_dst_hoplimit(&rt->dst);

	/*
	 * GSO: UDP + GRE count as one tunnel header that segmentation copies
	 * per segment (no GRE checksum or sequence to recompute), so NICs with
	 * UDP-tunnel TSO take it; no SKB_GSO_GRE. The outer UDP checksum is
	 * zero, as IPv4 allows (RFC 8086 3.2) and vxlan, geneve and fou do by
	 * default: the inner packet carries its own checksums, and segments
	 * need no outer one computed.
	 */
	err = udp_tunnel_handle_offloads(skb, false);
	if (err)
		goto drop_rt;
	skb_set_inner_protocol(skb, htons(ETH_P_IP));
	err = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + overhead);
	if (err)
		goto drop_rt;
	if (gre_udp) {
		gre = skb_push(skb, sizeof(*gre));
		/* A key, nothing else: no checksum, no sequence number. */
		gre->flags = GRE_KEY;
		gre->protocol = htons(ETH_P_IP);
		gre->key = key;
	}

	atomic64_inc(&peer->tx_packets);
	atomic64_add(skb->len, &peer->tx_bytes);
	udp_tunnel_xmit_skb(rt, sock->sk, skb, fl4.saddr, peer->addr, tos, ttl,
			    df, sport, peer->port,
			    !net_eq(sd->net, dev_net(dev)), true /* no csum */);
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop_rt:
	ip_rt_put(rt);
drop:
	rcu_read_unlock();
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* A UDP tunnel socket on @port that hands what it receives to @rcv. */
static int semnet_sock_open(struct semnet_device *sd, u16 port,
			    const struct udp_tunnel_sock_cfg *ops,
			    struct socket __rcu **slot)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = *ops;
	struct udp_port_cfg udp_cfg = {
		.family = AF_INET,
		.local_udp_port = htons(port),
	};
	struct socket *sock;
	int ret;

	ret = udp_sock_create(sd->net, &udp_cfg, &sock);
	if (ret)
		return ret;
	udp_allow_gso(sock->sk);
	tunnel_cfg.sk_user_data = sd;
	tunnel_cfg.encap_type = 1;
	setup_udp_tunnel_sock(sd->net, sock, &tunnel_cfg);
	rcu_assign_pointer(*slot, sock);
	return 0;
}

/*
 * An ICMP error from the underlay about a packet the socket may have
 * sent: the quoted outer header (network and transport headers here) goes
 * to a peer's tunnel port. 0 lets the UDP error path take it, which on
 * "fragmentation needed" lowers the PMTU of the route to that peer
 * (ipv4_sk_update_pmtu()): the peer's dst_cache entry goes stale and the
 * next packet sees the new MTU. The kernel finds the socket by the
 * quoted destination port, so this works for peers whose tunnel port is
 * this node's own (the default); the source port is the flow's hash.
 * RCU, softirq.
 */
static int semnet_err_lookup(struct sock *sk, struct sk_buff *skb, u8 encap)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);

	if (!sd || !semnet_peer_at(sd->sn, ip_hdr(skb)->daddr,
				   udp_hdr(skb)->dest, encap))
		return -ENOENT;
	return 0;
}

static int semnet_gre_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	return semnet_err_lookup(sk, skb, SEMNET_ENCAP_GRE_UDP);
}

static int semnet_ipudp_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	return semnet_err_lookup(sk, skb, SEMNET_ENCAP_IPUDP);
}

static const struct udp_tunnel_sock_cfg semnet_gre_sock_ops = {
	.encap_rcv = semnet_udp_rcv,
	.encap_err_lookup = semnet_gre_err_lookup,
	.gro_receive = semnet_gre_gro_receive,
	.gro_complete = semnet_gre_gro_complete,
};

static const struct udp_tunnel_sock_cfg semnet_ipudp_sock_ops = {
	.encap_rcv = semnet_ipudp_rcv,
	.encap_err_lookup = semnet_ipudp_err_lookup,
	.gro_receive = semnet_ipudp_gro_receive,
	.gro_complete = semnet_ipudp_gro_complete,
};

static int semnet_dev_stop(struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct socket *sock = rtnl_dereference(sd->sock);
	struct socket *ipudp = rtnl_dereference(sd->ipudp_sock);

	RCU_INIT_POINTER(sd->sock, NULL);
	RCU_INIT_POINTER(sd->ipudp_sock, NULL);
	synchronize_net();
	if (sock)
		udp_tunnel_sock_release(sock);
	if (ipudp)
		udp_tunnel_sock_release(ipudp);
	return 0;
}

/*
 * Both sockets, always (not only while some peer speaks ipudp): a node
 * accepts a peer's packets as soon as the peer is configured, and up
 * fails clearly when either port is taken.
 */
static int semnet_dev_open(struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct semnet_net *sn = semnet_pernet(sd->net);
	const struct semnet_node *node;
	u16 port = SEMNET_TUNNEL_PORT;
	int ret;

	rcu_read_lock();
	node = rcu_dereference(sn->node);
	if (node && node->tunnel_port)
		port = node->tunnel_port;
	rcu_read_unlock();

	ret = semnet_sock_open(sd, port, &semnet_gre_sock_ops, &sd->sock);
	if (ret)
		return ret;
	ret = semnet_sock_open(sd, SEMNET_IPUDP_PORT, &semnet_ipudp_sock_ops,
			       &sd->ipudp_sock);
	if (ret)
		semnet_dev_stop(dev);
	return ret;
}

static int semnet_dev_init(struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	int ret;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	ret = gro_cells_init(&sd->gro_cells, dev);
	if (ret) {
		free_percpu(dev->tstats);
		return ret;
	}
	return 0;
}

static void semnet_dev_uninit(struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);

	gro_cells_destroy(&sd->gro_cells);
	free_percpu(dev->tstats);
}

static const struct net_device_ops semnet_netdev_ops = {
	.ndo_init = semnet_dev_init,
	.ndo_uninit = semnet_dev_uninit,
	.ndo_open = semnet_dev_open,
	.ndo_stop = semnet_dev_stop,
	.ndo_start_xmit = semnet_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static const struct device_type semnet_device_type = {
	.name = "semnet",
};

#define SEMNET_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
			 NETIF_F_RXCSUM | NETIF_F_GSO_SOFTWARE)

static void semnet_setup(struct net_device *dev)
{
	dev->netdev_ops = &semnet_netdev_ops;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &semnet_device_type);
	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + SEMNET_TUNNEL_OVERHEAD;
	dev->mtu = ETH_DATA_LEN - SEMNET_TUNNEL_OVERHEAD;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - SEMNET_TUNNEL_OVERHEAD;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* Its state is its namespace's: it cannot move to another. */
	semnet_dev_set_lltx_netns_local(dev);
	dev->features |= SEMNET_FEATURES;
	dev->hw_features |= SEMNET_FEATURES;
	netif_keep_dst(dev);
}

/*
 * The MTU of the underlay route a peer without a route of its own is
 * reached by, the default route (its MTU metric, else its device's), or
 * 0 without one. An LTE, PPPoE or VPN uplink is usually that route, and
 * a namespace often has larger devices that never carry the tunnel.
 */
static unsigned int semnet_default_route_mtu(struct net *net)
{
	struct flowi4 fl4 = { .daddr = htonl(INADDR_ANY) };
	struct fib_result res;
	unsigned int mtu = 0;

	rcu_read_lock();
	if (!fib_lookup(net, &fl4, &res, 0) && res.type == RTN_UNICAST &&
	    res.fi && res.nhc && res.nhc->nhc_dev) {
		mtu = res.fi->fib_mtu;
		if (!mtu)
			mtu = READ_ONCE(res.nhc->nhc_dev->mtu);
	}
	rcu_read_unlock();
	return mtu;
}

static int semnet_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct net *net = dev_net(dev);
	struct semnet_net *sn = semnet_pernet(net);
	struct net_device *underlay;
	int ret;

	/* One tunnel per namespace: its node's. */
	if (rtnl_dereference(sn->tunnel)) {
		NL_SET_ERR_MSG(extack, "this namespace already has a semnet device");
		return -EEXIST;
	}
	sd->dev = dev;
	sd->net = net;
	sd->sn = sn;
	/*
	 * Fit the underlay route's MTU, minus what we add; without a default
	 * route, the largest device's. Routes to single peers may carry less
	 * (or learn less): the transmit path answers those packets with
	 * "fragmentation needed".
	 */
	if (!tb[IFLA_MTU]) {
		unsigned int mtu = semnet_default_route_mtu(net);

		if (!mtu)
			for_each_netdev(net, underlay)
				if (underlay != dev &&
				    !(underlay->flags & IFF_LOOPBACK))
					mtu = max(mtu, underlay->mtu);
		if (mtu > SEMNET_TUNNEL_OVERHEAD + IPV4_MIN_MTU)
			dev->mtu = mtu - SEMNET_TUNNEL_OVERHEAD;
	}
	ret = register_netdevice(dev);
	if (ret)
		return ret;
	rcu_assign_pointer(sn->tunnel, sd);
	return 0;
}

static void semnet_dellink(struct net_device *dev, struct list_head *head)
{
	struct semnet_net *sn = semnet_pernet(dev_net(dev));

	if (rtnl_dereference(sn->tunnel) == netdev_priv(dev))
		RCU_INIT_POINTER(sn->tunnel, NULL);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops semnet_link_ops __read_mostly = {
	.kind = "semnet",
	.priv_size = sizeof(struct semnet_device),
	.setup = semnet_setup,
	.newlink = semnet_newlink,
	.dellink = semnet_dellink,
};

int semnet_device_init(void)
{
	return rtnl_link_register(&semnet_link_ops);
}

void semnet_device_exit(void)
{
	rtnl_link_unregister(&semnet_link_ops);
}

MODULE_ALIAS_RTNL_LINK("semnet");
