// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 header parsing and rewriting, the twin of rewrite.c: addresses,
 * ports and ICMPv6 echo ids with incremental checksum updates, and ICMPv6
 * errors with their embedded packet. IPv6 has no header checksum, but
 * TCP's, UDP's and ICMPv6's all cover the addresses (the pseudo-header).
 * No state: everything here is unit-tested on hand-built packets.
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "rewrite6.h"

#define SEMNET_NO_ECHO6 0xff

/* Bytes of L4 header semnet reads and writes, per protocol. */
static unsigned int semnet6_l4_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return sizeof(struct icmp6hdr);
	}
}

/*
 * The ICMPv6 errors semnet translates: those about a packet of a flow
 * that its sender must see (RFC 4443 section 3). Every other type, NDP
 * and MLD among them, concerns the link or the node, never a flow.
 */
static bool semnet6_icmp_is_error(u8 type)
{
	return type == ICMPV6_DEST_UNREACH || type == ICMPV6_PKT_TOOBIG ||
	       type == ICMPV6_TIME_EXCEED || type == ICMPV6_PARAMPROB;
}

/*
 * Finds the L4 header of the IPv6 header at @off (from skb->data) past
 * its extension headers: returns its offset and sets the addresses and
 * protocol of @key, or returns a negative errno. A Fragment header that
 * remains is a fragment semnet cannot translate, except an atomic one (RFC
 * 6946: no offset, no more fragments), which holds the whole packet; in
 * an embedded packet, the first fragment holds the L4 header (@first_ok).
 */
static __always_inline int semnet6_find_l4(const struct sk_buff *skb,
					   unsigned int off,
					   struct semnet_fkey6 *key,
					   bool first_ok)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	__be16 frag_off;
	u8 nexthdr;
	int l4off;

	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return -EINVAL;
	nexthdr = ip6h->nexthdr;
	/* Nearly every packet: the L4 header right behind, nothing to walk. */
	if (likely(nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP ||
		   nexthdr == IPPROTO_ICMPV6)) {
		l4off = off + sizeof(*ip6h);
		goto found;
	}
	/* -1: a header is cut short, or No Next Header ends the chain. */
	l4off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr, &frag_off);
	if (l4off < 0)
		return -EINVAL;
	/* A later fragment stops the walk: its "L4 header" is payload. */
	if (frag_off & htons(IP6_OFFSET))
		return -EPROTONOSUPPORT;
	if ((frag_off & htons(IP6_MF)) && !first_ok)
		return -EPROTONOSUPPORT;
found:
	key->src = ip6h->saddr;
	key->dst = ip6h->daddr;
	key->proto = nexthdr;
	return l4off;
}

/*
 * Reads ports (or the echo id) at @off for @proto into @key. @pkt: NULL
 * for an embedded header, of which only the first 8 bytes are sure to be
 * quoted (they hold all semnet reads).
 */
static __always_inline int semnet6_parse_l4(struct sk_buff *skb,
					    unsigned int off, u8 proto,
					    struct semnet_fkey6 *key, u8 *echo,
					    struct semnet_pkt6 *pkt)
{
	*echo = SEMNET_NO_ECHO6;
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr _th;
		const struct tcphdr *th;

		th = skb_header_pointer(skb, off, pkt ? sizeof(_th) : 8, &_th);
		if (!th)
			return -EINVAL;
		key->sport = th->source;
		key->dport = th->dest;
		if (pkt) {
			pkt->tcp_syn = th->syn && !th->ack;
			pkt->tcp_fin = th->fin;
			pkt->tcp_rst = th->rst;
		}
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr _uh;
		const struct udphdr *uh;

		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh)
			return -EINVAL;
		key->sport = uh->source;
		key->dport = uh->dest;
		return 0;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr _ih;
		const struct icmp6hdr *ih;

		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		/* An echo id acts as the port of the side that chose it. */
		if (ih->icmp6_type == ICMPV6_ECHO_REQUEST) {
			key->sport = ih->icmp6_identifier;
			key->dport = 0;
		} else if (ih->icmp6_type == ICMPV6_ECHO_REPLY) {
			key->sport = 0;
			key->dport = ih->icmp6_identifier;
		} else {
			return -EPROTONOSUPPORT;
		}
		*echo = ih->icmp6_type;
		return 0;
	}
	default:
		return -EPROTONOSUPPORT;
	}
}

