/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which link kind a pair of nodes uses (issue 18, daemon/LINKS.md §3
 * "Per-pair kind"). The cluster publishes its policy and each node's link
 * facts, not N² pairs; every semnetd evaluates sn_link_kind() on the same
 * registry, and the function is pure and symmetric (kind(a, b) ==
 * kind(b, a), the "why" text included), so both ends of a pair agree
 * without talking. The rules, first match wins:
 *
 *  1. A node without link support (no `link` in the registry: Oakestra,
 *     an older semnet) can only speak today's tunnel: gre-udp, or ipudp
 *     when either node is an ipudp (Oakestra) node. Overrides cannot
 *     change that, so this rule comes first.
 *  2. A cluster override for the pair (either order; the first in the
 *     list that names the pair).
 *  3. Either node's kind_override, the stronger one when both have one
 *     (encrypted > gre-udp > direct).
 *  4. Policy gre-udp: gre-udp.
 *  5. Policy auto, both nodes on the same underlay prefix and neither
 *     behind NAT, or both behind NAT with the same public address and the
 *     same private prefix: direct.
 *  6. One node behind a symmetric NAT and the other not public (behind
 *     any NAT): relay, through the first relay node by id (a public node
 *     with relay set, not one of the pair); with none, encrypted.
 *  7. Both behind NAT, and one of the NATs (or both) does not keep
 *     ports: relay as in 6. Each NAT lets in only what answers a packet
 *     its node sent, and a node can aim at the other's NAT only at the
 *     port it was told, which is the node's own port only where its NAT
 *     keeps ports: otherwise no first packet gets through either NAT.
 *  8. Otherwise: encrypted.
 *
 * No I/O; tests/unit/test_links.c.
 */
#ifndef SN_LINKS_H
#define SN_LINKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_ipaddr.h"
#include "sn_json.h"

/* Ordered by strength for rule 3: a larger kind_override wins. */
enum sn_link_kind {
	SN_LINK_NONE,		/* no override */
	SN_LINK_DIRECT,		/* a route via the peer's underlay address */
	SN_LINK_GRE_UDP,	/* semnet0's GRE in UDP, in clear (today) */
	SN_LINK_ENCRYPTED,	/* GRE in UDP inside WireGuard */
	SN_LINK_RELAY,		/* encrypted, WireGuard's endpoint a relay node */
	SN_LINK_IPUDP,		/* bare IP in UDP (an Oakestra peer) */
};

enum sn_link_nat {
	SN_NAT_NONE,		/* public (or not reported: the default) */
	SN_NAT_EIM,		/* endpoint-independent mapping */
	SN_NAT_SYMMETRIC,	/* a mapping per destination */
};

enum sn_links_policy {
	SN_LINKS_AUTO,		/* direct where it can, else encrypted */
	SN_LINKS_ENCRYPTED,	/* never direct */
	SN_LINKS_GRE_UDP,	/* today's tunnel, the default without `links` */
};

/* A prefix of either family; addr.family 0: none. */
struct sn_link_prefix {
	struct sn_ipaddr addr;	/* network address, host bits zero */
	unsigned int len;
};

/* What the registry says about one node's links. */
struct sn_link_node {
	const char *id;
	bool has_link;			/* the registry entry has `link` */
	/* Its `link` is there but unreadable here (a newer cluster's, or
	 * damaged): it has link support, so it never falls back to cleartext
	 * unless the policy is gre-udp; the pair gets NONE (no peer). */
	bool link_unreadable;
	bool ipudp;			/* it speaks ipudp (an Oakestra node) */
	struct sn_link_prefix underlay_prefix;
	enum sn_link_nat nat;
	struct sn_ipaddr public_addr;	/* its NAT's address (nat != NONE) */
	bool port_preserved;		/* its NAT keeps its ports (nat != NONE) */
	enum sn_link_kind kind_override;	/* NONE, DIRECT, GRE_UDP or ENCRYPTED */
	bool relay;			/* it relays for others */
};

/* A cluster override: the pair {a, b} uses @kind (DIRECT .. RELAY). */
struct sn_link_override {
	const char *a, *b;
	enum sn_link_kind kind;
};

struct sn_links {
	enum sn_links_policy policy;
	const struct sn_link_override *overrides;
	size_t n_overrides;
	const struct sn_link_node *nodes;	/* every node: relay candidates */
	size_t n_nodes;
};

#define SN_LINK_WHY_LEN 160

struct sn_link_choice {
	enum sn_link_kind kind;
	const char *relay;		/* the relay node's id (kind RELAY), or NULL */
	char why[SN_LINK_WHY_LEN];	/* for `semnet peer show` and /status */
};

