// SPDX-License-Identifier: GPL-2.0
/*
 * Table misses: a packet to a ServiceIP or InstanceIP this node does not
 * know yet. The node daemon hears of it through a multicast event (at most
 * one per address per interval), resolves the address upstream and adds
 * the service or instance; meanwhile the first few packets wait here and
 * then go on as if they had never stopped, so a new connection does not
 * lose its SYN to the lookup. Everything is bounded: packets per address,
 * packets in all, time held, addresses remembered. IPv4 and IPv6
 * addresses share the table and its bounds; a released packet goes on
 * through the hooks of its own family.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/netfilter_ipv6.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "instance.h"
#include "miss.h"
#include "netns.h"
#include "node.h"
#include "rewrite.h"
#include "rewrite6.h"
#include "service.h"
#include "xlate.h"

struct semnet_miss_entry {
	struct hlist_node hnode;
	struct list_head lru;		/* in the table's, under its lock */
	struct semnet_miss_source *source;	/* whose miss created it */
	struct semnet_inaddr addr;
	u8 kind;
	unsigned long last_event;	/* jiffies */
	unsigned long last_miss;
	u32 suppressed;			/* misses since the last event */
	u32 n_held;
	struct list_head held;		/* struct semnet_held, oldest first */
};

struct semnet_held {
	struct list_head list;
	struct sk_buff *skb;
	struct nf_hook_state state;	/* where it stopped, with references */
	unsigned long expires;
	/*
	 * The miss it stands for, as its event would report it: an event the
	 * rate refused is raised later from the first packet held.
	 */
	struct semnet_inaddr src;
	__be16 dport;
	u8 proto;
};

/* How often the collector looks for expired packets while any are held. */
#define SEMNET_MISS_GC_PERIOD	(HZ / 10)

/* A keyed hash of an address of either family. */
static u32 semnet_miss_hash(const struct semnet_inaddr *a, u32 seed)
{
	if (a->family == AF_INET6)
		return __ipv6_addr_jhash(&a->ip6, seed);
	return jhash_1word((__force u32)a->ip, seed);
}

static bool semnet_miss_addr_equal(const struct semnet_inaddr *a,
				   const struct semnet_inaddr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET6 ? ipv6_addr_equal(&a->ip6, &b->ip6) :
	       a->ip == b->ip;
}

static struct hlist_head *semnet_miss_bucket(struct semnet_miss_table *mt,
					     const struct semnet_inaddr *addr)
{
	return &mt->buckets[hash_32(semnet_miss_hash(addr, mt->seed),
				    SEMNET_MISS_HASH_BITS)];
}

static struct semnet_miss_entry *
semnet_miss_find(struct semnet_miss_table *mt, const struct semnet_inaddr *addr)
{
	struct semnet_miss_entry *e;

	hlist_for_each_entry(e, semnet_miss_bucket(mt, addr), hnode)
		if (semnet_miss_addr_equal(&e->addr, addr))
			return e;
	return NULL;
}

/* The held packet's references: what nf_queue keeps too. */
static void semnet_held_get_refs(struct semnet_held *h)
{
	dev_hold(h->state.in);
	dev_hold(h->state.out);
	if (h->state.sk)
		sock_hold(h->state.sk);
}

static void semnet_held_put_refs(struct semnet_held *h)
{
	dev_put(h->state.in);
	dev_put(h->state.out);
	if (h->state.sk)
		sock_put(h->state.sk);
}

/* Frees the held packets on @list (unlinked from any entry), counting. */
static void semnet_held_free_list(struct semnet_net *sn,
				  struct list_head *list,
				  enum semnet_drop_reason reason)
{
	struct semnet_held *h, *tmp;

	list_for_each_entry_safe(h, tmp, list, list) {
		list_del(&h->list);
		semnet_held_put_refs(h);
		kfree_skb(h->skb);
		kfree(h);
		if (reason != SEMNET_DROP_UNSPEC) {
			local_bh_disable();
			semnet_drop(sn, reason);
			local_bh_enable();
		}
	}
}

/* Unlinks @e and moves its held packets to @out. Table lock held. */
static void semnet_miss_unlink(struct semnet_miss_table *mt,
			       struct semnet_miss_entry *e,
			       struct list_head *out)
{
	list_splice_tail_init(&e->held, out);
	mt->n_held -= e->n_held;
	mt->n_entries--;
	e->source->entries--;
	hlist_del(&e->hnode);
	list_del(&e->lru);
	kfree(e);
}

