// SPDX-License-Identifier: GPL-2.0
/*
 * semnet's own forwarding of the packets it translates, as nf_flowtable
 * forwards an offloaded flow's: once PRE_ROUTING has rewritten the
 * destination, the same hook routes the packet, rewrites its source and
 * hands it to the neighbour layer. The stack would otherwise route it,
 * run ip_forward(), the FORWARD hooks, ip_output() and the POST_ROUTING
 * hooks, where semnet would parse it and look its flow up a second time
 * for the source rewrite: about a third of what semnet adds per packet
 * and node (tests/bench/overlay.sh).
 *
 * Routing still sees the consistent packet the split exists for (new
 * destination, old source), through ip_route_input_noref() as in
 * ip_rcv_finish(), so policy routing and reverse-path filtering decide as
 * before. Nothing anyone configured is skipped: the fast way is taken only
 * while the hooks it would pass over are conntrack's and NAT's, which let
 * untracked packets (all semnet translates) through untouched, and there
 * is no FORWARD hook at all. An nftables or iptables chain there, IPsec
 * policies, IP options, an expiring TTL, a packet over the route's MTU, a
 * route that redirects or encapsulates: the stack forwards it, as before.
 */
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "forward.h"
#include "link.h"
#include "netns.h"
#include "rewrite.h"
#include "rewrite6.h"

/*
 * Hooks that let a forwarded, untracked packet through untouched, known by
 * their places (which no other hook semnet runs beside takes) and by not
 * being nftables chains: conntrack's and the NAT core's (the one NAT hook
 * per point, which runs nftables' and iptables' NAT chains), and
 * AppArmor's in POST_ROUTING, registered in every namespace, which looks
 * only at packets of a local socket. SELinux hooks FORWARD: no fast way.
 */
static bool semnet_hook_inert(const struct nf_hook_ops *ops)
{
	if (ops->hook_ops_type == NF_HOOK_OP_NF_TABLES)
		return false;
	switch (ops->priority) {
	case NF_IP_PRI_CONNTRACK:
	case NF_IP_PRI_NAT_DST:
	case NF_IP_PRI_NAT_SRC:
	case NF_IP_PRI_CONNTRACK_HELPER:
	case NF_IP_PRI_CONNTRACK_CONFIRM:
		return true;
	case NF_IP_PRI_SELINUX_FIRST:
		return ops->hooknum == NF_INET_POST_ROUTING;
	default:
		return false;
	}
}

/*
 * Whether every hook of @e from @from on is semnet's own (@own, whose
 * work the caller does) or inert for an untracked packet.
 */
static bool semnet_hooks_inert(const struct nf_hook_entries *e,
			       unsigned int from, nf_hookfn *own)
{
	struct nf_hook_ops **ops;
	unsigned int i;

	if (!e)
		return true;
	ops = nf_hook_entries_get_hook_ops(e);
	for (i = from; i < e->num_hook_entries; i++)
		if (e->hooks[i].hook != own && !semnet_hook_inert(ops[i]))
			return false;
	return true;
}

/*
 * What the fast way would skip, for a packet at semnet's PRE_ROUTING hook,
 * in the hook lists of its family (@hooks: a namespace's hooks_ipv4 or
 * hooks_ipv6; the priorities have the same values): the PRE_ROUTING hooks
 * after semnet's, FORWARD and POST_ROUTING. Read per packet (a handful of
 * loads): the hook lists are replaced whenever a rule set changes.
 */
static bool semnet_forward_clear(struct nf_hook_entries __rcu *const *hooks,
				 const struct semnet_net *sn, nf_hookfn *own)
{
	const struct nf_hook_entries *e;
	unsigned int i;

	if (rcu_access_pointer(hooks[NF_INET_FORWARD]))
		return false;
	e = rcu_dereference(hooks[NF_INET_PRE_ROUTING]);
	if (!e)
		return false;
	for (i = 0; i < e->num_hook_entries; i++)
		if (e->hooks[i].hook == own && e->hooks[i].priv == sn)
			break;
	if (!semnet_hooks_inert(e, i + 1, own))
		return false;
	return semnet_hooks_inert(rcu_dereference(hooks[NF_INET_POST_ROUTING]),
				  0, own);
}

/* IPsec on this path: xfrm decides, in ip_forward(). */
static bool semnet_forward_xfrm(const struct net *net, const struct sk_buff *skb)
{
#ifdef CONFIG_XFRM
	if (net->xfrm.policy_count[XFRM_POLICY_FWD] ||
	    net->xfrm.policy_count[XFRM_POLICY_OUT] || skb_sec_path(skb))
		return true;
#endif
	return false;
}

