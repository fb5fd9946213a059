// SPDX-License-Identifier: GPL-2.0
/*
 * The flow table: every translated connection, found in O(1) at each of
 * the four places its packets are translated. Entries are created on the
 * packet path (softirq), expire when idle (a deferrable worker reaps them
 * in bounded batches) and are purged when their service or instance goes.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "flow.h"
#include "instance.h"
#include "learn.h"
#include "netns.h"
#include "node.h"
#include "service.h"

/* Tuples the reaper looks at per run before yielding the CPU. */
#define SEMNET_GC_BATCH		4096
/* Most walks of one purge (see semnet_flow_purge). */
#define SEMNET_PURGE_PASSES	4
/*
 * A full table looks for an unreplied flow to evict among the flows of a
 * few buckets (at least this many flows seen, when it has found one),
 * and through at most this many buckets.
 */
#define SEMNET_EARLY_DROP_FLOWS		8
#define SEMNET_EARLY_DROP_BUCKETS	256
/* Source ports tried for a clashing tuple before giving up. */
#define SEMNET_REMAP_TRIES	32

static struct kmem_cache *semnet_flow_cache __read_mostly;

/* A u32 of jiffies holds every idle timeout (semnet_flow.expires). */
static_assert((u64)SEMNET_TIMEOUT_MAX_SECONDS * HZ < S32_MAX);
/* A flow's memory is what its table costs per connection: keep it packed. */
static_assert(sizeof(struct semnet_flow) <= 168);

/*
 * Every packet semnet translates looks up its tuple at least twice per
 * node: hash and compare the key as its four 32-bit words, inline, rather
 * than through the generic jhash2() and memcmp() calls.
 */
static inline u32 semnet_fkey_hash(const void *data, u32 len, u32 seed)
{
	const struct semnet_fkey *k = data;

	return jhash_3words(semnet_fkey_word(k, 0), semnet_fkey_word(k, 1),
			    semnet_fkey_word(k, 2), seed ^ semnet_fkey_tail(k));
}

static inline int semnet_ftuple_cmp(struct rhashtable_compare_arg *arg,
				    const void *obj)
{
	const struct semnet_fkey *a = arg->key;
	const struct semnet_fkey *b = &((const struct semnet_ftuple *)obj)->key;

	return !semnet_fkey_equal(a, b);
}

static const struct rhashtable_params semnet_ftuple_params = {
	.head_offset = offsetof(struct semnet_ftuple, node),
	.key_offset = offsetof(struct semnet_ftuple, key),
	.key_len = sizeof(struct semnet_fkey),
	.hashfn = semnet_fkey_hash,
	.obj_cmpfn = semnet_ftuple_cmp,
	.automatic_shrinking = true,
	.min_size = 256,
};

unsigned long semnet_flow_timeout(const struct semnet_node *node, u8 proto,
				  u8 state)
{
	unsigned long timeout;

	switch (proto) {
	case IPPROTO_TCP:
		timeout = node->timeout[state == SEMNET_FLOW_CLOSING ?
					SEMNET_TIMEOUT_TCP_CLOSE :
					SEMNET_TIMEOUT_TCP];
		break;
	case IPPROTO_UDP:
		timeout = node->timeout[SEMNET_TIMEOUT_UDP];
		break;
	default:
		timeout = node->timeout[SEMNET_TIMEOUT_ICMP];
	}
	/* A flow nobody answered goes soon, but never later than otherwise. */
	if (state == SEMNET_FLOW_UNREPLIED)
		timeout = min(timeout, node->timeout[SEMNET_TIMEOUT_UNREPLIED]);
	return timeout;
}

/* Client @src's slot in @row of the unreplied-flow sketch. */
static atomic_t *semnet_unreplied_slot(struct semnet_flow_table *ft,
				       __be32 src, unsigned int row)
{
	u32 hash = jhash_1word((__force u32)src, ft->unreplied_seed[row]);

	return &ft->unreplied[(row << SEMNET_UNREPLIED_SLOTS_BITS) +
			      hash_32(hash, SEMNET_UNREPLIED_SLOTS_BITS)];
}

