// SPDX-License-Identifier: GPL-2.0
/*
 * semnet0: the tunnel device that carries packets between nodes, GRE in
 * UDP (RFC 8086). One per namespace (ip link add semnet0 type semnet). The
 * GRE key carries the sender's nsIP (of an IPv6 one, its low 32 bits: the
 * receiver completes it from the sender's /96-or-longer subnet), so the
 * receiver can answer a client it has never heard of without asking anyone
 * where it lives. Only known peers are accepted, and only with inner
 * sources that are theirs.
 *
 * Both families, inside and out: the GRE protocol says the inner one
 * (0x0800 or 0x86DD), a peer's underlay address the outer one. Over IPv6
 * the outer UDP checksum is computed and required, as RFC 8086 asks; over
 * IPv4 it is zero. The device listens on IPv4 and IPv6 sockets.
 *
 * Peers configured for ipudp (Oakestra's format: the bare inner packet as
 * the UDP payload, to the peer's port, 50103 by default) get that
 * instead; while up, the device listens on both ports, and takes bare IP
 * from ipudp peers at the GRE port too: an Oakestra node sends to the
 * port a node reports, and a semnet node reports its GRE port. The first
 * nibble past the UDP header tells GRE from bare IPv4 and IPv6
 * (semnet_tunnel_demux()). All sockets merge received TCP segments in
 * GRO before decapsulation (offload.c).
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
 * route's MTU, lowered by the underlay's "fragmentation needed" or
 * "packet too big" errors, which the sockets take: semnet_err_lookup) is
 * answered, when DF is set (always, for IPv6), with "fragmentation
 * needed" or "packet too big" quoting it as the container sent it.
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
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/ip_tunnels.h>
#include <net/l3mdev.h>
#include <net/rtnetlink.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "flow.h"
#include "instance.h"
#include "learn.h"
#include "miss.h"
#include "netns.h"
#include "node.h"
#include "offload.h"
#include "peer.h"
#include "rewrite6.h"
#include "service.h"

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
 * that very nsIP (*@table: the instance table says so); never one of
 * this node's ServiceIPs.
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
	if (inst)
		return *table;
	/*
	 * Nobody sends from a ServiceIP: replies leave the instance's node
	 * from its InstanceIP, and the client's node puts the ServiceIP back.
	 */
	return !semnet_service_lookup(sn, src);
}

static bool semnet_inner_source_ok6(struct semnet_net *sn,
				    const struct semnet_node *node,
				    const struct in6_addr *src,
				    const struct in6_addr *nsip, bool *table)
{
	const struct semnet_instance *inst;

	*table = false;
	if (ipv6_addr_equal(src, nsip))
		return true;
	if (!semnet_prefix6_contains(&node->services6, src))
		return false;
	inst = semnet_instance_lookup6(sn, src);
	*table = inst && ipv6_addr_equal(&inst->nsip6, nsip);
	if (inst)
		return *table;
	return !semnet_service_lookup6(sn, src);
}

/*
 * RFC 6040 decapsulation of @skb (its inner IPv4 or IPv6 header at the
 * network header, skb->protocol saying which) that arrived with outer
 * TOS/traffic class @outer. False: outer CE on an inner not-ECT packet,
 * which must be dropped (or a failed unshare).
 */
static bool semnet_ecn_decap(struct sk_buff *skb, u8 outer)
{
	bool v6 = skb->protocol == htons(ETH_P_IPV6);
	bool set_ce = false;
	int rc;

	rc = __INET_ECN_decapsulate(outer, v6 ? ipv6_get_dsfield(ipv6_hdr(skb)) :
				    ip_hdr(skb)->tos, &set_ce);
	if (rc > 1)
		return false;
	if (rc || (!set_ce && (outer & INET_ECN_MASK) != INET_ECN_ECT_1))
		return true;	/* nothing to change (rc 1: ECT over not-ECT) */
	/* The header may be shared with a clone (a packet tap): unshare it. */
	if (skb_ensure_writable(skb, skb_network_offset(skb) +
				(v6 ? sizeof(struct ipv6hdr) :
				 sizeof(struct iphdr))))
		return false;
	if (v6 && set_ce)
		IP6_ECN_set_ce(skb, ipv6_hdr(skb));
	else if (v6)
		IP6_ECN_set_ect1(skb, ipv6_hdr(skb));
	else if (set_ce)
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

/*
 * Strips the @hlen bytes of tunnel headers: the inner packet of @proto
 * (ETH_P_IP or ETH_P_IPV6) is left, its fixed header pulled.
 */
static int semnet_tunnel_pull(struct semnet_device *sd, struct sk_buff *skb,
			      unsigned int hlen, __be16 proto)
{
	if (__iptunnel_pull_header(skb, hlen, proto, false,
				   !net_eq(sd->net, dev_net(sd->dev))) ||
	    !pskb_may_pull(skb, proto == htons(ETH_P_IPV6) ?
			   sizeof(struct ipv6hdr) : sizeof(struct iphdr)))
		return -EINVAL;
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);
	return 0;
}

