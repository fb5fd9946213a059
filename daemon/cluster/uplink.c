// SPDX-License-Identifier: GPL-2.0
#include "uplink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "sn_log.h"
#include "store.h"

struct sn_uplink {
	struct sn_cluster *cluster;
	bool registered;
	bool stopping;
	int register_backoff_ms;
	uv_timer_t *register_timer;
	/* The outbox head being delivered (id 0: none). */
	int64_t sending_id;
	int send_backoff_ms;
	uv_timer_t *send_timer;
	unsigned int pending;
};

static int make_url(struct sn_uplink *u, const char *path, char *url, size_t size)
{
	const struct sn_cluster_config *cfg = &u->cluster->cfg;
	int n = snprintf(url, size, "%s%s%ccluster_id=%s", cfg->root_url, path,
			 strchr(path, '?') ? '&' : '?', cfg->cluster_id);

	return n > 0 && (size_t)n < size ? 0 : -1;
}

int sn_uplink_request(struct sn_uplink *u, const char *method, const char *path, json_t *body,
		      sn_http_done_fn done, void *arg)
{
	char url[1024];

	if (make_url(u, path, url, sizeof(url)) < 0)
		return -1;
	return sn_http_client_request(u->cluster->client, method, url, body,
				      u->cluster->cfg.root_timeout_ms, done, arg);
}

/* --- registration ------------------------------------------------------ */

static void register_now(uv_timer_t *timer);

static void on_registered(void *arg, int status, json_t *reply, const char *error)
{
	struct sn_uplink *u = arg;
	const struct sn_cluster_config *cfg = &u->cluster->cfg;

	if (status == 200) {
		u->registered = true;
		sn_info("registered with the root as %s (%s:%d)", cfg->cluster_id,
			cfg->cluster_address, sn_http_server_port(u->cluster->http));
		sn_uplink_flush(u);
		return;
	}
	if (status >= 400 && status < 500) {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		sn_error("the root refuses the registration: HTTP %d %s", status, msg ? msg : "");
	} else {
		sn_warn("cannot register with the root (%s); retry in %d ms",
			error ? error : "server error", u->register_backoff_ms);
	}
	uv_timer_start(u->register_timer, register_now, (uint64_t)u->register_backoff_ms, 0);
	u->register_backoff_ms = u->register_backoff_ms * 2 > cfg->retry_backoff_max_ms ?
				 cfg->retry_backoff_max_ms : u->register_backoff_ms * 2;
}

static void register_now(uv_timer_t *timer)
{
	struct sn_uplink *u = timer->data;
	const struct sn_cluster_config *cfg = &u->cluster->cfg;
	json_t *body = json_pack("{s:s, s:s, s:i}", "cluster_id", cfg->cluster_id,
				 "cluster_address", cfg->cluster_address, "cluster_port",
				 sn_http_server_port(u->cluster->http));

	if (!body || sn_uplink_request(u, "POST", "/api/net/cluster", body, on_registered, u) < 0)
		on_registered(u, 0, NULL, "out of memory");
	json_decref(body);
}

void sn_uplink_start(struct sn_uplink *u)
{
	uv_timer_start(u->register_timer, register_now, 0, 0);
}

bool sn_uplink_registered(const struct sn_uplink *u)
{
	return u->registered;
}

/* --- outbox ------------------------------------------------------------ */

int sn_uplink_enqueue(struct sn_uplink *u, const char *method, const char *path, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int64_t id;
	int rc;

	if (body && !text)
		return -1;
	rc = sn_cluster_store_outbox_add(&u->cluster->db, method, path, text, &id);
	free(text);
	if (rc == 0)
		u->pending++;
	return rc;
}

struct head {
	int64_t id;
	char method[16];
	char path[512];
	char *body;
	bool found;
};

static void take_head(void *arg, int64_t id, const char *method, const char *path,
		      const char *body)
{
	struct head *h = arg;

	if (h->found)
		return;
	h->found = true;
	h->id = id;
	snprintf(h->method, sizeof(h->method), "%s", method);
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->body = body ? strdup(body) : NULL;
	if (body && !h->body)
		h->found = false;
}

