/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_REWRITE_H
#define _SEMNET_REWRITE_H

#include <linux/skbuff.h>

#include "flow.h"

/* What the packet path needs to know about an IPv4 packet. */
struct semnet_pkt {
	struct semnet_fkey key;		/* its tuple (stage set by the caller) */
	unsigned int ihl;		/* IP header length */
	bool icmp_error;		/* key describes the embedded packet */
	u8 icmp_echo;			/* ICMP_ECHO or ICMP_ECHOREPLY, else 0xff */
	u8 inner_echo;			/* the same, of an embedded packet */
	unsigned int inner_off;		/* embedded IP header (ICMP errors) */
	unsigned int inner_ihl;
	bool tcp_syn;			/* SYN without ACK: a new connection */
	bool tcp_fin;
	bool tcp_rst;
};

/*
 * Reads the tuple of the IPv4 packet at skb_network_header(). Returns 0,
 * -EPROTONOSUPPORT for packets semnet does not translate (other protocols,
 * other ICMP types, fragments, ICMP errors quoting a fragment other than
 * the first), or -EINVAL for truncated headers.
 */
int semnet_parse(struct sk_buff *skb, struct semnet_pkt *pkt);

/*
 * Rewrites addresses and ports from @from to @to, fixing the IP and L4
 * checksums incrementally (CHECKSUM_PARTIAL aware). 0 or -ENOMEM.
 */
int semnet_rewrite(struct sk_buff *skb, const struct semnet_pkt *pkt,
		   const struct semnet_fkey *from,
		   const struct semnet_fkey *to);

/*
 * Translates an ICMP error whose embedded packet belongs to a flow:
 * @match is the key of the tuple found for the embedded packet reversed,
 * @to what that tuple rewrites to. The embedded header becomes the reverse
 * of @to, the outer addresses follow the same rewrite, and the ICMP
 * checksum is recomputed. The skb may be
 * non-linear: what is rewritten is made writable first. 0, -ENOMEM, or
 * -EINVAL when @pkt does not describe @skb.
 */
int semnet_rewrite_icmp_error(struct sk_buff *skb, const struct semnet_pkt *pkt,
			      const struct semnet_fkey *match,
			      const struct semnet_fkey *to);

/*
 * Rewrites only the embedded packet of an ICMP error to @to (the outer
 * header stays) and recomputes the ICMP checksum.
 */
int semnet_rewrite_icmp_embedded(struct sk_buff *skb,
				 const struct semnet_pkt *pkt,
				 const struct semnet_fkey *to);

/* The key a reply to the packet described by @key would have. */
static inline void semnet_fkey_reverse(struct semnet_fkey *r,
				       const struct semnet_fkey *key)
{
	*r = *key;
	r->src = key->dst;
	r->dst = key->src;
	r->sport = key->dport;
	r->dport = key->sport;
}

#endif /* _SEMNET_REWRITE_H */
