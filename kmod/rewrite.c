// SPDX-License-Identifier: GPL-2.0
/*
 * Header parsing and rewriting: addresses, ports and ICMP echo ids, with
 * incremental checksum updates, and ICMP errors with their embedded header.
 * No state: everything here is unit-tested on hand-built packets.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "rewrite.h"

#define SEMNET_NO_ECHO 0xff

/* Bytes of L4 header semnet reads and writes, per protocol. */
static unsigned int semnet_l4_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return sizeof(struct icmphdr);
	}
}

static bool semnet_icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * Reads ports (or the echo id) at @off for @proto into @key. @embedded:
 * only the first 8 bytes are guaranteed (RFC 792), which hold all of it.
 */
static __always_inline int semnet_parse_l4(struct sk_buff *skb,
					   unsigned int off, u8 proto,
					   struct semnet_fkey *key, u8 *echo,
					   struct semnet_pkt *pkt)
{
	*echo = SEMNET_NO_ECHO;
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr _th;
		const struct tcphdr *th;

		/* An embedded header may be cut after the ports: read 8. */
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
	case IPPROTO_ICMP: {
		struct icmphdr _ih;
		const struct icmphdr *ih;

		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		/* An echo id acts as the port of the side that chose it. */
		if (ih->type == ICMP_ECHO) {
			key->sport = ih->un.echo.id;
			key->dport = 0;
		} else if (ih->type == ICMP_ECHOREPLY) {
			key->sport = 0;
			key->dport = ih->un.echo.id;
		} else {
			return -EPROTONOSUPPORT;
		}
		*echo = ih->type;
		return 0;
	}
	default:
		return -EPROTONOSUPPORT;
	}
}

int semnet_parse(struct sk_buff *skb, struct semnet_pkt *pkt)
{
	unsigned int nhoff = skb_network_offset(skb);
	struct iphdr _iph;
	const struct iphdr *iph;
	struct icmphdr _ih;
	const struct icmphdr *ih;

	/* Every packet is parsed at each hook: set fields, zero no more. */
	pkt->icmp_error = false;
	pkt->icmp_echo = SEMNET_NO_ECHO;
	pkt->inner_echo = SEMNET_NO_ECHO;
	pkt->tcp_syn = false;
	pkt->tcp_fin = false;
	pkt->tcp_rst = false;
	pkt->key.stage = 0;
	pkt->key.index = 0;
	pkt->key.pad = 0;
	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->ihl < 5 || iph->version != 4)
		return -EINVAL;
	/* Defrag ran before us: a fragment here is one we cannot translate. */
	if (ip_is_fragment(iph))
		return -EPROTONOSUPPORT;
	pkt->ihl = iph->ihl * 4;
	pkt->key.proto = iph->protocol;
	pkt->key.src = iph->saddr;
	pkt->key.dst = iph->daddr;

	if (iph->protocol == IPPROTO_ICMP) {
		ih = skb_header_pointer(skb, nhoff + pkt->ihl, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		if (semnet_icmp_is_error(ih->type)) {
			struct iphdr _inner;
			const struct iphdr *inner;

			pkt->icmp_error = true;
			pkt->inner_off = pkt->ihl + sizeof(struct icmphdr);
			inner = skb_header_pointer(skb, nhoff + pkt->inner_off,
						   sizeof(_inner), &_inner);
			if (!inner || inner->ihl < 5 || inner->version != 4)
				return -EINVAL;
			pkt->inner_ihl = inner->ihl * 4;
			/*
			 * A later fragment holds no L4 header: what sits
			 * where its ports would be is payload, and must
			 * neither find a flow nor be rewritten as ports.
			 */
			if (inner->frag_off & htons(IP_OFFSET))
				return -EPROTONOSUPPORT;
			/* The tuple of the packet that caused the error. */
			pkt->key.proto = inner->protocol;
			pkt->key.src = inner->saddr;
			pkt->key.dst = inner->daddr;
			return semnet_parse_l4(skb, nhoff + pkt->inner_off +
					       pkt->inner_ihl, inner->protocol,
					       &pkt->key, &pkt->inner_echo, NULL);
		}
	}
	return semnet_parse_l4(skb, nhoff + pkt->ihl, iph->protocol, &pkt->key,
			       &pkt->icmp_echo, pkt);
}

/*
 * Updates the L4 checksum at @check for an address change (@pseudo: the
 * address is in the pseudo-header) or a port/id change.
 */
