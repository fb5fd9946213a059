// SPDX-License-Identifier: GPL-2.0
/*
 * Receive GRO for semnet0's UDP tunnel sockets (see offload.h).
 *
 * Not inet_offloads[IPPROTO_GRE] (what fou uses for GRE in UDP):
 * gre_gro_complete() turns the merged skb into SKB_GSO_GRE although its
 * outer header is UDP, and accepts GRE flags semnet refuses anyway. The
 * header here is fixed, so matching it takes a few compares; the inner
 * packet then goes to the IPv4 offloads as geneve hands its own on.
 */
#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/gre.h>
#include <net/gro.h>

#include "offload.h"

/*
 * Merges @skb, whose UDP payload starts at the GRO offset, into a packet
 * of @head with the same tunnel header, through the offloads of the inner
 * packet's family. The payload is GRE or bare IP (semnet_tunnel_demux());
 * the ipudp socket (@bare_only) takes bare IP alone.
 */
static struct sk_buff *semnet_gro_receive(struct list_head *head,
					  struct sk_buff *skb, bool bare_only)
{
	const unsigned int glen = sizeof(struct semnet_gre);
	const struct packet_offload *ptype;
	enum semnet_tunnel_kind kind;
	const struct semnet_gre *hdr;
	struct sk_buff *pp = NULL;
	unsigned int off;
	const u8 *version;
	struct sk_buff *p;
	__be16 proto;
	int flush = 1;

	off = skb_gro_offset(skb);
	/* A bare IP header is longer than GRE's: 8 bytes are there for both. */
	hdr = skb_gro_header(skb, off + glen, off);
	if (unlikely(!hdr))
		goto out;
	kind = semnet_tunnel_demux(hdr, glen);
	if (kind == SEMNET_TUNNEL_BAD || (bare_only && kind == SEMNET_TUNNEL_GRE))
		goto out;
	/*
	 * One kind per merged packet, and for GRE one sender nsIP (and
	 * family): the receive checks hold. Flags, protocol and key, all 8
	 * bytes, so a bare packet never passes for GRE; bare IP, its version.
	 */
	list_for_each_entry(p, head, list) {
		const struct semnet_gre *hdr2;

		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		hdr2 = (const struct semnet_gre *)(p->data + off);
		if (kind == SEMNET_TUNNEL_GRE ?
		    hdr2->flags != hdr->flags || hdr2->key != hdr->key ||
		    hdr2->protocol != hdr->protocol :
		    (*(const u8 *)hdr2 ^ *(const u8 *)hdr) & 0xf0)
			NAPI_GRO_CB(p)->same_flow = 0;
	}
	if (kind == SEMNET_TUNNEL_GRE) {
		proto = hdr->protocol;
		skb_gro_pull(skb, glen);
		skb_gro_postpull_rcsum(skb, hdr, glen);
		/* An inner packet not of the family GRE says: not merged. */
		version = skb_gro_header(skb, off + glen + 1, off + glen);
		if (unlikely(!version) ||
		    (*version >> 4) != (proto == htons(ETH_P_IPV6) ? 6 : 4))
			goto out;
	} else {
		/* The first nibble says which: no header to say it. */
		proto = kind == SEMNET_TUNNEL_IP6 ? htons(ETH_P_IPV6) :
		       htons(ETH_P_IP);
	}
	ptype = gro_find_receive_by_type(proto);
	if (!ptype)
		goto out;
	pp = call_gro_receive(ptype->callbacks.gro_receive, head, skb);
	flush = 0;
out:
	skb_gro_flush_final(skb, pp, flush);
	return pp;
}

/*
 * udp_gro_complete() has set the UDP tunnel GSO type and encapsulation.
 * The headers are linear by now; past a GRE header the inner packet
 * starts.
 */
static int semnet_gro_complete(struct sk_buff *skb, int nhoff)
{
	const struct packet_offload *ptype;
	int err = -ENOENT;
	__be16 proto;

	if (semnet_tunnel_demux(skb->data + nhoff, sizeof(struct semnet_gre)) ==
	    SEMNET_TUNNEL_GRE)
		nhoff += sizeof(struct semnet_gre);
	/* Both IP versions start with theirs. */
	proto = (skb->data[nhoff] >> 4) == 6 ? htons(ETH_P_IPV6) :
		htons(ETH_P_IP);
	ptype = gro_find_complete_by_type(proto);
	if (ptype)
		err = ptype->callbacks.gro_complete(skb, nhoff);
	skb_set_inner_mac_header(skb, nhoff);
	return err;
}

struct sk_buff *semnet_gre_gro_receive(struct sock *sk, struct list_head *head,
				       struct sk_buff *skb)
{
	return semnet_gro_receive(head, skb, false);
}

int semnet_gre_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff)
{
	return semnet_gro_complete(skb, nhoff);
}

struct sk_buff *semnet_ipudp_gro_receive(struct sock *sk,
					 struct list_head *head,
					 struct sk_buff *skb)
{
	return semnet_gro_receive(head, skb, true);
}

int semnet_ipudp_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff)
{
	return semnet_gro_complete(skb, nhoff);
}
