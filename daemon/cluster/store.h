/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnet-cluster's SQLite store: its nodes (v4 and v6 subnets, underlay
 * address, tunnel port and kind, link facts), the jobs deployed here, cached table-query answers from
 * the root (jobs + instances, with a freshness flag the root's job updates
 * clear), the instances running on this cluster's nodes, node interests,
 * and the outbox of calls the root must eventually get.
 */
#ifndef SN_CLUSTER_STORE_H
#define SN_CLUSTER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sn_db.h"
#include "sn_links.h"
#include "sn_oak.h"

#define SN_NODE_ID_MAX 64

struct sn_cluster_node {
	char id[SN_NODE_ID_MAX + 1];
	uint32_t subnet;	/* 0 while the root has not answered */
	unsigned int subnet_len;
	struct in6_addr subnet6;	/* :: while it has none (a root without v6) */
	unsigned int subnet6_len;	/* 120 when the root does not say */
	char host_ip[48];	/* "" until the node reports it */
	int host_port;
	char tunnel[16];
	/* Its `link` (issue 18, daemon/LINKS.md §3): none from Oakestra's
	 * nodes and older semnet (NULL columns). */
	bool has_link;
	struct sn_link_info link;
};

int sn_cluster_store_open(struct sn_db *db, const char *path, bool durable);

/* --- nodes --- */
int sn_cluster_store_node_get(struct sn_db *db, const char *id, struct sn_cluster_node *n);
/* Inserts or updates; *changed says whether anything differed. */
int sn_cluster_store_node_put(struct sn_db *db, const struct sn_cluster_node *n, bool *changed);
int sn_cluster_store_node_del(struct sn_db *db, const char *id);
int sn_cluster_store_each_node(struct sn_db *db,
			       void (*fn)(void *arg, const struct sn_cluster_node *n), void *arg);
/* The registry version, bumped at each change (published with it). */
int64_t sn_cluster_store_registry_bump(struct sn_db *db);
int64_t sn_cluster_store_registry_version(struct sn_db *db);

/* --- jobs deployed here (POST /api/net/deployment) --- */
int sn_cluster_store_deployment_put(struct sn_db *db, const char *job_name, const char *job_id);
int sn_cluster_store_deployment_del(struct sn_db *db, const char *job_name);
/* 1 with job_id ("" when unknown), 0, -1. */
int sn_cluster_store_deployment_get(struct sn_db *db, const char *job_name, char job_id[65]);

/* --- service tables --- */
/* Replaces the cached table of a job with the root's answer, fresh (served
 * from the store until a job update) or not (a job update may have raced
 * the answer: the next query asks again); instances running here (with a
 * node) are kept. */
int sn_cluster_store_table_put(struct sn_db *db, const struct sn_oak_table *t, bool fresh);
/* The fresh cached table of @job_name (1), 0 when none or stale, -1. Free
 * with sn_oak_table_free. */
int sn_cluster_store_table_get(struct sn_db *db, const char *job_name, struct sn_oak_table *t);
/* The job owning a ServiceIP or InstanceIP in a fresh table: 1, 0, -1. */
int sn_cluster_store_job_by_ip(struct sn_db *db, uint32_t ip, char job_name[SN_OAK_JOB_NAME_MAX + 1]);
/* The same for an IPv6 ServiceIP or InstanceIP. */
int sn_cluster_store_job_by_ip6(struct sn_db *db, const struct in6_addr *ip,
				char job_name[SN_OAK_JOB_NAME_MAX + 1]);
/* Marks every cached table stale: at startup, as job updates may have been
 * missed (or given up by the root) while the cluster was down. */
int sn_cluster_store_tables_invalidate_all(struct sn_db *db);
/* Marks a job's table stale (a job update came): the next query asks the root. */
int sn_cluster_store_table_invalidate(struct sn_db *db, const char *job_name);

/* --- instances on this cluster's nodes --- */
int sn_cluster_store_local_put(struct sn_db *db, const char *job_name,
			       const struct sn_oak_instance *inst, const char *node_id);
/* 1 removed, 0 none, -1. */
int sn_cluster_store_local_del(struct sn_db *db, const char *job_name, int number);
/* Instances on @node_id (for address changes): calls fn for each. */
int sn_cluster_store_each_local_of_node(struct sn_db *db, const char *node_id,
					void (*fn)(void *arg, const char *job_name,
						   const struct sn_oak_instance *inst),
					void *arg);
int sn_cluster_store_local_get(struct sn_db *db, const char *job_name, int number,
			       struct sn_oak_instance *inst);

/* --- node interests --- */
int sn_cluster_store_interest_touch(struct sn_db *db, const char *node_id, const char *job_name,
				    int64_t now);
/* 1 removed, 0 none, -1. */
int sn_cluster_store_interest_del(struct sn_db *db, const char *node_id, const char *job_name);
/* Nodes still interested in the job. */
int sn_cluster_store_interest_count(struct sn_db *db, const char *job_name);
/* Removes interests unused since @before, except on nodes that run the job;
 * calls fn for each job left with no interested node. */
int sn_cluster_store_interest_expire(struct sn_db *db, int64_t before,
				     void (*fn)(void *arg, const char *job_name), void *arg);

/* --- outbox of calls to the root: @id out; sn_outbox reads and deletes --- */
int sn_cluster_store_outbox_add(struct sn_db *db, const char *method, const char *path,
				const char *body, int64_t *id);

#endif