static void semnet_l4_csum4(struct sk_buff *skb, u8 proto, __sum16 *check,
			    __be32 from, __be32 to, bool pseudo)
{
	if (from == to || !check)
		return;
	if (proto == IPPROTO_UDP) {
		/* A zero UDP checksum means "none", unless offload fills it. */
		if (!*check && skb->ip_summed != CHECKSUM_PARTIAL)
			return;
		inet_proto_csum_replace4(check, skb, from, to, pseudo);
		if (!*check)
			*check = CSUM_MANGLED_0;
		return;
	}
	if (proto == IPPROTO_ICMP && pseudo)
		return;		/* ICMP has no pseudo-header */
	inet_proto_csum_replace4(check, skb, from, to, pseudo);
}

static void semnet_l4_csum2(struct sk_buff *skb, u8 proto, __sum16 *check,
			    __be16 from, __be16 to)
{
	semnet_l4_csum4(skb, proto, check, (__force __be32)from,
			(__force __be32)to, false);
}

static __sum16 *semnet_l4_check(void *l4, u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &((struct tcphdr *)l4)->check;
	case IPPROTO_UDP:
		return &((struct udphdr *)l4)->check;
	default:
		return &((struct icmphdr *)l4)->checksum;
	}
}

/* Rewrites the ports (or echo id) of the L4 header at @l4. */
static void semnet_rewrite_ports(struct sk_buff *skb, void *l4, u8 proto,
				 u8 echo, __sum16 *check,
				 const struct semnet_fkey *from,
				 const struct semnet_fkey *to)
{
	if (proto == IPPROTO_ICMP) {
		struct icmphdr *ih = l4;
		__be16 id = echo == ICMP_ECHO ? to->sport : to->dport;

		semnet_l4_csum2(skb, proto, check, ih->un.echo.id, id);
		ih->un.echo.id = id;
		return;
	}
	/* TCP and UDP keep their ports at the same offsets. */
	if (from->sport != to->sport) {
		semnet_l4_csum2(skb, proto, check, from->sport, to->sport);
		((struct udphdr *)l4)->source = to->sport;
	}
	if (from->dport != to->dport) {
		semnet_l4_csum2(skb, proto, check, from->dport, to->dport);
		((struct udphdr *)l4)->dest = to->dport;
	}
}

