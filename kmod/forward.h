/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_FORWARD_H
#define _SEMNET_FORWARD_H

#include <linux/netfilter.h>

struct semnet_net;
struct semnet_pkt;
struct semnet_pkt6;
struct semnet_ftuple;
struct semnet_ftuple6;
struct sk_buff;

/*
 * Forwards a packet semnet has just translated at PRE_ROUTING (@t: the
 * PRE tuple it matched) the rest of the way itself: the route, the
 * source rewrite of the POST tuple and the neighbour output, as
 * ip_forward() and ip_output() would, without their hooks, when the only
 * hooks it would skip ignore untracked packets (forward.c). NF_STOLEN:
 * sent (or dropped and counted); NF_ACCEPT: the stack goes on with it, with
 * the route found, if any.
 */
unsigned int semnet_forward4(struct semnet_net *sn, struct sk_buff *skb,
			     const struct semnet_pkt *pkt,
			     struct semnet_ftuple *t, nf_hookfn *own);
unsigned int semnet_forward6(struct semnet_net *sn, struct sk_buff *skb,
			     const struct semnet_pkt6 *pkt,
			     struct semnet_ftuple6 *t, nf_hookfn *own);

#endif /* _SEMNET_FORWARD_H */
