/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnet-root's SQLite store: clusters, worker subnets, services with their
 * ServiceIPs, instances with their InstanceIPs and locations, cluster
 * interests, and the outbox of job updates not yet delivered. IPv4
 * addresses are stored as integers (host order), IPv6 ones as 16-byte BLOBs
 * (network order: memcmp order is numeric order); UNIQUE constraints back
 * the in-memory allocators, so a bug there can never hand out one address
 * twice. An IPv6 address of :: in the structs below means none (a row from
 * before IPv6, stored as NULL).
 */
#ifndef SN_ROOT_STORE_H
#define SN_ROOT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sn_db.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"

#define SN_ID_MAX 64		/* cluster ids, job ids, node ids */
#define SN_JOB_NAME_MAX 123	/* app.appns.svc.svcns, 30 characters each */
#define SN_HOST_MAX 253		/* a cluster address: IP or DNS name */

struct sn_root_cluster {
	char id[SN_ID_MAX + 1];
	char address[SN_HOST_MAX + 1];
	int port;
};

struct sn_root_service {
	char job_id[SN_ID_MAX + 1];
	char job_name[SN_JOB_NAME_MAX + 1];
	uint32_t rr_ip;
	uint32_t closest_ip;
	struct in6_addr rr_ip6;
	struct in6_addr closest_ip6;
};

struct sn_root_instance {
	int number;
	char cluster_id[SN_ID_MAX + 1];
	uint32_t instance_ip;
	struct in6_addr instance_ip6;
	bool located;			/* net_deploy_status reported where it runs */
	char ns_ip[SN_IPV4_STRLEN];
	char ns_ip_v6[48];		/* canonical text, "" for none */
	char host_ip[48];
	int host_port;
	char tunnel[16];		/* "gre-udp", "ipudp" or "" */
};

enum sn_addr_kind { SN_ADDR_SUBNET, SN_ADDR_SERVICE };
/* The IPv6 pools' rotation cursors. */
enum sn_pool6 { SN_POOL6_SUBNET, SN_POOL6_INSTANCE, SN_POOL6_RR };

int sn_root_store_open(struct sn_db *db, const char *path, bool durable);

/* Every allocated address of a pool, in allocation order (for rebuilding
 * the allocators); returns 0 or -1. */
int sn_root_store_each_addr(struct sn_db *db, enum sn_addr_kind kind,
			    void (*fn)(void *arg, uint32_t addr), void *arg);
/* The last allocated address of a pool (restores rotation): 1, 0 if none, -1. */
int sn_root_store_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t *addr);
int sn_root_store_set_last_addr(struct sn_db *db, enum sn_addr_kind kind, uint32_t addr);
/* The same for IPv6: every subnet's or ServiceIP/InstanceIP's v6 address,
 * and the cursors of the three v6 pools. */
int sn_root_store_each_addr6(struct sn_db *db, enum sn_addr_kind kind,
			     void (*fn)(void *arg, const struct in6_addr *addr), void *arg);
int sn_root_store_last_addr6(struct sn_db *db, enum sn_pool6 pool, struct in6_addr *addr);
int sn_root_store_set_last_addr6(struct sn_db *db, enum sn_pool6 pool,
				 const struct in6_addr *addr);

int sn_root_store_cluster_put(struct sn_db *db, const struct sn_root_cluster *c);
/* 1 found, 0 not, -1 error. */
int sn_root_store_cluster_get(struct sn_db *db, const char *id, struct sn_root_cluster *c);
/* Clusters registered with @address: the count (0, 1, or more: ambiguous),
 * the first in *c; -1 on error. */
int sn_root_store_cluster_by_address(struct sn_db *db, const char *address,
				     struct sn_root_cluster *c);

/* SQLITE_DONE or the error. @node_id may be NULL, @addr6 NULL or :: (none). */
int sn_root_store_subnet_add(struct sn_db *db, uint32_t addr, const struct in6_addr *addr6,
			     const char *cluster_id, const char *node_id);
/* The subnets given to (@cluster_id, @node_id): 1, 0, -1 (*addr6 :: when
 * the row predates IPv6). */
int sn_root_store_subnet_of_node(struct sn_db *db, const char *cluster_id, const char *node_id,
				 uint32_t *addr, struct in6_addr *addr6);
