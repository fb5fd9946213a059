// SPDX-License-Identifier: GPL-2.0
#include "uplink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "sn_log.h"
#include "sn_oak.h"
#include "sn_outbox.h"
#include "store.h"

struct sn_uplink {
	struct sn_cluster *cluster;
	bool registered;
	struct sn_backoff register_backoff;
	uv_timer_t *register_timer;
	struct sn_outbox *outbox;
	/* The queued call in flight (the outbox is ordered: one at a time),
	 * when it takes more than one request or its answer is read here:
	 * kept here, not allocated, so nothing leaks when the client is
	 * freed with the request pending. */
	struct {
		char method[16];
		char path[512];
		json_t *body;
		sn_http_done_fn done;
		void *arg;
	} inflight;
};

/* Without a cluster id the root tells this cluster by its source address
 * (as Oakestra's root always does). */
static int make_url(struct sn_uplink *u, const char *path, char *url, size_t size)
{
	const struct sn_cluster_config *cfg = &u->cluster->cfg;
	int n = cfg->cluster_id[0] ?
		snprintf(url, size, "%s%s%ccluster_id=%s", cfg->root_url, path,
			 strchr(path, '?') ? '&' : '?', cfg->cluster_id) :
		snprintf(url, size, "%s%s", cfg->root_url, path);

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
	int delay_ms;

	if (status == 200) {
		u->registered = true;
		sn_info("registered with the root as %s (%s:%d)", cfg->cluster_id,
			cfg->cluster_address, sn_http_server_port(u->cluster->http));
		sn_outbox_resume(u->outbox);
		return;
	}
	delay_ms = sn_backoff_next(&u->register_backoff);
	if (status >= 400 && status < 500) {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		sn_error("the root refuses the registration: HTTP %d %s", status, msg ? msg : "");
	} else {
		sn_warn("cannot register with the root (%s); retry in %d ms",
			error ? error : "server error", delay_ms);
	}
	uv_timer_start(u->register_timer, register_now, (uint64_t)delay_ms, 0);
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
	/* Oakestra's system manager registers a cluster under the id it
	 * assigns, at the cluster's address; one that registered itself too
	 * would be a second cluster at that address. */
	if (!u->cluster->cfg.cluster_id[0]) {
		u->registered = true;
		sn_info("no --cluster-id: the orchestrator registers this cluster; calls to the "
			"root name none");
		sn_outbox_resume(u->outbox);
		return;
	}
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
	return rc;
}

/* A queued call in memory. */
struct queued {
	char method[16];
	char path[512];
	char *body;		/* NULL: none */
};

/* A row of outbox (id, method, path, body or NULL). */
static void *load_row(void *owner, sqlite3_stmt *stmt)
{
	struct queued *q = calloc(1, sizeof(*q));

	(void)owner;
	if (!q || (sqlite3_column_type(stmt, 3) != SQLITE_NULL &&
		   !(q->body = strdup(sn_db_text(stmt, 3))))) {
		free(q);
		return NULL;
	}
	snprintf(q->method, sizeof(q->method), "%s", sn_db_text(stmt, 1));
	snprintf(q->path, sizeof(q->path), "%s", sn_db_text(stmt, 2));
	return q;
}

void sn_uplink_learn_job_id(struct sn_uplink *u, const char *job_name, json_t *answer)
{
	const char *id = json_string_value(json_object_get(answer, "_id"));

	if (!id)
		id = json_string_value(json_object_get(answer, "job_id"));
	if (!id || !*id || strlen(id) > 64 || !job_name || !*job_name)
		return;
	if (sn_cluster_store_deployment_put(&u->cluster->db, job_name, id) < 0)
		sn_error("job %s: cannot store its id %s", job_name, id);
}

/* A subnet release: Oakestra's root has no such route, and the path falls
 * to its DELETE /api/net/<_id>/<n>, which fails with 500 and a page that
 * is not JSON (not an ObjectId). Retrying would hold up every later call;
 * the release is dropped as refused. semnet-root's 500 carries JSON and
 * is retried. */
static void on_release_done(void *arg, int status, json_t *reply, const char *error)
{
	struct sn_uplink *u = arg;

	if (status == 500 && !json_object_get(reply, "error")) {
		sn_info("the root has no subnet release (not semnet-root?); %s dropped",
			u->inflight.path);
		status = 404;
	}
	u->inflight.done(u->inflight.arg, status, reply, error);
}

static void send_inflight(struct sn_uplink *u, sn_http_done_fn done, void *arg)
{
	json_t *body = u->inflight.body;

	u->inflight.body = NULL;
	if (sn_uplink_request(u, u->inflight.method, u->inflight.path, body, done, arg) < 0)
		done(arg, 0, NULL, "cannot start the request");
	json_decref(body);
}

/* The job's table, asked only for its id (see send_call). */
static void on_job_id(void *arg, int status, json_t *reply, const char *error)
{
	struct sn_uplink *u = arg;
	const char *name = json_string_value(json_object_get(u->inflight.body, "job_name"));
	char id[65] = "";

	if (status != 200 && status != 404) {	/* the root is not there: retried */
		json_decref(u->inflight.body);
		u->inflight.body = NULL;
		u->inflight.done(u->inflight.arg, status, reply, error);
		return;
	}
	if (status == 200)
		sn_uplink_learn_job_id(u, name, reply);
	/* Still unknown (a 404, or Oakestra's {} for a job it does not
	 * hold): sent by name, and the root decides. */
	if (sn_cluster_store_deployment_get(&u->cluster->db, name, id) == 1 && id[0])
		json_object_set_new(u->inflight.body, "job_id", json_string(id));
	send_inflight(u, u->inflight.done, u->inflight.arg);
}

