// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: IPv6 header parsing and rewriting (rewrite6.c). Every case builds
 * a real packet with correct checksums, rewrites it, and checks the result
 * against checksums computed from scratch over the new pseudo-header.
 *
 * The addresses play the roles of rewrite_test.c's: client nsIP CLIENT
 * talks to ServiceIP SVC; its packets leave as IDENT (the client's
 * identity) -> INST (the instance picked). ROUTER is a router on the way.
 */
#include <kunit/test.h>
#include <linux/icmpv6.h>
#include <linux/inet.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "../rewrite6.h"

#define RW6_PAYLOAD 40
#define RW6_END 0xff		/* ends a list of extension headers */

#define RW6_CLIENT "fc00:0:1::2"
#define RW6_SVC "fdff::30:1"
#define RW6_IDENT "fdff::31:10"
#define RW6_INST "fc00:0:2::5"
#define RW6_ROUTER "2001:db8::9"

static struct in6_addr rw6_ip(const char *s)
{
	struct in6_addr a = {};

	WARN_ON(in6_pton(s, -1, a.s6_addr, -1, NULL) != 1);
	return a;
}

static unsigned int rw6_ext_len(u8 type)
{
	switch (type) {
	case NEXTHDR_DEST:
		return 16;
	case NEXTHDR_ROUTING:
		return 24;
	default:		/* hop-by-hop, fragment */
		return 8;
	}
}

/*
 * An IPv6 packet whose extension headers are @ext (NEXTHDR_* types, ended
 * by RW6_END; NULL: none; a Fragment header gets @frag as its offset and
 * flags, in host order), then @proto with @l4len bytes of L4 header and
 * payload. The transport header is set to the L4 header.
 */
static struct sk_buff *rw6_packet_ext(struct kunit *test, const u8 *ext,
				      u16 frag, u8 proto,
				      const struct in6_addr *src,
				      const struct in6_addr *dst,
				      unsigned int l4len)
{
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + 128 + l4len, GFP_KERNEL);
	unsigned int i, extlen = 0;
	struct ipv6hdr *ip6h;
	u8 *p, *next;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->hop_limit = 64;
	ip6h->saddr = *src;
	ip6h->daddr = *dst;
	next = &ip6h->nexthdr;
	for (i = 0; ext && ext[i] != RW6_END; i++) {
		unsigned int len = rw6_ext_len(ext[i]);

		*next = ext[i];
		p = skb_put_zero(skb, len);
		next = p;
		extlen += len;
		if (ext[i] == NEXTHDR_FRAGMENT) {
			struct frag_hdr *fh = (void *)p;

			fh->frag_off = htons(frag);
			fh->identification = htonl(0x5e3e7);
			continue;
		}
		p[1] = len / 8 - 1;
		if (ext[i] == NEXTHDR_ROUTING) {
			p[2] = 4;	/* a segment routing header, done with */
			continue;
		}
		p[2] = IPV6_TLV_PADN;	/* options: padding only */
		p[3] = len - 4;
	}
	*next = proto;
	ip6h->payload_len = htons(extlen + l4len);
	p = skb_put_zero(skb, l4len);
	for (i = 0; i < l4len; i++)
		p[i] = i * 7 + 3;
	skb_set_transport_header(skb, sizeof(*ip6h) + extlen);
	skb->protocol = htons(ETH_P_IPV6);
	return skb;
}

/* The full L4 checksum the segment at @off should carry. */
static __sum16 rw6_l4_csum(struct sk_buff *skb, unsigned int off,
			   const struct in6_addr *src,
			   const struct in6_addr *dst, u8 proto)
{
	unsigned int len = skb->len - off;

	return csum_ipv6_magic(src, dst, len, proto,
			       skb_checksum(skb, off, len, 0));
}

/* The L4 checksum of @skb verifies over its own pseudo-header. */
static void rw6_expect_l4_ok(struct kunit *test, struct sk_buff *skb, u8 proto)
{
	__sum16 sum = rw6_l4_csum(skb, skb_transport_offset(skb),
				  &ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr,
				  proto);

	KUNIT_EXPECT_EQ(test, (__force u16)sum, 0);
}

static struct sk_buff *rw6_tcp_ext(struct kunit *test, const u8 *ext,
				   const char *src, u16 sport,
				   const char *dst, u16 dport)
{
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);
	struct sk_buff *skb = rw6_packet_ext(test, ext, 0, IPPROTO_TCP, &s, &d,
					     sizeof(struct tcphdr) + RW6_PAYLOAD);
	struct tcphdr *th = tcp_hdr(skb);

	memset(th, 0, sizeof(*th));	/* no stray flags from the payload fill */
	th->source = htons(sport);
	th->dest = htons(dport);
	th->doff = 5;
	th->syn = 1;
	th->check = rw6_l4_csum(skb, skb_transport_offset(skb), &s, &d,
				IPPROTO_TCP);
	return skb;
}

static struct sk_buff *rw6_tcp(struct kunit *test, const char *src, u16 sport,
			       const char *dst, u16 dport)
{
	return rw6_tcp_ext(test, NULL, src, sport, dst, dport);
}

static struct sk_buff *rw6_udp_ext(struct kunit *test, const u8 *ext,
				   const char *src, u16 sport,
				   const char *dst, u16 dport, bool csum)
{
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);
	struct sk_buff *skb = rw6_packet_ext(test, ext, 0, IPPROTO_UDP, &s, &d,
					     sizeof(struct udphdr) + RW6_PAYLOAD);
	struct udphdr *uh = udp_hdr(skb);

	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(sizeof(*uh) + RW6_PAYLOAD);
	uh->check = 0;
	if (csum)
		uh->check = rw6_l4_csum(skb, skb_transport_offset(skb), &s, &d,
					IPPROTO_UDP);
	return skb;
}

static struct sk_buff *rw6_udp(struct kunit *test, const char *src, u16 sport,
			       const char *dst, u16 dport, bool csum)
{
	return rw6_udp_ext(test, NULL, src, sport, dst, dport, csum);
}