static struct semnet_miss_source *
semnet_miss_source(struct semnet_miss_table *mt, const struct semnet_inaddr *src)
{
	return &mt->sources[hash_32(semnet_miss_hash(src, ~mt->seed),
				    SEMNET_MISS_SOURCES_BITS)];
}

/* Takes a token from @b, which refills at @rate a second up to @rate. */
static bool semnet_miss_take(struct semnet_miss_bucket *b, u32 rate,
			     unsigned long now)
{
	unsigned long elapsed = now - b->stamp;

	if (elapsed >= HZ) {
		b->tokens = rate;
		b->stamp = now;
	} else if (elapsed * rate >= HZ) {
		/* Whole tokens only; the remainder waits for the next. */
		u32 add = elapsed * rate / HZ;

		b->tokens = min(rate, b->tokens + add);
		b->stamp += add * HZ / rate;
	}
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}

/*
 * Notes a miss of @ev->addr from @ev->src: finds or creates its entry and
 * decides whether an event is due (*@send, the rest of *@ev filled).
 * Table lock held. NULL: no room.
 */
static struct semnet_miss_entry *
semnet_miss_note(struct semnet_net *sn, const struct semnet_node *node,
		 u8 kind, struct semnet_miss_event *ev, bool *send,
		 struct list_head *evicted)
{
	struct semnet_miss_table *mt = &sn->misses;
	struct semnet_miss_entry *e = semnet_miss_find(mt, &ev->addr);
	struct semnet_miss_source *source = semnet_miss_source(mt, &ev->src);
	unsigned long now = jiffies;

	*send = false;
	if (!e) {
		/* One source may not take more than its share. */
		if (source->entries >= SEMNET_MISS_SOURCE_ENTRIES)
			return NULL;
		/* Full: the address missed least recently makes room. */
		if (mt->n_entries >= SEMNET_MISS_ENTRIES_MAX) {
			semnet_miss_unlink(mt, list_first_entry(&mt->lru,
								struct semnet_miss_entry,
								lru),
					   evicted);
			semnet_stat_inc(sn, miss_evicted);
		}
		e = kzalloc(sizeof(*e), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
		if (!e)
			return NULL;
		e->addr = ev->addr;
		e->kind = kind;
		e->source = source;
		source->entries++;
		INIT_LIST_HEAD(&e->held);
		hlist_add_head(&e->hnode, semnet_miss_bucket(mt, &ev->addr));
		list_add_tail(&e->lru, &mt->lru);
		if (!mt->n_entries++)
			schedule_delayed_work(&mt->gc, SEMNET_MISS_GC_PERIOD);
		/* Due at once: if the rate refuses it now, the collector retries. */
		e->last_event = now - node->miss_interval;
		*send = true;
	} else {
		list_move_tail(&e->lru, &mt->lru);
		*send = time_after_eq(now, e->last_event + node->miss_interval);
	}
	/* Within the sender's rate and everyone's, or not at all. */
	if (*send && !(semnet_miss_take(&source->events,
					SEMNET_MISS_SOURCE_RATE, now) &&
		       semnet_miss_take(&mt->events, SEMNET_MISS_EVENT_RATE,
					now)))
		*send = false;
	if (!*send)
		e->suppressed++;
	e->last_miss = now;
	if (*send) {
		ev->kind = kind;
		ev->suppressed = e->suppressed;
		e->suppressed = 0;
		e->last_event = now;
	}
	return e;
}

static void semnet_miss_send(struct semnet_net *sn,
			     const struct semnet_miss_event *ev)
{
	semnet_stat_inc(sn, miss_events);
	semnet_nl_miss_event(sn, ev);
}

/* True when a packet to @addr would now find a way. Under RCU. */
static bool semnet_miss_resolved(struct semnet_net *sn,
				 const struct semnet_inaddr *addr)
{
	struct semnet_service *svc;

	if (addr->family == AF_INET6) {
		svc = semnet_service_lookup6(sn, &addr->ip6);
		if (!svc)
			return semnet_instance_lookup6(sn, &addr->ip6);
	} else {
		svc = semnet_service_lookup(sn, addr->ip);
		if (!svc)
			return semnet_instance_lookup(sn, addr->ip);
	}
	return rcu_access_pointer(svc->group->iset);
}

/*
 * A packet that missed, @ev its addresses, protocol and port: raises the
 * event when due and holds the packet (or drops it). Consumes @skb.
 */
static unsigned int semnet_miss_packet(struct semnet_net *sn,
				       const struct semnet_node *node,
				       struct sk_buff *skb,
				       const struct nf_hook_state *state,
				       struct semnet_miss_event *ev)
{
	struct semnet_miss_table *mt = &sn->misses;
	enum semnet_drop_reason reason = SEMNET_DROP_UNSPEC;
	struct semnet_miss_entry *e;
	struct semnet_held *h = NULL;
	struct mem_cgroup *old_memcg;
	LIST_HEAD(evicted);
	bool send;