/* Adds @delta to client @src's unreplied flows; returns its new count. */
static int semnet_unreplied_add(struct semnet_flow_table *ft, __be32 src,
				int delta)
{
	int row, count = INT_MAX;

	for (row = 0; row < SEMNET_UNREPLIED_ROWS; row++)
		count = min(count, atomic_add_return(delta,
				semnet_unreplied_slot(ft, src, row)));
	return count;
}

/* Client @src's unreplied flows (at least; see SEMNET_UNREPLIED_ROWS). */
static int semnet_unreplied_count(struct semnet_flow_table *ft, __be32 src)
{
	int row, count = INT_MAX;

	for (row = 0; row < SEMNET_UNREPLIED_ROWS; row++)
		count = min(count,
			    atomic_read(semnet_unreplied_slot(ft, src, row)));
	return count;
}

/* @flow stops counting against its client: replied, or removed. Once. */
static void semnet_flow_assure(struct semnet_net *sn, struct semnet_flow *flow)
{
	if (!test_and_set_bit(SEMNET_FLOW_ASSURED, &flow->flags))
		semnet_unreplied_add(&sn->flows,
				     flow->t[SEMNET_FT_ORIG_PRE].key.src, -1);
}

/* A flow whose service or instance was deleted: never to be used again. */
static bool semnet_flow_stale(const struct semnet_flow *flow)
{
	return (flow->svc && READ_ONCE(flow->svc->dead)) ||
	       (flow->inst && READ_ONCE(flow->inst->dead));
}

struct semnet_ftuple *semnet_flow_lookup(struct semnet_net *sn,
					 const struct semnet_fkey *key)
{
	struct semnet_flow *flow;
	struct semnet_ftuple *t;

	t = rhashtable_lookup(&sn->flows.tuples, key, semnet_ftuple_params);
	if (!t)
		return NULL;
	flow = semnet_ftuple_flow(t);
	if (test_bit(SEMNET_FLOW_DEAD, &flow->flags))
		return NULL;
	if (unlikely(semnet_flow_stale(flow))) {
		/* A purge walk will not find it now: the packet removes it. */
		semnet_flow_remove(sn, flow);
		return NULL;
	}
	return t;
}

static void semnet_flow_set_key(struct semnet_ftuple *t, u8 index,
				const struct semnet_fkey *key, u8 stage)
{
	t->key = *key;
	t->key.stage = stage;
	t->key.index = index;
}

/*
 * Fills the four tuples of @flow for client source port @xsport. Each
 * PRE tuple's packet leaves as its POST tuple's key: see
 * semnet_ftuple_target().
 */
static void semnet_flow_build(struct semnet_flow *flow,
			      const struct semnet_flow_plan *p, __be16 xsport)
{
	const struct semnet_fkey *o = &p->orig;
	struct semnet_fkey key;

	memset(&key, 0, sizeof(key));
	key.proto = o->proto;

	/* Client → ServiceIP, before routing. */
	key.src = o->src; key.sport = o->sport;
	key.dst = o->dst; key.dport = o->dport;
	semnet_flow_set_key(&flow->t[SEMNET_FT_ORIG_PRE], SEMNET_FT_ORIG_PRE,
			    &key, SEMNET_STAGE_PRE);

	/* Client → instance (a free port), after routing. */
	key.sport = xsport;
	key.dst = p->xdst;
	semnet_flow_set_key(&flow->t[SEMNET_FT_ORIG_POST], SEMNET_FT_ORIG_POST,
			    &key, SEMNET_STAGE_POST);
	/* ... leaves with the client's InstanceIP. */
	flow->orig_xsrc = p->xsrc;

	/* Instance → client, before routing. */
	key.src = p->reply_src; key.sport = o->dport;
	key.dst = p->reply_dst; key.dport = xsport;
	semnet_flow_set_key(&flow->t[SEMNET_FT_REPLY_PRE], SEMNET_FT_REPLY_PRE,
			    &key, SEMNET_STAGE_PRE);

	/* Back to the client's nsIP, after routing. */
	key.dst = p->reply_xdst;
	semnet_flow_set_key(&flow->t[SEMNET_FT_REPLY_POST], SEMNET_FT_REPLY_POST,
			    &key, SEMNET_STAGE_POST);
	/* ... leaves from the address it asked for, to its own port. */
	flow->reply_xsrc = p->reply_xsrc;
	flow->reply_xdport = o->sport;
}

