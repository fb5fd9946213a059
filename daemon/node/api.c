// SPDX-License-Identifier: GPL-2.0
/*
 * The node-engine API on the unix socket: POST /register,
 * /container/deploy, /container/undeploy (and Oakestra's /docker/...
 * aliases), GET /status and GET /metrics. Bad input gets a 4xx and changes
 * nothing; success is 200, as Oakestra's node engine expects
 * (daemon/OAKESTRA.md, section 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "semnetd.h"
#include "sn_log.h"
#include "tables.h"

static int error(json_t **reply, int status, const char *msg)
{
	*reply = sn_json_error("%s", msg);
	return status;
}

static int store_error(json_t **reply)
{
	return error(reply, 500, "internal store error; nothing was changed");
}

static const char *state_name(enum semnetd_state s)
{
	switch (s) {
	case SEMNETD_UNREGISTERED:
		return "unregistered";
	case SEMNETD_WAITING_SUBNET:
		return "waiting-for-subnet";
	case SEMNETD_READY:
		return "ready";
	case SEMNETD_FAILED:
		return "failed";
	}
	return "?";
}

/* 0 when deployments can be served, else the status (reply set). */
static int need_ready(struct semnetd *d, json_t **reply)
{
	switch (d->state) {
	case SEMNETD_READY:
		return 0;
	case SEMNETD_UNREGISTERED:
		return error(reply, 409, "the node is not registered (POST /register first)");
	case SEMNETD_WAITING_SUBNET:
		*reply = sn_json_error("the node is registered but waiting for its subnet from the cluster%s%s",
				       d->state_error[0] ? ": " : "", d->state_error);
		return 503;
	case SEMNETD_FAILED:
		*reply = sn_json_error("the node's network setup failed: %s", d->state_error);
		return 503;
	}
	return 500;
}

static int do_register(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	struct semnetd_register_req r;
	struct sn_err err;
	uint32_t underlay = d->cfg.underlay_addr;

	if (semnetd_parse_register(req->body, req->body_len, &r, &err) < 0)
		return error(reply, 400, err.msg);
	if (d->id.node_id[0]) {
		if (strcmp(d->id.node_id, r.client_id) != 0) {
			*reply = sn_json_error("this node is registered as '%s' already", d->id.node_id);
			return 409;
		}
		/* The same registration again: idempotent. */
		*reply = json_pack("{s:s, s:s}", "client_id", d->id.node_id, "state",
				   state_name(d->state));
		return 200;
	}
	if (!underlay && semnetd_host_underlay(&d->host, d->cfg.underlay_dev, &underlay, &err) < 0) {
		*reply = sn_json_error("cannot find this node's underlay address: %s", err.msg);
		return 500;
	}
	snprintf(d->id.node_id, sizeof(d->id.node_id), "%s", r.client_id);
	snprintf(d->id.cluster_address, sizeof(d->id.cluster_address), "%s", r.cluster_address);
	if (sn_db_begin(&d->db) < 0 || semnetd_store_identity_put(&d->db, &d->id) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		memset(&d->id, 0, sizeof(d->id));
		return store_error(reply);
	}
	d->underlay = underlay;
	d->state = SEMNETD_WAITING_SUBNET;
	if (semnetd_cluster_start(d) < 0)
		sn_error("cannot start the MQTT client");
	sn_info("registered as %s with cluster %s", d->id.node_id, d->id.cluster_address);
	*reply = json_pack("{s:s, s:s}", "client_id", d->id.node_id, "state", state_name(d->state));
	return 200;
}

/* The host-side veth name: unique per nsIP, so a restart finds it. */
static void veth_name(uint32_t nsip, char out[IF_NAMESIZE])
{
	snprintf(out, IF_NAMESIZE, "sn%08x", nsip);
}

