// SPDX-License-Identifier: GPL-2.0
#include "nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "registry.h"
#include "sn_ipv6.h"
#include "sn_json.h"
#include "sn_links.h"
#include "sn_log.h"
#include "sn_oak.h"
#include "store.h"
#include "uplink.h"

#define TOPIC_MAX 256

static bool node_id_valid(const char *id)
{
	size_t len = strlen(id);

	return len > 0 && len <= SN_NODE_ID_MAX &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

static void publish_to_node(struct sn_cluster *c, const char *node, const char *suffix,
			    json_t *msg)
{
	char topic[TOPIC_MAX];

	snprintf(topic, sizeof(topic), "nodes/%s/net/%s", node, suffix);
	if (!msg) {
		sn_error("out of memory answering node %s on %s", node, suffix);
		return;
	}
	sn_mqtt_publish_json(c->mqtt, topic, msg, 1, false);
	json_decref(msg);
}

void sn_nodes_job_updated(struct sn_cluster *c, const char *job_name, int instance_number,
			  const char *type)
{
	char topic[TOPIC_MAX];
	json_t *msg = json_pack("{s:s, s:s, s:i}", "type", type, "job_name", job_name,
				"instance_number", instance_number);

	snprintf(topic, sizeof(topic), "jobs/%s/updates_available", job_name);
	if (!msg)
		return;
	sn_mqtt_publish_json(c->mqtt, topic, msg, 1, false);
	json_decref(msg);
}

int sn_nodes_drop_job_interest(struct sn_cluster *c, const char *job_name)
{
	c->job_updates++;
	char path[64 + SN_OAK_JOB_NAME_MAX];

	snprintf(path, sizeof(path), "/api/net/interest/%s", job_name);
	if (sn_cluster_store_table_invalidate(&c->db, job_name) < 0 ||
	    sn_uplink_enqueue(c->uplink, "DELETE", path, NULL) < 0)
		return -1;
	sn_info("no node is interested in %s any more; dropping the root's interest", job_name);
	return 0;
}

/* --- node underlay info (optional in subnet requests, part of reports) --- */

struct host_info {
	bool present;
	char host_ip[48];
	int host_port;
	char tunnel[16];
	/* A subnet request says whether the node has `link` (issue 18):
	 * link_given, and has_link with link. Without one the node has no
	 * link support (Oakestra's, older semnet), so a stored one goes.
	 * Deployment reports say nothing of links. */
	bool link_given;
	bool has_link;
	struct sn_link_info link;
};

/* The optional `link` of a subnet request into @h. */
static int parse_link(json_t *msg, struct host_info *h, struct sn_err *err)
{
	json_t *link = json_object_get(msg, "link");

	h->link_given = true;
	h->has_link = link && !json_is_null(link);
	if (!h->has_link)
		return 0;
	return sn_link_info_read(link, &h->link, err);
}

/* @h's link facts into @n. */
static void apply_link(struct sn_cluster_node *n, const struct host_info *h)
{
	if (!h->link_given)
		return;
	n->has_link = h->has_link;
	if (h->has_link)
		n->link = h->link;
	else
		memset(&n->link, 0, sizeof(n->link));
}

static int parse_host_info(json_t *msg, bool required, struct host_info *h, struct sn_err *err)
{
	const char *tunnel, *kind;
	long long port = 0;
	struct sn_ipaddr ip;
	bool present;

	memset(h, 0, sizeof(*h));
	/* Either family: a node on an IPv6-only uplink reports an IPv6 one. */
	if (sn_json_ipaddr(msg, "host_ip", required, &ip, &present, err) < 0 ||
	    sn_json_int(msg, "host_port", required && present, true, 1, 65535, &port, err) < 0 ||
	    sn_json_str(msg, "tunnel", false, 15, &tunnel, err) < 0)
		return -1;
	if (!present)
		return 0;
	if (port == 0) {
		sn_err_set(err, "field 'host_port' is required with 'host_ip'");
		return -1;
	}
	if (!(kind = sn_oak_tunnel(tunnel, (int)port))) {
		sn_err_set(err, "field 'tunnel' must be \"gre-udp\" or \"ipudp\"");
		return -1;
	}
	h->present = true;
	sn_ipaddr_format(&ip, h->host_ip);
	h->host_port = (int)port;
	snprintf(h->tunnel, sizeof(h->tunnel), "%s", kind);
	return 0;
}

/* Applies @h to the node record; *version > 0 when the registry changed. */
static int update_node_host(struct sn_cluster *c, struct sn_cluster_node *n,
			    const struct host_info *h, int64_t *version)
{
	bool changed;

	*version = 0;
	if (!h->present && !h->link_given)
		return 0;
	if (h->present) {
		snprintf(n->host_ip, sizeof(n->host_ip), "%s", h->host_ip);
		n->host_port = h->host_port;
		snprintf(n->tunnel, sizeof(n->tunnel), "%s", h->tunnel);
	}
	apply_link(n, h);
	if (sn_cluster_store_node_put(&c->db, n, &changed) < 0)
		return -1;
	if (changed && (*version = sn_registry_changed(c)) < 0)
		return -1;
	return 0;
}

/* --- subnet ------------------------------------------------------------ */

struct subnet_request {
	struct sn_cluster *cluster;
	char node[SN_NODE_ID_MAX + 1];
	struct host_info host;
	/* The node has a v4 subnet but no v6 one (stored before the root
	 * gave v6): only its v6 subnet is learned, nobody is answered. */
	bool v6_only;
};

/*
 * {address, addressv6, prefix_len (+ prefix_len_v6)}. addressv6 is always a
 * string, "" when the node has no v6 subnet: Oakestra's NetManager reads it
 * into a Go string and derives its bridge address from it.
 */
static json_t *subnet_result(const struct sn_cluster_node *n)
{
	char v6[SN_JSON_IPV6_STRLEN] = "";
	json_t *msg;

	if (sn_json_ipv6_set(&n->subnet6))
		sn_json_ipv6_format(&n->subnet6, v6);
	msg = json_pack("{s:o, s:s, s:i}", "address", sn_json_ipv4_string(n->subnet), "addressv6",
			v6, "prefix_len", (int)n->subnet_len);
	/* A semnet extension: Oakestra's NetManager assumes /120. */
	if (msg && v6[0] &&
	    json_object_set_new(msg, "prefix_len_v6", json_integer(n->subnet6_len)) < 0) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

static json_t *subnet_error(const char *msg)
{
	return json_pack("{s:n, s:s, s:s}", "address", "addressv6", "", "error", msg);
}

/* The root's v6 subnet (subnet_addr_v6, and prefix_len_v6 when it says):
 * *addr6 stays :: when it gave none or a bad one (logged; the v4 subnet
 * still serves). */
static void root_subnet6(const char *node, json_t *reply, struct in6_addr *addr6,
			 unsigned int *len6)
{
	struct sn_err err;
	long long len = 120;
	bool present;

	*len6 = 120;
	if (sn_json_ipv6(reply, "subnet_addr_v6", false, addr6, &present, &err) < 0 ||
	    sn_json_int(reply, "prefix_len_v6", false, false, 64, 126, &len, &err) < 0) {
		sn_warn("subnet for node %s: the root's v6 subnet is left out: %s", node, err.msg);
		memset(addr6, 0, sizeof(*addr6));
		return;
	}
	struct in6_addr net = *addr6;

	sn_ipv6_mask(&net, (unsigned int)len);
	if (present && sn_ipv6_cmp(&net, addr6) != 0) {
		sn_warn("subnet for node %s: the root's v6 subnet is left out: "
			"host bits set for /%lld", node, len);
		memset(addr6, 0, sizeof(*addr6));
		return;
	}
	*len6 = (unsigned int)len;
}

/* A node that had only a v4 subnet learns its v6 one (r->v6_only). */
static void learn_subnet6(struct sn_cluster *c, const struct subnet_request *r,
			  const struct in6_addr *addr6, unsigned int len6)
{
	struct sn_cluster_node n;
	char text[SN_JSON_IPV6_STRLEN];
	bool changed = false;
	int64_t version = 0;

	if (!sn_json_ipv6_set(addr6) || sn_cluster_store_node_get(&c->db, r->node, &n) != 1 ||
	    !n.subnet || sn_json_ipv6_set(&n.subnet6))
		return;
	n.subnet6 = *addr6;
	n.subnet6_len = len6;
	if (sn_db_begin(&c->db) < 0 || sn_cluster_store_node_put(&c->db, &n, &changed) < 0 ||
	    (changed && (version = sn_registry_changed(c)) < 0) || sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("subnet for node %s: cannot store its v6 subnet", r->node);
		return;
	}
	sn_info("node %s has v6 subnet %s/%u too", r->node, sn_json_ipv6_format(addr6, text), len6);
	if (version > 0)
		sn_registry_publish(c, version);
}

static void on_root_subnet(void *arg, int status, json_t *reply, const char *error)
{
	struct subnet_request *r = arg;
	struct sn_cluster *c = r->cluster;
	struct sn_cluster_node n = { 0 };
	struct sn_err err;
	struct in6_addr addr6;
	char text6[SN_JSON_IPV6_STRLEN];
	uint32_t addr;
	unsigned int len6;
	bool present, changed;
	long long len = 26;
	int64_t version = 0;

	if (status != 200) {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		sn_warn("subnet for node %s: the root said %d %s", r->node, status,
			msg ? msg : error ? error : "");
		if (!r->v6_only)
			publish_to_node(c, r->node, "subnetwork/result",
					subnet_error(msg ? msg : error ? error : "the root failed"));
		free(r);
		return;
	}
	if (sn_json_ipv4(reply, "subnet_addr", true, &addr, &present, &err) < 0 ||
	    sn_json_int(reply, "prefix_len", false, false, 8, 30, &len, &err) < 0) {
		sn_error("subnet for node %s: bad answer from the root: %s", r->node, err.msg);
		if (!r->v6_only)
			publish_to_node(c, r->node, "subnetwork/result",
					subnet_error("bad answer from the root"));
		free(r);
		return;
	}
	root_subnet6(r->node, reply, &addr6, &len6);
	if (r->v6_only) {
		learn_subnet6(c, r, &addr6, len6);
		free(r);
		return;
	}
	snprintf(n.id, sizeof(n.id), "%s", r->node);
	n.subnet = addr;
	n.subnet_len = (unsigned int)len;
	n.subnet6 = addr6;
	n.subnet6_len = len6;
	if (r->host.present) {
		snprintf(n.host_ip, sizeof(n.host_ip), "%s", r->host.host_ip);
		n.host_port = r->host.host_port;
		snprintf(n.tunnel, sizeof(n.tunnel), "%s", r->host.tunnel);
	}
	apply_link(&n, &r->host);
	if (sn_db_begin(&c->db) < 0 || sn_cluster_store_node_put(&c->db, &n, &changed) < 0 ||
	    (changed && (version = sn_registry_changed(c)) < 0) || sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("subnet for node %s: cannot store it", r->node);
		publish_to_node(c, r->node, "subnetwork/result",
				subnet_error("the cluster cannot store the subnet"));
		free(r);
		return;
	}
	if (sn_json_ipv6_set(&addr6))
		sn_info("node %s has subnets %s/%u and %s/%u", r->node,
			json_string_value(json_object_get(reply, "subnet_addr")), n.subnet_len,
			sn_json_ipv6_format(&addr6, text6), len6);
	else
		sn_info("node %s has subnet %s/%u (no v6 subnet from the root)", r->node,
			json_string_value(json_object_get(reply, "subnet_addr")), n.subnet_len);
	publish_to_node(c, r->node, "subnetwork/result", subnet_result(&n));
	if (version > 0)
		sn_registry_publish(c, version);
	free(r);
}

static void handle_subnet(struct sn_cluster *c, const char *node, json_t *msg)
{
	struct sn_cluster_node n;
	struct host_info host;
	struct sn_err err;
	int64_t version;
	int found;
	char path[128];
	bool v6_only = false;

	if (parse_host_info(msg, false, &host, &err) < 0 || parse_link(msg, &host, &err) < 0) {
		publish_to_node(c, node, "subnetwork/result", subnet_error(err.msg));
		return;
	}
	found = sn_cluster_store_node_get(&c->db, node, &n);
	if (found == 1 && n.subnet) {	/* asked again: the same answer */
		if (update_node_host(c, &n, &host, &version) == 0 && version > 0)
			sn_registry_publish(c, version);
		publish_to_node(c, node, "subnetwork/result", subnet_result(&n));
		/* Stored before the root gave v6 subnets: the root's answer
		 * for this node id (idempotent) may have one now. The node
		 * gets it with its next request; this one is not delayed. */
		if (sn_json_ipv6_set(&n.subnet6))
			return;
		v6_only = true;
	}
	struct subnet_request *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->cluster = c;
	snprintf(r->node, sizeof(r->node), "%s", node);
	r->host = host;
	r->v6_only = v6_only;
	/* node_id makes the root's answer idempotent if this reply gets lost. */
	snprintf(path, sizeof(path), "/api/net/subnet?node_id=%s", node);
	if (sn_uplink_request(c->uplink, "GET", path, NULL, on_root_subnet, r) < 0)
		on_root_subnet(r, 0, NULL, "cannot reach the root");
}

/* --- deployed / undeployed / address-changed ----------------------------- */

/* Queues @body (a net_deploy_status report, taken; NULL: out of memory)
 * for the root, with the job's id when the deployment told it. */
static int queue_status(struct sn_cluster *c, const char *job_name, json_t *body)
{
	char job_id[65] = "";
	int rc = -1;

	if (body && sn_cluster_store_deployment_get(&c->db, job_name, job_id) >= 0) {
		if (job_id[0])
			json_object_set_new(body, "job_id", json_string(job_id));
		rc = sn_uplink_enqueue(c->uplink, "POST", "/api/net/service/net_deploy_status",
				       body);
	}
	json_decref(body);
	return rc;
}

/* namespace_ip_v6 is always a string, "" for none: Oakestra's root asserts
 * that it is there and not null. 0, or -1 (out of memory). */
static int queue_deploy_status_body(const char *job_name, const struct sn_oak_instance *inst,
				    json_t **body)
{
	char ns_ip_v6[SN_JSON_IPV6_STRLEN] = "";

	if (sn_json_ipv6_set(&inst->ns_ip6))
		sn_json_ipv6_format(&inst->ns_ip6, ns_ip_v6);
	*body = json_pack("{s:s, s:[{s:i, s:o, s:s, s:s, s:i, s:s}]}", "job_name", job_name,
			  "instances", "instance_number", inst->number, "namespace_ip",
			  sn_json_ipv4_string(inst->ns_ip), "namespace_ip_v6", ns_ip_v6, "host_ip",
			  inst->host_ip, "host_port", inst->host_port, "tunnel", inst->tunnel);
	return *body ? 0 : -1;
}

static int queue_deploy_status(struct sn_cluster *c, const char *job_name,
			       const struct sn_oak_instance *inst)
{
	json_t *body = NULL;

	queue_deploy_status_body(job_name, inst, &body);
	return queue_status(c, job_name, body);
}

/* A deployed report's nsipv6: null, "" or "<nil>" (an Oakestra unikernel)
 * is none; one that is not an address of the node's v6 subnet is left out
 * with a warning, as the instance still serves over v4. */
static void read_nsipv6(const char *node, const struct sn_cluster_node *n, json_t *msg,
			struct in6_addr *ns6)
{
	struct sn_prefix6 subnet6 = { .addr = n->subnet6, .len = n->subnet6_len };
	struct sn_err err;
	bool present;

	if (sn_json_ipv6(msg, "nsipv6", false, ns6, &present, &err) < 0) {
		sn_warn("node %s: deployed report: nsipv6 left out: %s", node, err.msg);
		return;
	}
	if (present && (!sn_json_ipv6_set(&n->subnet6) ||
			!sn_prefix6_contains(&subnet6, ns6))) {
		sn_warn("node %s: deployed report: nsipv6 left out: outside the node's v6 subnet",
			node);
		memset(ns6, 0, sizeof(*ns6));
	}
}

/*
 * status UNDEPLOYED is semnet's: its root forgets where the instance ran.
 * The entry also carries the last location, since Oakestra's root requires
 * all five fields of every entry (500 otherwise, which would hold up the
 * outbox): there it only records the location again, as it keeps listing
 * the instance until its orchestrator removes it.
 */
static int queue_undeploy_status(struct sn_cluster *c, const char *job_name,
				 const struct sn_oak_instance *inst)
{
	json_t *body = NULL;

	if (queue_deploy_status_body(job_name, inst, &body) == 0)
		json_object_set_new(json_array_get(json_object_get(body, "instances"), 0), "status",
				    json_string("UNDEPLOYED"));
	return queue_status(c, job_name, body);
}

static void handle_deployed(struct sn_cluster *c, const char *node, json_t *msg, bool changed_only)
{
	struct sn_cluster_node n;
	struct sn_oak_instance inst = { 0 };
	struct host_info host;
	struct sn_err err;
	const char *app, *status;
	long long number;
	bool present;
	int64_t version = 0;
	struct sn_prefix subnet;

	if (sn_json_str(msg, "appname", true, SN_OAK_JOB_NAME_MAX, &app, &err) < 0 ||
	    sn_json_int(msg, "instance_number", true, true, 0, SN_OAK_INSTANCE_MAX, &number,
			&err) < 0 ||
	    parse_host_info(msg, true, &host, &err) < 0)
		goto bad;
	if (!sn_oak_job_name_valid(app)) {
		sn_err_set(&err, "appname '%s' is not app.appns.svc.svcns", app);
		goto bad;
	}
	if (!changed_only) {
		if (sn_json_str(msg, "status", false, 32, &status, &err) < 0 ||
		    sn_json_ipv4(msg, "nsip", true, &inst.ns_ip, &present, &err) < 0)
			goto bad;
		if (status && strcmp(status, "DEPLOYED") != 0) {
			sn_err_set(&err, "status '%s' is not DEPLOYED", status);
			goto bad;
		}
	}
	if (sn_cluster_store_node_get(&c->db, node, &n) != 1 || !n.subnet) {
		sn_err_set(&err, "unknown node (no subnet requested)");
		goto bad;
	}
	subnet.addr = n.subnet;
	subnet.len = n.subnet_len;
	if (changed_only) {
		int found = sn_cluster_store_local_get(&c->db, app, (int)number, &inst);

		if (found != 1) {
			sn_err_set(&err, "no instance %lld of %s runs on this node", number, app);
			/* Still learn the node's new address. */
			if (update_node_host(c, &n, &host, &version) == 0 && version > 0)
				sn_registry_publish(c, version);
			goto bad;
		}
	} else if (!sn_prefix_contains(&subnet, inst.ns_ip)) {
		sn_err_set(&err, "nsip is outside the node's subnet");
		goto bad;
	} else {
		/* An address change keeps the stored nsIPs; Oakestra's
		 * NetManager sends nsipv6 "" in it. */
		read_nsipv6(node, &n, msg, &inst.ns_ip6);
	}
	inst.number = (int)number;
	snprintf(inst.host_ip, sizeof(inst.host_ip), "%s", host.host_ip);
	inst.host_port = host.host_port;
	snprintf(inst.tunnel, sizeof(inst.tunnel), "%s", host.tunnel);

	if (sn_db_begin(&c->db) < 0 || sn_cluster_store_local_put(&c->db, app, &inst, node) < 0 ||
	    update_node_host(c, &n, &host, &version) < 0 ||
	    queue_deploy_status(c, app, &inst) < 0 || sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("node %s: cannot record instance %lld of %s", node, number, app);
		return;
	}
	sn_info("node %s: instance %lld of %s %s", node, number, app,
		changed_only ? "moved" : "deployed");
	sn_uplink_flush(c->uplink);
	/* Oakestra's cluster tells the nodes of a move at once
	 * (deployment_address_update); a deployment reaches them through
	 * the root's job update. */
	if (changed_only)
		sn_nodes_job_updated(c, app, (int)number, "DEPLOYMENT");
	if (version > 0)
		sn_registry_publish(c, version);
	return;
bad:
	sn_warn("node %s: %s report ignored: %s", node, changed_only ? "address-changed" : "deployed",
		err.msg);
}

static void handle_undeployed(struct sn_cluster *c, const char *node, json_t *msg)
{
	struct sn_oak_instance inst;
	struct sn_err err;
	const char *app;
	long long number;
	int removed;

	if (sn_json_str(msg, "appname", true, SN_OAK_JOB_NAME_MAX, &app, &err) < 0 ||
	    sn_json_int(msg, "instance_number", true, true, 0, SN_OAK_INSTANCE_MAX, &number,
			&err) < 0) {
		sn_warn("node %s: undeployed report ignored: %s", node, err.msg);
		return;
	}
	/* The root forgets where it runs (net_deploy_status with status
	 * UNDEPLOYED); the orchestrator frees its InstanceIP (DELETE
	 * /api/net/<id>/<n>). */
	c->job_updates++;
	if (sn_db_begin(&c->db) < 0 ||
	    (removed = sn_cluster_store_local_get(&c->db, app, (int)number, &inst)) < 0 ||
	    (removed && sn_cluster_store_local_del(&c->db, app, (int)number) < 0) ||
	    sn_cluster_store_table_invalidate(&c->db, app) < 0 ||
	    (removed && queue_undeploy_status(c, app, &inst) < 0) ||
	    sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("node %s: cannot record undeployment of %s/%lld", node, app, number);
		return;
	}
	if (removed) {
		sn_uplink_flush(c->uplink);
		sn_info("node %s: instance %lld of %s undeployed", node, number, app);
		sn_nodes_job_updated(c, app, (int)number, "UNDEPLOYMENT");
	}
}

/* --- table queries ----------------------------------------------------- */

struct query {
	struct sn_cluster *cluster;
	uint64_t job_updates;	/* c->job_updates when the root was asked */
	char node[SN_NODE_ID_MAX + 1];
	char key[SN_OAK_JOB_NAME_MAX + 1];	/* sname or sip, as asked */
};

static void answer_query(struct sn_cluster *c, const struct query *q, const struct sn_oak_table *t)
{
	if (sn_cluster_store_interest_touch(&c->db, q->node, t->app_name, sn_cluster_now()) < 0)
		sn_error("node %s: cannot record interest in %s", q->node, t->app_name);
	publish_to_node(c, q->node, "tablequery/result", sn_oak_table_json(t, q->key));
}

static void answer_query_error(struct sn_cluster *c, const struct query *q, const char *msg)
{
	publish_to_node(c, q->node, "tablequery/result",
			json_pack("{s:s, s:[], s:s, s:s}", "app_name", "", "instance_list",
				  "query_key", q->key, "error", msg));
}

static void on_root_table(void *arg, int status, json_t *reply, const char *error)
{
	struct query *q = arg;
	struct sn_cluster *c = q->cluster;
	struct sn_oak_table t;
	struct sn_err err;

	if (status != 200) {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		answer_query_error(c, q, msg ? msg : error ? error : "the root failed");
		free(q);
		return;
	}
	if (sn_oak_table_parse(reply, &t, &err) < 0) {
		sn_error("table query %s: bad answer from the root: %s", q->key, err.msg);
		answer_query_error(c, q, "bad answer from the root");
		free(q);
		return;
	}
	sn_uplink_learn_job_id(c->uplink, t.app_name, reply);
	if (t.dropped)	/* e.g. an Oakestra root's instances not deployed yet */
		sn_debug("table query %s: %zu entries of the root's answer left out (%s)", q->key,
			 t.dropped, err.msg);
	if (sn_db_begin(&c->db) < 0 ||
	    sn_cluster_store_table_put(&c->db, &t, c->job_updates == q->job_updates) < 0 ||
	    sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("table query %s: cannot cache the answer", q->key);
	}
	/* Local instances the root does not know yet are added from the store. */
	struct sn_oak_table merged;

	if (sn_cluster_store_table_get(&c->db, t.app_name, &merged) == 1) {
		answer_query(c, q, &merged);
		sn_oak_table_free(&merged);
	} else {
		answer_query(c, q, &t);
	}
	sn_oak_table_free(&t);
	free(q);
}

static void handle_tablequery(struct sn_cluster *c, const char *node, json_t *msg)
{
	struct query *q = calloc(1, sizeof(*q));
	struct sn_oak_table t;
	struct sn_err err;
	const char *sname, *sip;
	char job[SN_OAK_JOB_NAME_MAX + 1] = "", path[256];
	uint32_t ip = 0;
	struct in6_addr ip6 = { 0 };
	bool by_ip6 = false;
	int found = 0;

	if (!q)
		return;
	q->cluster = c;
	snprintf(q->node, sizeof(q->node), "%s", node);
	if (sn_json_str(msg, "sname", false, SN_OAK_JOB_NAME_MAX, &sname, &err) < 0 ||
	    sn_json_str(msg, "sip", false, SN_JSON_IPV6_STRLEN - 1, &sip, &err) < 0)
		goto bad;
	/* sip wins when both are set, as in Oakestra's cluster. */
	if (sip && *sip) {
		/* Echoed as asked: Oakestra's NetManager matches its own text. */
		snprintf(q->key, sizeof(q->key), "%s", sip);
		if (sn_ipv4_parse(sip, &ip)) {
			found = sn_cluster_store_job_by_ip(&c->db, ip, job);
		} else if (sn_json_ipv6_text(sip, &ip6) == 1) {
			by_ip6 = true;
			found = sn_cluster_store_job_by_ip6(&c->db, &ip6, job);
		} else {
			sn_err_set(&err, "sip '%s' is not an IP address", sip);
			goto bad;
		}
		if (found < 0)
			job[0] = '\0';
	} else if (sname && *sname) {
		snprintf(q->key, sizeof(q->key), "%s", sname);
		if (!sn_oak_job_name_valid(sname)) {
			sn_err_set(&err, "sname '%s' is not app.appns.svc.svcns", sname);
			goto bad;
		}
		snprintf(job, sizeof(job), "%s", sname);
	} else {
		sn_err_set(&err, "a table query needs 'sname' or 'sip'");
		goto bad;
	}
	if (job[0] && sn_cluster_store_table_get(&c->db, job, &t) == 1) {
		answer_query(c, q, &t);	/* from the store: fresh, the root pushes changes */
		sn_oak_table_free(&t);
		free(q);
		return;
	}
	if (job[0]) {
		snprintf(path, sizeof(path), "/api/net/service/%s/instances", job);
		for (char *p = path + strlen("/api/net/service/"); *p != '/'; p++)
			if (*p == '.')
				*p = '_';
	} else if (!by_ip6) {
		char text[SN_IPV4_STRLEN];

		sn_ipv4_format(ip, text);
		for (char *p = text; *p; p++)
			if (*p == '.')
				*p = '_';
		snprintf(path, sizeof(path), "/api/net/service/ip/%s/instances", text);
	} else {
		/* Canonical text with its colons, as Oakestra's cluster sends it
		 * and its root matches it (as text). */
		char text[SN_JSON_IPV6_STRLEN];

		snprintf(path, sizeof(path), "/api/net/service/ip/%s/instances",
			 sn_json_ipv6_format(&ip6, text));
	}
	q->job_updates = c->job_updates;
	if (sn_uplink_request(c->uplink, "GET", path, NULL, on_root_table, q) < 0)
		on_root_table(q, 0, NULL, "cannot reach the root");
	return;
bad:
	sn_warn("node %s: table query refused: %s", node, err.msg);
	answer_query_error(c, q, err.msg);
	free(q);
}

static void handle_interest_remove(struct sn_cluster *c, const char *node, json_t *msg)
{
	struct sn_err err;
	const char *app;
	int removed, left;

	if (sn_json_str(msg, "appname", true, SN_OAK_JOB_NAME_MAX, &app, &err) < 0) {
		sn_warn("node %s: interest removal ignored: %s", node, err.msg);
		return;
	}
	if (sn_db_begin(&c->db) < 0 ||
	    (removed = sn_cluster_store_interest_del(&c->db, node, app)) < 0 ||
	    (left = sn_cluster_store_interest_count(&c->db, app)) < 0 ||
	    (removed && left == 0 && sn_nodes_drop_job_interest(c, app) < 0) ||
	    sn_db_commit(&c->db) < 0) {
		sn_db_rollback(&c->db);
		sn_error("node %s: cannot remove interest in %s", node, app);
		return;
	}
	sn_uplink_flush(c->uplink);
}

/* --- dispatch ---------------------------------------------------------- */

void sn_nodes_on_message(void *arg, const char *topic, const char *payload, int len)
{
	struct sn_cluster *c = arg;
	char node[SN_NODE_ID_MAX + 2];
	const char *rest, *suffix;
	struct sn_err err;
	json_t *msg;

	/* nodes/<id>/net/<suffix> */
	if (strncmp(topic, "nodes/", 6) != 0 || !(rest = strchr(topic + 6, '/')) ||
	    (size_t)(rest - topic - 6) > SN_NODE_ID_MAX || strncmp(rest, "/net/", 5) != 0)
		return;
	memcpy(node, topic + 6, (size_t)(rest - topic - 6));
	node[rest - topic - 6] = '\0';
	suffix = rest + 5;
	/* Our own answers come back through the wildcard subscription. */
	if (!strcmp(suffix, "subnetwork/result") || !strcmp(suffix, "tablequery/result"))
		return;
	if (!node_id_valid(node)) {
		sn_warn("message on %s ignored: bad node id", topic);
		return;
	}
	if (!(msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err))) {
		sn_warn("node %s: message on %s ignored: %s", node, suffix, err.msg);
		if (!strcmp(suffix, "tablequery/request"))
			publish_to_node(c, node, "tablequery/result",
					json_pack("{s:s, s:[], s:s}", "app_name", "",
						  "instance_list", "error", err.msg));
		return;
	}
	if (!strcmp(suffix, "subnet"))
		handle_subnet(c, node, msg);
	else if (!strcmp(suffix, "service/deployed"))
		handle_deployed(c, node, msg, false);
	else if (!strcmp(suffix, "service/address-changed"))
		handle_deployed(c, node, msg, true);
	else if (!strcmp(suffix, "service/undeployed"))
		handle_undeployed(c, node, msg);
	else if (!strcmp(suffix, "tablequery/request"))
		handle_tablequery(c, node, msg);
	else if (!strcmp(suffix, "interest/remove"))
		handle_interest_remove(c, node, msg);
	else
		sn_debug("node %s: no handler for %s", node, suffix);
	json_decref(msg);
}