/* An ICMPv6 message of @type and @code with @len bytes after its header. */
static struct sk_buff *rw6_icmp(struct kunit *test, const u8 *ext,
				const char *src, const char *dst, u8 type,
				u8 code, unsigned int len)
{
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);
	struct sk_buff *skb = rw6_packet_ext(test, ext, 0, IPPROTO_ICMPV6, &s, &d,
					     sizeof(struct icmp6hdr) + len);
	struct icmp6hdr *ih = icmp6_hdr(skb);

	memset(ih, 0, sizeof(*ih));
	ih->icmp6_type = type;
	ih->icmp6_code = code;
	ih->icmp6_cksum = rw6_l4_csum(skb, skb_transport_offset(skb), &s, &d,
				      IPPROTO_ICMPV6);
	return skb;
}

static struct sk_buff *rw6_echo(struct kunit *test, const char *src,
				const char *dst, u8 type, u16 id)
{
	struct sk_buff *skb = rw6_icmp(test, NULL, src, dst, type, 0,
				       RW6_PAYLOAD);
	struct icmp6hdr *ih = icmp6_hdr(skb);
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);

	ih->icmp6_identifier = htons(id);
	ih->icmp6_sequence = htons(1);
	ih->icmp6_cksum = 0;
	ih->icmp6_cksum = rw6_l4_csum(skb, skb_transport_offset(skb), &s, &d,
				      IPPROTO_ICMPV6);
	return skb;
}

static struct semnet_fkey6 rw6_key(const char *src, u16 sport,
				   const char *dst, u16 dport, u8 proto)
{
	return (struct semnet_fkey6){
		.src = rw6_ip(src), .dst = rw6_ip(dst),
		.sport = htons(sport), .dport = htons(dport), .proto = proto,
	};
}

static void rw6_expect_addrs(struct kunit *test, const struct ipv6hdr *ip6h,
			     const char *src, const char *dst)
{
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);

	KUNIT_EXPECT_TRUE_MSG(test, ipv6_addr_equal(&ip6h->saddr, &s),
			      "source %pI6c, want %s", &ip6h->saddr, src);
	KUNIT_EXPECT_TRUE_MSG(test, ipv6_addr_equal(&ip6h->daddr, &d),
			      "destination %pI6c, want %s", &ip6h->daddr, dst);
}

static void semnet_rw6_parse(struct kunit *test)
{
	struct sk_buff *skb = rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, 80);
	struct in6_addr client = rw6_ip(RW6_CLIENT), svc = rw6_ip(RW6_SVC);
	static const u8 ext[] = { NEXTHDR_DEST, RW6_END };
	struct semnet_pkt6 pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_TCP);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&pkt.key.src, &client));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&pkt.key.dst, &svc));
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 80);
	KUNIT_EXPECT_EQ(test, pkt.l4off, sizeof(struct ipv6hdr));
	KUNIT_EXPECT_TRUE(test, pkt.tcp_syn);
	KUNIT_EXPECT_FALSE(test, pkt.tcp_fin);
	KUNIT_EXPECT_FALSE(test, pkt.tcp_rst);
	KUNIT_EXPECT_FALSE(test, pkt.icmp_error);
	KUNIT_EXPECT_EQ(test, pkt.key.pad, 0);

	/* Another protocol, or an IPv4 header, is not translated. */
	ipv6_hdr(skb)->nexthdr = IPPROTO_SCTP;
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT);
	ipv6_hdr(skb)->nexthdr = IPPROTO_TCP;
	ipv6_hdr(skb)->version = 4;
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EINVAL);
	kfree_skb(skb);

	/* ESP, after an extension header, hides its ports. */
	skb = rw6_packet_ext(test, ext, 0, IPPROTO_ESP, &client, &svc, 64);
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);
}

/*
 * Every prefix of @skb (freed) shorter than @need bytes is refused as
 * truncated, and the first @need bytes parse. The cut-off bytes stay in
 * the buffer, correct: a parser reading past the end would find them and
 * succeed, and the case would fail.
 */
static void rw6_expect_truncated(struct kunit *test, struct sk_buff *skb,
				 unsigned int need)
{
	struct semnet_pkt6 pkt;
	unsigned int len;

	for (len = 0; len <= need; len++) {
		struct sk_buff *cut = skb_copy(skb, GFP_KERNEL);
		int want = len < need ? -EINVAL : 0;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, cut);
		skb_trim(cut, len);
		KUNIT_EXPECT_EQ_MSG(test, semnet_parse6(cut, &pkt), want,
				    "%u of %u bytes", len, need);
		kfree_skb(cut);
	}
	kfree_skb(skb);
}

static void semnet_rw6_truncated(struct kunit *test)
{
	static const u8 ext[] = { NEXTHDR_HOP, NEXTHDR_DEST, NEXTHDR_ROUTING,
				  RW6_END };
	unsigned int exts = 8 + 16 + 24;
	struct sk_buff *skb;

	skb = rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, 80);
	rw6_expect_truncated(test, skb, 40 + sizeof(struct tcphdr));
	skb = rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC, 53, true);
	rw6_expect_truncated(test, skb, 40 + sizeof(struct udphdr));
	skb = rw6_echo(test, RW6_CLIENT, RW6_SVC, ICMPV6_ECHO_REQUEST, 7);
	rw6_expect_truncated(test, skb, 40 + sizeof(struct icmp6hdr));
	skb = rw6_tcp_ext(test, ext, RW6_CLIENT, 40000, RW6_SVC, 80);
	rw6_expect_truncated(test, skb, 40 + exts + sizeof(struct tcphdr));
	skb = rw6_udp_ext(test, ext, RW6_CLIENT, 40000, RW6_SVC, 53, true);
	rw6_expect_truncated(test, skb, 40 + exts + sizeof(struct udphdr));
}

