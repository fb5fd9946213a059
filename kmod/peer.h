/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_PEER_H
#define _SEMNET_PEER_H

#include <linux/rhashtable.h>
#include <net/dst_cache.h>
#include <uapi/linux/semnet.h>

#include "addr.h"
#include "cfg.h"

struct semnet_net;
struct netlink_ext_ack;

/* The hash key of a peer: its subnet, NUL-padded to a fixed size. */
struct semnet_peer_key {
	__be32 addr;
	u8 len;
	u8 pad[3];
};

struct semnet_peer_key6 {
	struct in6_addr addr;
	u8 len;
	u8 pad[3];
};

/*
 * A peer's subnet, of either family: the family of the inner packets it
 * is sent. An IPv6 one is a /96 or longer (SEMNET_PEER6_LEN_MIN): the GRE
 * key, 32 bits, carries the rest of the sender's IPv6 nsIP.
 */
struct semnet_peer_subnet {
	u8 family;			/* AF_INET, AF_INET6 */
	union {
		struct semnet_prefix v4;
		struct semnet_prefix6 v6;
	};
};

#define SEMNET_PEER6_LEN_MIN	96

/* An underlay address: IPv4, or IPv6 (outer IPv6 + UDP). */
struct semnet_underlay {
	u8 family;			/* AF_INET, AF_INET6 */
	union {
		__be32 ip;
		struct in6_addr ip6;
	};
};

/*
 * Another node: where the nsIPs of @subnet live, and how to reach it. A
 * node with IPv4 and IPv6 subnets is a peer for each.
 */
struct semnet_peer {
	struct rhash_head node;		/* sn->peers or ->peers6, by subnet */
	/* sn->peer_addrs or ->peer_addrs6, by underlay address */
	struct rhlist_head by_addr;
	struct list_head list;		/* sn->peer_list, under the lock */
	struct list_head direct;	/* sn->direct_peers (RCU), if direct */
	union {
		struct semnet_peer_key key;
		struct semnet_peer_key6 key6;
	};
	/* The key of by_addr: ->ip or ->ip6, by family. */
	struct semnet_underlay under;
	struct semnet_peer_subnet subnet;
	__be16 port;			/* its tunnel port */
	u8 encap;			/* enum semnet_encap */
	/*
	 * Its packets arrive only on this device (0: on any). Negative: the
	 * device of index -ifindex was bound and has been unregistered since
	 * (semnet_peer_dev_gone()); no device is that, so nothing arrives.
	 * Written under the netns lock, read with READ_ONCE.
	 */
	int ifindex;
	/*
	 * How far the node is (SEMNET_PEER_COST_UNKNOWN: not measured) and
	 * whether it is down. Written under the netns lock, each change
	 * copied into the instances behind the peer (the "closest" policy
	 * reads only those); read with READ_ONCE by dumps.
	 */
	u32 cost;
	bool down;
	/* SEMNET_A_PEER_LABEL (NULL: none); fixed for the peer's life. */
	const char *label;
	/* The underlay route to the peer, per CPU: no lookup per packet. */
	struct dst_cache dst_cache;
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	struct rcu_head rcu;
};

/*
 * A peer as semnet_peer_add() installs it; from a NEW_PEER request,
 * @given has bit SEMNET_A_PEER_x for each attribute it carried
 * (semnet_peer_configure() fills in the rest) and @attrs points errors at
 * them (NULL outside netlink).
 */
struct semnet_peer_cfg {
	struct semnet_peer_subnet subnet;
	struct semnet_underlay under;
	u16 port;
	u8 encap;
	int ifindex;
	u32 cost;
	bool down;
	const char *label;		/* NULL or "": none; copied */
	u32 given;
	struct nlattr **attrs;
};

/* What SEMNET_CMD_SET_PEER changes: the cost and/or the down state. */
struct semnet_peer_state {
	bool set_cost;
	bool set_down;
	u32 cost;
	bool down;
};

/*
 * The last routes semnet_peer_route() and semnet_peer_route6() found on
 * one CPU, a few slots
 * by destination: every packet into semnet0 (and, with direct peers,
 * every packet leaving the node or arriving from one) asks it, mostly
 * for the few nsIPs its flows talk to. An entry holds sn->peer_gen as it
 * was before its lookup; it answers only while that is still current.
 * Used only with bottom halves off (softirq, or BH disabled) and outside
 * interrupts (semnet_pcpu_cache_usable()), so nothing else on the CPU
 * touches it meanwhile.
 *
 * Why a remembered @peer is never freed memory when it answers: a peer
 * leaves its table, then sn->peer_gen moves on (release), then it is
 * freed after a grace period (call_rcu). A reader whose RCU section
 * began before that grace period holds it off; one that began after
 * sees the new generation (RCU orders the updater's earlier stores
 * before such a reader's loads) and looks up again. The generation is
 * read (acquire) before the lookup whose result is stored with it, so a
 * lookup that still found a departing peer is stored with a generation
 * already stale.
 */
#define SEMNET_PEER_CACHE_BITS	2

struct semnet_peer_cache {
	struct {
		unsigned long gen;
		struct semnet_peer *peer;	/* NULL: no peer */
		__be32 dst;
	} e[1 << SEMNET_PEER_CACHE_BITS];
	/* The same for IPv6 (semnet_peer_route6()). */
	struct {
		unsigned long gen;
		struct semnet_peer *peer;
		struct in6_addr dst;
	} e6[1 << SEMNET_PEER_CACHE_BITS];
};

