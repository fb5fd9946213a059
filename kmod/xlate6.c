// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 hooks: the IPv4 translation (xlate.c) for a node with an IPv6
 * plan, at the same places (destination before routing, source after it)
 * with the same flows, policies and counters. A flow stays in its family.
 *
 * Not yet for IPv6 (they come with the IPv6 tunnel and misses): traffic
 * through semnet0 is passed untranslated, an address the tables do not
 * know is dropped and counted rather than resolved upstream, and a
 * fragment travels untranslated until reassembly is added here.
 */
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv6/nf_reject.h>

#include "device.h"
#include "flow.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "policy.h"
#include "rewrite6.h"
#include "service.h"
#include "xlate.h"

/* After a destination change, the routing decision must be made anew. */
static int semnet_reroute6(struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	if (state->hook == NF_INET_PRE_ROUTING) {
		skb_dst_drop(skb);
		return 0;
	}
	if (state->hook == NF_INET_LOCAL_OUT)
		return ip6_route_me_harder(state->net, state->sk, skb);
	return 0;
}

static unsigned int semnet_apply6(struct semnet_net *sn,
				  const struct semnet_node *node,
				  struct sk_buff *skb,
				  const struct nf_hook_state *state,
				  struct semnet_pkt6 *pkt,
				  struct semnet_ftuple6 *t)
{
	struct semnet_fkey6 to;
	bool dst_changed;

	semnet_untrack(skb);
	semnet_ftuple6_target(t, &to);
	dst_changed = !ipv6_addr_equal(&t->key.dst, &to.dst);
	if ((dst_changed || !ipv6_addr_equal(&t->key.src, &to.src) ||
	     t->key.sport != to.sport || t->key.dport != to.dport) &&
	    semnet_rewrite6(skb, pkt, &t->key, &to))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	if (dst_changed && semnet_reroute6(skb, state)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	if (t->key.stage == SEMNET_STAGE_PRE)
		semnet_count(sn, node, semnet_ftuple6_flow(t), skb->len,
			     t->key.index == SEMNET_FT_REPLY_PRE, pkt->tcp_syn,
			     pkt->tcp_fin, pkt->tcp_rst);
	return NF_ACCEPT;
}

/*
 * The client's address as the policies take it (mh hashes it): an IPv6
 * address folded to 32 bits, which keeps a client on its instance.
 */
static __be32 semnet_pick_key6(const struct in6_addr *addr)
{
	return (__force __be32)ipv6_addr_hash(addr);
}

/* A new flow from @pkt to an IPv6 ServiceIP or InstanceIP. */
static struct semnet_ftuple6 *semnet_new_flow6(struct semnet_net *sn,
					       const struct semnet_node *node,
					       const struct semnet_pkt6 *pkt,
					       enum semnet_drop_reason *reason)
{
	struct semnet_flow_plan6 plan = { .orig = pkt->key };
	struct semnet_instance *client, *inst;
	struct semnet_service *svc;
	struct semnet_ftuple6 *t;

	/* The client's identity: a local instance's InstanceIP. */
	client = semnet_local_lookup6(sn, &pkt->key.src);
	plan.xsrc = client ? client->addr6 : pkt->key.src;
	svc = semnet_service_lookup6(sn, &pkt->key.dst);
	if (svc) {
		struct semnet_iset *iset = rcu_dereference(svc->group->iset);

		inst = iset ? svc->policy->pick(svc, iset,
						semnet_pick_key6(&plan.xsrc)) :
		       NULL;
		if (!inst) {
			*reason = SEMNET_DROP_NO_INSTANCE;
			return NULL;
		}
	} else {
		inst = semnet_instance_lookup6(sn, &pkt->key.dst);
		if (!inst) {
			*reason = SEMNET_DROP_UNKNOWN_ADDRESS;
			return NULL;
		}
	}
	plan.xdst = inst->nsip6;
	plan.svc = svc;
	plan.inst = inst;
	plan.reply_xdst = pkt->key.src;
	plan.reply_xsrc = pkt->key.dst;
	if (READ_ONCE(inst->local)) {
		plan.reply_src = plan.xdst;
		plan.reply_dst = plan.xsrc;
	} else {
		plan.reply_src = inst->addr6;
		plan.reply_dst = pkt->key.src;
	}
	t = semnet_flow_create6(sn, node, &plan);
	if (IS_ERR(t)) {
		if (PTR_ERR(t) == -EEXIST) {
			t = semnet_flow_lookup6(sn, &plan.orig);
			if (t)
				return t;
		}
		*reason = semnet_flow_create_reason(PTR_ERR(t));
		return NULL;
	}
	semnet_flow_started(svc, inst);
	return t;
}

/* An ICMPv6 error about a packet of a flow travels the flow's way back. */
static unsigned int semnet_icmp_error6(struct semnet_net *sn,
				       struct sk_buff *skb,
				       const struct nf_hook_state *state,
				       struct semnet_pkt6 *pkt)
{
	struct in6_addr dst = ipv6_hdr(skb)->daddr;
	struct semnet_fkey6 reply, to;
	struct semnet_ftuple6 *t;

