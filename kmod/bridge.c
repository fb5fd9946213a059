// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-spoofing on container ports: a container sends only with its own
 * address, in IPv4 and in ARP, and sends no VLAN-tagged frame. Bridged
 * nodes check the ports of their container bridge; routed nodes each
 * container's host-side veth, which the port map (sn->ports) names.
 */
#include <linux/if_arp.h>
#include <linux/if_bridge.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/ip6_route.h>
#include <net/ip_fib.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "bridge.h"
#include "device.h"
#include "instance.h"
#include "netns.h"
#include "node.h"
#include "peer.h"

/*
 * May the container behind port @in send as @addr? Not as the gateway, only
 * inside the node's subnets, and a known local instance's nsIP only from
 * that instance's own port.
 */
static bool semnet_bridge_source_ok(struct semnet_net *sn,
				    const struct semnet_node *node,
				    const struct net_device *in, __be32 addr)
{
	const struct semnet_instance *inst;
	int ifindex;

	if (addr == node->gateway || !semnet_node_is_local(node, addr))
		return false;
	inst = semnet_local_lookup(sn, addr);
	ifindex = inst ? READ_ONCE(inst->ifindex) : 0;
	return !ifindex || ifindex == in->ifindex;
}

/*
 * The same for IPv6: link-local addresses (NDP's) and the unspecified one
 * (duplicate address detection) claim no semnet address; the rest must be
 * in the node's IPv6 subnets, not the gateway, and a local instance's
 * nsIP only from its port. A node without an IPv6 plan translates no
 * IPv6 and checks none.
 */
static bool semnet_bridge_source6_ok(struct semnet_net *sn,
				     const struct semnet_node *node,
				     const struct net_device *in,
				     const struct in6_addr *addr)
{
	const struct semnet_instance *inst;
	int ifindex;

	if (!node->has_v6 || ipv6_addr_any(addr) ||
	    (ipv6_addr_type(addr) & IPV6_ADDR_LINKLOCAL))
		return true;
	if (ipv6_addr_equal(addr, &node->gateway6) ||
	    !semnet_node_is_local6(node, addr))
		return false;
	inst = semnet_local_lookup6(sn, addr);
	ifindex = inst ? READ_ONCE(inst->ifindex) : 0;
	return !ifindex || ifindex == in->ifindex;
}

/*
 * IPv6 from a port: its source, and the target of a neighbour
 * advertisement, which every neighbour (and the node) writes into its
 * cache as ARP's sender. Returns the drop reason, or SEMNET_DROP_UNSPEC.
 */
static enum semnet_drop_reason
semnet_bridge_ipv6(struct semnet_net *sn, const struct semnet_node *node,
		   struct sk_buff *skb, const struct net_device *in)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	struct {
		struct icmp6hdr hdr;
		struct in6_addr target;
	} _na;
	const typeof(_na) *na;
	__be16 frag_off;
	u8 nexthdr;
	int off;

	ip6h = skb_header_pointer(skb, 0, sizeof(_ip6h), &_ip6h);
	if (!ip6h)
		return SEMNET_DROP_UNSPEC;	/* truncated: IPv6 drops it */
	if (!semnet_bridge_source6_ok(sn, node, in, &ip6h->saddr))
		return SEMNET_DROP_SPOOFED_SOURCE;
	if (!node->has_v6)
		return SEMNET_DROP_UNSPEC;
	nexthdr = ip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6 || frag_off)
		return SEMNET_DROP_UNSPEC;
	na = skb_header_pointer(skb, off, sizeof(_na), &_na);
	if (!na || na->hdr.icmp6_type != NDISC_NEIGHBOUR_ADVERTISEMENT)
		return SEMNET_DROP_UNSPEC;
	return semnet_bridge_source6_ok(sn, node, in, &na->target) ?
	       SEMNET_DROP_UNSPEC : SEMNET_DROP_SPOOFED_SOURCE;
}

