/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nsIP leases of the node's subnet (a /26: 61 containers). The network
 * address, the gateway (.1, the bridge) and the broadcast address are never
 * leased. Memory only, like sn_ipalloc underneath: the store persists each
 * lease in the transaction that hands it out, and startup rebuilds the pool
 * with semnetd_leases_reserve() from the store.
 */
#ifndef SEMNETD_LEASES_H
#define SEMNETD_LEASES_H

#include <stdint.h>

#include "sn_ipalloc.h"

struct semnetd_leases {
	struct sn_prefix subnet;
	struct sn_ipalloc pool;
	bool ready;
};

/* 0, or -EINVAL for a subnet shorter than /8 or longer than /30, -ENOMEM. */
int semnetd_leases_init(struct semnetd_leases *l, const struct sn_prefix *subnet);
void semnetd_leases_destroy(struct semnetd_leases *l);
/* The gateway: the subnet's first host address. */
uint32_t semnetd_leases_gateway(const struct semnetd_leases *l);
/* A free nsIP, the least recently released first. -ENOSPC when full. */
int semnetd_leases_take(struct semnetd_leases *l, uint32_t *nsip);
/* Marks @nsip leased (startup). -EDOM outside, -EACCES reserved, -EEXIST. */
int semnetd_leases_reserve(struct semnetd_leases *l, uint32_t nsip);
/* -ENOENT when it was not leased. */
int semnetd_leases_release(struct semnetd_leases *l, uint32_t nsip);
/* The next take starts after @nsip (restores rotation after a restart). */
void semnetd_leases_continue_after(struct semnetd_leases *l, uint32_t nsip);
uint32_t semnetd_leases_free(const struct semnetd_leases *l);
uint32_t semnetd_leases_capacity(const struct semnetd_leases *l);

#endif
