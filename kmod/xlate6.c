// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 hooks: the IPv4 translation (xlate.c) for a node with an IPv6
 * plan, at the same places (destination before routing, source after it)
 * with the same flows, policies and counters. A flow stays in its family.
 *
 * An address the tables do not know is a miss (miss.c), as for IPv4, and
 * traffic through semnet0 is handled as IPv4's: a remote client's
 * location is learned from the GRE key (device.c), its replies follow it.
 * Fragments are reassembled before routing, as IPv4's are.
 */
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_frag.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/ipv6/nf_reject.h>

#include "device.h"
#include "flow.h"
#include "forward.h"
#include "instance.h"
#include "learn.h"
#include "link.h"
#include "miss.h"
#include "netns.h"
#include "node.h"
#include "policy.h"
#include "rewrite6.h"
#include "service.h"
#include "xlate.h"

/*
 * True for a fragment: the fragment header first, or behind the options
 * and routing headers that may precede it.
 */
static bool semnet_is_fragment6(struct sk_buff *skb)
{
	unsigned int off = 0;

	switch (ipv6_hdr(skb)->nexthdr) {
	case NEXTHDR_FRAGMENT:
		return true;
	case NEXTHDR_HOP:
	case NEXTHDR_ROUTING:
	case NEXTHDR_DEST:
		return ipv6_find_hdr(skb, &off, NEXTHDR_FRAGMENT, NULL,
				     NULL) >= 0;
	default:
		return false;
	}
}

/*
 * Reassembles a fragment before routing, as for IPv4 (semnet_defrag()):
 * ports live in the first fragment only. -EINPROGRESS: queued, no longer
 * ours; another error: drop it; 0: @skb is the whole packet now (or was
 * left as it came: semnet_parse6() refuses it then).
 */
static int semnet_defrag6(struct sk_buff *skb, const struct nf_hook_state *state)
{
	int err;

	local_bh_disable();
	err = nf_ct_frag6_gather(state->net, skb, IP6_DEFRAG_CONNTRACK_IN);
	local_bh_enable();
	return err;
}

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
	if (state->hook == NF_INET_PRE_ROUTING)
		return semnet_forward6(sn, skb, pkt, t, semnet_ipv6_hook);
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

/* Creates the flow @plan describes (or finds the one another CPU made). */
static struct semnet_ftuple6 *
semnet_flow_start6(struct semnet_net *sn, const struct semnet_node *node,
		   const struct semnet_flow_plan6 *plan,
		   enum semnet_drop_reason *reason)
{
	struct semnet_ftuple6 *t = semnet_flow_create6(sn, node, plan);

	if (IS_ERR(t)) {
		if (PTR_ERR(t) == -EEXIST) {
			t = semnet_flow_lookup6(sn, &plan->orig);
			if (t)
				return t;
		}
		*reason = semnet_flow_create_reason(PTR_ERR(t));
		return NULL;
	}
	semnet_flow_started(plan->svc, plan->inst);
	return t;
}

/*
 * A local container answering (or calling) a remote IPv6 InstanceIP this
 * node was never told about, but has seen in the tunnel: as for IPv4
 * (semnet_new_flow_learned()), to the nsIP it came from.
 */
static struct semnet_ftuple6 *
semnet_new_flow_learned6(struct semnet_net *sn, const struct semnet_node *node,
			 const struct semnet_pkt6 *pkt,
			 enum semnet_drop_reason *reason)
{
	struct semnet_inaddr addr = semnet_inaddr6(&pkt->key.dst), nsip;
	struct semnet_flow_plan6 plan = { .orig = pkt->key };
	struct semnet_instance *self;

	if (!semnet_learned_nsip(sn, &addr, &nsip) || nsip.family != AF_INET6) {
		*reason = SEMNET_DROP_UNKNOWN_ADDRESS;
		return NULL;
	}
	self = semnet_local_lookup6(sn, &pkt->key.src);
	plan.xsrc = self ? self->addr6 : pkt->key.src;
	plan.xdst = nsip.ip6;
	plan.reply_src = pkt->key.dst;
	plan.reply_dst = pkt->key.src;
	plan.reply_xdst = pkt->key.src;
	plan.reply_xsrc = pkt->key.dst;
	plan.fixed_port = true;
	plan.inst = self;
	return semnet_flow_start6(sn, node, &plan, reason);
}

/*
 * A remote client's first packet to a local container, through the
 * tunnel or a direct link: as for IPv4 (semnet_tunnel_flow()), replies
 * go back to the client's nsIP (semnet_client_nsip()). NULL with
 * SEMNET_DROP_UNSPEC: none known, nothing to do.
 */
static struct semnet_ftuple6 *semnet_tunnel_flow6(struct semnet_net *sn,
						  const struct semnet_node *node,
						  const struct semnet_pkt6 *pkt,
						  enum semnet_drop_reason *reason)
{
	struct semnet_inaddr addr = semnet_inaddr6(&pkt->key.src), nsip;
	struct semnet_flow_plan6 plan = { .orig = pkt->key };
	struct semnet_instance *inst;