/* Gives the subnet @addr its v6 twin: 1, 0 no such subnet, -1. */
int sn_root_store_subnet_set_v6(struct sn_db *db, uint32_t addr, const struct in6_addr *addr6);
/* The v4 subnet of the row holding @addr6 (*addr), and the v6 twin of the
 * v4 subnet @addr (*addr6), of the cluster @cluster_id: 1, 0, -1. */
int sn_root_store_subnet_by_v6(struct sn_db *db, const struct in6_addr *addr6,
			       const char *cluster_id, uint32_t *addr);
int sn_root_store_subnet_v6_of(struct sn_db *db, uint32_t addr, const char *cluster_id,
			       struct in6_addr *addr6);
/* 1 deleted, 0 no such subnet of that cluster, -1. */
int sn_root_store_subnet_del(struct sn_db *db, uint32_t addr, const char *cluster_id);
int sn_root_store_subnet_count(struct sn_db *db);

int sn_root_store_service_add(struct sn_db *db, const struct sn_root_service *s,
			      const char *descriptor);
int sn_root_store_service_by_id(struct sn_db *db, const char *job_id, struct sn_root_service *s);
int sn_root_store_service_by_name(struct sn_db *db, const char *name, struct sn_root_service *s);
/* The service owning @ip as RR, Closest or one of its InstanceIPs. */
int sn_root_store_service_by_ip(struct sn_db *db, uint32_t ip, struct sn_root_service *s);
/* The same for a v6 RR, Closest or InstanceIP. */
int sn_root_store_service_by_ip6(struct sn_db *db, const struct in6_addr *ip,
				 struct sn_root_service *s);
int sn_root_store_service_del(struct sn_db *db, const char *job_id);

/* Rows from a database made before IPv6: @fn gets each service without v6
 * addresses (@number -1) and each instance without a v6 InstanceIP. 0, -1. */
int sn_root_store_each_without_v6(struct sn_db *db,
				  void (*fn)(void *arg, const char *job_id, int number), void *arg);
/* Gives such a service its v6 RR and Closest, or an instance its v6
 * InstanceIP (the address rows included): 0, -1 (a unique violation too). */
int sn_root_store_service_set_v6(struct sn_db *db, const char *job_id,
				 const struct in6_addr *rr_ip6, const struct in6_addr *closest_ip6);
int sn_root_store_instance_set_v6(struct sn_db *db, const char *job_id, int number,
				  const struct in6_addr *instance_ip6);

int sn_root_store_instance_add(struct sn_db *db, const char *job_id,
			       const struct sn_root_instance *inst);
int sn_root_store_instance_get(struct sn_db *db, const char *job_id, int number,
			       struct sn_root_instance *inst);
/* Records where an instance runs; 1 updated, 0 unknown instance, -1. */
int sn_root_store_instance_locate(struct sn_db *db, const char *job_id,
				  const struct sn_root_instance *inst);
/* Forgets where it runs (it keeps its InstanceIP); 1, 0 unknown, -1. */
int sn_root_store_instance_unlocate(struct sn_db *db, const char *job_id, int number);
int sn_root_store_instance_del(struct sn_db *db, const char *job_id, int number);
int sn_root_store_instance_count(struct sn_db *db, const char *job_id);
/* Every instance of a job by number; 0 or -1. */
int sn_root_store_each_instance(struct sn_db *db, const char *job_id,
				void (*fn)(void *arg, const struct sn_root_instance *inst),
				void *arg);

int sn_root_store_interest_add(struct sn_db *db, const char *cluster_id, const char *job_name);
/* 1 removed, 0 none, -1. */
int sn_root_store_interest_del(struct sn_db *db, const char *cluster_id, const char *job_name);
int sn_root_store_interest_del_job(struct sn_db *db, const char *job_name);
int sn_root_store_each_interested(struct sn_db *db, const char *job_name,
				  void (*fn)(void *arg, const char *cluster_id), void *arg);

/* The outbox of job updates: @id out (sn_outbox reads and deletes them). */
int sn_root_store_outbox_add(struct sn_db *db, const char *cluster_id, const char *body,
			     int64_t *id);

#endif
