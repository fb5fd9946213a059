/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tunnel peers this node keeps in the kernel: the other nodes'
 * subnets and where to send them (underlay address, port). They come from
 * the cluster's node registry (semnet/nodes, retained) and from table
 * answers naming an instance on a node the registry does not list yet; a
 * peer leaves when neither names it any more. probe.c measures each peer
 * node.
 */
#ifndef SEMNETD_PEERS_H
#define SEMNETD_PEERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uapi/linux/semnet.h>

#include "sn_ipaddr.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_links.h"

struct semnetd;
struct semnetd_link_pick;

/* An IPv4 subnet's peer, or (is6) an IPv6 subnet's: a dual-stack node is
 * two peers at one underlay address, which is IPv4 or IPv6 (the node's
 * host_ip) whatever the subnets' family. */
struct semnetd_peer {
	bool is6;
	struct sn_prefix subnet;
	struct sn_prefix6 subnet6;
	struct sn_ipaddr addr;
	int port;
	/* SEMNET_ENCAP_GRE_UDP, _IPUDP (an Oakestra node) or _DIRECT (issue
	 * 18: routed via @addr on the underlay device @ifindex, the route
	 * made when @routed) */
	int encap;
	int ifindex;
	bool routed;
	/* The pair's link kind (sn_link_kind, issue 18) and why, for
	 * /status (relay: an encrypted peer whose WireGuard endpoint is the
	 * relay node's). */
	enum sn_link_kind kind;
	char why[SN_LINK_WHY_LEN + 96];
	bool from_registry;
	bool from_table;
	struct semnetd_peer *next;
};

/* An encrypted peer: bound to its node's WireGuard device @ifindex
 * (wglinks.h), its subnet routed into it when @routed. */
static inline bool semnetd_peer_is_wg(const struct semnetd_peer *p)
{
	return p->encap == SEMNET_ENCAP_DIRECT &&
	       (p->kind == SN_LINK_ENCRYPTED || p->kind == SN_LINK_RELAY);
}

/* @p's subnet, either family, as a prefix for its route. */
void semnetd_peer_prefix(const struct semnetd_peer *p, struct sn_link_prefix *out);

struct semnetd_peers {
	struct semnetd_peer *head;
	int64_t registry_version;	/* -1 before the first registry */
	enum sn_links_policy policy;	/* the registry's links policy (issue 18) */
	/* Nodes this one cannot peer with (another underlay family, or an
	 * address no tunnel can use), each said once in the log. */
	struct sn_ipaddr *unreachable;
	size_t nunreachable;
	uint64_t skipped;		/* peers not made for that (statistics) */
	/* What the log said once about nodes whose entries it cannot use
	 * (semnetd_peers_say_once). */
	char **said;
	size_t nsaid;
	/* A registry was read since start; the kernel's peers of an earlier
	 * run were looked at (semnetd_peers_sweep_kernel). */
	bool registry_seen;
	bool kernel_swept;
};

void semnetd_peers_init(struct semnetd_peers *ps);
void semnetd_peers_free(struct semnetd_peers *ps);

struct semnetd_peer *semnetd_peers_find(struct semnetd_peers *ps, const struct sn_prefix *subnet);
/*
 * Whether this node can reach a node at the underlay address @addr: one
 * of its own underlay's family (a node peers only over the family it
 * has; Oakestra gives each node one host_ip), and an address a tunnel
 * can use. When not, the first time for an address says so in the log,
 * naming @node (its id, or NULL).
 */
bool semnetd_peers_reachable(struct semnetd *d, const struct sn_ipaddr *addr, const char *node);

/*
 * Makes the kernel send @subnet to @addr:@port in @encap
 * (SEMNET_ENCAP_*); NULL when it refused (or @addr is not reachable, see
 * above). A peer whose address, port or encapsulation changes is put
 * again. An ipudp peer (an Oakestra node, which drops ICMP) is not probed:
 * its cost stays unknown and it is never marked down.
 * @pick: the registry's link for the pair (semnetd_link_pick), whose
 * encap replaces @encap; a direct one also gets its route via @addr on
 * the underlay device, which goes again when the peer changes or leaves.
 * NULL: a table answer, which never changes a registry peer at the same
 * address (the registry decides its link).
 */
struct semnetd_peer *semnetd_peers_set(struct semnetd *d, const struct sn_prefix *subnet,
				       const struct sn_ipaddr *addr, int port, int encap,
				       const struct semnetd_link_pick *pick);

struct semnetd_peer *semnetd_peers_find6(struct semnetd_peers *ps,
					const struct sn_prefix6 *subnet);
/* The same for an IPv6 subnet (over the underlay @addr, either family).
 * NULL when the kernel refused it: a module without IPv6 peers refuses
 * every one, which is logged once (d->v6_peers_refused), not at every
 * answer. */
struct semnetd_peer *semnetd_peers_set6(struct semnetd *d, const struct sn_prefix6 *subnet,
					const struct sn_ipaddr *addr, int port, int encap,
					const struct semnetd_link_pick *pick);

/* True when @key (a node or service and what is wrong with it) was said
 * before; else remembers it (up to a bound) and returns false: the caller
 * warns. Registries and table answers come again with every change. */
bool semnetd_peers_said(struct semnetd_peers *ps, const char *key);

/*
 * After a restart, once a registry was read: removes every kernel peer
 * this run did not make again from the registry or a table answer (a node
 * that left while semnetd was down; a peer put by hand), except one an
 * adopted instance still waits on (its table answer may want it). Until
 * none is left waiting, runs again with every registry and table answer;
 * then never again (this run's peers leave by themselves).
 */
void semnetd_peers_sweep_kernel(struct semnetd *d);

/* MQTT input: the node registry, semnet/nodes. */
void semnetd_peers_on_registry(struct semnetd *d, const char *payload, int len);

/* Calls @fn for every IPv4 GRE-in-UDP or direct peer (its subnet and the
 * underlay address of its node, either family): one per semnet node,
 * which probe.c measures (an Oakestra node does not answer probes). */
void semnetd_peers_each(const struct semnetd_peers *ps,
			void (*fn)(void *arg, const struct sn_prefix *subnet,
				   const struct sn_ipaddr *addr),
			void *arg);

/* The "peers" list of GET /status. */
json_t *semnetd_peers_json(const struct semnetd_peers *ps);

#endif
