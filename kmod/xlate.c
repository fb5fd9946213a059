// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks: semantic addresses translated in the kernel.
 *
 * Destination rewrites happen before routing (PRE_ROUTING for containers,
 * LOCAL_OUT for host processes), source rewrites after it (POST_ROUTING,
 * LOCAL_IN), the way nf_nat splits them, so routing and strict reverse-path
 * filtering always see a consistent packet. Packets semnet translates are
 * untracked: conntrack (and `ct state invalid drop`) never sees them.
 */
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <uapi/linux/netfilter/nf_conntrack_common.h>

#include "bridge.h"
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
#include "rewrite.h"
#include "service.h"
#include "xlate.h"

/* After defrag (-400) and the raw table, before conntrack (-200). */
#define SEMNET_PRI_DST		(NF_IP_PRI_CONNTRACK - 10)
/* Where nf_nat rewrites sources. */
#define SEMNET_PRI_SRC		NF_IP_PRI_NAT_SRC
/* The same places for IPv6. */
#define SEMNET_PRI6_DST		(NF_IP6_PRI_CONNTRACK - 10)
#define SEMNET_PRI6_SRC		NF_IP6_PRI_NAT_SRC

/*
 * Reassembles a fragment before the L4 lookup (an 8 KB datagram is one
 * packet), as IPVS does, instead of registering nf_defrag's two hooks:
 * every other packet then pays one test, not two more hook calls. Nonzero:
 * the fragment was queued (or dropped) and is no longer ours.
 */
static int semnet_defrag(struct sk_buff *skb, const struct nf_hook_state *state)
{
	int err;

	local_bh_disable();
	err = ip_defrag(state->net, skb, state->hook == NF_INET_PRE_ROUTING ?
			IP_DEFRAG_CONNTRACK_IN : IP_DEFRAG_CONNTRACK_OUT);
	local_bh_enable();
	if (!err)
		skb->ignore_df = 1;
	return err;
}

/* After a destination change, the routing decision must be made anew. */
static int semnet_reroute(struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	if (state->hook == NF_INET_PRE_ROUTING) {
		skb_dst_drop(skb);
		return 0;
	}
	if (state->hook == NF_INET_LOCAL_OUT)
		return ip_route_me_harder(state->net, state->sk, skb,
					  RTN_UNSPEC);
	return 0;
}

void semnet_count(struct semnet_net *sn, const struct semnet_node *node,
		  struct semnet_flow *flow, unsigned int len, bool reply,
		  bool syn, bool fin, bool rst)
{
	unsigned int seen = 0;

	if (reply)
		seen |= SEMNET_SEEN_REPLY;
	if (fin)
		seen |= SEMNET_SEEN_FIN;
	if (rst)
		seen |= SEMNET_SEEN_RST;
	if (syn)
		seen |= SEMNET_SEEN_SYN;
	semnet_flow_seen(sn, flow, node, len, seen);
	semnet_stat_inc(sn, packets);
	if (flow->svc)
		semnet_counters_add(&flow->svc->counters, len);
	if (flow->inst)
		semnet_counters_add(&flow->inst->counters, len);
}

static unsigned int semnet_ipv4_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state);

static unsigned int semnet_apply(struct semnet_net *sn,
				 const struct semnet_node *node,
				 struct sk_buff *skb,
				 const struct nf_hook_state *state,
				 struct semnet_pkt *pkt,
				 struct semnet_ftuple *t)
{
	struct semnet_flow *flow = semnet_ftuple_flow(t);
	struct semnet_fkey to;
	bool dst_changed;
	int ret;

	semnet_untrack(skb);
	semnet_ftuple_target(t, &to);
	dst_changed = t->key.dst != to.dst;
	/* Tunnel flows on the instance's node often change nothing here. */
	if ((t->key.src != to.src || t->key.dst != to.dst ||
	     t->key.sport != to.sport || t->key.dport != to.dport) &&
	    semnet_rewrite(skb, pkt, &t->key, &to))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	if (dst_changed) {
		ret = semnet_reroute(skb, state);
		if (ret) {
			kfree_skb(skb);
			return NF_STOLEN;
		}
	}
	/* Count each packet once, at its first (PRE) lookup. */
	if (t->key.stage == SEMNET_STAGE_PRE)
		semnet_count(sn, node, flow, skb->len,
			     t->key.index == SEMNET_FT_REPLY_PRE, pkt->tcp_syn,
			     pkt->tcp_fin, pkt->tcp_rst);
	if (state->hook == NF_INET_PRE_ROUTING)
		return semnet_forward4(sn, skb, pkt, t, semnet_ipv4_hook);
	return NF_ACCEPT;
}

