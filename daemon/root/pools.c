// SPDX-License-Identifier: GPL-2.0
#include "pools.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

struct rebuild6 {
	struct sn_root_pools *pools;
	const struct sn_root_config *cfg;
	bool subnets;
	int errors;
};

static void reserve_stored6(void *arg, const struct in6_addr *addr)
{
	struct rebuild6 *r = arg;
	char text[SN_IPV6_STRLEN];
	int rc;

	if (r->subnets)
		rc = sn_ipalloc_reserve6(&r->pools->subnets6, addr);
	else if (!sn_prefix6_contains(&r->cfg->service_range6, addr))
		rc = -EDOM;
	else
		rc = sn_root_pool6_reserve(r->pools, addr);
	if (rc < 0) {
		sn_ipv6_format(addr, text);
		sn_error("stored %s %s does not fit the configured IPv6 plan (%s)",
			 r->subnets ? "v6 worker subnet" : "v6 service address", text,
			 strerror(-rc));
		r->errors++;
	}
}

static void continue_after6(struct sn_ipalloc *pool, struct sn_db *db, enum sn_pool6 which)
{
	struct in6_addr last;

	if (sn_root_store_last_addr6(db, which, &last) == 1)
		sn_ipalloc_continue_after6(pool, &last);
}

static int rebuild6(struct sn_root_pools *p, const struct sn_root_config *cfg, struct sn_db *db)
{
	struct rebuild6 r = { .pools = p, .cfg = cfg, .subnets = true };

	if (sn_root_store_each_addr6(db, SN_ADDR_SUBNET, reserve_stored6, &r) < 0)
		return -1;
	r.subnets = false;
	if (sn_root_store_each_addr6(db, SN_ADDR_SERVICE, reserve_stored6, &r) < 0 || r.errors)
		return -1;
	continue_after6(&p->subnets6, db, SN_POOL6_SUBNET);
	continue_after6(&p->instances6, db, SN_POOL6_INSTANCE);
	continue_after6(&p->rr6, db, SN_POOL6_RR);
	return 0;
}

/* An address window's pool of /128s, without the window's own first
 * address (as the v4 pool leaves out its range's network address). */
static int init_window6(struct sn_ipalloc *pool, const struct sn_prefix6 *window)
{
	struct sn_prefix6 first = { .addr = window->addr, .len = 128 };
	int rc = sn_ipalloc_init6(pool, window, 128);

	if (rc == 0)
		sn_ipalloc_exclude6(pool, &first);
	return rc;
}

struct sn_ipalloc *sn_root_pool6_of(struct sn_root_pools *p, const struct in6_addr *addr)
{
	if (sn_ipalloc_contains6(&p->instances6, addr))
		return &p->instances6;
	if (sn_ipalloc_contains6(&p->rr6, addr))
		return &p->rr6;
	return NULL;
}

int sn_root_pool6_reserve(struct sn_root_pools *p, const struct in6_addr *addr)
{
	struct sn_ipalloc *pool = sn_root_pool6_of(p, addr);

	return pool ? sn_ipalloc_reserve6(pool, addr) : 0;
}

void sn_root_pool6_release(struct sn_root_pools *p, const struct in6_addr *addr)
{
	struct sn_ipalloc *pool = sn_root_pool6_of(p, addr);

	if (pool)
		sn_ipalloc_release6(pool, addr);
}

/* The services and instances of a database made before IPv6, collected
 * first (the store cannot be written while it is being read). */
struct backfill {
	struct {
		char job_id[SN_ID_MAX + 1];
		int number;		/* -1: the service */
	} *rows;
	size_t n, cap;
	bool failed;
};

static void collect_without_v6(void *arg, const char *job_id, int number)
{
	struct backfill *b = arg;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		void *grown = realloc(b->rows, cap * sizeof(*b->rows));

		if (!grown) {
			b->failed = true;
			return;
		}
		b->rows = grown;
		b->cap = cap;
	}
	snprintf(b->rows[b->n].job_id, sizeof(b->rows[0].job_id), "%s", job_id);
	b->rows[b->n++].number = number;
}

