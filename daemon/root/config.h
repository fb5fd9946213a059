/* SPDX-License-Identifier: GPL-2.0 */
/* semnet-root settings: defaults (the seed profile), a JSON config file,
 * then command-line flags, each overriding the one before. */
#ifndef SN_ROOT_CONFIG_H
#define SN_ROOT_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "sn_ipv4.h"
#include "sn_ipv6.h"

struct sn_root_config {
	char listen[64];
	int port;
	char db_path[PATH_MAX];
	bool db_durable;		/* synchronous=FULL */
	struct sn_prefix worker_range;	/* worker subnets come from here ... */
	struct sn_prefix service_range;	/* ... minus this (ServiceIPs and InstanceIPs) */
	unsigned int subnet_len;	/* worker subnet prefix length */
	/* IPv6, the same in every profile (Oakestra's layout): worker /120s
	 * from a window of the platform, InstanceIPs and RR/Closest addresses
	 * from two windows of the service range; each window at most 2^24
	 * blocks (sn_ipalloc). */
	struct sn_prefix6 platform6;		/* routed into semnet0 on the nodes */
	struct sn_prefix6 service_range6;	/* translated: ServiceIPs, InstanceIPs */
	struct sn_prefix6 worker_window6;	/* worker subnets come from here */
	unsigned int subnet_len6;
	struct sn_prefix6 instance_window6;	/* InstanceIPs */
	struct sn_prefix6 rr_window6;		/* RR and Closest addresses */
	int push_timeout_ms;		/* one job-update POST to a cluster */
	int push_backoff_ms;		/* first retry delay, doubling */
	int push_backoff_max_ms;
	int push_max_attempts;
	int log_level;
	char ready_file[PATH_MAX];	/* written with the bound port once serving */
};

/* Fills @cfg from defaults, the file named by --config and the other flags.
 * Returns 0, 1 when --help was printed, -1 on an error (printed). */
int sn_root_config_load(struct sn_root_config *cfg, int argc, char **argv);

#endif
