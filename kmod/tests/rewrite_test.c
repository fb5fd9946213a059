// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: header parsing and rewriting (rewrite.c). Every case builds a
 * real packet with correct checksums, rewrites it, and checks the result
 * against checksums computed from scratch.
 */
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "../rewrite.h"

#define RW_PAYLOAD 40

static __be32 rw_ip(const char *s)
{
	return in_aton(s);
}

/* An IPv4 packet of @proto with @l4len bytes of L4 header + payload. */
static struct sk_buff *rw_packet(struct kunit *test, u8 proto, __be32 src,
				 __be32 dst, unsigned int l4len)
{
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + 20 + l4len, GFP_KERNEL);
	struct iphdr *iph;
	unsigned int i;
	u8 *p;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = src;
	iph->daddr = dst;
	iph->tot_len = htons(20 + l4len);
	p = skb_put_zero(skb, l4len);
	for (i = 0; i < l4len; i++)
		p[i] = i * 7 + 3;
	skb_set_transport_header(skb, 20);
	skb->protocol = htons(ETH_P_IP);
	return skb;
}

static void rw_fix_ip_csum(struct sk_buff *skb)
{
	ip_hdr(skb)->check = 0;
	ip_send_check(ip_hdr(skb));
}

/* The full L4 checksum the packet should carry (pseudo-header included). */
static __sum16 rw_l4_csum(struct sk_buff *skb, unsigned int off, __be32 src,
			  __be32 dst, u8 proto)
{
	unsigned int len = skb->len - off;
	__wsum sum = skb_checksum(skb, off, len, 0);

	if (proto == IPPROTO_ICMP)
		return csum_fold(sum);
	return csum_tcpudp_magic(src, dst, len, proto, sum);
}

static struct sk_buff *rw_tcp(struct kunit *test, const char *src, u16 sport,
			      const char *dst, u16 dport)
{
	struct sk_buff *skb = rw_packet(test, IPPROTO_TCP, rw_ip(src), rw_ip(dst),
					sizeof(struct tcphdr) + RW_PAYLOAD);
	struct tcphdr *th = tcp_hdr(skb);

	memset(th, 0, sizeof(*th));	/* no stray flags from the payload fill */
	th->source = htons(sport);
	th->dest = htons(dport);
	th->doff = 5;
	th->syn = 1;
	th->check = 0;
	th->check = rw_l4_csum(skb, 20, rw_ip(src), rw_ip(dst), IPPROTO_TCP);
	rw_fix_ip_csum(skb);
	return skb;
}

static struct sk_buff *rw_udp(struct kunit *test, const char *src, u16 sport,
			      const char *dst, u16 dport, bool csum)
{
	struct sk_buff *skb = rw_packet(test, IPPROTO_UDP, rw_ip(src), rw_ip(dst),
					sizeof(struct udphdr) + RW_PAYLOAD);
	struct udphdr *uh = udp_hdr(skb);

	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(sizeof(*uh) + RW_PAYLOAD);
	uh->check = 0;
	if (csum)
		uh->check = rw_l4_csum(skb, 20, rw_ip(src), rw_ip(dst), IPPROTO_UDP);
	rw_fix_ip_csum(skb);
	return skb;
}

static struct semnet_fkey rw_key(const char *src, u16 sport, const char *dst,
				 u16 dport, u8 proto)
{
	return (struct semnet_fkey){
		.src = rw_ip(src), .dst = rw_ip(dst),
		.sport = htons(sport), .dport = htons(dport), .proto = proto,
	};
}

/* The IP header checksum verifies. */
static void rw_expect_ip_ok(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_EXPECT_EQ(test, ip_fast_csum(ip_hdr(skb), ip_hdr(skb)->ihl), 0);
}

