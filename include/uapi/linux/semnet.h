/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * semnet: semantic-address overlay networking.
 *
 * The generic-netlink contract between semnet.ko and userspace. This header
 * is the only definition of it; the kernel module, the `semnet` CLI and the
 * daemons all include it.
 *
 * Family SEMNET_GENL_NAME, version SEMNET_GENL_VERSION. Every command acts on
 * the network namespace of the requesting socket. Changes (NEW, DEL, SET,
 * FLUSH) need CAP_NET_ADMIN in that namespace; GET and dumps do not.
 * Numbers are ABI: new commands and attributes are only ever appended.
 *
 * NEW and SET requests merge: attributes a request leaves out keep their
 * current values (a new object takes the defaults). NEW with NLM_F_REPLACE
 * alone changes an existing object (-ENOENT if there is none); without
 * NLM_F_REPLACE, an existing object is -EEXIST.
 *
 * Objects (per namespace):
 *  - node: this namespace's semnet configuration (address ranges, local
 *    subnets, bridge, flow limits). Nothing is translated until it is set.
 *  - service: a ServiceIP (RR or Closest address) with a name and a policy.
 *    Services that share a name share their instances.
 *  - instance: an InstanceIP of a named service, with the nsIP it has while
 *    deployed and the node that hosts it.
 *  - flow: a translated connection (read-only; dump and flush).
 * IPv4 addresses are network byte order (NLA_BE32). IPv6 addresses are
 * struct in6_addr (16 bytes) in attributes of their own, the IPv4 one's
 * twin with a 6 at the end of its name (_ADDR6 beside _ADDR): IPv4-only
 * requests and replies are what they always were, and a module without
 * IPv6 refuses an IPv6 attribute as an unknown one. Ports of flows are
 * NLA_BE16 as on the wire; configured ports (tunnel, peer) are host-order
 * u16.
 */
#ifndef _UAPI_LINUX_SEMNET_H
#define _UAPI_LINUX_SEMNET_H

#define SEMNET_GENL_NAME	"semnet"
#define SEMNET_GENL_VERSION	1

/* Longest service name, including the terminating NUL. */
#define SEMNET_NAME_MAX		128
/* Longest policy name, including the terminating NUL. */
#define SEMNET_POLICY_NAME_MAX	16
/* Most local subnets a node may have. */
#define SEMNET_SUBNETS_MAX	8

enum semnet_cmd {
	SEMNET_CMD_UNSPEC,
	SEMNET_CMD_GET_INFO,		/* reply: SEMNET_A_INFO */

	SEMNET_CMD_SET_NODE,		/* SEMNET_A_NODE: create, or change (merges) */
	SEMNET_CMD_GET_NODE,		/* reply: SEMNET_A_NODE; -ENODATA if unset */
	SEMNET_CMD_DEL_NODE,		/* remove config and every object */

	SEMNET_CMD_NEW_SERVICE,		/* SEMNET_A_SERVICE; NLM_F_REPLACE updates */
	SEMNET_CMD_DEL_SERVICE,		/* SEMNET_A_SERVICE with _ADDR */
	SEMNET_CMD_GET_SERVICE,		/* by _ADDR, or dump */
	SEMNET_CMD_FLUSH_SERVICES,	/* every service (instances stay) */

	SEMNET_CMD_NEW_INSTANCE,	/* SEMNET_A_INSTANCE; NLM_F_REPLACE updates */
	SEMNET_CMD_DEL_INSTANCE,	/* SEMNET_A_INSTANCE with _ADDR */
	SEMNET_CMD_GET_INSTANCE,	/* by _ADDR, or dump (filter: _SERVICE) */
	SEMNET_CMD_FLUSH_INSTANCES,	/* every instance (filter: _SERVICE) */

	/* Dump only; filters: SEMNET_A_FLOW _SERVICE and/or _INSTANCE. */
	SEMNET_CMD_GET_FLOW,
	SEMNET_CMD_FLUSH_FLOWS,		/* optional filter: SEMNET_A_FLOW _SERVICE/_INSTANCE */

	SEMNET_CMD_GET_STATS,		/* reply: SEMNET_A_STATS */

