// SPDX-License-Identifier: GPL-2.0
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "root.h"
#include "sn_log.h"
#include "store.h"

struct delivery {
	struct delivery *next, *prev;
	struct sn_root_notifier *notifier;
	int64_t id;
	char cluster_id[SN_ID_MAX + 1];
	json_t *body;
	int attempts;
	int backoff_ms;
	uv_timer_t *timer;
};

struct sn_root_notifier {
	struct sn_root *root;
	struct delivery list;	/* head */
	unsigned int pending;
	int64_t last_loaded;	/* outbox rows up to this id are in the list */
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

static void delivery_free(struct delivery *d)
{
	d->prev->next = d->next;
	d->next->prev = d->prev;
	d->notifier->pending--;
	json_decref(d->body);
	uv_close((uv_handle_t *)d->timer, (uv_close_cb)free);
	free(d);
}

static void send_now(uv_timer_t *timer);

static void on_sent(void *arg, int status, json_t *reply, const char *error)
{
	struct delivery *d = arg;
	struct sn_root *root = d->notifier->root;
	const struct sn_root_config *cfg = &root->cfg;

	(void)reply;
	d->attempts++;
	if (status >= 200 && status < 300) {
		sn_debug("job update %lld delivered to cluster %s", (long long)d->id, d->cluster_id);
	} else if (status >= 400 && status < 500 && status != 408 && status != 429) {
		/* The cluster rejected it: retrying would not change its mind. */
		sn_warn("job update %lld refused by cluster %s: HTTP %d", (long long)d->id,
			d->cluster_id, status);
	} else if (d->attempts < cfg->push_max_attempts) {
		sn_info("job update %lld to cluster %s failed (%s), retry %d in %d ms",
			(long long)d->id, d->cluster_id, error ? error : "server error", d->attempts,
			d->backoff_ms);
		uv_timer_start(d->timer, send_now, (uint64_t)d->backoff_ms, 0);
		d->backoff_ms = d->backoff_ms * 2 > cfg->push_backoff_max_ms ?
				cfg->push_backoff_max_ms : d->backoff_ms * 2;
		return;
	} else {
		sn_warn("job update %lld to cluster %s given up after %d attempts",
			(long long)d->id, d->cluster_id, d->attempts);
	}
	if (sn_root_store_outbox_del(&root->db, d->id) < 0)
		sn_error("cannot remove job update %lld from the outbox", (long long)d->id);
	delivery_free(d);
}

static void send_now(uv_timer_t *timer)
{
	struct delivery *d = timer->data;
	struct sn_root *root = d->notifier->root;
	struct sn_root_cluster c;
	char url[SN_HOST_MAX + 64];

	if (sn_root_store_cluster_get(&root->db, d->cluster_id, &c) != 1) {
		on_sent(d, 410, NULL, "cluster gone");
		return;
	}
	snprintf(url, sizeof(url), strchr(c.address, ':') ? "http://[%s]:%d/api/net/job/update"
							  : "http://%s:%d/api/net/job/update",
		 c.address, c.port);
	if (sn_http_client_request(root->client, "POST", url, d->body, root->cfg.push_timeout_ms,
				   on_sent, d) < 0)
		on_sent(d, 0, NULL, "out of memory");
}

static void load_row(void *arg, int64_t id, const char *cluster_id, const char *body)
{
	struct sn_root_notifier *n = arg;
	struct delivery *d;

	if (id <= n->last_loaded)
		return;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->timer = malloc(sizeof(*d->timer))) ||
	    !(d->body = json_loads(body, 0, NULL))) {
		/* Left in the outbox: the next flush (or restart) tries again. */
		sn_error("out of memory loading job update %lld", (long long)id);
		if (d)
			free(d->timer);
		free(d);
		return;
	}
	n->last_loaded = id;
	d->notifier = n;
	d->id = id;
	snprintf(d->cluster_id, sizeof(d->cluster_id), "%s", cluster_id);
	d->backoff_ms = n->root->cfg.push_backoff_ms;
	uv_timer_init(n->root->loop, d->timer);
	d->timer->data = d;
	d->next = &n->list;
	d->prev = n->list.prev;
	n->list.prev->next = d;
	n->list.prev = d;
	n->pending++;
	uv_timer_start(d->timer, send_now, 0, 0);
}

void sn_root_notify_flush(struct sn_root *root)
{
	if (sn_root_store_each_outbox(&root->db, load_row, root->notifier) < 0)
		sn_error("cannot read the job update outbox");
}

struct sn_root_notifier *sn_root_notifier_new(struct sn_root *root)
{
	struct sn_root_notifier *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->root = root;
	n->list.next = n->list.prev = &n->list;
	return n;
}

void sn_root_notifier_free(struct sn_root_notifier *n)
{
	if (!n)
		return;
	while (n->list.next != &n->list)
		delivery_free(n->list.next);
	free(n);
}

unsigned int sn_root_notify_pending(const struct sn_root_notifier *n)
{
	return n->pending;
}