static void semnet_rw_parse(struct kunit *test)
{
	struct sk_buff *skb = rw_tcp(test, "172.16.0.2", 40000, "172.30.0.1", 80);
	struct semnet_pkt pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, pkt.key.src, rw_ip("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, pkt.key.dst, rw_ip("172.30.0.1"));
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 80);
	KUNIT_EXPECT_TRUE(test, pkt.tcp_syn);
	KUNIT_EXPECT_FALSE(test, pkt.tcp_fin);
	KUNIT_EXPECT_FALSE(test, pkt.icmp_error);

	/* Truncated: the TCP header is cut short. */
	skb_trim(skb, 20 + 10);
	KUNIT_EXPECT_EQ(test, semnet_parse(skb, &pkt), -EINVAL);
	kfree_skb(skb);

	/* A fragment is not translatable; nor is another protocol. */
	skb = rw_udp(test, "172.16.0.2", 1, "172.30.0.1", 2, true);
	ip_hdr(skb)->frag_off = htons(IP_MF);
	KUNIT_EXPECT_EQ(test, semnet_parse(skb, &pkt), -EPROTONOSUPPORT);
	ip_hdr(skb)->frag_off = 0;
	ip_hdr(skb)->protocol = IPPROTO_SCTP;
	KUNIT_EXPECT_EQ(test, semnet_parse(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);
}

static void semnet_rw_tcp(struct kunit *test)
{
	struct sk_buff *skb = rw_tcp(test, "172.16.0.2", 40000, "172.30.0.1", 80);
	struct semnet_fkey to = rw_key("172.30.1.10", 51000, "172.16.0.5", 80,
				       IPPROTO_TCP);
	struct semnet_pkt pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->saddr, to.src);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, to.dst);
	KUNIT_EXPECT_EQ(test, tcp_hdr(skb)->source, to.sport);
	KUNIT_EXPECT_EQ(test, tcp_hdr(skb)->dest, to.dport);
	rw_expect_ip_ok(test, skb);
	/* The whole segment, checksum field included, sums to zero. */
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, to.src, to.dst, IPPROTO_TCP), 0);
	kfree_skb(skb);
}

static void semnet_rw_udp(struct kunit *test)
{
	struct semnet_fkey to = rw_key("172.30.0.1", 9, "172.16.0.2", 33000,
				       IPPROTO_UDP);
	struct semnet_pkt pkt;
	struct sk_buff *skb;

	skb = rw_udp(test, "172.16.0.5", 9, "172.30.1.10", 41000, true);
	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	rw_expect_ip_ok(test, skb);
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, to.src, to.dst, IPPROTO_UDP), 0);
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(skb)->dest), 33000);
	kfree_skb(skb);

	/* No checksum (0) stays none: a rewrite must not invent one. */
	skb = rw_udp(test, "172.16.0.5", 9, "172.30.1.10", 41000, false);
	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, udp_hdr(skb)->check, 0);
	rw_expect_ip_ok(test, skb);
	kfree_skb(skb);
}

/*
 * CHECKSUM_PARTIAL (offloaded): the field holds the folded pseudo-header
 * sum, and must afterwards hold the new pseudo-header's.
 */
static void semnet_rw_partial(struct kunit *test)
{
	struct sk_buff *skb = rw_tcp(test, "172.16.0.2", 40000, "172.30.0.1", 80);
	struct semnet_fkey to = rw_key("172.30.1.10", 40000, "172.16.0.5", 80,
				       IPPROTO_TCP);
	unsigned int len = skb->len - 20;
	struct semnet_pkt pkt;

	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb) + 20;
	skb->csum_offset = offsetof(struct tcphdr, check);
	tcp_hdr(skb)->check = ~csum_tcpudp_magic(rw_ip("172.16.0.2"),
						 rw_ip("172.30.0.1"), len,
						 IPPROTO_TCP, 0);
	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, tcp_hdr(skb)->check,
			(__sum16)~csum_tcpudp_magic(to.src, to.dst, len,
						    IPPROTO_TCP, 0));
	rw_expect_ip_ok(test, skb);
	kfree_skb(skb);
}