static void semnet_rw6_tcp(struct kunit *test)
{
	struct sk_buff *skb = rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, 80);
	struct semnet_fkey6 to = rw6_key(RW6_IDENT, 51000, RW6_INST, 8080,
					 IPPROTO_TCP);
	struct semnet_pkt6 pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_IDENT, RW6_INST);
	KUNIT_EXPECT_EQ(test, ntohs(tcp_hdr(skb)->source), ntohs(to.sport));
	KUNIT_EXPECT_EQ(test, ntohs(tcp_hdr(skb)->dest), ntohs(to.dport));
	/* The whole segment, checksum field included, sums to zero. */
	rw6_expect_l4_ok(test, skb, IPPROTO_TCP);
	kfree_skb(skb);

	/* One field at a time, the others unchanged. */
	skb = rw6_tcp(test, RW6_INST, 8080, RW6_IDENT, 51000);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	to = pkt.key;
	to.dst = rw6_ip(RW6_CLIENT);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_INST, RW6_CLIENT);
	rw6_expect_l4_ok(test, skb, IPPROTO_TCP);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	to = pkt.key;
	to.dport = htons(40000);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ntohs(tcp_hdr(skb)->dest), 40000);
	rw6_expect_l4_ok(test, skb, IPPROTO_TCP);
	kfree_skb(skb);
}

/*
 * A rewrite of INST:53 -> IDENT:41000 to @to whose new checksum comes to 0,
 * which UDP must send as 0xffff (0 is "no checksum"). @knob, a 16-bit word
 * of @to, is tuned to get there: the last word the rewrite changes, a port
 * or (when the ports stay) an address word.
 */
static void rw6_udp_mangled(struct kunit *test, struct semnet_fkey6 *to,
			    __be16 *knob, const char *what)
{
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	u32 word;
	int i;

	for (i = 0; i < 2; i++) {
		skb = rw6_udp(test, RW6_INST, 53, RW6_IDENT, 41000, true);
		KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
		KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, to), 0);
		rw6_expect_l4_ok(test, skb, IPPROTO_UDP);
		if (i) {
			KUNIT_EXPECT_EQ_MSG(test,
					    (__force u16)udp_hdr(skb)->check,
					    0xffff, "%s", what);
			kfree_skb(skb);
			break;
		}
		/*
		 * The first try's checksum, added to the knob, brings the
		 * sum to 0xffff (one's complement arithmetic).
		 */
		word = (__force u16)*knob + (__force u16)udp_hdr(skb)->check;
		*knob = (__force __be16)(u16)((word & 0xffff) + (word >> 16));
		kfree_skb(skb);
	}
}

static void semnet_rw6_udp(struct kunit *test)
{
	struct semnet_fkey6 to = rw6_key(RW6_SVC, 53, RW6_CLIENT, 40000,
					 IPPROTO_UDP);
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;

	skb = rw6_udp(test, RW6_INST, 53, RW6_IDENT, 41000, true);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_SVC, RW6_CLIENT);
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(skb)->dest), 40000);
	rw6_expect_l4_ok(test, skb, IPPROTO_UDP);
	kfree_skb(skb);

	/* Rewrites whose new checksum is 0 write 0xffff instead. */
	to.sport = htons(53);
	to.dport = htons(41000);
	rw6_udp_mangled(test, &to, &to.dst.s6_addr16[7], "address");
	to.dport = htons(40000);
	rw6_udp_mangled(test, &to, &to.dport, "port");

	/*
	 * A zero checksum stays zero: over IPv6 only a receiver that allows
	 * it (a tunnel, RFC 6935) takes it, and a rewrite must not turn it
	 * into a wrong one.
	 */
	to = rw6_key(RW6_SVC, 53, RW6_CLIENT, 40000, IPPROTO_UDP);
	skb = rw6_udp(test, RW6_INST, 53, RW6_IDENT, 41000, false);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, (__force u16)udp_hdr(skb)->check, 0);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_SVC, RW6_CLIENT);
	kfree_skb(skb);
}

/*
 * CHECKSUM_PARTIAL (offloaded): the field holds the folded pseudo-header
 * sum, and must afterwards hold the new pseudo-header's.
 */
static void rw6_partial(struct kunit *test, u8 proto)
{
	struct semnet_fkey6 to = rw6_key(RW6_IDENT, 40001, RW6_INST, 8080, proto);
	struct in6_addr s = rw6_ip(RW6_CLIENT), d = rw6_ip(RW6_SVC);
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	__sum16 *check;
	unsigned int len;

	if (proto == IPPROTO_TCP)
		skb = rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, 80);
	else
		skb = rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC, 80, true);
	len = skb->len - skb_transport_offset(skb);
	check = proto == IPPROTO_TCP ? &tcp_hdr(skb)->check :
		&udp_hdr(skb)->check;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = (void *)check - (void *)skb_transport_header(skb);
	*check = ~csum_ipv6_magic(&s, &d, len, proto, 0);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	check = proto == IPPROTO_TCP ? &tcp_hdr(skb)->check :
		&udp_hdr(skb)->check;
	KUNIT_EXPECT_EQ(test, (__force u16)*check,
			(__force u16)~csum_ipv6_magic(&to.src, &to.dst, len,
						      proto, 0));
	/* What the device computes then verifies. */
	KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
	rw6_expect_l4_ok(test, skb, proto);
	kfree_skb(skb);
}

static void semnet_rw6_partial(struct kunit *test)
{
	rw6_partial(test, IPPROTO_TCP);
	rw6_partial(test, IPPROTO_UDP);
}

/*
 * CHECKSUM_COMPLETE (as received): skb->csum, the sum of everything from
 * the IPv6 header on, must still match the data after a rewrite.
 */
static void rw6_complete(struct kunit *test, struct sk_buff *skb,
			 const struct semnet_fkey6 *to, const char *what)
{
	struct semnet_pkt6 pkt;

	skb->ip_summed = CHECKSUM_COMPLETE;
	skb->csum = skb_checksum(skb, 0, skb->len, 0);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, to), 0);
	KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_COMPLETE);
	KUNIT_EXPECT_EQ_MSG(test, (__force u16)csum_fold(skb->csum),
			    (__force u16)csum_fold(skb_checksum(skb, 0,
								skb->len, 0)),
			    "%s: skb->csum", what);
	kfree_skb(skb);
}