	semnet_stat_inc(sn, misses);
	old_memcg = semnet_charge_begin(sn);
	/* Only full sockets can be held on to (as nf_queue does). */
	if (node->hold_packets && (!state->sk || sk_fullsock(state->sk))) {
		/* NOWAIT: a memory cgroup lets GFP_ATOMIC past its limit. */
		h = kmalloc(sizeof(*h), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
		if (h && skb_dst(skb) && !skb_dst_force(skb)) {
			kfree(h);	/* its route is going away */
			h = NULL;
		}
	}

	spin_lock_bh(&mt->lock);
	e = semnet_miss_note(sn, node, SEMNET_MISS_ADDRESS, ev, &send, &evicted);
	semnet_charge_end(old_memcg);
	if (!e) {
		reason = SEMNET_DROP_NOMEM;
	} else if (!node->hold_packets) {
		reason = SEMNET_DROP_UNKNOWN_ADDRESS;
	} else if (!h) {
		reason = state->sk && !sk_fullsock(state->sk) ?
			 SEMNET_DROP_UNKNOWN_ADDRESS : SEMNET_DROP_NOMEM;
	} else if (e->n_held >= node->hold_packets ||
		   mt->n_held >= node->hold_total) {
		reason = SEMNET_DROP_HOLD_FULL;
	} else {
		h->skb = skb;
		h->state = *state;
		h->expires = jiffies + node->hold_timeout;
		h->src = ev->src;
		h->dport = ev->dport;
		h->proto = ev->proto;
		semnet_held_get_refs(h);
		list_add_tail(&h->list, &e->held);
		e->n_held++;
		mt->n_held++;
	}
	if (send)
		ev->held = e->n_held;
	spin_unlock_bh(&mt->lock);

	semnet_held_free_list(sn, &evicted, SEMNET_DROP_HOLD_FULL);
	if (send)
		semnet_miss_send(sn, ev);
	if (reason != SEMNET_DROP_UNSPEC) {
		kfree(h);
		semnet_drop(sn, reason);
		kfree_skb(skb);
	} else if (semnet_miss_resolved(sn, &ev->addr)) {
		/* Installed since our lookup: its release may have passed us. */
		schedule_work(&mt->release);
	}
	return NF_STOLEN;
}

unsigned int semnet_miss(struct semnet_net *sn, const struct semnet_node *node,
			 struct sk_buff *skb, const struct nf_hook_state *state,
			 const struct semnet_pkt *pkt)
{
	struct semnet_miss_event ev = {
		.addr = semnet_inaddr4(pkt->key.dst),
		.src = semnet_inaddr4(pkt->key.src),
		.dport = pkt->key.proto == IPPROTO_ICMP ? 0 : pkt->key.dport,
		.proto = pkt->key.proto,
	};

	return semnet_miss_packet(sn, node, skb, state, &ev);
}

unsigned int semnet_miss6(struct semnet_net *sn, const struct semnet_node *node,
			  struct sk_buff *skb, const struct nf_hook_state *state,
			  const struct semnet_pkt6 *pkt)
{
	struct semnet_miss_event ev = {
		.addr = semnet_inaddr6(&pkt->key.dst),
		.src = semnet_inaddr6(&pkt->key.src),
		.dport = pkt->key.proto == IPPROTO_ICMPV6 ? 0 : pkt->key.dport,
		.proto = pkt->key.proto,
	};

	return semnet_miss_packet(sn, node, skb, state, &ev);
}

void semnet_miss_peer_addr(struct semnet_net *sn, const struct semnet_node *node,
			   const struct semnet_inaddr *dst,
			   const struct semnet_inaddr *src, u8 proto)
{
	struct semnet_miss_table *mt = &sn->misses;
	struct semnet_miss_event ev = {
		.addr = *dst, .src = *src, .proto = proto,
	};
	LIST_HEAD(evicted);
	bool send = false;

	struct mem_cgroup *old_memcg = semnet_charge_begin(sn);

	spin_lock_bh(&mt->lock);
	semnet_miss_note(sn, node, SEMNET_MISS_PEER, &ev, &send, &evicted);
	spin_unlock_bh(&mt->lock);
	semnet_charge_end(old_memcg);
	semnet_held_free_list(sn, &evicted, SEMNET_DROP_HOLD_FULL);
	if (send)
		semnet_miss_send(sn, &ev);
}

void semnet_miss_release(struct semnet_net *sn)
{
	struct semnet_miss_table *mt = &sn->misses;
	struct semnet_miss_entry *e;
	struct hlist_node *tmp;
	struct semnet_held *h, *next;
	LIST_HEAD(ready);
	unsigned int b;
	u32 released = 0;

	rcu_read_lock();
	spin_lock_bh(&mt->lock);
	for (b = 0; mt->n_held && b < ARRAY_SIZE(mt->buckets); b++)
		hlist_for_each_entry_safe(e, tmp, &mt->buckets[b], hnode)
			if (e->n_held && semnet_miss_resolved(sn, &e->addr))
				semnet_miss_unlink(mt, e, &ready);
	spin_unlock_bh(&mt->lock);
	rcu_read_unlock();

	list_for_each_entry_safe(h, next, &ready, list) {
		list_del(&h->list);
		semnet_xlate_resume(h->skb, &h->state);
		semnet_held_put_refs(h);
		kfree(h);
		released++;
	}
	if (released) {
		local_bh_disable();
		this_cpu_add(sn->stats->released, released);
		local_bh_enable();
	}
}

/* Removes every entry @match selects (NULL: all), dropping its packets. */
static void semnet_miss_purge(struct semnet_net *sn,
			      bool (*match)(struct semnet_held *h, void *arg),
			      void *arg, enum semnet_drop_reason reason)
{
	struct semnet_miss_table *mt = &sn->misses;
	struct semnet_miss_entry *e;
	struct semnet_held *h, *next;
	struct hlist_node *tmp;
	LIST_HEAD(gone);
	unsigned int b;

	spin_lock_bh(&mt->lock);
	for (b = 0; b < ARRAY_SIZE(mt->buckets); b++) {
		hlist_for_each_entry_safe(e, tmp, &mt->buckets[b], hnode) {
			if (!match) {
				semnet_miss_unlink(mt, e, &gone);
				continue;
			}
			list_for_each_entry_safe(h, next, &e->held, list) {
				if (!match(h, arg))
					continue;
				list_move_tail(&h->list, &gone);
				e->n_held--;
				mt->n_held--;
			}
		}
	}
	spin_unlock_bh(&mt->lock);
	semnet_held_free_list(sn, &gone, reason);
}

void semnet_miss_flush(struct semnet_net *sn)
{
	semnet_miss_purge(sn, NULL, NULL, SEMNET_DROP_UNKNOWN_ADDRESS);
}

static bool semnet_held_uses_dev(struct semnet_held *h, void *dev)
{
	return h->state.in == dev || h->state.out == dev;
}

void semnet_miss_dev_gone(struct semnet_net *sn, struct net_device *dev)
{
	semnet_miss_purge(sn, semnet_held_uses_dev, dev,
			  SEMNET_DROP_UNKNOWN_ADDRESS);
}

u32 semnet_miss_held(struct semnet_net *sn)
{
	return READ_ONCE(sn->misses.n_held);
}

/*
 * Drops packets held too long and forgets addresses that stopped missing
 * (their rate limit has run out), then comes back while any remain.
 */
/* Events the collector raises per run at most (more: the next run). */
#define SEMNET_MISS_GC_EVENTS	16

/*
 * An address whose event the rate limit refused keeps its packets held
 * with nobody told: without this, they would wait for the sender to try
 * again (a SYN: a second) or expire. The collector raises the event as
 * soon as the rate allows, with the first held packet's source and port.
 * Table lock held. False when no event is due or the rate refuses it.
 */
static bool semnet_miss_owed(struct semnet_miss_table *mt,
			     struct semnet_miss_entry *e, unsigned long interval,
			     unsigned long now, struct semnet_miss_event *ev)
{
	const struct semnet_held *h;

	if (!e->n_held || !e->suppressed ||
	    time_before(now, e->last_event + interval))
		return false;
	if (!semnet_miss_take(&e->source->events, SEMNET_MISS_SOURCE_RATE, now) ||
	    !semnet_miss_take(&mt->events, SEMNET_MISS_EVENT_RATE, now))
		return false;
	h = list_first_entry(&e->held, struct semnet_held, list);
	memset(ev, 0, sizeof(*ev));
	ev->addr = e->addr;
	ev->kind = e->kind;
	ev->src = h->src;
	ev->proto = h->proto;
	ev->dport = h->dport;
	ev->held = e->n_held;
	ev->suppressed = e->suppressed;
	e->suppressed = 0;
	e->last_event = now;
	return true;
}

static void semnet_miss_gc(struct work_struct *work)
{
	struct semnet_miss_table *mt =
		container_of(to_delayed_work(work), struct semnet_miss_table, gc);
	struct semnet_net *sn = container_of(mt, struct semnet_net, misses);
	struct semnet_miss_event owed[SEMNET_MISS_GC_EVENTS];
	unsigned long now = jiffies, idle, interval;
	const struct semnet_node *node;
	unsigned int b, i, n_owed = 0;
	struct semnet_miss_entry *e;
	struct semnet_held *h, *next;
	struct hlist_node *tmp;
	LIST_HEAD(expired);

	rcu_read_lock();
	node = rcu_dereference(sn->node);
	idle = node ? max(node->miss_interval, node->hold_timeout) : 0;
	interval = node ? node->miss_interval : 0;
	rcu_read_unlock();

	spin_lock_bh(&mt->lock);
	for (b = 0; b < ARRAY_SIZE(mt->buckets); b++) {
		hlist_for_each_entry_safe(e, tmp, &mt->buckets[b], hnode) {
			list_for_each_entry_safe(h, next, &e->held, list) {
				if (time_before(now, h->expires))
					break;
				list_move_tail(&h->list, &expired);
				e->n_held--;
				mt->n_held--;
			}
			if (!e->n_held && time_after_eq(now, e->last_miss + idle))
				semnet_miss_unlink(mt, e, &expired);
			else if (n_owed < SEMNET_MISS_GC_EVENTS &&
				 semnet_miss_owed(mt, e, interval, now,
						  &owed[n_owed]))
				n_owed++;
		}
	}
	if (mt->n_entries)
		schedule_delayed_work(&mt->gc, SEMNET_MISS_GC_PERIOD);
	spin_unlock_bh(&mt->lock);
	semnet_held_free_list(sn, &expired, SEMNET_DROP_HOLD_EXPIRED);
	for (i = 0; i < n_owed; i++)
		semnet_miss_send(sn, &owed[i]);
}

static void semnet_miss_release_work(struct work_struct *work)
{
	struct semnet_miss_table *mt =
		container_of(work, struct semnet_miss_table, release);

	semnet_miss_release(container_of(mt, struct semnet_net, misses));
}

int semnet_miss_init(struct semnet_net *sn)
{
	struct semnet_miss_table *mt = &sn->misses;
	unsigned int b;

	spin_lock_init(&mt->lock);
	for (b = 0; b < ARRAY_SIZE(mt->buckets); b++)
		INIT_HLIST_HEAD(&mt->buckets[b]);
	INIT_LIST_HEAD(&mt->lru);
	mt->seed = get_random_u32();
	INIT_DELAYED_WORK(&mt->gc, semnet_miss_gc);
	INIT_WORK(&mt->release, semnet_miss_release_work);
	return 0;
}

void semnet_miss_destroy(struct semnet_net *sn)
{
	/* The collector re-arms while entries exist: empty first. */
	semnet_miss_flush(sn);
	cancel_delayed_work_sync(&sn->misses.gc);
	cancel_work_sync(&sn->misses.release);
	semnet_miss_flush(sn);
}

static int semnet_miss_netdev_event(struct notifier_block *nb,
				    unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER)
		semnet_miss_dev_gone(semnet_pernet(dev_net(dev)), dev);
	return NOTIFY_DONE;
}

static struct notifier_block semnet_miss_notifier = {
	.notifier_call = semnet_miss_netdev_event,
};

int semnet_miss_notifier_init(void)
{
	return register_netdevice_notifier(&semnet_miss_notifier);
}

void semnet_miss_notifier_exit(void)
{
	unregister_netdevice_notifier(&semnet_miss_notifier);
}
