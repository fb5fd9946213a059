// SPDX-License-Identifier: GPL-2.0
#include "pools.h"

#include <errno.h>
#include <string.h>

#include "sn_log.h"
#include "store.h"

struct rebuild {
	struct sn_ipalloc *pool;
	const char *what;
	int errors;
};

static void reserve_stored(void *arg, uint32_t addr)
{
	struct rebuild *r = arg;
	int rc = sn_ipalloc_reserve(r->pool, addr);

	if (rc < 0) {
		char text[SN_IPV4_STRLEN];

		sn_ipv4_format(addr, text);
		sn_error("stored %s %s does not fit the configured range (%s)", r->what, text,
			 strerror(-rc));
		r->errors++;
	}
}

static int rebuild(struct sn_ipalloc *pool, struct sn_db *db, enum sn_addr_kind kind,
		   const char *what)
{
	struct rebuild r = { .pool = pool, .what = what };
	uint32_t last;

	if (sn_root_store_each_addr(db, kind, reserve_stored, &r) < 0 || r.errors)
		return -1;
	if (sn_root_store_last_addr(db, kind, &last) == 1)
		sn_ipalloc_continue_after(pool, last);
	return 0;
}

int sn_root_pools_init(struct sn_root_pools *p, const struct sn_root_config *cfg, struct sn_db *db)
{
	const struct sn_prefix *svc = &cfg->service_range;
	struct sn_prefix edge = { .len = 32 };

	memset(p, 0, sizeof(*p));
	if (sn_ipalloc_init(&p->subnets, &cfg->worker_range, cfg->subnet_len) < 0 ||
	    sn_ipalloc_init(&p->addrs, svc, 32) < 0) {
		sn_error("cannot set up the address pools (ranges too large or out of memory)");
		sn_root_pools_destroy(p);
		return -1;
	}
	sn_ipalloc_exclude(&p->subnets, svc);
	/* The service range's network and broadcast addresses are never handed out. */
	edge.addr = svc->addr;
	sn_ipalloc_exclude(&p->addrs, &edge);
	edge.addr = svc->addr + (uint32_t)(sn_prefix_size(svc) - 1);
	sn_ipalloc_exclude(&p->addrs, &edge);

	if (rebuild(&p->subnets, db, SN_ADDR_SUBNET, "worker subnet") < 0 ||
	    rebuild(&p->addrs, db, SN_ADDR_SERVICE, "service address") < 0) {
		sn_root_pools_destroy(p);
		return -1;
	}
	sn_info("pools: %u of %u worker subnets free, %u of %u service addresses free",
		sn_ipalloc_free_count(&p->subnets), sn_ipalloc_capacity(&p->subnets),
		sn_ipalloc_free_count(&p->addrs), sn_ipalloc_capacity(&p->addrs));
	return 0;
}

void sn_root_pools_destroy(struct sn_root_pools *p)
{
	sn_ipalloc_destroy(&p->subnets);
	sn_ipalloc_destroy(&p->addrs);
}