	*reason = SEMNET_DROP_UNSPEC;
	if (!semnet_client_nsip(sn, &addr, &nsip) || nsip.family != AF_INET6)
		return NULL;
	inst = semnet_local_lookup6(sn, &pkt->key.dst);
	plan.xsrc = pkt->key.src;
	plan.xdst = pkt->key.dst;
	plan.reply_src = pkt->key.dst;
	plan.reply_dst = pkt->key.src;
	plan.reply_xdst = nsip.ip6;
	plan.reply_xsrc = inst ? inst->addr6 : pkt->key.dst;
	plan.fixed_port = true;	/* the client chose its port */
	plan.inst = inst;
	return semnet_flow_start6(sn, node, &plan, reason);
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
		if (!inst)
			return semnet_new_flow_learned6(sn, node, pkt, reason);
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
	return semnet_flow_start6(sn, node, &plan, reason);
}

/*
 * An ICMPv6 error about a packet of a flow travels the flow's way back;
 * this host's own (Packet Too Big from forwarding into semnet0, or from
 * the tunnel) about a packet caught between its two rewrites gives the
 * sender back what it sent, as for IPv4.
 */
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
	if (t) {
		semnet_untrack(skb);
		semnet_ftuple6_target(t, &to);
		if (semnet_rewrite6_icmp_error(skb, pkt, &t->key, &to))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	} else if (state->hook == NF_INET_LOCAL_OUT) {
		struct semnet_fkey6 mid = pkt->key;

		mid.stage = SEMNET_STAGE_POST;
		t = semnet_flow_lookup6(sn, &mid);
		if (!t || (t->key.index != SEMNET_FT_ORIG_POST &&
			   t->key.index != SEMNET_FT_REPLY_POST))
			return NF_ACCEPT;
		semnet_untrack(skb);
		/* The tuple before it: the packet as its sender sent it. */
		if (semnet_rewrite6_icmp_embedded(skb, pkt, &(t - 1)->key))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	} else {
		return NF_ACCEPT;
	}
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
	bool from_container = false, from_tunnel = false;
	int ret;

	if (unlikely(!node) || !node->has_v6)
		return NF_ACCEPT;
	if (!semnet_prefix6_contains(&node->platform6, &ip6h->daddr) &&
	    !semnet_prefix6_contains(&node->platform6, &ip6h->saddr))
		return NF_ACCEPT;
	if (state->hook == NF_INET_PRE_ROUTING &&
	    unlikely(semnet_is_fragment6(skb))) {
		ret = semnet_defrag6(skb, state);
		if (ret == -EINPROGRESS)
			return NF_STOLEN;
		if (ret)
			return semnet_drop_packet(sn, skb, SEMNET_DROP_MALFORMED);
		ip6h = ipv6_hdr(skb);
	}
	if (state->hook == NF_INET_POST_ROUTING && READ_ONCE(sn->n_direct))
		semnet_direct_tx(sn, skb, state->out);
	if (state->hook == NF_INET_PRE_ROUTING) {
		struct semnet_device *sd = rcu_dereference(sn->tunnel);

		from_container = semnet_from_container6(node, state->in,
							sd ? sd->dev : NULL,
							&ip6h->saddr);
		if (!from_container) {
			if (!sd)
				return NF_ACCEPT;
			if (state->in != sd->dev) {
				if (!READ_ONCE(sn->n_direct) ||
				    !semnet_direct_rcv(sn, node, skb, state->in,
						       sd->dev, &reason))
					return NF_ACCEPT;
				if (reason)
					return semnet_drop_packet(sn, skb, reason);
			}
			from_tunnel = true;
			/* Tunnel traffic is semnet's, flow or not. */
			semnet_untrack(skb);
		}
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
	if (from_tunnel && semnet_node_is_local6(node, &pkt.key.dst)) {
		t = semnet_tunnel_flow6(sn, node, &pkt, &reason);
		if (t)
			return semnet_apply6(sn, node, skb, state, &pkt, t);
		if (reason != SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb, reason);
		return NF_ACCEPT;
	}
	if (pkt.key.stage != SEMNET_STAGE_PRE ||
	    !semnet_prefix6_contains(&node->services6, &pkt.key.dst))
		return NF_ACCEPT;
	/* Remote clients' flows start at their own node, never here. */
	if (from_tunnel)
		return semnet_drop_packet(sn, skb, SEMNET_DROP_UNKNOWN_ADDRESS);
	if (from_container && !semnet_node_is_local6(node, &pkt.key.src))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	t = semnet_new_flow6(sn, node, &pkt, &reason);
	if (t)
		return semnet_apply6(sn, node, skb, state, &pkt, t);
	/* Not known here (yet): the node daemon resolves it upstream. */
	if (reason == SEMNET_DROP_UNKNOWN_ADDRESS)
		return semnet_miss6(sn, node, skb, state, &pkt);
	/* Known but with nowhere to go: the client fails now, not on timeout. */
	if (reason == SEMNET_DROP_NO_INSTANCE)
		nf_send_unreach6(state->net, skb, ICMPV6_ADDR_UNREACH,
				 state->hook);
	return semnet_drop_packet(sn, skb, reason);
}