/*
 * A net_deploy_status report names the job by job_id, which Oakestra's
 * root requires (an ObjectId, the job document's _id; 400 without it).
 * The id comes from the orchestrator's deployment call or a table answer
 * of the root; when neither gave it yet, the root's table is asked for it
 * first, as Oakestra's cluster does when told of a deployment.
 */
static void send_call(void *owner, struct sn_outbox_call *call, sn_http_done_fn done, void *arg)
{
	struct sn_uplink *u = owner;
	const struct queued *q = call->row;
	json_t *body = NULL;
	const char *name;
	char id[65] = "", path[64 + SN_OAK_JOB_NAME_MAX];

	if (q->body && !(body = json_loads(q->body, 0, NULL))) {
		sn_error("queued call %lld has a corrupt body; dropped", (long long)call->id);
		done(arg, 400, NULL, NULL);
		return;
	}
	json_decref(u->inflight.body);
	snprintf(u->inflight.method, sizeof(u->inflight.method), "%s", q->method);
	snprintf(u->inflight.path, sizeof(u->inflight.path), "%s", q->path);
	u->inflight.body = body;
	u->inflight.done = done;
	u->inflight.arg = arg;
	if (!strncmp(q->path, "/api/net/subnet/", 16)) {
		send_inflight(u, on_release_done, u);
		return;
	}
	name = json_string_value(json_object_get(body, "job_name"));
	if (strcmp(q->path, "/api/net/service/net_deploy_status") || !name ||
	    json_object_get(body, "job_id")) {
		send_inflight(u, done, arg);
		return;
	}
	if (sn_cluster_store_deployment_get(&u->cluster->db, name, id) == 1 && id[0]) {
		json_object_set_new(body, "job_id", json_string(id));
		send_inflight(u, done, arg);
		return;
	}
	snprintf(path, sizeof(path), "/api/net/service/%s/instances", name);
	for (char *p = path + strlen("/api/net/service/"); *p != '/'; p++)
		if (*p == '.')
			*p = '_';
	if (sn_uplink_request(u, "GET", path, NULL, on_job_id, u) < 0)
		on_job_id(u, 0, NULL, "cannot start the request");
}

static void report(void *owner, const struct sn_outbox_call *call, enum sn_outbox_result result,
		   int status, json_t *reply, const char *error)
{
	const char *msg = json_string_value(json_object_get(reply, "error"));

	(void)owner;
	if (result == SN_OUTBOX_REFUSED)	/* the root will never take it: dropped */
		sn_warn("the root refused queued call %lld: HTTP %d %s", (long long)call->id,
			status, msg ? msg : "");
	else if (result == SN_OUTBOX_RETRY)
		sn_info("queued call %lld to the root failed (%s); retry in %d ms",
			(long long)call->id, error ? error : "server error", call->retry_ms);
}

static void free_queued(void *row)
{
	struct queued *q = row;

	free(q->body);
	free(q);
}

static const struct sn_outbox_ops uplink_ops = {
	.load_row = load_row,
	.send = send_call,
	.report = report,
	.free_row = free_queued,
};

void sn_uplink_flush(struct sn_uplink *u)
{
	sn_outbox_flush(u->outbox);
}

unsigned int sn_uplink_pending(const struct sn_uplink *u)
{
	return sn_outbox_pending(u->outbox);
}

static void free_handle(uv_handle_t *handle)
{
	free(handle);
}

struct sn_uplink *sn_uplink_new(struct sn_cluster *c)
{
	/* One call at a time, in order: a later location report must not
	 * overtake an earlier one. Retried until the root takes it. */
	const struct sn_outbox_config cfg = {
		.what = "call",
		.db = &c->db,
		.ordered = true,
		.backoff_ms = c->cfg.retry_backoff_ms,
		.backoff_max_ms = c->cfg.retry_backoff_max_ms,
	};
	struct sn_uplink *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->cluster = c;
	sn_backoff_init(&u->register_backoff, c->cfg.retry_backoff_ms, c->cfg.retry_backoff_max_ms);
	u->register_timer = malloc(sizeof(*u->register_timer));
	u->outbox = sn_outbox_new(c->loop, &cfg, &uplink_ops, u);
	if (!u->register_timer || !u->outbox) {
		free(u->register_timer);
		sn_outbox_free(u->outbox);
		free(u);
		return NULL;
	}
	uv_timer_init(c->loop, u->register_timer);
	u->register_timer->data = u;
	/* Nothing goes before the root takes the registration; what a
	 * previous run left queued counts as pending already. */
	sn_outbox_pause(u->outbox);
	sn_outbox_flush(u->outbox);
	return u;
}

void sn_uplink_free(struct sn_uplink *u)
{
	if (!u)
		return;
	uv_close((uv_handle_t *)u->register_timer, free_handle);
	sn_outbox_free(u->outbox);
	json_decref(u->inflight.body);
	free(u);
}