static void semnet_rw6_complete(struct kunit *test)
{
	struct semnet_fkey6 to;

	to = rw6_key(RW6_IDENT, 40001, RW6_INST, 8080, IPPROTO_TCP);
	rw6_complete(test, rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, 80), &to,
		     "TCP");
	to.proto = IPPROTO_UDP;
	rw6_complete(test, rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC, 80, true),
		     &to, "UDP");
	rw6_complete(test, rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC, 80, false),
		     &to, "UDP without a checksum");
	to = rw6_key(RW6_IDENT, 5000, RW6_INST, 0, IPPROTO_ICMPV6);
	rw6_complete(test, rw6_echo(test, RW6_CLIENT, RW6_SVC,
				    ICMPV6_ECHO_REQUEST, 77), &to, "echo");
}

static void semnet_rw6_icmp_echo(struct kunit *test)
{
	struct sk_buff *skb = rw6_echo(test, RW6_CLIENT, RW6_SVC,
				       ICMPV6_ECHO_REQUEST, 77);
	struct semnet_fkey6 to;
	struct semnet_pkt6 pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_ICMPV6);
	KUNIT_EXPECT_EQ(test, pkt.icmp_echo, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_FALSE(test, pkt.icmp_error);
	/* A request's id is its source "port". */
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 77);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 0);
	to = pkt.key;
	to.src = rw6_ip(RW6_IDENT);
	to.dst = rw6_ip(RW6_INST);
	to.sport = htons(5000);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ntohs(icmp6_hdr(skb)->icmp6_identifier), 5000);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_IDENT, RW6_INST);
	/* ICMPv6, unlike ICMP, sums the pseudo-header too. */
	rw6_expect_l4_ok(test, skb, IPPROTO_ICMPV6);
	kfree_skb(skb);

	/* A reply's id is its destination "port": the key reverses. */
	skb = rw6_echo(test, RW6_INST, RW6_IDENT, ICMPV6_ECHO_REPLY, 5000);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.icmp_echo, ICMPV6_ECHO_REPLY);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 0);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 5000);
	to = pkt.key;
	to.src = rw6_ip(RW6_SVC);
	to.dst = rw6_ip(RW6_CLIENT);
	to.dport = htons(77);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ntohs(icmp6_hdr(skb)->icmp6_identifier), 77);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_SVC, RW6_CLIENT);
	rw6_expect_l4_ok(test, skb, IPPROTO_ICMPV6);
	kfree_skb(skb);
}

/* Hop-by-hop, destination options and routing headers are skipped. */
static void semnet_rw6_exthdrs(struct kunit *test)
{
	static const u8 ext[] = { NEXTHDR_HOP, NEXTHDR_DEST, NEXTHDR_ROUTING,
				  NEXTHDR_DEST, RW6_END };
	static const u8 dst[] = { NEXTHDR_DEST, RW6_END };
	struct semnet_fkey6 to = rw6_key(RW6_IDENT, 40000, RW6_INST, 8080,
					 IPPROTO_TCP);
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;

	skb = rw6_tcp_ext(test, ext, RW6_CLIENT, 40000, RW6_SVC, 80);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.l4off, 40 + 8 + 16 + 24 + 16);
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 80);
	KUNIT_EXPECT_TRUE(test, pkt.tcp_syn);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_addrs(test, ipv6_hdr(skb), RW6_IDENT, RW6_INST);
	KUNIT_EXPECT_EQ(test, ntohs(tcp_hdr(skb)->dest), 8080);
	rw6_expect_l4_ok(test, skb, IPPROTO_TCP);
	/* The extension headers are left as they were. */
	KUNIT_EXPECT_EQ(test, ipv6_hdr(skb)->nexthdr, NEXTHDR_HOP);
	KUNIT_EXPECT_EQ(test, skb_network_header(skb)[40 + 8 + 16 + 2], 4);
	kfree_skb(skb);

	to.proto = IPPROTO_UDP;
	skb = rw6_udp_ext(test, dst, RW6_CLIENT, 40000, RW6_SVC, 80, true);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.l4off, 40 + 16);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_l4_ok(test, skb, IPPROTO_UDP);
	kfree_skb(skb);

	/* A chain that ends in No Next Header carries nothing to translate. */
	skb = rw6_udp_ext(test, dst, RW6_CLIENT, 40000, RW6_SVC, 80, true);
	skb_network_header(skb)[40] = NEXTHDR_NONE;
	KUNIT_EXPECT_LT(test, semnet_parse6(skb, &pkt), 0);
	kfree_skb(skb);
}

/*
 * A Fragment header means a fragment the hook did not reassemble: refused,
 * first fragment or not, after other headers or not. An atomic fragment
 * (RFC 6946: offset 0, no more fragments) is a whole packet: translated.
 */
static void semnet_rw6_fragment(struct kunit *test)
{
	static const u8 frag[] = { NEXTHDR_FRAGMENT, RW6_END };
	static const u8 hop_frag[] = { NEXTHDR_HOP, NEXTHDR_FRAGMENT, RW6_END };
	struct in6_addr s = rw6_ip(RW6_CLIENT), d = rw6_ip(RW6_SVC);
	static const u16 offs[] = { IP6_MF, 1480 | IP6_MF, 1480 };
	struct semnet_fkey6 to;
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		skb = rw6_packet_ext(test, frag, offs[i], IPPROTO_UDP, &s, &d, 64);
		KUNIT_EXPECT_EQ_MSG(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT,
				    "fragment offset/flags %#x", offs[i]);
		kfree_skb(skb);
		skb = rw6_packet_ext(test, hop_frag, offs[i], IPPROTO_TCP, &s, &d, 64);
		KUNIT_EXPECT_EQ_MSG(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT,
				    "after hop-by-hop, offset/flags %#x", offs[i]);
		kfree_skb(skb);
	}

	skb = rw6_udp_ext(test, frag, RW6_CLIENT, 40000, RW6_SVC, 80, true);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.l4off, 40 + 8);
	to = rw6_key(RW6_IDENT, 40000, RW6_INST, 8080, IPPROTO_UDP);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
	rw6_expect_l4_ok(test, skb, IPPROTO_UDP);
	kfree_skb(skb);
}

/*
 * Neighbour discovery, MLD and router advertisements (and every other
 * ICMPv6 type semnet does not translate) are left alone: to a ServiceIP
 * or an nsIP, with a router alert in front or not.
 */