/* Gives each of them its v6 addresses, in one transaction, so that every
 * answer carries both families. A full window leaves the rest without
 * (logged): the root still serves v4. 0, or -1 on a store error. */
static int backfill_v6(struct sn_root_pools *p, struct sn_db *db)
{
	struct backfill b = { 0 };
	struct in6_addr a, c;
	size_t done = 0;
	int rc = 0;

	if (sn_root_store_each_without_v6(db, collect_without_v6, &b) < 0 || b.failed) {
		free(b.rows);
		return -1;
	}
	if (b.n == 0)
		return 0;
	if (sn_db_begin(db) < 0) {
		free(b.rows);
		return -1;
	}
	for (size_t i = 0; i < b.n && rc == 0; i++) {
		if (b.rows[i].number < 0) {
			if (sn_ipalloc_alloc6(&p->rr6, &a) < 0)
				break;
			if (sn_ipalloc_alloc6(&p->rr6, &c) < 0) {
				sn_ipalloc_release6(&p->rr6, &a);
				break;
			}
			rc = sn_root_store_service_set_v6(db, b.rows[i].job_id, &a, &c);
			if (rc == 0)
				rc = sn_root_store_set_last_addr6(db, SN_POOL6_RR, &c);
		} else {
			if (sn_ipalloc_alloc6(&p->instances6, &a) < 0)
				break;
			rc = sn_root_store_instance_set_v6(db, b.rows[i].job_id,
							   b.rows[i].number, &a);
			if (rc == 0)
				rc = sn_root_store_set_last_addr6(db, SN_POOL6_INSTANCE, &a);
		}
		done += rc == 0;
	}
	/* On a store error the pools hold addresses no row has: the caller
	 * destroys them (startup fails). */
	if (rc < 0 || sn_db_commit(db) < 0) {
		sn_db_rollback(db);
		free(b.rows);
		return -1;
	}
	if (done < b.n)
		sn_warn("IPv6 pools full: %zu of %zu services and instances from before IPv6 "
			"got no v6 address", b.n - done, b.n);
	else
		sn_info("gave %zu services and instances from before IPv6 their v6 addresses", done);
	free(b.rows);
	return 0;
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
	    sn_ipalloc_init(&p->addrs, svc, 32) < 0 ||
	    sn_ipalloc_init6(&p->subnets6, &cfg->worker_window6, cfg->subnet_len6) < 0 ||
	    init_window6(&p->instances6, &cfg->instance_window6) < 0 ||
	    init_window6(&p->rr6, &cfg->rr_window6) < 0) {
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
	    rebuild(&p->addrs, db, SN_ADDR_SERVICE, "service address") < 0 ||
	    rebuild6(p, cfg, db) < 0 || backfill_v6(p, db) < 0) {
		sn_root_pools_destroy(p);
		return -1;
	}
	sn_info("pools: %u of %u worker subnets free, %u of %u service addresses free",
		sn_ipalloc_free_count(&p->subnets), sn_ipalloc_capacity(&p->subnets),
		sn_ipalloc_free_count(&p->addrs), sn_ipalloc_capacity(&p->addrs));
	sn_info("v6 pools: %u of %u worker subnets, %u of %u InstanceIPs, %u of %u RR/Closest free",
		sn_ipalloc_free_count(&p->subnets6), sn_ipalloc_capacity(&p->subnets6),
		sn_ipalloc_free_count(&p->instances6), sn_ipalloc_capacity(&p->instances6),
		sn_ipalloc_free_count(&p->rr6), sn_ipalloc_capacity(&p->rr6));
	return 0;
}

void sn_root_pools_destroy(struct sn_root_pools *p)
{
	sn_ipalloc_destroy(&p->subnets);
	sn_ipalloc_destroy(&p->addrs);
	sn_ipalloc_destroy(&p->subnets6);
	sn_ipalloc_destroy(&p->instances6);
	sn_ipalloc_destroy(&p->rr6);
}
