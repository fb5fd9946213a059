/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table queries to the cluster (nodes/<id>/net/tablequery/request), by
 * service name or by address: one in flight per key, asked again after
 * QUERY_RETRY_MS without an answer or after a lost broker connection. The
 * answer (answers.c) closes the query and gives its latency.
 */
#ifndef SEMNETD_QUERIES_H
#define SEMNETD_QUERIES_H

#include <stddef.h>
#include <netinet/in.h>
#include <stdint.h>

struct semnetd;
struct semnetd_query;

/* Pending queries by key: after a reconnection all known services (10,000
 * in the control-plane bench) are asked again, each answer closes one. */
struct semnetd_queries {
	struct semnetd_query **buckets;
	size_t nbuckets, count;
};

void semnetd_queries_free(struct semnetd_queries *qs);

/* Asks the cluster by name or by address (once while one is in flight). */
void semnetd_query_name(struct semnetd *d, const char *job_name);
void semnetd_query_addr(struct semnetd *d, uint32_t addr);
void semnetd_query_addr6(struct semnetd *d, const struct in6_addr *addr);
/* Every known service again (after a broker reconnection or lost events). */
void semnetd_queries_requery_all(struct semnetd *d);

/* Removes the pending query @key; returns when it was sent (0: unknown). */
uint64_t semnetd_queries_done(struct semnetd_queries *qs, const char *key);
size_t semnetd_queries_pending(const struct semnetd_queries *qs);

#endif
