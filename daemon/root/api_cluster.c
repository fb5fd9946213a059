// SPDX-License-Identifier: GPL-2.0
/* Cluster registration and worker subnets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sn_log.h"

int sn_root_api_register_cluster(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c = { 0 }, old;
	struct sn_err err;
	const char *id, *address;
	long long port;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err);
	int status = 200;

	if (!body)
		goto bad;
	if (sn_json_str(body, "cluster_id", true, SN_ID_MAX, &id, &err) < 0 ||
	    sn_json_str(body, "cluster_address", false, SN_HOST_MAX, &address, &err) < 0 ||
	    sn_json_int(body, "cluster_port", true, true, 1, 65535, &port, &err) < 0)
		goto bad;
	if (!sn_root_api_id_valid(id)) {
		sn_err_set(&err, "cluster_id must be 1-64 of [A-Za-z0-9._-]");
		goto bad;
	}
	/* Oakestra's cluster leaves the address to the source IP at times. */
	if (!address)
		address = req->peer;
	if (!*address || strspn(address, "0123456789abcdefABCDEF.:-"
				"ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != strlen(address)) {
		sn_err_set(&err, "cluster_address must be an IP address or host name");
		goto bad;
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.address, sizeof(c.address), "%s", address);
	c.port = (int)port;
	int known = sn_root_store_cluster_get(&root->db, c.id, &old);

	if (known < 0 || sn_root_store_cluster_put(&root->db, &c) < 0) {
		status = sn_root_api_store_error(reply);
		goto out;
	}
	if (known == 0)
		sn_info("cluster %s registered at %s:%d", c.id, c.address, c.port);
	else if (strcmp(old.address, c.address) || old.port != c.port)
		sn_info("cluster %s moved to %s:%d", c.id, c.address, c.port);
	*reply = json_pack("{s:s, s:s, s:i, s:b}", "cluster_id", c.id, "cluster_address",
			   c.address, "cluster_port", c.port, "new", known == 0);
	goto out;
bad:
	*reply = sn_json_error("%s", err.msg);
	status = 400;
out:
	json_decref(body);
	return status;
}

static json_t *subnet_reply(struct sn_root *root, uint32_t addr)
{
	return json_pack("{s:o, s:n, s:i}", "subnet_addr", sn_json_ipv4_string(addr),
			 "subnet_addr_v6", "prefix_len", (int)root->cfg.subnet_len);
}

int sn_root_api_subnet_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c;
	char *node_id = sn_http_query_get(req, "node_id");
	uint32_t addr;
	int status, found;

	if ((status = sn_root_api_caller(root, req, NULL, true, &c, reply)) != 0)
		goto out;
	if (node_id && !sn_root_api_id_valid(node_id)) {
		*reply = sn_json_error("node_id must be 1-64 of [A-Za-z0-9._-]");
		status = 400;
		goto out;
	}
	/* A node asking again (its cluster restarted, a reply got lost) gets
	 * the subnet it already has. */
	if (node_id) {
		found = sn_root_store_subnet_of_node(&root->db, c.id, node_id, &addr);
		if (found < 0) {
			status = sn_root_api_store_error(reply);
			goto out;
		}
		if (found == 1) {
			*reply = subnet_reply(root, addr);
			status = 200;
			goto out;
		}
	}
	if (sn_ipalloc_alloc(&root->pools.subnets, &addr) < 0) {
		char workers[SN_CIDR_STRLEN], services[SN_CIDR_STRLEN];

		sn_prefix_format(&root->cfg.worker_range, workers);
		sn_prefix_format(&root->cfg.service_range, services);
		*reply = sn_json_error("worker subnets exhausted: all %u /%u subnets of %s (minus %s)"
				       " are allocated", sn_ipalloc_capacity(&root->pools.subnets),
				       root->cfg.subnet_len, workers, services);
		sn_warn("worker subnet request from cluster %s refused: pool exhausted", c.id);
		status = 409;
		goto out;
	}
	if (sn_db_begin(&root->db) < 0 ||
	    sn_root_store_subnet_add(&root->db, addr, c.id, node_id) != SQLITE_DONE ||
	    sn_root_store_set_last_addr(&root->db, SN_ADDR_SUBNET, addr) < 0 ||
	    sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		sn_ipalloc_release(&root->pools.subnets, addr);
		status = sn_root_api_store_error(reply);
		goto out;
	}
	*reply = subnet_reply(root, addr);
	status = 200;
out:
	free(node_id);
	return status;
}

int sn_root_api_subnet_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c;
	char text[SN_IPV4_STRLEN];
	uint32_t addr;
	int status, deleted;

	if ((status = sn_root_api_caller(root, req, NULL, true, &c, reply)) != 0)
		return status;
	snprintf(text, sizeof(text), "%s", req->params[0]);
	sn_underscores_to_dots(text);
	if (strlen(req->params[0]) >= sizeof(text) || !sn_ipv4_parse(text, &addr) ||
	    !sn_prefix_contains(&root->cfg.worker_range, addr)) {
		*reply = sn_json_error("'%s' is not an address in the worker range", req->params[0]);
		return 400;
	}
	deleted = sn_root_store_subnet_del(&root->db, addr, c.id);
	if (deleted < 0)
		return sn_root_api_store_error(reply);
	if (deleted == 0) {
		*reply = sn_json_error("cluster %s holds no subnet %s", c.id, text);
		return 404;
	}
	sn_ipalloc_release(&root->pools.subnets, addr);
	*reply = json_pack("{s:s}", "released", text);
	return 200;
}
