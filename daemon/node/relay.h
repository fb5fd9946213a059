/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay (issue 18, daemon/LINKS.md §4 "Relay"): a public node forwards
 * WireGuard datagrams between two nodes that cannot reach each other
 * directly (one behind a symmetric NAT). It sees only ciphertext: it can
 * neither read nor forge what it carries, and WireGuard's keys, not the
 * relay, prove who sent a packet.
 *
 * Ports, agreed without a message: the relay listens on base + slot for
 * every member (a node of the cluster, by its slot). A packet arriving at
 * port base + j is "for node j"; its sender k is known by its source
 * address (the address the registry has for k: its public address, or its
 * underlay address when it is not behind NAT). The relay remembers where
 * k's packets for j come from (ep[k][j], the NAT mapping of k's device for
 * j) and sends the packet to ep[j][k] from port base + k, so that j's
 * device for k sees it come from the endpoint it was given, relay:base+k.
 * Until j has sent something for k (its persistent keepalive does that
 * within seconds), there is nowhere to send: the packet is dropped and
 * counted ("unprimed"), and WireGuard retries its handshake.
 *
 * Members behind one public address (nodes behind one NAT) are told
 * apart by the source port: k's device for j listens on k's wg_port +
 * j's slot, and a NAT that keeps ports (most do while the port is free)
 * sends it from there, so a packet at base + j from port P is from the
 * member at that address whose port_base + j is P; such members need
 * distinct port bases, and a packet matching none is a stranger's.
 *
 * Abuse: only members are served (a packet from any other source is
 * dropped and counted), a packet goes only to an endpoint its member sent
 * from itself (a member cannot aim the relay at a third party), never back
 * to its own sender, and one token bucket bounds the packets forwarded.
 * Limits: members behind one address are served only while their NAT
 * keeps the devices' ports; an endpoint unheard of for
 * SEMNETD_RELAY_STALE_MS is forgotten.
 */
#ifndef SEMNETD_RELAY_H
#define SEMNETD_RELAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sn_ipaddr.h"
#include "sn_json.h"

#define SEMNETD_RELAY_RATE 50000	/* packets a second by default, */
#define SEMNETD_RELAY_BURST 5000	/* and at most this many at once */
#define SEMNETD_RELAY_MAX_PAIRS 16384	/* endpoints remembered */
#define SEMNETD_RELAY_MAX_SLOT 4095	/* base + slot must stay a port */
#define SEMNETD_RELAY_STALE_MS 180000	/* WireGuard keepalives come every 25 s */
#define SEMNETD_RELAY_MTU 1600		/* larger datagrams are not WireGuard's */

/* A node the relay serves. */
struct semnetd_relay_member {
	struct sn_ipaddr addr;		/* where its packets come from */
	unsigned int slot;		/* 0..SEMNETD_RELAY_MAX_SLOT, unique */
	/* 0: known by its address alone; else (members sharing an
	 * address) by the source port, port_base + the target's slot */
	int port_base;
};

struct semnetd_relay_stats {
	uint64_t forwarded, forwarded_bytes;
	uint64_t unknown_source;	/* not a member's address */
	uint64_t to_self;		/* a member's packet for itself */
	uint64_t unprimed;		/* the target has not sent for the sender yet */
	uint64_t limited;		/* over the rate */
	uint64_t table_full;		/* an endpoint not remembered */
	uint64_t malformed;		/* too long for a WireGuard datagram */
	uint64_t send_failed;
};

struct semnetd_relay;

struct semnetd_relay *semnetd_relay_new(uv_loop_t *loop);
/*
 * Serves @members (replacing the set before): a socket on @addr (IPv4 or
 * IPv6 text) port @base + slot for each, opened or kept; sockets and
 * remembered endpoints of members gone are dropped. 0, or -1 with @err
 * and the set before unchanged (a port taken, a slot twice or out of
 * range, an address of another family than @addr's, two members at one
 * address without distinct port bases).
 */
int semnetd_relay_set(struct semnetd_relay *r, const char *addr, int base,
		      const struct semnetd_relay_member *members, size_t n, struct sn_err *err);
/* Forwards at most @rate packets a second, @burst at once (both >= 1). */
void semnetd_relay_limit(struct semnetd_relay *r, unsigned int rate, unsigned int burst);
const struct semnetd_relay_stats *semnetd_relay_stats(const struct semnetd_relay *r);
/* {base, members, endpoints, forwarded, forwarded_bytes, unknown_source,
 * to_self, unprimed, limited, table_full, malformed, send_failed}. */
json_t *semnetd_relay_json(const struct semnetd_relay *r);
/* Closes the sockets; the memory goes once the loop has run their close. */
void semnetd_relay_free(struct semnetd_relay *r);

#endif
