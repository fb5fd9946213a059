// SPDX-License-Identifier: GPL-2.0
/*
 * Instances: InstanceIP → (service name, nsIP, node). Writers hold the
 * netns lock; the packet path reads under RCU.
 */
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "bridge.h"
#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "peer.h"
#include "policy.h"

#define SEMNET_INSTANCES_MAX	(4U << 20)

static bool semnet_flow_of_instance(const struct semnet_flow *flow,
				    const void *inst)
{
	return flow->inst == inst;
}

static bool semnet_instance_wants_local(struct semnet_net *sn, u8 family,
					__be32 nsip,
					const struct in6_addr *nsip6)
{
	const struct semnet_node *node =
		rcu_dereference_protected(sn->node, lockdep_is_held(&sn->lock));

	if (!node)
		return false;
	return family == AF_INET6 ? semnet_node_is_local6(node, nsip6) :
	       semnet_node_is_local(node, nsip);
}

static bool semnet_instance_is6(const struct semnet_instance *inst)
{
	return inst->family == AF_INET6;
}

/*
 * Caches the cost and down state of @inst's node for the "closest" pick:
 * local costs 0; remote, the peer its nsIP routes to, the same lookup
 * semnet0 makes for its packets. Returns true when @inst went down.
 */
static bool semnet_instance_cost_refresh(struct semnet_net *sn,
					 struct semnet_instance *inst)
{
	u32 cost = 0;
	bool down = false, was_down = inst->down;

	semnet_assert_locked(sn);
	if (!inst->local) {
		const struct semnet_peer *peer;

		/* The peer stays (it is freed only under the lock). */
		rcu_read_lock();
		peer = semnet_instance_is6(inst) ?
		       semnet_peer_route6(sn, &inst->nsip6) :
		       semnet_peer_route(sn, inst->nsip);
		cost = peer ? READ_ONCE(peer->cost) : SEMNET_PEER_COST_UNKNOWN;
		down = peer && READ_ONCE(peer->down);
		rcu_read_unlock();
	}
	WRITE_ONCE(inst->cost, cost);
	WRITE_ONCE(inst->down, down);
	return down && !was_down;
}

/* True when @inst's nsIP lies in @peer's subnet. */
static bool semnet_instance_behind(const struct semnet_instance *inst,
				   const struct semnet_peer *peer)
{
	if (semnet_instance_is6(inst))
		return peer->subnet.family == AF_INET6 &&
		       semnet_prefix6_contains(&peer->subnet.v6, &inst->nsip6);
	return peer->subnet.family == AF_INET &&
	       semnet_prefix_contains(&peer->subnet.v4, inst->nsip);
}

unsigned int semnet_instance_costs_update(struct semnet_net *sn,
					  const struct semnet_peer *peer)
{
	struct semnet_instance *inst;
	unsigned int went_down = 0;

	semnet_assert_locked(sn);
	/*
	 * Only an nsIP inside @peer's subnet can route to it (or stop doing
	 * so): the others keep their cost and need no route lookup.
	 */
	list_for_each_entry(inst, &sn->instance_list, list) {
		if (peer && !semnet_instance_behind(inst, peer))
			continue;
		if (semnet_instance_cost_refresh(sn, inst))
			went_down++;
	}
	return went_down;
}

void semnet_instance_peers_changed(struct semnet_net *sn,
				   const struct semnet_peer *peer)
{
	if (semnet_instance_costs_update(sn, peer))
		semnet_policy_closest_purge(sn);
}

/*
 * The IPv4 tables have changed: lookups the CPUs remember are stale
 * (struct semnet_inst_cache). Before a removed instance can be freed.
 */
static void semnet_instances_changed(struct semnet_net *sn)
{
	/* The tables' changes first (the cached lookups acquire). */
	smp_store_release(&sn->inst_gen, sn->inst_gen + 1);
}

/* Removes @inst from every index; the group's set must be republished. */
/* The by-address and by-nsIP index operations, for either family. */
static int semnet_instance_hash(struct semnet_net *sn,
				struct semnet_instance *inst)
{
	int ret;

