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
#define SEMNET_PURGE_PASSES	8
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
static struct kmem_cache *semnet_flow6_cache __read_mostly;

/* A u32 of jiffies holds every idle timeout (semnet_flow.expires). */
static_assert((u64)SEMNET_TIMEOUT_MAX_SECONDS * HZ < S32_MAX);
/* A flow's memory is what its table costs per connection: keep it packed. */
static_assert(sizeof(struct semnet_flow4) <= 168);

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

/*
 * IPv6 keys: the addresses and ports as nine words (jhash2()'s mixing,
 * written out so that nothing loops), proto and stage in the seed.
 */
static __always_inline u32 semnet_fkey6_hash(const void *data, u32 len,
					      u32 seed)
{
	const struct semnet_fkey6 *k = data;

	return semnet_fkey6_jhash(k, seed ^ (k->proto | (u32)k->stage << 8));
}

static inline int semnet_ftuple6_cmp(struct rhashtable_compare_arg *arg,
				     const void *obj)
{
	const struct semnet_fkey6 *a = arg->key;
	const struct semnet_fkey6 *b = &((const struct semnet_ftuple6 *)obj)->key;

	return !semnet_fkey6_equal(a, b);
}

static const struct rhashtable_params semnet_ftuple6_params = {
	.head_offset = offsetof(struct semnet_ftuple6, node),
	.key_offset = offsetof(struct semnet_ftuple6, key),
	.key_len = sizeof(struct semnet_fkey6),
	.hashfn = semnet_fkey6_hash,
	.obj_cmpfn = semnet_ftuple6_cmp,
	.automatic_shrinking = true,
	.min_size = 256,
};

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
				       const struct semnet_inaddr *src,
				       unsigned int row)
{
	u32 seed = ft->unreplied_seed[row];
	u32 hash = src->family == AF_INET6 ?
		   jhash2((__force const u32 *)src->ip6.s6_addr32, 4, seed) :
		   jhash_1word((__force u32)src->ip, seed);

	return &ft->unreplied[(row << SEMNET_UNREPLIED_SLOTS_BITS) +
			      hash_32(hash, SEMNET_UNREPLIED_SLOTS_BITS)];
}

/* Adds @delta to client @src's unreplied flows; returns its new count. */
static int semnet_unreplied_add(struct semnet_flow_table *ft,
				const struct semnet_inaddr *src, int delta)
{
	int row, count = INT_MAX;

	for (row = 0; row < SEMNET_UNREPLIED_ROWS; row++)
		count = min(count, atomic_add_return(delta,
				semnet_unreplied_slot(ft, src, row)));
	return count;
}

/* Client @src's unreplied flows (at least; see SEMNET_UNREPLIED_ROWS). */
static int semnet_unreplied_count(struct semnet_flow_table *ft,
				  const struct semnet_inaddr *src)
{
	int row, count = INT_MAX;

	for (row = 0; row < SEMNET_UNREPLIED_ROWS; row++)
		count = min(count,
			    atomic_read(semnet_unreplied_slot(ft, src, row)));
	return count;
}

static bool semnet_flow_is6(const struct semnet_flow *flow)
{
	return flow->family == AF_INET6;
}

/* The client of @flow: the source its first packet came from. */
static struct semnet_inaddr semnet_flow_client(const struct semnet_flow *flow)
{
	if (semnet_flow_is6(flow))
		return semnet_inaddr6(&semnet_flow6_const(flow)->t[SEMNET_FT_ORIG_PRE].key.src);
	return semnet_inaddr4(semnet_flow4_const(flow)->t[SEMNET_FT_ORIG_PRE].key.src);
}

/* Its protocol. */
static u8 semnet_flow_proto(const struct semnet_flow *flow)
{
	if (semnet_flow_is6(flow))
		return semnet_flow6_const(flow)->t[SEMNET_FT_ORIG_PRE].key.proto;
	return semnet_flow4_const(flow)->t[SEMNET_FT_ORIG_PRE].key.proto;
}

