/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prefix arithmetic, IPv4 and IPv6: ranges, node subnets and their
 * addresses.
 * Pure functions (no state), unit-tested in tests/addr_test.c.
 *
 * A node subnet (a /26 by default) holds the bridge gateway at .1 and
 * namespace IPs (nsIPs) from .2 up to the last address below broadcast.
 */
#ifndef _SEMNET_ADDR_H
#define _SEMNET_ADDR_H

#include <linux/types.h>
#include <linux/socket.h>
#include <asm/byteorder.h>
#include <net/ipv6.h>

struct semnet_prefix {
	__be32 addr;
	u8 len;		/* 0..32 */
};

/* The netmask of a prefix length, host order; len 0 is the empty mask. */
static inline u32 semnet_mask(u8 len)
{
	return len ? ~0U << (32 - len) : 0;
}

/* True when the prefix has no bits set beyond its length. */
static inline bool semnet_prefix_valid(const struct semnet_prefix *p)
{
	return p->len <= 32 && !(be32_to_cpu(p->addr) & ~semnet_mask(p->len));
}

static inline bool semnet_prefix_contains(const struct semnet_prefix *p,
					  __be32 addr)
{
	return !((be32_to_cpu(addr) ^ be32_to_cpu(p->addr)) &
		 semnet_mask(p->len));
}

/* True when @inner lies wholly inside @outer. */
static inline bool semnet_prefix_within(const struct semnet_prefix *inner,
					const struct semnet_prefix *outer)
{
	return inner->len >= outer->len &&
	       semnet_prefix_contains(outer, inner->addr);
}

static inline bool semnet_prefix_overlap(const struct semnet_prefix *a,
					 const struct semnet_prefix *b)
{
	return semnet_prefix_within(a, b) || semnet_prefix_within(b, a);
}

/* Number of addresses in the prefix (2^32 for /0 does not fit: u64). */
static inline u64 semnet_prefix_size(u8 len)
{
	return 1ULL << (32 - len);
}

/* The @len-bit subnet that holds @addr, e.g. the /26 of a nsIP. */
static inline __be32 semnet_subnet_of(__be32 addr, u8 len)
{
	return cpu_to_be32(be32_to_cpu(addr) & semnet_mask(len));
}

/* The bridge gateway of a node subnet: its first host address (.1). */
static inline __be32 semnet_subnet_gateway(const struct semnet_prefix *p)
{
	return cpu_to_be32(be32_to_cpu(p->addr) + 1);
}

/*
 * How many nsIPs a node subnet holds: all addresses minus network,
 * broadcast and gateway (61 for a /26). Subnets smaller than a /30 hold none.
 */
static inline u32 semnet_subnet_nsip_count(u8 len)
{
	return len <= 30 ? (u32)(semnet_prefix_size(len) - 3) : 0;
}

/* True when @addr is a usable nsIP of the node subnet @p. */
static inline bool semnet_subnet_is_nsip(const struct semnet_prefix *p,
					 __be32 addr)
{
	u32 host = be32_to_cpu(addr) & ~semnet_mask(p->len);

	return p->len <= 30 && semnet_prefix_contains(p, addr) &&
	       host >= 2 && host < ~semnet_mask(p->len);
}

/* The @index-th nsIP (0-based) of node subnet @p. */
static inline __be32 semnet_subnet_nsip(const struct semnet_prefix *p,
					u32 index)
{
	return cpu_to_be32(be32_to_cpu(p->addr) + 2 + index);
}

/*
 * An object's key address, of either family (services and instances are
 * each of one family: a dual-stack service is two ServiceIPs of one name).
 */
struct semnet_inaddr {
	union {
		__be32 ip;
		struct in6_addr ip6;
	};
	u8 family;		/* AF_INET, AF_INET6 */
};

static inline struct semnet_inaddr semnet_inaddr4(__be32 ip)
{
	return (struct semnet_inaddr){ .ip = ip, .family = AF_INET };
}

static inline struct semnet_inaddr semnet_inaddr6(const struct in6_addr *ip6)
{
	return (struct semnet_inaddr){ .ip6 = *ip6, .family = AF_INET6 };
}

/* Equal addresses of one family (an IPv4 one's unused bytes are not read). */
static inline bool semnet_inaddr_equal(const struct semnet_inaddr *a,
				       const struct semnet_inaddr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET6 ? ipv6_addr_equal(&a->ip6, &b->ip6) :
	       a->ip == b->ip;
}

/*
 * IPv6: the same, over struct in6_addr. A node's IPv6 subnet (a /120 as
 * Oakestra cuts them) holds the gateway at ::1 and nsIPs from ::2 to the
 * last address: IPv6 has no broadcast address to leave out.
 */
struct semnet_prefix6 {
	struct in6_addr addr;
	u8 len;		/* 0..128 */
};

static inline bool semnet_prefix6_contains(const struct semnet_prefix6 *p,
					   const struct in6_addr *addr)
{
	return ipv6_prefix_equal(&p->addr, addr, p->len);
}

/*
 * A link-local unicast address, fe80::/10, without ipv6_addr_type()'s
 * call (which also calls IPv4-mapped and -compatible 169.254/16
 * addresses link-local: no container's and no peer's, so not here).
 */
static inline bool semnet_addr6_linklocal(const struct in6_addr *addr)
{
	return (addr->s6_addr32[0] & htonl(0xffc00000)) == htonl(0xfe800000);
}

static inline bool semnet_prefix6_valid(const struct semnet_prefix6 *p)
{
	struct in6_addr masked;

	if (p->len > 128)
		return false;
	ipv6_addr_prefix(&masked, &p->addr, p->len);
	return ipv6_addr_equal(&masked, &p->addr);
}

static inline bool semnet_prefix6_within(const struct semnet_prefix6 *inner,
					 const struct semnet_prefix6 *outer)
{
	return inner->len >= outer->len &&
	       semnet_prefix6_contains(outer, &inner->addr);
}

static inline bool semnet_prefix6_overlap(const struct semnet_prefix6 *a,
					  const struct semnet_prefix6 *b)
{
	return semnet_prefix6_within(a, b) || semnet_prefix6_within(b, a);
}

/* The gateway of an IPv6 node subnet: ::1 in it. */
static inline struct in6_addr
semnet_subnet6_gateway(const struct semnet_prefix6 *p)
{
	struct in6_addr gw = p->addr;

	/* A /126 at most: the last word never carries over. */
	gw.s6_addr32[3] = cpu_to_be32(be32_to_cpu(gw.s6_addr32[3]) + 1);
	return gw;
}

/* The longest IPv6 node subnet: the gateway and two nsIPs. */
#define SEMNET_SUBNET6_LEN_MAX	126

/*
 * True when @addr is a usable nsIP of IPv6 node subnet @p: any of its
 * addresses but the first (the subnet-router anycast) and the gateway.
 */
static inline bool semnet_subnet6_is_nsip(const struct semnet_prefix6 *p,
					  const struct in6_addr *addr)
{
	struct in6_addr gw = semnet_subnet6_gateway(p);

	return p->len <= SEMNET_SUBNET6_LEN_MAX &&
	       semnet_prefix6_contains(p, addr) &&
	       !ipv6_addr_equal(addr, &p->addr) && !ipv6_addr_equal(addr, &gw);
}

#endif /* _SEMNET_ADDR_H */