int semnet_parse6(struct sk_buff *skb, struct semnet_pkt6 *pkt)
{
	unsigned int nhoff = skb_network_offset(skb);
	const struct icmp6hdr *ih;
	struct icmp6hdr _ih;
	int off;

	/* Every packet is parsed at each hook: set fields, zero no more. */
	pkt->icmp_error = false;
	pkt->icmp_echo = SEMNET_NO_ECHO6;
	pkt->inner_echo = SEMNET_NO_ECHO6;
	pkt->tcp_syn = false;
	pkt->tcp_fin = false;
	pkt->tcp_rst = false;
	pkt->key.stage = 0;
	pkt->key.index = 0;
	pkt->key.pad = 0;
	off = semnet6_find_l4(skb, nhoff, &pkt->key, false);
	if (off < 0)
		return off;
	pkt->l4off = off - nhoff;

	if (pkt->key.proto == IPPROTO_ICMPV6) {
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		if (semnet6_icmp_is_error(ih->icmp6_type)) {
			pkt->icmp_error = true;
			pkt->inner_off = pkt->l4off + sizeof(struct icmp6hdr);
			/*
			 * The tuple of the packet that caused the error. Only
			 * its first fragment holds its L4 header: a later
			 * one's "ports" are payload, and must neither find a
			 * flow nor be rewritten as ports.
			 */
			off = semnet6_find_l4(skb, nhoff + pkt->inner_off,
					      &pkt->key, true);
			if (off < 0)
				return off;
			pkt->inner_l4off = off - nhoff;
			return semnet6_parse_l4(skb, off, pkt->key.proto,
						&pkt->key, &pkt->inner_echo,
						NULL);
		}
	}
	return semnet6_parse_l4(skb, off, pkt->key.proto, &pkt->key,
				&pkt->icmp_echo, pkt);
}

/*
 * A checksum difference for an address change, to add to a sum: the
 * eight words csum_partial() would add, summed inline in 64 bits and
 * folded with the end-around carry (the same sum modulo 0xffff).
 */
static __wsum semnet6_addr_diff(const struct in6_addr *from,
				const struct in6_addr *to)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		sum += (u64)(__force u32)~from->s6_addr32[i] +
		       (__force u32)to->s6_addr32[i];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (__force __wsum)(u32)sum;
}

/* The same for a port or echo id. */
static __wsum semnet6_port_diff(__be16 from, __be16 to)
{
	return csum_sub((__force __wsum)to, (__force __wsum)from);
}

/*
 * Updates the L4 checksum at @check for a change of an address of the
 * pseudo-header. A zero UDP checksum stays zero: over IPv6 it is valid
 * only where the receiver allows it (tunnels, RFC 6935), and an updated
 * one would be wrong either way.
 */
