/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint discovery's client (issue 18, daemon/LINKS.md §4): where this
 * node's NAT maps its WireGuard port, and what kind of NAT it is.
 *
 * When the registry names the cluster's discovery port N (links.stun_port)
 * and the node has WireGuard (--wg-port not 0), one UDP socket, bound to
 * the node's underlay address (each run checks the host still has it; if
 * not, the source address of the route to the cluster: a new socket and
 * rule), asks the cluster's address (cluster_address
 * of /register, resolved when it is a name) on ports N and N + 1. Its
 * requests must leave from WireGuard's port, the mapping peers will use:
 * a postrouting snat rule in semnetd's own table inet semnet-discovery
 * rewrites their source port (firewall.h), and conntrack undoes it for the
 * answers. Lost requests are sent again after 0.25, 0.5, 1, 2 s (5 tries);
 * a run repeats every 60 s (jittered +-10 s). The two answers are
 * classified (discover_match.h) into the node's `link` {nat, public_addr,
 * port_preserved}, which upstream.c sends in its subnet request, again
 * whenever a run finds something else. Without nftables' nat (nf_nat,
 * nf_conntrack) or an answer, the node sends no nat: it counts as public,
 * as a node that never ran discovery, and works as before; /status says
 * why. The table goes at setup (a stale one) and at exit.
 */
#ifndef SEMNETD_DISCOVER_H
#define SEMNETD_DISCOVER_H

#include <jansson.h>
#include <stdio.h>

#include "sn_links.h"

struct semnetd;
struct semnetd_discover;

struct semnetd_discover *semnetd_discover_new(struct semnetd *d);
/* At node setup: removes the table an earlier run left. */
void semnetd_discover_setup(struct semnetd_discover *disc);
/* A registry came (links.stun_port starts, moves or stops discovery). */
void semnetd_discover_on_registry(struct semnetd_discover *disc, json_t *registry);
/* Sets @link's nat, public_addr and port_preserved from the last result
 * (none: has_nat false). */
void semnetd_discover_link(const struct semnetd_discover *disc, struct sn_link_info *link);
/* Stops the timer and the socket and removes the rule (before the loop
 * closes its handles). */
void semnetd_discover_stop(struct semnetd_discover *disc);
/* After the loop closed every handle. */
void semnetd_discover_free(struct semnetd_discover *disc);

/* For GET /status and GET /metrics. */
json_t *semnetd_discover_json(const struct semnetd_discover *disc);
void semnetd_discover_metrics(const struct semnetd_discover *disc, FILE *f);

#endif