/*
 * ARP carries its own sender address, which every neighbour (and the node)
 * writes into its cache: a gratuitous ARP "from" a neighbour's nsIP or the
 * gateway would redirect their traffic to the sender. Returns the drop
 * reason, or SEMNET_DROP_UNSPEC to accept.
 */
static enum semnet_drop_reason
semnet_bridge_arp(struct semnet_net *sn, const struct semnet_node *node,
		  const struct sk_buff *skb, const struct net_device *in)
{
	const struct arphdr *arp;
	struct arphdr _arp;
	const __be32 *sip;
	__be32 _sip;

	arp = skb_header_pointer(skb, 0, sizeof(_arp), &_arp);
	if (!arp)
		return SEMNET_DROP_MALFORMED;
	/* IPv4 ignores ARP for other protocols (arp_process()). */
	if (arp->ar_pro != htons(ETH_P_IP))
		return SEMNET_DROP_UNSPEC;
	if (arp->ar_pln != sizeof(*sip))
		return SEMNET_DROP_MALFORMED;
	/* The sender's IP follows its hardware address, of ar_hln bytes. */
	sip = skb_header_pointer(skb, sizeof(*arp) + arp->ar_hln, sizeof(_sip),
				 &_sip);
	if (!sip)
		return SEMNET_DROP_MALFORMED;
	/* 0.0.0.0: an address probe (RFC 5227), which claims nothing. */
	if (!*sip || semnet_bridge_source_ok(sn, node, in, *sip))
		return SEMNET_DROP_UNSPEC;
	return SEMNET_DROP_SPOOFED_SOURCE;
}

/*
 * Containers sit behind bridge ports and the IPv4 hooks only see the
 * bridge: check here that a port sends only with its own address, as IPv4
 * source and as ARP sender (IPv6: source and neighbour advertisement), so a container cannot take a neighbour's nsIP
 * (or the gateway's), and sends nothing tagged that would hide either.
 */
unsigned int semnet_bridge_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node = rcu_dereference(sn->node);
	enum semnet_drop_reason reason;
	struct net_device *bridge;
	const struct iphdr *iph;
	struct iphdr _iph;

	if (!node || !state->in)
		return NF_ACCEPT;
	bridge = netdev_master_upper_dev_get_rcu(state->in);
	if (!bridge || bridge->ifindex != node->bridge_ifindex)
		return NF_ACCEPT;
	/*
	 * No tagged frame from a container, whatever the bridge's VLAN
	 * settings. The receive path moved the outer tag into the skb
	 * (skb_vlan_tag_present(), skb->protocol the next type), so a
	 * frame tagged twice has a VLAN type in skb->protocol, and the
	 * checks below would never see its IPv4 or ARP. That is not
	 * harmless: receivers strip VLAN 0 (priority) tags, so 0/0 double
	 * tags deliver the inner frame to the node and the neighbours as if
	 * untagged; and a VLAN-filtering bridge strips the tag of an
	 * untagged member VLAN on egress, so an outer tag of the port's own
	 * VLAN would hide an inner one. Containers get untagged ports and
	 * have no reason to tag at all: drop rather than parse tags.
	 */
	if (skb_vlan_tag_present(skb) || eth_type_vlan(skb->protocol))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_TAGGED);

	if (skb->protocol == htons(ETH_P_ARP)) {
		reason = semnet_bridge_arp(sn, node, skb, state->in);
		if (reason != SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb, reason);
		return NF_ACCEPT;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		reason = semnet_bridge_ipv6(sn, node, skb, state->in);
		if (reason != SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb, reason);
		return NF_ACCEPT;
	}
	if (skb->protocol != htons(ETH_P_IP))
		return NF_ACCEPT;
	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph || !iph->saddr)
		return NF_ACCEPT;	/* truncated: IPv4 drops it; DHCP */
	if (!semnet_bridge_source_ok(sn, node, state->in, iph->saddr))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	return NF_ACCEPT;
}


