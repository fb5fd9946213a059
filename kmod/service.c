// SPDX-License-Identifier: GPL-2.0
/*
 * Services (ServiceIPs) and the groups (service names) whose instances
 * they balance over. Writers hold the netns lock; the packet path reads
 * under RCU.
 */
#include <linux/jhash.h>
#include <linux/overflow.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "policy.h"
#include "service.h"

/* Most services and instances a namespace may hold. */
#define SEMNET_SERVICES_MAX	(1U << 20)

/* What groups are looked up by: a name and a family. */
struct semnet_group_key {
	const char *name;
	u8 family;
};

/*
 * Names are hashed and compared up to their NUL, not over the whole
 * buffer: a name is typically a tenth of SEMNET_NAME_MAX, and every
 * instance add looks its name up.
 */
static u32 semnet_group_name_hash(const char *name, u8 family, u32 seed)
{
	return jhash(name, strnlen(name, SEMNET_NAME_MAX), seed ^ family);
}

static u32 semnet_group_hash(const void *data, u32 len, u32 seed)
{
	const struct semnet_group_key *key = data;

	return semnet_group_name_hash(key->name, key->family, seed);
}

static u32 semnet_group_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct semnet_group *group = data;

	return semnet_group_name_hash(group->name, group->family, seed);
}

static int semnet_group_cmp(struct rhashtable_compare_arg *arg,
			    const void *obj)
{
	const struct semnet_group_key *key = arg->key;
	const struct semnet_group *group = obj;

	return key->family != group->family ||
	       strncmp(key->name, group->name, SEMNET_NAME_MAX);
}

const struct rhashtable_params semnet_group_params = {
	.head_offset = offsetof(struct semnet_group, node),
	.key_offset = offsetof(struct semnet_group, name),
	.key_len = SEMNET_NAME_MAX,
	.hashfn = semnet_group_hash,
	.obj_hashfn = semnet_group_obj_hash,
	.obj_cmpfn = semnet_group_cmp,
	.automatic_shrinking = true,
};

struct semnet_group *semnet_group_lookup_family(struct semnet_net *sn,
						const char *name, u8 family)
{
	struct semnet_group_key key = { .name = name, .family = family };

	return rhashtable_lookup_fast(&sn->groups, &key, semnet_group_params);
}

/*
 * Finds or creates the group of @name's @family instances and takes a
 * user reference on it.
 */
struct semnet_group *semnet_group_get(struct semnet_net *sn, const char *name,
				      u8 family, struct netlink_ext_ack *extack)
{
	struct semnet_group *group;
	int ret;

	semnet_assert_locked(sn);
	group = semnet_group_lookup_family(sn, name, family);
	if (group) {
		group->users++;
		return group;
	}
	group = kzalloc(sizeof(*group), GFP_KERNEL_ACCOUNT);
	if (!group)
		return ERR_PTR(-ENOMEM);
	strscpy(group->name, name, sizeof(group->name));
	group->family = family;
	INIT_LIST_HEAD(&group->instances);
	group->users = 1;
	refcount_set(&group->ref, 1);
	ret = rhashtable_insert_fast(&sn->groups, &group->node,
				     semnet_group_params);
	if (ret) {
		kfree(group);
		NL_SET_ERR_MSG(extack, "cannot index the service name");
		return ERR_PTR(ret);
	}
	return group;
}

void semnet_group_put(struct semnet_net *sn, struct semnet_group *group)
{
	semnet_assert_locked(sn);
	if (--group->users)
		return;
	WARN_ON(!list_empty(&group->instances));
	rhashtable_remove_fast(&sn->groups, &group->node, semnet_group_params);
	/* An empty group has no instance set left to free. */
	WARN_ON(rcu_access_pointer(group->iset));
	semnet_group_unref(group);
}

void semnet_group_unref(struct semnet_group *group)
{
	/* Readers of the name table or of a stale flow may still look. */
	if (refcount_dec_and_test(&group->ref))
		kfree_rcu(group, rcu);
}

void semnet_service_put(struct semnet_service *svc)
{
	if (refcount_dec_and_test(&svc->ref)) {
		semnet_group_unref(svc->group);
		kfree_rcu(svc, rcu);
	}
}

/*
 * Instance sets change in two steps so that a failed allocation never
 * leaves a half-made change: _prepare allocates for the coming size before
 * the caller touches the list, _commit fills and publishes after it.
 */
struct semnet_iset *semnet_iset_alloc_cap(u32 cap, bool mh)
{
	u32 mh_size = mh ? semnet_mh_size(cap) : 0;
	struct semnet_iset *iset;
	size_t size;

