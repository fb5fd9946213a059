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

bool semnet_gre_ok(const struct semnet_gre *gre)
{
	return gre->flags == GRE_KEY && (gre->protocol == htons(ETH_P_IP) ||
					 gre->protocol == htons(ETH_P_IPV6));
}

/*
 * Merges @skb, whose tunnel header of @hlen bytes is at the GRO offset
 * (@gre: NULL for ipudp, which has none), into a packet of @head with
 * the same header, through the offloads of the inner packet's family.
 */
static struct sk_buff *semnet_gro_receive(struct list_head *head,
					  struct sk_buff *skb, bool gre)
{
	const unsigned int hlen = gre ? sizeof(struct semnet_gre) : 0;
	const struct packet_offload *ptype;
	const struct semnet_gre *hdr = NULL;
	struct sk_buff *pp = NULL;
	unsigned int off;
	const u8 *version;
	struct sk_buff *p;
	__be16 proto;
	int flush = 1;

	off = skb_gro_offset(skb);
	if (gre) {
		hdr = skb_gro_header(skb, off + hlen, off);
		if (unlikely(!hdr) || !semnet_gre_ok(hdr))
			goto out;
		/*
		 * One sender nsIP (and family) per merged packet: the receive
		 * checks hold.
		 */
		list_for_each_entry(p, head, list) {
			const struct semnet_gre *hdr2;

			if (!NAPI_GRO_CB(p)->same_flow)
				continue;
			hdr2 = (const struct semnet_gre *)(p->data + off);
			if (hdr2->key != hdr->key ||
			    hdr2->protocol != hdr->protocol)
				NAPI_GRO_CB(p)->same_flow = 0;
		}
		proto = hdr->protocol;
		skb_gro_pull(skb, hlen);
		skb_gro_postpull_rcsum(skb, hdr, hlen);
		/* An inner packet not of the family GRE says: not merged. */
		version = skb_gro_header(skb, off + hlen + 1, off + hlen);
		if (unlikely(!version) ||
		    (*version >> 4) != (proto == htons(ETH_P_IPV6) ? 6 : 4))
			goto out;
	} else {
		version = skb_gro_header(skb, off + 1, off);
		if (unlikely(!version))
			goto out;
		/* The first nibble says which: no header to say it. */
		proto = (*version >> 4) == 6 ? htons(ETH_P_IPV6) :
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

/* udp_gro_complete() has set the UDP tunnel GSO type and encapsulation. */
static int semnet_gro_complete(struct sk_buff *skb, int nhoff)
{
	const struct packet_offload *ptype;
	int err = -ENOENT;
	__be16 proto;

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
	return semnet_gro_receive(head, skb, true);
}

int semnet_gre_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff)
{
	return semnet_gro_complete(skb, nhoff + sizeof(struct semnet_gre));
}

struct sk_buff *semnet_ipudp_gro_receive(struct sock *sk,
					 struct list_head *head,
					 struct sk_buff *skb)
{
	return semnet_gro_receive(head, skb, false);
}

int semnet_ipudp_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff)
{
	return semnet_gro_complete(skb, nhoff);
}