/*
 * The device a packet the underlay delivered arrived on (a peer may be
 * bound to one): for a device enslaved to a VRF, iif is the VRF and sdif
 * the device itself. Also right for an ICMP error whose network header
 * is already the quoted packet's: the control block is the error's.
 */
static struct semnet_via semnet_via_of(const struct sk_buff *skb, bool v6)
{
	if (v6)
		return (struct semnet_via){
			.iif = inet6_iif(skb), .sdif = inet6_sdif(skb),
		};
	return (struct semnet_via){ .iif = inet_iif(skb), .sdif = inet_sdif(skb) };
}

/*
 * The outer header of a packet a tunnel socket received: its source in
 * *@from, the device it arrived on in *@via, its TOS or traffic class
 * returned.
 */
static u8 semnet_outer_of(const struct sk_buff *skb,
			  struct semnet_underlay *from, struct semnet_via *via)
{
	if (ip_hdr(skb)->version == 6) {
		from->family = AF_INET6;
		from->ip6 = ipv6_hdr(skb)->saddr;
		*via = semnet_via_of(skb, true);
		return ipv6_get_dsfield(ipv6_hdr(skb));
	}
	from->family = AF_INET;
	from->ip = ip_hdr(skb)->saddr;
	*via = semnet_via_of(skb, false);
	return ip_hdr(skb)->tos;
}

/*
 * The checks of an inner packet, past its peer: a source that is the
 * sender's, a destination that is ours, ECN. Zero, or the reason to drop.
 */
static enum semnet_drop_reason
semnet_inner_check(struct semnet_device *sd, const struct semnet_node *node,
		   struct sk_buff *skb, bool source_ok, u8 tos)
{
	bool dest_ok;

	if (skb->protocol == htons(ETH_P_IPV6))
		dest_ok = semnet_node_serves6(node, &ipv6_hdr(skb)->daddr);
	else
		dest_ok = semnet_node_serves(node, ip_hdr(skb)->daddr);
	if (!source_ok)
		return SEMNET_DROP_PEER_SPOOFED;
	if (!dest_ok)
		return SEMNET_DROP_NOT_OURS;
	if (!semnet_ecn_decap(skb, tos)) {
		DEV_STATS_INC(sd->dev, rx_frame_errors);
		return SEMNET_DROP_BAD_ENCAP;
	}
	return SEMNET_DROP_UNSPEC;
}

/* GRE with an IPv6 inner packet: its sender's nsIP is the peer's /96 + key. */
static void semnet_gre_rcv6(struct semnet_device *sd,
			    const struct semnet_node *node, struct sk_buff *skb,
			    const struct semnet_underlay *from,
			    const struct semnet_via *via, __be32 key, u8 tos)
{
	struct semnet_net *sn = sd->sn;
	enum semnet_drop_reason reason;
	struct semnet_inaddr src, nsip;
	struct semnet_peer *peer;
	bool known, table, ok;

	nsip.family = AF_INET6;
	peer = semnet_peer_from_key6(sn, from, via, key, &nsip.ip6, &known);
	if (!peer) {
		semnet_tunnel_drop_stranger(sd, skb, known);
		return;
	}
	if (semnet_tunnel_pull(sd, skb,
			       sizeof(struct udphdr) + sizeof(struct semnet_gre),
			       htons(ETH_P_IPV6))) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_MALFORMED);
		return;
	}
	src = semnet_inaddr6(&ipv6_hdr(skb)->saddr);
	ok = ipv6_hdr(skb)->version == 6 &&
	     semnet_inner_source_ok6(sn, node, &src.ip6, &nsip.ip6, &table);
	reason = semnet_inner_check(sd, node, skb, ok, tos);
	/* As for IPv4: where a remote client lives, for the replies. */
	if (!reason && !ipv6_addr_equal(&src.ip6, &nsip.ip6) &&
	    !semnet_learn(sn, node, &src, &nsip, peer, table))
		reason = SEMNET_DROP_PEER_SPOOFED;
	if (reason) {
		semnet_tunnel_drop(sd, skb, reason);
		return;
	}
	semnet_tunnel_deliver(sd, peer, skb);
}