static void semnet_rw6_ndp_mld(struct kunit *test)
{
	static const u8 types[] = {
		NDISC_ROUTER_SOLICITATION, NDISC_ROUTER_ADVERTISEMENT,
		NDISC_NEIGHBOUR_SOLICITATION, NDISC_NEIGHBOUR_ADVERTISEMENT,
		NDISC_REDIRECT, ICMPV6_MGM_QUERY, ICMPV6_MGM_REPORT,
		ICMPV6_MGM_REDUCTION, ICMPV6_MLD2_REPORT, 5, 127, 200, 255,
	};
	static const u8 hop[] = { NEXTHDR_HOP, RW6_END };
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		skb = rw6_icmp(test, NULL, RW6_CLIENT, RW6_SVC, types[i], 0, 24);
		KUNIT_EXPECT_EQ_MSG(test, semnet_parse6(skb, &pkt),
				    -EPROTONOSUPPORT, "ICMPv6 type %u", types[i]);
		kfree_skb(skb);
		skb = rw6_icmp(test, hop, "fe80::2", "ff02::16", types[i], 0, 24);
		KUNIT_EXPECT_EQ_MSG(test, semnet_parse6(skb, &pkt),
				    -EPROTONOSUPPORT,
				    "ICMPv6 type %u after hop-by-hop", types[i]);
		kfree_skb(skb);
	}
}

/*
 * An ICMPv6 error from @src to @dst of @type quoting the first @quote
 * bytes of @inner (freed), with a correct checksum, in one linear skb.
 */
static struct sk_buff *rw6_icmp_error(struct kunit *test, const char *src,
				      const char *dst, u8 type,
				      struct sk_buff *inner, unsigned int quote)
{
	struct in6_addr s = rw6_ip(src), d = rw6_ip(dst);
	struct icmp6hdr *ih;
	struct sk_buff *skb;

	skb = rw6_icmp(test, NULL, src, dst, type, 0, quote);
	ih = icmp6_hdr(skb);
	if (type == ICMPV6_DEST_UNREACH)
		ih->icmp6_code = ICMPV6_PORT_UNREACH;
	if (type == ICMPV6_PKT_TOOBIG)
		ih->icmp6_mtu = htonl(1280);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(inner, 0, (u8 *)ih + sizeof(*ih),
					    quote), 0);
	kfree_skb(inner);
	ih->icmp6_cksum = 0;
	ih->icmp6_cksum = rw6_l4_csum(skb, skb_transport_offset(skb), &s, &d,
				      IPPROTO_ICMPV6);
	return skb;
}

/* The (translated) error verifies, its outer addresses as expected. */
static void rw6_expect_error_ok(struct kunit *test, struct sk_buff *skb,
				const char *src, const char *dst)
{
	rw6_expect_addrs(test, ipv6_hdr(skb), src, dst);
	rw6_expect_l4_ok(test, skb, IPPROTO_ICMPV6);
}

/*
 * Checks the embedded packet of the translated error @skb against @want
 * (freed): @quote bytes of it, of which the first @same are byte for byte
 * those of the client's own packet (addresses, ports, the embedded
 * checksum).
 */
static bool rw6_expect_inner_n(struct kunit *test, struct sk_buff *skb,
			       struct sk_buff *want, unsigned int quote,
			       unsigned int same, const char *what)
{
	unsigned int off = skb_transport_offset(skb) + sizeof(struct icmp6hdr);
	bool ok;

	ok = skb->len == off + quote && skb_headlen(skb) == skb->len &&
	     !memcmp(skb->data + off, want->data, same);
	KUNIT_EXPECT_TRUE_MSG(test, ok, "embedded packet differs: %s, %u bytes",
			      what, quote);
	kfree_skb(want);
	return ok;
}

static bool rw6_expect_inner(struct kunit *test, struct sk_buff *skb,
			     struct sk_buff *want, unsigned int quote,
			     const char *what)
{
	return rw6_expect_inner_n(test, skb, want, quote, quote, what);
}

/*
 * A port unreachable (and a packet too big) from instance INST about the
 * datagram IDENT:41000 -> INST:53 it got. The flow's reply tuple maps it
 * back to the client: CLIENT sees an error from the ServiceIP about its
 * own datagram CLIENT:40000 -> SVC:53.
 */
static void semnet_rw6_icmp_error(struct kunit *test)
{
	static const u8 types[] = { ICMPV6_DEST_UNREACH, ICMPV6_PKT_TOOBIG,
				    ICMPV6_PARAMPROB };
	struct semnet_fkey6 mkey, mto;
	struct in6_addr ident = rw6_ip(RW6_IDENT);
	struct sk_buff *skb, *inner;
	struct semnet_pkt6 pkt;
	unsigned int i, quote;

	mkey = rw6_key(RW6_INST, 53, RW6_IDENT, 41000, IPPROTO_UDP);
	mto = rw6_key(RW6_SVC, 53, RW6_CLIENT, 40000, IPPROTO_UDP);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		inner = rw6_udp(test, RW6_IDENT, 41000, RW6_INST, 53, true);
		quote = inner->len;
		skb = rw6_icmp_error(test, RW6_INST, RW6_IDENT, types[i], inner,
				     quote);
		KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
		KUNIT_ASSERT_TRUE(test, pkt.icmp_error);
		/* The key is the embedded datagram's. */
		KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_UDP);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&pkt.key.src, &ident));
		KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 41000);
		KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 53);
		KUNIT_EXPECT_EQ(test, pkt.inner_off, 40 + 8);
		KUNIT_EXPECT_EQ(test, pkt.inner_l4off, 40 + 8 + 40);

		KUNIT_ASSERT_EQ(test, semnet_rewrite6_icmp_error(skb, &pkt, &mkey,
								 &mto), 0);
		rw6_expect_error_ok(test, skb, RW6_SVC, RW6_CLIENT);
		KUNIT_EXPECT_EQ(test, icmp6_hdr(skb)->icmp6_type, types[i]);
		if (types[i] == ICMPV6_PKT_TOOBIG)
			KUNIT_EXPECT_EQ(test, ntohl(icmp6_hdr(skb)->icmp6_mtu), 1280);
		rw6_expect_inner(test, skb, rw6_udp(test, RW6_CLIENT, 40000,
						    RW6_SVC, 53, true),
				 quote, "UDP");
		kfree_skb(skb);
	}
}