	SEMNET_CMD_NEW_PEER,		/* SEMNET_A_PEER; NLM_F_REPLACE updates */
	SEMNET_CMD_DEL_PEER,		/* SEMNET_A_PEER with _SUBNET */
	SEMNET_CMD_GET_PEER,		/* dump */
	SEMNET_CMD_FLUSH_PEERS,

	/* Event only, on SEMNET_MCGRP_MISSES: SEMNET_A_MISS. */
	SEMNET_CMD_MISS,

	/*
	 * SEMNET_A_PEER with _SUBNET (that peer) or _ADDR (every peer at that
	 * underlay address: one node), and _COST and/or _DOWN to set.
	 */
	SEMNET_CMD_SET_PEER,

	__SEMNET_CMD_MAX
};
#define SEMNET_CMD_MAX (__SEMNET_CMD_MAX - 1)

/* Top-level attributes: one nest per object kind. */
enum semnet_attr {
	SEMNET_A_UNSPEC,
	SEMNET_A_INFO,		/* nest: enum semnet_info_attr */
	SEMNET_A_NODE,		/* nest: enum semnet_node_attr */
	SEMNET_A_SERVICE,	/* nest: enum semnet_service_attr */
	SEMNET_A_INSTANCE,	/* nest: enum semnet_instance_attr */
	SEMNET_A_FLOW,		/* nest: enum semnet_flow_attr */
	SEMNET_A_STATS,		/* nest: enum semnet_stats_attr */
	SEMNET_A_PEER,		/* nest: enum semnet_peer_attr */
	SEMNET_A_MISS,		/* nest: enum semnet_miss_attr */
	/*
	 * Batches: NEW_SERVICE with SEMNET_A_SERVICES, NEW_INSTANCE with
	 * SEMNET_A_INSTANCES, in place of the one object's nest: a nest of
	 * SEMNET_A_SERVICE (SEMNET_A_INSTANCE) entries, each what a request
	 * of its own would carry, at most 64 KiB in all (an attribute's
	 * length is 16 bits; send several requests for more). The entries
	 * are applied in order, with the message's flags, in one hold of the
	 * namespace's lock. The first entry that fails stops the batch: the
	 * entries before it are applied, it and those after it are not, and
	 * no entry is ever half applied. The request then fails with that
	 * entry's error, and the extended ack's offset (NLMSGERR_ATTR_OFFS)
	 * always lies inside that entry (its attribute at fault, or the
	 * entry itself), so the sender knows exactly which entries took
	 * effect. An error without an offset inside an entry (e.g. -EPERM, or
	 * -EINVAL "Unknown attribute type" at this attribute from a module
	 * older than batches) applied none of them.
	 * Instances of a batch join their service name's instance set (and
	 * policies' picks) together, when the batch is done; their
	 * InstanceIPs are looked up from the moment each entry is applied.
	 */
	SEMNET_A_SERVICES,	/* nest of SEMNET_A_SERVICE (NEW_SERVICE) */
	SEMNET_A_INSTANCES,	/* nest of SEMNET_A_INSTANCE (NEW_INSTANCE) */

	__SEMNET_A_MAX
};
#define SEMNET_A_MAX (__SEMNET_A_MAX - 1)

enum semnet_info_attr {
	SEMNET_A_INFO_UNSPEC,
	SEMNET_A_INFO_VERSION,		/* string: module version */
	SEMNET_A_INFO_GENL_VERSION,	/* u32: SEMNET_GENL_VERSION */
	SEMNET_A_INFO_NETNS_INUM,	/* u32: inode of /proc/self/ns/net */
	SEMNET_A_INFO_NETNS_COOKIE,	/* u64: the namespace's boot-unique cookie */
	SEMNET_A_INFO_PAD,

	__SEMNET_A_INFO_MAX
};
#define SEMNET_A_INFO_MAX (__SEMNET_A_INFO_MAX - 1)

/*
 * A prefix: used for ranges and subnets. It carries exactly one of
 * _ADDR (IPv4) and _ADDR6 (IPv6); where only one family makes sense (an
 * IPv4 range, an IPv6 range), the other is refused.
 */