/*
 * Bare IP in UDP from an ipudp peer, at the ipudp port or at the node's
 * tunnel port (semnet_udp_rcv(): Oakestra sends to the port a node
 * reports, which for a semnet node is its GRE port); one receive for both.
 * No key says which of the peer's nsIPs sent the packet, so its
 * inner source must say it: an nsIP in the subnet of an ipudp peer at the
 * outer source address, an InstanceIP known to live at one, or an
 * InstanceIP this node does not know (from any ipudp peer there, as a GRE
 * key may name any of the peer's nsIPs). Nothing is learned: replies to
 * an unknown InstanceIP miss, and the node daemon resolves it upstream,
 * as Oakestra's NetManager does. The inner packet's first nibble says its
 * family.
 */
static void semnet_bare_rcv(struct semnet_device *sd,
			    const struct semnet_node *node, struct sk_buff *skb)
{
	const struct semnet_instance *inst;
	enum semnet_drop_reason reason;
	enum semnet_tunnel_kind kind;
	struct semnet_underlay from;
	struct semnet_peer *peer;
	struct semnet_inaddr nsip;
	struct semnet_net *sn;
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} _inner;
	const void *inner;
	bool known, any = false;
	struct semnet_via via;
	__be16 proto;
	u8 tos;

	sn = sd->sn;
	inner = skb_header_pointer(skb, sizeof(struct udphdr),
				   sizeof(struct iphdr), &_inner);
	kind = inner ? semnet_tunnel_demux(inner, sizeof(struct iphdr)) :
	       SEMNET_TUNNEL_BAD;
	if (kind == SEMNET_TUNNEL_IP6)
		inner = skb_header_pointer(skb, sizeof(struct udphdr),
					   sizeof(struct ipv6hdr), &_inner);
	if (!inner) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return;
	}
	if (kind == SEMNET_TUNNEL_IP4) {
		const struct iphdr *iph = inner;

		proto = htons(ETH_P_IP);
		nsip = semnet_inaddr4(iph->saddr);
		if (semnet_prefix_contains(&node->services, nsip.ip)) {
			inst = semnet_instance_lookup(sn, nsip.ip);
			if (inst)
				nsip.ip = READ_ONCE(inst->nsip);
			else	/* a ServiceIP is nobody's: no peer holds it */
				any = !semnet_service_lookup(sn, nsip.ip);
		}
	} else if (kind == SEMNET_TUNNEL_IP6 && node->has_v6) {
		const struct ipv6hdr *ip6h = inner;

		proto = htons(ETH_P_IPV6);
		nsip = semnet_inaddr6(&ip6h->saddr);
		if (semnet_prefix6_contains(&node->services6, &nsip.ip6)) {
			inst = semnet_instance_lookup6(sn, &nsip.ip6);
			if (inst)
				nsip.ip6 = inst->nsip6;
			else
				any = !semnet_service_lookup6(sn, &nsip.ip6);
		}
	} else {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		return;
	}
	tos = semnet_outer_of(skb, &from, &via);
	peer = semnet_peer_from(sn, &from, &via, SEMNET_ENCAP_IPUDP, &nsip, any,
				&known);
	if (!peer) {
		semnet_tunnel_drop_stranger(sd, skb, known);
		return;
	}
	if (semnet_tunnel_pull(sd, skb, sizeof(struct udphdr), proto)) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_MALFORMED);
		return;
	}
	reason = semnet_inner_check(sd, node, skb, true, tos);
	if (reason) {
		semnet_tunnel_drop(sd, skb, reason);
		return;
	}
	semnet_tunnel_deliver(sd, peer, skb);
}

/* The ipudp socket (SEMNET_IPUDP_PORT): bare IP only. */
static int semnet_ipudp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);
	const struct semnet_node *node = semnet_tunnel_node(sd);

	if (node)
		semnet_bare_rcv(sd, node, skb);
	else
		kfree_skb(skb);
	return 0;
}