/* Fills the tailroom of @skb with a pattern rw6_expect_tail() checks. */
static void rw6_fill_tail(struct sk_buff *skb)
{
	memset(skb_tail_pointer(skb), 0xa5, skb_tailroom(skb));
}

/* Nothing was written past the end of the (linear) @skb. */
static void rw6_expect_tail(struct kunit *test, struct sk_buff *skb,
			    const char *what)
{
	KUNIT_EXPECT_TRUE_MSG(test,
			      !memchr_inv(skb_tail_pointer(skb), 0xa5,
					  skb_tailroom(skb)),
			      "written past the end of the packet: %s", what);
}

/*
 * A time exceeded from a router on the way keeps the router's address,
 * quoting a TCP segment in full, its header only, or less of it: the
 * embedded checksum (16 bytes into TCP) is updated when quoted whole,
 * else left alone, and nothing is written past the quote.
 */
static void semnet_rw6_icmp_error_router(struct kunit *test)
{
	static const unsigned int quotes[] = {
		40 + 8, 40 + 12, 40 + 17, 40 + 18, 40 + 20,
		40 + 20 + RW6_PAYLOAD,
	};
	struct semnet_fkey6 mkey, mto;
	struct semnet_pkt6 pkt;
	unsigned int i, same;
	struct sk_buff *skb;

	mkey = rw6_key(RW6_INST, 80, RW6_IDENT, 41000, IPPROTO_TCP);
	mto = rw6_key(RW6_SVC, 80, RW6_CLIENT, 40000, IPPROTO_TCP);
	for (i = 0; i < ARRAY_SIZE(quotes); i++) {
		skb = rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT,
				     ICMPV6_TIME_EXCEED,
				     rw6_tcp(test, RW6_IDENT, 41000, RW6_INST, 80),
				     quotes[i]);
		rw6_fill_tail(skb);
		KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
		KUNIT_ASSERT_EQ(test, semnet_rewrite6_icmp_error(skb, &pkt, &mkey,
								 &mto), 0);
		rw6_expect_error_ok(test, skb, RW6_ROUTER, RW6_CLIENT);
		rw6_expect_tail(test, skb, "TCP");
		/* A cut checksum stays as it was: compare up to it. */
		same = quotes[i] < 40 + 18 ? min(quotes[i], 40U + 16) : quotes[i];
		rw6_expect_inner_n(test, skb, rw6_tcp(test, RW6_CLIENT, 40000,
						      RW6_SVC, 80),
				   quotes[i], same, "TCP");
		kfree_skb(skb);
	}

	/* Fewer than 8 bytes of it: truncated. */
	skb = rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT, ICMPV6_TIME_EXCEED,
			     rw6_tcp(test, RW6_IDENT, 41000, RW6_INST, 80), 40 + 7);
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EINVAL);
	kfree_skb(skb);
}

/*
 * A packet too big about an echo request IDENT -> INST (id 5000), back to
 * the client's own request CLIENT -> SVC (id 77): the embedded ICMPv6
 * checksum, which covers its pseudo-header, is the client's own.
 */
static void semnet_rw6_icmp_error_echo(struct kunit *test)
{
	struct semnet_fkey6 mkey, mto;
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;

	skb = rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT, ICMPV6_PKT_TOOBIG,
			     rw6_echo(test, RW6_IDENT, RW6_INST,
				      ICMPV6_ECHO_REQUEST, 5000),
			     40 + 8 + RW6_PAYLOAD);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_TRUE(test, pkt.icmp_error);
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_ICMPV6);
	KUNIT_EXPECT_EQ(test, pkt.inner_echo, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 5000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 0);
	/* The reply tuple: INST -> IDENT, reply id 5000, becomes SVC -> CLIENT. */
	mkey = rw6_key(RW6_INST, 0, RW6_IDENT, 5000, IPPROTO_ICMPV6);
	mto = rw6_key(RW6_SVC, 0, RW6_CLIENT, 77, IPPROTO_ICMPV6);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6_icmp_error(skb, &pkt, &mkey, &mto), 0);
	rw6_expect_error_ok(test, skb, RW6_ROUTER, RW6_CLIENT);
	rw6_expect_inner(test, skb, rw6_echo(test, RW6_CLIENT, RW6_SVC,
					     ICMPV6_ECHO_REQUEST, 77),
			 40 + 8 + RW6_PAYLOAD, "echo request");
	kfree_skb(skb);

	/* An error about an error is not one semnet translates. */
	skb = rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT, ICMPV6_PKT_TOOBIG,
			     rw6_icmp(test, NULL, RW6_IDENT, RW6_INST,
				      ICMPV6_DEST_UNREACH, 0, 48),
			     40 + 8 + 48);
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);
}

/*
 * This host's own error (LOCAL_OUT) about a packet it got from the
 * instance: only the embedded packet is rewritten, to what the client
 * sent, and the checksum follows over the unchanged outer pseudo-header.
 */
static void semnet_rw6_icmp_embedded(struct kunit *test)
{
	struct semnet_fkey6 to = rw6_key(RW6_CLIENT, 40000, RW6_SVC, 53,
					 IPPROTO_UDP);
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;

	skb = rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT, ICMPV6_DEST_UNREACH,
			     rw6_udp(test, RW6_IDENT, 41000, RW6_INST, 53, true),
			     40 + 8 + RW6_PAYLOAD);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6_icmp_embedded(skb, &pkt, &to), 0);
	rw6_expect_error_ok(test, skb, RW6_ROUTER, RW6_IDENT);
	rw6_expect_inner(test, skb, rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC,
					    53, true),
			 40 + 8 + RW6_PAYLOAD, "UDP");
	kfree_skb(skb);

	/* A packet that is no error is refused, not scribbled over. */
	skb = rw6_udp(test, RW6_IDENT, 41000, RW6_INST, 53, true);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, semnet_rewrite6_icmp_embedded(skb, &pkt, &to),
			-EINVAL);
	kfree_skb(skb);
}