static struct sk_buff *rw_echo(struct kunit *test, const char *src,
			       const char *dst, u8 type, u16 id)
{
	struct sk_buff *skb = rw_packet(test, IPPROTO_ICMP, rw_ip(src), rw_ip(dst),
					sizeof(struct icmphdr) + RW_PAYLOAD);
	struct icmphdr *ih = icmp_hdr(skb);

	ih->type = type;
	ih->un.echo.id = htons(id);
	ih->un.echo.sequence = htons(1);
	ih->checksum = 0;
	ih->checksum = rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP);
	rw_fix_ip_csum(skb);
	return skb;
}

static void semnet_rw_icmp_echo(struct kunit *test)
{
	struct sk_buff *skb = rw_echo(test, "172.16.0.2", "172.30.0.1", ICMP_ECHO, 77);
	struct semnet_fkey to;
	struct semnet_pkt pkt;

	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	/* A request's id is its source "port". */
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 77);
	KUNIT_EXPECT_EQ(test, pkt.key.dport, 0);
	to = pkt.key;
	to.dst = rw_ip("172.16.0.4");
	to.sport = htons(5000);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ntohs(icmp_hdr(skb)->un.echo.id), 5000);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, rw_ip("172.16.0.4"));
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0);
	rw_expect_ip_ok(test, skb);
	kfree_skb(skb);

	/* A reply's id is its destination "port": the key reverses. */
	skb = rw_echo(test, "172.16.0.4", "172.30.1.10", ICMP_ECHOREPLY, 5000);
	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.key.sport, 0);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 5000);
	to = pkt.key;
	to.dport = htons(77);
	KUNIT_ASSERT_EQ(test, semnet_rewrite(skb, &pkt, &pkt.key, &to), 0);
	KUNIT_EXPECT_EQ(test, ntohs(icmp_hdr(skb)->un.echo.id), 77);
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0);
	kfree_skb(skb);
}

/*
 * An ICMP error from @src to @dst of @type quoting the first @quote bytes
 * of @inner (freed), with correct checksums, in one linear skb.
 */
static struct sk_buff *rw_icmp_error(struct kunit *test, const char *src,
				     const char *dst, u8 type,
				     struct sk_buff *inner, unsigned int quote)
{
	struct sk_buff *skb;
	struct icmphdr *ih;

	skb = rw_packet(test, IPPROTO_ICMP, rw_ip(src), rw_ip(dst),
			sizeof(*ih) + quote);
	ih = icmp_hdr(skb);
	memset(ih, 0, sizeof(*ih));
	ih->type = type;
	if (type == ICMP_DEST_UNREACH)
		ih->code = ICMP_PORT_UNREACH;
	KUNIT_ASSERT_EQ(test, skb_copy_bits(inner, 0, (u8 *)ih + sizeof(*ih),
					    quote), 0);
	kfree_skb(inner);
	ih->checksum = rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP);
	rw_fix_ip_csum(skb);
	return skb;
}

/*
 * An ICMP port unreachable from instance 172.16.0.5 about the datagram
 * 172.30.1.10:41000 -> 172.16.0.5:9 it got. The flow's reply tuple maps
 * it back to the client: 172.16.0.2 sees an error from the ServiceIP
 * about its own datagram 172.16.0.2:40000 -> 172.30.0.1:9.
 */