static int semnet_flow_insert_tuple(struct semnet_net *sn,
				    struct semnet_ftuple *t)
{
	return rhashtable_lookup_insert_fast(&sn->flows.tuples, &t->node,
					     semnet_ftuple_params);
}

static void semnet_flow_unlink_tuple(struct semnet_net *sn,
				     struct semnet_ftuple *t)
{
	rhashtable_remove_fast(&sn->flows.tuples, &t->node,
			       semnet_ftuple_params);
}

/*
 * Inserts the port-dependent tuples (all but ORIG_PRE). On a clash, none
 * stays inserted and -EEXIST tells the caller to try another port.
 */
static int semnet_flow_insert_rest(struct semnet_net *sn,
				   struct semnet_flow *flow)
{
	int i, ret;

	for (i = SEMNET_FT_ORIG_POST; i < SEMNET_FT_COUNT; i++) {
		ret = semnet_flow_insert_tuple(sn, &flow->t[i]);
		if (ret)
			goto unwind;
	}
	return 0;
unwind:
	while (--i >= SEMNET_FT_ORIG_POST)
		semnet_flow_unlink_tuple(sn, &flow->t[i]);
	return ret;
}

static __be16 semnet_flow_random_port(u8 proto)
{
	/* ICMP ids may be anything; ports stay out of the well-known range. */
	if (proto == IPPROTO_ICMP)
		return htons(get_random_u16());
	return htons(1024 + get_random_u32_below(65536 - 1024));
}

/* Frees @flow and drops its references: no reader can see it any more. */
static void semnet_flow_free(struct semnet_flow *flow)
{
	if (flow->svc)
		semnet_service_put(flow->svc);
	if (flow->inst)
		semnet_instance_put(flow->inst);
	kmem_cache_free(semnet_flow_cache, flow);
}

static void semnet_flow_free_rcu(struct rcu_head *head)
{
	semnet_flow_free(container_of(head, struct semnet_flow, rcu));
}

/*
 * A full table makes room by evicting one unreplied flow, as conntrack's
 * early drop does, among a few buckets at a random place: the one whose
 * client has the most unreplied flows, nearest its expiry among those.
 * Flows that completed their exchange are never evicted, so a flood of
 * connections nobody completes cannot lock out the others; and a flooder's
 * flows go before the handshake of a client with one or two in flight,
 * which a victim picked by expiry alone would take as soon as the flood
 * had opened a table's worth after it.
 */
/* The early drop's pick so far, and how many flows it looked at. */
struct semnet_early_drop {
	struct semnet_flow *victim;
	int load;
	unsigned int seen;
};

static bool semnet_early_drop_done(const struct semnet_early_drop *ed)
{
	return ed->victim && ed->seen >= SEMNET_EARLY_DROP_FLOWS;
}

/* Looks through buckets of @tbl from a random one, until done. */
static void semnet_early_drop_sample(struct semnet_net *sn,
				     const struct bucket_table *tbl,
				     struct semnet_early_drop *ed)
{
	unsigned int i, first = get_random_u32_below(tbl->size);

