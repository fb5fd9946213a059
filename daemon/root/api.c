// SPDX-License-Identifier: GPL-2.0
/* The root's route table and what its handlers share. */
#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

/* Order matters where patterns overlap: DELETE /api/net/<_id>/<n> would
 * also match /api/net/service/<id>, /api/net/interest/<job> and
 * /api/net/subnet/<addr>, so those come first (and "service", "interest",
 * "subnet" are refused as job ids). */
const struct sn_http_route sn_root_routes[] = {
	{ "POST", "/api/net/cluster", sn_root_api_register_cluster },
	{ "GET", "/api/net/subnet", sn_root_api_subnet_get },
	{ "DELETE", "/api/net/subnet/*", sn_root_api_subnet_delete },
	{ "POST", "/api/net/service/deploy", sn_root_api_service_deploy },
	{ "POST", "/api/net/service/net_deploy_status", sn_root_api_deploy_status },
	{ "GET", "/api/net/service/ip/*/instances", sn_root_api_query_ip },
	{ "GET", "/api/net/service/*/instances", sn_root_api_query_name },
	{ "DELETE", "/api/net/service/*", sn_root_api_service_delete },
	{ "POST", "/api/net/instance/deploy", sn_root_api_instance_deploy },
	{ "DELETE", "/api/net/interest/*", sn_root_api_interest_delete },
	{ "GET", "/api/net/status", sn_root_api_status },
	{ "DELETE", "/api/net/*/*", sn_root_api_instance_delete },
};
const size_t sn_root_nroutes = sizeof(sn_root_routes) / sizeof(sn_root_routes[0]);

bool sn_root_api_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > SN_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

int sn_root_api_store_error(json_t **reply)
{
	*reply = sn_json_error("internal store error; nothing was changed");
	return 500;
}

int sn_root_api_found(int found, json_t **reply, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (found < 0)
		return sn_root_api_store_error(reply);
	if (found > 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*reply = sn_json_error("%s", msg);
	return 404;
}

int sn_root_api_caller(struct sn_root *root, const struct sn_http_request *req,
		       const char *body_id, bool required, struct sn_root_cluster *c,
		       json_t **reply)
{
	char *query_id = sn_http_query_get(req, "cluster_id");
	const char *id = query_id ? query_id : body_id;
	int found, status = 0;

	memset(c, 0, sizeof(*c));
	if (id) {
		if (!sn_root_api_id_valid(id)) {
			*reply = sn_json_error("cluster_id must be 1-64 of [A-Za-z0-9._-]");
			status = 400;
		} else if ((found = sn_root_store_cluster_get(&root->db, id, c)) < 0) {
			status = sn_root_api_store_error(reply);
		} else if (found == 0) {
			*reply = sn_json_error("unknown cluster '%s': register it first "
					       "(POST /api/net/cluster)", id);
			status = 404;
		}
		free(query_id);
		return status;
	}
	found = sn_root_store_cluster_by_address(&root->db, req->peer, c);
	if (found < 0)
		return sn_root_api_store_error(reply);
	if (found == 1)
		return 0;
	memset(c, 0, sizeof(*c));
	if (!required)
		return 0;
	if (found == 0)
		*reply = sn_json_error("cannot tell the calling cluster: no cluster is registered "
				       "from %s; pass ?cluster_id=", req->peer);
	else
		*reply = sn_json_error("cannot tell the calling cluster: several are registered "
				       "from %s (NAT?); pass ?cluster_id=", req->peer);
	return 400;
}

int sn_root_api_status(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	const struct sn_root_config *cfg = &root->cfg;
	const struct sn_root_pools *p = &root->pools;
	char workers[SN_CIDR_STRLEN], services[SN_CIDR_STRLEN];
	char platform6[SN_CIDR6_STRLEN], services6[SN_CIDR6_STRLEN], workers6[SN_CIDR6_STRLEN];
	char instances6[SN_CIDR6_STRLEN], rr6[SN_CIDR6_STRLEN];
	json_t *v6;

	(void)req;
	sn_prefix_format(&cfg->worker_range, workers);
	sn_prefix_format(&cfg->service_range, services);
	sn_prefix6_format(&cfg->platform6, platform6);
	sn_prefix6_format(&cfg->service_range6, services6);
	sn_prefix6_format(&cfg->worker_window6, workers6);
	sn_prefix6_format(&cfg->instance_window6, instances6);
	sn_prefix6_format(&cfg->rr_window6, rr6);
	*reply = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:i}",
			   "worker_range", workers, "service_range", services,
			   "subnet_prefix_len", (int)cfg->subnet_len,
			   "subnets_total", (json_int_t)sn_ipalloc_capacity(&p->subnets),
			   "subnets_free", (json_int_t)sn_ipalloc_free_count(&p->subnets),
			   "addresses_total", (json_int_t)sn_ipalloc_capacity(&p->addrs),
			   "addresses_free", (json_int_t)sn_ipalloc_free_count(&p->addrs),
			   "updates_pending", (int)sn_root_notify_pending(root->notifier));
	/* The IPv6 plan and pools, with names of their own (scripts grep
	 * for the v4 ones). */
	v6 = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
		       "platform6", platform6, "service_range6", services6, "worker_window6",
		       workers6, "subnet_prefix_len6", (int)cfg->subnet_len6, "instance_window6",
		       instances6, "rr_window6", rr6,
		       "subnets6_total", (json_int_t)sn_ipalloc_capacity(&p->subnets6),
		       "subnets6_free", (json_int_t)sn_ipalloc_free_count(&p->subnets6),
		       "instance_ips6_total", (json_int_t)sn_ipalloc_capacity(&p->instances6),
		       "instance_ips6_free", (json_int_t)sn_ipalloc_free_count(&p->instances6),
		       "rr_ips6_total", (json_int_t)sn_ipalloc_capacity(&p->rr6),
		       "rr_ips6_free", (json_int_t)sn_ipalloc_free_count(&p->rr6));
	if (!*reply || !v6 || json_object_update(*reply, v6) < 0) {
		json_decref(v6);
		json_decref(*reply);
		*reply = sn_json_error("out of memory");
		return 503;
	}
	json_decref(v6);
	return 200;
}