/*
 * An error with CHECKSUM_PARTIAL: the field holds the sum of the
 * pseudo-header, which follows the new outer addresses.
 */
static void semnet_rw6_icmp_error_partial(struct kunit *test)
{
	struct in6_addr s = rw6_ip(RW6_INST), d = rw6_ip(RW6_IDENT);
	struct semnet_fkey6 mkey, mto;
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	unsigned int len;

	mkey = rw6_key(RW6_INST, 53, RW6_IDENT, 41000, IPPROTO_UDP);
	mto = rw6_key(RW6_SVC, 53, RW6_CLIENT, 40000, IPPROTO_UDP);
	skb = rw6_icmp_error(test, RW6_INST, RW6_IDENT, ICMPV6_DEST_UNREACH,
			     rw6_udp(test, RW6_IDENT, 41000, RW6_INST, 53, true),
			     40 + 8 + RW6_PAYLOAD);
	len = skb->len - skb_transport_offset(skb);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct icmp6hdr, icmp6_cksum);
	icmp6_hdr(skb)->icmp6_cksum = ~csum_ipv6_magic(&s, &d, len,
						       IPPROTO_ICMPV6, 0);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite6_icmp_error(skb, &pkt, &mkey, &mto), 0);
	KUNIT_EXPECT_EQ(test, (__force u16)icmp6_hdr(skb)->icmp6_cksum,
			(__force u16)~csum_ipv6_magic(&mto.src, &mto.dst, len,
						      IPPROTO_ICMPV6, 0));
	KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
	rw6_expect_error_ok(test, skb, RW6_SVC, RW6_CLIENT);
	kfree_skb(skb);
}

/*
 * @lin (freed) as a driver receiving into pages leaves it: its first @head
 * bytes linear, the rest in a page fragment. The linear part has room to
 * spare after it, so that a write past skb_headlen() lands there quietly
 * and only the result tells.
 */
static struct sk_buff *rw6_nonlinear(struct kunit *test, struct sk_buff *lin,
				     unsigned int head)
{
	unsigned int rest = lin->len - head;
	unsigned int thoff = skb_transport_offset(lin);
	struct sk_buff *skb;
	struct page *page;

	skb = alloc_skb(LL_MAX_HEADER + head + 128, GFP_KERNEL);
	page = alloc_page(GFP_KERNEL);
	if (!skb || !page) {
		kfree_skb(skb);
		if (page)
			__free_page(page);
		kfree_skb(lin);
		KUNIT_ASSERT_FAILURE(test, "out of memory");
	}
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	skb_put_data(skb, lin->data, head);
	memcpy(page_address(page), lin->data + head, rest);
	skb_add_rx_frag(skb, 0, page, 0, rest, PAGE_SIZE);
	skb_set_transport_header(skb, thoff);
	skb->protocol = lin->protocol;
	kfree_skb(lin);
	return skb;
}

static void rw6_nonlinear_rewrite(struct kunit *test, u8 proto)
{
	static const u8 ext[] = { NEXTHDR_HOP, NEXTHDR_ROUTING, RW6_END };
	struct semnet_fkey6 to = rw6_key(RW6_IDENT, 40001, RW6_INST, 8080, proto);
	unsigned int head, total;
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	u16 sum;

	for (head = 0, total = 1; head < total; head++) {
		if (proto == IPPROTO_TCP)
			skb = rw6_tcp_ext(test, ext, RW6_CLIENT, 40000, RW6_SVC, 80);
		else if (proto == IPPROTO_UDP)
			skb = rw6_udp_ext(test, ext, RW6_CLIENT, 40000, RW6_SVC,
					  80, true);
		else
			skb = rw6_echo(test, RW6_CLIENT, RW6_SVC,
				       ICMPV6_ECHO_REQUEST, 40000);
		total = skb->len;
		skb = rw6_nonlinear(test, skb, head);
		KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
		KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 40000);
		KUNIT_ASSERT_EQ(test, semnet_rewrite6(skb, &pkt, &pkt.key, &to), 0);
		KUNIT_ASSERT_EQ(test, skb_linearize(skb), 0);
		rw6_expect_addrs(test, ipv6_hdr(skb), RW6_IDENT, RW6_INST);
		sum = (__force u16)rw6_l4_csum(skb, skb_transport_offset(skb),
					       &to.src, &to.dst, proto);
		KUNIT_EXPECT_EQ_MSG(test, sum, 0,
				    "protocol %u, first %u bytes linear",
				    proto, head);
		kfree_skb(skb);
	}
}

/*
 * TCP, UDP and echo packets (the first two behind extension headers),
 * split between the linear area and a page fragment at every byte: parsed
 * and rewritten as when linear.
 */
static void semnet_rw6_nonlinear(struct kunit *test)
{
	rw6_nonlinear_rewrite(test, IPPROTO_TCP);
	rw6_nonlinear_rewrite(test, IPPROTO_UDP);
	rw6_nonlinear_rewrite(test, IPPROTO_ICMPV6);
}

/*
 * An error about IDENT:41000 -> INST:@port, translated for the client, for
 * every split of the error between the linear area and a page fragment:
 * the quoted header (and its L4 checksum, 16 bytes into TCP) may lie past
 * what the IPv6 receive path pulled.
 */