	size = struct_size(iset, inst, cap);
	if (check_add_overflow(size, (size_t)mh_size * sizeof(u16), &size))
		return NULL;
	iset = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!iset)
		return NULL;
	iset->cap = cap;
	/* The mh policy's table follows inst[] (policy_mh.c). */
	if (mh_size && semnet_mh_prepare(iset, cap, mh_size)) {
		kvfree(iset);
		return NULL;
	}
	return iset;
}

struct semnet_iset *semnet_iset_alloc(u32 count)
{
	return semnet_iset_alloc_cap(count, true);
}

void semnet_iset_free(struct semnet_iset *iset)
{
	if (!iset)
		return;
	kvfree(iset->mh_scratch);
	kvfree(iset);
}

void semnet_iset_finish(struct semnet_iset *iset)
{
	semnet_mh_build(iset);
}

int semnet_iset_prepare(struct semnet_group *group, u32 count,
			struct semnet_iset **new)
{
	*new = NULL;
	if (!count)
		return 0;
	*new = semnet_iset_alloc_cap(count, group->mh_users);
	return *new ? 0 : -ENOMEM;
}

void semnet_iset_commit(struct semnet_net *sn, struct semnet_group *group,
			struct semnet_iset *new)
{
	struct semnet_instance *inst;
	struct semnet_iset *old;
	u32 i = 0;

	semnet_assert_locked(sn);
	if (new) {
		list_for_each_entry(inst, &group->instances, group_list) {
			if (WARN_ON(i == new->cap))
				break;
			new->inst[i++] = inst;
		}
		new->count = i;
		/*
		 * A batch's set may have room for more than it holds: its
		 * table (sized for the room) is used at the count's size.
		 */
		if (new->mh) {
			new->mh_size = semnet_mh_size(i);
			if (!new->mh_size) {
				kvfree(new->mh_scratch);
				new->mh_scratch = NULL;
			}
		}
		semnet_iset_finish(new);
	}
	WARN_ON(i != group->n_instances);
	old = rcu_replace_pointer(group->iset, new, lockdep_is_held(&sn->lock));
	if (old)
		kvfree_rcu(old, rcu);	/* its scratch is gone since _finish */
}

int semnet_batch_reserve(struct semnet_batch *batch, struct semnet_group *group)
{
	u32 need = group->n_instances + 1, cap;
	struct semnet_iset *iset;

	if (group->pending && group->pending->cap >= need)
		return 0;
	/* Doubling: a batch of n adds to one name allocates O(log n) times. */
	cap = max(need + 15, 2 * need);
	/* A set small enough for a table must not lose it to the room. */
	if (group->mh_users && need <= SEMNET_MH_MAX_INSTANCES)
		cap = min_t(u32, cap, SEMNET_MH_MAX_INSTANCES);
	iset = semnet_iset_alloc_cap(cap, group->mh_users);
	if (!iset)
		return -ENOMEM;
	if (group->pending) {
		semnet_iset_free(group->pending);
	} else {
		/* Kept alive even if the batch removes its last user. */
		refcount_inc(&group->ref);
		list_add_tail(&group->batch_node, &batch->groups);
	}
	group->pending = iset;
	return 0;
}

void semnet_batch_commit(struct semnet_net *sn, struct semnet_batch *batch)
{
	struct semnet_group *group, *tmp;
	struct semnet_iset *iset, *exact;

	semnet_assert_locked(sn);
	list_for_each_entry_safe(group, tmp, &batch->groups, batch_node) {
		list_del(&group->batch_node);
		iset = group->pending;
		group->pending = NULL;
		/*
		 * Removals in the batch published sets of their own; a name
		 * left without instances (or users) needs none.
		 */
		if (!group->n_instances) {
			semnet_iset_free(iset);
			semnet_group_unref(group);
			continue;
		}
		/* Give back the room when it is much more than the set. */
		if (iset->cap - group->n_instances > group->n_instances / 4) {
			exact = semnet_iset_alloc_cap(group->n_instances,
						      group->mh_users);
			if (exact) {
				semnet_iset_free(iset);
				iset = exact;
			}
		}
		semnet_iset_commit(sn, group, iset);
		semnet_group_unref(group);
		cond_resched();
	}
}

/*
 * A service with the mh policy joins @group: its set gets a Maglev table
 * now if it has none (-ENOMEM: nothing changed).
 */
static int semnet_group_mh_get(struct semnet_net *sn,
			       struct semnet_group *group)
{
	struct semnet_iset *iset, *new;
	int ret;

