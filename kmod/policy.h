/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_POLICY_H
#define _SEMNET_POLICY_H

#include <linux/types.h>

struct semnet_service;
struct semnet_iset;
struct semnet_instance;

/*
 * A selection policy (like an IPVS scheduler): picks the instance a new
 * flow to a ServiceIP goes to. Called under RCU on the packet path, with a
 * non-empty instance set; must not sleep.
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

#endif /* _SEMNET_POLICY_H */
