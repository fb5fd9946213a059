/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_REWRITE6_H
#define _SEMNET_REWRITE6_H

#include <linux/build_bug.h>
#include <linux/in6.h>
#include <linux/skbuff.h>

#include "flow.h"

/* struct semnet_fkey6, the IPv6 flow key, lives in flow.h with its table. */

/*
 * What the packet path needs to know about an IPv6 packet. Offsets count
 * from the network header, and extension headers are already skipped.
 */
struct semnet_pkt6 {
	struct semnet_fkey6 key;	/* its tuple (stage set by the caller) */
	unsigned int l4off;		/* L4 header */
	bool icmp_error;		/* key describes the embedded packet */
	u8 icmp_echo;			/* ICMPV6_ECHO_REQUEST or _REPLY, else 0xff */
	u8 inner_echo;			/* the same, of an embedded packet */
	unsigned int inner_off;		/* embedded IPv6 header (ICMPv6 errors) */
	unsigned int inner_l4off;	/* embedded L4 header */
	bool tcp_syn;			/* SYN without ACK: a new connection */
	bool tcp_fin;
	bool tcp_rst;
};

/*
 * Reads the tuple of the IPv6 packet at skb_network_header(), past its
 * extension headers (hop-by-hop, routing, destination options, AH).
 * Returns 0, -EPROTONOSUPPORT for packets semnet does not translate
 * (other protocols, ESP among them; ICMPv6 other than echo request and
 * reply and the errors Destination Unreachable, Packet Too Big, Time
 * Exceeded and Parameter Problem, so NDP, MLD and router advertisements
 * are never touched; fragments, which the hook reassembles before parsing,
 * though an atomic fragment, RFC 6946, is whole and parses; errors quoting
 * a fragment other than the first), or -EINVAL for truncated headers (and
 * No Next Header, which has nothing to translate). For an ICMPv6 error the
 * key is that of the embedded packet.
 */
int semnet_parse6(struct sk_buff *skb, struct semnet_pkt6 *pkt);

/*
 * Rewrites addresses and ports from @from to @to, fixing the L4 checksum
 * (pseudo-header included, ICMPv6's too) incrementally, CHECKSUM_PARTIAL
 * and CHECKSUM_COMPLETE aware. 0 or -ENOMEM.
 */
int semnet_rewrite6(struct sk_buff *skb, const struct semnet_pkt6 *pkt,
		    const struct semnet_fkey6 *from,
		    const struct semnet_fkey6 *to);

/*
 * Translates an ICMPv6 error whose embedded packet belongs to a flow:
 * @match is the key of the tuple found for the embedded packet reversed,
 * @to what that tuple rewrites to. The embedded header becomes the reverse
 * of @to, the outer addresses follow the same rewrite (an address of
 * neither side, such as a router's, stays), and the ICMPv6 checksum is
 * recomputed over the new pseudo-header. The skb may be non-linear: what
 * is rewritten is made writable first. 0, -ENOMEM, or -EINVAL when @pkt
 * does not describe @skb.
 */
int semnet_rewrite6_icmp_error(struct sk_buff *skb,
			       const struct semnet_pkt6 *pkt,
			       const struct semnet_fkey6 *match,
			       const struct semnet_fkey6 *to);

/*
 * Rewrites only the embedded packet of an ICMPv6 error to @to (the outer
 * header stays) and recomputes the ICMPv6 checksum. 0, -ENOMEM or -EINVAL.
 */
int semnet_rewrite6_icmp_embedded(struct sk_buff *skb,
				  const struct semnet_pkt6 *pkt,
				  const struct semnet_fkey6 *to);

/* The key a reply to the packet described by @key would have. */
static inline void semnet_fkey6_reverse(struct semnet_fkey6 *r,
					const struct semnet_fkey6 *key)
{
	*r = *key;
	r->src = key->dst;
	r->dst = key->src;
	r->sport = key->dport;
	r->dport = key->sport;
}

#endif /* _SEMNET_REWRITE6_H */