enum semnet_prefix_attr {
	SEMNET_A_PREFIX_UNSPEC,
	SEMNET_A_PREFIX_ADDR,		/* be32: network address (host bits zero) */
	SEMNET_A_PREFIX_LEN,		/* u8: 0..32 (IPv4), 0..128 (IPv6) */
	SEMNET_A_PREFIX_ADDR6,		/* in6: network address (host bits zero) */

	__SEMNET_A_PREFIX_MAX
};
#define SEMNET_A_PREFIX_MAX (__SEMNET_A_PREFIX_MAX - 1)

enum semnet_node_attr {
	SEMNET_A_NODE_UNSPEC,
	SEMNET_A_NODE_PLATFORM,		/* nest prefix: every semnet address */
	SEMNET_A_NODE_SERVICE_RANGE,	/* nest prefix: ServiceIPs and InstanceIPs */
	SEMNET_A_NODE_SUBNETS,		/* nest of SEMNET_A_NODE_SUBNET */
	/* Nest prefix: a local /26 (or other); only inside _SUBNETS. */
	SEMNET_A_NODE_SUBNET,
	SEMNET_A_NODE_GATEWAY,		/* be32: the bridge's address (.1) */
	SEMNET_A_NODE_BRIDGE,		/* u32: ifindex of the container bridge */
	SEMNET_A_NODE_FLOW_MAX,		/* u32: flow table capacity */
	SEMNET_A_NODE_TIMEOUT_TCP,	/* u32 seconds: established TCP idle */
	SEMNET_A_NODE_TIMEOUT_TCP_CLOSE, /* u32 seconds: after FIN or RST */
	SEMNET_A_NODE_TIMEOUT_UDP,	/* u32 seconds */
	SEMNET_A_NODE_TIMEOUT_ICMP,	/* u32 seconds */
	/* u16: UDP port semnet0 listens on (default SEMNET_TUNNEL_PORT). */
	SEMNET_A_NODE_TUNNEL_PORT,
	/* u32: packets held per unknown address while it is resolved (0: none) */
	SEMNET_A_NODE_HOLD_PACKETS,
	SEMNET_A_NODE_HOLD_TOTAL,	/* u32: packets held in all */
	SEMNET_A_NODE_HOLD_TIMEOUT,	/* u32 ms: a held packet is dropped after */
	SEMNET_A_NODE_MISS_INTERVAL,	/* u32 ms: at most one event per address */
	/*
	 * u32 seconds: idle timeout of a flow that has not completed its
	 * exchange (TCP: before the handshake's last ACK; UDP and ICMP:
	 * before a reply), as conntrack's SYN states.
	 */
	SEMNET_A_NODE_TIMEOUT_UNREPLIED,
	/* u32: unreplied flows one source address may have at once */
	SEMNET_A_NODE_UNREPLIED_MAX,
	/*
	 * u32, enum semnet_node_mode: how containers attach to the node.
	 * Absent from a new node's request: bridged.
	 */
	SEMNET_A_NODE_MODE,
	/*
	 * IPv6 beside IPv4 (optional: a node without them is IPv4-only).
	 * _PLATFORM6 and _SERVICE_RANGE6 come together, the IPv6 twins of
	 * _PLATFORM and _SERVICE_RANGE; _SUBNETS may then hold IPv6 prefixes
	 * too (up to SEMNET_SUBNETS_MAX of each family, each at most a /126;
	 * its nsIPs are ::2 and up, ::1 is the gateway); _GATEWAY6 is the
	 * IPv6 gateway, inside an IPv6 local subnet, needed once there is
	 * one. A node's IPv6 plan can be changed but not removed, except by
	 * DEL_NODE.
	 */
	SEMNET_A_NODE_PLATFORM6,	/* nest prefix (_ADDR6) */
	SEMNET_A_NODE_SERVICE_RANGE6,	/* nest prefix (_ADDR6) */
	SEMNET_A_NODE_GATEWAY6,		/* in6 */

	__SEMNET_A_NODE_MAX
};
#define SEMNET_A_NODE_MAX (__SEMNET_A_NODE_MAX - 1)

