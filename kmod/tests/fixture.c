// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the state the table, miss, peer and closest suites start from.
 */
#include <linux/inet.h>
#include <linux/slab.h>

/*
 * Sets up a private semnet state in @sn and returns a node for it as the
 * scenarios configure one (platform 172.16.0.0/12, services
 * 172.30.0.0/16, subnet 172.16.0.0/26 with its gateway at .1), not yet
 * published: the caller adjusts it, then assigns sn->node. No hooks: the
 * code under test is driven directly. NULL when out of memory.
 */
static struct semnet_node *kt_state_init(struct semnet_net *sn)
{
	struct semnet_node *node;

	if (semnet_state_init(sn, &init_net))
		return NULL;
	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		semnet_state_destroy(sn);
		return NULL;
	}
	node->platform = (struct semnet_prefix){ in_aton("172.16.0.0"), 12 };
	node->services = (struct semnet_prefix){ in_aton("172.30.0.0"), 16 };
	node->subnets[0] = (struct semnet_prefix){ in_aton("172.16.0.0"), 26 };
	node->n_subnets = 1;
	node->gateway = in_aton("172.16.0.1");
	node->unreplied_max = SEMNET_DEFAULT_UNREPLIED_MAX;
	node->timeout[SEMNET_TIMEOUT_UNREPLIED] =
		SEMNET_DEFAULT_TIMEOUT_UNREPLIED * HZ;
	return node;
}