static void rw6_icmp_error_frags(struct kunit *test, u8 proto, bool embedded)
{
	unsigned int l4len = proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
			     sizeof(struct udphdr);
	unsigned int quote = 40 + l4len + 8;
	unsigned int head, total = 40 + sizeof(struct icmp6hdr) + quote;
	u16 port = proto == IPPROTO_TCP ? 80 : 53;
	struct semnet_fkey6 mkey, mto, to;
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;
	u16 sum;
	int ret;

	mkey = rw6_key(RW6_INST, port, RW6_IDENT, 41000, proto);
	mto = rw6_key(RW6_SVC, port, RW6_CLIENT, 40000, proto);
	to = rw6_key(RW6_CLIENT, 40000, RW6_SVC, port, proto);
	for (head = 0; head < total; head++) {
		struct sk_buff *inner, *want;

		if (proto == IPPROTO_TCP) {
			inner = rw6_tcp(test, RW6_IDENT, 41000, RW6_INST, port);
			want = rw6_tcp(test, RW6_CLIENT, 40000, RW6_SVC, port);
		} else {
			inner = rw6_udp(test, RW6_IDENT, 41000, RW6_INST, port,
					true);
			want = rw6_udp(test, RW6_CLIENT, 40000, RW6_SVC, port,
				       true);
		}
		skb = rw6_icmp_error(test, embedded ? RW6_ROUTER : RW6_INST,
				     RW6_IDENT, ICMPV6_DEST_UNREACH, inner, quote);
		skb = rw6_nonlinear(test, skb, head);
		KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
		KUNIT_ASSERT_TRUE(test, pkt.icmp_error);
		if (embedded)
			ret = semnet_rewrite6_icmp_embedded(skb, &pkt, &to);
		else
			ret = semnet_rewrite6_icmp_error(skb, &pkt, &mkey, &mto);
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_ASSERT_EQ(test, skb_linearize(skb), 0);
		sum = (__force u16)rw6_l4_csum(skb, 40, &ipv6_hdr(skb)->saddr,
					       &ipv6_hdr(skb)->daddr,
					       IPPROTO_ICMPV6);
		KUNIT_EXPECT_EQ_MSG(test, sum, 0,
				    "ICMPv6 checksum, first %u bytes linear", head);
		if (!embedded)
			rw6_expect_addrs(test, ipv6_hdr(skb), RW6_SVC, RW6_CLIENT);
		if (!rw6_expect_inner(test, skb, want, quote,
				      proto == IPPROTO_TCP ? "TCP, split" :
				      "UDP, split")) {
			kfree_skb(skb);
			return;		/* one report, not one per split */
		}
		kfree_skb(skb);
	}
}

static void semnet_rw6_icmp_error_frags(struct kunit *test)
{
	rw6_icmp_error_frags(test, IPPROTO_TCP, false);
	rw6_icmp_error_frags(test, IPPROTO_UDP, false);
}

static void semnet_rw6_icmp_embedded_frags(struct kunit *test)
{
	rw6_icmp_error_frags(test, IPPROTO_TCP, true);
	rw6_icmp_error_frags(test, IPPROTO_UDP, true);
}

/*
 * A time exceeded quoting the start of a fragment of the datagram
 * IDENT:41000 -> INST:53 (Fragment header offset and flags @frag).
 */
static struct sk_buff *rw6_error_quoting_fragment(struct kunit *test, u16 frag)
{
	static const u8 fh[] = { NEXTHDR_FRAGMENT, RW6_END };
	struct sk_buff *inner = rw6_udp_ext(test, fh, RW6_IDENT, 41000,
					    RW6_INST, 53, true);

	((struct frag_hdr *)(inner->data + 40))->frag_off = htons(frag);
	return rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT, ICMPV6_TIME_EXCEED,
			      inner, 40 + 8 + 8);
}

/*
 * An error quoting a fragment other than the first: where ports would be
 * is payload, so no tuple is read from it. The first fragment carries the
 * L4 header and parses, its ports past the Fragment header.
 */
static void semnet_rw6_icmp_error_fragment(struct kunit *test)
{
	struct semnet_pkt6 pkt;
	struct sk_buff *skb;

	skb = rw6_error_quoting_fragment(test, 1480 | IP6_MF);
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);

	/* The last fragment (offset, no M flag) alike. */
	skb = rw6_error_quoting_fragment(test, 1480);
	KUNIT_EXPECT_EQ(test, semnet_parse6(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);

	skb = rw6_error_quoting_fragment(test, IP6_MF);
	KUNIT_ASSERT_EQ(test, semnet_parse6(skb, &pkt), 0);
	KUNIT_EXPECT_TRUE(test, pkt.icmp_error);
	KUNIT_EXPECT_EQ(test, pkt.inner_l4off, 40 + 8 + 40 + 8);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 41000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 53);
	kfree_skb(skb);
}

/* Errors cut short anywhere before the 8th byte of the quoted L4 header. */
static void semnet_rw6_icmp_error_truncated(struct kunit *test)
{
	static const u8 ext[] = { NEXTHDR_DEST, RW6_END };
	struct sk_buff *inner;

	inner = rw6_tcp_ext(test, ext, RW6_IDENT, 41000, RW6_INST, 80);
	rw6_expect_truncated(test, rw6_icmp_error(test, RW6_ROUTER, RW6_IDENT,
						  ICMPV6_TIME_EXCEED, inner,
						  inner->len),
			     40 + 8 + 40 + 16 + 8);
}

static struct kunit_case semnet_rewrite6_cases[] = {
	KUNIT_CASE(semnet_rw6_parse),
	KUNIT_CASE(semnet_rw6_truncated),
	KUNIT_CASE(semnet_rw6_tcp),
	KUNIT_CASE(semnet_rw6_udp),
	KUNIT_CASE(semnet_rw6_partial),
	KUNIT_CASE(semnet_rw6_complete),
	KUNIT_CASE(semnet_rw6_icmp_echo),
	KUNIT_CASE(semnet_rw6_exthdrs),
	KUNIT_CASE(semnet_rw6_fragment),
	KUNIT_CASE(semnet_rw6_ndp_mld),
	KUNIT_CASE(semnet_rw6_icmp_error),
	KUNIT_CASE(semnet_rw6_icmp_error_router),
	KUNIT_CASE(semnet_rw6_icmp_error_echo),
	KUNIT_CASE(semnet_rw6_icmp_embedded),
	KUNIT_CASE(semnet_rw6_icmp_error_partial),
	KUNIT_CASE(semnet_rw6_nonlinear),
	KUNIT_CASE(semnet_rw6_icmp_error_frags),
	KUNIT_CASE(semnet_rw6_icmp_embedded_frags),
	KUNIT_CASE(semnet_rw6_icmp_error_fragment),
	KUNIT_CASE(semnet_rw6_icmp_error_truncated),
	{}
};

KT_SUITE(rewrite6);
