/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_SERVICE_H
#define _SEMNET_SERVICE_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <uapi/linux/semnet.h>

#include "addr.h"
#include "cfg.h"
#include "hash.h"
#include "netns.h"

struct semnet_net;
struct semnet_policy;
struct semnet_instance;
struct netlink_ext_ack;

/* Packet, byte and flow counts of a service or an instance. */
struct semnet_counters {
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t flows;
};

static inline void semnet_counters_add(struct semnet_counters *c,
				       unsigned int bytes)
{
	atomic64_inc(&c->packets);
	atomic64_add(bytes, &c->bytes);
}

/*
 * The instances of one service name, as an array the policies index into,
 * with the Maglev lookup table of the mh policy: mh_size slots (a prime),
 * each an index into inst[]. Replaced whole (RCU) whenever an instance
 * joins or leaves.
 */
struct semnet_iset {
	struct rcu_head rcu;
	u32 count;
	u32 cap;			/* room in inst[] (a batch's sets have more) */
	u32 mh_size;			/* 0: no table (too many instances, or no mh service) */
	u16 *mh;
	u32 *mh_scratch;		/* only while the table is built */
	struct semnet_instance *inst[];
};

/* Sets larger than this get no Maglev table (mh hashes modulo count). */
#define SEMNET_MH_MAX_INSTANCES	4000

/* A set for @count instances (and its table), for semnet_iset_finish(). */
struct semnet_iset *semnet_iset_alloc(u32 count);
/* The same with room for @cap instances, with a table only when @mh. */
struct semnet_iset *semnet_iset_alloc_cap(u32 cap, bool mh);
/* Builds the table once inst[] is filled in. Cannot fail. */
void semnet_iset_finish(struct semnet_iset *iset);
void semnet_iset_free(struct semnet_iset *iset);

/*
 * A service name: every ServiceIP with this name balances over its
 * instances. It is in the name table while a service or an instance in
 * the tables uses it (@users); its memory lives on while any service or
 * instance object still points at it (@ref), even one that a flow keeps
 * after its delete.
 */
struct semnet_group {
	struct rhash_head node;
	char name[SEMNET_NAME_MAX];	/* key, NUL padded */
	/*
	 * Key too: a name's IPv4 and IPv6 instances are two groups, so that
	 * a ServiceIP picks only instances of its own family (no NAT46).
	 */
	u8 family;
	struct semnet_iset __rcu *iset;
	struct list_head instances;	/* under the netns lock */
	u32 n_instances;
	u32 users;			/* services + instances, netns lock */
	/*
	 * Services of the name with the mh policy: only then does the set
	 * carry a Maglev table, whose build costs far more than the rest of
	 * an instance's add. Netns lock.
	 */
	u32 mh_users;
	refcount_t ref;			/* the name table + every object */
	/*
	 * During a batch of instances (struct semnet_batch): the set being
	 * grown, published when the batch is done, and the batch's list.
	 */
	struct semnet_iset *pending;
	struct list_head batch_node;
	struct rcu_head rcu;
};

/*
 * A batch of instance adds (SEMNET_A_INSTANCES), under one hold of the
 * netns lock. Each add reserves room in its group's pending set (doubling,
 * so that an add that cannot get memory fails before it changes anything)
 * instead of building a new set; semnet_batch_commit() publishes each
 * group's set once, with its Maglev table built once. Until then the
 * published sets are a subset of the groups' instances, as picks may see.
 */
struct semnet_batch {
	struct list_head groups;	/* groups with a pending set */
};

static inline void semnet_batch_init(struct semnet_batch *batch)
{
	INIT_LIST_HEAD(&batch->groups);
}

/* Room in @group's pending set for one more instance: 0 or -ENOMEM. */
int semnet_batch_reserve(struct semnet_batch *batch, struct semnet_group *group);
/* Publishes the sets of every group the batch grew. Cannot fail. */
void semnet_batch_commit(struct semnet_net *sn, struct semnet_batch *batch);

/*
 * A ServiceIP: an address that means "one instance of @group, by @policy".
 * The table holds one reference, every flow to it another: a flow can
 * never point at freed memory, whatever a purge walk misses. Once deleted
 * (@dead), its flows are stale and no lookup uses them.
 */
struct semnet_service {
	struct rhash_head node;
	struct list_head list;		/* in sn->service_list */
	union {				/* key, in sn->services(6) */
		__be32 addr;
		struct in6_addr addr6;
	};
	u8 family;			/* AF_INET, AF_INET6 */
	bool dead;			/* unlinked: its flows are stale */
	refcount_t ref;
	struct semnet_group *group;
	const struct semnet_policy *policy;
	atomic_t rr_next;		/* round-robin cursor */
	struct semnet_counters counters;
	struct rcu_head rcu;
};