/* @flow stops counting against its client: replied, or removed. Once. */
static void semnet_flow_assure(struct semnet_net *sn, struct semnet_flow *flow)
{
	struct semnet_inaddr client;

	if (!test_and_set_bit(SEMNET_FLOW_ASSURED, &flow->flags)) {
		client = semnet_flow_client(flow);
		semnet_unreplied_add(&sn->flows, &client, -1);
	}
}

/* A flow whose service or instance was deleted: never to be used again. */
static bool semnet_flow_stale(const struct semnet_flow *flow)
{
	return (flow->svc && READ_ONCE(flow->svc->dead)) ||
	       (flow->inst && READ_ONCE(flow->inst->dead));
}

/* Whether a packet may use the flow a lookup found. */
static bool semnet_flow_usable(struct semnet_net *sn, struct semnet_flow *flow)
{
	if (test_bit(SEMNET_FLOW_DEAD, &flow->flags))
		return false;
	if (unlikely(semnet_flow_stale(flow))) {
		/* A purge walk will not find it now: the packet removes it. */
		semnet_flow_remove(sn, flow);
		return false;
	}
	return true;
}

struct semnet_ftuple *semnet_flow_lookup(struct semnet_net *sn,
					 const struct semnet_fkey *key)
{
	struct semnet_ftuple *t;

	t = rhashtable_lookup(&sn->flows.tuples, key, semnet_ftuple_params);
	return t && semnet_flow_usable(sn, semnet_ftuple_flow(t)) ? t : NULL;
}

