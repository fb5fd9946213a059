// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace lifetime of semnet's state.
 */
#include "netns.h"

unsigned int semnet_net_id __read_mostly;

static int __net_init semnet_net_init(struct net *net)
{
	struct semnet_net *sn = semnet_pernet(net);

	sn->net = net;
	mutex_init(&sn->lock);
	return 0;
}

static void __net_exit semnet_net_exit(struct net *net)
{
	struct semnet_net *sn = semnet_pernet(net);

	mutex_destroy(&sn->lock);
}

static struct pernet_operations semnet_net_ops = {
	.init = semnet_net_init,
	.exit = semnet_net_exit,
	.id = &semnet_net_id,
	.size = sizeof(struct semnet_net),
};

int __init semnet_netns_init(void)
{
	return register_pernet_subsys(&semnet_net_ops);
}

void semnet_netns_exit(void)
{
	unregister_pernet_subsys(&semnet_net_ops);
}