/* SEMNET_A_NODE_MODE */
enum semnet_node_mode {
	/*
	 * Containers sit behind ports of the bridge SEMNET_A_NODE_BRIDGE,
	 * which holds the gateway address.
	 */
	SEMNET_NODE_MODE_BRIDGED,
	/*
	 * No bridge (a request naming one is refused): each container's
	 * host-side veth is routed (a /32 route to its nsIP, proxy ARP for
	 * its neighbours, the gateway a local address of the node) and is
	 * the port of the local instances whose SEMNET_A_INSTANCE_IFINDEX
	 * names it. An instance's nsIP may come only from its port; another
	 * address of the node's subnets only from the device the node
	 * routes it to (strict reverse path); a port sends no other address,
	 * and no device but the loopback and semnet0 the gateway's.
	 */
	SEMNET_NODE_MODE_ROUTED,

	__SEMNET_NODE_MODE_MAX
};
#define SEMNET_NODE_MODE_MAX (__SEMNET_NODE_MODE_MAX - 1)

/* Packet, byte and flow counters of a service or an instance. */
enum semnet_counters_attr {
	SEMNET_A_COUNTERS_UNSPEC,
	SEMNET_A_COUNTERS_PACKETS,	/* u64: packets, both directions */
	SEMNET_A_COUNTERS_BYTES,	/* u64: bytes, both directions */
	SEMNET_A_COUNTERS_FLOWS,	/* u64: flows created */
	SEMNET_A_COUNTERS_PAD,

	__SEMNET_A_COUNTERS_MAX
};
#define SEMNET_A_COUNTERS_MAX (__SEMNET_A_COUNTERS_MAX - 1)

enum semnet_service_attr {
	SEMNET_A_SERVICE_UNSPEC,
	SEMNET_A_SERVICE_ADDR,		/* be32: the ServiceIP (key) */
	SEMNET_A_SERVICE_NAME,		/* string: e.g. "app.ns.svc.ns" */
	SEMNET_A_SERVICE_POLICY,	/* string: "rr", "random", "mh", "closest" */
	SEMNET_A_SERVICE_INSTANCES,	/* u32, read-only: instances of the name */
	SEMNET_A_SERVICE_COUNTERS,	/* nest: enum semnet_counters_attr */
	/*
	 * in6: an IPv6 ServiceIP (key), in place of _ADDR: a service has
	 * exactly one of the two, in its family's service range, and
	 * balances over the instances of its name and family only.
	 */
	SEMNET_A_SERVICE_ADDR6,

	__SEMNET_A_SERVICE_MAX
};
#define SEMNET_A_SERVICE_MAX (__SEMNET_A_SERVICE_MAX - 1)

enum semnet_instance_attr {
	SEMNET_A_INSTANCE_UNSPEC,
	SEMNET_A_INSTANCE_ADDR,		/* be32: the InstanceIP (key) */
	SEMNET_A_INSTANCE_SERVICE,	/* string: the service name */
	SEMNET_A_INSTANCE_NSIP,		/* be32: namespace IP while deployed */
	SEMNET_A_INSTANCE_NODE,		/* be32: underlay address of its node (0: local) */
	SEMNET_A_INSTANCE_LOCAL,	/* flag, read-only: nsIP in a local subnet */
	SEMNET_A_INSTANCE_COUNTERS,	/* nest: enum semnet_counters_attr */
	/*
	 * u32: port (host-side veth) of a local instance, on the bridge or
	 * routed; only it may send with the nsIP. 0: not enforced on a
	 * bridged node; on a routed node, the device the nsIP is routed to.
	 */
	SEMNET_A_INSTANCE_IFINDEX,
	/*
	 * Read-only, what the "closest" policy ranks the instance by: u32,
	 * the cost of the peer its nsIP routes to (0: local,
	 * SEMNET_PEER_COST_UNKNOWN: no peer or not measured), and u8, 1 when
	 * that peer is down.
	 */
	SEMNET_A_INSTANCE_COST,
	SEMNET_A_INSTANCE_DOWN,
	/*
	 * An IPv6 instance: in6 InstanceIP (key) and nsIP, in place of
	 * _ADDR and _NSIP (never mixed). A dual-stack instance is two
	 * instances of one service name, one of each family.
	 */
	SEMNET_A_INSTANCE_ADDR6,
	SEMNET_A_INSTANCE_NSIP6,

