/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small shims over kernel API differences between the versions semnet
 * builds against (6.1 is the oldest).
 */
#ifndef _SEMNET_COMPAT_H
#define _SEMNET_COMPAT_H

#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <net/genetlink.h>

/* 6.2 added formatted extack messages; before, the fixed text must do. */
#ifndef NL_SET_ERR_MSG_FMT
#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) NL_SET_ERR_MSG(extack, fmt)
#endif

/*
 * The attributes a dump request was parsed into. 6.6 moved them from
 * struct genl_dumpit_info into the struct genl_info it now carries, and
 * added genl_info_dump() to get at that (Kbuild probes for it).
 */
static inline struct nlattr **semnet_dump_attrs(struct netlink_callback *cb)
{
#ifdef SEMNET_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Lockless transmit, and a device that cannot leave its namespace. 6.12
 * turned both feature flags into net_device bits; a later rename, also
 * backported to 6.12.y (Debian's 6.12.117 has it), made netns_local
 * netns_immutable. Struct members are invisible to the preprocessor:
 * Kbuild greps netdevice.h for them.
 */
static inline void semnet_dev_set_lltx_netns_local(struct net_device *dev)
{
#ifdef SEMNET_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
#if defined(SEMNET_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(SEMNET_HAVE_DEV_NETNS_LOCAL)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

#endif /* _SEMNET_COMPAT_H */