enum semnet_drop_reason semnet_flow_create_reason(long err)
{
	switch (err) {
	case -ENOSPC:
		return SEMNET_DROP_FLOW_TABLE_FULL;
	case -EDQUOT:
		return SEMNET_DROP_UNREPLIED_LIMIT;
	case -EADDRINUSE:
		return SEMNET_DROP_NO_PORT;
	case -ESTALE:	/* deleted while this packet picked it */
		return SEMNET_DROP_NO_INSTANCE;
	default:	/* -EEXIST: created, and gone again at once */
		return SEMNET_DROP_NOMEM;
	}
}

void semnet_flow_started(struct semnet_service *svc,
			 struct semnet_instance *inst)
{
	if (svc)
		atomic64_inc(&svc->counters.flows);
	if (inst)
		atomic64_inc(&inst->counters.flows);
}

/*
 * Publishes the flow @plan describes and counts it. A flow another CPU
 * created a moment ago is used as is. NULL: dropped, for *@reason.
 */
static struct semnet_ftuple *semnet_flow_start(struct semnet_net *sn,
					       const struct semnet_node *node,
					       const struct semnet_flow_plan *plan,
					       enum semnet_drop_reason *reason)
{
	struct semnet_ftuple *t = semnet_flow_create(sn, node, plan);

