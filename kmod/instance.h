/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_INSTANCE_H
#define _SEMNET_INSTANCE_H

#include <linux/rhashtable.h>

#include "addr.h"
#include "hash.h"
#include "service.h"

struct semnet_peer;

/*
 * An instance of a service: its stable InstanceIP, and the nsIP it has on
 * the node that runs it. Local instances (nsIP in a local subnet) are also
 * indexed by nsIP, with the bridge port (host-side veth) they sit behind.
 */
struct semnet_instance {
	struct rhash_head node;		/* by addr */
	struct rhash_head local_node;	/* by nsip, when @local */
	struct list_head list;		/* in sn->instance_list */
	/*
	 * An instance is of one family: a dual-stack one is two instances
	 * of one name, each in its family's tables and group.
	 */
	union {				/* InstanceIP (key) */
		__be32 addr;
		struct in6_addr addr6;
	};
	union {
		__be32 nsip;
		struct in6_addr nsip6;
	};
	u8 family;			/* AF_INET, AF_INET6 */
	__be32 node_addr;		/* underlay address of its node, 0: local */
	int ifindex;			/* port of a local instance, 0: any */
	bool local;
	/* Counted in sn->ports[ifindex] (local, and the device not gone). */
	bool port;
	/*
	 * As for services: the tables hold one reference and every flow to
	 * the instance one; once deleted (@dead) its flows are stale.
	 */
	bool dead;
	refcount_t ref;
	/*
	 * The "closest" policy's view of the instance's node, cached so that
	 * a pick reads two fields per instance and looks nothing up: the
	 * cost and down state of the peer its nsIP routes to (where its
	 * packets go), 0 and up when local, SEMNET_PEER_COST_UNKNOWN when no
	 * peer covers it. Written under the netns lock whenever a peer
	 * changes or the instance is added or relocated
	 * (semnet_instance_costs_update); read locklessly by the pick.
	 */
	u32 cost;
	bool down;
	struct semnet_group *group;
	struct list_head group_list;	/* in group->instances */
	struct semnet_counters counters;
	struct rcu_head rcu;
};

/*
 * An instance as semnet_instance_add() installs it; from a NEW_INSTANCE
 * request, @given has bit SEMNET_A_INSTANCE_x for each attribute it
 * carried (semnet_instance_configure() fills in the rest) and @attrs
 * points errors at them (NULL outside netlink).
 */
struct semnet_instance_cfg {
	union {				/* SEMNET_A_INSTANCE_ADDR or _ADDR6 */
		__be32 addr;
		struct in6_addr addr6;
	};
	union {				/* _NSIP or _NSIP6, the same family */
		__be32 nsip;
		struct in6_addr nsip6;
	};
	u8 family;			/* AF_INET6, or IPv4 */
	__be32 node_addr;
	int ifindex;
	const char *service;
	u32 given;
	struct nlattr **attrs;
	/* Part of a batch: the sets are published by semnet_batch_commit() */
	struct semnet_batch *batch;
};

/* In the header, so that lookups everywhere inline the hash and compare. */
static const struct rhashtable_params semnet_instance_params = {
	.head_offset = offsetof(struct semnet_instance, node),
	.key_offset = offsetof(struct semnet_instance, addr),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};

static const struct rhashtable_params semnet_local_params = {
	.head_offset = offsetof(struct semnet_instance, local_node),
	.key_offset = offsetof(struct semnet_instance, nsip),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};

static const struct rhashtable_params semnet_instance6_params = {
	.head_offset = offsetof(struct semnet_instance, node),
	.key_offset = offsetof(struct semnet_instance, addr6),
	.key_len = sizeof(struct in6_addr),
	.hashfn = semnet_hash_addr6,
	.obj_cmpfn = semnet_cmp_addr6,
	.automatic_shrinking = true,
};

static const struct rhashtable_params semnet_local6_params = {
	.head_offset = offsetof(struct semnet_instance, local_node),
	.key_offset = offsetof(struct semnet_instance, nsip6),
	.key_len = sizeof(struct in6_addr),
	.hashfn = semnet_hash_addr6,
	.obj_cmpfn = semnet_cmp_addr6,
	.automatic_shrinking = true,
};