	if (semnet_instance_is6(inst))
		return rhashtable_insert_fast(&sn->instances6, &inst->node,
					      semnet_instance6_params);
	ret = rhashtable_insert_fast(&sn->instances, &inst->node,
				     semnet_instance_params);
	semnet_instances_changed(sn);
	return ret;
}

static void semnet_instance_unhash(struct semnet_net *sn,
				   struct semnet_instance *inst)
{
	if (semnet_instance_is6(inst)) {
		rhashtable_remove_fast(&sn->instances6, &inst->node,
				       semnet_instance6_params);
	} else {
		rhashtable_remove_fast(&sn->instances, &inst->node,
				       semnet_instance_params);
		semnet_instances_changed(sn);
	}
}

/* -EEXIST: another local instance has the nsIP. */
static int semnet_instance_hash_local(struct semnet_net *sn,
				      struct semnet_instance *inst)
{
	int ret;

	if (semnet_instance_is6(inst))
		return rhashtable_lookup_insert_fast(&sn->local6,
						     &inst->local_node,
						     semnet_local6_params);
	ret = rhashtable_lookup_insert_fast(&sn->local, &inst->local_node,
					    semnet_local_params);
	semnet_instances_changed(sn);
	return ret;
}

static void semnet_instance_unhash_local(struct semnet_net *sn,
					 struct semnet_instance *inst)
{
	if (semnet_instance_is6(inst)) {
		rhashtable_remove_fast(&sn->local6, &inst->local_node,
				       semnet_local6_params);
	} else {
		rhashtable_remove_fast(&sn->local, &inst->local_node,
				       semnet_local_params);
		semnet_instances_changed(sn);
	}
}

static void semnet_instance_unlink(struct semnet_net *sn,
				   struct semnet_instance *inst)
{
	semnet_instance_unhash(sn, inst);
	if (inst->local)
		semnet_instance_unhash_local(sn, inst);
	if (inst->port) {
		semnet_port_put(sn, inst->ifindex);
		inst->port = false;
	}
	/* From here on no lookup uses its flows, whatever the purge finds. */
	WRITE_ONCE(inst->dead, true);
	list_del(&inst->list);
	list_del(&inst->group_list);
	inst->group->n_instances--;
	sn->n_instances--;
	sn->generation++;
}

void semnet_instance_put(struct semnet_instance *inst)
{
	if (refcount_dec_and_test(&inst->ref)) {
		semnet_group_unref(inst->group);
		kfree_rcu(inst, rcu);
	}
}

/*
 * Drops the tables' hold on an unlinked @inst. Readers that picked it
 * keep its memory for their grace period, flows the purge missed until
 * they are reaped.
 */
static void semnet_instance_release(struct semnet_net *sn,
				    struct semnet_instance *inst)
{
	semnet_group_put(sn, inst->group);
	semnet_instance_put(inst);
}

static int semnet_instance_insert(struct semnet_net *sn,
				  const struct semnet_instance_cfg *cfg,
				  struct netlink_ext_ack *extack)
{
	struct semnet_instance *inst;
	struct semnet_group *group;
	struct semnet_iset *iset;
	int ret;

	if (sn->n_instances >= SEMNET_INSTANCES_MAX) {
		NL_SET_ERR_MSG(extack, "too many instances in this namespace");
		return -ENOSPC;
	}
	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return -ENOMEM;
	if (cfg->family == AF_INET6) {
		inst->addr6 = cfg->addr6;
		inst->nsip6 = cfg->nsip6;
		inst->family = AF_INET6;
	} else {
		inst->addr = cfg->addr;
		inst->nsip = cfg->nsip;
		inst->family = AF_INET;
	}
	inst->node_addr = cfg->node_addr;
	inst->ifindex = cfg->ifindex;
	refcount_set(&inst->ref, 1);
	inst->local = semnet_instance_wants_local(sn, inst->family, inst->nsip,
						  &inst->nsip6);
	/* Not published yet: nothing can have picked it. */
	semnet_instance_cost_refresh(sn, inst);

