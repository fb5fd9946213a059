/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the cluster says about another node, read into what a tunnel peer
 * needs: its subnets, underlay address, port and encapsulation. A semnet
 * node speaks GRE in UDP (tunnel "gre-udp", port 4754); an Oakestra node
 * speaks bare IP in UDP (tunnel "ipudp" where semnet's managers carry one,
 * none from Oakestra's, whose host_port is a string, "50103" by default):
 * sn_oak_tunnel() decides. No I/O here (tests/unit/test_semnetd_peer_parse.c).
 */
#ifndef SEMNETD_PEER_PARSE_H
#define SEMNETD_PEER_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sn_ipaddr.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_json.h"
#include "sn_links.h"

/* SEMNET_ENCAP_GRE_UDP or SEMNET_ENCAP_IPUDP for a node's @tunnel (NULL:
 * none given, then by @host_port: 50103 is Oakestra's); -1 for a tunnel
 * semnet0 does not speak. */
int semnetd_encap_of(const char *tunnel, int host_port);
/* "gre-udp", "ipudp", "direct" (what `semnet peer show` says), "unknown". */
const char *semnetd_encap_name(int encap);

/* One node of the registry (semnet/nodes), read. */
struct semnetd_node_entry {
	const char *node_id;		/* the entry's, or NULL; valid with the JSON */
	struct sn_prefix subnet;
	bool has6;			/* subnet6 given and valid */
	struct sn_prefix6 subnet6;
	struct sn_ipaddr addr;		/* host_ip */
	int port;			/* host_port */
	int encap;			/* SEMNET_ENCAP_* */
	/* Its `link` (issue 18, daemon/LINKS.md §3): none from an Oakestra
	 * node or an older semnet one. */
	bool has_link;
	bool link_unreadable;		/* `link` given but refused (@err why) */
	struct sn_link_info link;
};

enum semnetd_node_read {
	SEMNETD_NODE_PEER,		/* a peer: *out filled */
	SEMNETD_NODE_PENDING,		/* no subnet or no underlay address yet: not a peer, nothing to say */
	SEMNETD_NODE_BAD,		/* unusable (@err says why, naming the field): not a peer */
};

/*
 * Reads a registry entry {node_id, subnet, host_ip, host_port, tunnel,
 * subnet_v6, link}. host_port is a number or a string of one (Oakestra's
 * shape), 1 to 65535; a bad one, a host_ip that is no address, or an
 * unknown tunnel makes the entry BAD, and nothing else of it is used.
 * A subnet_v6 that does not parse is left out alone (has6 false), and so
 * is a `link` (has_link false, link_unreadable true, @err saying why for
 * a PEER): a link that cannot be read is not "no link support" (see
 * struct sn_link_node).
 */
enum semnetd_node_read semnetd_node_entry_read(json_t *entry, struct semnetd_node_entry *out,
					       struct sn_err *err);

/*
 * The registry's links policy (its top-level "links": {"policy": ...},
 * issue 18): 0 with *@out, SN_LINKS_GRE_UDP when the registry has none
 * (an older cluster); -1 for one this node cannot read, with @err saying
 * why and *@out SN_LINKS_ENCRYPTED: a newer cluster's policy may demand
 * encryption, so the pairs get no direct link (no cleartext route): they
 * are encrypted where both nodes offer a WireGuard key.
 */
int semnetd_links_policy_read(json_t *registry, enum sn_links_policy *out, struct sn_err *err);

/* The port the cluster's endpoint discovery answers on (and the next),
 * the registry's "links": {"stun_port": N}: N, 0 when it names none (no
 * discovery), -1 with @err for one that is no port (1 to 65534). */
int semnetd_stun_port_read(json_t *registry, struct sn_err *err);

/* The facts sn_link_kind() needs of a node read from the registry;
 * borrows @e's id (valid with the JSON). */
void semnetd_link_node_of(const struct semnetd_node_entry *e, struct sn_link_node *out);

/*
 * Encrypted links' ports, agreed without a message (issue 18, LINKS.md
 * "Next"): node A's WireGuard device for node B listens on A's wg_port +
 * B's slot, and A sends to B's underlay address at B's wg_port + A's slot.
 * A node's slot is the index of its IPv4 subnet among the subnets of that
 * length in the platform range: (subnet - platform) >> (32 - subnet length).
 * The root cuts every worker subnet of a cluster with one length
 * (--subnet-len), so slots are unique per node and stable, and every
 * semnetd reads them from the registry. Every registry entry that is a
 * peer has an IPv4 subnet (semnetd_node_entry_read: none is PENDING), so
 * an IPv6-only node does not exist here; the IPv6 subnet of a dual-stack
 * node rides the same device and needs no slot of its own.
 * 0 with *@slot; -1 when @subnet is not inside @platform.
 */
int semnetd_wg_slot(const struct sn_prefix *platform, const struct sn_prefix *subnet,
		    unsigned int *slot);
/* The device name of slot @slot: "snwg<slot>" (fits IF_NAMESIZE). */
#define SEMNETD_WG_DEV_PREFIX "snwg"
#define SEMNETD_WG_DEV_LEN 16

/* What this node knows of itself for semnetd_link_pick. */
struct semnetd_link_here {
	bool have_dev;			/* its underlay device is known */
	bool wg;			/* its WireGuard key is loaded (wg_port > 0) */
	const struct sn_prefix *platform;	/* the platform range: slots */
	/* The registry's entries that are peers (SEMNETD_NODE_PEER, this
	 * node's among them): a relay pair finds its relay node here, and
	 * which nodes the relay serves (semnetd_relay_members). */
	const struct semnetd_node_entry *registry;
	size_t n_registry;
};

/*
 * The relay (issue 18, LINKS.md §4 "Relay", relay.h): a node with `relay:
 * true` in its link forwards WireGuard datagrams between nodes that
 * cannot reach each other, on its underlay address at ports base + slot,
 * one for each node it serves. base is the relay node's wg_port +
 * SEMNETD_RELAY_PORT_OFFSET: every node computes it from what the
 * registry already carries, no field of its own (LINKS.md says why).
 * The relay's own WireGuard devices listen on wg_port + slot, below base
 * for every slot the relay serves (at most SEMNETD_RELAY_MAX_SLOT).
 */
#define SEMNETD_RELAY_PORT_OFFSET 4096
#define SEMNETD_RELAY_SLOTS 4096	/* slots 0 .. 4095 (relay.h's MAX_SLOT) */

/* Where the relay sees @e's packets come from: its NAT's public address
 * when it is behind NAT, else its underlay address (host_ip). */
void semnetd_relay_member_addr(const struct semnetd_node_entry *e, struct sn_ipaddr *out);

/* A node the relay serves (relay.h's struct semnetd_relay_member). */
struct semnetd_relay_member_of {
	const struct semnetd_node_entry *e;
	struct sn_ipaddr addr;
	unsigned int slot;
	int port_base;			/* 0, or sharing addr: its wg_port (relay.h) */
};

/*
 * Whether the relay @relay serves @e, and where and at which slot
 * (*@out), or why not (@why, NULL: not said): @e has a link, is not the
 * relay, its slot is inside the platform range, at most
 * SEMNETD_RELAY_SLOTS - 1 and its port (base + slot) at most 65535, its
 * address of the relay's family. Nodes of @registry the relay serves at
 * one address (behind one NAT) are told apart by their devices' source
 * ports (relay.h): each needs a WireGuard port none of the others has,
 * and gets port_base = its wg_port. Pure; the relay node and both ends of a relay
 * pair reach the same answer from the same registry.
 */
bool semnetd_relay_serves(const struct semnetd_node_entry *relay,
			  const struct semnetd_node_entry *e,
			  const struct semnetd_node_entry *registry, size_t n_registry,
			  const struct sn_prefix *platform, struct semnetd_relay_member_of *out,
			  char *why, size_t why_len);

/*
 * semnetd_relay_serves for every node of a registry at once: each call
 * scans the registry for nodes sharing @e's address, n calls cost O(n²)
 * (seconds at 15,000 nodes). The view sorts the nodes the relay may serve
 * by address (and WireGuard port) once, O(n log n), and answers each node
 * in O(log n) (nodes sharing its subnet are skipped one by one, as the
 * scan skips them: the cluster's subnets are distinct). The same answers,
 * *@out and why as semnetd_relay_serves(@relay, e, @registry, @n,
 * @platform, ...). It keeps the three pointers: they must outlive it.
 * init: 0, or -1 out of memory (nothing to free).
 */
struct semnetd_relay_view {
	const struct semnetd_node_entry *relay, *registry;
	size_t n;
	const struct sn_prefix *platform;
	int base;			/* semnetd_relay_base(relay) */
	struct semnetd_relay_member_of *of;	/* registry[i]'s address, slot (may serve) */
	size_t *by_addr, *by_port;	/* indexes of those it may serve, sorted */
	size_t n_may;
};

int semnetd_relay_view_init(struct semnetd_relay_view *v, const struct semnetd_node_entry *relay,
			    const struct semnetd_node_entry *registry, size_t n,
			    const struct sn_prefix *platform);
bool semnetd_relay_view_serves(const struct semnetd_relay_view *v,
			       const struct semnetd_node_entry *e,
			       struct semnetd_relay_member_of *out, char *why, size_t why_len);
void semnetd_relay_view_free(struct semnetd_relay_view *v);

/* The relay node's base port (wg_port + SEMNETD_RELAY_PORT_OFFSET), or
 * -1 when it offers no WireGuard port (it relays nothing then). */
int semnetd_relay_base(const struct semnetd_node_entry *relay);

/* What this node makes of the pair {self, other} for one of other's
 * subnets. */
struct semnetd_link_pick {
	enum sn_link_kind kind;		/* sn_link_kind()'s answer */
	int encap;			/* SEMNET_ENCAP_* the peer gets; -1: no peer */
	char why[SN_LINK_WHY_LEN + 96];	/* sn_link_kind()'s why, and what was done */
	/* kind encrypted and encap direct: the WireGuard device for @other,
	 * its listen port, the other's public key, and its endpoint:
	 * @other's underlay address, or behind NAT its NAT's public address
	 * when the NAT keeps ports; family 0 when not known (a NAT that
	 * changes ports: WireGuard learns it from @other's first packet).
	 * wg_keepalive: seconds, 25 when either node is behind NAT (its
	 * mapping must stay open), else 0. */
	char wg_dev[SEMNETD_WG_DEV_LEN];
	int wg_listen_port;
	struct sn_ipaddr wg_endpoint_addr;
	int wg_endpoint_port;
	int wg_keepalive;
	uint8_t wg_peer_key[SN_LINK_KEY_LEN];
	/* kind relay: the endpoint is the relay's (false: the relay cannot
	 * serve the pair, which is set up as encrypted, the why says why) */
	bool wg_relayed;
	/* @other rotates its key (link.wg_key_next): accept that one too. */
	bool wg_has_next;
	uint8_t wg_peer_key_next[SN_LINK_KEY_LEN];
};

/* WireGuard's persistent keepalive over NAT: the interval its authors
 * suggest, within every common NAT's UDP timeout. */
#define SEMNETD_WG_NAT_KEEPALIVE 25

/*
 * sn_link_kind(@links, self, other), then what this node can build of it
 * for @other's subnet of @family (AF_INET, AF_INET6):
 *  - none: no peer (a link this node cannot read, see sn_links.h);
 *  - gre-udp, ipudp: @other's tunnel (e->encap);
 *  - direct: SEMNET_ENCAP_DIRECT, when this node knows its underlay device
 *    (@here->have_dev), both underlay addresses lie in the shared prefix,
 *    and the subnet is of the underlay's family (a route cannot lead an
 *    IPv6 subnet via an IPv4 address); otherwise gre-udp, the why saying
 *    which;
 *  - encrypted: SEMNET_ENCAP_DIRECT over the WireGuard device of
 *    @other's slot (wg_* above; both families), when both nodes offer a
 *    WireGuard key (gre-udp otherwise, said: a node with --wg-port 0 has
 *    none) and this node's WireGuard is up; no peer at all (encap -1,
 *    said) when a slot is outside the platform range or a port of the
 *    pair would pass 65535;
 *  - relay: as encrypted (the same device, keys, routes and listen
 *    port), but the endpoint is the relay node's address (host_ip) at its
 *    base + @other's slot (semnetd_relay_base), keepalive 25 s (it primes
 *    the relay, relay.h); found in @here->registry by the id
 *    sn_link_kind() names. When the relay cannot serve the pair
 *    (semnetd_relay_serves false for either node, or the relay offers no
 *    WireGuard port, or is not in the registry) the pair stays what
 *    encrypted would make of it, the why saying why not relayed.
 * @self NULL: this node is not in the registry yet (it has no link there).
 * Pure; both ends of a pair reach the same answer from the same registry
 * (only @here's local facts can differ).
 */
void semnetd_link_pick(const struct sn_links *links, const struct semnetd_node_entry *self,
		       const struct semnetd_node_entry *other,
		       const struct semnetd_link_here *here, int family,
		       struct semnetd_link_pick *out);

#endif
