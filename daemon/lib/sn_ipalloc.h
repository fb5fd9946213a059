/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address range allocator: hands out equal-sized blocks (a /26 worker
 * subnet, a /32 address; a /120 or a /128 of an IPv6 window) of a range,
 * minus excluded prefixes. An IPv6 pool is a window of at most 2^24 blocks
 * (e.g. fc00::/96 in /120s), the *6 functions below; the others are the
 * IPv4 ones (on an IPv6 pool they find nothing: -EDOM). A bitmap keeps it
 * exact and O(n/64) at worst; a rotating cursor makes a released block the
 * last to be handed out again, so an address that nodes may still cache is
 * not reused at once. The allocator is memory only: callers persist what
 * they allocate and rebuild it with sn_ipalloc_reserve() at startup.
 */
#ifndef SN_IPALLOC_H
#define SN_IPALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "sn_ipv4.h"
#include "sn_ipv6.h"

struct sn_ipalloc {
	struct sn_prefix range;		/* an IPv4 pool's (len 0 for IPv6) */
	struct sn_prefix6 range6;	/* an IPv6 pool's */
	bool v6;
	unsigned int block_len;
	uint32_t nblocks;
	uint32_t nfree;
	uint32_t cursor;	/* block index to try first */
	uint64_t *used;
	uint64_t *excluded;
};

/* Largest allocator: 2^24 blocks (a 2 MiB bitmap). */
#define SN_IPALLOC_MAX_BITS 24

/* 0, or -EINVAL (block_len shorter than the range, too many blocks),
 * -ENOMEM. */
int sn_ipalloc_init(struct sn_ipalloc *a, const struct sn_prefix *range, unsigned int block_len);
void sn_ipalloc_destroy(struct sn_ipalloc *a);
/* Removes every block overlapping @prefix from the pool. -EBUSY when one of
 * them is allocated (nothing changes then). A prefix outside the range is
 * ignored. */
int sn_ipalloc_exclude(struct sn_ipalloc *a, const struct sn_prefix *prefix);
/* Allocates the next free block: its first address in *addr. -ENOSPC when
 * the pool is exhausted. */
int sn_ipalloc_alloc(struct sn_ipalloc *a, uint32_t *addr);
/* Allocates a given block. -EDOM outside the range or not block-aligned,
 * -EACCES excluded, -EEXIST already allocated. */
int sn_ipalloc_reserve(struct sn_ipalloc *a, uint32_t addr);
/* -EDOM as above, -ENOENT when not allocated. */
int sn_ipalloc_release(struct sn_ipalloc *a, uint32_t addr);
bool sn_ipalloc_is_used(const struct sn_ipalloc *a, uint32_t addr);
/* The next sn_ipalloc_alloc() starts after @addr (restores rotation after a
 * restart). */
void sn_ipalloc_continue_after(struct sn_ipalloc *a, uint32_t addr);
/* Blocks that can be allocated at all (range minus exclusions). */
uint32_t sn_ipalloc_capacity(const struct sn_ipalloc *a);

/* The IPv6 twins: @range an IPv6 window, @block_len up to 128 and at most
 * SN_IPALLOC_MAX_BITS longer than the window; the same return values. */
int sn_ipalloc_init6(struct sn_ipalloc *a, const struct sn_prefix6 *range, unsigned int block_len);
int sn_ipalloc_exclude6(struct sn_ipalloc *a, const struct sn_prefix6 *prefix);
int sn_ipalloc_alloc6(struct sn_ipalloc *a, struct in6_addr *addr);
int sn_ipalloc_reserve6(struct sn_ipalloc *a, const struct in6_addr *addr);
int sn_ipalloc_release6(struct sn_ipalloc *a, const struct in6_addr *addr);
bool sn_ipalloc_is_used6(const struct sn_ipalloc *a, const struct in6_addr *addr);
void sn_ipalloc_continue_after6(struct sn_ipalloc *a, const struct in6_addr *addr);
/* True when @addr lies in the pool's range (an IPv6 pool). */
bool sn_ipalloc_contains6(const struct sn_ipalloc *a, const struct in6_addr *addr);

static inline uint32_t sn_ipalloc_free_count(const struct sn_ipalloc *a)
{
	return a->nfree;
}

#endif