unsigned int semnet_forward4(struct semnet_net *sn, struct sk_buff *skb,
			     const struct semnet_pkt *pkt,
			     struct semnet_ftuple *t, nf_hookfn *own)
{
	struct semnet_ftuple *post = &semnet_ftuple_flow4(t)->t[t->key.index + 1];
	struct net *net = sn->net;
	struct net_device *dev;
	struct neighbour *neigh;
	struct semnet_fkey to;
	bool is_v6gw = false;
	struct iphdr *iph;
	struct rtable *rt;
	unsigned int mtu;

	iph = ip_hdr(skb);
	/*
	 * What ip_rcv_finish() and ip_forward() treat specially stays
	 * theirs: options, an expiring TTL, a reassembled datagram (it may
	 * need fragmenting again), a packet not for this host's MAC, one
	 * with a socket or a route already, a bridge's or a VRF's.
	 */
	if (iph->ihl != 5 || iph->ttl <= 1 || IPCB(skb)->frag_max_size ||
	    skb->pkt_type != PACKET_HOST || skb->sk || skb_dst(skb) ||
	    nf_bridge_info_exists(skb) || netif_is_l3_slave(skb->dev) ||
	    netif_is_l3_master(skb->dev))
		return NF_ACCEPT;
	if (semnet_forward_xfrm(net, skb) ||
	    !semnet_forward_clear(net->nf.hooks_ipv4, sn, own))
		return NF_ACCEPT;
	if (ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 skb->dev))
		return NF_ACCEPT;	/* the stack routes it again, and says why */
	rt = skb_rtable(skb);
	if (rt->rt_type != RTN_UNICAST || rt->dst.lwtstate ||
	    (IPCB(skb)->flags & IPSKB_DOREDIRECT))
		return NF_ACCEPT;
#ifdef CONFIG_IP_ROUTE_CLASSID
	if (rt->dst.tclassid)
		return NF_ACCEPT;
#endif
	dev = rt->dst.dev;
	/* Too big: ip_forward() sends "fragmentation needed" (or fragments). */
	mtu = ip_dst_mtu_maybe_forward(&rt->dst, true);
	if (skb->len > mtu &&
	    !(skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu)))
		return NF_ACCEPT;
	if (skb_warn_if_lro(skb))
		return NF_ACCEPT;

	/* From here on the packet is ours to send: ip_forward()'s steps. */
	skb_forward_csum(skb);
	if (skb_cow(skb, LL_RESERVED_SPACE(dev) + rt->dst.header_len))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	semnet_ftuple_target(post, &to);
	if ((post->key.src != to.src || post->key.dst != to.dst ||
	     post->key.sport != to.sport || post->key.dport != to.dport) &&
	    semnet_rewrite(skb, pkt, &post->key, &to))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	iph = ip_hdr(skb);
	ip_decrease_ttl(iph);
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	if (READ_ONCE(net->ipv4.sysctl_ip_fwd_update_priority))
		skb->priority = rt_tos2priority(iph->tos);
	if (READ_ONCE(sn->n_direct))
		semnet_direct_tx(sn, skb, dev);

	/* ip_forward_finish(), ip_output(), ip_finish_output2(). */
	IP_INC_STATS(net, IPSTATS_MIB_OUTFORWDATAGRAMS);
	IP_ADD_STATS(net, IPSTATS_MIB_OUTOCTETS, skb->len);
	IP_UPD_PO_STATS(net, IPSTATS_MIB_OUT, skb->len);
	skb_clear_tstamp(skb);
	skb->dev = dev;
	skb->protocol = htons(ETH_P_IP);
	neigh = ip_neigh_for_gw(rt, skb, &is_v6gw);
	if (IS_ERR(neigh))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	semnet_stat_inc(sn, forwarded);
	neigh_output(neigh, skb, is_v6gw);
	return NF_STOLEN;
}

/* ip6_route_input(), which is not exported: the route ip6_rcv_finish() finds. */
static struct dst_entry *semnet_route6(struct net *net, struct sk_buff *skb)
{
	const struct ipv6hdr *iph = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.daddr = iph->daddr,
		.saddr = iph->saddr,
		.flowlabel = ip6_flowinfo(iph),
		.flowi6_mark = skb->mark,
		.flowi6_proto = iph->nexthdr,
	};
	const struct ip_tunnel_info *tun_info = skb_tunnel_info(skb);
	struct flow_keys keys;
	struct dst_entry *dst;

	if (tun_info && !(tun_info->mode & IP_TUNNEL_INFO_TX))
		fl6.flowi6_tun_key.tun_id = tun_info->key.tun_id;
	fib6_rules_early_flow_dissect(net, skb, &fl6, &keys);
	dst = ip6_route_input_lookup(net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR |
				     RT6_LOOKUP_F_DST_NOREF);
	skb_dst_set_noref(skb, dst);
	return dst;
}

/*
 * Whether @skb does not fit the route as it is: the stack then sends
 * "packet too big" (ip6_pkt_too_big()) or, for a packet it may fragment
 * (ignore_df), fragments it in ip6_finish_output(); neither is done here.
 */
