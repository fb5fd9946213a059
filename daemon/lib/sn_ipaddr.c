// SPDX-License-Identifier: GPL-2.0
#include "sn_ipaddr.h"

#include <arpa/inet.h>
#include <string.h>

#include "sn_ipv4.h"

bool sn_ipaddr_parse(const char *text, struct sn_ipaddr *out)
{
	struct sn_ipaddr a = { 0 };

	if (!text)
		return false;
	if (sn_ipv4_parse(text, &a.v4)) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, text, &a.v6) == 1 && !IN6_IS_ADDR_UNSPECIFIED(&a.v6) &&
		   !IN6_IS_ADDR_V4MAPPED(&a.v6)) {
		a.family = AF_INET6;
	} else {
		return false;
	}
	*out = a;
	return true;
}

const char *sn_ipaddr_format(const struct sn_ipaddr *a, char out[SN_IPADDR_STRLEN])
{
	out[0] = '\0';
	if (a->family == AF_INET)
		sn_ipv4_format(a->v4, out);
	else if (a->family == AF_INET6)
		sn_ipv6_format(&a->v6, out);
	return out;
}

bool sn_ipaddr_equal(const struct sn_ipaddr *a, const struct sn_ipaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	if (a->family == AF_INET6)
		return !sn_ipv6_cmp(&a->v6, &b->v6);
	return true;	/* both none */
}

const char *sn_ipaddr_underlay_unfit(const struct sn_ipaddr *a)
{
	switch (a->family) {
	case AF_INET:
		if (!a->v4)
			return "the unspecified address";
		if (a->v4 == 0xffffffffU)
			return "the broadcast address";
		if ((a->v4 >> 28) == 0xe)
			return "a multicast address";
		return NULL;
	case AF_INET6:
		if (IN6_IS_ADDR_UNSPECIFIED(&a->v6))
			return "the unspecified address";
		if (IN6_IS_ADDR_MULTICAST(&a->v6))
			return "a multicast address";
		if (IN6_IS_ADDR_LINKLOCAL(&a->v6))
			return "a link-local address (it needs an interface)";
		if (IN6_IS_ADDR_V4MAPPED(&a->v6))
			return "an IPv4-mapped address (give the IPv4 address)";
		return NULL;
	}
	return "no address";
}

const char *sn_ipaddr_family_name(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "no address";
}