int semnet_rewrite(struct sk_buff *skb, const struct semnet_pkt *pkt,
		   const struct semnet_fkey *from, const struct semnet_fkey *to)
{
	unsigned int nhoff = skb_network_offset(skb);
	u8 proto = pkt->key.proto;
	struct iphdr *iph;
	__sum16 *check;
	void *l4;

	if (skb_ensure_writable(skb, nhoff + pkt->ihl + semnet_l4_len(proto)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	l4 = (void *)iph + pkt->ihl;
	check = semnet_l4_check(l4, proto);

	if (from->src != to->src) {
		csum_replace4(&iph->check, from->src, to->src);
		semnet_l4_csum4(skb, proto, check, from->src, to->src, true);
		iph->saddr = to->src;
	}
	if (from->dst != to->dst) {
		csum_replace4(&iph->check, from->dst, to->dst);
		semnet_l4_csum4(skb, proto, check, from->dst, to->dst, true);
		iph->daddr = to->dst;
	}
	semnet_rewrite_ports(skb, l4, proto, pkt->icmp_echo, check, from, to);
	return 0;
}

/*
 * Plain checksum update for the embedded packet: its checksum is never
 * offloaded, whatever the outer skb says.
 */
static void semnet_inner_csum4(u8 proto, __sum16 *check, __be32 from,
			       __be32 to, bool pseudo)
{
	if (!check || from == to)
		return;
	if ((proto == IPPROTO_UDP && !*check) ||
	    (proto == IPPROTO_ICMP && pseudo))
		return;
	csum_replace4(check, from, to);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/*
 * Makes an ICMP error writable (and linear) up to the end of its embedded
 * L4 header, or of as much of that header as the error quotes: an error
 * may carry only the 8 bytes RFC 792 asks for, and semnet_parse() checked
 * those are there. The quoted headers may sit in a page fragment, so
 * nothing past what this made writable may be touched. Returns the number
 * of embedded L4 header bytes now writable, or a negative errno.
 */
static int semnet_inner_writable(struct sk_buff *skb,
				 const struct semnet_pkt *pkt)
{
	unsigned int l4off = skb_network_offset(skb) + pkt->inner_off +
			     pkt->inner_ihl;
	unsigned int len;

	if (skb->len < l4off + 8)
		return -EINVAL;
	len = min(skb->len - l4off, semnet_l4_len(pkt->key.proto));
	if (skb_ensure_writable(skb, l4off + len))
		return -ENOMEM;
	return len;
}

/*
 * Rewrites the embedded packet of an ICMP error from @from to @to; @l4len
 * bytes of its L4 header are writable. Its L4 checksum is updated only
 * when the error carried all of that header.
 */
static void semnet_rewrite_inner(struct sk_buff *skb,
				 const struct semnet_pkt *pkt,
				 unsigned int l4len,
				 const struct semnet_fkey *from,
				 const struct semnet_fkey *to)
{
	struct iphdr *inner = (void *)ip_hdr(skb) + pkt->inner_off;
	unsigned int l4off = pkt->inner_off + pkt->inner_ihl;
	u8 proto = pkt->key.proto;
	void *l4 = (void *)ip_hdr(skb) + l4off;
	__sum16 *check = NULL;

	if (l4len >= semnet_l4_len(proto))
		check = semnet_l4_check(l4, proto);

	if (from->src != to->src) {
		csum_replace4(&inner->check, from->src, to->src);
		semnet_inner_csum4(proto, check, from->src, to->src, true);
		inner->saddr = to->src;
	}
	if (from->dst != to->dst) {
		csum_replace4(&inner->check, from->dst, to->dst);
		semnet_inner_csum4(proto, check, from->dst, to->dst, true);
		inner->daddr = to->dst;
	}
	if (proto == IPPROTO_ICMP) {
		struct icmphdr *ih = l4;
		__be16 id = pkt->inner_echo == ICMP_ECHO ? to->sport : to->dport;

		semnet_inner_csum4(proto, check, (__force __be32)ih->un.echo.id,
				   (__force __be32)id, false);
		ih->un.echo.id = id;
		return;
	}
	if (from->sport != to->sport) {
		semnet_inner_csum4(proto, check, (__force __be32)from->sport,
				   (__force __be32)to->sport, false);
		((struct udphdr *)l4)->source = to->sport;
	}
	if (from->dport != to->dport) {
		semnet_inner_csum4(proto, check, (__force __be32)from->dport,
				   (__force __be32)to->dport, false);
		((struct udphdr *)l4)->dest = to->dport;
	}
}

static void semnet_icmp_csum(struct sk_buff *skb, const struct semnet_pkt *pkt)
{
	unsigned int nhoff = skb_network_offset(skb);
	struct icmphdr *ih;

	if (skb->ip_summed == CHECKSUM_PARTIAL)
		return;
	ih = (void *)ip_hdr(skb) + pkt->ihl;
	ih->checksum = 0;
	ih->checksum = csum_fold(skb_checksum(skb, nhoff + pkt->ihl,
					      skb->len - nhoff - pkt->ihl, 0));
	/* A CHECKSUM_COMPLETE sum no longer matches the data. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
}

int semnet_rewrite_icmp_embedded(struct sk_buff *skb,
				 const struct semnet_pkt *pkt,
				 const struct semnet_fkey *to)
{
	int l4len = semnet_inner_writable(skb, pkt);

	if (l4len < 0)
		return l4len;
	semnet_rewrite_inner(skb, pkt, l4len, &pkt->key, to);
	semnet_icmp_csum(skb, pkt);
	return 0;
}

int semnet_rewrite_icmp_error(struct sk_buff *skb, const struct semnet_pkt *pkt,
			      const struct semnet_fkey *match,
			      const struct semnet_fkey *to)
{
	int l4len = semnet_inner_writable(skb, pkt);
	struct semnet_fkey inner_to;
	struct iphdr *iph;
	__be32 src, dst;

	if (l4len < 0)
		return l4len;
	/* The embedded packet went the other way: reverse the rewrite. */
	semnet_fkey_reverse(&inner_to, to);
	semnet_rewrite_inner(skb, pkt, l4len, &pkt->key, &inner_to);

	iph = ip_hdr(skb);
	src = iph->saddr;
	dst = iph->daddr;
	/* The error's sender may be a router on the way: keep its address. */
	if (src == match->src && src != to->src) {
		csum_replace4(&iph->check, src, to->src);
		iph->saddr = to->src;
	}
	if (dst == match->dst && dst != to->dst) {
		csum_replace4(&iph->check, dst, to->dst);
		iph->daddr = to->dst;
	}
	semnet_icmp_csum(skb, pkt);
	return 0;
}
