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
	char key[SN_OAK_JOB_NAME_MAX + 1];	/* sname or sip, as asked */
	uint64_t sent_ms;
	struct semnetd_query *next;
};

void semnetd_queries_free(struct semnetd_queries *qs)
{
	while (qs->head) {
		struct semnetd_query *q = qs->head;

		qs->head = q->next;
		free(q);
	}
}

size_t semnetd_queries_pending(const struct semnetd_queries *qs)
{
	size_t n = 0;

	for (const struct semnetd_query *q = qs->head; q; q = q->next)
		n++;
	return n;
}

static void query(struct semnetd *d, const char *key, bool by_name)
{
	struct semnetd_queries *qs = &d->queries;
	uint64_t now = uv_now(d->loop);
	struct semnetd_query *q;
	json_t *msg;

	for (q = qs->head; q; q = q->next)
		if (!strcmp(q->key, key))
			break;
	if (q && now - q->sent_ms < QUERY_RETRY_MS)
		return;	/* asked already; the answer serves both */
	if (!q) {
		if (!(q = calloc(1, sizeof(*q))))
			return;
		snprintf(q->key, sizeof(q->key), "%s", key);
		q->next = qs->head;
		qs->head = q;
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

void semnetd_queries_requery_all(struct semnetd *d)
{
	for (struct semnetd_query *q = d->queries.head; q; q = q->next)
		q->sent_ms = 0;	/* lost with the connection: ask again */
	for (struct semnetd_svc *s = d->services.head; s; s = s->next)
		query(d, s->name, true);
}

uint64_t semnetd_queries_done(struct semnetd_queries *qs, const char *key)
{
	for (struct semnetd_query **pq = &qs->head; *pq; pq = &(*pq)->next) {
		struct semnetd_query *q = *pq;

		if (!strcmp(q->key, key)) {
			uint64_t sent = q->sent_ms;

			*pq = q->next;
			free(q);
			return sent;
		}
	}
	return 0;
}