	__SEMNET_A_INSTANCE_MAX
};
#define SEMNET_A_INSTANCE_MAX (__SEMNET_A_INSTANCE_MAX - 1)

enum semnet_flow_attr {
	SEMNET_A_FLOW_UNSPEC,
	SEMNET_A_FLOW_PROTO,		/* u8: IPPROTO_TCP, _UDP, _ICMP */
	SEMNET_A_FLOW_SRC,		/* be32: client source as sent */
	SEMNET_A_FLOW_SPORT,		/* be16 (ICMP: echo id; DPORT is 0) */
	SEMNET_A_FLOW_DST,		/* be32: destination as sent (ServiceIP/InstanceIP) */
	SEMNET_A_FLOW_DPORT,		/* be16 */
	SEMNET_A_FLOW_XSRC,		/* be32: source after translation */
	SEMNET_A_FLOW_XSPORT,		/* be16 */
	SEMNET_A_FLOW_XDST,		/* be32: destination after translation */
	SEMNET_A_FLOW_XDPORT,		/* be16 */
	SEMNET_A_FLOW_SERVICE,		/* be32: ServiceIP, absent for InstanceIP flows */
	SEMNET_A_FLOW_INSTANCE,		/* be32: InstanceIP of the chosen instance */
	SEMNET_A_FLOW_STATE,		/* u8: enum semnet_flow_state */
	SEMNET_A_FLOW_EXPIRES,		/* u32: milliseconds until idle expiry */
	SEMNET_A_FLOW_PACKETS,		/* u64: both directions */
	SEMNET_A_FLOW_BYTES,		/* u64: both directions */
	SEMNET_A_FLOW_PAD,
	/* An IPv6 flow has these instead of their IPv4 twins above. */
	SEMNET_A_FLOW_SRC6,		/* in6 */
	SEMNET_A_FLOW_DST6,		/* in6 */
	SEMNET_A_FLOW_XSRC6,		/* in6 */
	SEMNET_A_FLOW_XDST6,		/* in6 */
	SEMNET_A_FLOW_SERVICE6,		/* in6 */
	SEMNET_A_FLOW_INSTANCE6,	/* in6 */

	__SEMNET_A_FLOW_MAX
};
#define SEMNET_A_FLOW_MAX (__SEMNET_A_FLOW_MAX - 1)

enum semnet_flow_state {
	SEMNET_FLOW_ACTIVE,	/* UDP, ICMP and TCP until it closes */
	SEMNET_FLOW_CLOSING,	/* TCP after RST, or FIN both ways: short timeout */
	/*
	 * No exchange completed yet (see SEMNET_A_NODE_TIMEOUT_UNREPLIED):
	 * short timeout, counted against its source, evicted first when the
	 * table is full.
	 */
	SEMNET_FLOW_UNREPLIED,
};

/* Why the datapath dropped a packet: SEMNET_A_STATS_DROPS is indexed by it. */
enum semnet_drop_reason {
	SEMNET_DROP_UNSPEC,
	SEMNET_DROP_NO_INSTANCE,	/* service has no instance (or it went meanwhile) */
	SEMNET_DROP_FLOW_TABLE_FULL,	/* flow table at SEMNET_A_NODE_FLOW_MAX */
	SEMNET_DROP_NO_PORT,		/* no free source port for a clashing tuple */
	SEMNET_DROP_SPOOFED_SOURCE,	/* container sent with an address not its own */
	SEMNET_DROP_MALFORMED,		/* truncated or unparseable headers */
	SEMNET_DROP_NOMEM,		/* allocation failed */
	SEMNET_DROP_UNKNOWN_ADDRESS,	/* ServiceIP/InstanceIP not in the tables */
	SEMNET_DROP_UNKNOWN_PEER,	/* tunnel packet from no peer (of its encap) */
	/* inner source not one of the peer's, or not via the peer's device */
	SEMNET_DROP_PEER_SPOOFED,
	SEMNET_DROP_NO_PEER,		/* no peer for the destination */
	SEMNET_DROP_BAD_ENCAP,		/* neither semnet's GRE nor bare IPv4/IPv6 */
	SEMNET_DROP_TOO_BIG,		/* over the tunnel MTU with DF set */
	SEMNET_DROP_HOLD_FULL,		/* miss, and no room to hold the packet */
	SEMNET_DROP_HOLD_EXPIRED,	/* held, and not resolved in time */
	SEMNET_DROP_NOT_OURS,		/* tunnel packet for an address not served here */
	SEMNET_DROP_UNREPLIED_LIMIT,	/* source at its limit of unreplied flows */
	SEMNET_DROP_TAGGED,		/* VLAN-tagged frame from a container port */
	/*
	 * A tunnel packet for a peer bound to a device (SEMNET_A_PEER_IFINDEX)
	 * whose underlay route leaves by another: a peer reached through an
	 * encrypting device is never sent to in clear.
	 */
	SEMNET_DROP_NOT_VIA_DEVICE,