static bool semnet_too_big6(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	return !(skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu));
}

unsigned int semnet_forward6(struct semnet_net *sn, struct sk_buff *skb,
			     const struct semnet_pkt6 *pkt,
			     struct semnet_ftuple6 *t, nf_hookfn *own)
{
	struct semnet_ftuple6 *post = &semnet_ftuple6_flow6(t)->t[t->key.index + 1];
	const struct in6_addr *nexthop;
	struct net *net = sn->net;
	struct inet6_dev *idev;
	struct net_device *dev;
	struct neighbour *neigh;
	struct semnet_fkey6 to;
	struct dst_entry *dst;
	struct ipv6hdr *hdr;
	struct rt6_info *rt;
	unsigned int mtu;
	int addrtype;

	hdr = ipv6_hdr(skb);
	/*
	 * As for IPv4 (semnet_forward4()), and: TCP and UDP right after the
	 * fixed header only (extension headers, ICMPv6 and its multipath
	 * hash, NDP stay the stack's), no proxy NDP entry for the address.
	 */
	if ((hdr->nexthdr != IPPROTO_TCP && hdr->nexthdr != IPPROTO_UDP) ||
	    hdr->hop_limit <= 1 || IP6CB(skb)->frag_max_size ||
	    skb->pkt_type != PACKET_HOST || skb->sk || skb_dst(skb) ||
	    nf_bridge_info_exists(skb) || netif_is_l3_slave(skb->dev) ||
	    netif_is_l3_master(skb->dev) ||
	    !READ_ONCE(net->ipv6.devconf_all->forwarding))
		return NF_ACCEPT;
	addrtype = ipv6_addr_type(&hdr->saddr);
	if (addrtype == IPV6_ADDR_ANY ||
	    addrtype & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
			IPV6_ADDR_LINKLOCAL) ||
	    ipv6_addr_is_multicast(&hdr->daddr))
		return NF_ACCEPT;
	if (semnet_forward_xfrm(net, skb) ||
	    !semnet_forward_clear(net->nf.hooks_ipv6, sn, own))
		return NF_ACCEPT;
	if (READ_ONCE(net->ipv6.devconf_all->proxy_ndp) &&
	    pneigh_lookup(&nd_tbl, net, &hdr->daddr, skb->dev, 0))
		return NF_ACCEPT;
	dst = semnet_route6(net, skb);
	rt = dst_rt6_info(dst);
	if (dst->error || dst->lwtstate ||
	    (rt->rt6i_flags & (RTF_LOCAL | RTF_ANYCAST | RTF_REJECT)))
		return NF_ACCEPT;
	dev = dst->dev;
	idev = ip6_dst_idev(dst);
	/* Out where it came in: ip6_forward() sends a redirect. */
	if (IP6CB(skb)->iif == dev->ifindex || !idev ||
	    READ_ONCE(idev->cnf.disable_ipv6))
		return NF_ACCEPT;
	mtu = max_t(unsigned int, ip6_dst_mtu_maybe_forward(dst, true),
		    IPV6_MIN_MTU);
	if (semnet_too_big6(skb, mtu) || skb_warn_if_lro(skb))
		return NF_ACCEPT;

	skb_forward_csum(skb);
	if (skb_cow(skb, max_t(unsigned int, dev->hard_header_len,
			       LL_RESERVED_SPACE(dev))))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	semnet_ftuple6_target(post, &to);
	if ((!ipv6_addr_equal(&post->key.src, &to.src) ||
	     !ipv6_addr_equal(&post->key.dst, &to.dst) ||
	     post->key.sport != to.sport || post->key.dport != to.dport) &&
	    semnet_rewrite6(skb, pkt, &post->key, &to))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	hdr = ipv6_hdr(skb);
	hdr->hop_limit--;
	if (READ_ONCE(sn->n_direct))
		semnet_direct_tx(sn, skb, dev);

	/* ip6_forward_finish(), ip6_output(), ip6_finish_output2(). */
	IP6_INC_STATS(net, idev, IPSTATS_MIB_OUTFORWDATAGRAMS);
	IP6_ADD_STATS(net, idev, IPSTATS_MIB_OUTOCTETS, skb->len);
	IP6_UPD_PO_STATS(net, idev, IPSTATS_MIB_OUT, skb->len);
	skb_clear_tstamp(skb);
	skb->dev = dev;
	skb->protocol = htons(ETH_P_IPV6);
	nexthop = rt6_nexthop(rt, &hdr->daddr);
	neigh = __ipv6_neigh_lookup_noref(dev, nexthop);
	if (unlikely(!neigh))
		neigh = __neigh_create(&nd_tbl, nexthop, dev, false);
	if (IS_ERR(neigh))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_NOMEM);
	semnet_stat_inc(sn, forwarded);
	neigh_output(neigh, skb, false);
	return NF_STOLEN;
}
