/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's link to the root: registration (retried until the root
 * accepts it), one-shot requests (table queries, subnets), and an outbox
 * for calls the root must eventually get (net_deploy_status, interest
 * removal): written in the caller's transaction, delivered one at a time in
 * order (a later location report must not overtake an earlier one), retried
 * with backoff. With --cluster-id every call carries ?cluster_id=, so NAT
 * cannot confuse the root; without it the root tells the cluster by its
 * source address, as Oakestra's root does.
 */
#ifndef SN_CLUSTER_UPLINK_H
#define SN_CLUSTER_UPLINK_H

#include <stdbool.h>
#include <jansson.h>

#include "sn_http_client.h"

struct sn_cluster;

struct sn_uplink *sn_uplink_new(struct sn_cluster *c);
void sn_uplink_free(struct sn_uplink *u);
/* Registers with the root, then delivers the outbox. */
void sn_uplink_start(struct sn_uplink *u);
bool sn_uplink_registered(const struct sn_uplink *u);

/* In the caller's transaction. @path starts with "/api/net/". 0 or -1. */
int sn_uplink_enqueue(struct sn_uplink *u, const char *method, const char *path, json_t *body);
/* After commit: deliver what was queued. */
void sn_uplink_flush(struct sn_uplink *u);
unsigned int sn_uplink_pending(const struct sn_uplink *u);

/* Stores the job id a root's table answer names (_id, else job_id), which
 * net_deploy_status reports carry. In the caller's transaction or none. */
void sn_uplink_learn_job_id(struct sn_uplink *u, const char *job_name, json_t *answer);

/* A one-shot request to the root; @done as for sn_http_client_request. */
int sn_uplink_request(struct sn_uplink *u, const char *method, const char *path, json_t *body,
		      sn_http_done_fn done, void *arg);

#endif