	semnet_fkey6_reverse(&reply, &pkt->key);
	reply.stage = pkt->key.stage;
	t = semnet_flow_lookup6(sn, &reply);
	if (!t)
		return NF_ACCEPT;
	semnet_untrack(skb);
	semnet_ftuple6_target(t, &to);
	if (semnet_rewrite6_icmp_error(skb, pkt, &t->key, &to))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	if (!ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &dst) &&
	    semnet_reroute6(skb, state)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	return NF_ACCEPT;
}

/* A container's packet, as semnet_from_container() says for IPv4. */
static bool semnet_from_container6(const struct semnet_node *node,
				   const struct net_device *in,
				   const struct net_device *tunnel,
				   const struct in6_addr *saddr)
{
	if (node->mode == SEMNET_NODE_MODE_ROUTED)
		return semnet_node_is_local6(node, saddr) && in != tunnel &&
		       !(in->flags & IFF_LOOPBACK);
	return in->ifindex == node->bridge_ifindex;
}

unsigned int semnet_ipv6_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node = rcu_dereference(sn->node);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	enum semnet_drop_reason reason;
	struct semnet_ftuple6 *t;
	struct semnet_pkt6 pkt;
	bool from_container = false;
	int ret;

	if (unlikely(!node) || !node->has_v6)
		return NF_ACCEPT;
	if (!semnet_prefix6_contains(&node->platform6, &ip6h->daddr) &&
	    !semnet_prefix6_contains(&node->platform6, &ip6h->saddr))
		return NF_ACCEPT;
	if (state->hook == NF_INET_PRE_ROUTING) {
		struct semnet_device *sd = rcu_dereference(sn->tunnel);

		from_container = semnet_from_container6(node, state->in,
							sd ? sd->dev : NULL,
							&ip6h->saddr);
		if (!from_container)
			return NF_ACCEPT;
	}
	ret = semnet_parse6(skb, &pkt);
	if (ret) {
		if (ret == -EINVAL &&
		    semnet_prefix6_contains(&node->services6,
					    &ipv6_hdr(skb)->daddr))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_MALFORMED);
		return NF_ACCEPT;
	}
	pkt.key.stage = semnet_stage_of(state->hook);
	if (pkt.icmp_error)
		return semnet_icmp_error6(sn, skb, state, &pkt);

	t = semnet_flow_lookup6(sn, &pkt.key);
	if (t && pkt.tcp_syn && t->key.index == SEMNET_FT_ORIG_PRE &&
	    READ_ONCE(semnet_ftuple6_flow(t)->state) == SEMNET_FLOW_CLOSING) {
		/* A closed connection's port reused: a new flow, a new pick. */
		semnet_flow_remove(sn, semnet_ftuple6_flow(t));
		t = NULL;
	}
	if (t)
		return semnet_apply6(sn, node, skb, state, &pkt, t);
	if (pkt.key.stage != SEMNET_STAGE_PRE ||
	    !semnet_prefix6_contains(&node->services6, &pkt.key.dst))
		return NF_ACCEPT;
	if (from_container && !semnet_node_is_local6(node, &pkt.key.src))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	t = semnet_new_flow6(sn, node, &pkt, &reason);
	if (t)
		return semnet_apply6(sn, node, skb, state, &pkt, t);
	/* Known but with nowhere to go: the client fails now, not on timeout. */
	if (reason == SEMNET_DROP_NO_INSTANCE)
		nf_send_unreach6(state->net, skb, ICMPV6_ADDR_UNREACH,
				 state->hook);
	return semnet_drop_packet(sn, skb, reason);
}
