/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this node knows of the cluster and keeps in the kernel: services
 * (from table queries), their instances, and tunnel peers (from the node
 * registry and from table answers). A service is queried when the kernel
 * misses its address or a local instance is deployed, kept while its
 * kernel counters move or it has a local instance, re-queried on
 * jobs/<name>/updates_available, and forgotten (kernel entries deleted,
 * interest/remove sent) after interest_idle_ms without traffic.
 */
#ifndef SEMNETD_TABLES_H
#define SEMNETD_TABLES_H

#include <jansson.h>

#include "kernel.h"
#include "store.h"

struct semnetd;
struct semnetd_tables;

struct semnetd_tables *semnetd_tables_new(void);
void semnetd_tables_free(struct semnetd_tables *t);

/* Asks the cluster by name or by address (once while one is in flight). */
void semnetd_tables_query_name(struct semnetd *d, const char *job_name);
void semnetd_tables_query_addr(struct semnetd *d, uint32_t addr);
/* Every known service again (after a broker reconnection). */
void semnetd_tables_requery_all(struct semnetd *d);

/* MQTT input: nodes/<id>/net/tablequery/result, semnet/nodes, and
 * jobs/<name>/updates_available. */
void semnetd_tables_on_result(struct semnetd *d, const char *payload, int len);
void semnetd_tables_on_registry(struct semnetd *d, const char *payload, int len);
void semnetd_tables_on_update(struct semnetd *d, const char *job_name);
/* Resubscribes every service's update topic (after a reconnection). */
void semnetd_tables_subscribe_all(struct semnetd *d);

/* A kernel miss event. */
void semnetd_tables_on_miss(struct semnetd *d, const struct semnetd_miss *m);

/* Puts a local instance into the kernel (its InstanceIP known). */
int semnetd_tables_install_local(struct semnetd *d, const struct semnetd_lease *l);
/* A local instance is gone: out of the kernel and of its service. */
void semnetd_tables_local_gone(struct semnetd *d, const struct semnetd_lease *l);

/* After a restart: adopts the services the kernel still has (flows keep
 * running) and refreshes them from the cluster. */
void semnetd_tables_adopt_kernel(struct semnetd *d);
/* The interest timer: reads counters, forgets idle services. */
void semnetd_tables_tick(struct semnetd *d);

/* Calls @fn for every tunnel peer this node keeps (its subnet and the
 * underlay address of its node). */
void semnetd_tables_peer_each(const struct semnetd_tables *t,
			      void (*fn)(void *arg, const struct sn_prefix *subnet, uint32_t addr),
			      void *arg);

/* For GET /status. */
json_t *semnetd_tables_json(struct semnetd *d);
size_t semnetd_tables_count(const struct semnetd_tables *t);
size_t semnetd_tables_pending(const struct semnetd_tables *t);

#endif
