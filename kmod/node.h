/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_NODE_H
#define _SEMNET_NODE_H

#include <linux/rcupdate.h>
#include <uapi/linux/semnet.h>

#include "addr.h"
#include "cfg.h"
#include "compat.h"

struct semnet_net;
struct netlink_ext_ack;

enum semnet_timeout {
	SEMNET_TIMEOUT_TCP,
	SEMNET_TIMEOUT_TCP_CLOSE,
	SEMNET_TIMEOUT_UDP,
	SEMNET_TIMEOUT_ICMP,
	SEMNET_TIMEOUT_UNREPLIED,
	SEMNET_TIMEOUT_COUNT,
};

/*
 * A node's configuration. Immutable once published: a change builds a new
 * one and swaps the pointer, so the packet path reads it without locks.
 */
struct semnet_node {
	struct semnet_prefix platform;	/* every semnet address */
	struct semnet_prefix services;	/* ServiceIPs and InstanceIPs */
	struct semnet_prefix subnets[SEMNET_SUBNETS_MAX]; /* local nsIPs */
	unsigned int n_subnets;
	__be32 gateway;			/* the bridge's address */
	/* IPv6, when @has_v6: the same plan in the other family. */
	bool has_v6;
	struct semnet_prefix6 platform6;
	struct semnet_prefix6 services6;
	struct semnet_prefix6 subnets6[SEMNET_SUBNETS_MAX];
	unsigned int n_subnets6;
	struct in6_addr gateway6;
	int bridge_ifindex;		/* the container bridge; 0 when routed */
	u32 mode;			/* enum semnet_node_mode */
	u32 flow_max;
	u32 unreplied_max;		/* unreplied flows per source */
	u16 tunnel_port;		/* semnet0's UDP port */
	u32 hold_packets;		/* held per unknown address */
	u32 hold_total;			/* held in all */
	unsigned long hold_timeout;	/* jiffies */
	unsigned long miss_interval;	/* jiffies between events per address */
	unsigned long timeout[SEMNET_TIMEOUT_COUNT]; /* jiffies */
	struct rcu_head rcu;
};

#define SEMNET_DEFAULT_FLOW_MAX		(256 * 1024)
#define SEMNET_FLOW_MAX_LIMIT		(16 * 1024 * 1024)
#define SEMNET_DEFAULT_TIMEOUT_TCP	900
#define SEMNET_DEFAULT_TIMEOUT_TCP_CLOSE 10
#define SEMNET_DEFAULT_TIMEOUT_UDP	30
#define SEMNET_DEFAULT_TIMEOUT_ICMP	30
#define SEMNET_DEFAULT_TIMEOUT_UNREPLIED 30
#define SEMNET_DEFAULT_UNREPLIED_MAX	1024
#define SEMNET_TIMEOUT_MAX_SECONDS	(7 * 24 * 3600)

/* The most a namespace outside the initial user namespace may configure. */
#define SEMNET_UNPRIV_FLOW_MAX		65536
#define SEMNET_UNPRIV_UNREPLIED_MAX	256
#define SEMNET_UNPRIV_HOLD_PACKETS	8
#define SEMNET_UNPRIV_HOLD_TOTAL	256

/* True when @addr is in one of the node's local subnets. */
static inline bool semnet_node_is_local(const struct semnet_node *node,
					__be32 addr)
{
	unsigned int i;

	for (i = 0; i < node->n_subnets; i++)
		if (semnet_prefix_contains(&node->subnets[i], addr))
			return true;
	return false;
}

/* True when @addr is in one of the node's local IPv6 subnets. */
static inline bool semnet_node_is_local6(const struct semnet_node *node,
					 const struct in6_addr *addr)
{
	unsigned int i;

	for (i = 0; i < node->n_subnets6; i++)
		if (semnet_prefix6_contains(&node->subnets6[i], addr))
			return true;
	return false;
}

/*
 * What a node serves to other nodes (through the tunnel, or a direct
 * link): its own subnets (containers, the gateway) and the service range,
 * whose addresses the hooks translate or drop. Anything else would be
 * routed on: a relay.
 */
