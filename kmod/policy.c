// SPDX-License-Identifier: GPL-2.0
/*
 * Instance selection policies for ServiceIPs.
 */
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "policy.h"
#include "service.h"

/*
 * True round robin: one shared cursor per service, so concurrent new flows
 * on different CPUs still take turns exactly.
 */
static struct semnet_instance *semnet_rr_pick(struct semnet_service *svc,
					      const struct semnet_iset *iset,
					      __be32 client)
{
	u32 turn = (u32)atomic_inc_return(&svc->rr_next) - 1;

	return iset->inst[turn % iset->count];
}

static struct semnet_instance *semnet_random_pick(struct semnet_service *svc,
						  const struct semnet_iset *iset,
						  __be32 client)
{
	return iset->inst[get_random_u32_below(iset->count)];
}

/*
 * Closest: an instance on the node of lowest cost. Every instance carries
 * its node's cost and down state (struct semnet_instance, kept current by
 * the peer code), so a pick is a scan of the set reading two fields per
 * instance, no lookups and no locks: O(n) per new flow, a second scan only
 * when several instances share the lowest cost. Local instances cost 0;
 * an unknown cost (SEMNET_PEER_COST_UNKNOWN, U32_MAX) ranks after every
 * measured one by its value. Instances on a down node are never picked;
 * with all of them down there is nothing to pick (NULL).
 *
 * Ties take turns in set order on the service's round-robin cursor, so
 * equal nodes share new flows exactly; a single best instance leaves the
 * cursor alone (no shared cache line written per flow).
 */
static struct semnet_instance *semnet_closest_pick(struct semnet_service *svc,
						   const struct semnet_iset *iset,
						   __be32 client)
{
	struct semnet_instance *best = NULL;
	u32 best_cost = U32_MAX, ties = 0, turn, i;

	for (i = 0; i < iset->count; i++) {
		struct semnet_instance *inst = iset->inst[i];
		u32 cost;

		if (READ_ONCE(inst->down))
			continue;
		cost = READ_ONCE(inst->cost);
		if (!best || cost < best_cost) {
			best = inst;
			best_cost = cost;
			ties = 1;
		} else if (cost == best_cost) {
			ties++;
		}
	}
	if (ties <= 1)
		return best;
	turn = ((u32)atomic_inc_return(&svc->rr_next) - 1) % ties;
	for (i = 0; i < iset->count; i++) {
		struct semnet_instance *inst = iset->inst[i];

		if (READ_ONCE(inst->down) || READ_ONCE(inst->cost) != best_cost)
			continue;
		if (!turn--)
			return inst;
	}
	/* A cost changed between the scans: the first best will do. */
	return best;
}

static bool semnet_flow_closest_down(const struct semnet_flow *flow,
				     const void *arg)
{
	return flow->svc && flow->svc->policy == &semnet_policy_closest &&
	       flow->inst && READ_ONCE(flow->inst->down);
}

void semnet_policy_closest_purge(struct semnet_net *sn)
{
	unsigned int n;

	semnet_assert_locked(sn);
	/* Packets that picked an instance before it went down are done. */
	synchronize_rcu();
	n = semnet_flow_purge(sn, semnet_flow_closest_down, NULL);
	this_cpu_add(sn->stats->closest_purged, n);
}

const struct semnet_policy semnet_policy_rr = {
	.name = "rr",
	.pick = semnet_rr_pick,
};

static const struct semnet_policy semnet_policy_random = {
	.name = "random",
	.pick = semnet_random_pick,
};

const struct semnet_policy semnet_policy_closest = {
	.name = "closest",
	.pick = semnet_closest_pick,
};

static const struct semnet_policy *const semnet_policies[] = {
	&semnet_policy_rr,
	&semnet_policy_random,
	&semnet_policy_mh,
	&semnet_policy_closest,
};

const struct semnet_policy *semnet_policy_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(semnet_policies); i++)
		if (!strcmp(semnet_policies[i]->name, name))
			return semnet_policies[i];
	return NULL;
}

#define SEMNET_POLICY_UNKNOWN	"unknown policy (known: "

/*
 * "unknown policy (known: rr, random, mh, closest)", from the table. Built
 * on first use and never changed after: extack keeps the pointer.
 */
static const char *semnet_policy_unknown_msg(void)
{
	static char msg[sizeof(SEMNET_POLICY_UNKNOWN) + 1 +
			ARRAY_SIZE(semnet_policies) * (SEMNET_POLICY_NAME_MAX + 2)];
	static DEFINE_MUTEX(lock);
	unsigned int i;

	mutex_lock(&lock);
	if (!msg[0]) {
		strscpy(msg, SEMNET_POLICY_UNKNOWN, sizeof(msg));
		for (i = 0; i < ARRAY_SIZE(semnet_policies); i++) {
			if (i)
				strlcat(msg, ", ", sizeof(msg));
			strlcat(msg, semnet_policies[i]->name, sizeof(msg));
		}
		strlcat(msg, ")", sizeof(msg));
	}
	mutex_unlock(&lock);
	return msg;
}

const struct semnet_policy *semnet_policy_get(const char *name,
					      const struct nlattr *attr,
					      struct netlink_ext_ack *extack)
{
	const struct semnet_policy *policy = semnet_policy_find(name);
	const char *msg;

	if (policy || !extack)
		return policy;
	/* NL_SET_ERR_MSG takes only literals: set the built text by hand. */
	msg = semnet_policy_unknown_msg();
	do_trace_netlink_extack(msg);
	extack->_msg = msg;
	NL_SET_BAD_ATTR(extack, attr);
	return NULL;
}