/* In the header, so that lookups everywhere inline the hash and compare. */
static const struct rhashtable_params semnet_service_params = {
	.head_offset = offsetof(struct semnet_service, node),
	.key_offset = offsetof(struct semnet_service, addr),
	.key_len = sizeof(__be32),
	.hashfn = semnet_hash_word,
	.obj_cmpfn = semnet_cmp_word,
	.automatic_shrinking = true,
};
static const struct rhashtable_params semnet_service6_params = {
	.head_offset = offsetof(struct semnet_service, node),
	.key_offset = offsetof(struct semnet_service, addr6),
	.key_len = sizeof(struct in6_addr),
	.hashfn = semnet_hash_addr6,
	.obj_cmpfn = semnet_cmp_addr6,
	.automatic_shrinking = true,
};
extern const struct rhashtable_params semnet_group_params;

/* Object references (any context): the last one frees, after RCU. */
void semnet_group_unref(struct semnet_group *group);
void semnet_service_put(struct semnet_service *svc);

struct semnet_group *semnet_group_get(struct semnet_net *sn, const char *name,
				      u8 family, struct netlink_ext_ack *extack);
void semnet_group_put(struct semnet_net *sn, struct semnet_group *group);
int semnet_iset_prepare(struct semnet_group *group, u32 count,
			struct semnet_iset **new);
void semnet_iset_commit(struct semnet_net *sn, struct semnet_group *group,
			struct semnet_iset *new);
/* The group of @name's instances of @family (AF_INET, AF_INET6). */
struct semnet_group *semnet_group_lookup_family(struct semnet_net *sn,
						const char *name, u8 family);

/* The IPv4 group of @name. */
static inline struct semnet_group *semnet_group_lookup(struct semnet_net *sn,
						       const char *name)
{
	return semnet_group_lookup_family(sn, name, AF_INET);
}

/*
 * A NEW_SERVICE request, parsed: @name and @policy are NULL when it does
 * not give them (a change keeps them, a new service gets rr); @attrs
 * points errors at its attributes (NULL outside netlink).
 */
struct semnet_service_cfg {
	union {				/* SEMNET_A_SERVICE_ADDR or _ADDR6 */
		__be32 addr;
		struct in6_addr addr6;
	};
	u8 family;			/* AF_INET6, or IPv4 */
	const char *name;
	const char *policy;
	struct nlattr **attrs;
};

/*
 * Adds or changes the service @cfg->addr as a NEW_SERVICE request asks:
 * a known policy, a name that is not empty, an address in the node's
 * service range that no instance uses. Under the netns lock.
 */
int semnet_service_configure(struct semnet_net *sn,
			     const struct semnet_service_cfg *cfg,
			     enum semnet_add_mode mode,
			     struct netlink_ext_ack *extack);
int semnet_service_add_key(struct semnet_net *sn,
			   const struct semnet_inaddr *key, const char *name,
			   const struct semnet_policy *policy,
			   enum semnet_add_mode mode,
			   struct netlink_ext_ack *extack);
int semnet_service_del_key(struct semnet_net *sn,
			   const struct semnet_inaddr *key,
			   struct netlink_ext_ack *extack);

/* The IPv4 forms, as most callers (and the KUnit suites) use them. */
static inline int semnet_service_add(struct semnet_net *sn, __be32 addr,
				     const char *name,
				     const struct semnet_policy *policy,
				     enum semnet_add_mode mode,
				     struct netlink_ext_ack *extack)
{
	struct semnet_inaddr key = semnet_inaddr4(addr);

	return semnet_service_add_key(sn, &key, name, policy, mode, extack);
}

static inline int semnet_service_del(struct semnet_net *sn, __be32 addr,
				     struct netlink_ext_ack *extack)
{
	struct semnet_inaddr key = semnet_inaddr4(addr);

	return semnet_service_del_key(sn, &key, extack);
}
void semnet_service_flush(struct semnet_net *sn);

int semnet_tables_init(struct semnet_net *sn);
void semnet_tables_destroy(struct semnet_net *sn);

/* Out of line, as semnet_instance_lookup6() is. RCU. */
struct semnet_service *
semnet_service_lookup(struct semnet_net *sn, __be32 addr);

/*
 * The same for writers, under the netns lock (which keeps what it finds
 * alive) rather than RCU: the _fast lookup takes the RCU read lock the
 * table wants for the walk itself.
 */
static inline struct semnet_service *
semnet_service_find(struct semnet_net *sn, __be32 addr)
{
	return rhashtable_lookup_fast(&sn->services, &addr,
				      semnet_service_params);
}

struct semnet_service *
semnet_service_lookup6(struct semnet_net *sn, const struct in6_addr *addr);

static inline struct semnet_service *
semnet_service_find6(struct semnet_net *sn, const struct in6_addr *addr)
{
	return rhashtable_lookup_fast(&sn->services6, addr,
				      semnet_service6_params);
}

/* Either family's, for writers (see semnet_service_find()). */
static inline struct semnet_service *
semnet_service_find_key(struct semnet_net *sn, const struct semnet_inaddr *key)
{
	return key->family == AF_INET6 ? semnet_service_find6(sn, &key->ip6) :
	       semnet_service_find(sn, key->ip);
}

#endif /* _SEMNET_SERVICE_H */