/*
 * The last semnet_instance_lookup() and semnet_local_lookup() answers on
 * one CPU, a few slots each by address, valid while sn->inst_gen is what
 * it was before their lookup: the rules of struct semnet_peer_cache.
 * Instances are also held by flows and freed when the last reference
 * goes, maybe later on another CPU; that put follows the tables' own,
 * made after the instance left them and sn->inst_gen moved on.
 */
#define SEMNET_INST_CACHE_BITS	2

struct semnet_inst_slot {
	unsigned long gen;
	struct semnet_instance *inst;	/* NULL: none */
	__be32 key;
};

struct semnet_inst_cache {
	struct semnet_inst_slot by_addr[1 << SEMNET_INST_CACHE_BITS];
	struct semnet_inst_slot by_nsip[1 << SEMNET_INST_CACHE_BITS];
};

/*
 * Packet-path lookups (RCU): out of line, so that each inlines
 * rhashtable_lookup() with its constant parameters once, rather than
 * callers that use many tables sharing one outlined copy that calls the
 * hash and compare functions through pointers.
 */
struct semnet_instance *
semnet_instance_lookup6(struct semnet_net *sn, const struct in6_addr *addr);

static inline struct semnet_instance *
semnet_instance_find6(struct semnet_net *sn, const struct in6_addr *addr)
{
	return rhashtable_lookup_fast(&sn->instances6, addr,
				      semnet_instance6_params);
}

struct semnet_instance *
semnet_local_lookup6(struct semnet_net *sn, const struct in6_addr *nsip);

struct semnet_instance *
semnet_instance_lookup(struct semnet_net *sn, __be32 addr);

/* For writers, under the netns lock (see semnet_service_find()). */
static inline struct semnet_instance *
semnet_instance_find(struct semnet_net *sn, __be32 addr)
{
	return rhashtable_lookup_fast(&sn->instances, &addr,
				      semnet_instance_params);
}

struct semnet_instance *
semnet_local_lookup(struct semnet_net *sn, __be32 nsip);

/* Drops an object reference (any context): the last one frees. */
void semnet_instance_put(struct semnet_instance *inst);

/*
 * Adds or changes the instance @cfg->addr as a NEW_INSTANCE request asks:
 * a change keeps what the request leaves out, a new instance needs a
 * service name and an nsIP; its address must be in the node's service
 * range and no service's, its nsIP in the platform range, outside the
 * service range, and no network, gateway or broadcast address; its
 * bridge port must exist. Under the netns lock.
 */
int semnet_instance_configure(struct semnet_net *sn,
			      const struct semnet_instance_cfg *cfg,
			      enum semnet_add_mode mode,
			      struct netlink_ext_ack *extack);
int semnet_instance_add(struct semnet_net *sn,
			const struct semnet_instance_cfg *cfg,
			enum semnet_add_mode mode,
			struct netlink_ext_ack *extack);
int semnet_instance_del_key(struct semnet_net *sn,
			    const struct semnet_inaddr *key,
			    struct netlink_ext_ack *extack);

static inline int semnet_instance_del(struct semnet_net *sn, __be32 addr,
				      struct netlink_ext_ack *extack)
{
	struct semnet_inaddr key = semnet_inaddr4(addr);

	return semnet_instance_del_key(sn, &key, extack);
}

/* Either family's, for writers (see semnet_service_find()). */
static inline struct semnet_instance *
semnet_instance_find_key(struct semnet_net *sn,
			 const struct semnet_inaddr *key)
{
	return key->family == AF_INET6 ? semnet_instance_find6(sn, &key->ip6) :
	       semnet_instance_find(sn, key->ip);
}
/* Deletes every instance, or those of @service when it is not NULL. */
void semnet_instance_flush(struct semnet_net *sn, const char *service);
/* Re-evaluates which instances are local after the node subnets change. */
void semnet_instance_relocate(struct semnet_net *sn);
/*
 * Refreshes the cached node cost and down state of the instances whose
 * nsIP lies in @peer's subnet (all when NULL), after that peer changed,
 * came or went: O(instances) under the netns lock. Returns how many went
 * from up to down; their "closest" flows are then for
 * semnet_policy_closest_purge().
 */
unsigned int semnet_instance_costs_update(struct semnet_net *sn,
					  const struct semnet_peer *peer);
/* Both of the above in one: for a peer added, replaced or removed. */
void semnet_instance_peers_changed(struct semnet_net *sn,
				   const struct semnet_peer *peer);

#endif /* _SEMNET_INSTANCE_H */