	semnet_assert_locked(sn);
	if (group->mh_users++)
		return 0;
	iset = rcu_dereference_protected(group->iset, lockdep_is_held(&sn->lock));
	if (!iset || iset->mh_size || !semnet_mh_size(group->n_instances))
		return 0;
	ret = semnet_iset_prepare(group, group->n_instances, &new);
	if (ret) {
		group->mh_users--;
		return ret;
	}
	semnet_iset_commit(sn, group, new);
	return 0;
}

/* The table stays until the set is next rebuilt: nothing to free now. */
static void semnet_group_mh_put(const struct semnet_service *svc)
{
	if (svc->policy == &semnet_policy_mh)
		svc->group->mh_users--;
}

static bool semnet_flow_of_service(const struct semnet_flow *flow,
				   const void *svc)
{
	return flow->svc == svc;
}

int semnet_service_configure(struct semnet_net *sn,
			     const struct semnet_service_cfg *cfg,
			     enum semnet_add_mode mode,
			     struct netlink_ext_ack *extack)
{
	const struct semnet_policy *policy = NULL;
	const struct semnet_node *node;
	struct semnet_inaddr key;

	semnet_assert_locked(sn);
	if (cfg->name && !*cfg->name) {
		NL_SET_ERR_MSG_ATTR(extack,
				    semnet_cfg_attr(cfg->attrs, SEMNET_A_SERVICE_NAME),
				    "service name is empty");
		return -EINVAL;
	}
	if (cfg->policy) {
		policy = semnet_policy_get(cfg->policy,
					   semnet_cfg_attr(cfg->attrs, SEMNET_A_SERVICE_POLICY),
					   extack);
		if (!policy)
			return -EINVAL;
	}
	node = semnet_node_required(sn, extack);
	if (!node)
		return -ENODATA;
	if (cfg->family == AF_INET6) {
		const struct nlattr *attr = semnet_cfg_attr(cfg->attrs,
							    SEMNET_A_SERVICE_ADDR6);

		if (!node->has_v6) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "the node has no IPv6 plan (platform6)");
			return -EAFNOSUPPORT;
		}
		if (!semnet_prefix6_contains(&node->services6, &cfg->addr6)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "service address outside the IPv6 service range");
			return -EINVAL;
		}
		if (semnet_instance_find6(sn, &cfg->addr6)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "address is in use by an instance");
			return -EEXIST;
		}
	} else {
		const struct nlattr *attr = semnet_cfg_attr(cfg->attrs,
							    SEMNET_A_SERVICE_ADDR);

		if (!semnet_prefix_contains(&node->services, cfg->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "service address outside the service range");
			return -EINVAL;
		}
		if (semnet_instance_find(sn, cfg->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "address is in use by an instance");
			return -EEXIST;
		}
	}
	key = cfg->family == AF_INET6 ? semnet_inaddr6(&cfg->addr6) :
				      semnet_inaddr4(cfg->addr);
	return semnet_service_add_key(sn, &key, cfg->name, policy, mode,
				      extack);
}

int semnet_service_add_key(struct semnet_net *sn,
			   const struct semnet_inaddr *key, const char *name,
			   const struct semnet_policy *policy,
			   enum semnet_add_mode mode,
			   struct netlink_ext_ack *extack)
{
	struct semnet_service *svc, *old;
	struct semnet_group *group;
	int ret;

	semnet_assert_locked(sn);
	old = semnet_service_find_key(sn, key);
	ret = semnet_add_allowed(mode, old);
	if (ret == -EEXIST) {
		NL_SET_ERR_MSG(extack, "service address already exists");
		return ret;
	}
	if (ret) {
		/* NLM_F_REPLACE alone edits an existing service. */
		NL_SET_ERR_MSG(extack, "no service with this address");
		return ret;
	}
	if (!old && sn->n_services >= SEMNET_SERVICES_MAX) {
		NL_SET_ERR_MSG(extack, "too many services in this namespace");
		return -ENOSPC;
	}
	if (!name && old)
		name = old->group->name;
	if (!name) {
		NL_SET_ERR_MSG(extack, "a new service needs a name");
		return -EINVAL;
	}
	if (!policy)
		policy = old ? old->policy : &semnet_policy_rr;

	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return -ENOMEM;
	group = semnet_group_get(sn, name, key->family, extack);
	if (IS_ERR(group)) {
		kfree(svc);
		return PTR_ERR(group);
	}
	if (policy == &semnet_policy_mh) {
		ret = semnet_group_mh_get(sn, group);
		if (ret) {
			semnet_group_put(sn, group);
			kfree(svc);
			return ret;
		}
	}
	if (key->family == AF_INET6)
		svc->addr6 = key->ip6;
	else
		svc->addr = key->ip;
	svc->family = key->family;
	svc->group = group;
	refcount_inc(&group->ref);
	refcount_set(&svc->ref, 1);
	svc->policy = policy;

