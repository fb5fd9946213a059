// SPDX-License-Identifier: GPL-2.0
#include "interests.h"

#include "cluster.h"
#include "nodes.h"
#include "sn_log.h"
#include "store.h"
#include "uplink.h"

struct sweep {
	struct sn_cluster *cluster;
	int errors;
};

static void drop(void *arg, const char *job_name)
{
	struct sweep *s = arg;

	if (sn_nodes_drop_job_interest(s->cluster, job_name) < 0)
		s->errors++;
}

static void on_sweep(uv_timer_t *timer)
{
	struct sn_cluster *c = timer->data;
	struct sweep s = { .cluster = c };

	if (sn_db_begin(&c->db) < 0)
		return;
	if (sn_cluster_store_interest_expire(&c->db, sn_cluster_now() - c->cfg.interest_idle_s, drop,
					     &s) < 0 || s.errors || sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("interest expiry failed; retried at the next sweep");
		return;
	}
	sn_uplink_flush(c->uplink);
}

void sn_interests_start(struct sn_cluster *c)
{
	/* Four sweeps per idle period: an interest lives 1 to 1.25 periods. */
	uint64_t every_ms = (uint64_t)c->cfg.interest_idle_s * 250;

	uv_timer_init(c->loop, &c->interest_timer);
	c->interest_timer.data = c;
	uv_timer_start(&c->interest_timer, on_sweep, every_ms, every_ms);
}