static void semnet_rw_icmp_error(struct kunit *test)
{
	struct semnet_fkey mkey, mto;
	struct sk_buff *skb, *inner;
	struct semnet_pkt pkt;
	struct iphdr *iph;
	struct udphdr *uh;

	inner = rw_udp(test, "172.30.1.10", 41000, "172.16.0.5", 9, true);
	skb = rw_icmp_error(test, "172.16.0.5", "172.30.1.10", ICMP_DEST_UNREACH,
			    inner, 20 + sizeof(struct udphdr) + 8);

	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_ASSERT_TRUE(test, pkt.icmp_error);
	/* The key is the embedded datagram's. */
	KUNIT_EXPECT_EQ(test, pkt.key.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, pkt.key.src, rw_ip("172.30.1.10"));
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 9);

	/* The flow's REPLY_PRE tuple (the error's key reversed matches it). */
	mkey = rw_key("172.16.0.5", 9, "172.30.1.10", 41000, IPPROTO_UDP);
	mto = rw_key("172.30.0.1", 9, "172.16.0.2", 40000, IPPROTO_UDP);
	KUNIT_ASSERT_EQ(test, semnet_rewrite_icmp_error(skb, &pkt, &mkey, &mto), 0);

	iph = ip_hdr(skb);
	KUNIT_EXPECT_EQ(test, iph->saddr, rw_ip("172.30.0.1"));
	KUNIT_EXPECT_EQ(test, iph->daddr, rw_ip("172.16.0.2"));
	rw_expect_ip_ok(test, skb);
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0);

	iph = (void *)ip_hdr(skb) + 20 + sizeof(struct icmphdr);
	uh = (void *)iph + 20;
	KUNIT_EXPECT_EQ(test, iph->saddr, rw_ip("172.16.0.2"));
	KUNIT_EXPECT_EQ(test, iph->daddr, rw_ip("172.30.0.1"));
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 9);
	KUNIT_EXPECT_EQ(test, ip_fast_csum(iph, 5), 0);
	/*
	 * The embedded checksum is the one the client's own datagram had:
	 * that of the same datagram built with the client's addresses.
	 */
	inner = rw_udp(test, "172.16.0.2", 40000, "172.30.0.1", 9, true);
	KUNIT_EXPECT_EQ(test, uh->check, udp_hdr(inner)->check);
	kfree_skb(inner);
	kfree_skb(skb);
}

/* An error from a router on the way keeps the router's address. */
static void semnet_rw_icmp_error_router(struct kunit *test)
{
	struct semnet_fkey mkey, mto;
	struct semnet_pkt pkt;
	struct sk_buff *skb;

	skb = rw_icmp_error(test, "10.9.9.9", "172.30.1.10", ICMP_TIME_EXCEEDED,
			    rw_tcp(test, "172.30.1.10", 41000, "172.16.0.5", 80),
			    20 + 8);

	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	mkey = rw_key("172.16.0.5", 80, "172.30.1.10", 41000, IPPROTO_TCP);
	mto = rw_key("172.30.0.1", 80, "172.16.0.2", 40000, IPPROTO_TCP);
	KUNIT_ASSERT_EQ(test, semnet_rewrite_icmp_error(skb, &pkt, &mkey, &mto), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->saddr, rw_ip("10.9.9.9"));
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, rw_ip("172.16.0.2"));
	rw_expect_ip_ok(test, skb);
	KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0);
	kfree_skb(skb);
}

/*
 * @lin (freed) as a driver receiving into pages leaves it: its first @head
 * bytes linear, the rest in a page fragment. The linear part has room to
 * spare after it, so that a write past skb_headlen() lands there quietly
 * and only the result tells.
 */
static struct sk_buff *rw_nonlinear(struct kunit *test, struct sk_buff *lin,
				    unsigned int head)
{
	unsigned int rest = lin->len - head;
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
	skb->protocol = lin->protocol;
	kfree_skb(lin);
	return skb;
}

/* The segment (or datagram) 172.16.0.2:40000 -> 172.30.0.1:@port sends. */
static struct sk_buff *rw_client_l4(struct kunit *test, u8 proto, u16 port)
{
	if (proto == IPPROTO_TCP)
		return rw_tcp(test, "172.16.0.2", 40000, "172.30.0.1", port);
	return rw_udp(test, "172.16.0.2", 40000, "172.30.0.1", port, true);
}

/*
 * Checks the embedded packet of the (translated) ICMP error @skb: it is
 * the client's own 172.16.0.2:40000 -> 172.30.0.1:@port, checksums
 * included, as far as @quote bytes of it go. Returns false on a mismatch.
 */