	group = semnet_group_get(sn, cfg->service, inst->family, extack);
	if (IS_ERR(group)) {
		ret = PTR_ERR(group);
		goto err_free;
	}
	inst->group = group;
	refcount_inc(&group->ref);
	/* In a batch, the set is published once, when the batch is done. */
	iset = NULL;
	if (cfg->batch)
		ret = semnet_batch_reserve(cfg->batch, group);
	else
		ret = semnet_iset_prepare(group, group->n_instances + 1, &iset);
	if (ret)
		goto err_group;
	/* Its port first: once its nsIP is found, the port must be one. */
	if (inst->local && inst->ifindex) {
		ret = semnet_port_get(sn, inst->ifindex);
		if (ret)
			goto err_iset;
		inst->port = true;
	}
	ret = semnet_instance_hash(sn, inst);
	if (ret)
		goto err_port;
	if (inst->local) {
		ret = semnet_instance_hash_local(sn, inst);
		if (ret) {
			if (ret == -EEXIST)
				NL_SET_ERR_MSG(extack,
					       "another local instance has this nsIP");
			goto err_hash;
		}
	}
	list_add_tail(&inst->list, &sn->instance_list);
	list_add_tail(&inst->group_list, &group->instances);
	group->n_instances++;
	sn->n_instances++;
	sn->generation++;
	if (!cfg->batch)
		semnet_iset_commit(sn, group, iset);
	return 0;

err_hash:
	/*
	 * Packets to its InstanceIP may have made flows to it meanwhile:
	 * they go, and any the purge misses keep it alive, stale.
	 */
	semnet_instance_unhash(sn, inst);
	WRITE_ONCE(inst->dead, true);
	if (inst->port)
		semnet_port_put(sn, inst->ifindex);
	semnet_flow_purge(sn, semnet_flow_of_instance, inst);
	semnet_iset_free(iset);
	semnet_group_put(sn, group);
	semnet_instance_put(inst);
	return ret;
err_port:
	if (inst->port)
		semnet_port_put(sn, inst->ifindex);
err_iset:
	semnet_iset_free(iset);
err_group:
	semnet_group_put(sn, group);
	semnet_group_unref(group);
err_free:
	kfree(inst);
	return ret;
}

static int semnet_instance_remove(struct semnet_net *sn,
				  struct semnet_instance *inst)
{
	struct semnet_group *group = inst->group;
	struct semnet_iset *iset;
	int ret;

	ret = semnet_iset_prepare(group, group->n_instances - 1, &iset);
	if (ret)
		return ret;
	semnet_instance_unlink(sn, inst);
	semnet_iset_commit(sn, group, iset);
	/*
	 * No grace period to wait for (an orchestrator churns thousands of
	 * instances a second): a flow a packet still makes to @inst sees
	 * it dead and is taken back (semnet_flow_create()).
	 */
	semnet_flow_purge(sn, semnet_flow_of_instance, inst);
	semnet_instance_release(sn, inst);
	return 0;
}

/*
 * Moves a kept @inst to port @ifindex: the new port is taken before the
 * old one is put, so a failure (-ENOMEM) changes nothing.
 */
static int semnet_instance_move_port(struct semnet_net *sn,
				     struct semnet_instance *inst, int ifindex)
{
	bool port = inst->local && ifindex;
	int ret;

	if (ifindex == inst->ifindex && port == inst->port)
		return 0;
	if (port) {
		ret = semnet_port_get(sn, ifindex);
		if (ret)
			return ret;
	}
	if (inst->port)
		semnet_port_put(sn, inst->ifindex);
	inst->port = port;
	WRITE_ONCE(inst->ifindex, ifindex);
	return 0;
}

int semnet_instance_add(struct semnet_net *sn,
			const struct semnet_instance_cfg *cfg,
			enum semnet_add_mode mode,
			struct netlink_ext_ack *extack)
{
	struct semnet_instance *old;
	int ret;

