// SPDX-License-Identifier: GPL-2.0
/* Table queries to the cluster (queries.h). */
#include "queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semnetd.h"
#include "sn_log.h"

#define QUERY_RETRY_MS 3000	/* an unanswered query may be asked again */

struct semnetd_query {
	uint64_t sent_ms;
	struct semnetd_query *next;	/* in its bucket */
	char key[];		/* sname or sip, as asked; as long as it is */
};

void semnetd_queries_free(struct semnetd_queries *qs)
{
	for (size_t i = 0; i < qs->nbuckets; i++) {
		while (qs->buckets[i]) {
			struct semnetd_query *q = qs->buckets[i];

			qs->buckets[i] = q->next;
			free(q);
		}
	}
	free(qs->buckets);
	qs->buckets = NULL;
	qs->nbuckets = qs->count = 0;
}

size_t semnetd_queries_pending(const struct semnetd_queries *qs)
{
	return qs->count;
}

static struct semnetd_query **bucket(struct semnetd_queries *qs, const char *key)
{
	return &qs->buckets[semnetd_name_hash(key) & (qs->nbuckets - 1)];
}

/* At most one query per bucket on average; on allocation failure the
 * table keeps its size (longer chains, still correct). */
static void grow(struct semnetd_queries *qs)
{
	size_t n = qs->nbuckets ? 2 * qs->nbuckets : 64, oldn = qs->nbuckets;
	struct semnetd_query **old = qs->buckets, **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	qs->buckets = nb;
	qs->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		while (old[i]) {
			struct semnetd_query *q = old[i], **b = bucket(qs, q->key);

			old[i] = q->next;
			q->next = *b;
			*b = q;
		}
	}
	free(old);
}

static struct semnetd_query *find(struct semnetd_queries *qs, const char *key)
{
	if (!qs->nbuckets)
		return NULL;
	for (struct semnetd_query *q = *bucket(qs, key); q; q = q->next)
		if (!strcmp(q->key, key))
			return q;
	return NULL;
}

static void query(struct semnetd *d, const char *key, bool by_name)
{
	struct semnetd_queries *qs = &d->queries;
	uint64_t now = uv_now(d->loop);
	struct semnetd_query *q;
	json_t *msg;

	q = find(qs, key);
	if (q && now - q->sent_ms < QUERY_RETRY_MS)
		return;	/* asked already; the answer serves both */
	if (!q) {
		size_t len = strnlen(key, SN_OAK_JOB_NAME_MAX);
		struct semnetd_query **b;

		if (qs->count >= qs->nbuckets)
			grow(qs);
		if (!qs->nbuckets || !(q = calloc(1, sizeof(*q) + len + 1)))
			return;
		memcpy(q->key, key, len);
		b = bucket(qs, q->key);
		q->next = *b;
		*b = q;
		qs->count++;
	}
	q->sent_ms = now;
	msg = json_pack("{s:s, s:s}", "sname", by_name ? key : "", "sip", by_name ? "" : key);
	if (msg) {
		semnetd_upstream_publish(d, "tablequery/request", msg);
		json_decref(msg);
	}
	d->up.queries++;
	sn_debug("table query for %s", key);
}

void semnetd_query_name(struct semnetd *d, const char *job_name)
{
	query(d, job_name, true);
}

void semnetd_query_addr(struct semnetd *d, uint32_t addr)
{
	char text[SN_IPV4_STRLEN];

	sn_ipv4_format(addr, text);
	query(d, text, false);
}

void semnetd_query_addr6(struct semnetd *d, const struct in6_addr *addr)
{
	char text[SN_IPV6_STRLEN];

	/* Canonical text: the cluster echoes it as query_key. */
	sn_ipv6_format(addr, text);
	query(d, text, false);
}

void semnetd_queries_requery_all(struct semnetd *d)
{
	for (size_t i = 0; i < d->queries.nbuckets; i++)
		for (struct semnetd_query *q = d->queries.buckets[i]; q; q = q->next)
			q->sent_ms = 0;	/* lost with the connection: ask again */
	for (struct semnetd_svc *s = d->services.head; s; s = s->next)
		query(d, s->name, true);
}

uint64_t semnetd_queries_done(struct semnetd_queries *qs, const char *key)
{
	if (!qs->nbuckets)
		return 0;
	for (struct semnetd_query **pq = bucket(qs, key); *pq; pq = &(*pq)->next) {
		struct semnetd_query *q = *pq;

		if (!strcmp(q->key, key)) {
			uint64_t sent = q->sent_ms;

			*pq = q->next;
			free(q);
			qs->count--;
			return sent;
		}
	}
	return 0;
}