static bool rw_expect_client_inner(struct kunit *test, struct sk_buff *skb,
				   u8 proto, u16 port, unsigned int quote,
				   unsigned int head)
{
	struct sk_buff *want = rw_client_l4(test, proto, port);
	unsigned int off = 20 + sizeof(struct icmphdr);
	bool ok;

	/* The client's packet, byte for byte, as far as it is quoted. */
	ok = skb->len == off + quote &&
	     !memcmp(skb->data + off, want->data, quote);
	KUNIT_EXPECT_TRUE_MSG(test, ok,
			      "embedded %s packet differs from the client's, first %u bytes linear",
			      proto == IPPROTO_TCP ? "TCP" : "UDP", head);
	kfree_skb(want);
	return ok;
}

/*
 * An error from instance 172.16.0.5 about 172.30.1.10:41000 ->
 * 172.16.0.5:@port, translated for client 172.16.0.2, for every split of
 * the error between the linear area and a page fragment: the quoted
 * header (and its L4 checksum, 16 bytes into TCP) may lie past what the
 * IPv4 receive path pulled.
 */
static void rw_icmp_error_frags(struct kunit *test, u8 proto, bool embedded)
{
	unsigned int l4len = proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
			     sizeof(struct udphdr);
	unsigned int quote = 20 + l4len + 8;
	unsigned int head, total = 20 + sizeof(struct icmphdr) + quote;
	u16 port = proto == IPPROTO_TCP ? 80 : 9;
	struct semnet_fkey mkey, mto;
	struct semnet_fkey to;
	struct semnet_pkt pkt;
	struct sk_buff *skb;

	mkey = rw_key("172.16.0.5", port, "172.30.1.10", 41000, proto);
	mto = rw_key("172.30.0.1", port, "172.16.0.2", 40000, proto);
	to = rw_key("172.16.0.2", 40000, "172.30.0.1", port, proto);
	for (head = 20; head < total; head++) {
		struct sk_buff *inner;

		if (proto == IPPROTO_TCP)
			inner = rw_tcp(test, "172.30.1.10", 41000, "172.16.0.5", port);
		else
			inner = rw_udp(test, "172.30.1.10", 41000, "172.16.0.5",
				       port, true);
		skb = rw_icmp_error(test, embedded ? "10.9.9.9" : "172.16.0.5",
				    "172.30.1.10", ICMP_DEST_UNREACH, inner, quote);
		skb = rw_nonlinear(test, skb, head);
		KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
		KUNIT_ASSERT_TRUE(test, pkt.icmp_error);
		if (embedded)
			KUNIT_ASSERT_EQ(test, semnet_rewrite_icmp_embedded(skb, &pkt, &to), 0);
		else
			KUNIT_ASSERT_EQ(test, semnet_rewrite_icmp_error(skb, &pkt, &mkey, &mto), 0);
		KUNIT_EXPECT_EQ_MSG(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0,
				    "ICMP checksum, first %u bytes linear", head);
		KUNIT_ASSERT_EQ(test, skb_linearize(skb), 0);
		rw_expect_ip_ok(test, skb);
		if (!embedded)
			KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, rw_ip("172.16.0.2"));
		if (!rw_expect_client_inner(test, skb, proto, port, quote, head)) {
			kfree_skb(skb);
			return;		/* one report, not one per split */
		}
		kfree_skb(skb);
	}
}

static void semnet_rw_icmp_error_frags_tcp(struct kunit *test)
{
	rw_icmp_error_frags(test, IPPROTO_TCP, false);
}

static void semnet_rw_icmp_error_frags_udp(struct kunit *test)
{
	rw_icmp_error_frags(test, IPPROTO_UDP, false);
}

/* The same through the path for this host's own errors (LOCAL_OUT). */
static void semnet_rw_icmp_embedded_frags(struct kunit *test)
{
	rw_icmp_error_frags(test, IPPROTO_TCP, true);
	rw_icmp_error_frags(test, IPPROTO_UDP, true);
}

/*
 * An error quoting only the 8 bytes RFC 792 requires of a TCP header, in a
 * page fragment: ports rewritten, nothing written past them.
 */