/*
 * Frames to a link-local group address (01:80:c2:00:00:0X: LLDP, 802.1X,
 * the bridge group address with STP on) are not forwarded: they skip
 * NF_BR_PRE_ROUTING and go up the stack of the port device itself, which
 * hands IPv4 to the node (a unicast IPv4 destination in a link-layer
 * multicast frame is accepted by default) and forwards it. So IPv4 that
 * arrives on a container port rather than on the bridge gets the same
 * check here, at NF_INET_PRE_ROUTING. ARP arriving that way only fills the
 * port device's own neighbour table, which no route uses.
 */
unsigned int semnet_bridge_port_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node;
	struct net_device *bridge;
	__be32 saddr;

	/*
	 * Every IPv4 packet passes here: the common case costs the node's
	 * mode and one test (bridged), or one port map lookup and one
	 * subnet test (routed).
	 */
	node = rcu_dereference(sn->node);
	if (unlikely(!node || !state->in))
		return NF_ACCEPT;
	if (node->mode == SEMNET_NODE_MODE_ROUTED) {
		if (semnet_routed_check(sn, node, state->in,
					ip_hdr(skb)->saddr) != SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb,
						  SEMNET_DROP_SPOOFED_SOURCE);
		return NF_ACCEPT;
	}
	if (!netif_is_bridge_port(state->in))
		return NF_ACCEPT;
	bridge = netdev_master_upper_dev_get_rcu(state->in);
	if (!bridge || bridge->ifindex != node->bridge_ifindex)
		return NF_ACCEPT;
	/* ip_rcv() has pulled and checked the header. */
	saddr = ip_hdr(skb)->saddr;
	if (saddr && !semnet_bridge_source_ok(sn, node, state->in, saddr))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	return NF_ACCEPT;
}

/*
 * semnet_bridge_port_hook() for IPv6, at its NF_INET_PRE_ROUTING: a
 * routed node's check of every container packet (semnet_routed_check6()),
 * and on a bridged node the source check for what arrives on a port
 * rather than on the bridge.
 */
unsigned int semnet_bridge_port_hook6(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct semnet_net *sn = priv;
	const struct semnet_node *node;
	struct net_device *bridge;

	node = rcu_dereference(sn->node);
	if (unlikely(!node || !state->in) || !node->has_v6)
		return NF_ACCEPT;
	if (node->mode == SEMNET_NODE_MODE_ROUTED) {
		if (semnet_routed_check6(sn, node, state->in,
					 &ipv6_hdr(skb)->saddr) !=
		    SEMNET_DROP_UNSPEC)
			return semnet_drop_packet(sn, skb,
						  SEMNET_DROP_SPOOFED_SOURCE);
		return NF_ACCEPT;
	}
	if (!netif_is_bridge_port(state->in))
		return NF_ACCEPT;
	bridge = netdev_master_upper_dev_get_rcu(state->in);
	if (!bridge || bridge->ifindex != node->bridge_ifindex)
		return NF_ACCEPT;
	if (!semnet_bridge_source6_ok(sn, node, state->in,
				      &ipv6_hdr(skb)->saddr))
		return semnet_drop_packet(sn, skb, SEMNET_DROP_SPOOFED_SOURCE);
	return NF_ACCEPT;
}

/*
 * Does the node route @addr out of @in? Then the container behind @in may
 * send as @addr: its veth carries the address's /32 route (semnetd adds it
 * with the veth, before the container's instance is known). RCU.
 */
static bool semnet_routed_via(struct net *net, const struct net_device *in,
			      __be32 addr)
{
	struct flowi4 fl4 = { .daddr = addr };
	struct fib_result res;

	if (fib_lookup(net, &fl4, &res, FIB_LOOKUP_NOREF))
		return false;
	return res.type == RTN_UNICAST && FIB_RES_DEV(res) == in;
}