static inline bool semnet_node_serves(const struct semnet_node *node,
				      __be32 dst)
{
	return semnet_node_is_local(node, dst) ||
	       semnet_prefix_contains(&node->services, dst);
}

static inline bool semnet_node_serves6(const struct semnet_node *node,
				       const struct in6_addr *dst)
{
	return node->has_v6 && (semnet_node_is_local6(node, dst) ||
				semnet_prefix6_contains(&node->services6, dst));
}

/*
 * A SET_NODE request, parsed: @given has bit SEMNET_A_NODE_x for each
 * attribute it carried, and a field is read only when its attribute was
 * given. Units as in the UAPI. @nest and @attrs point errors at the
 * request (NULL outside netlink).
 */
struct semnet_node_cfg {
	u32 given;
	struct semnet_prefix platform;
	struct semnet_prefix services;
	struct semnet_prefix subnets[SEMNET_SUBNETS_MAX];
	unsigned int n_subnets;
	__be32 gateway;
	struct semnet_prefix6 platform6;
	struct semnet_prefix6 services6;
	struct semnet_prefix6 subnets6[SEMNET_SUBNETS_MAX];
	unsigned int n_subnets6;
	struct in6_addr gateway6;
	int bridge_ifindex;
	u32 mode;
	u32 flow_max;
	u32 unreplied_max;
	u16 tunnel_port;
	u32 hold_packets;
	u32 hold_total;
	u32 hold_timeout_ms;
	u32 miss_interval_ms;
	u32 timeout[SEMNET_TIMEOUT_COUNT];	/* seconds */
	const struct nlattr *nest;
	struct nlattr **attrs;
};

/* The attribute that sets each timeout, for parsing and applying. */
extern const u8 semnet_node_timeout_attr[SEMNET_TIMEOUT_COUNT];

/* What a new node starts from, in a namespace @unprivileged or not. */
void semnet_node_defaults(struct semnet_node *node, bool unprivileged);
/*
 * The node a SET_NODE request asks for, not yet installed (that is
 * semnet_node_set()): a change keeps what @cfg leaves out, a new node
 * starts from the defaults and needs platform, service range, subnets,
 * gateway and, bridged, a bridge. A bridged node's bridge must be one, a
 * routed node has none (a mode change drops the bridge, or needs one),
 * the result must pass semnet_node_validate() and the namespace's limits,
 * and the service range may not move under services or instances. Under the netns lock;
 * an ERR_PTR (extack set) when the request breaks a rule.
 */
struct semnet_node *semnet_node_build(struct semnet_net *sn,
				      const struct semnet_node_cfg *cfg,
				      struct netlink_ext_ack *extack);
/*
 * The node config, for objects that need one first: NULL, extack set,
 * when there is none. Under the netns lock.
 */
const struct semnet_node *semnet_node_required(struct semnet_net *sn,
					       struct netlink_ext_ack *extack);

/* Checks a candidate config on its own (ranges, subnets, limits). */
int semnet_node_validate(const struct semnet_node *node,
			 struct netlink_ext_ack *extack);
/* Installs @node (taking ownership) and turns the datapath on. */
int semnet_node_set(struct semnet_net *sn, struct semnet_node *node,
		    struct netlink_ext_ack *extack);
/* Removes the config, every object and flow, and turns the datapath off. */
struct mem_cgroup *semnet_node_quiesce(struct semnet_net *sn);
void semnet_node_del(struct semnet_net *sn);

/* True when @sn's namespace belongs to a user namespace other than init's. */
bool semnet_node_unprivileged(const struct semnet_net *sn);
/* Holds @node to the limits of its namespace (see SEMNET_UNPRIV_*). */
int semnet_node_check_caps(const struct semnet_net *sn,
			   const struct semnet_node *node,
			   struct netlink_ext_ack *extack);
/* The limits themselves, for a namespace outside the initial user ns. */
int semnet_node_check_unpriv(const struct semnet_node *node,
			     struct netlink_ext_ack *extack);

#endif /* _SEMNET_NODE_H */
