/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_NETNS_H
#define _SEMNET_NETNS_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * All of semnet's state lives here, one instance per network namespace, so
 * one kernel can host several semnet nodes (and every test does).
 */
struct semnet_net {
	struct net *net;
	/* Serialises every configuration change in this namespace. */
	struct mutex lock;
};

extern unsigned int semnet_net_id;

static inline struct semnet_net *semnet_pernet(const struct net *net)
{
	return net_generic(net, semnet_net_id);
}

int semnet_netns_init(void);
void semnet_netns_exit(void);

#endif /* _SEMNET_NETNS_H */