static void send_head(uv_timer_t *timer);

static void on_sent(void *arg, int status, json_t *reply, const char *error)
{
	struct sn_uplink *u = arg;
	const struct sn_cluster_config *cfg = &u->cluster->cfg;
	const char *msg = json_string_value(json_object_get(reply, "error"));

	if (u->stopping)
		return;
	if ((status >= 200 && status < 300) ||
	    (status >= 400 && status < 500 && status != 408 && status != 429)) {
		if (status >= 400)	/* the root will never take it: drop, do not block the rest */
			sn_warn("the root refused queued call %lld: HTTP %d %s",
				(long long)u->sending_id, status, msg ? msg : "");
		if (sn_cluster_store_outbox_del(&u->cluster->db, u->sending_id) < 0)
			sn_error("cannot remove call %lld from the outbox", (long long)u->sending_id);
		else if (u->pending)
			u->pending--;
		u->sending_id = 0;
		u->send_backoff_ms = cfg->retry_backoff_ms;
		uv_timer_start(u->send_timer, send_head, 0, 0);
		return;
	}
	sn_info("queued call %lld to the root failed (%s); retry in %d ms", (long long)u->sending_id,
		error ? error : "server error", u->send_backoff_ms);
	uv_timer_start(u->send_timer, send_head, (uint64_t)u->send_backoff_ms, 0);
	u->send_backoff_ms = u->send_backoff_ms * 2 > cfg->retry_backoff_max_ms ?
			     cfg->retry_backoff_max_ms : u->send_backoff_ms * 2;
}

static void send_head(uv_timer_t *timer)
{
	struct sn_uplink *u = timer->data;
	struct head h = { 0 };
	json_t *body = NULL;

	if (!u->registered)
		return;	/* registration flushes when it succeeds */
	if (sn_cluster_store_each_outbox(&u->cluster->db, take_head, &h) < 0 || !h.found) {
		u->sending_id = 0;
		free(h.body);
		return;
	}
	u->sending_id = h.id;
	if (h.body && !(body = json_loads(h.body, 0, NULL))) {
		sn_error("queued call %lld has a corrupt body; dropped", (long long)h.id);
		free(h.body);
		on_sent(u, 400, NULL, NULL);
		return;
	}
	free(h.body);
	if (sn_uplink_request(u, h.method, h.path, body, on_sent, u) < 0)
		on_sent(u, 0, NULL, "cannot start the request");
	json_decref(body);
}

void sn_uplink_flush(struct sn_uplink *u)
{
	if (u->sending_id == 0 && !uv_is_active((uv_handle_t *)u->send_timer))
		uv_timer_start(u->send_timer, send_head, 0, 0);
}

unsigned int sn_uplink_pending(const struct sn_uplink *u)
{
	return u->pending;
}

static void count_row(void *arg, int64_t id, const char *method, const char *path,
		      const char *body)
{
	(void)id, (void)method, (void)path, (void)body;
	(*(unsigned int *)arg)++;
}

struct sn_uplink *sn_uplink_new(struct sn_cluster *c)
{
	struct sn_uplink *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->cluster = c;
	u->register_backoff_ms = u->send_backoff_ms = c->cfg.retry_backoff_ms;
	u->register_timer = malloc(sizeof(*u->register_timer));
	u->send_timer = malloc(sizeof(*u->send_timer));
	if (!u->register_timer || !u->send_timer) {
		free(u->register_timer);
		free(u->send_timer);
		free(u);
		return NULL;
	}
	uv_timer_init(c->loop, u->register_timer);
	uv_timer_init(c->loop, u->send_timer);
	u->register_timer->data = u->send_timer->data = u;
	/* What a previous run left queued counts as pending. */
	sn_cluster_store_each_outbox(&c->db, count_row, &u->pending);
	return u;
}

void sn_uplink_free(struct sn_uplink *u)
{
	if (!u)
		return;
	u->stopping = true;
	uv_close((uv_handle_t *)u->register_timer, (uv_close_cb)free);
	uv_close((uv_handle_t *)u->send_timer, (uv_close_cb)free);
	free(u);
}
