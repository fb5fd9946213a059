/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RTT probes of the peer nodes, for the kernel's "closest" policy.
 *
 * Every node this one has tunnel peers for gets an ICMP echo request every
 * --probe-interval-ms (jittered), from this node's gateway (the bridge's
 * address) to that node's gateway: the platform route puts it into
 * semnet0, so it is encapsulated and carried exactly like container
 * traffic (the GRE key, the gateway, lies in our subnet, which the peer's
 * receive check accepts), and the peer's kernel answers it. The smoothed
 * RTT (rtt.h) goes into the kernel as the node's cost with
 * SEMNET_CMD_SET_PEER, by underlay address (IPv4 or IPv6: the probes are
 * IPv4 inside the tunnel whatever its outer family); lost probes mark a
 * node down.
 *
 * The socket is an unprivileged ICMP socket (SOCK_DGRAM, IPPROTO_ICMP)
 * where net.ipv4.ping_group_range admits semnetd's group (systemd's
 * default admits every group), else a raw ICMP socket (CAP_NET_RAW,
 * filtered to echo replies). Without either there are no probes and every
 * peer node stays at the unknown cost. Everything runs on the loop: one
 * uv_poll for the socket, one uv_timer per node.
 */
#ifndef SEMNETD_PROBE_H
#define SEMNETD_PROBE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "sn_ipaddr.h"

struct semnetd;
struct semnetd_probe;

struct semnetd_probe *semnetd_probe_new(struct semnetd *d);
/* Opens the socket from @source (this node's gateway) and starts probing
 * the peer nodes; again with another source, reopens. 0 or -1 (logged). */
int semnetd_probe_start(struct semnetd_probe *p, uint32_t source);
/* The set of peers changed: the nodes to probe follow on the next loop
 * turn (one pass for a whole registry). */
void semnetd_probe_peers_changed(struct semnetd_probe *p);
/* A peer of node @addr (its underlay address, either family) was
 * (re)added to the kernel, which then holds no cost for it: push the
 * node's state again. */
void semnetd_probe_peer_added(struct semnetd_probe *p, const struct sn_ipaddr *addr);
/* Stops the timers and the poll (before the loop closes its handles). */
void semnetd_probe_stop(struct semnetd_probe *p);
/* After the loop closed every handle. */
void semnetd_probe_free(struct semnetd_probe *p);

/* For GET /status and GET /metrics. */
json_t *semnetd_probe_json(const struct semnetd_probe *p);
void semnetd_probe_metrics(const struct semnetd_probe *p, FILE *f);

#endif
