// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace lifetime of semnet's state.
 */
#include <linux/rhashtable.h>

#include "bridge.h"
#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "learn.h"
#include "node.h"
#include "peer.h"
#include "service.h"

unsigned int semnet_net_id __read_mostly;

void semnet_stats_sum(struct semnet_net *sn, struct semnet_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct semnet_stats *s = per_cpu_ptr(sn->stats, cpu);

		sum->packets += READ_ONCE(s->packets);
		sum->flows_created += READ_ONCE(s->flows_created);
		sum->flows_expired += READ_ONCE(s->flows_expired);
		sum->port_remaps += READ_ONCE(s->port_remaps);
		sum->misses += READ_ONCE(s->misses);
		sum->miss_events += READ_ONCE(s->miss_events);
		sum->released += READ_ONCE(s->released);
		sum->closest_purged += READ_ONCE(s->closest_purged);
		sum->early_drops += READ_ONCE(s->early_drops);
		sum->miss_evicted += READ_ONCE(s->miss_evicted);
		sum->forwarded += READ_ONCE(s->forwarded);
		for (i = 0; i <= SEMNET_DROP_MAX; i++)
			sum->drops[i] += READ_ONCE(s->drops[i]);
	}
}

/* Sets up an empty state for @net; the KUnit suites use it directly. */
int semnet_state_init(struct semnet_net *sn, struct net *net)
{
	int ret;

	sn->net = net;
	mutex_init(&sn->lock);
	INIT_LIST_HEAD(&sn->service_list);
	INIT_LIST_HEAD(&sn->instance_list);
	xa_init_flags(&sn->ports, XA_FLAGS_ACCOUNT);
	sn->stats = alloc_percpu_gfp(struct semnet_stats, GFP_KERNEL_ACCOUNT);
	if (!sn->stats)
		return -ENOMEM;
	/* Cached entries hold generation 0: never current. */
	sn->peer_gen = 1;
	sn->peer_cache = alloc_percpu_gfp(struct semnet_peer_cache,
					  GFP_KERNEL_ACCOUNT);
	sn->inst_gen = 1;
	sn->inst_cache = alloc_percpu_gfp(struct semnet_inst_cache,
					  GFP_KERNEL_ACCOUNT);
	if (!sn->peer_cache || !sn->inst_cache) {
		free_percpu(sn->inst_cache);
		free_percpu(sn->peer_cache);
		free_percpu(sn->stats);
		return -ENOMEM;
	}
	ret = rhashtable_init(&sn->services, &semnet_service_params);
	if (ret)
		goto err_stats;
	ret = rhashtable_init(&sn->groups, &semnet_group_params);
	if (ret)
		goto err_services;
	ret = rhashtable_init(&sn->instances, &semnet_instance_params);
	if (ret)
		goto err_groups;
	ret = rhashtable_init(&sn->local, &semnet_local_params);
	if (ret)
		goto err_instances;
	ret = rhashtable_init(&sn->services6, &semnet_service6_params);
	if (ret)
		goto err_local;
	ret = rhashtable_init(&sn->instances6, &semnet_instance6_params);
	if (ret)
		goto err_services6;
	ret = rhashtable_init(&sn->local6, &semnet_local6_params);
	if (ret)
		goto err_instances6;
	INIT_LIST_HEAD(&sn->peer_list);
	INIT_LIST_HEAD(&sn->direct_peers);
	ret = rhashtable_init(&sn->peers, &semnet_peer_params);
	if (ret)
		goto err_local6;
	ret = rhashtable_init(&sn->peers6, &semnet_peer6_params);
	if (ret)
		goto err_peers;
	ret = rhltable_init(&sn->peer_addrs, &semnet_peer_addr_params);
	if (ret)
		goto err_peers6;
	ret = rhltable_init(&sn->peer_addrs6, &semnet_peer_addr6_params);
	if (ret)
		goto err_peer_addrs;
	ret = semnet_learn_init(sn);
	if (ret)
		goto err_peer_addrs6;
	ret = semnet_flow_table_init(sn);
	if (ret)
		goto err_learn;
	ret = semnet_miss_init(sn);
	if (ret)
		goto err_flows;
	return 0;

err_flows:
	semnet_flow_table_destroy(sn);
err_learn:
	semnet_learn_destroy(sn);
err_peer_addrs6:
	rhltable_destroy(&sn->peer_addrs6);
err_peer_addrs:
	rhltable_destroy(&sn->peer_addrs);
err_peers6:
	rhashtable_destroy(&sn->peers6);
err_peers:
	rhashtable_destroy(&sn->peers);
err_local6:
	rhashtable_destroy(&sn->local6);
err_instances6:
	rhashtable_destroy(&sn->instances6);
err_services6:
	rhashtable_destroy(&sn->services6);
err_local:
	rhashtable_destroy(&sn->local);
err_instances:
	rhashtable_destroy(&sn->instances);
err_groups:
	rhashtable_destroy(&sn->groups);
err_services:
	rhashtable_destroy(&sn->services);
err_stats:
	free_percpu(sn->inst_cache);
	free_percpu(sn->peer_cache);
	free_percpu(sn->stats);
	return ret;
}