static void semnet_rw_icmp_error_short_quote(struct kunit *test)
{
	struct semnet_fkey mkey, mto;
	struct sk_buff *skb, *want;
	struct semnet_pkt pkt;
	unsigned int head;

	mkey = rw_key("172.16.0.5", 80, "172.30.1.10", 41000, IPPROTO_TCP);
	mto = rw_key("172.30.0.1", 80, "172.16.0.2", 40000, IPPROTO_TCP);
	for (head = 20; head < 20 + 8 + 20 + 8; head++) {
		skb = rw_icmp_error(test, "10.9.9.9", "172.30.1.10",
				    ICMP_TIME_EXCEEDED,
				    rw_tcp(test, "172.30.1.10", 41000,
					   "172.16.0.5", 80), 20 + 8);
		skb = rw_nonlinear(test, skb, head);
		KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
		KUNIT_ASSERT_EQ(test, semnet_rewrite_icmp_error(skb, &pkt, &mkey, &mto), 0);
		KUNIT_EXPECT_EQ(test, rw_l4_csum(skb, 20, 0, 0, IPPROTO_ICMP), 0);
		KUNIT_ASSERT_EQ(test, skb_linearize(skb), 0);
		want = rw_client_l4(test, IPPROTO_TCP, 80);
		KUNIT_EXPECT_EQ(test, skb->len, 20 + 8 + 20 + 8);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(skb->data + 28, want->data, 28), 0,
				    "first %u bytes linear", head);
		kfree_skb(want);
		kfree_skb(skb);
	}
}

/*
 * A time exceeded from a router, quoting the start of a fragment of the
 * datagram 172.30.1.10:41000 -> 172.16.0.5:9 (IP flags and offset @frag).
 */
static struct sk_buff *rw_error_quoting_fragment(struct kunit *test, u16 frag)
{
	struct sk_buff *inner = rw_udp(test, "172.30.1.10", 41000, "172.16.0.5",
				       9, true);

	ip_hdr(inner)->frag_off = htons(frag);
	rw_fix_ip_csum(inner);
	return rw_icmp_error(test, "10.9.9.9", "172.30.1.10", ICMP_TIME_EXCEEDED,
			     inner, 20 + 8);
}

/*
 * An error quoting a fragment other than the first: where ports would be
 * is payload, so no tuple is read from it (the packet is left alone). The
 * first fragment carries the L4 header and parses as usual.
 */
static void semnet_rw_icmp_error_fragment(struct kunit *test)
{
	struct semnet_pkt pkt;
	struct sk_buff *skb;

	skb = rw_error_quoting_fragment(test, IP_MF | 185);
	KUNIT_EXPECT_EQ(test, semnet_parse(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);

	/* The last fragment (offset, no MF) alike. */
	skb = rw_error_quoting_fragment(test, 185);
	KUNIT_EXPECT_EQ(test, semnet_parse(skb, &pkt), -EPROTONOSUPPORT);
	kfree_skb(skb);

	skb = rw_error_quoting_fragment(test, IP_MF);
	KUNIT_ASSERT_EQ(test, semnet_parse(skb, &pkt), 0);
	KUNIT_EXPECT_TRUE(test, pkt.icmp_error);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.sport), 41000);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.key.dport), 9);
	kfree_skb(skb);
}

static struct kunit_case semnet_rewrite_cases[] = {
	KUNIT_CASE(semnet_rw_parse),
	KUNIT_CASE(semnet_rw_tcp),
	KUNIT_CASE(semnet_rw_udp),
	KUNIT_CASE(semnet_rw_partial),
	KUNIT_CASE(semnet_rw_icmp_echo),
	KUNIT_CASE(semnet_rw_icmp_error),
	KUNIT_CASE(semnet_rw_icmp_error_router),
	KUNIT_CASE(semnet_rw_icmp_error_frags_tcp),
	KUNIT_CASE(semnet_rw_icmp_error_frags_udp),
	KUNIT_CASE(semnet_rw_icmp_embedded_frags),
	KUNIT_CASE(semnet_rw_icmp_error_short_quote),
	KUNIT_CASE(semnet_rw_icmp_error_fragment),
	{}
};

KT_SUITE(rewrite);