	semnet_assert_locked(sn);
	old = cfg->family == AF_INET6 ? semnet_instance_find6(sn, &cfg->addr6) :
	      semnet_instance_find(sn, cfg->addr);
	ret = semnet_add_allowed(mode, old);
	if (ret == -EEXIST) {
		NL_SET_ERR_MSG(extack, "instance address already exists");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "no instance with this address");
		return ret;
	}
	if (!old)
		return semnet_instance_insert(sn, cfg, extack);

	/* Same service and nsIP: update in place, flows carry on. */
	if ((semnet_instance_is6(old) ? ipv6_addr_equal(&old->nsip6, &cfg->nsip6) :
	     old->nsip == cfg->nsip) &&
	    !strcmp(old->group->name, cfg->service)) {
		ret = semnet_instance_move_port(sn, old, cfg->ifindex);
		if (ret)
			return ret;
		WRITE_ONCE(old->node_addr, cfg->node_addr);
		sn->generation++;
		return 0;
	}
	/* Otherwise it is a different instance: its flows must go. */
	ret = semnet_instance_remove(sn, old);
	if (ret)
		return ret;
	return semnet_instance_insert(sn, cfg, extack);
}

/* semnet_instance_check() for an IPv6 instance. */
static int semnet_instance_check6(struct semnet_net *sn,
				  const struct semnet_node *node,
				  const struct semnet_instance_cfg *cfg,
				  struct netlink_ext_ack *extack)
{
	const struct nlattr *addr = semnet_cfg_attr(cfg->attrs,
						    SEMNET_A_INSTANCE_ADDR6);
	const struct nlattr *nsip = semnet_cfg_attr(cfg->attrs,
						    SEMNET_A_INSTANCE_NSIP6);
	unsigned int i;

	if (!node->has_v6) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "the node has no IPv6 plan (platform6)");
		return -EAFNOSUPPORT;
	}
	if (!semnet_prefix6_contains(&node->services6, &cfg->addr6)) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "instance address outside the IPv6 service range");
		return -EINVAL;
	}
	if (semnet_service_find6(sn, &cfg->addr6)) {
		NL_SET_ERR_MSG_ATTR(extack, addr, "address is in use by a service");
		return -EEXIST;
	}
	if (!semnet_prefix6_contains(&node->platform6, &cfg->nsip6) ||
	    semnet_prefix6_contains(&node->services6, &cfg->nsip6)) {
		NL_SET_ERR_MSG_ATTR(extack, nsip,
				    "nsIP must be in the IPv6 platform range, outside the IPv6 service range");
		return -EINVAL;
	}
	for (i = 0; i < node->n_subnets6; i++) {
		const struct semnet_prefix6 *subnet = &node->subnets6[i];

		if (semnet_prefix6_contains(subnet, &cfg->nsip6) &&
		    !semnet_subnet6_is_nsip(subnet, &cfg->nsip6)) {
			NL_SET_ERR_MSG_ATTR(extack, nsip,
					    "nsIP is the first or the gateway address of a local subnet");
			return -EINVAL;
		}
	}
	return 0;
}

/* Where @cfg's addresses and bridge port may be, on @node. */
static int semnet_instance_check(struct semnet_net *sn,
				 const struct semnet_node *node,
				 const struct semnet_instance_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	struct semnet_prefix subnet;
	unsigned int i;
	int ret;

	if (cfg->family == AF_INET6) {
		ret = semnet_instance_check6(sn, node, cfg, extack);
		if (ret)
			return ret;
		goto port;
	}
	if (!semnet_prefix_contains(&node->services, cfg->addr)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg->attrs, SEMNET_A_INSTANCE_ADDR),
				    "instance address outside the service range");
		return -EINVAL;
	}
	if (semnet_service_find(sn, cfg->addr)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg->attrs, SEMNET_A_INSTANCE_ADDR),
				    "address is in use by a service");
		return -EEXIST;
	}
	if (!semnet_prefix_contains(&node->platform, cfg->nsip) ||
	    semnet_prefix_contains(&node->services, cfg->nsip)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg->attrs, SEMNET_A_INSTANCE_NSIP),
				    "nsIP must be in the platform range, outside the service range");
		return -EINVAL;
	}
	for (i = 0; i < node->n_subnets; i++) {
		subnet = node->subnets[i];
		if (semnet_prefix_contains(&subnet, cfg->nsip) &&
		    !semnet_subnet_is_nsip(&subnet, cfg->nsip)) {
			NL_SET_ERR_MSG_ATTR(extack,
					    semnet_cfg_attr(cfg->attrs, SEMNET_A_INSTANCE_NSIP),
					    "nsIP is the network, gateway or broadcast address of a local subnet");
			return -EINVAL;
		}
	}