/*
 * First step of a namespace's (or the module's) end: no new packet enters
 * the hooks or charges the cgroup. The caller then waits one grace period
 * for every namespace going at once, before semnet_state_destroy().
 */
static struct mem_cgroup *semnet_state_quiesce(struct semnet_net *sn)
{
	struct mem_cgroup *memcg;

	mutex_lock(&sn->lock);
	memcg = semnet_node_quiesce(sn);
	mutex_unlock(&sn->lock);
	return memcg;
}

/*
 * After semnet_state_quiesce() and a grace period: no reader is left.
 * Objects freed earlier may still wait in call_rcu; none of their
 * callbacks touches @sn, so there is nothing to wait for here (the module
 * waits for them once, at its exit).
 */
void semnet_state_destroy(struct semnet_net *sn)
{
	mutex_lock(&sn->lock);
	semnet_node_del(sn);
	mutex_unlock(&sn->lock);

	semnet_miss_destroy(sn);
	semnet_flow_table_destroy(sn);
	semnet_learn_destroy(sn);
	rhltable_destroy(&sn->peer_addrs6);
	rhltable_destroy(&sn->peer_addrs);
	rhashtable_destroy(&sn->peers6);
	rhashtable_destroy(&sn->peers);
	rhashtable_destroy(&sn->local6);
	rhashtable_destroy(&sn->instances6);
	rhashtable_destroy(&sn->services6);
	rhashtable_destroy(&sn->local);
	rhashtable_destroy(&sn->instances);
	rhashtable_destroy(&sn->groups);
	rhashtable_destroy(&sn->services);
	/* Empty once the instances are gone: this frees nothing but nodes. */
	WARN_ON_ONCE(!xa_empty(&sn->ports));
	xa_destroy(&sn->ports);
	free_percpu(sn->inst_cache);
	free_percpu(sn->peer_cache);
	free_percpu(sn->stats);
	mutex_destroy(&sn->lock);
}

static int __net_init semnet_net_init(struct net *net)
{
	return semnet_state_init(semnet_pernet(net), net);
}

/* The core waits one grace period after every pre_exit of a batch. */
static void __net_exit semnet_net_pre_exit(struct net *net)
{
	struct semnet_net *sn = semnet_pernet(net);

	sn->dying_memcg = semnet_state_quiesce(sn);
}

static void __net_exit semnet_net_exit(struct net *net)
{
	struct semnet_net *sn = semnet_pernet(net);

	if (sn->dying_memcg)
		mem_cgroup_put(sn->dying_memcg);
	semnet_state_destroy(sn);
}

static struct pernet_operations semnet_net_ops = {
	.init = semnet_net_init,
	.pre_exit = semnet_net_pre_exit,
	.exit = semnet_net_exit,
	.id = &semnet_net_id,
	.size = sizeof(struct semnet_net),
};

int __init semnet_netns_init(void)
{
	int ret;

	ret = register_pernet_subsys(&semnet_net_ops);
	if (ret)
		return ret;
	/* After the state it reads, which every namespace now has. */
	ret = semnet_port_notifier_init();
	if (ret)
		unregister_pernet_subsys(&semnet_net_ops);
	return ret;
}

void semnet_netns_exit(void)
{
	semnet_port_notifier_exit();
	unregister_pernet_subsys(&semnet_net_ops);
}
