/* SPDX-License-Identifier: GPL-2.0 */
/* The root's two address pools: worker subnets and ServiceIPs/InstanceIPs,
 * rebuilt from the store at startup. */
#ifndef SN_ROOT_POOLS_H
#define SN_ROOT_POOLS_H

#include "config.h"
#include "sn_db.h"
#include "sn_ipalloc.h"

struct sn_root_pools {
	struct sn_ipalloc subnets;
	struct sn_ipalloc addrs;
};

/* 0, or -1 (logged) when a range is invalid or the store holds an address
 * the configured ranges cannot contain (the ranges changed under it). */
int sn_root_pools_init(struct sn_root_pools *p, const struct sn_root_config *cfg, struct sn_db *db);
void sn_root_pools_destroy(struct sn_root_pools *p);

#endif
