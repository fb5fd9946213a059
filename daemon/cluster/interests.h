/* SPDX-License-Identifier: GPL-2.0 */
/* Idle expiry of node interests: a node that has not queried a job for
 * interest_idle_s (and does not run it) stops getting its updates; when no
 * node is left, the cluster drops its interest at the root. */
#ifndef SN_CLUSTER_INTERESTS_H
#define SN_CLUSTER_INTERESTS_H

struct sn_cluster;

void sn_interests_start(struct sn_cluster *c);

#endif
