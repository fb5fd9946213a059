/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the cluster's nodes say over MQTT (topics nodes/<id>/net/...):
 * subnet requests, deployed / undeployed / address-changed reports, table
 * queries and interest removal; and what it tells them (results, and
 * jobs/<job>/updates_available).
 */
#ifndef SN_CLUSTER_NODES_H
#define SN_CLUSTER_NODES_H

struct sn_cluster;

/* The MQTT message callback. */
void sn_nodes_on_message(void *arg, const char *topic, const char *payload, int len);
/* Tells interested nodes a job changed: jobs/<job>/updates_available. */
void sn_nodes_job_updated(struct sn_cluster *c, const char *job_name, int instance_number,
			  const char *type);
/* A job no node here is interested in any more: forget its table and tell
 * the root (queued; caller's transaction). 0 or -1. */
int sn_nodes_drop_job_interest(struct sn_cluster *c, const char *job_name);

#endif
