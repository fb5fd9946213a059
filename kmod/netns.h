/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_NETNS_H
#define _SEMNET_NETNS_H

#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/semnet.h>

#include "flow.h"
#include "miss.h"

struct semnet_node;
struct semnet_device;
struct semnet_peer_cache;
struct semnet_inst_cache;

/* Global datapath counters, per CPU; summed when read. */
struct semnet_stats {
	u64 packets;
	u64 flows_created;
	u64 flows_expired;
	u64 port_remaps;
	u64 misses;
	u64 miss_events;
	u64 released;
	u64 closest_purged;
	u64 early_drops;
	u64 miss_evicted;
	u64 forwarded;
	u64 drops[SEMNET_DROP_MAX + 1];
};

/* The netfilter hooks semnet registers in a node's namespace. */
#define SEMNET_HOOK_COUNT	11

/*
 * All of semnet's state lives here, one instance per network namespace, so
 * one kernel can host several semnet nodes (and every test does).
 * Readers (the packet path, GET) use RCU; writers hold @lock.
 */
struct semnet_net {
	struct net *net;
	/* Serialises every configuration change in this namespace. */
	struct mutex lock;
	/* This node's configuration; NULL: semnet is off in this namespace. */
	struct semnet_node __rcu *node;
	/*
	 * The memory cgroup of whoever first configured the node: what the
	 * packet path allocates for this namespace (flows, held packets,
	 * learned locations, miss entries) is charged to it, as the
	 * configuration objects are to their callers. Set with the node,
	 * put a grace period after it is gone.
	 */
	struct mem_cgroup *memcg;
	/* Taken off @memcg by pre_exit, put once its grace period passed. */
	struct mem_cgroup *dying_memcg;
	/* The netfilter hooks are on (only with a node config). */
	bool hooks_registered;
	/* This namespace's copy of the hooks, whose priv points here. */
	struct nf_hook_ops hook_ops[SEMNET_HOOK_COUNT];

	struct rhashtable services;	/* struct semnet_service by ServiceIP */
	struct rhashtable groups;	/* struct semnet_group by name */
	struct rhashtable instances;	/* struct semnet_instance by InstanceIP */
	struct rhashtable local;	/* local instances by nsIP */
	/* The same three for IPv6 (the groups are per family, one table). */
	struct rhashtable services6;
	struct rhashtable instances6;
	struct rhashtable local6;
	struct list_head service_list;	/* under @lock */
	struct list_head instance_list;	/* under @lock */
	u32 n_services;			/* under @lock */
	u32 n_instances;		/* under @lock */
	/*
	 * Bumped (release) after every change of @instances or @local,
	 * before an instance that left them can be freed: what validates
	 * the lookups @inst_cache remembers, as @peer_gen does for peers
	 * (struct semnet_peer_cache says why that is safe).
	 */
	unsigned long inst_gen;
	struct semnet_inst_cache __percpu *inst_cache;
	/*
	 * Container ports by ifindex: how many local instances name the
	 * device as theirs (an xa_mk_value()). What a routed node's packet
	 * path asks of every device; written under @lock (bridge.c).
	 */
	struct xarray ports;
	/* Bumped on every change: lets dumps detect a concurrent edit. */
	u32 generation;

	struct rhashtable peers;	/* struct semnet_peer by IPv4 subnet */
	struct rhashtable peers6;	/* struct semnet_peer by IPv6 subnet */
	struct rhltable peer_addrs;	/* every peer, by IPv4 underlay address */
	struct rhltable peer_addrs6;	/* every peer, by IPv6 underlay address */
	struct list_head peer_list;	/* under @lock */
	u64 peer_lens;			/* bit n: some peer subnet is a /n */
	/* bit n: some IPv6 peer subnet is a /(SEMNET_PEER6_LEN_MIN + n) */
	u64 peer_lens6;
	u32 n_peers;			/* under @lock */
	/*
	 * Bumped (release) after every change of the peer tables or
	 * @peer_lens, before a removed peer is freed: what validates the
	 * routes @peer_cache remembers (semnet_peer_route()). The caches
	 * are used on 64-bit kernels only: there it never wraps.
	 */
	unsigned long peer_gen;
	struct semnet_peer_cache __percpu *peer_cache;
	/* The SEMNET_ENCAP_DIRECT peers (RCU, written under @lock). */
	struct list_head direct_peers;
	/* How many: the hooks look for direct packets only when nonzero. */
	u32 n_direct;
	/*
	 * The device every direct peer is bound to, when they share one
	 * (the usual: one segment); 0 otherwise. semnet_direct_tx() counts
	 * nothing that leaves by another, and asks no route for it.
	 */
	int direct_dev;
	struct rhashtable learned;	/* struct semnet_learned by InstanceIP */
	atomic_t n_learned;
	/* The tunnel device, when one exists in this namespace. */
	struct semnet_device __rcu *tunnel;

	struct semnet_flow_table flows;
	struct semnet_miss_table misses;
	struct semnet_stats __percpu *stats;
};

extern unsigned int semnet_net_id;

static inline struct semnet_net *semnet_pernet(const struct net *net)
{
	return net_generic(net, semnet_net_id);
}

#define semnet_assert_locked(sn) lockdep_assert_held(&(sn)->lock)

/*
 * True where this CPU's lookup caches (struct semnet_peer_cache, struct
 * semnet_inst_cache) may be used: not with bottom halves on (a softirq
 * may come between a lookup's reads and writes of its slot), nor in an
 * interrupt (netpoll) that may have come between a softirq's; and only
 * where their generations (unsigned long) cannot wrap, 64-bit kernels.
 */
static inline bool semnet_pcpu_cache_usable(void)
{
	return IS_ENABLED(CONFIG_64BIT) && in_softirq() && !in_hardirq() &&
	       !in_nmi();
}

#define semnet_stat_inc(sn, field) this_cpu_inc((sn)->stats->field)
#define semnet_drop(sn, reason) this_cpu_inc((sn)->stats->drops[reason])

/* Drops @skb at a hook, counted under @reason: the hook's verdict. */
static inline unsigned int semnet_drop_packet(struct semnet_net *sn,
					      struct sk_buff *skb,
					      enum semnet_drop_reason reason)
{
	semnet_drop(sn, reason);
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * Allocations between these two, with __GFP_ACCOUNT, are charged to the
 * namespace's memory cgroup (sn->memcg), whatever context runs them.
 */
static inline struct mem_cgroup *semnet_charge_begin(struct semnet_net *sn)
{
	return set_active_memcg(READ_ONCE(sn->memcg));
}

static inline void semnet_charge_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

void semnet_stats_sum(struct semnet_net *sn, struct semnet_stats *sum);

int semnet_state_init(struct semnet_net *sn, struct net *net);
void semnet_state_destroy(struct semnet_net *sn);
int semnet_netns_init(void);
void semnet_netns_exit(void);

#endif /* _SEMNET_NETNS_H */
