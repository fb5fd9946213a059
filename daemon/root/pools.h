/* SPDX-License-Identifier: GPL-2.0 */
/* The root's address pools, rebuilt from the store at startup: worker
 * subnets and ServiceIPs/InstanceIPs for IPv4; for IPv6 worker subnets,
 * InstanceIPs, and RR/Closest addresses, each from its window. */
#ifndef SN_ROOT_POOLS_H
#define SN_ROOT_POOLS_H

#include "config.h"
#include "sn_db.h"
#include "sn_ipalloc.h"

struct sn_root_pools {
	struct sn_ipalloc subnets;
	struct sn_ipalloc addrs;
	struct sn_ipalloc subnets6;
	struct sn_ipalloc instances6;
	struct sn_ipalloc rr6;
};

/* The v6 pool whose window holds @addr (InstanceIPs or RR), or NULL: an
 * address of the service range outside both windows (a requested one,
 * which only the store keeps unique). */
struct sn_ipalloc *sn_root_pool6_of(struct sn_root_pools *p, const struct in6_addr *addr);
/* Takes @addr out of its window's pool (nothing outside the windows):
 * 0, -EEXIST taken, -EACCES excluded (a window's first address). */
int sn_root_pool6_reserve(struct sn_root_pools *p, const struct in6_addr *addr);
/* Gives @addr back (:: and addresses outside the windows: nothing). */
void sn_root_pool6_release(struct sn_root_pools *p, const struct in6_addr *addr);

/* 0, or -1 (logged) when a range is invalid or the store holds an address
 * the configured ranges cannot contain (the ranges changed under it). */
int sn_root_pools_init(struct sn_root_pools *p, const struct sn_root_config *cfg, struct sn_db *db);
void sn_root_pools_destroy(struct sn_root_pools *p);

#endif
