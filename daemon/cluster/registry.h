/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's node registry: every node's subnets, underlay address,
 * tunnel port and encapsulation, published retained on SN_REGISTRY_TOPIC
 * whenever it changes (and on each broker connection), so every node knows
 * its tunnel peers, including those that join later.
 */
#ifndef SN_CLUSTER_REGISTRY_H
#define SN_CLUSTER_REGISTRY_H

#include <jansson.h>

struct sn_cluster;

#define SN_REGISTRY_TOPIC "semnet/nodes"

/* {version, cluster_id, nodes:[{node_id, subnet:"a.b.c.d/26", host_ip,
 *  host_port, tunnel, subnet_v6:"fc00::/120" or null}]};
 * NULL on failure. @version -1 reads the current one. */
json_t *sn_registry_json(struct sn_cluster *c, int64_t version);
/* Bumps the version (caller's transaction) ... */
int64_t sn_registry_changed(struct sn_cluster *c);
/* ... and publishes after commit: at once, or, while the last message is
 * recent, the state of the registry once the interval is over. */
void sn_registry_publish(struct sn_cluster *c, int64_t version);
/* The publishing timer; before any sn_registry_publish(). */
void sn_registry_init(struct sn_cluster *c);

#endif