	__SEMNET_DROP_MAX
};
#define SEMNET_DROP_MAX (__SEMNET_DROP_MAX - 1)

enum semnet_stats_attr {
	SEMNET_A_STATS_UNSPEC,
	SEMNET_A_STATS_FLOWS,		/* u32: flows now */
	SEMNET_A_STATS_FLOWS_CREATED,	/* u64 */
	SEMNET_A_STATS_FLOWS_EXPIRED,	/* u64 */
	SEMNET_A_STATS_PORT_REMAPS,	/* u64: source ports remapped on a clash */
	SEMNET_A_STATS_PACKETS,		/* u64: packets translated */
	/* Nest: u64 per enum semnet_drop_reason, types 1.._MAX (0: padding). */
	SEMNET_A_STATS_DROPS,
	SEMNET_A_STATS_SERVICES,	/* u32 */
	SEMNET_A_STATS_INSTANCES,	/* u32 */
	SEMNET_A_STATS_PAD,
	SEMNET_A_STATS_MISSES,		/* u64: packets to unknown addresses */
	SEMNET_A_STATS_MISS_EVENTS,	/* u64: SEMNET_CMD_MISS events sent */
	SEMNET_A_STATS_HELD,		/* u32: packets held now */
	SEMNET_A_STATS_RELEASED,	/* u64: held packets sent on once resolved */
	/* u64: "closest" flows removed because their instance's node went down */
	SEMNET_A_STATS_CLOSEST_PURGED,
	/* u64: unreplied flows evicted to make room in a full table */
	SEMNET_A_STATS_EARLY_DROPS,
	/* u64: miss entries evicted to make room (the table was full) */
	SEMNET_A_STATS_MISS_EVICTED,
	/* u64: packets semnet forwarded itself, past the stack's forwarding */
	SEMNET_A_STATS_FORWARDED,

	__SEMNET_A_STATS_MAX
};
#define SEMNET_A_STATS_MAX (__SEMNET_A_STATS_MAX - 1)

/*
 * Tunnel peers: which node (underlay address) hosts a subnet of nsIPs.
 * semnet0 sends packets for that subnet there and accepts tunnel packets
 * only from known peers, with inner sources of theirs.
 */
#define SEMNET_TUNNEL_PORT	4754	/* GRE-in-UDP, RFC 8086 */
#define SEMNET_IPUDP_PORT	50103	/* Oakestra's bare IP-in-UDP */

/*
 * How semnet0 sends to a peer; it accepts a peer's packets only in the
 * peer's encapsulation. While up, semnet0 listens on both: the node's
 * tunnel port (SEMNET_A_NODE_TUNNEL_PORT) for GRE in UDP and for ipudp
 * (Oakestra sends to the port a node reports, and a semnet node reports
 * its tunnel port; the first nibble past the UDP header tells them
 * apart), and SEMNET_IPUDP_PORT for ipudp; bringing it up fails if
 * either is taken. A peer's port defaults to its encapsulation's.
 *
 * ipudp is Oakestra's wire format: the bare inner IPv4 packet as the UDP
 * payload. Without a GRE key the receiver cannot learn which nsIP a
 * remote client's InstanceIP sends from, so, as in Oakestra, the inner
 * source is the sender's routable identity: it must be an nsIP of the
 * peer's subnet, an InstanceIP this node knows to live there, or one it
 * does not know. Replies to an InstanceIP it does not know are table
 * misses (SEMNET_CMD_MISS) until the node daemon installs the instance.
 */