/* The kind of the pair {@a, @b} under @links, and why (rules above). */
void sn_link_kind(const struct sn_links *links, const struct sn_link_node *a,
		  const struct sn_link_node *b, struct sn_link_choice *out);

/* "direct", "gre-udp", "encrypted", "relay", "ipudp" ("none" for NONE). */
const char *sn_link_kind_name(enum sn_link_kind kind);
/* The kind named @name (one of DIRECT .. RELAY; "ipudp" and "none" are
 * not chosen by name); false for anything else. */
bool sn_link_kind_parse(const char *name, enum sn_link_kind *out);
/* "none", "eim", "symmetric". */
const char *sn_link_nat_name(enum sn_link_nat nat);
bool sn_link_nat_parse(const char *name, enum sn_link_nat *out);
/* "auto", "encrypted", "gre-udp". */
const char *sn_links_policy_name(enum sn_links_policy policy);
bool sn_links_policy_parse(const char *name, enum sn_links_policy *out);

/* "a.b.c.d/len" or "v6/len" with the host bits zero; false otherwise. */
bool sn_link_prefix_parse(const char *text, struct sn_link_prefix *out);
/* Its text, "" for none; returns @out. */
const char *sn_link_prefix_format(const struct sn_link_prefix *p,
				  char out[SN_IPADDR_STRLEN + 4]);
bool sn_link_prefix_equal(const struct sn_link_prefix *a, const struct sn_link_prefix *b);
/* The prefix of length @len holding @addr (host bits cleared): false
 * (and *@out none) without an address or for a length beyond its
 * family's. */
bool sn_link_prefix_of(const struct sn_ipaddr *addr, unsigned int len, struct sn_link_prefix *out);
/* @addr lies in @p (same family; a prefix that is none holds nothing). */
bool sn_link_prefix_contains(const struct sn_link_prefix *p, const struct sn_ipaddr *addr);

/* --- A node's `link` object (LINKS.md §3 "Registry fields") ------------- */

#define SN_LINK_KEY_LEN 32	/* a WireGuard key (WG_KEY_LEN) */
#define SN_LINK_KEY_B64_LEN 44	/* its base64 text, without the NUL */

/* Base64 of a key (44 characters and a NUL), OpenSSL's encoder. */
void sn_link_key_to_base64(const uint8_t key[SN_LINK_KEY_LEN], char out[SN_LINK_KEY_B64_LEN + 1]);
/* A key from its base64 text: exactly 44 characters, canonical; false
 * (and @key untouched) for anything else. */
bool sn_link_key_from_base64(const char *text, uint8_t key[SN_LINK_KEY_LEN]);

/*
 * What a node says about its links, in its subnet request and, as the
 * cluster stores it, in the registry: {"wg_key": base64 public key and
 * "wg_port": 1..65535 (optional, together: a node without WireGuard
 * still offers direct), "wg_key_next": the public key the node will switch
 * to (optional, only with wg_key: a key rotation under way, LINKS.md §3;
 * peers accept it beside wg_key until the node switches),
 * "underlay_prefix": "a.b.c.d/len" (optional),
 * "kind_override": "direct"|"gre-udp"|"encrypted" (optional), "relay":
 * bool (optional, false)}, and what the node's endpoint discovery found
 * (LINKS.md §4, optional, together: a node that did not run it sends
 * none): "nat": "none"|"eim"|"symmetric", "public_addr": the address its
 * NAT maps it to (either family; a public node's own), "port_preserved":
 * bool, whether the NAT kept the source port (a public node's: true).
 * Other members are ignored (later stages add some). {} is a node with
 * link support and nothing to offer yet.
 */
struct sn_link_info {
	bool has_wg_key;			/* wg_key and wg_port given */
	uint8_t wg_key[SN_LINK_KEY_LEN];
	int wg_port;
	bool has_wg_key_next;			/* a rotation: the next key */
	uint8_t wg_key_next[SN_LINK_KEY_LEN];
	struct sn_link_prefix underlay_prefix;	/* family 0: not given */
	enum sn_link_kind kind_override;	/* NONE: not given */
	bool relay;
	bool has_nat;				/* nat, public_addr, port_preserved given */
	enum sn_link_nat nat;
	struct sn_ipaddr public_addr;
	bool port_preserved;
};

/* Reads @obj (a JSON object) into *@out: 0, or -1 with @err naming the
 * member ("link: wg_key: ..."). */
int sn_link_info_read(json_t *obj, struct sn_link_info *out, struct sn_err *err);
/* The object sn_link_info_read reads (optional members left out when
 * not set); NULL: out of memory. */
json_t *sn_link_info_json(const struct sn_link_info *info);
bool sn_link_info_equal(const struct sn_link_info *a, const struct sn_link_info *b);

#endif
