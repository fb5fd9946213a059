// SPDX-License-Identifier: GPL-2.0
#include "sn_ipalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline bool bit_test(const uint64_t *map, uint32_t i)
{
	return map[i / 64] & ((uint64_t)1 << (i % 64));
}

static inline void bit_set(uint64_t *map, uint32_t i)
{
	map[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline void bit_clear(uint64_t *map, uint32_t i)
{
	map[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* The bitmaps for @nbits blocks. */
static int init_blocks(struct sn_ipalloc *a, unsigned int nbits)
{
	a->nblocks = (uint32_t)1 << nbits;
	a->nfree = a->nblocks;
	size_t words = (a->nblocks + 63) / 64;
	a->used = calloc(words, sizeof(uint64_t));
	a->excluded = calloc(words, sizeof(uint64_t));
	if (!a->used || !a->excluded) {
		sn_ipalloc_destroy(a);
		return -ENOMEM;
	}
	/* Bits past nblocks (in the last word) are never free. */
	for (uint32_t i = a->nblocks; i < words * 64; i++)
		bit_set(a->excluded, i);
	return 0;
}

int sn_ipalloc_init(struct sn_ipalloc *a, const struct sn_prefix *range, unsigned int block_len)
{
	memset(a, 0, sizeof(*a));
	if (block_len > 32 || block_len < range->len || block_len - range->len > SN_IPALLOC_MAX_BITS)
		return -EINVAL;
	a->range = *range;
	a->block_len = block_len;
	return init_blocks(a, block_len - range->len);
}

int sn_ipalloc_init6(struct sn_ipalloc *a, const struct sn_prefix6 *range, unsigned int block_len)
{
	memset(a, 0, sizeof(*a));
	if (block_len > 128 || block_len < range->len ||
	    block_len - range->len > SN_IPALLOC_MAX_BITS)
		return -EINVAL;
	a->v6 = true;
	a->range6 = *range;
	a->block_len = block_len;
	return init_blocks(a, block_len - range->len);
}

void sn_ipalloc_destroy(struct sn_ipalloc *a)
{
	free(a->used);
	free(a->excluded);
	a->used = a->excluded = NULL;
	a->nblocks = a->nfree = 0;
}

/* The block index of @addr; -EDOM when outside the range or not aligned. */
static int64_t block_index(const struct sn_ipalloc *a, uint32_t addr)
{
	if (a->v6 || !sn_prefix_contains(&a->range, addr))
		return -EDOM;
	uint32_t offset = addr - a->range.addr;
	unsigned int shift = 32 - a->block_len;

	if (shift < 32 && (offset & (((uint32_t)1 << shift) - 1)))
		return -EDOM;
	return shift == 32 ? 0 : offset >> shift;
}

static uint32_t block_addr(const struct sn_ipalloc *a, uint32_t index)
{
	unsigned int shift = 32 - a->block_len;

	return a->range.addr + (shift == 32 ? 0 : index << shift);
}

/* An IPv6 address's block: the bits between the window's length and the
 * block length; the bits past the block length must be zero. */
static int64_t block_index6(const struct sn_ipalloc *a, const struct in6_addr *addr)
{
	struct in6_addr aligned = *addr;

	if (!a->v6 || !sn_prefix6_contains(&a->range6, addr))
		return -EDOM;
	sn_ipv6_mask(&aligned, a->block_len);
	if (sn_ipv6_cmp(&aligned, addr) != 0)
		return -EDOM;
	return (int64_t)sn_ipv6_bits(addr, a->range6.len, a->block_len - a->range6.len);
}

static void block_addr6(const struct sn_ipalloc *a, uint32_t index, struct in6_addr *addr)
{
	*addr = a->range6.addr;
	sn_ipv6_set_bits(addr, a->range6.len, a->block_len - a->range6.len, index);
}

/* Takes blocks @first..@last out of the pool; -EBUSY (nothing changed)
 * when one of them is allocated. */
static int exclude_blocks(struct sn_ipalloc *a, uint32_t first, uint32_t last)
{
	for (uint32_t i = first; i <= last; i++)
		if (bit_test(a->used, i))
			return -EBUSY;
	for (uint32_t i = first; i <= last; i++) {
		if (!bit_test(a->excluded, i)) {
			bit_set(a->excluded, i);
			a->nfree--;
		}
	}
	return 0;
}

int sn_ipalloc_exclude(struct sn_ipalloc *a, const struct sn_prefix *prefix)
{
	if (a->v6 || !sn_prefix_overlaps(&a->range, prefix))
		return 0;
	/* The overlap is the longer of the two prefixes. */
	struct sn_prefix part = prefix->len >= a->range.len ? *prefix : a->range;
	uint64_t first_off = part.addr - a->range.addr;
	uint64_t last_off = first_off + sn_prefix_size(&part) - 1;
	unsigned int shift = 32 - a->block_len;

	return exclude_blocks(a, (uint32_t)(first_off >> shift), (uint32_t)(last_off >> shift));
}

int sn_ipalloc_exclude6(struct sn_ipalloc *a, const struct sn_prefix6 *prefix)
{
	unsigned int nbits = a->block_len - a->range6.len;
	uint32_t first, last;

	if (!a->v6 || !sn_prefix6_overlaps(&a->range6, prefix))
		return 0;
	if (prefix->len <= a->range6.len)	/* it covers the whole window */
		return exclude_blocks(a, 0, a->nblocks - 1);
	if (prefix->len >= a->block_len) {	/* inside one block */
		first = (uint32_t)sn_ipv6_bits(&prefix->addr, a->range6.len, nbits);
		return exclude_blocks(a, first, first);
	}
	/* Its blocks share the prefix's bits past the window's length; the
	 * ones past its own length run from all zero to all one. */
	unsigned int free_bits = a->block_len - prefix->len;

	first = (uint32_t)sn_ipv6_bits(&prefix->addr, a->range6.len, nbits);
	last = first | (uint32_t)(((uint64_t)1 << free_bits) - 1);
	return exclude_blocks(a, first, last);
}

/* The next free block's index, marked used; -ENOSPC. */
static int64_t alloc_index(struct sn_ipalloc *a)
{
	if (a->nfree == 0)
		return -ENOSPC;
	uint32_t words = (a->nblocks + 63) / 64;
	uint32_t start = a->cursor < a->nblocks ? a->cursor : 0;
	uint32_t w = start / 64;

	/* Whole words first; the starting word is visited twice (its bits
	 * before the cursor belong to the end of the rotation). */
	for (uint32_t n = 0; n <= words; n++, w = (w + 1) % words) {
		uint64_t taken = a->used[w] | a->excluded[w];

		if (n == 0)
			taken |= ((uint64_t)1 << (start % 64)) - 1;
		if (taken == ~(uint64_t)0)
			continue;
		uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(~taken);

		bit_set(a->used, i);
		a->nfree--;
		a->cursor = i + 1 < a->nblocks ? i + 1 : 0;
		return i;
	}
	return -ENOSPC;	/* unreachable while nfree is right */
}

int sn_ipalloc_alloc(struct sn_ipalloc *a, uint32_t *addr)
{
	int64_t i = a->v6 ? -ENOSPC : alloc_index(a);

	if (i < 0)
		return (int)i;
	*addr = block_addr(a, (uint32_t)i);
	return 0;
}

int sn_ipalloc_alloc6(struct sn_ipalloc *a, struct in6_addr *addr)
{
	int64_t i = a->v6 ? alloc_index(a) : -ENOSPC;

	if (i < 0)
		return (int)i;
	block_addr6(a, (uint32_t)i, addr);
	return 0;
}

static int reserve_index(struct sn_ipalloc *a, int64_t i)
{
	if (i < 0)
		return (int)i;
	if (bit_test(a->excluded, (uint32_t)i))
		return -EACCES;
	if (bit_test(a->used, (uint32_t)i))
		return -EEXIST;
	bit_set(a->used, (uint32_t)i);
	a->nfree--;
	return 0;
}

static int release_index(struct sn_ipalloc *a, int64_t i)
{
	if (i < 0)
		return (int)i;
	if (!bit_test(a->used, (uint32_t)i))
		return -ENOENT;
	bit_clear(a->used, (uint32_t)i);
	a->nfree++;
	return 0;
}

static void continue_after_index(struct sn_ipalloc *a, int64_t i)
{
	if (i >= 0)
		a->cursor = (uint32_t)i + 1 < a->nblocks ? (uint32_t)i + 1 : 0;
}

int sn_ipalloc_reserve(struct sn_ipalloc *a, uint32_t addr)
{
	return reserve_index(a, block_index(a, addr));
}

int sn_ipalloc_reserve6(struct sn_ipalloc *a, const struct in6_addr *addr)
{
	return reserve_index(a, block_index6(a, addr));
}

int sn_ipalloc_release(struct sn_ipalloc *a, uint32_t addr)
{
	return release_index(a, block_index(a, addr));
}

int sn_ipalloc_release6(struct sn_ipalloc *a, const struct in6_addr *addr)
{
	return release_index(a, block_index6(a, addr));
}

bool sn_ipalloc_is_used(const struct sn_ipalloc *a, uint32_t addr)
{
	int64_t i = block_index(a, addr);

	return i >= 0 && bit_test(a->used, (uint32_t)i);
}

bool sn_ipalloc_is_used6(const struct sn_ipalloc *a, const struct in6_addr *addr)
{
	int64_t i = block_index6(a, addr);

	return i >= 0 && bit_test(a->used, (uint32_t)i);
}

void sn_ipalloc_continue_after(struct sn_ipalloc *a, uint32_t addr)
{
	continue_after_index(a, block_index(a, addr));
}

void sn_ipalloc_continue_after6(struct sn_ipalloc *a, const struct in6_addr *addr)
{
	continue_after_index(a, block_index6(a, addr));
}

bool sn_ipalloc_contains6(const struct sn_ipalloc *a, const struct in6_addr *addr)
{
	return a->v6 && a->used && sn_prefix6_contains(&a->range6, addr);
}

uint32_t sn_ipalloc_capacity(const struct sn_ipalloc *a)
{
	uint32_t n = 0, words = (a->nblocks + 63) / 64;

	for (uint32_t w = 0; w < words; w++)
		n += 64 - (uint32_t)__builtin_popcountll(a->excluded[w]);
	return n;
}