/*
 * A routed node has no bridge between its containers and its IPv4 stack:
 * every container's packets reach NF_INET_PRE_ROUTING on its own
 * host-side veth. A container sends only as itself: a local instance's
 * nsIP only from the port that instance named, any other address of the
 * node's subnets only from the device the node routes it to (strict
 * reverse path: a container whose instance is not known yet, or one that
 * is no instance). A port sends nothing from outside the subnets, and no
 * device the gateway, but the loopback and the tunnel (which checks its
 * peers' sources itself). So an unregistered veth or an underlay
 * neighbour cannot pose as a container. ARP needs no check: a forged
 * sender only fills the neighbour table of the attacker's own veth, and
 * each container's /32 route goes out its own.
 */
enum semnet_drop_reason semnet_routed_check(struct semnet_net *sn,
					    const struct semnet_node *node,
					    const struct net_device *in,
					    __be32 saddr)
{
	const struct semnet_instance *inst;
	const struct semnet_device *sd;
	int ifindex;

	/* 0.0.0.0: DHCP and the like, which claim nothing. */
	if (!saddr)
		return SEMNET_DROP_UNSPEC;
	if (likely(semnet_node_is_local(node, saddr))) {
		/* The node's own packets to itself, from the gateway address. */
		if (in->flags & IFF_LOOPBACK)
			return SEMNET_DROP_UNSPEC;
		sd = rcu_dereference(sn->tunnel);
		if (sd && in == sd->dev)
			return SEMNET_DROP_UNSPEC;
		if (saddr == node->gateway)
			return SEMNET_DROP_SPOOFED_SOURCE;
		inst = semnet_local_lookup(sn, saddr);
		ifindex = inst ? READ_ONCE(inst->ifindex) : 0;
		if (ifindex)
			return ifindex == in->ifindex ? SEMNET_DROP_UNSPEC :
			       SEMNET_DROP_SPOOFED_SOURCE;
		return semnet_routed_via(sn->net, in, saddr) ?
		       SEMNET_DROP_UNSPEC : SEMNET_DROP_SPOOFED_SOURCE;
	}
	return semnet_port_is_rcu(sn, in->ifindex) ? SEMNET_DROP_SPOOFED_SOURCE :
	       SEMNET_DROP_UNSPEC;
}

/* The same route test for IPv6: a /128 (or the subnet) out of @in. */
static bool semnet_routed_via6(struct net *net, const struct net_device *in,
			       const struct in6_addr *addr)
{
	struct rt6_info *rt;
	bool via;

	rt = rt6_lookup(net, addr, NULL, 0, NULL, 0);
	if (!rt)
		return false;
	via = rt->dst.dev == in && !(rt->rt6i_flags & RTF_REJECT);
	ip6_rt_put(rt);
	return via;
}

/*
 * semnet_routed_check() for IPv6. Link-local sources (NDP, and the
 * container's own gateway on its veth) and the unspecified one claim no
 * semnet address; NDP needs no check, as ARP needs none.
 */