port:
	if (cfg->ifindex) {
		struct net_device *dev;

		rcu_read_lock();
		dev = dev_get_by_index_rcu(sn->net, cfg->ifindex);
		rcu_read_unlock();
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack,
					    semnet_cfg_attr(cfg->attrs, SEMNET_A_INSTANCE_IFINDEX),
					    "no such device");
			return -ENODEV;
		}
	}
	return 0;
}

int semnet_instance_configure(struct semnet_net *sn,
			      const struct semnet_instance_cfg *req,
			      enum semnet_add_mode mode,
			      struct netlink_ext_ack *extack)
{
	struct semnet_instance_cfg cfg = *req;
	const struct semnet_instance *old;
	const struct semnet_node *node;
	int ret;

	semnet_assert_locked(sn);
	node = semnet_node_required(sn, extack);
	if (!node)
		return -ENODATA;
	/* A change may leave out what stays; a new instance needs it all. */
	old = cfg.family == AF_INET6 ? semnet_instance_find6(sn, &cfg.addr6) :
	      semnet_instance_find(sn, cfg.addr);
	if (old) {
		if (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_SERVICE))
			cfg.service = old->group->name;
		if (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_NSIP) &&
		    !semnet_cfg_has(req->given, SEMNET_A_INSTANCE_NSIP6))
			cfg.nsip6 = old->nsip6;	/* the whole union */
		if (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_NODE))
			cfg.node_addr = old->node_addr;
		if (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_IFINDEX))
			cfg.ifindex = old->ifindex;
	} else if (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_SERVICE) ||
		   (!semnet_cfg_has(req->given, SEMNET_A_INSTANCE_NSIP) &&
		    !semnet_cfg_has(req->given, SEMNET_A_INSTANCE_NSIP6))) {
		NL_SET_ERR_MSG(extack, "a new instance needs a service name and an nsIP");
		return -EINVAL;
	}
	if (semnet_cfg_has(req->given, SEMNET_A_INSTANCE_SERVICE) &&
	    !*cfg.service) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg.attrs, SEMNET_A_INSTANCE_SERVICE),
				    "service name is empty");
		return -EINVAL;
	}
	ret = semnet_instance_check(sn, node, &cfg, extack);
	if (ret)
		return ret;
	return semnet_instance_add(sn, &cfg, mode, extack);
}

int semnet_instance_del_key(struct semnet_net *sn,
			    const struct semnet_inaddr *key,
			    struct netlink_ext_ack *extack)
{
	struct semnet_instance *inst;

	semnet_assert_locked(sn);
	inst = semnet_instance_find_key(sn, key);
	if (!inst) {
		NL_SET_ERR_MSG(extack, "no instance with this address");
		return -ENOENT;
	}
	return semnet_instance_remove(sn, inst);
}

/* A flush's filter: every instance, or those of one name (both families). */
struct semnet_instance_filter {
	const struct semnet_group *group[2];
};

static bool semnet_instance_filtered(const struct semnet_instance *inst,
				     const struct semnet_instance_filter *f)
{
	return !f || inst->group == f->group[0] || inst->group == f->group[1];
}

static bool semnet_flow_has_instance(const struct semnet_flow *flow,
				     const void *filter)
{
	return flow->inst && semnet_instance_filtered(flow->inst, filter);
}

void semnet_instance_flush(struct semnet_net *sn, const char *service)
{
	struct semnet_instance_filter filter, *f = NULL;
	struct semnet_instance *inst, *tmp;
	LIST_HEAD(dead);

	semnet_assert_locked(sn);
	if (service) {
		filter.group[0] = semnet_group_lookup_family(sn, service, AF_INET);
		filter.group[1] = semnet_group_lookup_family(sn, service, AF_INET6);
		if (!filter.group[0] && !filter.group[1])
			return;
		f = &filter;
	}
	list_for_each_entry_safe(inst, tmp, &sn->instance_list, list) {
		if (!semnet_instance_filtered(inst, f))
			continue;
		semnet_instance_unlink(sn, inst);
		list_add(&inst->list, &dead);
		/* Every instance of the group goes: its set becomes empty. */
		if (!inst->group->n_instances)
			semnet_iset_commit(sn, inst->group, NULL);
	}
	semnet_flow_purge(sn, semnet_flow_has_instance, f);
	list_for_each_entry_safe(inst, tmp, &dead, list)
		semnet_instance_release(sn, inst);
}