static int semnet_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);
	const struct semnet_node *node;
	enum semnet_drop_reason reason;
	struct semnet_inaddr src, nsip;
	struct semnet_underlay from;
	struct semnet_peer *peer;
	struct semnet_net *sn;
	const struct semnet_gre *gre;
	enum semnet_tunnel_kind kind;
	struct semnet_gre _gre;
	bool known, table, ok;
	__be16 proto;
	struct semnet_via via;
	__be32 key;
	u8 tos;

	node = semnet_tunnel_node(sd);
	if (!node) {
		kfree_skb(skb);
		return 0;
	}
	sn = sd->sn;
	gre = skb_header_pointer(skb, sizeof(struct udphdr), sizeof(_gre), &_gre);
	kind = gre ? semnet_tunnel_demux(gre, sizeof(_gre)) : SEMNET_TUNNEL_BAD;
	if (unlikely(kind != SEMNET_TUNNEL_GRE)) {
		/* ipudp peers send to the port a node reports: this one. */
		if (kind == SEMNET_TUNNEL_BAD)
			semnet_tunnel_drop(sd, skb, SEMNET_DROP_BAD_ENCAP);
		else
			semnet_bare_rcv(sd, node, skb);
		return 0;
	}
	/* Pulling the headers may move them: keep what they say. */
	key = gre->key;
	proto = gre->protocol;
	tos = semnet_outer_of(skb, &from, &via);
	if (proto == htons(ETH_P_IPV6)) {
		semnet_gre_rcv6(sd, node, skb, &from, &via, key, tos);
		return 0;
	}
	nsip = semnet_inaddr4(key);
	peer = semnet_peer_from(sn, &from, &via, SEMNET_ENCAP_GRE_UDP, &nsip,
				false, &known);
	if (!peer) {
		semnet_tunnel_drop_stranger(sd, skb, known);
		return 0;
	}
	if (semnet_tunnel_pull(sd, skb, sizeof(struct udphdr) + sizeof(_gre),
			       htons(ETH_P_IP))) {
		semnet_tunnel_drop(sd, skb, SEMNET_DROP_MALFORMED);
		return 0;
	}
	src = semnet_inaddr4(ip_hdr(skb)->saddr);
	ok = ip_hdr(skb)->version == 4 &&
	     semnet_inner_source_ok(sn, node, src.ip, key, &table);
	reason = semnet_inner_check(sd, node, skb, ok, tos);
	/*
	 * Replies to a remote client need to know where it lives; a client
	 * another node still speaks for is not this peer's to take.
	 */
	if (!reason && src.ip != key &&
	    !semnet_learn(sn, node, &src, &nsip, peer, table))
		reason = SEMNET_DROP_PEER_SPOOFED;
	if (reason) {
		semnet_tunnel_drop(sd, skb, reason);
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

/* The IPv6 nsIP that identifies the sender: a local instance's, or the source. */
static const struct in6_addr *semnet_sender_nsip6(struct semnet_net *sn,
						  const struct in6_addr *src)
{
	const struct semnet_instance *inst = semnet_instance_lookup6(sn, src);

	return inst && READ_ONCE(inst->local) ? &inst->nsip6 : src;
}

/*
 * semnet_tunnel_icmp() for IPv6: ICMPv6 @type and @code. The source goes
 * back to the nsIP through the flow rewrite (checksums with it); a packet
 * that does not parse is quoted as it is.
 */
static void semnet_tunnel_icmp6(struct semnet_net *sn, struct sk_buff *skb,
				u8 type, u8 code, __be32 info)
{
	const struct in6_addr *nsip;
	struct semnet_pkt6 pkt;

	nsip = semnet_sender_nsip6(sn, &ipv6_hdr(skb)->saddr);
	if (!ipv6_addr_equal(nsip, &ipv6_hdr(skb)->saddr) &&
	    !semnet_parse6(skb, &pkt) && !pkt.icmp_error) {
		struct semnet_fkey6 to = pkt.key;

		to.src = *nsip;
		if (semnet_rewrite6(skb, &pkt, &pkt.key, &to))
			return;
	}
	icmpv6_ndo_send(skb, type, code, ntohl(info));
}

/* True when @skb, or one of its segments, is over @mtu. */
static bool semnet_too_big(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return skb->len - skb_network_offset(skb) > mtu;
}

/* What semnet_xmit() needs to know about the inner packet it sends. */
struct semnet_inner {
	struct semnet_peer *peer;
	__be32 key;		/* GRE key: the sender's nsIP (its low 32 bits) */
	/*
	 * TOS or traffic class for the outer header. RFC 6040 normal mode:
	 * the outer ECN field is the inner one, CE included
	 * (ip_tunnel_ecn_encap() would send CE as ECT(0), RFC 3168's full
	 * functionality). The DSCP is copied too.
	 */
	u8 tos;
	bool df;		/* the sender forbids fragmentation */
	bool v6;
};

/*
 * Reads @skb's inner header into @in and finds its peer; with none, the
 * sender is told (and a miss raised for semnetd) and false returned.
 */
static bool semnet_inner_of(struct semnet_net *sn, struct sk_buff *skb,
			    struct semnet_inner *in)
{
	in->v6 = skb->protocol == htons(ETH_P_IPV6);
	if (in->v6) {
		const struct ipv6hdr *ip6h;

		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			return false;
		ip6h = ipv6_hdr(skb);
		/*
		 * The stack's own link-scope traffic (router solicitations
		 * when semnet0 comes up, MLD) is for no peer and no miss.
		 */
		if (ipv6_addr_is_multicast(&ip6h->daddr) ||
		    semnet_addr6_linklocal(&ip6h->daddr))
			return false;
		in->peer = semnet_peer_route6(sn, &ip6h->daddr);
		if (!in->peer) {
			const struct semnet_node *node = rcu_dereference(sn->node);
			struct semnet_inaddr dst = semnet_inaddr6(&ip6h->daddr);
			struct semnet_inaddr src = semnet_inaddr6(&ip6h->saddr);

			/* The next header names the protocol unless options come first. */
			if (node)
				semnet_miss_peer_addr(sn, node, &dst, &src,
						      ip6h->nexthdr);
			semnet_drop(sn, SEMNET_DROP_NO_PEER);
			semnet_tunnel_icmp6(sn, skb, ICMPV6_DEST_UNREACH,
					    ICMPV6_ADDR_UNREACH, 0);
			return false;
		}
		in->key = semnet_sender_nsip6(sn, &ip6h->saddr)->s6_addr32[3];
		in->tos = ipv6_get_dsfield(ip6h);
		/* IPv6 is never fragmented on the way (RFC 8200 5). */
		in->df = true;
		return true;
	}
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr))) {
		const struct iphdr *iph = ip_hdr(skb);

		in->peer = semnet_peer_route(sn, iph->daddr);
		if (!in->peer) {
			const struct semnet_node *node = rcu_dereference(sn->node);

			if (node)
				semnet_miss_peer(sn, node, iph->daddr,
						 iph->saddr, iph->protocol);
			semnet_drop(sn, SEMNET_DROP_NO_PEER);
			semnet_tunnel_icmp(sn, skb, ICMP_HOST_UNREACH, 0);
			return false;
		}
		in->key = semnet_sender_nsip(sn, iph->saddr);
		in->tos = iph->tos;
		in->df = iph->frag_off & htons(IP_DF);
		return true;
	}
	return false;
}

