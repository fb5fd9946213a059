// SPDX-License-Identifier: GPL-2.0
#include "sn_ipv6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sn_ipv6_parse(const char *text, struct in6_addr *addr)
{
	return text && inet_pton(AF_INET6, text, addr) == 1;
}

void sn_ipv6_format(const struct in6_addr *addr, char out[SN_IPV6_STRLEN])
{
	if (!inet_ntop(AF_INET6, addr, out, SN_IPV6_STRLEN))
		snprintf(out, SN_IPV6_STRLEN, "::");	/* cannot happen: the buffer fits any */
}

bool sn_ipv6_canonical(const char *text, char out[SN_IPV6_STRLEN])
{
	struct in6_addr addr;

	if (!sn_ipv6_parse(text, &addr))
		return false;
	sn_ipv6_format(&addr, out);
	return true;
}

void sn_ipv6_mask(struct in6_addr *addr, unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int first = i * 8;

		if (len >= first + 8)
			continue;
		addr->s6_addr[i] &= len <= first ? 0 : (uint8_t)(0xff00 >> (len - first));
	}
}

bool sn_prefix6_parse(const char *text, struct sn_prefix6 *prefix)
{
	char buf[SN_IPV6_STRLEN];
	const char *slash;
	char *end;
	size_t addr_len;
	long len;
	struct in6_addr addr, masked;

	if (!text || !(slash = strchr(text, '/')))
		return false;
	addr_len = (size_t)(slash - text);
	if (addr_len >= sizeof(buf))
		return false;
	memcpy(buf, text, addr_len);
	buf[addr_len] = '\0';
	if (!sn_ipv6_parse(buf, &addr))
		return false;
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > 128)
		return false;
	masked = addr;
	sn_ipv6_mask(&masked, (unsigned int)len);
	if (sn_ipv6_cmp(&masked, &addr) != 0)
		return false;
	prefix->addr = addr;
	prefix->len = (unsigned int)len;
	return true;
}

void sn_prefix6_format(const struct sn_prefix6 *prefix, char out[SN_CIDR6_STRLEN])
{
	char addr[SN_IPV6_STRLEN];

	sn_ipv6_format(&prefix->addr, addr);
	snprintf(out, SN_CIDR6_STRLEN, "%s/%u", addr, prefix->len);
}

bool sn_prefix6_contains(const struct sn_prefix6 *p, const struct in6_addr *addr)
{
	struct in6_addr masked = *addr;

	sn_ipv6_mask(&masked, p->len);
	return sn_ipv6_cmp(&masked, &p->addr) == 0;
}

bool sn_prefix6_overlaps(const struct sn_prefix6 *a, const struct sn_prefix6 *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the other. */
	return a->len <= b->len ? sn_prefix6_contains(a, &b->addr) :
				  sn_prefix6_contains(b, &a->addr);
}

bool sn_prefix6_within(const struct sn_prefix6 *inner, const struct sn_prefix6 *outer)
{
	return inner->len >= outer->len && sn_prefix6_contains(outer, &inner->addr);
}

static inline unsigned int bit_at(const struct in6_addr *addr, unsigned int i)
{
	return (addr->s6_addr[i / 8] >> (7 - i % 8)) & 1;
}

uint64_t sn_ipv6_bits(const struct in6_addr *addr, unsigned int start, unsigned int nbits)
{
	uint64_t v = 0;

	/* At most 64 bits, once per allocation: a plain loop is fast enough. */
	for (unsigned int i = start; i < start + nbits && i < 128; i++)
		v = v << 1 | bit_at(addr, i);
	return v;
}

void sn_ipv6_set_bits(struct in6_addr *addr, unsigned int start, unsigned int nbits,
		      uint64_t value)
{
	for (unsigned int k = 0; k < nbits && start + k < 128; k++) {
		unsigned int i = start + k;
		uint8_t mask = (uint8_t)(0x80 >> (i % 8));

		if ((value >> (nbits - 1 - k)) & 1)
			addr->s6_addr[i / 8] |= mask;
		else
			addr->s6_addr[i / 8] &= (uint8_t)~mask;
	}
}