static int deploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	struct semnetd_deploy_req r;
	struct semnetd_lease l = { 0 };
	struct sn_err err;
	char nsip_text[SN_IPV4_STRLEN];
	int status, rc, ifindex;

	if (semnetd_parse_deploy(req->body, req->body_len, &r, &err) < 0)
		return error(reply, 400, err.msg);
	if ((status = need_ready(d, reply)))
		return status;
	rc = semnetd_store_lease_get(&d->db, r.job_name, r.instance_number, &l);
	if (rc < 0)
		return store_error(reply);
	if (rc == 1) {
		char ip[SN_IPV4_STRLEN];

		sn_ipv4_format(l.nsip, ip);
		*reply = sn_json_error("instance %d of %s is deployed already (nsAddress %s)",
				       r.instance_number, r.job_name, ip);
		return 409;
	}
	if ((rc = semnetd_host_check_pid(r.pid, &err)) < 0)
		return error(reply, rc == -ESRCH ? 404 : 400, err.msg);

	memset(&l, 0, sizeof(l));
	if (semnetd_leases_take(&d->leases, &l.nsip) < 0) {
		*reply = sn_json_error("no free address: the node's subnet holds %u containers and all are deployed",
				       semnetd_leases_capacity(&d->leases));
		return 409;
	}
	snprintf(l.job_name, sizeof(l.job_name), "%s", r.job_name);
	l.number = r.instance_number;
	l.pid = r.pid;
	veth_name(l.nsip, l.veth);
	semnetd_format_ports(r.ports, r.nports, l.ports, sizeof(l.ports));
	/* The lease is durable before any interface exists: after a crash an
	 * address in use is never handed out again. */
	if (sn_db_begin(&d->db) < 0 || semnetd_store_lease_put(&d->db, &l) < 0 ||
	    semnetd_store_cursor_put(&d->db, l.nsip) < 0 || sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		semnetd_leases_release(&d->leases, l.nsip);
		return store_error(reply);
	}
	if (semnetd_fw_ports_add(&d->fw, l.nsip, r.ports, r.nports, &err) < 0) {
		status = 409;
		goto undo;
	}
	struct semnetd_veth v = {
		.host_name = l.veth,
		.container_name = d->cfg.container_ifname,
		.pid = r.pid,
		.nsip = l.nsip,
		.prefix_len = d->id.subnet.len,
		.gateway = semnetd_leases_gateway(&d->leases),
		.mtu = d->tunnel_mtu,
		.bridge_ifindex = d->bridge_ifindex,
	};
	if ((rc = semnetd_host_veth_add(&d->host, &v, &ifindex, &err)) < 0) {
		semnetd_fw_ports_del(&d->fw, r.ports, r.nports);
		status = rc == -EEXIST ? 409 : rc == -ESRCH ? 404 : 500;
		goto undo;
	}
	sn_ipv4_format(l.nsip, nsip_text);
	sn_info("deployed instance %d of %s: nsIP %s on %s (pid %d)", l.number, l.job_name,
		nsip_text, l.veth, l.pid);
	semnetd_report_deployed(d, &l);
	/* Our own table names the InstanceIP, which the kernel needs to
	 * translate this container's traffic. */
	semnetd_tables_query_name(d, l.job_name);
	*reply = json_pack("{s:s, s:o, s:s}", "serviceName", l.job_name, "nsAddress",
			   sn_json_ipv4_string(l.nsip), "nsAddressv6", "");
	return 200;
undo:
	if (sn_db_begin(&d->db) < 0 || semnetd_store_lease_del(&d->db, l.job_name, l.number) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		/* The lease stays in the store: held, not leaked twice. */
		sn_db_rollback(&d->db);
		sn_error("cannot drop the lease of a failed deployment");
	} else {
		semnetd_leases_release(&d->leases, l.nsip);
	}
	*reply = sn_json_error("%s", err.msg);
	return status;
}

/* Removes a local instance everywhere; the lease row last. 0 or -1. */
static int remove_instance(struct semnetd *d, const struct semnetd_lease *l)
{
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err err;
	size_t nmaps = 0;

	semnetd_tables_local_gone(d, l);
	if (semnetd_parse_ports(l->ports, maps, &nmaps, &err) == 0)
		semnetd_fw_ports_del(&d->fw, maps, nmaps);
	if (semnetd_host_veth_del(&d->host, l->veth) < 0)
		sn_warn("cannot delete %s", l->veth);
	if (sn_db_begin(&d->db) < 0 || semnetd_store_lease_del(&d->db, l->job_name, l->number) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		return -1;
	}
	semnetd_leases_release(&d->leases, l->nsip);
	json_t *msg = json_pack("{s:s, s:i}", "appname", l->job_name, "instance_number", l->number);

	if (msg) {
		semnetd_publish(d, "service/undeployed", msg);
		json_decref(msg);
	}
	return 0;
}

