// SPDX-License-Identifier: GPL-2.0
#include "leases.h"

#include <errno.h>
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
