/* SPDX-License-Identifier: GPL-2.0 */
/* semnet-cluster: the state every part of the daemon shares. */
#ifndef SN_CLUSTER_H
#define SN_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "sn_db.h"
#include "sn_http_client.h"
#include "sn_http_server.h"
#include "sn_mqtt.h"

struct sn_uplink;
struct sn_stun;

struct sn_cluster {
	uv_loop_t *loop;
	struct sn_cluster_config cfg;
	struct sn_db db;
	struct sn_http_server *http;
	struct sn_http_client *client;
	struct sn_mqtt *mqtt;
	struct sn_uplink *uplink;
	struct sn_stun *stun;		/* endpoint discovery; NULL: off */
	uv_timer_t interest_timer;
	/* Bumped by every job update: a root answer requested before one
	 * arrived may predate it, so it is not cached as fresh. */
	uint64_t job_updates;
	/* Registry publishing (registry.c): each message lists every node,
	 * so a burst of changes is coalesced into one message per interval. */
	uv_timer_t registry_timer;
	uint64_t registry_next_ms;	/* loop time before which none is sent */
};

/* Seconds of wall-clock time (interest timestamps survive restarts). */
int64_t sn_cluster_now(void);

/* The HTTP routes (api.c). */
extern const struct sn_http_route sn_cluster_routes[];
extern const size_t sn_cluster_nroutes;

#endif
