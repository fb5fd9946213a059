/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_POLICY_H
#define _SEMNET_POLICY_H

#include <linux/types.h>

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
extern const struct semnet_policy semnet_policy_rr;
extern const struct semnet_policy semnet_policy_closest;

/*
 * After instances went down (semnet_instance_costs_update): waits until no
 * packet can still be picking them, then removes the "closest" flows to
 * instances that are down, and counts them. Process context, under the
 * netns lock. Other policies' flows stay.
 */
void semnet_policy_closest_purge(struct semnet_net *sn);

#endif /* _SEMNET_POLICY_H */