	for (i = 0; i < SEMNET_EARLY_DROP_BUCKETS && i < tbl->size; i++) {
		unsigned int hash = (first + i) & (tbl->size - 1);
		struct rhash_head *pos;
		struct semnet_ftuple *t;

		rht_for_each_entry_rcu(t, pos, tbl, hash, node) {
			struct semnet_flow *flow;
			int load;

			if (t->key.index != SEMNET_FT_ORIG_PRE)
				continue;
			ed->seen++;
			flow = semnet_ftuple_flow(t);
			if (test_bit(SEMNET_FLOW_ASSURED, &flow->flags))
				continue;
			load = semnet_unreplied_count(&sn->flows, t->key.src);
			if (!ed->victim || load > ed->load ||
			    (load == ed->load &&
			     time_before32(READ_ONCE(flow->expires),
					   READ_ONCE(ed->victim->expires)))) {
				ed->victim = flow;
				ed->load = load;
			}
		}
		if (semnet_early_drop_done(ed))
			break;
	}
}

static bool semnet_flow_early_drop(struct semnet_net *sn)
{
	struct rhashtable *ht = &sn->flows.tuples;
	struct semnet_early_drop ed = {};
	const struct bucket_table *tbl;

	/*
	 * While the table grows, its flows move bucket by bucket into the
	 * next one: look there too, or a resize that is mostly done leaves
	 * next to nothing to pick from and a full table refuses the flow.
	 */
	for (tbl = rht_dereference_rcu(ht->tbl, ht);
	     tbl && !semnet_early_drop_done(&ed);
	     tbl = rht_dereference_rcu(tbl->future_tbl, ht))
		semnet_early_drop_sample(sn, tbl, &ed);
	if (!ed.victim || !semnet_flow_remove(sn, ed.victim))
		return false;
	semnet_stat_inc(sn, early_drops);
	return true;
}

/* Takes a place in the table for a new flow, evicting if it must. */
static bool semnet_flow_charge(struct semnet_net *sn,
			       const struct semnet_node *node)
{
	if (atomic_inc_return(&sn->flows.count) <= node->flow_max)
		return true;
	atomic_dec(&sn->flows.count);
	if (!semnet_flow_early_drop(sn))
		return false;
	if (atomic_inc_return(&sn->flows.count) <= node->flow_max)
		return true;
	atomic_dec(&sn->flows.count);
	return false;
}