	if (old) {
		/* A new object in place of the old: readers see one or the other. */
		ret = key->family == AF_INET6 ?
		      rhashtable_replace_fast(&sn->services6, &old->node,
					      &svc->node, semnet_service6_params) :
		      rhashtable_replace_fast(&sn->services, &old->node,
					      &svc->node, semnet_service_params);
		if (ret)
			goto err;
		list_replace(&old->list, &svc->list);
		atomic64_set(&svc->counters.packets,
			     atomic64_read(&old->counters.packets));
		atomic64_set(&svc->counters.bytes,
			     atomic64_read(&old->counters.bytes));
		atomic64_set(&svc->counters.flows,
			     atomic64_read(&old->counters.flows));
		/* Flows picked by the old policy or name go with it. */
		WRITE_ONCE(old->dead, true);
		semnet_flow_purge(sn, semnet_flow_of_service, old);
		semnet_group_mh_put(old);
		semnet_group_put(sn, old->group);
		semnet_service_put(old);
	} else {
		ret = key->family == AF_INET6 ?
		      rhashtable_insert_fast(&sn->services6, &svc->node,
					     semnet_service6_params) :
		      rhashtable_insert_fast(&sn->services, &svc->node,
					     semnet_service_params);
		if (ret)
			goto err;
		list_add_tail(&svc->list, &sn->service_list);
		sn->n_services++;
	}
	sn->generation++;
	return 0;
err:
	semnet_group_mh_put(svc);
	semnet_group_put(sn, group);
	semnet_group_unref(group);
	kfree(svc);
	return ret;
}

/* Unpublishes @svc; the caller purges its flows, then calls _release. */
static void semnet_service_unlink(struct semnet_net *sn,
				  struct semnet_service *svc)
{
	if (svc->family == AF_INET6)
		rhashtable_remove_fast(&sn->services6, &svc->node,
				       semnet_service6_params);
	else
		rhashtable_remove_fast(&sn->services, &svc->node,
				       semnet_service_params);
	/* From here on no lookup uses its flows, whatever the purge finds. */
	WRITE_ONCE(svc->dead, true);
	list_del(&svc->list);
	sn->n_services--;
	sn->generation++;
}

static void semnet_service_release(struct semnet_net *sn,
				   struct semnet_service *svc)
{
	semnet_group_mh_put(svc);
	semnet_group_put(sn, svc->group);
	semnet_service_put(svc);
}

int semnet_service_del_key(struct semnet_net *sn,
			   const struct semnet_inaddr *key,
			   struct netlink_ext_ack *extack)
{
	struct semnet_service *svc;

	semnet_assert_locked(sn);
	svc = semnet_service_find_key(sn, key);
	if (!svc) {
		NL_SET_ERR_MSG(extack, "no service with this address");
		return -ENOENT;
	}
	semnet_service_unlink(sn, svc);
	/* A flow a packet still makes to @svc is taken back: no waiting. */
	semnet_flow_purge(sn, semnet_flow_of_service, svc);
	semnet_service_release(sn, svc);
	return 0;
}

static bool semnet_flow_has_service(const struct semnet_flow *flow,
				    const void *arg)
{
	return flow->svc;
}

void semnet_service_flush(struct semnet_net *sn)
{
	struct semnet_service *svc, *tmp;
	LIST_HEAD(dead);

	semnet_assert_locked(sn);
	list_for_each_entry_safe(svc, tmp, &sn->service_list, list) {
		semnet_service_unlink(sn, svc);
		list_add(&svc->list, &dead);
	}
	semnet_flow_purge(sn, semnet_flow_has_service, NULL);
	list_for_each_entry_safe(svc, tmp, &dead, list)
		semnet_service_release(sn, svc);
}

struct semnet_service *
semnet_service_lookup(struct semnet_net *sn, __be32 addr)
{
	return rhashtable_lookup(&sn->services, &addr, semnet_service_params);
}

struct semnet_service *
semnet_service_lookup6(struct semnet_net *sn, const struct in6_addr *addr)
{
	return rhashtable_lookup(&sn->services6, addr, semnet_service6_params);
}