/*
 * Over what the route to the peer carries (its MTU, or the path MTU the
 * underlay reported): a sender on this host learns it from its route;
 * with DF (always, for IPv6) the packet cannot go, and its sender gets
 * "fragmentation needed" or "packet too big" with the tunnel's MTU (as
 * forwarding would say, but it only knows semnet0's). Without DF the
 * outer packet is fragmented; so is an IPv6 one when the underlay cannot
 * carry IPv6's minimum MTU through the tunnel (RFC 8200 5 asks a link to
 * fragment below it). False: dropped.
 */
static bool semnet_fits(struct semnet_net *sn, struct sk_buff *skb,
			struct semnet_inner *in, unsigned int mtu)
{
	if (!semnet_too_big(skb, mtu))
		return true;
	/*
	 * IPv4: the route into semnet0 learns the path MTU, so this node
	 * answers the next packet itself. IPv6 would clone the route into a
	 * cached exception per destination: kmemleak reports those clones
	 * unfreed after the namespace is gone (6.1), so there the sender's
	 * own route learns it from the Packet Too Big alone.
	 */
	if (!in->v6)
		skb_dst_update_pmtu_no_confirm(skb, mtu);
	if (in->v6 && mtu < IPV6_MIN_MTU) {
		in->df = false;
		return true;
	}
	if (!in->df)
		return true;
	semnet_drop(sn, SEMNET_DROP_TOO_BIG);
	if (in->v6)
		semnet_tunnel_icmp6(sn, skb, ICMPV6_PKT_TOOBIG, 0, htonl(mtu));
	else
		semnet_tunnel_icmp(sn, skb, ICMP_FRAG_NEEDED, htonl(mtu));
	return false;
}

