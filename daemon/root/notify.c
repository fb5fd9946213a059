// SPDX-License-Identifier: GPL-2.0
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root.h"
#include "sn_log.h"
#include "sn_outbox.h"
#include "store.h"

/* A job update in memory: its cluster and its parsed body. */
struct update {
	char cluster_id[SN_ID_MAX + 1];
	json_t *body;
};

struct sn_root_notifier {
	struct sn_root *root;
	struct sn_outbox *outbox;
};

struct queue_ctx {
	struct sn_root *root;
	const char *body;
	int errors;
};

static void queue_for_cluster(void *arg, const char *cluster_id)
{
	struct queue_ctx *q = arg;
	int64_t id;

	if (sn_root_store_outbox_add(&q->root->db, cluster_id, q->body, &id) < 0)
		q->errors++;
}

int sn_root_notify_job(struct sn_root *root, const char *job_name, int instance_number,
		       const char *type)
{
	json_t *body = json_pack("{sssiss}", "job_name", job_name, "instance_number",
				 instance_number, "type", type);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct queue_ctx q = { .root = root, .body = text };
	int rc;

	json_decref(body);
	if (!text)
		return -1;
	rc = sn_root_store_each_interested(&root->db, job_name, queue_for_cluster, &q);
	free(text);
	return rc < 0 || q.errors ? -1 : 0;
}

/* --- the outbox's callbacks ---------------------------------------------- */

/* A row of outbox (id, cluster_id, body). */
static void *load_row(void *owner, sqlite3_stmt *stmt)
{
	struct update *u = calloc(1, sizeof(*u));

	(void)owner;
	if (!u || !(u->body = json_loads(sn_db_text(stmt, 2), 0, NULL))) {
		free(u);
		return NULL;
	}
	snprintf(u->cluster_id, sizeof(u->cluster_id), "%s", sn_db_text(stmt, 1));
	return u;
}

static void send_update(void *owner, struct sn_outbox_call *call, sn_http_done_fn done,
			void *arg)
{
	struct sn_root_notifier *n = owner;
	struct sn_root *root = n->root;
	const struct update *u = call->row;
	struct sn_root_cluster c;
	char url[SN_HOST_MAX + 64];

	if (sn_root_store_cluster_get(&root->db, u->cluster_id, &c) != 1) {
		done(arg, 410, NULL, "cluster gone");
		return;
	}
	snprintf(url, sizeof(url), strchr(c.address, ':') ? "http://[%s]:%d/api/net/job/update"
							  : "http://%s:%d/api/net/job/update",
		 c.address, c.port);
	if (sn_http_client_request(root->client, "POST", url, u->body, root->cfg.push_timeout_ms,
				   done, arg) < 0)
		done(arg, 0, NULL, "out of memory");
}

static void report(void *owner, const struct sn_outbox_call *call, enum sn_outbox_result result,
		   int status, json_t *reply, const char *error)
{
	const struct update *u = call->row;
	long long id = (long long)call->id;

	(void)owner, (void)reply;
	switch (result) {
	case SN_OUTBOX_DELIVERED:
		sn_debug("job update %lld delivered to cluster %s", id, u->cluster_id);
		break;
	case SN_OUTBOX_REFUSED:
		/* The cluster rejected it: retrying would not change its mind. */
		sn_warn("job update %lld refused by cluster %s: HTTP %d", id, u->cluster_id,
			status);
		break;
	case SN_OUTBOX_RETRY:
		sn_info("job update %lld to cluster %s failed (%s), retry %d in %d ms", id,
			u->cluster_id, error ? error : "server error", call->attempts,
			call->retry_ms);
		break;
	case SN_OUTBOX_GIVEN_UP:
		sn_warn("job update %lld to cluster %s given up after %d attempts", id,
			u->cluster_id, call->attempts);
		break;
	}
}

static void free_update(void *row)
{
	struct update *u = row;

	json_decref(u->body);
	free(u);
}

static const struct sn_outbox_ops notify_ops = {
	.load_row = load_row,
	.send = send_update,
	.report = report,
	.free_row = free_update,
};

void sn_root_notify_flush(struct sn_root *root)
{
	sn_outbox_flush(root->notifier->outbox);
}

struct sn_root_notifier *sn_root_notifier_new(struct sn_root *root)
{
	/* Updates to different clusters go in parallel: one cluster down
	 * delays no other. */
	const struct sn_outbox_config cfg = {
		.what = "job update",
		.db = &root->db,
		.ordered = false,
		.backoff_ms = root->cfg.push_backoff_ms,
		.backoff_max_ms = root->cfg.push_backoff_max_ms,
		.max_attempts = root->cfg.push_max_attempts,
	};
	struct sn_root_notifier *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->root = root;
	n->outbox = sn_outbox_new(root->loop, &cfg, &notify_ops, n);
	if (!n->outbox) {
		free(n);
		return NULL;
	}
	return n;
}

void sn_root_notifier_free(struct sn_root_notifier *n)
{
	if (!n)
		return;
	sn_outbox_free(n->outbox);
	free(n);
}

unsigned int sn_root_notify_pending(const struct sn_root_notifier *n)
{
	return sn_outbox_pending(n->outbox);
}
