/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_OFFLOAD_H
#define _SEMNET_OFFLOAD_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/types.h>
#include <net/gre.h>

struct sk_buff;
struct sock;

/*
 * The GRE header semnet0 sends and accepts: a key (the sender's nsIP) and
 * nothing else (RFC 2890 layout, no checksum, no sequence number).
 */
struct semnet_gre {
	__be16 flags;
	__be16 protocol;
	__be32 key;
};

/* True for the GRE header semnet speaks: flags KEY only, IPv4 or IPv6 inside. */
static inline bool semnet_gre_ok(const struct semnet_gre *gre)
{
	return gre->flags == GRE_KEY &&
	       (gre->protocol == htons(ETH_P_IP) ||
		gre->protocol == htons(ETH_P_IPV6));
}

/*
 * What follows the UDP header of a packet at the node's tunnel port
 * (4754), where semnet0 takes GRE in UDP from its own kind and bare IP in
 * UDP from ipudp (Oakestra) peers, which send to whatever port a node
 * reports: the first nibble tells them apart (GRE with a key: 0x2; IPv4:
 * 0x4; IPv6: 0x6).
 */
enum semnet_tunnel_kind {
	SEMNET_TUNNEL_BAD,	/* neither: bad-encap */
	SEMNET_TUNNEL_GRE,	/* semnet's GRE header, semnet_gre_ok() */
	SEMNET_TUNNEL_IP4,	/* bare IPv4, a header length of 5 or more */
	SEMNET_TUNNEL_IP6,	/* bare IPv6 */
};

/*
 * The kind of the @len bytes at @hdr, the start of a UDP payload (fewer
 * than a GRE header's 8: the packet is no tunnel packet at all). GRE is
 * tried first: semnet's own peers are the fast path.
 */
static inline enum semnet_tunnel_kind semnet_tunnel_demux(const void *hdr,
							   unsigned int len)
{
	const u8 *b = hdr;

	if (len < sizeof(struct semnet_gre))
		return SEMNET_TUNNEL_BAD;
	if (likely(semnet_gre_ok(hdr)))
		return SEMNET_TUNNEL_GRE;
	switch (b[0] >> 4) {
	case 4:
		return (b[0] & 0x0f) >= 5 ? SEMNET_TUNNEL_IP4 :
		       SEMNET_TUNNEL_BAD;
	case 6:
		return SEMNET_TUNNEL_IP6;
	default:
		return SEMNET_TUNNEL_BAD;
	}
}

/*
 * Receive GRO on the tunnel sockets (struct udp_tunnel_sock_cfg), the way
 * fou and geneve do it: the UDP layer has matched the outer addresses and
 * ports, these match the tunnel header (the GRE key: one sender nsIP per
 * merged packet; bare IP: its version) and hand the inner packet to its
 * family's offloads, so a TCP stream is merged before it is decapsulated
 * once. The merged skb stays SKB_GSO_UDP_TUNNEL(_CSUM) | inner type, with
 * inner headers set; decapsulation (iptunnel_pull_offloads) clears the
 * tunnel types. The GRE socket's take GRE and bare IP, as its receive
 * does (semnet_tunnel_demux()).
 */
struct sk_buff *semnet_gre_gro_receive(struct sock *sk, struct list_head *head,
				       struct sk_buff *skb);
int semnet_gre_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff);
/* The same for the ipudp socket: bare IP only. */
struct sk_buff *semnet_ipudp_gro_receive(struct sock *sk,
					 struct list_head *head,
					 struct sk_buff *skb);
int semnet_ipudp_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff);

#endif /* _SEMNET_OFFLOAD_H */