/*
 * Prepares @skb for the outer headers: offloads, headroom for @overhead
 * past the route's device, and the GRE header when @gre_udp.
 *
 * GSO: UDP + GRE count as one tunnel header that segmentation copies per
 * segment (no GRE checksum or sequence to recompute), so NICs with
 * UDP-tunnel TSO take it; no SKB_GSO_GRE. Over IPv4 the outer UDP
 * checksum is zero, as IPv4 allows (RFC 8086 3.2) and vxlan, geneve and
 * fou do by default: the inner packet carries its own checksums. Over
 * IPv6, RFC 8086 asks for the checksum (@csum): SKB_GSO_UDP_TUNNEL_CSUM.
 */
static int semnet_encap(struct sk_buff *skb, const struct semnet_inner *in,
			const struct dst_entry *dst, unsigned int overhead,
			bool gre_udp, bool csum)
{
	struct semnet_gre *gre;
	int err;

	err = udp_tunnel_handle_offloads(skb, csum);
	if (err)
		return err;
	skb_set_inner_protocol(skb, skb->protocol);
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + overhead);
	if (err)
		return err;
	if (gre_udp) {
		gre = skb_push(skb, sizeof(*gre));
		/* A key, nothing else: no checksum, no sequence number. */
		gre->flags = GRE_KEY;
		gre->protocol = skb->protocol;
		gre->key = in->key;
	}
	return 0;
}

/*
 * A peer bound to a device (SEMNET_A_PEER_IFINDEX) takes its tunnel
 * packets only from that device, and is sent to only through it: one
 * reached through WireGuard never leaves in clear by another route (its
 * subnet's route into the device missing for a moment, say). A VRF bound
 * matches its slaves, as on receive.
 */
static bool semnet_route_fits_peer(struct semnet_net *sn, const struct semnet_peer *peer,
				   const struct net_device *out)
{
	int ifindex = READ_ONCE(peer->ifindex);

	if (!ifindex || out->ifindex == ifindex ||
	    (netif_is_l3_slave(out) && l3mdev_master_ifindex_rcu(out) == ifindex))
		return true;
	semnet_drop(sn, SEMNET_DROP_NOT_VIA_DEVICE);
	return false;
}

/* The rest of semnet_xmit() for a peer over IPv6. Consumes @skb. */
static void semnet_xmit6(struct semnet_device *sd, struct sk_buff *skb,
			 struct semnet_inner *in, struct socket *sock)
{
	struct net_device *dev = sd->dev;
	struct semnet_peer *peer = in->peer;
	bool gre_udp = peer->encap != SEMNET_ENCAP_IPUDP;
	unsigned int overhead = SEMNET_OUTER6_EXTRA +
		(gre_udp ? SEMNET_TUNNEL_OVERHEAD : SEMNET_IPUDP_OVERHEAD);
	struct flowi6 fl6 = {
		.daddr = peer->under.ip6,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst;
	__be16 sport;

	if (!sock) {
		DEV_STATS_INC(dev, tx_carrier_errors);
		goto drop;
	}
	dst = dst_cache_get_ip6(&peer->dst_cache, &fl6.saddr);
	if (!dst) {
		dst = ipv6_stub->ipv6_dst_lookup_flow(dev_net(dev), sock->sk,
						      &fl6, NULL);
		if (IS_ERR(dst)) {
			DEV_STATS_INC(dev, tx_carrier_errors);
			goto drop;
		}
		dst_cache_set_ip6(&peer->dst_cache, dst, &fl6.saddr);
	}
	if (dst->dev == dev) {	/* the peer is routed into ourselves */
		dst_release(dst);
		DEV_STATS_INC(dev, collisions);
		goto drop;
	}
	if (!semnet_route_fits_peer(sd->sn, peer, dst->dev))
		goto drop_dst;
	if (!semnet_fits(sd->sn, skb, in, dst_mtu(dst) - overhead))
		goto drop_dst;
	/* An IPv4 packet without DF may be fragmented: the outer one is. */
	skb->ignore_df = !in->df;
	sport = udp_flow_src_port(dev_net(dev), skb, SEMNET_SPORT_MIN,
				  SEMNET_SPORT_MAX, false);
	if (semnet_encap(skb, in, dst, overhead, gre_udp, true))
		goto drop_dst;
	atomic64_inc(&peer->tx_packets);
	atomic64_add(skb->len, &peer->tx_bytes);
	/*
	 * udp_tunnel6_xmit_skb() sets @dst without releasing the inner
	 * packet's route (iptunnel_xmit() scrubs it for IPv4): a counted one,
	 * as a locally made packet holds, leaked.
	 */
	skb_scrub_packet(skb, !net_eq(sd->net, dev_net(dev)));
	udp_tunnel6_xmit_skb(dst, sock->sk, skb, dev, &fl6.saddr, &fl6.daddr,
			     in->tos, ip6_dst_hoplimit(dst),
			     ip6_make_flowlabel(dev_net(dev), skb, 0, true, &fl6),
			     sport, peer->port, false /* checksum */);
	return;

drop_dst:
	dst_release(dst);
drop:
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
}

static netdev_tx_t semnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct semnet_net *sn = sd->sn;
	struct semnet_inner in;
	struct semnet_peer *peer;
	struct socket *sock;
	struct flowi4 fl4;
	struct rtable *rt;
	unsigned int overhead;
	__be16 sport;
	bool gre_udp;