enum semnet_drop_reason semnet_routed_check6(struct semnet_net *sn,
					     const struct semnet_node *node,
					     const struct net_device *in,
					     const struct in6_addr *saddr)
{
	const struct semnet_instance *inst;
	const struct semnet_device *sd;
	int ifindex;

	/*
	 * fe80::/10 tested inline (ipv6_addr_type() is a call per packet);
	 * multicast, which ip6_rcv() never lets through as a source, as
	 * ipv6_addr_type() scopes it.
	 */
	if (ipv6_addr_any(saddr) || semnet_addr6_linklocal(saddr) ||
	    (ipv6_addr_is_multicast(saddr) &&
	     (ipv6_addr_type(saddr) & IPV6_ADDR_LINKLOCAL)))
		return SEMNET_DROP_UNSPEC;
	if (likely(semnet_node_is_local6(node, saddr))) {
		if (in->flags & IFF_LOOPBACK)
			return SEMNET_DROP_UNSPEC;
		sd = rcu_dereference(sn->tunnel);
		if (sd && in == sd->dev)
			return SEMNET_DROP_UNSPEC;
		if (ipv6_addr_equal(saddr, &node->gateway6))
			return SEMNET_DROP_SPOOFED_SOURCE;
		inst = semnet_local_lookup6(sn, saddr);
		ifindex = inst ? READ_ONCE(inst->ifindex) : 0;
		if (ifindex)
			return ifindex == in->ifindex ? SEMNET_DROP_UNSPEC :
			       SEMNET_DROP_SPOOFED_SOURCE;
		return semnet_routed_via6(sn->net, in, saddr) ?
		       SEMNET_DROP_UNSPEC : SEMNET_DROP_SPOOFED_SOURCE;
	}
	return semnet_port_is_rcu(sn, in->ifindex) ? SEMNET_DROP_SPOOFED_SOURCE :
	       SEMNET_DROP_UNSPEC;
}

int semnet_port_get(struct semnet_net *sn, int ifindex)
{
	unsigned long n;
	void *old;

	semnet_assert_locked(sn);
	old = xa_load(&sn->ports, ifindex);
	n = old ? xa_to_value(old) : 0;
	return xa_err(xa_store(&sn->ports, ifindex, xa_mk_value(n + 1),
			       GFP_KERNEL_ACCOUNT));
}

void semnet_port_put(struct semnet_net *sn, int ifindex)
{
	unsigned long n;
	void *old;

	semnet_assert_locked(sn);
	old = xa_load(&sn->ports, ifindex);
	if (WARN_ON_ONCE(!old))
		return;
	n = xa_to_value(old);
	if (n > 1)
		/* Replaces an entry in place: allocates nothing, cannot fail. */
		xa_store(&sn->ports, ifindex, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&sn->ports, ifindex);
}

void semnet_port_gone(struct semnet_net *sn, int ifindex)
{
	struct semnet_instance *inst;

	semnet_assert_locked(sn);
	if (!xa_load(&sn->ports, ifindex))
		return;
	/*
	 * The instances keep their ifindex: on a bridge it still tells that
	 * no other port may send as them. They only stop holding the port,
	 * so a device that later gets the same ifindex is no port of theirs.
	 */
	list_for_each_entry(inst, &sn->instance_list, list)
		if (inst->port && inst->ifindex == ifindex)
			inst->port = false;
	xa_erase(&sn->ports, ifindex);
}

static int semnet_port_netdev_event(struct notifier_block *nb,
				    unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct semnet_net *sn;

	/* Also when it leaves for another namespace: its index stays here. */
	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	sn = semnet_pernet(dev_net(dev));
	/*
	 * Under RTNL: the netns lock nests inside it (no semnet path takes
	 * RTNL under the netns lock). A namespace without semnet's node has
	 * no peers, and can get none bound to this device: a request that
	 * binds one checks for the device under the lock, after the node,
	 * and the device left the index before this runs (after a grace
	 * period). Then only ports matter, and most devices are none.
	 */
	if (!rcu_access_pointer(sn->node) &&
	    !semnet_port_is(sn, dev->ifindex))
		return NOTIFY_DONE;
	mutex_lock(&sn->lock);
	semnet_port_gone(sn, dev->ifindex);
	/* A bound peer matches nothing now, nor once the index is reused. */
	semnet_peer_dev_gone(sn, dev->ifindex);
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block semnet_port_notifier = {
	.notifier_call = semnet_port_netdev_event,
};

int semnet_port_notifier_init(void)
{
	return register_netdevice_notifier(&semnet_port_notifier);
}

void semnet_port_notifier_exit(void)
{
	unregister_netdevice_notifier(&semnet_port_notifier);
}