extern const struct rhashtable_params semnet_peer_params;
extern const struct rhashtable_params semnet_peer6_params;
extern const struct rhashtable_params semnet_peer_addr_params;
extern const struct rhashtable_params semnet_peer_addr6_params;

/*
 * The peer whose subnet holds @dst, longest prefix first. RCU. Answers
 * from the CPU's cache (struct semnet_peer_cache) when it may.
 */
struct semnet_peer *semnet_peer_route(struct semnet_net *sn, __be32 dst);
struct semnet_peer *semnet_peer_route6(struct semnet_net *sn,
				       const struct in6_addr *dst);
struct semnet_peer *semnet_peer_route_any(struct semnet_net *sn,
					  const struct semnet_inaddr *dst);

/*
 * True when @peer accepts tunnel packets in @encap: its own, and GRE in
 * UDP from a direct peer (what reached its semnet0 during a change).
 */
static inline bool semnet_peer_speaks(const struct semnet_peer *peer, u8 encap)
{
	return peer->encap == encap ||
	       (peer->encap == SEMNET_ENCAP_DIRECT &&
		encap == SEMNET_ENCAP_GRE_UDP);
}

/* True when @a and @b are subnets of one node: one underlay address. */
bool semnet_peer_same_node(const struct semnet_peer *a,
			   const struct semnet_peer *b);

/*
 * The device a packet arrived on: @iif (inet_iif(), inet6_iif()) and,
 * when that is an L3 master (a VRF), the enslaved device it came in
 * through, @sdif (inet_sdif(), inet6_sdif(); else 0). A peer bound to a
 * device accepts a packet when either is that device, as a socket bound
 * to a device does (inet_bound_dev_eq()).
 */
struct semnet_via {
	int iif;
	int sdif;
};

/*
 * The peer at underlay address @from, speaking @encap, whose subnet of
 * family @nsip->family owns nsIP @nsip (with @any: the first such peer,
 * whatever it owns), or NULL, for a packet that arrived @via a device.
 * Sets *@known when any peer with that encapsulation has that address. A
 * peer configured for one encapsulation is not accepted in the other,
 * nor one bound to a device (its ifindex) from another device. RCU.
 */
struct semnet_peer *semnet_peer_from(struct semnet_net *sn,
				     const struct semnet_underlay *from,
				     const struct semnet_via *via, u8 encap,
				     const struct semnet_inaddr *nsip,
				     bool any, bool *known);
/*
 * GRE from @from, @via a device, with an IPv6 inner packet: the peer
 * whose IPv6 subnet holds the nsIP that GRE key @key completes (its low
 * 32 bits), and that nsIP in *@nsip. Sets *@known and checks the device
 * as semnet_peer_from(). RCU.
 */
struct semnet_peer *semnet_peer_from_key6(struct semnet_net *sn,
					  const struct semnet_underlay *from,
					  const struct semnet_via *via,
					  __be32 key, struct in6_addr *nsip,
					  bool *known);
/*
 * True when a peer at underlay address @addr speaks @encap on UDP port
 * @port (where the tunnel sends) and takes what comes @via a device: its
 * packets leave by the device it is bound to, so an ICMP error about them
 * that arrives on another device (a cleartext "fragmentation needed" on
 * the underlay, say) is forged. RCU.
 */
bool semnet_peer_at(struct semnet_net *sn, const struct semnet_underlay *addr,
		    __be16 port, u8 encap, const struct semnet_via *via);

/* The peer for exactly @subnet (under the netns lock), or NULL. */
struct semnet_peer *semnet_peer_find(struct semnet_net *sn,
				     const struct semnet_peer_subnet *subnet);
/* True when @peer's subnet holds @addr (of either family). */
bool semnet_peer_holds(const struct semnet_peer *peer,
		       const struct semnet_inaddr *addr);
/*
 * Adds or changes the peer for @cfg->subnet as a NEW_PEER request asks: a
 * change keeps what the request leaves out, a new peer needs an underlay
 * address (unicast) and starts at an unknown cost; the port defaults by
 * encapsulation; the subnet must lie in the platform range, outside the
 * service range, and be none of this node's; a device (ifindex) must
 * exist in the namespace. Under the netns lock.
 */
int semnet_peer_configure(struct semnet_net *sn,
			  const struct semnet_peer_cfg *cfg,
			  enum semnet_add_mode mode,
			  struct netlink_ext_ack *extack);
int semnet_peer_add(struct semnet_net *sn, const struct semnet_peer_cfg *cfg,
		    enum semnet_add_mode mode, struct netlink_ext_ack *extack);
int semnet_peer_del(struct semnet_net *sn,
		    const struct semnet_peer_subnet *subnet,
		    struct netlink_ext_ack *extack);
void semnet_peer_flush(struct semnet_net *sn);
/*
 * Device @ifindex is being unregistered (deleted, or moved to another
 * namespace, where its index means nothing): every peer bound to it
 * keeps matching nothing, also once a new device gets that index. Under
 * the netns lock.
 */
void semnet_peer_dev_gone(struct semnet_net *sn, int ifindex);
/*
 * Sets the cost and/or down state of the peer for @subnet, or (@subnet
 * NULL) of every peer at underlay address @addr: one node. Refreshes the
 * instances behind them and, when a peer goes down, removes the
 * "closest" flows to them. Process context, under the netns lock.
 */
int semnet_peer_set(struct semnet_net *sn,
		    const struct semnet_peer_subnet *subnet,
		    const struct semnet_underlay *addr,
		    const struct semnet_peer_state *st,
		    struct netlink_ext_ack *extack);

#endif /* _SEMNET_PEER_H */
