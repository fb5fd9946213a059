/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An address of either family, where one may be either: a node's
 * underlay address (Oakestra's host_ip), which is IPv4 or, on an
 * IPv6-only uplink, IPv6. IPv4 in host byte order as in sn_ipv4.h, IPv6
 * as in sn_ipv6.h; the text of an IPv6 one is always the canonical form
 * (sn_ipv6_format), so two spellings never count as two nodes.
 */
#ifndef SN_IPADDR_H
#define SN_IPADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "sn_ipv6.h"

#define SN_IPADDR_STRLEN SN_IPV6_STRLEN	/* the longer of the two */

struct sn_ipaddr {
	int family;		/* AF_INET or AF_INET6; 0: none (a zeroed struct) */
	uint32_t v4;		/* AF_INET, host byte order */
	struct in6_addr v6;	/* AF_INET6 */
};

static inline struct sn_ipaddr sn_ipaddr4(uint32_t v4)
{
	return (struct sn_ipaddr){ .family = v4 ? AF_INET : 0, .v4 = v4 };
}

static inline bool sn_ipaddr_is_set(const struct sn_ipaddr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

/*
 * A dotted quad or IPv6 text (no scope id, prefix or trailing text): true
 * with *out. IPv6 that is "::" or an IPv4-mapped address (::ffff:a.b.c.d:
 * write the dotted quad) is refused, as is everything else.
 */
bool sn_ipaddr_parse(const char *text, struct sn_ipaddr *out);
/* Its text (canonical IPv6), "" for none; returns @out. */
const char *sn_ipaddr_format(const struct sn_ipaddr *a, char out[SN_IPADDR_STRLEN]);
bool sn_ipaddr_equal(const struct sn_ipaddr *a, const struct sn_ipaddr *b);
/*
 * Why @a cannot be a node's underlay address (a tunnel's outer
 * destination or source), or NULL when it can: not the unspecified,
 * a multicast or the broadcast address, nor an IPv6 link-local one
 * (meaningless without the interface, which an address alone lacks).
 */
const char *sn_ipaddr_underlay_unfit(const struct sn_ipaddr *a);
/* "IPv4" or "IPv6" (or "no address") for messages. */
const char *sn_ipaddr_family_name(int family);

#endif