	if (IS_ERR(t)) {
		if (PTR_ERR(t) == -EEXIST) {
			t = semnet_flow_lookup(sn, &plan->orig);
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
 * A local container answering (or calling) a remote InstanceIP this node
 * was never told about, but has seen in the tunnel: send it to the nsIP
 * it came from. The flow counts against the local sender.
 */
static struct semnet_ftuple *
semnet_new_flow_learned(struct semnet_net *sn, const struct semnet_node *node,
			const struct semnet_pkt *pkt,
			enum semnet_drop_reason *reason)
{
	struct semnet_inaddr addr = semnet_inaddr4(pkt->key.dst), nsip;
	struct semnet_flow_plan plan = { .orig = pkt->key };
	struct semnet_instance *self;

	if (!semnet_learned_nsip(sn, &addr, &nsip)) {
		*reason = SEMNET_DROP_UNKNOWN_ADDRESS;
		return NULL;
	}
	self = semnet_local_lookup(sn, pkt->key.src);
	plan.xsrc = self ? self->addr : pkt->key.src;
	plan.xdst = nsip.ip;
	plan.reply_src = pkt->key.dst;
	plan.reply_dst = pkt->key.src;
	plan.reply_xdst = pkt->key.src;
	plan.reply_xsrc = pkt->key.dst;
	/* Almost always a reply: a remapped port would break the client's. */
	plan.fixed_port = true;
	plan.inst = self;
	return semnet_flow_start(sn, node, &plan, reason);
}

bool semnet_client_nsip(struct semnet_net *sn, const struct semnet_inaddr *addr,
			struct semnet_inaddr *nsip)
{
	struct semnet_instance *inst;

	if (semnet_learned_nsip(sn, addr, nsip))
		return true;
	if (addr->family == AF_INET6) {
		inst = semnet_instance_lookup6(sn, &addr->ip6);
		if (!inst || inst->local)
			return false;
		*nsip = semnet_inaddr6(&inst->nsip6);
		return true;
	}
	inst = semnet_instance_lookup(sn, addr->ip);
	if (!inst || inst->local)
		return false;
	*nsip = semnet_inaddr4(inst->nsip);
	return true;
}

/*
 * A remote client's first packet to a local container, through the
 * tunnel or a direct link: replies (and ICMP errors) must go back to the
 * client's nsIP (semnet_client_nsip()) from the instance's InstanceIP.
 * Without one the sender used its own routable nsIP: nothing to do.
 */
static struct semnet_ftuple *semnet_tunnel_flow(struct semnet_net *sn,
						const struct semnet_node *node,
						const struct semnet_pkt *pkt,
						enum semnet_drop_reason *reason)
{
	struct semnet_inaddr addr = semnet_inaddr4(pkt->key.src), nsip;
	struct semnet_flow_plan plan = { .orig = pkt->key };
	struct semnet_instance *inst;

	*reason = SEMNET_DROP_UNSPEC;
	if (!semnet_client_nsip(sn, &addr, &nsip) || nsip.family != AF_INET)
		return NULL;
	inst = semnet_local_lookup(sn, pkt->key.dst);
	plan.xsrc = pkt->key.src;
	plan.xdst = pkt->key.dst;
	plan.reply_src = pkt->key.dst;
	plan.reply_dst = pkt->key.src;
	plan.reply_xdst = nsip.ip;
	plan.reply_xsrc = inst ? inst->addr : pkt->key.dst;
	plan.fixed_port = true;	/* the client chose its port */
	plan.inst = inst;
	return semnet_flow_start(sn, node, &plan, reason);
}

/* A new flow from @pkt to a ServiceIP or InstanceIP. */
static struct semnet_ftuple *semnet_new_flow(struct semnet_net *sn,
					     const struct semnet_node *node,
					     const struct semnet_pkt *pkt,
					     enum semnet_drop_reason *reason)
{
	struct semnet_flow_plan plan = { .orig = pkt->key };
	struct semnet_instance *client;
	struct semnet_service *svc;
	struct semnet_instance *inst;

	/*
	 * The client's identity: a local instance's InstanceIP. Other
	 * senders (host processes, containers that are not instances) keep
	 * their own, routable, address.
	 */
	client = semnet_local_lookup(sn, pkt->key.src);
	plan.xsrc = client ? client->addr : pkt->key.src;
	svc = semnet_service_lookup(sn, pkt->key.dst);
	if (svc) {
		struct semnet_iset *iset = rcu_dereference(svc->group->iset);

		if (!iset) {
			*reason = SEMNET_DROP_NO_INSTANCE;
			return NULL;
		}
		/* NULL: no instance the policy may use (every node down). */
		inst = svc->policy->pick(svc, iset, plan.xsrc);
		if (!inst) {
			*reason = SEMNET_DROP_NO_INSTANCE;
			return NULL;
		}
	} else {
		inst = semnet_instance_lookup(sn, pkt->key.dst);
		if (!inst)
			return semnet_new_flow_learned(sn, node, pkt, reason);
	}
	plan.xdst = READ_ONCE(inst->nsip);
	plan.svc = svc;
	plan.inst = inst;
	/* Replies go back to the client, from the address it asked for. */
	plan.reply_xdst = pkt->key.src;
	plan.reply_xsrc = pkt->key.dst;
	if (READ_ONCE(inst->local)) {
		/* The instance answers what it saw: the client's InstanceIP. */
		plan.reply_src = plan.xdst;
		plan.reply_dst = plan.xsrc;
	} else {
		/* Its node rewrites both ends before the reply reaches us. */
		plan.reply_src = inst->addr;
		plan.reply_dst = pkt->key.src;
	}

	return semnet_flow_start(sn, node, &plan, reason);
}

static unsigned int semnet_icmp_error(struct semnet_net *sn,
				      struct sk_buff *skb,
				      const struct nf_hook_state *state,
				      struct semnet_pkt *pkt)
{
	struct semnet_fkey reply;
	struct semnet_ftuple *t;
	__be32 dst = ip_hdr(skb)->daddr;

	/* The error travels against the embedded packet: reverse its key. */
	semnet_fkey_reverse(&reply, &pkt->key);
	reply.stage = pkt->key.stage;
	t = semnet_flow_lookup(sn, &reply);
	if (t) {
		struct semnet_fkey to;

		semnet_untrack(skb);
		semnet_ftuple_target(t, &to);
		if (semnet_rewrite_icmp_error(skb, pkt, &t->key, &to))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	} else if (state->hook == NF_INET_LOCAL_OUT) {
		/*
		 * This host's own error (e.g. "fragmentation needed" from
		 * forwarding into the tunnel) about a packet caught between
		 * its two rewrites: give the sender back what it sent.
		 */
		struct semnet_fkey mid = pkt->key;

		mid.stage = SEMNET_STAGE_POST;
		t = semnet_flow_lookup(sn, &mid);
		if (!t || (t->key.index != SEMNET_FT_ORIG_POST &&
			   t->key.index != SEMNET_FT_REPLY_POST))
			return NF_ACCEPT;
		semnet_untrack(skb);
		if (semnet_rewrite_icmp_embedded(skb, pkt,
						 &semnet_ftuple_flow4(t)->t[t->key.index - 1].key))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	} else {
		return NF_ACCEPT;
	}
	if (ip_hdr(skb)->daddr != dst && semnet_reroute(skb, state)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	return NF_ACCEPT;
}

static unsigned int semnet_ipv4_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node = rcu_dereference(sn->node);
	enum semnet_drop_reason reason;
	struct semnet_pkt pkt;
	struct semnet_ftuple *t;
	bool from_container = false, from_tunnel = false;
	u8 stage;
	int ret;

	if (unlikely(!node))
		return NF_ACCEPT;
	/*
	 * Every address semnet translates is in the platform range: the rest
	 * (the tunnel's own outer packets, the host's other traffic) leaves
	 * without being parsed.
	 */
	if (!semnet_prefix_contains(&node->platform, ip_hdr(skb)->daddr) &&
	    !semnet_prefix_contains(&node->platform, ip_hdr(skb)->saddr))
		return NF_ACCEPT;
	stage = semnet_stage_of(state->hook);
	if (unlikely(ip_is_fragment(ip_hdr(skb))) &&
	    stage == SEMNET_STAGE_PRE && semnet_defrag(skb, state))
		return NF_STOLEN;
	if (state->hook == NF_INET_POST_ROUTING && READ_ONCE(sn->n_direct))
		semnet_direct_tx(sn, skb, state->out);
	/*
	 * Only containers, host processes and the tunnel (or a direct
	 * link) are translated; flows start only at the first two.
	 */
	if (state->hook == NF_INET_PRE_ROUTING) {
		struct semnet_device *sd = rcu_dereference(sn->tunnel);
		struct net_device *tunnel = sd ? sd->dev : NULL;

		from_container = semnet_from_container(node, state->in, tunnel,
						       ip_hdr(skb)->saddr);
		if (!from_container) {
			if (!tunnel)
				return NF_ACCEPT;
			if (state->in != tunnel) {
				if (!READ_ONCE(sn->n_direct) ||
				    !semnet_direct_rcv(sn, node, skb, state->in,
						       tunnel, &reason))
					return NF_ACCEPT;
				if (reason)
					return semnet_drop_packet(sn, skb, reason);
			}
			from_tunnel = true;
			/* Tunnel traffic is semnet's, flow or not: no conntrack. */
			semnet_untrack(skb);
		}
	}

	ret = semnet_parse(skb, &pkt);
	if (ret) {
		if (ret == -EINVAL &&
		    semnet_prefix_contains(&node->services, ip_hdr(skb)->daddr))
			return semnet_drop_packet(sn, skb, SEMNET_DROP_MALFORMED);
		return NF_ACCEPT;
	}
	pkt.key.stage = stage;
	if (pkt.icmp_error)
		return semnet_icmp_error(sn, skb, state, &pkt);

	t = semnet_flow_lookup(sn, &pkt.key);
	if (t && pkt.tcp_syn && t->key.index == SEMNET_FT_ORIG_PRE &&
	    READ_ONCE(semnet_ftuple_flow(t)->state) == SEMNET_FLOW_CLOSING) {
		/* A closed connection's port reused: a new flow, a new pick. */
		semnet_flow_remove(sn, semnet_ftuple_flow(t));
		t = NULL;
	}
	if (t)
		return semnet_apply(sn, node, skb, state, &pkt, t);

	if (from_tunnel && semnet_node_is_local(node, pkt.key.dst)) {
		t = semnet_tunnel_flow(sn, node, &pkt, &reason);
		if (t)
			return semnet_apply(sn, node, skb, state, &pkt, t);
		if (reason != SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb, reason);
		return NF_ACCEPT;
	}
	if (pkt.key.stage != SEMNET_STAGE_PRE ||
	    !semnet_prefix_contains(&node->services, pkt.key.dst))
		return NF_ACCEPT;
	/* Remote clients' flows start at their own node, never here. */
	if (from_tunnel)
		return semnet_drop_packet(sn, skb, SEMNET_DROP_UNKNOWN_ADDRESS);
	if (from_container && !semnet_node_is_local(node, pkt.key.src))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	t = semnet_new_flow(sn, node, &pkt, &reason);
	if (t)
		return semnet_apply(sn, node, skb, state, &pkt, t);
	/* Not known here (yet): the node daemon resolves it upstream. */
	if (reason == SEMNET_DROP_UNKNOWN_ADDRESS)
		return semnet_miss(sn, node, skb, state, &pkt);
	/* Known but with nowhere to go: the client fails now, not on timeout. */
	if (reason == SEMNET_DROP_NO_INSTANCE)
		nf_send_unreach(skb, ICMP_HOST_UNREACH, state->hook);
	return semnet_drop_packet(sn, skb, reason);
}

/* Copied per namespace, with priv set to its struct semnet_net. */
static const struct nf_hook_ops semnet_hook_ops[SEMNET_HOOK_COUNT] = {
	{
		.hook = semnet_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SEMNET_PRI_DST,
	},
	{
		.hook = semnet_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SEMNET_PRI_DST,
	},
	{
		.hook = semnet_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = SEMNET_PRI_SRC,
	},
	{
		.hook = semnet_ipv4_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = SEMNET_PRI_SRC,
	},
	{
		.hook = semnet_bridge_hook,
		.pf = NFPROTO_BRIDGE,
		.hooknum = NF_BR_PRE_ROUTING,
		.priority = NF_BR_PRI_FIRST,
	},
	{
		.hook = semnet_bridge_port_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_FIRST,
	},
	/* IPv6, at the places of its IPv4 twins (xlate6.c). */
	{
		.hook = semnet_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SEMNET_PRI6_DST,
	},
	{
		.hook = semnet_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SEMNET_PRI6_DST,
	},
	{
		.hook = semnet_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = SEMNET_PRI6_SRC,
	},
	{
		.hook = semnet_ipv6_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = SEMNET_PRI6_SRC,
	},
	{
		.hook = semnet_bridge_port_hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_FIRST,
	},
};

void semnet_xlate_resume(struct sk_buff *skb, struct nf_hook_state *state)
{
	bool v6 = state->pf == NFPROTO_IPV6;
	nf_hookfn *hook = v6 ? semnet_ipv6_hook : semnet_ipv4_hook;
	const struct nf_hook_entries *e;
	unsigned int i;

	rcu_read_lock();
	local_bh_disable();
	e = v6 ? rcu_dereference(state->net->nf.hooks_ipv6[state->hook]) :
		 rcu_dereference(state->net->nf.hooks_ipv4[state->hook]);
	for (i = 0; e && i < e->num_hook_entries; i++)
		if (e->hooks[i].hook == hook)
			break;
	if (!e || i == e->num_hook_entries) {
		kfree_skb(skb);		/* semnet is off here now */
		goto out;
	}
	if (hook(e->hooks[i].priv, skb, state) != NF_ACCEPT)
		goto out;		/* stolen: dropped, or held again */
	if (nf_hook_slow(skb, state, e, i + 1) == 1)
		state->okfn(state->net, state->sk, skb);
out:
	local_bh_enable();
	rcu_read_unlock();
}

int semnet_xlate_register(struct semnet_net *sn)
{
	unsigned int i;

	/* The hooks find their namespace's state in priv, not net_generic(). */
	for (i = 0; i < SEMNET_HOOK_COUNT; i++) {
		sn->hook_ops[i] = semnet_hook_ops[i];
		sn->hook_ops[i].priv = sn;
	}
	return nf_register_net_hooks(sn->net, sn->hook_ops, SEMNET_HOOK_COUNT);
}

void semnet_xlate_unregister(struct semnet_net *sn)
{
	nf_unregister_net_hooks(sn->net, sn->hook_ops, SEMNET_HOOK_COUNT);
}
