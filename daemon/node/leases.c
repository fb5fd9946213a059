// SPDX-License-Identifier: GPL-2.0
#include "leases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int semnetd_leases_init(struct semnetd_leases *l, const struct sn_prefix *subnet)
{
	struct sn_prefix one;
	uint32_t last;
	int rc;

	memset(l, 0, sizeof(*l));
	if (subnet->len < 8 || subnet->len > 30)
		return -EINVAL;
	l->subnet = *subnet;
	rc = sn_ipalloc_init(&l->pool, subnet, 32);
	if (rc < 0)
		return rc;
	last = subnet->addr | ~sn_prefix_mask(subnet->len);
	one.len = 32;
	/* network, gateway (.1), broadcast */
	one.addr = subnet->addr;
	sn_ipalloc_exclude(&l->pool, &one);
	one.addr = subnet->addr + 1;
	sn_ipalloc_exclude(&l->pool, &one);
	one.addr = last;
	sn_ipalloc_exclude(&l->pool, &one);
	l->ready = true;
	return 0;
}

void semnetd_leases_destroy(struct semnetd_leases *l)
{
	if (l->ready)
		sn_ipalloc_destroy(&l->pool);
	l->ready = false;
}

uint32_t semnetd_leases_gateway(const struct semnetd_leases *l)
{
	return l->subnet.addr + 1;
}

int semnetd_leases_take(struct semnetd_leases *l, uint32_t *nsip)
{
	return l->ready ? sn_ipalloc_alloc(&l->pool, nsip) : -ENOSPC;
}

int semnetd_leases_reserve(struct semnetd_leases *l, uint32_t nsip)
{
	return l->ready ? sn_ipalloc_reserve(&l->pool, nsip) : -EDOM;
}

int semnetd_leases_release(struct semnetd_leases *l, uint32_t nsip)
{
	return l->ready ? sn_ipalloc_release(&l->pool, nsip) : -ENOENT;
}

void semnetd_leases_continue_after(struct semnetd_leases *l, uint32_t nsip)
{
	if (l->ready)
		sn_ipalloc_continue_after(&l->pool, nsip);
}

uint32_t semnetd_leases_free(const struct semnetd_leases *l)
{
	return l->ready ? sn_ipalloc_free_count(&l->pool) : 0;
}

uint32_t semnetd_leases_capacity(const struct semnetd_leases *l)
{
	return l->ready ? sn_ipalloc_capacity(&l->pool) : 0;
}

/* --- IPv6 ------------------------------------------------------------ */

/* Host offsets 0 (the network address, Subnet-Router anycast) and 1 (the
 * gateway) are never leased. */
#define LEASES6_FIRST 2u

static bool bit_get(const uint8_t *v, uint32_t i)
{
	return v[i / 8] >> (i % 8) & 1;
}

static void bit_put(uint8_t *v, uint32_t i, bool on)
{
	if (on)
		v[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		v[i / 8] &= (uint8_t)~(1u << (i % 8));
}

int semnetd_leases6_init(struct semnetd_leases6 *l, const struct sn_prefix6 *subnet)
{
	unsigned int host_bits;

	memset(l, 0, sizeof(*l));
	if (subnet->len < 96 || subnet->len > 126)
		return -EINVAL;
	host_bits = 128 - subnet->len;
	l->subnet = *subnet;
	sn_ipv6_mask(&l->subnet.addr, subnet->len);
	l->size = host_bits >= 16 ? SEMNETD_LEASES6_MAX : 1u << host_bits;
	l->used = calloc((l->size + 7) / 8, 1);
	if (!l->used)
		return -ENOMEM;
	bit_put(l->used, 0, true);
	bit_put(l->used, 1, true);
	l->nfree = l->size - LEASES6_FIRST;
	l->ready = true;
	return 0;
}

void semnetd_leases6_destroy(struct semnetd_leases6 *l)
{
	free(l->used);
	memset(l, 0, sizeof(*l));
}

static void addr_of(const struct semnetd_leases6 *l, uint32_t off, struct in6_addr *out)
{
	*out = l->subnet.addr;
	sn_ipv6_set_bits(out, l->subnet.len, 128 - l->subnet.len, off);
}

/* The host offset of @a: 0 and *off, or -EDOM outside the pool. */
static int offset_of(const struct semnetd_leases6 *l, const struct in6_addr *a, uint32_t *off)
{
	uint64_t v;

	if (!l->ready || !sn_prefix6_contains(&l->subnet, a))
		return -EDOM;
	v = sn_ipv6_bits(a, l->subnet.len, 128 - l->subnet.len);
	if (v >= l->size)
		return -EDOM;
	*off = (uint32_t)v;
	return 0;
}

void semnetd_leases6_gateway(const struct semnetd_leases6 *l, struct in6_addr *gw)
{
	addr_of(l, 1, gw);
}

int semnetd_leases6_take(struct semnetd_leases6 *l, struct in6_addr *nsip)
{
	if (!l->ready || !l->nfree)
		return -ENOSPC;
	for (uint32_t i = LEASES6_FIRST; i < l->size; i++) {
		if (!bit_get(l->used, i)) {
			bit_put(l->used, i, true);
			l->nfree--;
			addr_of(l, i, nsip);
			return 0;
		}
	}
	return -ENOSPC;
}

int semnetd_leases6_reserve(struct semnetd_leases6 *l, const struct in6_addr *nsip)
{
	uint32_t off;
	int rc = offset_of(l, nsip, &off);

	if (rc < 0)
		return rc;
	if (off < LEASES6_FIRST)
		return -EACCES;
	if (bit_get(l->used, off))
		return -EEXIST;
	bit_put(l->used, off, true);
	l->nfree--;
	return 0;
}

int semnetd_leases6_release(struct semnetd_leases6 *l, const struct in6_addr *nsip)
{
	uint32_t off;

	if (offset_of(l, nsip, &off) < 0 || off < LEASES6_FIRST || !bit_get(l->used, off))
		return -ENOENT;
	bit_put(l->used, off, false);
	l->nfree++;
	return 0;
}

uint32_t semnetd_leases6_free(const struct semnetd_leases6 *l)
{
	return l->ready ? l->nfree : 0;
}

uint32_t semnetd_leases6_capacity(const struct semnetd_leases6 *l)
{
	return l->ready ? l->size - LEASES6_FIRST : 0;
}