static void semnet6_l4_csum_addr(struct sk_buff *skb, u8 proto,
				 __sum16 *check, const struct in6_addr *from,
				 const struct in6_addr *to)
{
	__wsum diff;

	if (proto == IPPROTO_UDP && !*check &&
	    skb->ip_summed != CHECKSUM_PARTIAL) {
		/*
		 * Nothing cancels the address change in a CHECKSUM_COMPLETE
		 * sum, which covers the IPv6 header: follow it.
		 */
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			skb->csum = csum_add(skb->csum,
					     semnet6_addr_diff(from, to));
		return;
	}
	/*
	 * inet_proto_csum_replace16() without its calls. The address and the
	 * checksum change cancel out in skb->csum.
	 */
	diff = semnet6_addr_diff(from, to);
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		csum_replace_by_diff(check, diff);
	else
		*check = ~csum_fold(csum_add(diff, csum_unfold(*check)));
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/* The same for a port or echo id change (not in the pseudo-header). */
static void semnet6_l4_csum_port(struct sk_buff *skb, u8 proto,
				 __sum16 *check, __be16 from, __be16 to)
{
	if (from == to)
		return;
	if (proto == IPPROTO_UDP && !*check &&
	    skb->ip_summed != CHECKSUM_PARTIAL) {
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			skb->csum = csum_add(skb->csum,
					     semnet6_port_diff(from, to));
		return;
	}
	inet_proto_csum_replace2(check, skb, from, to, false);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static __sum16 *semnet6_l4_check(void *l4, u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &((struct tcphdr *)l4)->check;
	case IPPROTO_UDP:
		return &((struct udphdr *)l4)->check;
	default:
		return &((struct icmp6hdr *)l4)->icmp6_cksum;
	}
}

int semnet_rewrite6(struct sk_buff *skb, const struct semnet_pkt6 *pkt,
		    const struct semnet_fkey6 *from,
		    const struct semnet_fkey6 *to)
{
	unsigned int nhoff = skb_network_offset(skb);
	u8 proto = pkt->key.proto;
	struct ipv6hdr *ip6h;
	__sum16 *check;
	void *l4;

	if (skb_ensure_writable(skb, nhoff + pkt->l4off + semnet6_l4_len(proto)))
		return -ENOMEM;
	ip6h = ipv6_hdr(skb);
	l4 = (void *)ip6h + pkt->l4off;
	check = semnet6_l4_check(l4, proto);

	if (!ipv6_addr_equal(&from->src, &to->src)) {
		semnet6_l4_csum_addr(skb, proto, check, &from->src, &to->src);
		ip6h->saddr = to->src;
	}
	if (!ipv6_addr_equal(&from->dst, &to->dst)) {
		semnet6_l4_csum_addr(skb, proto, check, &from->dst, &to->dst);
		ip6h->daddr = to->dst;
	}
	if (proto == IPPROTO_ICMPV6) {
		struct icmp6hdr *ih = l4;
		__be16 id = pkt->icmp_echo == ICMPV6_ECHO_REQUEST ? to->sport :
			    to->dport;

		semnet6_l4_csum_port(skb, proto, check, ih->icmp6_identifier, id);
		ih->icmp6_identifier = id;
		return 0;
	}
	/* TCP and UDP keep their ports at the same offsets. */
	if (from->sport != to->sport) {
		semnet6_l4_csum_port(skb, proto, check, from->sport, to->sport);
		((struct udphdr *)l4)->source = to->sport;
	}
	if (from->dport != to->dport) {
		semnet6_l4_csum_port(skb, proto, check, from->dport, to->dport);
		((struct udphdr *)l4)->dest = to->dport;
	}
	return 0;
}

/*
 * Plain checksum update of the embedded packet by @diff: its checksum is
 * never offloaded, whatever the outer skb says. A zero UDP checksum stays
 * zero, as in semnet6_l4_csum_addr().
 */
static void semnet6_inner_csum(u8 proto, __sum16 *check, __wsum diff)
{
	if (!check || (proto == IPPROTO_UDP && !*check))
		return;
	csum_replace_by_diff(check, diff);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

static void semnet6_inner_csum_port(u8 proto, __sum16 *check, __be16 from,
				    __be16 to)
{
	if (from != to)
		semnet6_inner_csum(proto, check, semnet6_port_diff(from, to));
}

/*
 * Makes an ICMPv6 error writable (and linear) up to the end of its
 * embedded L4 header, or of as much of that header as the error quotes:
 * semnet_parse6() checked that its first 8 bytes are there. The quoted
 * headers may sit in a page fragment, so nothing past what this made
 * writable may be touched. Returns the number of embedded L4 header bytes
 * now writable, or a negative errno.
 */
static int semnet6_inner_writable(struct sk_buff *skb,
				  const struct semnet_pkt6 *pkt)
{
	unsigned int l4off = skb_network_offset(skb) + pkt->inner_l4off;
	unsigned int len;

	if (!pkt->icmp_error || skb->len < l4off + 8)
		return -EINVAL;
	len = min(skb->len - l4off, semnet6_l4_len(pkt->key.proto));
	if (skb_ensure_writable(skb, l4off + len))
		return -ENOMEM;
	return len;
}

/* Bytes of L4 header up to the end of its checksum field. */
static unsigned int semnet6_check_end(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return offsetofend(struct tcphdr, check);
	case IPPROTO_UDP:
		return offsetofend(struct udphdr, check);
	default:
		return offsetofend(struct icmp6hdr, icmp6_cksum);
	}
}

/*
 * Rewrites the embedded packet of an ICMPv6 error from @from to @to;
 * @l4len bytes of its L4 header are writable. Its L4 checksum is updated
 * only when the error quotes it (past the 8 bytes sure to be there, for
 * TCP).
 */
static void semnet6_rewrite_inner(struct sk_buff *skb,
				  const struct semnet_pkt6 *pkt,
				  unsigned int l4len,
				  const struct semnet_fkey6 *from,
				  const struct semnet_fkey6 *to)
{
	struct ipv6hdr *inner = (void *)ipv6_hdr(skb) + pkt->inner_off;
	void *l4 = (void *)ipv6_hdr(skb) + pkt->inner_l4off;
	u8 proto = pkt->key.proto;
	__sum16 *check = NULL;

	if (l4len >= semnet6_check_end(proto))
		check = semnet6_l4_check(l4, proto);

	/* ICMPv6 has a pseudo-header too, unlike ICMP. */
	if (!ipv6_addr_equal(&from->src, &to->src)) {
		semnet6_inner_csum(proto, check,
				   semnet6_addr_diff(&from->src, &to->src));
		inner->saddr = to->src;
	}
	if (!ipv6_addr_equal(&from->dst, &to->dst)) {
		semnet6_inner_csum(proto, check,
				   semnet6_addr_diff(&from->dst, &to->dst));
		inner->daddr = to->dst;
	}
	if (proto == IPPROTO_ICMPV6) {
		struct icmp6hdr *ih = l4;
		__be16 id = pkt->inner_echo == ICMPV6_ECHO_REQUEST ? to->sport :
			    to->dport;

		semnet6_inner_csum_port(proto, check, ih->icmp6_identifier, id);
		ih->icmp6_identifier = id;
		return;
	}
	if (from->sport != to->sport) {
		semnet6_inner_csum_port(proto, check, from->sport, to->sport);
		((struct udphdr *)l4)->source = to->sport;
	}
	if (from->dport != to->dport) {
		semnet6_inner_csum_port(proto, check, from->dport, to->dport);
		((struct udphdr *)l4)->dest = to->dport;
	}
}

/*
 * Recomputes the ICMPv6 checksum of an error, over its pseudo-header and
 * all of the message. With CHECKSUM_PARTIAL the field holds the
 * pseudo-header's sum, which the caller kept up to date.
 */
static void semnet6_icmp_csum(struct sk_buff *skb,
			      const struct semnet_pkt6 *pkt)
{
	unsigned int off = skb_network_offset(skb) + pkt->l4off;
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct icmp6hdr *ih;
	unsigned int len;

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		return;
	ih = (void *)ip6h + pkt->l4off;
	len = skb->len - off;
	ih->icmp6_cksum = 0;
	ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					  IPPROTO_ICMPV6,
					  skb_checksum(skb, off, len, 0));
	/* A CHECKSUM_COMPLETE sum no longer matches the data. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
}

int semnet_rewrite6_icmp_embedded(struct sk_buff *skb,
				  const struct semnet_pkt6 *pkt,
				  const struct semnet_fkey6 *to)
{
	int l4len = semnet6_inner_writable(skb, pkt);

	if (l4len < 0)
		return l4len;
	semnet6_rewrite_inner(skb, pkt, l4len, &pkt->key, to);
	semnet6_icmp_csum(skb, pkt);
	return 0;
}

int semnet_rewrite6_icmp_error(struct sk_buff *skb,
			       const struct semnet_pkt6 *pkt,
			       const struct semnet_fkey6 *match,
			       const struct semnet_fkey6 *to)
{
	int l4len = semnet6_inner_writable(skb, pkt);
	struct semnet_fkey6 inner_to;
	struct ipv6hdr *ip6h;
	__sum16 *check;

	if (l4len < 0)
		return l4len;
	/* The embedded packet went the other way: reverse the rewrite. */
	semnet_fkey6_reverse(&inner_to, to);
	semnet6_rewrite_inner(skb, pkt, l4len, &pkt->key, &inner_to);

	ip6h = ipv6_hdr(skb);
	check = semnet6_l4_check((void *)ip6h + pkt->l4off, IPPROTO_ICMPV6);
	/*
	 * The error's sender may be a router on the way: keep its address.
	 * The updates only matter to a CHECKSUM_PARTIAL error's
	 * pseudo-header sum: any other is recomputed below.
	 */
	if (ipv6_addr_equal(&ip6h->saddr, &match->src) &&
	    !ipv6_addr_equal(&ip6h->saddr, &to->src)) {
		inet_proto_csum_replace16(check, skb, ip6h->saddr.s6_addr32,
					  to->src.s6_addr32, true);
		ip6h->saddr = to->src;
	}
	if (ipv6_addr_equal(&ip6h->daddr, &match->dst) &&
	    !ipv6_addr_equal(&ip6h->daddr, &to->dst)) {
		inet_proto_csum_replace16(check, skb, ip6h->daddr.s6_addr32,
					  to->dst.s6_addr32, true);
		ip6h->daddr = to->dst;
	}
	semnet6_icmp_csum(skb, pkt);
	return 0;
}
