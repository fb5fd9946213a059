/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnetd: the state every part of the node daemon shares. The parts, one
 * concern a file (each header says what its file owns):
 *   main.c       startup and shutdown        config.c    settings
 *   api.c        HTTP routes -> use cases    api_parse.c request bodies
 *   setup.c      registration, node setup, restart (adopting the kernel)
 *   instances.c  local instances: deploy, undeploy, restore
 *   upstream.c   MQTT to the cluster manager, the subnet
 *   queries.c    table queries               answers.c   answers -> kernel
 *   services.c   the cache of known services peers.c     tunnel peers
 *   interest.c   keeping and forgetting services (the idle timer)
 *   misses.c     kernel miss events          status.c    GET /status
 *   metrics.c    GET /metrics                probe.c     RTT probes (rtt.c)
 *   store.c      SQLite: identity, leases    leases.c    the nsIP pool
 *   kernel.c     semnet.ko (lib/sn_kernel)   host.c      rtnetlink
 *   firewall.c   nftables                  discover.c  endpoint discovery (NAT)
 *   wglinks.c    encrypted links (WireGuard) relaylinks.c the relay node (relay.c)
 *   wgrefused.c  datagrams WireGuard refused (wgcount.c: the arithmetic)
 */
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
#include "kernel.h"
#include "leases.h"
#include "misses.h"
#include "peers.h"
#include "queries.h"
#include "services.h"
#include "setup.h"
#include "sn_db.h"
#include "sn_http_server.h"
#include "sn_mqtt.h"
#include "store.h"
#include "relaylinks.h"
#include "wglinks.h"

struct semnetd_probe;
struct semnetd_discover;

/* The client's message when the store failed. */
#define SEMNETD_STORE_ERROR "internal store error; nothing was changed"

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
	struct semnetd_kwriter kw;	/* answers' installs, batched (answers.h) */
	uv_check_t kw_check;		/* flushes kw at the end of a loop turn */
	struct sn_genl events;		/* miss events (a socket of its own) */
	uv_poll_t events_poll;
	bool events_polling;
	struct semnetd_host host;
	struct semnetd_fw fw;
	struct semnetd_identity id;
	struct semnetd_leases leases;
	struct semnetd_leases6 leases6;	/* ready once the IPv6 side is up */
	bool v6;			/* IPv6 side set up: host, kernel, leases6 */
	bool v6_peers_refused;		/* the kernel took no IPv6 peer (logged once) */
	bool kernel_lacks_label;	/* an older semnet.ko: peers go without a label */
	enum semnetd_state state;
	char state_error[256];
	struct semnetd_underlay underlay;	/* address none: not found yet */
	int bridge_ifindex;
	int tunnel_mtu;
	uv_timer_t subnet_timer;	/* re-asks the cluster until it answers */
	uv_timer_t interest_timer;	/* interest.c */
	uint64_t kpackets;		/* interest.c: the kernel's packet total */
	bool kpackets_valid;		/*   when the counters were last read */
	struct semnetd_services services;
	struct semnetd_queries queries;
	struct semnetd_peers peers;
	struct semnetd_probe *probe;	/* RTT probes of peer nodes (probe.h) */
	struct semnetd_wglinks wgl;	/* encrypted links' WireGuard (wglinks.h) */
	struct semnetd_discover *discover;	/* endpoint discovery (discover.h) */
	struct semnetd_relaylinks relay;	/* --relay: the relay node's forwarder */
	struct semnetd_upstream_stats up;
};

/* The cluster manager over MQTT (upstream.c). Connects to its broker
 * (after /register or at startup). */
int semnetd_upstream_start(struct semnetd *d);
/* Publishes on nodes/<id>/net/<suffix>; @msg is borrowed. */
void semnetd_upstream_publish(struct semnetd *d, const char *suffix, json_t *msg);
void semnetd_upstream_subscribe(struct semnetd *d, const char *topic);
void semnetd_upstream_unsubscribe(struct semnetd *d, const char *topic);
/* The subnet request again, with the node's current `link` (discover.c:
 * the discovery result changed). */
void semnetd_upstream_send_link(struct semnetd *d);
/* service/deployed for a local instance. */
void semnetd_upstream_report_deployed(struct semnetd *d, const struct semnetd_lease *l);

/* The HTTP routes (api.c). */
extern const struct sn_http_route semnetd_routes[];
extern const size_t semnetd_nroutes;

/* Prometheus text for GET /metrics (metrics.c); malloc'd, NULL on error. */
char *semnetd_metrics_text(struct semnetd *d);
/* The HELP and TYPE lines of a metric (metrics.c, also for probe.c). */
void semnetd_metric_head(FILE *f, const char *name, const char *type, const char *help);
/* A counter kept as a uint64_t at @off in some struct. */
struct semnetd_metric_counter {
	const char *name, *help;
	size_t off;
};
/* Each of @c (@n of them), read from @base, as an unlabelled counter. */
void semnetd_metric_counters(FILE *f, const void *base, const struct semnetd_metric_counter *c,
			     size_t n);

#endif
