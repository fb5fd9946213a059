/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's life cycle (enum semnetd_state): registration (POST
 * /register, durable in the store), then, once the cluster names the
 * node's subnet (upstream.c), or at startup when the store knows it
 * already, the node's setup: leases rebuilt from the store, the bridge,
 * semnet.ko's node configuration, the tunnel, the firewall, miss events,
 * RTT probes, the local instances restored and the services the kernel
 * still holds adopted (flows keep running across a restart of semnetd).
 */
#ifndef SEMNETD_SETUP_H
#define SEMNETD_SETUP_H

#include "api_parse.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"
#include "sn_json.h"

struct semnetd;

enum semnetd_state {
	SEMNETD_UNREGISTERED,	/* no /register yet */
	SEMNETD_WAITING_SUBNET,	/* registered; the cluster has not answered */
	SEMNETD_READY,		/* bridge, tunnel and kernel configured */
	SEMNETD_FAILED,		/* setting the node up failed (see state_error) */
};

/* Registers the node (idempotent for the same client_id). 0, or -EEXIST
 * (registered under another id), -EIO (no underlay address, store
 * failure) with a message for the client in @err. */
int semnetd_node_register(struct semnetd *d, const struct semnetd_register_req *r,
			  struct sn_err *err);
/* 0 when deployments can be served; -ENOTCONN (not registered) or
 * -EAGAIN (waiting for the subnet, setup failed) with the reason in @err. */
int semnetd_node_ready(struct semnetd *d, struct sn_err *err);
/* At startup, for a node registered before: its underlay address, its
 * setup when the subnet is known already, then the cluster. 0, or -1 when
 * the MQTT client cannot start. */
int semnetd_node_resume(struct semnetd *d);
/* The cluster named the node's subnet (upstream.c) and its IPv6 subnet
 * (@subnet6->len 0: none): stored, then the node set up. Once: another
 * subnet later is only logged, except an IPv6 subnet for a node that had
 * none, which is set up then. */
void semnetd_node_on_subnet(struct semnetd *d, const struct sn_prefix *subnet,
			    const struct sn_prefix6 *subnet6);
/* Sets the node up once the subnet is known. 0, or -1 with the node
 * SEMNETD_FAILED and the reason in state_error (logged). */
int semnetd_node_setup(struct semnetd *d);

/* "unregistered", "waiting-for-subnet", "ready", "failed". */
const char *semnetd_state_name(enum semnetd_state s);

#endif
