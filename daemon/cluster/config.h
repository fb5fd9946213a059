/* SPDX-License-Identifier: GPL-2.0 */
/* semnet-cluster settings: defaults, a JSON config file, then flags. */
#ifndef SN_CLUSTER_CONFIG_H
#define SN_CLUSTER_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "sn_mqtt.h"

struct sn_cluster_config {
	char cluster_id[65];
	char cluster_address[254];	/* where the root reaches this cluster */
	char listen[64];
	int port;
	char db_path[PATH_MAX];
	bool db_durable;
	char root_url[512];		/* http://host:port */
	char mqtt_host[254];
	int mqtt_port;
	struct sn_mqtt_security mqtt_security;
	int interest_idle_s;		/* a node's interest expires after this long unused */
	int root_timeout_ms;		/* one request to the root */
	int retry_backoff_ms;		/* first retry delay towards the root, doubling */
	int retry_backoff_max_ms;
	int log_level;
	char ready_file[PATH_MAX];
	int stun_port;			/* endpoint discovery on it and the next; 0: off */
};

/* 0, 1 when --help was printed, -1 on error (printed). */
int sn_cluster_config_load(struct sn_cluster_config *cfg, int argc, char **argv);

#endif
