/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 addresses and prefixes: struct in6_addr (network byte order, so
 * memcmp order is numeric order), parsed with inet_pton and written with
 * inet_ntop. inet_ntop's text is the canonical form (RFC 5952: lowercase,
 * the longest run of zero groups compressed), which is also what Go's
 * net.IP.String() and Python's ipaddress give: every address semnet writes
 * or compares as text goes through sn_ipv6_format first, so two spellings
 * of one address ("fdff:2000:0::5", "FDFF:2000::5") can never count as two.
 */
#ifndef SN_IPV6_H
#define SN_IPV6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define SN_IPV6_STRLEN 46	/* INET6_ADDRSTRLEN */
#define SN_CIDR6_STRLEN 50	/* + "/128" */

struct sn_prefix6 {
	struct in6_addr addr;	/* network address, host bits zero */
	unsigned int len;	/* 0..128 */
};

/* Parses IPv6 text (any form inet_pton takes); false on anything else,
 * an IPv4 dotted quad included. */
bool sn_ipv6_parse(const char *text, struct in6_addr *addr);
/* Parses "addr/len"; false when malformed or host bits are set. */
bool sn_prefix6_parse(const char *text, struct sn_prefix6 *prefix);
/* The canonical text of @addr. */
void sn_ipv6_format(const struct in6_addr *addr, char out[SN_IPV6_STRLEN]);
void sn_prefix6_format(const struct sn_prefix6 *prefix, char out[SN_CIDR6_STRLEN]);
/* Rewrites @text (NUL-terminated, at most SN_IPV6_STRLEN - 1 bytes once
 * canonical) in canonical form; false when it is not an IPv6 address. */
bool sn_ipv6_canonical(const char *text, char out[SN_IPV6_STRLEN]);

static inline int sn_ipv6_cmp(const struct in6_addr *a, const struct in6_addr *b)
{
	for (int i = 0; i < 16; i++)
		if (a->s6_addr[i] != b->s6_addr[i])
			return a->s6_addr[i] < b->s6_addr[i] ? -1 : 1;
	return 0;
}

static inline bool sn_ipv6_is_zero(const struct in6_addr *a)
{
	for (int i = 0; i < 16; i++)
		if (a->s6_addr[i])
			return false;
	return true;
}

/* Clears every bit of @addr past the first @len (its network address). */
void sn_ipv6_mask(struct in6_addr *addr, unsigned int len);
bool sn_prefix6_contains(const struct sn_prefix6 *p, const struct in6_addr *addr);
/* True when the two prefixes share at least one address. */
bool sn_prefix6_overlaps(const struct sn_prefix6 *a, const struct sn_prefix6 *b);
/* True when @inner lies entirely inside @outer. */
bool sn_prefix6_within(const struct sn_prefix6 *inner, const struct sn_prefix6 *outer);

/*
 * The @nbits (0..64) bits of @addr that start at bit @start (0 is the most
 * significant bit of the first byte), as an integer: with @start the length
 * of a window and @start + @nbits the length of its blocks, the index of
 * the block @addr lies in. sn_ipv6_set_bits writes them back (the other
 * bits are kept). @start + @nbits must not exceed 128.
 */
uint64_t sn_ipv6_bits(const struct in6_addr *addr, unsigned int start, unsigned int nbits);
void sn_ipv6_set_bits(struct in6_addr *addr, unsigned int start, unsigned int nbits,
		      uint64_t value);

#endif
