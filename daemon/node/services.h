/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The services this node knows: a cache of what the cluster's table
 * answers said (the RR and Closest addresses a service holds in the
 * kernel, and its instances), and the kernel counters last read for each.
 * A service enters it with a table answer or with what the kernel still
 * holds after a restart, and leaves it when interest.c forgets it. Knowing
 * a service means listening on its jobs/<name>/updates_available topic.
 */
#ifndef SEMNETD_SERVICES_H
#define SEMNETD_SERVICES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_oak.h"

struct semnetd;

/* One Oakestra instance: in the kernel as up to two instances, one per
 * family (0 / :: for a family it lacks there). */
struct semnetd_svc_instance {
	int number;		/* -1 when adopted from the kernel */
	uint32_t instance_ip;
	uint32_t nsip;
	struct sn_ipaddr node;	/* underlay address (either family), none: local */
	struct in6_addr instance_ip6;
	struct in6_addr nsip6;
};

struct semnetd_svc {
	uint32_t rr_ip, closest_ip;
	struct in6_addr rr_ip6, closest_ip6;	/* :: for none */
	struct semnetd_svc_instance *inst;
	size_t ninst;
	uint64_t packets;	/* kernel counters last seen */
	uint64_t active_ms;	/* when traffic or a query last touched it */
	uint64_t tick_packets[2];	/* interest.c: summed during a tick */
	struct semnetd_svc *next;
	struct semnetd_svc *hnext;	/* in its bucket of the name index */
	char name[];		/* as long as it is: thousands of services */
};

/* A list (in the order services arrived, newest first) and an index by
 * name: answers, updates and the interest timer look services up by name,
 * thousands of them at a time. */
struct semnetd_services {
	struct semnetd_svc *head;
	struct semnetd_svc **buckets;
	size_t nbuckets, count;
};

void semnetd_services_free(struct semnetd_services *ss);
void semnetd_svc_free(struct semnetd_svc *s);

struct semnetd_svc *semnetd_services_find(struct semnetd_services *ss, const char *name);
/* The service holding @addr as a service address or an InstanceIP. */
struct semnetd_svc *semnetd_services_by_addr(struct semnetd_services *ss, uint32_t addr);
struct semnetd_svc *semnetd_services_by_addr6(struct semnetd_services *ss,
					      const struct in6_addr *addr);
/* A new, empty service, active now, its update topic subscribed. */
struct semnetd_svc *semnetd_services_add(struct semnetd *d, const char *name);
/* Takes *@ps (a link of the list) out of the list and the index; returns it. */
struct semnetd_svc *semnetd_services_remove(struct semnetd_services *ss, struct semnetd_svc **ps);
/* Unsubscribes the update topic of @s (it is being forgotten). */
void semnetd_services_unsubscribe(struct semnetd *d, const struct semnetd_svc *s);
/* Resubscribes every service's update topic (after a reconnection). */
void semnetd_services_subscribe_all(struct semnetd *d);

size_t semnetd_services_count(const struct semnetd_services *ss);
/* The hash of a name (or any key) for the indexes here and in queries.c. */
size_t semnetd_name_hash(const char *name);
/* The "services" list of GET /status. */
json_t *semnetd_services_json(struct semnetd *d);

#endif
