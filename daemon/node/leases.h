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
#include "sn_ipv6.h"

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

/*
 * IPv6 nsIP leases of the node's IPv6 subnet (a /120: 254 containers, as
 * Oakestra's NetManager): ::1 is the gateway (the bridge, or semnet-gw
 * when routed), ::2 and up are leased, the lowest free one first, so a
 * released address is the next one handed out (Oakestra's order too: its
 * freed addresses go before new ones). The subnet may be a /96 to a /126;
 * only its first SEMNETD_LEASES6_MAX addresses are leased (a node holds
 * far fewer containers). Memory only, rebuilt from the store at startup
 * with semnetd_leases6_reserve(), like the IPv4 pool.
 */
#define SEMNETD_LEASES6_MAX 65536u

struct semnetd_leases6 {
	struct sn_prefix6 subnet;
	uint8_t *used;		/* a bit per host offset: leased or reserved */
	uint32_t size;		/* host offsets 0 .. size - 1 */
	uint32_t nfree;
	bool ready;
};

/* 0, or -EINVAL for a subnet shorter than /96 or longer than /126,
 * -ENOMEM. */
int semnetd_leases6_init(struct semnetd_leases6 *l, const struct sn_prefix6 *subnet);
void semnetd_leases6_destroy(struct semnetd_leases6 *l);
/* The gateway: the subnet's ::1. */
void semnetd_leases6_gateway(const struct semnetd_leases6 *l, struct in6_addr *gw);
/* The lowest free nsIP. -ENOSPC when full (or not ready). */
int semnetd_leases6_take(struct semnetd_leases6 *l, struct in6_addr *nsip);
/* Marks @nsip leased (startup). -EDOM outside, -EACCES reserved (the
 * network address, the gateway), -EEXIST. */
int semnetd_leases6_reserve(struct semnetd_leases6 *l, const struct in6_addr *nsip);
/* -ENOENT when it was not leased. */
int semnetd_leases6_release(struct semnetd_leases6 *l, const struct in6_addr *nsip);
uint32_t semnetd_leases6_free(const struct semnetd_leases6 *l);
uint32_t semnetd_leases6_capacity(const struct semnetd_leases6 *l);

#endif