enum semnet_encap {
	SEMNET_ENCAP_GRE_UDP,	/* outer IPv4 + UDP + GRE (key: sender nsIP) */
	SEMNET_ENCAP_IPUDP,	/* outer IP + UDP + the bare inner packet */
	/*
	 * No encapsulation: a peer on the same segment, its subnets routed
	 * via its underlay address (_ADDR or _ADDR6) by the node's routes,
	 * not into semnet0. It needs its device (_IFINDEX, the segment's):
	 * the hooks take a packet that arrives there from the peer's subnet
	 * (or from an InstanceIP that lives there, or one unknown here) as
	 * from the tunnel when its Ethernet source is the peer's neighbour
	 * entry, and drop it as SEMNET_DROP_PEER_SPOOFED when it is not.
	 * The device may instead be one without a link layer (ARPHRD_NONE)
	 * that only that node can send into, such as a WireGuard device
	 * whose one peer is that node (allowed-ips 0.0.0.0/0 and ::/0), its
	 * subnets routed into it: then arriving there is the proof. Like
	 * ipudp, nothing is learned. What still reaches semnet0 for the peer
	 * goes as GRE in UDP to _ADDR (for a WireGuard device, an address
	 * routed into it), and the peer's GRE is accepted.
	 */
	SEMNET_ENCAP_DIRECT,
};

/*
 * Costs feed the "closest" policy: a new flow goes to an instance on the
 * node of lowest cost (local instances cost 0; unmeasured peers rank after
 * every measured one), ties in turn. Instances on a peer marked down are
 * never picked, and their "closest" flows are removed when it goes down.
 */
#define SEMNET_PEER_COST_UNKNOWN	0xffffffffU
/* SEMNET_A_PEER_LABEL's size with its NUL. */
#define SEMNET_PEER_LABEL_MAX		256