struct semnet_ftuple6 *semnet_flow_lookup6(struct semnet_net *sn,
					   const struct semnet_fkey6 *key)
{
	struct semnet_ftuple6 *t;

	t = rhashtable_lookup(&sn->flows.tuples6, key, semnet_ftuple6_params);
	return t && semnet_flow_usable(sn, semnet_ftuple6_flow(t)) ? t : NULL;
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
static void semnet_flow_build(struct semnet_flow4 *flow,
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
	flow->f.reply_xdport = o->sport;
}

/* The IPv6 twin of semnet_flow_build(). */
static void semnet_flow_build6(struct semnet_flow6 *flow,
			       const struct semnet_flow_plan6 *p, __be16 xsport)
{
	const struct semnet_fkey6 *o = &p->orig;
	struct semnet_fkey6 key;
	int i;

	memset(&key, 0, sizeof(key));
	key.proto = o->proto;
	key.src = o->src; key.sport = o->sport;
	key.dst = o->dst; key.dport = o->dport;
	flow->t[SEMNET_FT_ORIG_PRE].key = key;
	key.sport = xsport;
	key.dst = p->xdst;
	flow->t[SEMNET_FT_ORIG_POST].key = key;
	flow->orig_xsrc = p->xsrc;
	key.src = p->reply_src; key.sport = o->dport;
	key.dst = p->reply_dst; key.dport = xsport;
	flow->t[SEMNET_FT_REPLY_PRE].key = key;
	key.dst = p->reply_xdst;
	flow->t[SEMNET_FT_REPLY_POST].key = key;
	flow->reply_xsrc = p->reply_xsrc;
	flow->f.reply_xdport = o->sport;
	for (i = 0; i < SEMNET_FT_COUNT; i++) {
		flow->t[i].key.index = i;
		flow->t[i].key.stage = i == SEMNET_FT_ORIG_PRE ||
				       i == SEMNET_FT_REPLY_PRE ?
				       SEMNET_STAGE_PRE : SEMNET_STAGE_POST;
	}
}

/* Tuple @i of @flow into its family's table, or out of it. */
static int semnet_flow_insert_tuple(struct semnet_net *sn,
				    struct semnet_flow *flow, int i)
{
	if (semnet_flow_is6(flow))
		return rhashtable_lookup_insert_fast(&sn->flows.tuples6,
						     &semnet_flow6(flow)->t[i].node,
						     semnet_ftuple6_params);
	return rhashtable_lookup_insert_fast(&sn->flows.tuples,
					     &semnet_flow4(flow)->t[i].node,
					     semnet_ftuple_params);
}

static void semnet_flow_unlink_tuple(struct semnet_net *sn,
				     struct semnet_flow *flow, int i)
{
	if (semnet_flow_is6(flow))
		rhashtable_remove_fast(&sn->flows.tuples6,
				       &semnet_flow6(flow)->t[i].node,
				       semnet_ftuple6_params);
	else
		rhashtable_remove_fast(&sn->flows.tuples,
				       &semnet_flow4(flow)->t[i].node,
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
		ret = semnet_flow_insert_tuple(sn, flow, i);
		if (ret)
			goto unwind;
	}
	return 0;
unwind:
	while (--i >= SEMNET_FT_ORIG_POST)
		semnet_flow_unlink_tuple(sn, flow, i);
	return ret;
}

static __be16 semnet_flow_random_port(u8 proto)
{
	/* ICMP ids may be anything; ports stay out of the well-known range. */
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
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
	if (semnet_flow_is6(flow))
		kmem_cache_free(semnet_flow6_cache, semnet_flow6(flow));
	else
		kmem_cache_free(semnet_flow_cache, semnet_flow4(flow));
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
/*
 * The flow of a table entry (a tuple of tuples6 when @six), when the
 * entry is its ORIG_PRE tuple: walks meet each flow once. NULL otherwise.
 */
static struct semnet_flow *semnet_flow_of_entry(void *obj, bool six)
{
	if (six) {
		struct semnet_ftuple6 *t = obj;

		return t->key.index == SEMNET_FT_ORIG_PRE ?
		       semnet_ftuple6_flow(t) : NULL;
	} else {
		struct semnet_ftuple *t = obj;

		return t->key.index == SEMNET_FT_ORIG_PRE ?
		       semnet_ftuple_flow(t) : NULL;
	}
}

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

/*
 * Looks through buckets of @tbl (of tuples6 when @six) from a random
 * one, until done.
 */
static void semnet_early_drop_sample(struct semnet_net *sn,
				     const struct bucket_table *tbl, bool six,
				     struct semnet_early_drop *ed)
{
	unsigned int i, first = get_random_u32_below(tbl->size);

	for (i = 0; i < SEMNET_EARLY_DROP_BUCKETS && i < tbl->size; i++) {
		unsigned int hash = (first + i) & (tbl->size - 1);
		struct rhash_head *pos;

		rht_for_each_rcu(pos, tbl, hash) {
			struct semnet_inaddr client;
			struct semnet_flow *flow;
			int load;

			/* The node is the first member of both tuples. */
			flow = semnet_flow_of_entry(pos, six);
			if (!flow)
				continue;
			ed->seen++;
			if (test_bit(SEMNET_FLOW_ASSURED, &flow->flags))
				continue;
			client = semnet_flow_client(flow);
			load = semnet_unreplied_count(&sn->flows, &client);
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

/* Samples @ht (tuples6 when @six) for semnet_flow_early_drop(). */
static void semnet_early_drop_table(struct semnet_net *sn,
				    struct rhashtable *ht, bool six,
				    struct semnet_early_drop *ed)
{
	const struct bucket_table *tbl;

	/*
	 * While the table grows, its flows move bucket by bucket into the
	 * next one: look there too, or a resize that is mostly done leaves
	 * next to nothing to pick from and a full table refuses the flow.
	 */
	for (tbl = rht_dereference_rcu(ht->tbl, ht);
	     tbl && !semnet_early_drop_done(ed);
	     tbl = rht_dereference_rcu(tbl->future_tbl, ht))
		semnet_early_drop_sample(sn, tbl, six, ed);
}

static bool semnet_flow_early_drop(struct semnet_net *sn)
{
	struct semnet_early_drop ed = {};

	/* Both families share flow_max: either may make room. */
	semnet_early_drop_table(sn, &sn->flows.tuples, false, &ed);
	if (!semnet_early_drop_done(&ed))
		semnet_early_drop_table(sn, &sn->flows.tuples6, true, &ed);
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

/*
 * What semnet_flow_make() needs of a plan, whatever its family: the
 * client, the first packet's protocol and source port, the objects, and
 * how to fill the family's tuples for a source port.
 */
struct semnet_flow_new {
	struct semnet_inaddr client;
	u8 proto;
	__be16 sport;
	bool fixed_port;
	struct semnet_service *svc;
	struct semnet_instance *inst;
	void (*build)(struct semnet_flow *flow, const void *plan, __be16 xsport);
	const void *plan;
};

static void semnet_flow_build4_cb(struct semnet_flow *flow, const void *plan,
				  __be16 xsport)
{
	semnet_flow_build(semnet_flow4(flow), plan, xsport);
}

static void semnet_flow_build6_cb(struct semnet_flow *flow, const void *plan,
				  __be16 xsport)
{
	semnet_flow_build6(semnet_flow6(flow), plan, xsport);
}

/*
 * Creates and publishes a flow in @cache as @st describes: the contract
 * of semnet_flow_create(), returning the flow itself.
 */
static struct semnet_flow *semnet_flow_make(struct semnet_net *sn,
					     const struct semnet_node *node,
					     const struct semnet_flow_new *st,
					     struct kmem_cache *cache,
					     size_t offset, u8 family)
{
	struct mem_cgroup *old_memcg;
	struct semnet_flow *flow;
	__be16 xsport = st->sport;
	void *mem;
	int tries, ret;

	/* Every new flow starts unreplied: one more for its client. */
	if (semnet_unreplied_add(&sn->flows, &st->client, 1) >
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
	mem = kmem_cache_zalloc(cache, GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	semnet_charge_end(old_memcg);
	if (!mem) {
		ret = -ENOMEM;
		goto err_count;
	}
	flow = mem + offset;
	flow->family = family;
	/*
	 * The caller found them under RCU; a delete does not wait for it, so
	 * they may be on their way out. Their memory lasts a grace period
	 * past their last reference: one is taken only while another holds.
	 */
	if (st->svc && !refcount_inc_not_zero(&st->svc->ref)) {
		ret = -ESTALE;
		goto err_free;
	}
	flow->svc = st->svc;
	if (st->inst && !refcount_inc_not_zero(&st->inst->ref)) {
		ret = -ESTALE;
		goto err_free;
	}
	flow->inst = st->inst;
	flow->state = SEMNET_FLOW_UNREPLIED;
	semnet_flow_set_expires(flow, jiffies +
				semnet_flow_timeout(node, st->proto,
						    SEMNET_FLOW_UNREPLIED));

	/* Keep the client's port when that is unique, as nf_nat does. */
	for (tries = 0; tries < SEMNET_REMAP_TRIES; tries++) {
		st->build(flow, st->plan, xsport);
		ret = semnet_flow_insert_rest(sn, flow);
		if (ret != -EEXIST || st->fixed_port)
			break;
		xsport = semnet_flow_random_port(st->proto);
	}
	if (ret == -EEXIST) {
		ret = -EADDRINUSE;
		goto err_free;
	}
	if (ret) {
		ret = ret == -E2BIG ? -ENOSPC : -ENOMEM;
		goto err_free;
	}
	if (xsport != st->sport)
		semnet_stat_inc(sn, port_remaps);

	/* Published last: until now no packet could find a half-built flow. */
	ret = semnet_flow_insert_tuple(sn, flow, SEMNET_FT_ORIG_PRE);
	if (ret) {
		int i;

		for (i = SEMNET_FT_ORIG_POST; i < SEMNET_FT_COUNT; i++)
			semnet_flow_unlink_tuple(sn, flow, i);
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
	return flow;

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
	semnet_unreplied_add(&sn->flows, &st->client, -1);
	return ERR_PTR(ret);
}

struct semnet_ftuple *semnet_flow_create(struct semnet_net *sn,
					 const struct semnet_node *node,
					 const struct semnet_flow_plan *plan)
{
	struct semnet_flow_new st = {
		.client = semnet_inaddr4(plan->orig.src),
		.proto = plan->orig.proto,
		.sport = plan->orig.sport,
		.fixed_port = plan->fixed_port,
		.svc = plan->svc,
		.inst = plan->inst,
		.build = semnet_flow_build4_cb,
		.plan = plan,
	};
	struct semnet_flow *flow;

	flow = semnet_flow_make(sn, node, &st, semnet_flow_cache,
				 offsetof(struct semnet_flow4, f), AF_INET);
	if (IS_ERR(flow))
		return ERR_CAST(flow);
	return &semnet_flow4(flow)->t[SEMNET_FT_ORIG_PRE];
}

struct semnet_ftuple6 *semnet_flow_create6(struct semnet_net *sn,
					   const struct semnet_node *node,
					   const struct semnet_flow_plan6 *plan)
{
	struct semnet_flow_new st = {
		.client = semnet_inaddr6(&plan->orig.src),
		.proto = plan->orig.proto,
		.sport = plan->orig.sport,
		.fixed_port = plan->fixed_port,
		.svc = plan->svc,
		.inst = plan->inst,
		.build = semnet_flow_build6_cb,
		.plan = plan,
	};
	struct semnet_flow *flow;

	flow = semnet_flow_make(sn, node, &st, semnet_flow6_cache,
				 offsetof(struct semnet_flow6, f), AF_INET6);
	if (IS_ERR(flow))
		return ERR_CAST(flow);
	return &semnet_flow6(flow)->t[SEMNET_FT_ORIG_PRE];
}

bool semnet_flow_remove(struct semnet_net *sn, struct semnet_flow *flow)
{
	int i;

	if (test_and_set_bit(SEMNET_FLOW_DEAD, &flow->flags))
		return false;
	for (i = 0; i < SEMNET_FT_COUNT; i++)
		semnet_flow_unlink_tuple(sn, flow, i);
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
	u8 proto = semnet_flow_proto(flow);
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

/* semnet_flow_purge() over one table (tuples6 when @six). */
static unsigned int semnet_flow_purge_table(struct semnet_net *sn,
					    struct rhashtable *ht, bool six,
					    semnet_flow_match_fn match,
					    const void *arg)
{
	struct rhashtable_iter iter;
	unsigned int removed = 0, seen = 0;
	unsigned int pass;
	bool disturbed;
	void *t;

	/*
	 * A walk can miss an entry in two ways: the table was resized under
	 * it (it restarts on the new table while the rehash still moves
	 * entries), or it paused on an entry that someone else (the reaper,
	 * the packet path) removed meanwhile, and resumes one entry too far.
	 * Either makes the pass "disturbed", and only an undisturbed pass
	 * proves that nothing matching is left, however little it found.
	 * The reaper removes what a bounded number of passes still missed
	 * (stale flows are never used); promptness and the count rest on
	 * this.
	 */
	for (pass = 0; pass < SEMNET_PURGE_PASSES; pass++) {
		disturbed = false;
		rhashtable_walk_enter(ht, &iter);
		rhashtable_walk_start(&iter);
		while ((t = rhashtable_walk_next(&iter))) {
			struct semnet_flow *flow;

			if (IS_ERR(t)) {
				if (PTR_ERR(t) == -EAGAIN) {
					disturbed = true;	/* resized */
					continue;
				}
				break;
			}
			if (++seen % SEMNET_GC_BATCH == 0) {
				rhashtable_walk_stop(&iter);
				cond_resched();
				rhashtable_walk_start(&iter);
				/*
				 * @t may have been removed and freed during
				 * the pause: use it only if it is still where
				 * the walk stands.
				 */
				if (rhashtable_walk_peek(&iter) != t) {
					disturbed = true;
					continue;
				}
			}
			flow = semnet_flow_of_entry(t, six);
			if (!flow || (match && !match(flow, arg)))
				continue;
			if (semnet_flow_remove(sn, flow))
				removed++;
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		if (!disturbed)
			break;
	}
	return removed;
}

unsigned int semnet_flow_purge(struct semnet_net *sn,
			       semnet_flow_match_fn match, const void *arg)
{
	/* The caller marked what goes dead: see semnet_flow_make(). */
	smp_mb();
	return semnet_flow_purge_table(sn, &sn->flows.tuples, false, match,
				       arg) +
	       semnet_flow_purge_table(sn, &sn->flows.tuples6, true, match,
				       arg);
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
	unsigned int budget = SEMNET_GC_BATCH;
	unsigned long now = jiffies;
	bool done = false;
	void *t;

	if (!ft->gc_iter_active) {
		rhashtable_walk_enter(&ft->tuples, &ft->gc_iter);
		ft->gc_iter_active = true;
		ft->gc_iter6 = false;
	}
	rhashtable_walk_start(&ft->gc_iter);
	while (budget--) {
		struct semnet_flow *flow;

		t = rhashtable_walk_next(&ft->gc_iter);
		if (!t && !ft->gc_iter6) {
			/* The IPv4 tuples are done: on to the IPv6 ones. */
			rhashtable_walk_stop(&ft->gc_iter);
			rhashtable_walk_exit(&ft->gc_iter);
			rhashtable_walk_enter(&ft->tuples6, &ft->gc_iter);
			ft->gc_iter6 = true;
			rhashtable_walk_start(&ft->gc_iter);
			continue;
		}
		if (!t) {
			done = true;
			break;
		}
		if (IS_ERR(t))
			continue;	/* -EAGAIN: the table was resized */
		flow = semnet_flow_of_entry(t, ft->gc_iter6);
		if (!flow)
			continue;
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
	if (ret)
		goto err_unreplied;
	ret = rhashtable_init(&ft->tuples6, &semnet_ftuple6_params);
	if (ret)
		goto err_tuples;
	INIT_DEFERRABLE_WORK(&ft->gc_work, semnet_flow_gc);
	queue_delayed_work(system_power_efficient_wq, &ft->gc_work, HZ);
	return 0;

err_tuples:
	rhashtable_destroy(&ft->tuples);
err_unreplied:
	kvfree(ft->unreplied);
	return ret;
}

static void semnet_ftuple_free(void *ptr, void *six)
{
	/* Each flow is in its table four times: free it with its first. */
	struct semnet_flow *flow = semnet_flow_of_entry(ptr, six);

	if (flow)
		semnet_flow_free(flow);
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
	rhashtable_free_and_destroy(&ft->tuples6, semnet_ftuple_free,
				    (void *)1);
	kvfree(ft->unreplied);
}

int semnet_flow_cache_init(void)
{
	/*
	 * Accounted: each flow is charged to its namespace's memory cgroup.
	 * The slab keeps the name tests and users read (semnet_flow).
	 */
	semnet_flow_cache = kmem_cache_create("semnet_flow",
					      sizeof(struct semnet_flow4),
					      __alignof__(struct semnet_flow4),
					      SLAB_ACCOUNT, NULL);
	if (!semnet_flow_cache)
		return -ENOMEM;
	semnet_flow6_cache = kmem_cache_create("semnet_flow6",
					       sizeof(struct semnet_flow6),
					       __alignof__(struct semnet_flow6),
					       SLAB_ACCOUNT, NULL);
	if (!semnet_flow6_cache) {
		kmem_cache_destroy(semnet_flow_cache);
		return -ENOMEM;
	}
	return 0;
}

void semnet_flow_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(semnet_flow6_cache);
	kmem_cache_destroy(semnet_flow_cache);
}
