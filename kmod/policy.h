/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_POLICY_H
#define _SEMNET_POLICY_H

#include <linux/types.h>

struct netlink_ext_ack;
struct nlattr;
struct semnet_net;
struct semnet_service;
struct semnet_iset;
struct semnet_instance;

/*
 * A selection policy (like an IPVS scheduler): picks the instance a new
 * flow to a ServiceIP goes to. Called under RCU on the packet path, with a
 * non-empty instance set; must not sleep. May return NULL when no instance
 * is usable (closest: every node down): the packet is dropped as
 * SEMNET_DROP_NO_INSTANCE.
 */
struct semnet_policy {
	const char *name;
	/* @client: the client's InstanceIP, or its address if it has none */
	struct semnet_instance *(*pick)(struct semnet_service *svc,
					const struct semnet_iset *iset,
					__be32 client);
};

const struct semnet_policy *semnet_policy_find(const char *name);
/*
 * The same for a request: an unknown @name is an error pointing at @attr
 * whose text names the known policies, from the table.
 */
const struct semnet_policy *semnet_policy_get(const char *name,
					      const struct nlattr *attr,
					      struct netlink_ext_ack *extack);
extern const struct semnet_policy semnet_policy_rr;
extern const struct semnet_policy semnet_policy_mh;
extern const struct semnet_policy semnet_policy_closest;

/*
 * The mh policy's Maglev lookup table (policy_mh.c), kept in the instance
 * set: semnet_mh_size() slots for @count instances (0: a set too large for
 * a table), semnet_mh_prepare() readies a new set's table, and
 * semnet_mh_build() fills it once the set's inst[] is. The pick reads it.
 */
u32 semnet_mh_size(u32 count);
int semnet_mh_prepare(struct semnet_iset *iset, u32 count, u32 mh_size);
void semnet_mh_build(struct semnet_iset *iset);

/*
 * After instances went down (semnet_instance_costs_update): waits until no
 * packet can still be picking them, then removes the "closest" flows to
 * instances that are down, and counts them. Process context, under the
 * netns lock. Other policies' flows stay.
 */
void semnet_policy_closest_purge(struct semnet_net *sn);

#endif /* _SEMNET_POLICY_H */