	rcu_read_lock();
	if (!semnet_inner_of(sn, skb, &in))
		goto drop;
	peer = in.peer;
	/* A direct peer's packets that reach semnet0 go as GRE in UDP. */
	gre_udp = peer->encap != SEMNET_ENCAP_IPUDP;
	/* Both encapsulations send from the GRE socket of the family. */
	if (peer->under.family == AF_INET6) {
		semnet_xmit6(sd, skb, &in, rcu_dereference(sd->sock6));
		rcu_read_unlock();
		return NETDEV_TX_OK;
	}
	sock = rcu_dereference(sd->sock);
	if (!sock)
		goto drop;
	overhead = gre_udp ? SEMNET_TUNNEL_OVERHEAD : SEMNET_IPUDP_OVERHEAD;

	/* One underlay route per peer: TOS and mark do not steer it. */
	rt = dst_cache_get_ip4(&peer->dst_cache, &fl4.saddr);
	if (!rt) {
		memset(&fl4, 0, sizeof(fl4));
		fl4.daddr = peer->under.ip;
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
	if (!semnet_route_fits_peer(sn, peer, rt->dst.dev))
		goto drop_rt;
	if (!semnet_fits(sn, skb, &in, dst_mtu(&rt->dst) - overhead))
		goto drop_rt;
	sport = udp_flow_src_port(dev_net(dev), skb, SEMNET_SPORT_MIN,
				  SEMNET_SPORT_MAX, false);
	if (semnet_encap(skb, &in, &rt->dst, overhead, gre_udp, false))
		goto drop_rt;
	atomic64_inc(&peer->tx_packets);
	atomic64_add(skb->len, &peer->tx_bytes);
	udp_tunnel_xmit_skb(rt, sock->sk, skb, fl4.saddr, peer->under.ip, in.tos,
			    ip4_dst_hoplimit(&rt->dst), in.df ? htons(IP_DF) : 0,
			    sport, peer->port, !net_eq(sd->net, dev_net(dev)),
			    true /* no checksum */);
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
static int semnet_sock_open(struct semnet_device *sd, int family, u16 port,
			    const struct udp_tunnel_sock_cfg *ops,
			    struct socket __rcu **slot)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = *ops;
	struct udp_port_cfg udp_cfg = {
		.family = family,
		.local_udp_port = htons(port),
		/* RFC 8086 3.2: checksums over IPv6, both ways. */
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = true,
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
 * to a peer's tunnel port, and the error came in where that peer's
 * packets go out (a peer bound to a device: that device; a cleartext
 * error on another is forged). 0 lets the UDP error path take it, which
 * on "fragmentation needed" lowers the PMTU of the route to that peer
 * (ipv4_sk_update_pmtu()): the peer's dst_cache entry goes stale and the
 * next packet sees the new MTU. The kernel finds the socket by the
 * quoted destination port, so this works for peers whose tunnel port is
 * this node's own (the default); the source port is the flow's hash.
 * RCU, softirq.
 */
static int semnet_err_lookup(struct sock *sk, struct sk_buff *skb, u8 encap)
{
	struct semnet_device *sd = rcu_dereference_sk_user_data(sk);
	struct semnet_underlay to;
	struct semnet_via via;

	if (!sd)
		return -ENOENT;
	if (ip_hdr(skb)->version == 6) {
		to.family = AF_INET6;
		to.ip6 = ipv6_hdr(skb)->daddr;
		via = semnet_via_of(skb, true);
	} else {
		to.family = AF_INET;
		to.ip = ip_hdr(skb)->daddr;
		via = semnet_via_of(skb, false);
	}
	if (!semnet_peer_at(sd->sn, &to, udp_hdr(skb)->dest, encap, &via))
		return -ENOENT;
	return 0;
}

/* An ipudp peer may listen on a node's GRE port too: it is what it reports. */
static int semnet_gre_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	if (!semnet_err_lookup(sk, skb, SEMNET_ENCAP_GRE_UDP))
		return 0;
	return semnet_err_lookup(sk, skb, SEMNET_ENCAP_IPUDP);
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

/* The device's tunnel sockets: IPv4 GRE, IPv4 ipudp, then IPv6. */
static struct socket __rcu **semnet_dev_socks(struct semnet_device *sd,
					      unsigned int i)
{
	struct socket __rcu **socks[] = {
		&sd->sock, &sd->ipudp_sock, &sd->sock6, &sd->ipudp_sock6,
	};

	return i < ARRAY_SIZE(socks) ? socks[i] : NULL;
}

static int semnet_dev_stop(struct net_device *dev)
{
	struct semnet_device *sd = netdev_priv(dev);
	struct socket *sock[4];
	struct socket __rcu **slot;
	unsigned int i;

	for (i = 0; (slot = semnet_dev_socks(sd, i)); i++) {
		sock[i] = rtnl_dereference(*slot);
		RCU_INIT_POINTER(*slot, NULL);
	}
	synchronize_net();
	for (i = 0; i < ARRAY_SIZE(sock); i++)
		if (sock[i])
			udp_tunnel_sock_release(sock[i]);
	return 0;
}

/*
 * Every socket, always (not only while some peer speaks ipudp or sits
 * behind IPv6): a node accepts a peer's packets as soon as the peer is
 * configured, and up fails clearly when a port is taken. Where IPv6 is
 * off (disabled in the namespace), the device runs over IPv4 alone.
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

	ret = semnet_sock_open(sd, AF_INET, port, &semnet_gre_sock_ops,
			       &sd->sock);
	if (!ret)
		ret = semnet_sock_open(sd, AF_INET, SEMNET_IPUDP_PORT,
				       &semnet_ipudp_sock_ops, &sd->ipudp_sock);
	if (ret)
		goto err;
	if (!ipv6_mod_enabled())
		return 0;
	ret = semnet_sock_open(sd, AF_INET6, port, &semnet_gre_sock_ops,
			       &sd->sock6);
	if (!ret)
		ret = semnet_sock_open(sd, AF_INET6, SEMNET_IPUDP_PORT,
				       &semnet_ipudp_sock_ops,
				       &sd->ipudp_sock6);
	/* No IPv6 address may be bound here (IPv6 disabled): IPv4 only. */
	if (ret == -EADDRNOTAVAIL || ret == -EAFNOSUPPORT) {
		netdev_info(dev, "no IPv6 underlay in this namespace (%d)\n",
			    ret);
		return 0;
	}
	if (!ret)
		return 0;
err:
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
/* The MTU of @net's IPv4 default route, or 0 without one. */
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

/* The same for IPv6 (an IPv6-only underlay), or 0. */
static unsigned int semnet_default_route6_mtu(struct net *net)
{
	struct rt6_info *rt;
	unsigned int mtu = 0;

	if (!ipv6_mod_enabled())
		return 0;
	rt = rt6_lookup(net, &in6addr_any, NULL, 0, NULL, 0);
	if (!rt)
		return 0;
	if (!(rt->rt6i_flags & RTF_REJECT) && rt->dst.dev &&
	    !(rt->dst.dev->flags & IFF_LOOPBACK))
		mtu = dst_mtu(&rt->dst);
	ip6_rt_put(rt);
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
	 * Fit the underlay route's MTU, minus what we add (IPv4's default
	 * route first, then IPv6's); without a default route, the largest
	 * device's. Routes to single peers may carry less
	 * (or learn less): the transmit path answers those packets with
	 * "fragmentation needed".
	 */
	if (!tb[IFLA_MTU]) {
		unsigned int overhead = SEMNET_TUNNEL_OVERHEAD;
		unsigned int mtu = semnet_default_route_mtu(net);

		/* Only an IPv6 default route: an IPv6 underlay, 20 bytes more. */
		if (!mtu) {
			mtu = semnet_default_route6_mtu(net);
			if (mtu)
				overhead += SEMNET_OUTER6_EXTRA;
		}
		if (!mtu)
			for_each_netdev(net, underlay)
				if (underlay != dev &&
				    !(underlay->flags & IFF_LOOPBACK))
					mtu = max(mtu, underlay->mtu);
		if (mtu > overhead + IPV4_MIN_MTU)
			dev->mtu = mtu - overhead;
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
