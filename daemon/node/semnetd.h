/* SPDX-License-Identifier: GPL-2.0 */
/* semnetd: the state every part of the node daemon shares. */
#ifndef SEMNETD_H
#define SEMNETD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "config.h"
#include "firewall.h"
#include "genl.h"
#include "host.h"
#include "leases.h"
#include "sn_db.h"
#include "sn_http_server.h"
#include "sn_mqtt.h"
#include "store.h"

struct semnetd_tables;
struct semnetd_probe;

enum semnetd_state {
	SEMNETD_UNREGISTERED,	/* no /register yet */
	SEMNETD_WAITING_SUBNET,	/* registered; the cluster has not answered */
	SEMNETD_READY,		/* bridge, tunnel and kernel configured */
	SEMNETD_FAILED,		/* setting the node up failed (see state_error) */
};

struct semnetd_upstream_stats {
	uint64_t queries, answers, errors;
	uint64_t latency_ms_sum, latency_ms_max;
	uint64_t misses, updates;
};

struct semnetd {
	uv_loop_t *loop;
	struct semnetd_config cfg;
	struct sn_db db;
	struct sn_http_server *http;
	struct sn_mqtt *mqtt;
	struct sn_genl genl;		/* requests */
	struct sn_genl events;		/* miss events (a socket of its own) */
	uv_poll_t events_poll;
	bool events_polling;
	struct semnetd_host host;
	struct semnetd_fw fw;
	struct semnetd_identity id;
	struct semnetd_leases leases;
	enum semnetd_state state;
	char state_error[256];
	uint32_t underlay;
	int bridge_ifindex;
	int tunnel_mtu;
	uv_timer_t subnet_timer;	/* re-asks the cluster until it answers */
	uv_timer_t interest_timer;
	struct semnetd_tables *tables;
	struct semnetd_probe *probe;	/* RTT probes of peer nodes (probe.h) */
	struct semnetd_upstream_stats up;
};

/* Connects to the cluster's broker (after /register or at startup). */
int semnetd_cluster_start(struct semnetd *d);
/* Sets the node up once the subnet is known (cluster.c calls it). */
int semnetd_node_setup(struct semnetd *d, struct sn_err *err);
/* Publishes on nodes/<id>/net/<suffix>; @msg is borrowed. */
void semnetd_publish(struct semnetd *d, const char *suffix, json_t *msg);
void semnetd_subscribe(struct semnetd *d, const char *topic);
void semnetd_unsubscribe(struct semnetd *d, const char *topic);
/* service/deployed for a local instance. */
void semnetd_report_deployed(struct semnetd *d, const struct semnetd_lease *l);

/* Takes a local instance down everywhere and reports it undeployed
 * (api.c; also for a container found gone at startup). 0 or -1. */
int semnetd_api_remove_instance(struct semnetd *d, const struct semnetd_lease *l);

/* The HTTP routes (api.c). */
extern const struct sn_http_route semnetd_routes[];
extern const size_t semnetd_nroutes;

/* Prometheus text for GET /metrics (metrics.c); malloc'd, NULL on error. */
char *semnetd_metrics_text(struct semnetd *d);
/* The HELP and TYPE lines of a metric (metrics.c, also for probe.c). */
void semnetd_metric_head(FILE *f, const char *name, const char *type, const char *help);

#endif
