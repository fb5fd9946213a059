// SPDX-License-Identifier: GPL-2.0
/*
 * The mh policy: consistent hashing on the client, as IPVS's mh scheduler,
 * with a Maglev lookup table (Eisenbud et al., NSDI 2016). The table is
 * built here whenever a service name's instance set changes (the set is
 * replaced whole, see semnet_iset_commit()) and read here by the pick.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "instance.h"
#include "policy.h"
#include "service.h"

/*
 * Table sizes: primes, the smallest with 100 slots per instance (or the
 * largest), so removing one of N instances moves little more than 1/N of
 * the keys (about 2% more at 100 slots, 6% at 25).
 */
static const u32 semnet_mh_sizes[] = {
	251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
};
#define SEMNET_MH_SLOTS_PER_INSTANCE	100
/* Fixed: every node builds the same table for the same instances. */
#define SEMNET_MH_OFFSET_SEED		0x5e3a7e01
#define SEMNET_MH_SKIP_SEED		0x5e3a7e02
/* Fixed: a client maps to the same slot on every node and after reloads. */
#define SEMNET_MH_CLIENT_SEED		0x5e3a7e03

u32 semnet_mh_size(u32 count)
{
	unsigned int i;

	if (!count || count > SEMNET_MH_MAX_INSTANCES)
		return 0;
	for (i = 0; i < ARRAY_SIZE(semnet_mh_sizes); i++)
		if (semnet_mh_sizes[i] >= count * SEMNET_MH_SLOTS_PER_INSTANCE)
			return semnet_mh_sizes[i];
	return semnet_mh_sizes[ARRAY_SIZE(semnet_mh_sizes) - 1];
}

/*
 * The table takes the @mh_size u16 slots the set was allocated with after
 * inst[]; building it needs scratch, per instance: offset, skip and next.
 */
int semnet_mh_prepare(struct semnet_iset *iset, u32 count, u32 mh_size)
{
	iset->mh_scratch = kvmalloc_array(3 * count, sizeof(u32), GFP_KERNEL);
	if (!iset->mh_scratch)
		return -ENOMEM;
	iset->mh = (u16 *)&iset->inst[count];
	iset->mh_size = mh_size;
	return 0;
}

/*
 * Every instance walks its own permutation of the slots, given by its
 * InstanceIP, and the instances take turns claiming their next free slot
 * until all are taken. Each instance ends up with an even share, and a
 * change of the set moves few slots.
 */
void semnet_mh_build(struct semnet_iset *iset)
{
	u32 m = iset->mh_size, n = iset->count, filled = 0, i, c;
	u32 *offset, *skip, *next;

	if (!m)
		return;
	offset = iset->mh_scratch;
	skip = offset + n;
	next = skip + n;
	for (i = 0; i < n; i++) {
		u32 key = (__force u32)iset->inst[i]->addr;

		offset[i] = jhash_1word(key, SEMNET_MH_OFFSET_SEED) % m;
		skip[i] = jhash_1word(key, SEMNET_MH_SKIP_SEED) % (m - 1) + 1;
		next[i] = 0;
	}
	memset(iset->mh, 0xff, m * sizeof(u16));
	while (filled < m) {
		for (i = 0; i < n && filled < m; i++) {
			/* m is prime: the walk reaches every slot. */
			do {
				c = ((u64)next[i] * skip[i] + offset[i]) % m;
				next[i]++;
			} while (iset->mh[c] != U16_MAX);
			iset->mh[c] = i;
			filled++;
		}
	}
	kvfree(iset->mh_scratch);
	iset->mh_scratch = NULL;
}

/*
 * A client keeps its instance across connections, and removing one of N
 * instances moves only about 1/N of the clients. Very large sets have no
 * table and fall back to plain hashing.
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

const struct semnet_policy semnet_policy_mh = {
	.name = "mh",
	.pick = semnet_mh_pick,
};
