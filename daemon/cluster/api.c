// SPDX-License-Identifier: GPL-2.0
/* The cluster's REST API: deployments, job updates from the root, status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "nodes.h"
#include "registry.h"
#include "sn_json.h"
#include "stun.h"
#include "sn_log.h"
#include "sn_oak.h"
#include "store.h"
#include "uplink.h"

static int store_error(json_t **reply)
{
	*reply = sn_json_error("internal store error; nothing was changed");
	return 500;
}

/* A job name from a path segment ('_' or '.' separated). */
static int path_job_name(const char *segment, char out[SN_OAK_JOB_NAME_MAX + 1], json_t **reply)
{
	if (strlen(segment) > SN_OAK_JOB_NAME_MAX) {
		*reply = sn_json_error("job name too long (at most %d bytes)", SN_OAK_JOB_NAME_MAX);
		return 400;
	}
	snprintf(out, SN_OAK_JOB_NAME_MAX + 1, "%s", segment);
	sn_underscores_to_dots(out);
	if (!sn_oak_job_name_valid(out)) {
		*reply = sn_json_error("'%s' is not a job name (app.appns.svc.svcns)", segment);
		return 400;
	}
	return 0;
}

static int deployment_post(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_cluster *c = ctx;
	struct sn_err err;
	const char *job_name, *job_id, *oid;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err);
	int status = 200;

	if (!body || sn_json_str(body, "job_name", true, SN_OAK_JOB_NAME_MAX, &job_name, &err) < 0 ||
	    sn_json_str(body, "job_id", false, 64, &job_id, &err) < 0 ||
	    sn_json_str(body, "_id", false, 64, &oid, &err) < 0) {
		*reply = sn_json_error("%s", err.msg);
		status = 400;
		goto out;
	}
	if (!sn_oak_job_name_valid(job_name)) {
		*reply = sn_json_error("'%s' is not a job name (app.appns.svc.svcns)", job_name);
		status = 400;
		goto out;
	}
	if (sn_cluster_store_deployment_put(&c->db, job_name, job_id ? job_id : oid) < 0) {
		status = store_error(reply);
		goto out;
	}
	*reply = json_pack("{s:s}", "job_name", job_name);
out:
	json_decref(body);
	return status;
}

static int deployment_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_cluster *c = ctx;
	char job[SN_OAK_JOB_NAME_MAX + 1];
	int status = path_job_name(req->params[0], job, reply), removed;

	if (status)
		return status;
	if ((removed = sn_cluster_store_deployment_del(&c->db, job)) < 0)
		return store_error(reply);
	if (!removed) {
		*reply = sn_json_error("no deployment of %s", job);
		return 404;
	}
	*reply = json_pack("{s:s}", "job_name", job);
	return 200;
}

static int job_update(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_cluster *c = ctx;
	struct sn_err err;
	const char *job_name, *type;
	long long number = -1;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err);
	int status = 200;

	if (!body || sn_json_str(body, "job_name", true, SN_OAK_JOB_NAME_MAX, &job_name, &err) < 0 ||
	    /* Oakestra's cluster refuses an update without it (400). */
	    sn_json_int(body, "instance_number", true, true, -1, SN_OAK_INSTANCE_MAX, &number,
			&err) < 0 ||
	    sn_json_str(body, "type", true, 16, &type, &err) < 0) {
		*reply = sn_json_error("%s", err.msg);
		status = 400;
		goto out;
	}
	if (!sn_oak_job_name_valid(job_name) ||
	    (strcmp(type, "DEPLOYMENT") && strcmp(type, "UNDEPLOYMENT"))) {
		*reply = sn_json_error("need a job name and type DEPLOYMENT or UNDEPLOYMENT");
		status = 400;
		goto out;
	}
	/* The cached table is stale: nodes re-query and the next query asks
	 * the root, which answers with the change. */
	c->job_updates++;
	if (sn_cluster_store_table_invalidate(&c->db, job_name) < 0) {
		status = store_error(reply);
		goto out;
	}
	sn_nodes_job_updated(c, job_name, (int)number, type);
	sn_info("job %s: %s of instance %lld; nodes told", job_name, type, number);
	*reply = json_pack("{s:s}", "job_name", job_name);
