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

/* Oakestra's answer: both subnets as strings without a length (its cluster
 * takes the answer only when both are non-empty); the lengths are semnet's
 * extras (an Oakestra node assumes /26 and /120). */
static json_t *subnet_reply(struct sn_root *root, uint32_t addr, const struct in6_addr *addr6)
{
	char text6[SN_IPV6_STRLEN];

	sn_ipv6_format(addr6, text6);
	return json_pack("{s:o, s:s, s:i, s:i}", "subnet_addr", sn_json_ipv4_string(addr),
			 "subnet_addr_v6", text6, "prefix_len", (int)root->cfg.subnet_len,
			 "prefix_len_v6", (int)root->cfg.subnet_len6);
}

static int subnets_exhausted(struct sn_root *root, const struct sn_root_cluster *c, bool v6,
			     json_t **reply)
{
	char workers[SN_CIDR6_STRLEN], services[SN_CIDR_STRLEN];

	if (v6) {
		sn_prefix6_format(&root->cfg.worker_window6, workers);
		*reply = sn_json_error("IPv6 worker subnets exhausted: all %u /%u subnets of %s are "
				       "allocated", sn_ipalloc_capacity(&root->pools.subnets6),
				       root->cfg.subnet_len6, workers);
	} else {
		sn_prefix_format(&root->cfg.worker_range, workers);
		sn_prefix_format(&root->cfg.service_range, services);
		*reply = sn_json_error("worker subnets exhausted: all %u /%u subnets of %s (minus %s)"
				       " are allocated", sn_ipalloc_capacity(&root->pools.subnets),
				       root->cfg.subnet_len, workers, services);
	}
	sn_warn("worker subnet request from cluster %s refused: %s pool exhausted", c->id,
		v6 ? "IPv6" : "IPv4");
	return 409;
}

/* A node whose subnet predates IPv6 gets its v6 subnet when it asks again. */
static int add_v6_subnet(struct sn_root *root, const struct sn_root_cluster *c, uint32_t addr,
			 struct in6_addr *addr6, json_t **reply)
{
	if (sn_ipalloc_alloc6(&root->pools.subnets6, addr6) < 0)
		return subnets_exhausted(root, c, true, reply);
	if (sn_db_begin(&root->db) < 0 ||
	    sn_root_store_subnet_set_v6(&root->db, addr, addr6) != 1 ||
	    sn_root_store_set_last_addr6(&root->db, SN_POOL6_SUBNET, addr6) < 0 ||
	    sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		sn_ipalloc_release6(&root->pools.subnets6, addr6);
		return sn_root_api_store_error(reply);
	}
	return 0;
}

int sn_root_api_subnet_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c;
	char *node_id = sn_http_query_get(req, "node_id");
	uint32_t addr;
	struct in6_addr addr6;
	int status, found;

	if ((status = sn_root_api_caller(root, req, NULL, true, &c, reply)) != 0)
		goto out;
	if (node_id && !sn_root_api_id_valid(node_id)) {
		*reply = sn_json_error("node_id must be 1-64 of [A-Za-z0-9._-]");
		status = 400;
		goto out;
	}
	/* A node asking again (its cluster restarted, a reply got lost) gets
	 * the subnets it already has. */
	if (node_id) {
		found = sn_root_store_subnet_of_node(&root->db, c.id, node_id, &addr, &addr6);
		if (found < 0) {
			status = sn_root_api_store_error(reply);
			goto out;
		}
		if (found == 1) {
			if (sn_ipv6_is_zero(&addr6) &&
			    (status = add_v6_subnet(root, &c, addr, &addr6, reply)) != 0)
				goto out;
			*reply = subnet_reply(root, addr, &addr6);
			status = 200;
			goto out;
		}
	}
	/* Both families or neither: Oakestra's cluster needs both. */
	if (sn_ipalloc_alloc(&root->pools.subnets, &addr) < 0) {
		status = subnets_exhausted(root, &c, false, reply);
		goto out;
	}
	if (sn_ipalloc_alloc6(&root->pools.subnets6, &addr6) < 0) {
		sn_ipalloc_release(&root->pools.subnets, addr);
		status = subnets_exhausted(root, &c, true, reply);
		goto out;
	}
	if (sn_db_begin(&root->db) < 0 ||
	    sn_root_store_subnet_add(&root->db, addr, &addr6, c.id, node_id) != SQLITE_DONE ||
	    sn_root_store_set_last_addr(&root->db, SN_ADDR_SUBNET, addr) < 0 ||
	    sn_root_store_set_last_addr6(&root->db, SN_POOL6_SUBNET, &addr6) < 0 ||
	    sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		sn_ipalloc_release(&root->pools.subnets, addr);
		sn_ipalloc_release6(&root->pools.subnets6, &addr6);
		status = sn_root_api_store_error(reply);
		goto out;
	}
	*reply = subnet_reply(root, addr, &addr6);
	status = 200;
out:
	free(node_id);
	return status;
}

/* DELETE /api/net/subnet/<addr>: either of a node's subnets (v4 with '.'
 * or '_', v6 with its colons) releases both. */
int sn_root_api_subnet_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c;
	char text[SN_IPV6_STRLEN];
	uint32_t addr;
	struct in6_addr addr6 = { 0 };
	int status, deleted;

	if ((status = sn_root_api_caller(root, req, NULL, true, &c, reply)) != 0)
		return status;
	snprintf(text, sizeof(text), "%s", req->params[0]);
	sn_underscores_to_dots(text);
	if (strlen(req->params[0]) < sizeof(text) && sn_ipv6_parse(text, &addr6)) {
		if (!sn_prefix6_contains(&root->cfg.worker_window6, &addr6)) {
			*reply = sn_json_error("'%s' is not an address in the IPv6 worker window",
					       req->params[0]);
			return 400;
		}
		deleted = sn_root_store_subnet_by_v6(&root->db, &addr6, c.id, &addr);
	} else if (strlen(req->params[0]) >= sizeof(text) || !sn_ipv4_parse(text, &addr) ||
		   !sn_prefix_contains(&root->cfg.worker_range, addr)) {
		*reply = sn_json_error("'%.64s' is not an address in the worker range",
				       req->params[0]);
		return 400;
	} else {
		deleted = sn_root_store_subnet_v6_of(&root->db, addr, c.id, &addr6);
	}
	if (deleted == 1)
		deleted = sn_root_store_subnet_del(&root->db, addr, c.id);
	if (deleted < 0)
		return sn_root_api_store_error(reply);
	if (deleted == 0) {
		*reply = sn_json_error("cluster %s holds no subnet %s", c.id, text);
		return 404;
	}
	sn_ipalloc_release(&root->pools.subnets, addr);
	if (!sn_ipv6_is_zero(&addr6))
		sn_ipalloc_release6(&root->pools.subnets6, &addr6);
	*reply = json_pack("{s:s}", "released", text);
	return 200;
}