int semnetd_api_remove_instance(struct semnetd *d, const struct semnetd_lease *l)
{
	return remove_instance(d, l);
}

static int undeploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	struct semnetd_undeploy_req r;
	struct semnetd_lease l;
	struct sn_err err;
	int rc;

	if (semnetd_parse_undeploy(req->body, req->body_len, &r, &err) < 0)
		return error(reply, 400, err.msg);
	rc = semnetd_store_lease_get(&d->db, r.job_name, r.instance_number, &l);
	if (rc < 0)
		return store_error(reply);
	if (rc == 0) {
		*reply = sn_json_error("no instance %d of %s is deployed on this node",
				       r.instance_number, r.job_name);
		return 404;
	}
	if (remove_instance(d, &l) < 0)
		return store_error(reply);
	sn_info("undeployed instance %d of %s", l.number, l.job_name);
	*reply = json_pack("{s:s, s:i}", "serviceName", l.job_name, "instanceNumber", l.number);
	return 200;
}

static void add_lease(void *arg, const struct semnetd_lease *l)
{
	json_array_append_new(arg, json_pack("{s:s, s:i, s:o, s:o, s:s, s:i, s:s}", "serviceName",
		l->job_name, "instanceNumber", l->number, "nsAddress", sn_json_ipv4_string(l->nsip),
		"instanceIp", l->instance_ip ? sn_json_ipv4_string(l->instance_ip) : json_null(),
		"veth", l->veth, "pid", l->pid, "portMappings", l->ports));
}

static int status_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	json_t *instances = json_array(), *tables, *probes;
	char subnet[SN_CIDR_STRLEN] = "", underlay[SN_IPV4_STRLEN] = "";

	(void)req;
	if (!instances || semnetd_store_lease_each(&d->db, add_lease, instances) < 0) {
		json_decref(instances);
		return store_error(reply);
	}
	tables = semnetd_tables_json(d);
	if (d->id.subnet.len)
		sn_prefix_format(&d->id.subnet, subnet);
	if (d->underlay)
		sn_ipv4_format(d->underlay, underlay);
	probes = semnetd_probe_json(d->probe);
	*reply = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:i, s:b, s:i, s:i, s:o, s:o, s:o}",
		"state", state_name(d->state), "error", d->state_error[0] ? d->state_error : NULL,
		"node_id", d->id.node_id[0] ? d->id.node_id : NULL, "cluster_address",
		d->id.cluster_address[0] ? d->id.cluster_address : NULL, "subnet",
		subnet[0] ? subnet : NULL, "underlay", underlay[0] ? underlay : NULL, "bridge",
		d->cfg.bridge, "tunnel_mtu", d->tunnel_mtu, "mqtt_connected",
		d->mqtt && sn_mqtt_is_connected(d->mqtt), "leases_free",
		(int)semnetd_leases_free(&d->leases), "leases_capacity",
		(int)semnetd_leases_capacity(&d->leases), "instances", instances, "tables",
		tables ? tables : json_null(), "probes", probes ? probes : json_null());
	return *reply ? 200 : 500;
}

static int metrics_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	char *text = semnetd_metrics_text(ctx);

	if (!text)
		return error(reply, 503, "cannot read the kernel's counters");
	*reply = json_string(text);
	free(text);
	*req->reply_type = "text/plain; version=0.0.4";
	return *reply ? 200 : 500;
}

const struct sn_http_route semnetd_routes[] = {
	{ "POST", "/register", do_register },
	{ "POST", "/container/deploy", deploy },
	{ "POST", "/docker/deploy", deploy },
	{ "POST", "/container/undeploy", undeploy },
	{ "POST", "/docker/undeploy", undeploy },
	{ "GET", "/status", status_get },
	{ "GET", "/metrics", metrics_get },
};
const size_t semnetd_nroutes = sizeof(semnetd_routes) / sizeof(semnetd_routes[0]);