out:
	json_decref(body);
	return status;
}

static int status_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_cluster *c = ctx;

	(void)req;
	*reply = json_pack("{s:s, s:b, s:b, s:i, s:o}", "cluster_id", c->cfg.cluster_id,
			   "registered", sn_uplink_registered(c->uplink), "mqtt_connected",
			   sn_mqtt_is_connected(c->mqtt), "root_calls_pending",
			   (int)sn_uplink_pending(c->uplink), "discovery",
			   c->stun ? sn_stun_json(c->stun) : json_null());
	return 200;
}

static int nodes_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	(void)req;
	*reply = sn_registry_json(ctx, -1);
	return *reply ? 200 : store_error(reply);
}

struct node_instances {
	struct {
		char job[SN_OAK_JOB_NAME_MAX + 1];
		int number;
	} *list;
	size_t n;
	int errors;
};

static void collect_instance(void *arg, const char *job_name, const struct sn_oak_instance *inst)
{
	struct node_instances *ni = arg;
	void *grown = realloc(ni->list, (ni->n + 1) * sizeof(*ni->list));

	if (!grown) {
		ni->errors++;
		return;
	}
	ni->list = grown;
	snprintf(ni->list[ni->n].job, sizeof(ni->list[ni->n].job), "%s", job_name);
	ni->list[ni->n++].number = inst->number;
}

/* A node leaves the cluster: its instances stop being local, its subnet
 * goes back to the root (queued), the registry loses it. */
static int node_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_cluster *c = ctx;
	struct sn_cluster_node n;
	struct node_instances ni = { 0 };
	char path[96], subnet[SN_IPV4_STRLEN];
	int64_t version = -1;
	int found = sn_cluster_store_node_get(&c->db, req->params[0], &n), status = 200;

	if (found < 0)
		return store_error(reply);
	if (found == 0) {
		*reply = sn_json_error("no node '%.64s'", req->params[0]);
		return 404;
	}
	if (sn_cluster_store_each_local_of_node(&c->db, n.id, collect_instance, &ni) < 0 ||
	    ni.errors) {
		status = store_error(reply);
		goto out;
	}
	sn_ipv4_format(n.subnet, subnet);
	for (char *p = subnet; *p; p++)
		if (*p == '.')
			*p = '_';
	snprintf(path, sizeof(path), "/api/net/subnet/%s", subnet);
	c->job_updates++;
	if (sn_db_begin(&c->db) < 0)
		goto fail;
	for (size_t i = 0; i < ni.n; i++)
		if (sn_cluster_store_local_del(&c->db, ni.list[i].job, ni.list[i].number) < 0 ||
		    sn_cluster_store_table_invalidate(&c->db, ni.list[i].job) < 0)
			goto fail;
	if (sn_cluster_store_node_del(&c->db, n.id) < 0 || (version = sn_registry_changed(c)) < 0 ||
	    (n.subnet && sn_uplink_enqueue(c->uplink, "DELETE", path, NULL) < 0) ||
	    sn_db_commit(&c->db) < 0)
		goto fail;
	sn_uplink_flush(c->uplink);
	sn_registry_publish(c, version);
	for (size_t i = 0; i < ni.n; i++)
		sn_nodes_job_updated(c, ni.list[i].job, ni.list[i].number, "UNDEPLOYMENT");
	sn_info("node %s removed (%zu instances)", n.id, ni.n);
	*reply = json_pack("{s:s, s:I}", "node_id", n.id, "instances_removed", (json_int_t)ni.n);
	goto out;
fail:
	sn_db_rollback(&c->db);
	status = store_error(reply);
out:
	free(ni.list);
	return status;
}

const struct sn_http_route sn_cluster_routes[] = {
	{ "DELETE", "/api/net/node/*", node_delete },
	{ "POST", "/api/net/deployment", deployment_post },
	{ "DELETE", "/api/net/deployment/*", deployment_delete },
	{ "POST", "/api/net/job/update", job_update },
	{ "GET", "/api/net/status", status_get },
	{ "GET", "/api/net/nodes", nodes_get },
};
const size_t sn_cluster_nroutes = sizeof(sn_cluster_routes) / sizeof(sn_cluster_routes[0]);
