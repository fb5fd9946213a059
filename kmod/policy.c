// SPDX-License-Identifier: GPL-2.0
/*
 * Instance selection policies for ServiceIPs.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/string.h>

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

/* Fixed: a client maps to the same slot on every node and after reloads. */
#define SEMNET_MH_CLIENT_SEED	0x5e3a7e03

/*
 * Consistent hashing on the client (as IPVS mh): a client keeps its
 * instance across connections, and removing one of N instances moves only
 * about 1/N of the clients. Very large sets have no table and fall back to
 * plain hashing.
 */
static struct semnet_instance *semnet_mh_pick(struct semnet_service *svc,
					      const struct semnet_iset *iset,
					      __be32 client)
{
	u32 h = jhash_1word((__force u32)client, SEMNET_MH_CLIENT_SEED);

	if (iset->mh_size)
		return iset->inst[iset->mh[h % iset->mh_size]];
	return iset->inst[h % iset->count];
}

const struct semnet_policy semnet_policy_rr = {
	.name = "rr",
	.pick = semnet_rr_pick,
};

static const struct semnet_policy semnet_policy_random = {
	.name = "random",
	.pick = semnet_random_pick,
};

static const struct semnet_policy semnet_policy_mh = {
	.name = "mh",
	.pick = semnet_mh_pick,
};

static const struct semnet_policy *const semnet_policies[] = {
	&semnet_policy_rr,
	&semnet_policy_random,
	&semnet_policy_mh,
};

const struct semnet_policy *semnet_policy_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(semnet_policies); i++)
		if (!strcmp(semnet_policies[i]->name, name))
			return semnet_policies[i];
	return NULL;
}
