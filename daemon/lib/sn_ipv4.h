/* SPDX-License-Identifier: GPL-2.0 */
/* IPv4 addresses and prefixes in host byte order, parsed with inet_pton. */
#ifndef SN_IPV4_H
#define SN_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#define SN_IPV4_STRLEN 16	/* "255.255.255.255" + NUL */
#define SN_CIDR_STRLEN 19	/* + "/32" */

struct sn_prefix {
	uint32_t addr;		/* network address, host bits zero */
	unsigned int len;	/* 0..32 */
};

/* Parses a dotted quad; false on anything else (no trailing garbage). */
bool sn_ipv4_parse(const char *text, uint32_t *addr);
/* Parses "a.b.c.d/len"; false when malformed or host bits are set. */
bool sn_prefix_parse(const char *text, struct sn_prefix *prefix);
void sn_ipv4_format(uint32_t addr, char out[SN_IPV4_STRLEN]);
void sn_prefix_format(const struct sn_prefix *prefix, char out[SN_CIDR_STRLEN]);

static inline uint64_t sn_prefix_size(const struct sn_prefix *p)
{
	return (uint64_t)1 << (32 - p->len);
}

static inline uint32_t sn_prefix_mask(unsigned int len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

static inline bool sn_prefix_contains(const struct sn_prefix *p, uint32_t addr)
{
	return (addr & sn_prefix_mask(p->len)) == p->addr;
}

/* True when the two prefixes share at least one address. */
bool sn_prefix_overlaps(const struct sn_prefix *a, const struct sn_prefix *b);

/* Oakestra writes names and addresses in URL paths with '.' replaced by '_'
 * ("172_30_0_1", "app_ns_svc_ns"); this turns them back (in place). */
void sn_underscores_to_dots(char *text);

#endif