void semnet_instance_relocate(struct semnet_net *sn)
{
	struct semnet_instance *inst;

	semnet_assert_locked(sn);
	list_for_each_entry(inst, &sn->instance_list, list) {
		bool local = semnet_instance_wants_local(sn, inst->family,
							 inst->nsip,
							 &inst->nsip6);

		if (local == inst->local)
			continue;
		if (inst->local) {
			semnet_instance_unhash_local(sn, inst);
			if (inst->port)
				semnet_port_put(sn, inst->ifindex);
			inst->port = false;
		} else if (semnet_instance_hash_local(sn, inst)) {
			continue;	/* nsIP taken: stays remote */
		} else if (inst->ifindex) {
			/*
			 * No memory for its port: it stays local without
			 * one, and a routed node drops what it sends until
			 * the instance is set again.
			 */
			inst->port = !semnet_port_get(sn, inst->ifindex);
			if (!inst->port && semnet_instance_is6(inst))
				net_warn_ratelimited("semnet: no memory for the port of nsIP %pI6c\n",
						     &inst->nsip6);
			else if (!inst->port)
				net_warn_ratelimited("semnet: no memory for the port of nsIP %pI4\n",
						     &inst->nsip);
		}
		WRITE_ONCE(inst->local, local);
	}
	sn->generation++;
	/* Local instances cost 0; the others are the peers' again. */
	semnet_instance_peers_changed(sn, NULL);
}

struct semnet_instance *
semnet_instance_lookup6(struct semnet_net *sn, const struct in6_addr *addr)
{
	return rhashtable_lookup(&sn->instances6, addr,
				 semnet_instance6_params);
}

struct semnet_instance *
semnet_local_lookup6(struct semnet_net *sn, const struct in6_addr *nsip)
{
	return rhashtable_lookup(&sn->local6, nsip, semnet_local6_params);
}

/*
 * This CPU's slot for @key (by nsIP: the local table's, else the
 * instances') when the cache may be used, its generation in *@gen, read
 * before the lookup that fills it; else NULL.
 */
static struct semnet_inst_slot *semnet_inst_slot(struct semnet_net *sn,
						 bool by_nsip, __be32 key,
						 unsigned long *gen)
{
	struct semnet_inst_cache *c;
	unsigned int i;

	if (!semnet_pcpu_cache_usable())
		return NULL;
	/* Pairs with semnet_instances_changed(): then the lookup. */
	*gen = smp_load_acquire(&sn->inst_gen);
	c = this_cpu_ptr(sn->inst_cache);
	i = hash_32((__force u32)key, SEMNET_INST_CACHE_BITS);
	return by_nsip ? &c->by_nsip[i] : &c->by_addr[i];
}

struct semnet_instance *
semnet_instance_lookup(struct semnet_net *sn, __be32 addr)
{
	struct semnet_inst_slot *e;
	unsigned long gen;

	e = semnet_inst_slot(sn, false, addr, &gen);
	if (!e)
		return rhashtable_lookup(&sn->instances, &addr,
					 semnet_instance_params);
	if (e->gen != gen || e->key != addr) {
		e->inst = rhashtable_lookup(&sn->instances, &addr,
					    semnet_instance_params);
		e->key = addr;
		e->gen = gen;
	}
	return e->inst;
}

struct semnet_instance *
semnet_local_lookup(struct semnet_net *sn, __be32 nsip)
{
	struct semnet_inst_slot *e;
	unsigned long gen;

	e = semnet_inst_slot(sn, true, nsip, &gen);
	if (!e)
		return rhashtable_lookup(&sn->local, &nsip, semnet_local_params);
	if (e->gen != gen || e->key != nsip) {
		e->inst = rhashtable_lookup(&sn->local, &nsip,
					    semnet_local_params);
		e->key = nsip;
		e->gen = gen;
	}
	return e->inst;
}
