/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnetd as a relay node (issue 18, daemon/LINKS.md §4 "Relay"): with
 * --relay on and WireGuard up, the node says `relay: true` in its link,
 * and runs relay.c's forwarder on its underlay address for every node of
 * the registry it can serve (peer_parse.h: semnetd_relay_serves), at
 * base + slot, base = its wg_port + SEMNETD_RELAY_PORT_OFFSET. The set
 * follows every registry.
 */
#ifndef SEMNETD_RELAYLINKS_H
#define SEMNETD_RELAYLINKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct semnetd;
struct semnetd_node_entry;
struct semnetd_relay;

struct semnetd_relaylinks {
	struct semnetd_relay *relay;	/* NULL until the first registry */
	int base;
	size_t members, left_out;	/* of the last registry */
	char error[256];		/* why the last set failed ("" none) */
};

/* This node offers to relay: --relay on and its WireGuard up (the base
 * port follows its wg_port). */
bool semnetd_relaylinks_offered(struct semnetd *d);

/* After a registry: serves every node of @peers (its PEER entries, @self
 * this node's, NULL when not in it yet) the relay can serve. */
void semnetd_relaylinks_on_registry(struct semnetd *d, const struct semnetd_node_entry *self,
				    const struct semnetd_node_entry *peers, size_t n);

/* GET /status "relay": null when not a relay, else {base, members,
 * left_out, error, endpoints, forwarded, ..., send_failed} (relay.h). */
json_t *semnetd_relaylinks_json(struct semnetd *d);
/* GET /metrics: semnetd_relay_*_total, nothing when not a relay. */
void semnetd_relaylinks_metrics(struct semnetd *d, FILE *f);
/* Closes the relay's sockets (before the loop closes its handles). */
void semnetd_relaylinks_free(struct semnetd *d);

#endif
