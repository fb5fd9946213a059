// SPDX-License-Identifier: GPL-2.0
/*
 * Learned locations of remote InstanceIPs (see learn.h).
 */
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "hash.h"
#include "learn.h"
#include "netns.h"

static const struct rhashtable_params semnet_learn_params = {
	.head_offset = offsetof(struct semnet_learned, node),
	.key_offset = offsetof(struct semnet_learned, addr),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};

int semnet_learn_init(struct semnet_net *sn)
{
	atomic_set(&sn->n_learned, 0);
	return rhashtable_init(&sn->learned, &semnet_learn_params);
}

static void semnet_learned_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void semnet_learn_destroy(struct semnet_net *sn)
{
	rhashtable_free_and_destroy(&sn->learned, semnet_learned_free, NULL);
}

void semnet_learn(struct semnet_net *sn, __be32 addr, __be32 nsip)
{
	struct semnet_learned *l, *old;

	l = rhashtable_lookup(&sn->learned, &addr, semnet_learn_params);
	if (l) {
		/* The common case: known, and where it was. Write rarely. */
		if (READ_ONCE(l->nsip) != nsip)
			WRITE_ONCE(l->nsip, nsip);
		if (time_after(jiffies, READ_ONCE(l->seen) + HZ))
			WRITE_ONCE(l->seen, jiffies);
		return;
	}
	if (atomic_inc_return(&sn->n_learned) > SEMNET_LEARN_MAX)
		goto full;
	l = kzalloc(sizeof(*l), GFP_ATOMIC | __GFP_NOWARN);
	if (!l)
		goto full;
	l->addr = addr;
	l->nsip = nsip;
	l->seen = jiffies;
	old = rhashtable_lookup_get_insert_fast(&sn->learned, &l->node,
						semnet_learn_params);
	if (!old)
		return;
	/* Another CPU learned it first (or the insert failed). */
	kfree(l);
full:
	atomic_dec(&sn->n_learned);
}

__be32 semnet_learned_nsip(struct semnet_net *sn, __be32 addr)
{
	struct semnet_learned *l;

	l = rhashtable_lookup(&sn->learned, &addr, semnet_learn_params);
	return l ? READ_ONCE(l->nsip) : 0;
}

void semnet_learn_expire(struct semnet_net *sn)
{
	struct rhashtable_iter iter;
	struct semnet_learned *l;

	rhashtable_walk_enter(&sn->learned, &iter);
	rhashtable_walk_start(&iter);
	while ((l = rhashtable_walk_next(&iter))) {
		if (IS_ERR(l))
			continue;
		if (time_before(jiffies, READ_ONCE(l->seen) + SEMNET_LEARN_TIMEOUT))
			continue;
		if (!rhashtable_remove_fast(&sn->learned, &l->node,
					    semnet_learn_params)) {
			atomic_dec(&sn->n_learned);
			kfree_rcu(l, rcu);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}