enum semnet_peer_attr {
	SEMNET_A_PEER_UNSPEC,
	SEMNET_A_PEER_SUBNET,		/* nest prefix: the peer's nsIPs (key) */
	SEMNET_A_PEER_ADDR,		/* be32: underlay address */
	SEMNET_A_PEER_PORT,		/* u16: UDP port (default by encap) */
	SEMNET_A_PEER_ENCAP,		/* u8: enum semnet_encap */
	SEMNET_A_PEER_TX_PACKETS,	/* u64, read-only */
	SEMNET_A_PEER_TX_BYTES,		/* u64, read-only */
	SEMNET_A_PEER_RX_PACKETS,	/* u64, read-only */
	SEMNET_A_PEER_RX_BYTES,		/* u64, read-only */
	SEMNET_A_PEER_PAD,
	/* u32: how far the node is, lower is closer (semnetd: smoothed RTT
	 * in microseconds); SEMNET_PEER_COST_UNKNOWN until measured.
	 */
	SEMNET_A_PEER_COST,
	SEMNET_A_PEER_DOWN,		/* u8: 1 = unreachable, 0 = up (default) */
	/*
	 * in6: IPv6 underlay address, instead of _ADDR (outer IPv6 + UDP
	 * with a checksum, RFC 8086 3.2). A peer's _SUBNET is IPv4 or IPv6
	 * (inner packets of that family) whatever its underlay; an IPv6
	 * subnet is a /96 or longer: the GRE key carries the low 32 bits of
	 * the sender's IPv6 nsIP.
	 */
	SEMNET_A_PEER_ADDR6,
	/*
	 * u32: the device this peer's tunnel packets arrive on, and only it
	 * (0, the default: any). For a peer reached through an encrypting
	 * tunnel such as a WireGuard device, whose address (_ADDR) is routed
	 * into that device: the device proves the sender (with WireGuard,
	 * only while the peer's address is in that one peer's allowed-ips,
	 * a /32 or /128: a wider allowed-ip of another peer could claim it),
	 * and a packet that claims the peer's address from elsewhere
	 * (cleartext, with a forged outer source) is dropped as
	 * SEMNET_DROP_PEER_SPOOFED; an ICMP error about the peer's tunnel
	 * packets ("fragmentation needed", "packet too big") that arrives
	 * on another device is refused to the tunnel socket (over IPv6 it
	 * then lowers no path MTU; over IPv4, Linux's udp_err() itself
	 * lowers the route's MTU for any UDP packet quoted, first). A
	 * device enslaved to a VRF is matched as sockets bound to it are
	 * (the packet's VRF device or the slave it came in through). 0 to
	 * INT_MAX; the device must exist in the namespace when set. Once it
	 * is unregistered (deleted, or moved to another namespace) the peer
	 * matches no packet, also when a new device gets its index, and
	 * dumps carry _IFINDEX_GONE instead, until a device is given again.
	 * A change that leaves it out keeps it, gone or not; 0 clears it.
	 * The peer is also sent to only through that device: a tunnel
	 * packet whose underlay route leaves by another is dropped as
	 * SEMNET_DROP_NOT_VIA_DEVICE, never sent in clear.
	 */
	SEMNET_A_PEER_IFINDEX,
	/*
	 * u32, read-only: in a dump instead of _IFINDEX, the index the
	 * peer's bound device had before it was unregistered. The peer
	 * matches no packet.
	 */
	SEMNET_A_PEER_IFINDEX_GONE,
	/*
	 * string: what the node daemon says of this peer, for people
	 * (semnetd: the pair's link kind and why, "direct: same underlay
	 * 192.0.2.0/24"). The kernel keeps it and dumps it and never acts on
	 * it. Printable ASCII, at most SEMNET_PEER_LABEL_MAX - 1 bytes; a
	 * change that leaves it out keeps it, "" clears it.
	 */
	SEMNET_A_PEER_LABEL,

	__SEMNET_A_PEER_MAX
};
#define SEMNET_A_PEER_MAX (__SEMNET_A_PEER_MAX - 1)

/*
 * Table misses. A packet to an address of the service range that no
 * service or instance has (or, on semnet0, to an nsIP no peer covers)
 * raises a SEMNET_CMD_MISS event on the SEMNET_MCGRP_MISSES multicast
 * group, at most one per address every SEMNET_A_NODE_MISS_INTERVAL.
 * Address misses hold up to SEMNET_A_NODE_HOLD_PACKETS packets; they are
 * sent on as soon as a service or instance with that address is added,
 * and dropped after SEMNET_A_NODE_HOLD_TIMEOUT. Other traffic never waits.
 */
#define SEMNET_MCGRP_MISSES	"misses"

enum semnet_miss_kind {
	SEMNET_MISS_ADDRESS,	/* ServiceIP or InstanceIP: resolve by address */
	SEMNET_MISS_PEER,	/* nsIP of a node subnet with no peer */
};

enum semnet_miss_attr {
	SEMNET_A_MISS_UNSPEC,
	SEMNET_A_MISS_ADDR,		/* be32: the unknown destination */
	SEMNET_A_MISS_KIND,		/* u8: enum semnet_miss_kind */
	SEMNET_A_MISS_SRC,		/* be32: source of the packet that missed */
	SEMNET_A_MISS_PROTO,		/* u8 */
	SEMNET_A_MISS_DPORT,		/* be16 (0 for ICMP) */
	SEMNET_A_MISS_HELD,		/* u32: packets held for ADDR now */
	/* u32: misses of ADDR since its last event (rate limit) */
	SEMNET_A_MISS_SUPPRESSED,
	SEMNET_A_MISS_ADDR6,		/* in6: instead of _ADDR (IPv6 miss) */
	SEMNET_A_MISS_SRC6,		/* in6: instead of _SRC */

	__SEMNET_A_MISS_MAX
};
#define SEMNET_A_MISS_MAX (__SEMNET_A_MISS_MAX - 1)

#endif /* _UAPI_LINUX_SEMNET_H */
