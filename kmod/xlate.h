/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_XLATE_H
#define _SEMNET_XLATE_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <uapi/linux/netfilter/nf_conntrack_common.h>
#include <uapi/linux/semnet.h>

#include "flow.h"

struct semnet_flow;
struct semnet_instance;
struct semnet_net;
struct semnet_node;
struct semnet_service;
struct sk_buff;

/* Turns the datapath of @sn's namespace on (its hooks) or off. */
int semnet_xlate_register(struct semnet_net *sn);
void semnet_xlate_unregister(struct semnet_net *sn);

/*
 * Sends on a packet held at a miss: semnet's hook of its family again
 * (the tables now know its address), then the hooks after it and the
 * stack, as if it had never stopped. Consumes @skb. Process context.
 */
void semnet_xlate_resume(struct sk_buff *skb, struct nf_hook_state *state);

/* What both families' hooks share (xlate.c, xlate6.c). */

/*
 * Keeps conntrack off a packet semnet translates (or carries). Inline,
 * as semnet_stage_of(): both run for every packet at every hook.
 */
static inline void semnet_untrack(struct sk_buff *skb)
{
	if (!skb_get_nfct(skb))
		skb_set_nfct(skb, IP_CT_UNTRACKED);
}

/* SEMNET_STAGE_PRE at PRE_ROUTING and LOCAL_OUT, else SEMNET_STAGE_POST. */
static inline u8 semnet_stage_of(unsigned int hook)
{
	return hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT ?
	       SEMNET_STAGE_PRE : SEMNET_STAGE_POST;
}
/*
 * Counts a packet of @flow, once, at its PRE lookup: the flow's state and
 * clock, the namespace's packets, the service's and instance's counters.
 */
void semnet_count(struct semnet_net *sn, const struct semnet_node *node,
		  struct semnet_flow *flow, unsigned int len, bool reply,
		  bool syn, bool fin, bool rst);
/* Why a packet is dropped when its flow could not be made (-errno). */
enum semnet_drop_reason semnet_flow_create_reason(long err);
/* A new flow to @svc (may be NULL) and @inst (may be NULL) is counted. */
void semnet_flow_started(struct semnet_service *svc,
			 struct semnet_instance *inst);

struct semnet_inaddr;
/*
 * Where the remote client @addr (an InstanceIP, either family) lives, in
 * *@nsip: the nsIP learned from a GRE key, else that of a remote instance
 * this node was told about (a direct link carries no key). RCU.
 */
bool semnet_client_nsip(struct semnet_net *sn, const struct semnet_inaddr *addr,
			struct semnet_inaddr *nsip);

/* The IPv6 hooks (xlate6.c), in the same order as semnet_hook_ops'. */
unsigned int semnet_ipv6_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state);

#endif /* _SEMNET_XLATE_H */
