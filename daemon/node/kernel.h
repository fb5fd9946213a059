/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programming semnet.ko over its generic-netlink family: semnetd's terms
 * (addresses in host byte order) turned into the family's objects of
 * lib/sn_kernel.h, which encode and decode them (on lib/genl.c).
 * Every call is one synchronous round trip to the local kernel
 * (microseconds), fine on the loop. Errors: a negative errno, the kernel's
 * explanation in g->error.
 */
#ifndef SEMNETD_KERNEL_H
#define SEMNETD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "genl.h"
#include "sn_ipv4.h"

struct semnetd_node_cfg {
	struct sn_prefix platform, services, subnet;
	uint32_t gateway;
	int bridge_ifindex;		/* 0: routed (no bridge) */
	int tunnel_port;
};

struct semnetd_counters {
	uint64_t packets, bytes, flows;
};

struct semnetd_kservice {
	uint32_t addr;
	char name[128];
	char policy[16];
	struct semnetd_counters c;
};

struct semnetd_kinstance {
	uint32_t addr;
	char service[128];
	uint32_t nsip;
	uint32_t node;
	struct semnetd_counters c;
};

struct semnetd_kpeer {
	struct sn_prefix subnet;
	uint32_t addr;
	uint64_t tx_packets, rx_packets;
	bool has_cost;		/* an older semnet.ko reports neither */
	uint32_t cost;
	bool down;
};

struct semnetd_kstats {
	uint32_t flows, services, instances, held;
	uint64_t flows_created, flows_expired, packets, misses, miss_events, released;
	uint64_t closest_purged;	/* closest flows removed: their node went down */
	uint64_t drops[32];	/* by enum semnet_drop_reason */
};

int semnetd_kernel_set_node(struct sn_genl *g, const struct semnetd_node_cfg *n);
/* Create or change (NLM_F_CREATE | NLM_F_REPLACE: flows stay). */
int semnetd_kernel_service_put(struct sn_genl *g, uint32_t addr, const char *name,
			       const char *policy);
int semnetd_kernel_service_del(struct sn_genl *g, uint32_t addr);
/* @node 0: local, then @ifindex is the bridge port allowed to send as it. */
int semnetd_kernel_instance_put(struct sn_genl *g, uint32_t addr, const char *service,
				uint32_t nsip, uint32_t node, int ifindex);
int semnetd_kernel_instance_del(struct sn_genl *g, uint32_t addr);
int semnetd_kernel_peer_put(struct sn_genl *g, const struct sn_prefix *subnet, uint32_t addr,
			    int port);
int semnetd_kernel_peer_del(struct sn_genl *g, const struct sn_prefix *subnet);
/* The cost (SEMNET_PEER_COST_UNKNOWN: unmeasured) and up/down state of
 * every peer at the underlay address @addr, i.e. of one node. */
int semnetd_kernel_peer_state(struct sn_genl *g, uint32_t addr, uint32_t cost, bool down);

/* Dumps into malloc'd arrays (free them); 0 or a negative errno. */
int semnetd_kernel_services(struct sn_genl *g, struct semnetd_kservice **out, size_t *n);
int semnetd_kernel_instances(struct sn_genl *g, struct semnetd_kinstance **out, size_t *n);
int semnetd_kernel_peers(struct sn_genl *g, struct semnetd_kpeer **out, size_t *n);
/* The same dumps without the arrays (tens of thousands of objects make
 * megabytes): @fn sees each item, on the stack, as it arrives; @reset
 * (NULL: none) undoes what @fn did when a concurrent change restarts the
 * dump. 0 or a negative errno. */
typedef void semnetd_kservice_fn(void *arg, const struct semnetd_kservice *s);
typedef void semnetd_kinstance_fn(void *arg, const struct semnetd_kinstance *i);
int semnetd_kernel_services_each(struct sn_genl *g, semnetd_kservice_fn *fn,
				 void (*reset)(void *arg), void *arg);
int semnetd_kernel_instances_each(struct sn_genl *g, semnetd_kinstance_fn *fn,
				  void (*reset)(void *arg), void *arg);
int semnetd_kernel_stats(struct sn_genl *g, struct semnetd_kstats *s);
/* Flows now to the ServiceIP @service, or (when @service is 0) those that
 * reached the instance @instance. */
int semnetd_kernel_flow_count(struct sn_genl *g, uint32_t service, uint32_t instance,
			      size_t *count);

/* Joins the miss events on @g (a socket of its own), non-blocking. */
int semnetd_kernel_subscribe_misses(struct sn_genl *g);

struct semnetd_miss {
	uint32_t addr;
	int kind;		/* enum semnet_miss_kind */
	uint32_t src;
	uint32_t held;
};
/* Parses a SEMNET_CMD_MISS event's attributes. 0 or -EBADMSG. */
int semnetd_kernel_parse_miss(struct nlattr **attrs, struct semnetd_miss *m);

#endif