struct semnet_ftuple *semnet_flow_create(struct semnet_net *sn,
					 const struct semnet_node *node,
					 const struct semnet_flow_plan *plan)
{
	struct mem_cgroup *old_memcg;
	struct semnet_flow *flow;
	__be16 xsport = plan->orig.sport;
	int tries, ret;

	/* Every new flow starts unreplied: one more for its client. */
	if (semnet_unreplied_add(&sn->flows, plan->orig.src, 1) >
	    node->unreplied_max) {
		ret = -EDQUOT;
		goto err_unreplied;
	}
	if (!semnet_flow_charge(sn, node)) {
		ret = -ENOSPC;
		goto err_unreplied;
	}
	/*
	 * GFP_NOWAIT, not GFP_ATOMIC: a memory cgroup lets __GFP_HIGH
	 * allocations past its limit, and a flood must not get that.
	 */
	old_memcg = semnet_charge_begin(sn);
	flow = kmem_cache_zalloc(semnet_flow_cache,
				 GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	semnet_charge_end(old_memcg);
	if (!flow) {
		ret = -ENOMEM;
		goto err_count;
	}
	/*
	 * The caller found them under RCU; a delete does not wait for it, so
	 * they may be on their way out. Their memory lasts a grace period
	 * past their last reference: one is taken only while another holds.
	 */
	if (plan->svc && !refcount_inc_not_zero(&plan->svc->ref)) {
		ret = -ESTALE;
		goto err_free;
	}
	flow->svc = plan->svc;
	if (plan->inst && !refcount_inc_not_zero(&plan->inst->ref)) {
		ret = -ESTALE;
		goto err_free;
	}
	flow->inst = plan->inst;
	flow->state = SEMNET_FLOW_UNREPLIED;
	semnet_flow_set_expires(flow, jiffies +
				semnet_flow_timeout(node, plan->orig.proto,
						    SEMNET_FLOW_UNREPLIED));

	/* Keep the client's port when that is unique, as nf_nat does. */
	for (tries = 0; tries < SEMNET_REMAP_TRIES; tries++) {
		semnet_flow_build(flow, plan, xsport);
		ret = semnet_flow_insert_rest(sn, flow);
		if (ret != -EEXIST || plan->fixed_port)
			break;
		xsport = semnet_flow_random_port(plan->orig.proto);
	}
	if (ret == -EEXIST) {
		ret = -EADDRINUSE;
		goto err_free;
	}
	if (ret) {
		ret = ret == -E2BIG ? -ENOSPC : -ENOMEM;
		goto err_free;
	}
	if (xsport != plan->orig.sport)
		semnet_stat_inc(sn, port_remaps);

	/* Published last: until now no packet could find a half-built flow. */
	ret = semnet_flow_insert_tuple(sn, &flow->t[SEMNET_FT_ORIG_PRE]);
	if (ret) {
		int i;

		for (i = SEMNET_FT_ORIG_POST; i < SEMNET_FT_COUNT; i++)
			semnet_flow_unlink_tuple(sn, &flow->t[i]);
		ret = ret == -EEXIST ? -EEXIST : -ENOMEM;
		goto err_free;
	}
	/*
	 * A delete marks its object dead, then purges. Pairs with the barrier
	 * in semnet_flow_purge(): either its walk finds this flow, or this
	 * sees the mark and takes the flow back.
	 */
	smp_mb();
	if (unlikely(semnet_flow_stale(flow))) {
		semnet_flow_remove(sn, flow);
		return ERR_PTR(-ESTALE);
	}
	semnet_stat_inc(sn, flows_created);
	return &flow->t[SEMNET_FT_ORIG_PRE];

err_free:
	/*
	 * Tuples inserted and unlinked again may have been seen by readers:
	 * free after them (call_rcu: the module's cache must be empty once
	 * rcu_barrier() returns, which kfree_rcu() does not promise).
	 */
	call_rcu(&flow->rcu, semnet_flow_free_rcu);
err_count:
	atomic_dec(&sn->flows.count);
err_unreplied:
	semnet_unreplied_add(&sn->flows, plan->orig.src, -1);
	return ERR_PTR(ret);
}

bool semnet_flow_remove(struct semnet_net *sn, struct semnet_flow *flow)
{
	int i;

	if (test_and_set_bit(SEMNET_FLOW_DEAD, &flow->flags))
		return false;
	for (i = 0; i < SEMNET_FT_COUNT; i++)
		semnet_flow_unlink_tuple(sn, &flow->t[i]);
	semnet_flow_assure(sn, flow);
	atomic_dec(&sn->flows.count);
	call_rcu(&flow->rcu, semnet_flow_free_rcu);
	return true;
}

/* Sets @bit unless it is set: busy flows do not dirty the line for it. */
static void semnet_flow_mark(struct semnet_flow *flow, unsigned int bit)
{
	if (!test_bit(bit, &flow->flags))
		set_bit(bit, &flow->flags);
}

/*
 * Has the exchange completed with this packet? UDP and ICMP: a reply.
 * TCP: the client's first packet after a reply that is not a SYN (the
 * handshake's ACK), so a SYN answered by a SYN-ACK and never completed
 * stays unreplied, however often the SYN is sent again.
 */
static bool semnet_flow_exchanged(struct semnet_flow *flow, u8 proto,
				  unsigned int seen)
{
	if (seen & SEMNET_SEEN_REPLY) {
		semnet_flow_mark(flow, SEMNET_FLOW_REPLIED);
		return proto != IPPROTO_TCP;
	}
	return proto == IPPROTO_TCP && !(seen & SEMNET_SEEN_SYN) &&
	       test_bit(SEMNET_FLOW_REPLIED, &flow->flags);
}

void semnet_flow_seen(struct semnet_net *sn, struct semnet_flow *flow,
		      const struct semnet_node *node, unsigned int len,
		      unsigned int seen)
{
	u8 proto = flow->t[SEMNET_FT_ORIG_PRE].key.proto;
	u8 state = READ_ONCE(flow->state), next = state;
	unsigned long expires;

	atomic64_inc(&flow->packets);
	atomic64_add(len, &flow->bytes);
	if (state == SEMNET_FLOW_UNREPLIED &&
	    semnet_flow_exchanged(flow, proto, seen)) {
		semnet_flow_assure(sn, flow);
		next = SEMNET_FLOW_ACTIVE;
	}
	/*
	 * A FIN closes one direction only: the other may go on sending for
	 * as long as it likes (a half-closed connection keeps its flow).
	 */
	if (proto == IPPROTO_TCP && state != SEMNET_FLOW_CLOSING) {
		if (seen & SEMNET_SEEN_RST) {
			next = SEMNET_FLOW_CLOSING;
		} else if (seen & SEMNET_SEEN_FIN) {
			semnet_flow_mark(flow, seen & SEMNET_SEEN_REPLY ?
					 SEMNET_FLOW_FIN_REPLY :
					 SEMNET_FLOW_FIN_ORIG);
			if (test_bit(SEMNET_FLOW_FIN_ORIG, &flow->flags) &&
			    test_bit(SEMNET_FLOW_FIN_REPLY, &flow->flags))
				next = SEMNET_FLOW_CLOSING;
		}
	}
	if (next != state)
		WRITE_ONCE(flow->state, next);
	expires = jiffies + semnet_flow_timeout(node, proto, next);
	/* Avoid dirtying the cache line on every packet of a busy flow. */
	if (READ_ONCE(flow->expires) != (u32)expires)
		semnet_flow_set_expires(flow, expires);
}

unsigned int semnet_flow_purge(struct semnet_net *sn,
			       semnet_flow_match_fn match, const void *arg)
{
	struct rhashtable_iter iter;
	struct semnet_ftuple *t;
	unsigned int removed = 0, seen = 0;

	unsigned int pass, found;
	bool paused;

	/*
	 * A walk that pauses resumes after the entry it stopped at; when
	 * someone else removed that entry meanwhile, it can skip one. So
	 * pause only while standing on an entry we have not removed (yet),
	 * and walk again after a pass that paused and still found flows:
	 * what a pass misses, the next finds. Correctness does not rest on
	 * this (a stale flow is never used, and keeps what it points at
	 * alive); promptness and the flow count do.
	 */
	/* The caller marked what goes dead: see semnet_flow_create(). */
	smp_mb();
	for (pass = 0; pass < SEMNET_PURGE_PASSES; pass++) {
		found = 0;
		paused = false;
		rhashtable_walk_enter(&sn->flows.tuples, &iter);
		rhashtable_walk_start(&iter);
		while ((t = rhashtable_walk_next(&iter))) {
			struct semnet_flow *flow;

			if (IS_ERR(t)) {
				if (PTR_ERR(t) == -EAGAIN) {
					paused = true;	/* resized: restarted */
					continue;
				}
				break;
			}
			if (++seen % SEMNET_GC_BATCH == 0) {
				rhashtable_walk_stop(&iter);
				cond_resched();
				rhashtable_walk_start(&iter);
				paused = true;
			}
			if (t->key.index != SEMNET_FT_ORIG_PRE)
				continue;
			flow = semnet_ftuple_flow(t);
			if (match && !match(flow, arg))
				continue;
			found++;
			if (semnet_flow_remove(sn, flow))
				removed++;
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		if (!paused || !found)
			break;
	}
	return removed;
}

/*
 * The reaper: walks the table in batches, removing idle flows. A walk
 * that spans several runs keeps its iterator; a full pass starts every
 * second. Only the ORIG_PRE tuple of each flow is considered, so a flow is
 * judged once per pass. Its contract includes the learned locations: each
 * full pass ends with semnet_learn_expire(), which has no timer of its
 * own (learned locations serve flows, and expire on the flows' clock).
 */
static void semnet_flow_gc(struct work_struct *work)
{
	struct semnet_flow_table *ft = container_of(to_delayed_work(work),
						    struct semnet_flow_table,
						    gc_work);
	struct semnet_net *sn = container_of(ft, struct semnet_net, flows);
	struct semnet_ftuple *t;
	unsigned int budget = SEMNET_GC_BATCH;
	unsigned long now = jiffies;
	bool done = false;

	if (!ft->gc_iter_active) {
		rhashtable_walk_enter(&ft->tuples, &ft->gc_iter);
		ft->gc_iter_active = true;
	}
	rhashtable_walk_start(&ft->gc_iter);
	while (budget--) {
		struct semnet_flow *flow;

		t = rhashtable_walk_next(&ft->gc_iter);
		if (!t) {
			done = true;
			break;
		}
		if (IS_ERR(t))
			continue;	/* -EAGAIN: the table was resized */
		if (t->key.index != SEMNET_FT_ORIG_PRE)
			continue;
		flow = semnet_ftuple_flow(t);
		if (semnet_flow_stale(flow))
			semnet_flow_remove(sn, flow);
		else if (time_after(now, semnet_flow_expires(flow)) &&
			 semnet_flow_remove(sn, flow))
			semnet_stat_inc(sn, flows_expired);
	}
	rhashtable_walk_stop(&ft->gc_iter);
	if (done) {
		rhashtable_walk_exit(&ft->gc_iter);
		ft->gc_iter_active = false;
		semnet_learn_expire(sn);
	}
	queue_delayed_work(system_power_efficient_wq, &ft->gc_work,
			   done ? HZ : 1);
}

int semnet_flow_table_init(struct semnet_net *sn)
{
	struct semnet_flow_table *ft = &sn->flows;
	int i, ret;

	atomic_set(&ft->count, 0);
	ft->gc_iter_active = false;
	ft->unreplied = kvcalloc(SEMNET_UNREPLIED_ROWS <<
				 SEMNET_UNREPLIED_SLOTS_BITS,
				 sizeof(*ft->unreplied), GFP_KERNEL_ACCOUNT);
	if (!ft->unreplied)
		return -ENOMEM;
	for (i = 0; i < SEMNET_UNREPLIED_ROWS; i++)
		ft->unreplied_seed[i] = get_random_u32();
	ret = rhashtable_init(&ft->tuples, &semnet_ftuple_params);
	if (ret) {
		kvfree(ft->unreplied);
		return ret;
	}
	INIT_DEFERRABLE_WORK(&ft->gc_work, semnet_flow_gc);
	queue_delayed_work(system_power_efficient_wq, &ft->gc_work, HZ);
	return 0;
}

static void semnet_ftuple_free(void *ptr, void *arg)
{
	struct semnet_ftuple *t = ptr;

	/* Each flow is in the table four times: free it with its first. */
	if (t->key.index == SEMNET_FT_ORIG_PRE)
		semnet_flow_free(semnet_ftuple_flow(t));
}

/* Called when no packet can reach this namespace's hooks any more. */
void semnet_flow_table_destroy(struct semnet_net *sn)
{
	struct semnet_flow_table *ft = &sn->flows;

	cancel_delayed_work_sync(&ft->gc_work);
	if (ft->gc_iter_active) {
		rhashtable_walk_exit(&ft->gc_iter);
		ft->gc_iter_active = false;
	}
	/*
	 * Flows removed earlier may wait in call_rcu: their callbacks touch
	 * neither the table nor the unreplied slots, so they may finish later.
	 */
	rhashtable_free_and_destroy(&ft->tuples, semnet_ftuple_free, NULL);
	kvfree(ft->unreplied);
}

int semnet_flow_cache_init(void)
{
	/* Accounted: each flow is charged to its namespace's memory cgroup. */
	semnet_flow_cache = KMEM_CACHE(semnet_flow, SLAB_ACCOUNT);
	return semnet_flow_cache ? 0 : -ENOMEM;
}

void semnet_flow_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(semnet_flow_cache);
}
