/* SPDX-License-Identifier: GPL-2.0 */
/*
 * semnetd's SQLite store: the node identity (id, cluster, subnet) and the
 * nsIP leases of local instances, with their veth, port mappings and, once
 * the cluster told, their InstanceIP. Enough to rebuild the kernel's local
 * state after a crash without asking anyone.
 */
#ifndef SEMNETD_STORE_H
#define SEMNETD_STORE_H

#include <net/if.h>
#include <stdint.h>

#include "api_parse.h"
#include "sn_db.h"
#include "sn_ipv4.h"
#include "sn_ipv6.h"

struct semnetd_identity {
	char node_id[SEMNETD_NODE_ID_MAX + 1];	/* "" before /register */
	char cluster_address[254];
	struct sn_prefix subnet;		/* len 0 before the cluster answered */
	struct sn_prefix6 subnet6;		/* len 0: no IPv6 subnet (IPv4 only) */
};

struct semnetd_lease {
	uint32_t nsip;
	char job_name[SN_OAK_JOB_NAME_MAX + 1];
	int number;
	int pid;
	char veth[IF_NAMESIZE];		/* host side, on the bridge */
	char ports[SEMNETD_PORTS_TEXT_MAX + 1];
	uint32_t instance_ip;		/* 0 until the cluster's table names it */
	int ifindex;			/* of veth; 0 until it exists */
	/* The IPv6 side (schema 3); :: for none: the node had no IPv6
	 * subnet at deployment, or the table did not name it yet. */
	struct in6_addr nsip6;
	struct in6_addr instance_ip6;
};

int semnetd_store_open(struct sn_db *db, const char *path, bool durable);

int semnetd_store_identity_get(struct sn_db *db, struct semnetd_identity *id);
int semnetd_store_identity_put(struct sn_db *db, const struct semnetd_identity *id);

/* 0, -EEXIST when the nsIP or (job, number) is taken, -1 on other errors. */
int semnetd_store_lease_put(struct sn_db *db, const struct semnetd_lease *l);
/* 1 found, 0 not, -1 error. */
int semnetd_store_lease_get(struct sn_db *db, const char *job_name, int number,
			    struct semnetd_lease *l);
/* 1 removed, 0 none, -1 error. */
int semnetd_store_lease_del(struct sn_db *db, const char *job_name, int number);
int semnetd_store_lease_set_instance_ip(struct sn_db *db, const char *job_name, int number,
					uint32_t instance_ip);
int semnetd_store_lease_set_instance_ip6(struct sn_db *db, const char *job_name, int number,
					 const struct in6_addr *instance_ip6);
/* The veth's ifindex, once it exists (and again when a restart finds it
 * changed). */
int semnetd_store_lease_set_ifindex(struct sn_db *db, const char *job_name, int number,
				    int ifindex);
int semnetd_store_lease_each(struct sn_db *db, void (*fn)(void *arg, const struct semnetd_lease *l),
			     void *arg);
/* The last nsIP handed out (0 if none): rotation survives restarts. */
int semnetd_store_cursor_get(struct sn_db *db, uint32_t *nsip);
int semnetd_store_cursor_put(struct sn_db *db, uint32_t nsip);
/* The port of endpoint discovery's socket (0 if none): a restart binds
 * the same one, so its requests match the conntrack entry (and NAT
 * mapping) the run before left instead of clashing with it. */
int semnetd_store_discovery_port_get(struct sn_db *db, int *port);
int semnetd_store_discovery_port_put(struct sn_db *db, int port);



/* 1 when some local instance of @job_name has a lease, 0 not, -1 error. */
int semnetd_store_job_is_local(struct sn_db *db, const char *job_name);
#endif
