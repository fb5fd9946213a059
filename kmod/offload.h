/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_OFFLOAD_H
#define _SEMNET_OFFLOAD_H

#include <linux/list.h>
#include <linux/types.h>

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
bool semnet_gre_ok(const struct semnet_gre *gre);

/*
 * Receive GRO on the tunnel sockets (struct udp_tunnel_sock_cfg), the way
 * fou and geneve do it: the UDP layer has matched the outer addresses and
 * ports, these match the tunnel header (the GRE key: one sender nsIP per
 * merged packet) and hand the inner packet to its family's offloads, so
 * a TCP stream is merged before it is decapsulated once. The merged skb
 * stays SKB_GSO_UDP_TUNNEL(_CSUM) | inner type, with inner headers set;
 * decapsulation (iptunnel_pull_offloads) clears the tunnel types.
 */
struct sk_buff *semnet_gre_gro_receive(struct sock *sk, struct list_head *head,
				       struct sk_buff *skb);
int semnet_gre_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff);
/* The same for ipudp: the inner packet right after the UDP header. */
struct sk_buff *semnet_ipudp_gro_receive(struct sock *sk,
					 struct list_head *head,
					 struct sk_buff *skb);
int semnet_ipudp_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff);

#endif /* _SEMNET_OFFLOAD_H */
