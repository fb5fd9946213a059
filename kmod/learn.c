// SPDX-License-Identifier: GPL-2.0
/*
 * Learned locations of remote InstanceIPs (see learn.h).
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "hash.h"
#include "learn.h"
#include "netns.h"
#include "node.h"
#include "peer.h"

/*
 * Keys hash and compare by family: an IPv4 key's unused bytes are junk.
 * Every tunnel packet from a remote InstanceIP looks its entry up: inline.
 */
static __always_inline u32 semnet_learn_hash(const void *data, u32 len, u32 seed)
{
	const struct semnet_inaddr *a = data;

	if (a->family == AF_INET6)
		return jhash2((__force const u32 *)a->ip6.s6_addr32, 4, seed);
	return jhash_1word((__force u32)a->ip, seed);
}

static __always_inline int semnet_learn_cmp(struct rhashtable_compare_arg *arg,
					    const void *obj)
{
	const struct semnet_learned *l = obj;

	return !semnet_inaddr_equal(arg->key, &l->addr);
}

static const struct rhashtable_params semnet_learn_params = {
	.head_offset = offsetof(struct semnet_learned, node),
	.key_offset = offsetof(struct semnet_learned, addr),
	.key_len = sizeof(struct semnet_inaddr),
	.hashfn = semnet_learn_hash,
	.obj_cmpfn = semnet_learn_cmp,
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

/*
 * May the entry saying @l->addr lives at @l->nsip now say it lives at an
 * nsIP of @from? See learn.h.
 */
static bool semnet_learn_may_move(struct semnet_net *sn,
				  const struct semnet_learned *l,
				  const struct semnet_peer *from)
{
	const struct semnet_peer *old;

	if (time_after(jiffies, READ_ONCE(l->seen) + SEMNET_LEARN_HOLD))
		return true;
	old = semnet_peer_route_any(sn, &l->nsip);
	return !old || READ_ONCE(old->down) || semnet_peer_same_node(old, from);
}

/*
 * Frees one slot of a full table: the idle entry seen longest ago among
 * a few from random buckets. False when none of them is idle (or another
 * CPU removed the one picked first). RCU.
 */
static bool semnet_learn_evict(struct semnet_net *sn)
{
	const struct bucket_table *tbl;
	struct semnet_learned *l, *victim = NULL;
	struct rhash_head *pos;
	unsigned int i, seen = 0;

	tbl = rht_dereference_rcu(sn->learned.tbl, &sn->learned);
	for (i = 0; i < 2 * SEMNET_LEARN_SAMPLE && seen < SEMNET_LEARN_SAMPLE;
	     i++) {
		unsigned int hash = get_random_u32_below(tbl->size);

		rht_for_each_entry_rcu(l, pos, tbl, hash, node) {
			unsigned long t = READ_ONCE(l->seen);

			if (time_after(jiffies, t + SEMNET_LEARN_HOLD) &&
			    (!victim || time_before(t, READ_ONCE(victim->seen))))
				victim = l;
			if (++seen == SEMNET_LEARN_SAMPLE)
				break;
		}
	}
	if (!victim || rhashtable_remove_fast(&sn->learned, &victim->node,
					      semnet_learn_params))
		return false;
	atomic_dec(&sn->n_learned);
	kfree_rcu(victim, rcu);
	return true;
}

static struct semnet_learned *semnet_learned_alloc(struct semnet_net *sn)
{
	struct mem_cgroup *old_memcg;
	struct semnet_learned *l;

	/*
	 * Charged to the namespace's memory cgroup; not GFP_ATOMIC, whose
	 * __GFP_HIGH would let the charge pass the cgroup's limit.
	 */
	old_memcg = semnet_charge_begin(sn);
	l = kzalloc(sizeof(*l), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	semnet_charge_end(old_memcg);
	return l;
}

/*
 * Moves @l to @nsip. An entry's nsIP never changes in place (an IPv6 one
 * is too wide to write at once under lockless readers): a copy replaces
 * it. Without memory the entry stays where it was, as a full table only
 * skips learning.
 */
static void semnet_learn_move(struct semnet_net *sn, struct semnet_learned *l,
			      const struct semnet_inaddr *nsip)
{
	struct semnet_learned *moved = semnet_learned_alloc(sn);

	if (!moved)
		return;
	moved->addr = l->addr;
	moved->nsip = *nsip;
	moved->seen = jiffies;
	/* Fails when another CPU moved or removed @l first: theirs stands. */
	if (rhashtable_replace_fast(&sn->learned, &l->node, &moved->node,
				    semnet_learn_params)) {
		kfree(moved);
		return;
	}
	kfree_rcu(l, rcu);
}

bool semnet_learn(struct semnet_net *sn, const struct semnet_node *node,
		  const struct semnet_inaddr *addr,
		  const struct semnet_inaddr *nsip,
		  const struct semnet_peer *peer, bool table)
{
	struct semnet_learned *l, *old;

	l = rhashtable_lookup(&sn->learned, addr, semnet_learn_params);
	if (l) {
		/* The common case: known, and where it was. Write rarely. */
		if (!semnet_inaddr_equal(&l->nsip, nsip)) {
			if (!table && !semnet_learn_may_move(sn, l, peer))
				return false;
			semnet_learn_move(sn, l, nsip);
		} else if (time_after(jiffies, READ_ONCE(l->seen) + HZ)) {
			WRITE_ONCE(l->seen, jiffies);
		}
		return true;
	}
	if (atomic_inc_return(&sn->n_learned) >
	    min_t(u32, SEMNET_LEARN_MAX, node->flow_max) &&
	    !semnet_learn_evict(sn))
		goto full;
	l = semnet_learned_alloc(sn);
	if (!l)
		goto full;
	l->addr = *addr;
	l->nsip = *nsip;
	l->seen = jiffies;
	old = rhashtable_lookup_get_insert_fast(&sn->learned, &l->node,
						semnet_learn_params);
	if (!old)
		return true;
	/* Another CPU learned it first (or the insert failed). */
	kfree(l);
full:
	atomic_dec(&sn->n_learned);
	return true;
}

bool semnet_learned_nsip(struct semnet_net *sn,
			 const struct semnet_inaddr *addr,
			 struct semnet_inaddr *nsip)
{
	struct semnet_learned *l;

	l = rhashtable_lookup(&sn->learned, addr, semnet_learn_params);
	if (!l)
		return false;
	*nsip = l->nsip;
	return true;
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
