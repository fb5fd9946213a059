/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the configuration objects (node, services, instances, peers)
 * share: how a NEW request's flags decide between creating and changing,
 * and how a rule points its error at the request's attribute. netlink.c
 * parses a request into an object's *_cfg struct; the object's code holds
 * the rules (and KUnit drives them without netlink).
 */
#ifndef _SEMNET_CFG_H
#define _SEMNET_CFG_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/netlink.h>

/*
 * NEW_SERVICE, NEW_INSTANCE and NEW_PEER read their flags as ip(8) does:
 * without NLM_F_REPLACE only a new object is made; NLM_F_REPLACE alone
 * changes an existing one; NLM_F_REPLACE with NLM_F_CREATE or NLM_F_EXCL
 * does either.
 */
enum semnet_add_mode {
	SEMNET_ADD_NEW,		/* an existing object is an error */
	SEMNET_ADD_CHANGE,	/* a missing object is an error */
	SEMNET_ADD_ANY,		/* create or replace */
};

static inline enum semnet_add_mode semnet_add_mode(u16 nlmsg_flags)
{
	if (!(nlmsg_flags & NLM_F_REPLACE))
		return SEMNET_ADD_NEW;
	if (nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL))
		return SEMNET_ADD_ANY;
	return SEMNET_ADD_CHANGE;
}

/*
 * Whether an add in @mode goes on, the object existing or not: 0, or
 * -EEXIST / -ENOENT for the caller to explain.
 */
static inline int semnet_add_allowed(enum semnet_add_mode mode, bool exists)
{
	if (exists && mode == SEMNET_ADD_NEW)
		return -EEXIST;
	if (!exists && mode == SEMNET_ADD_CHANGE)
		return -ENOENT;
	return 0;
}

/*
 * True when the request carried attribute @type: a *_cfg struct's @given
 * has bit @type set for each attribute netlink.c found (the object's
 * attribute types stay below 32, as netlink.c checks at build time).
 */
static inline bool semnet_cfg_has(u32 given, int type)
{
	return given & BIT(type);
}

/*
 * The request's attribute @type, for an error to point at: NULL when the
 * config did not come from netlink (@attrs NULL) or does not carry it.
 */
static inline const struct nlattr *semnet_cfg_attr(struct nlattr *const *attrs,
						   int type)
{
	return attrs ? attrs[type] : NULL;
}

#endif /* _SEMNET_CFG_H */
