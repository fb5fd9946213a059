// SPDX-License-Identifier: GPL-2.0
#include "sn_ipv4.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sn_ipv4_parse(const char *text, uint32_t *addr)
{
	struct in_addr in;

	if (!text || inet_pton(AF_INET, text, &in) != 1)
		return false;
	*addr = ntohl(in.s_addr);
	return true;
}

bool sn_prefix_parse(const char *text, struct sn_prefix *prefix)
{
	char buf[SN_CIDR_STRLEN + 1];
	const char *slash;
	char *end;
	size_t addr_len;
	long len;
	uint32_t addr;

	if (!text || !(slash = strchr(text, '/')))
		return false;
	addr_len = (size_t)(slash - text);
	if (addr_len >= SN_IPV4_STRLEN)
		return false;
	memcpy(buf, text, addr_len);
	buf[addr_len] = '\0';
	if (!sn_ipv4_parse(buf, &addr))
		return false;
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > 32)
		return false;
	if (addr & ~sn_prefix_mask((unsigned int)len))
		return false;
	prefix->addr = addr;
	prefix->len = (unsigned int)len;
	return true;
}

void sn_ipv4_format(uint32_t addr, char out[SN_IPV4_STRLEN])
{
	snprintf(out, SN_IPV4_STRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
}

void sn_prefix_format(const struct sn_prefix *prefix, char out[SN_CIDR_STRLEN])
{
	char addr[SN_IPV4_STRLEN];

	sn_ipv4_format(prefix->addr, addr);
	snprintf(out, SN_CIDR_STRLEN, "%s/%u", addr, prefix->len);
}

bool sn_prefix_overlaps(const struct sn_prefix *a, const struct sn_prefix *b)
{
	unsigned int shorter = a->len < b->len ? a->len : b->len;
	uint32_t mask = sn_prefix_mask(shorter);

	return (a->addr & mask) == (b->addr & mask);
}

void sn_underscores_to_dots(char *text)
{
	for (; *text; text++)
		if (*text == '_')
			*text = '.';
}
