// SPDX-License-Identifier: GPL-2.0
/* Table queries (by name, by address) and the interests they register. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sn_log.h"
#include "sn_oak.h"

struct table_build {
	struct sn_oak_table table;
	struct {
		char cluster_id[SN_ID_MAX + 1];
		bool located;
	} *extra;				/* of each instance of the table */
	size_t cap;
	int errors;
};

/* Every instance, as Oakestra's job document lists them: one whose
 * location was not reported yet is marked and loses its location fields
 * in the answer (add_job_document). */
static void add_instance(void *arg, const struct sn_root_instance *inst)
{
	struct table_build *b = arg;
	struct sn_oak_instance *slot;

	if (b->table.ninstances == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		struct sn_oak_instance *grown = realloc(b->table.instances, cap * sizeof(*grown));
		void *extra;

		if (grown)
			b->table.instances = grown;
		extra = grown ? realloc(b->extra, cap * sizeof(*b->extra)) : NULL;
		if (!extra) {
			b->errors++;
			return;
		}
		b->extra = extra;
		b->cap = cap;
	}
	snprintf(b->extra[b->table.ninstances].cluster_id, sizeof(b->extra[0].cluster_id), "%s",
		 inst->cluster_id);
	b->extra[b->table.ninstances].located = inst->located;
	slot = &b->table.instances[b->table.ninstances++];
	memset(slot, 0, sizeof(*slot));
	slot->number = inst->number;
	slot->instance_ip = inst->instance_ip;
	slot->instance_ip6 = inst->instance_ip6;
	if (!inst->located)
		return;
	sn_ipv4_parse(inst->ns_ip, &slot->ns_ip);
	if (!sn_ipv6_parse(inst->ns_ip_v6, &slot->ns_ip6))	/* "": none (::) */
		memset(&slot->ns_ip6, 0, sizeof(slot->ns_ip6));
	snprintf(slot->host_ip, sizeof(slot->host_ip), "%s", inst->host_ip);
	slot->host_port = inst->host_port;
	snprintf(slot->tunnel, sizeof(slot->tunnel), "%s", inst->tunnel);
}

/*
 * The fields of Oakestra's job document that a table answer lacks, added
 * beside semnet's (job_id, app_name, service_ip): _id, job_name,
 * service_ip_list (RR and Closest, each with Address and Address_v6), RR_ip
 * and RR_ip_v6, and each instance's cluster_id. An instance not deployed
 * yet keeps only instance_number, its InstanceIPs, cluster_id and
 * service_ip: Oakestra's root has no location fields for it until
 * net_deploy_status, and a reader drops such an entry alone (its cluster
 * copies it, its NetManager finds no namespace_ip). 0 or -1 (out of memory).
 */
static int add_job_document(json_t *answer, const struct sn_root_service *s,
			    const struct table_build *b)
{
	json_t *list = json_object_get(answer, "instance_list"), *ips;
	size_t i;
	json_t *entry;
	int rc = 0;

	ips = json_deep_copy(json_object_get(answer, "service_ip"));
	rc |= json_object_set_new(answer, "job_id", json_string(s->job_id));
	rc |= json_object_set_new(answer, "_id", json_string(s->job_id));
	rc |= json_object_set_new(answer, "job_name", json_string(s->job_name));
	rc |= json_object_set_new(answer, "service_ip_list", ips ? ips : json_array());
	rc |= json_object_set_new(answer, "RR_ip", sn_json_ipv4_string(s->rr_ip));
	rc |= json_object_set_new(answer, "RR_ip_v6", sn_json_ipv6_string(&s->rr_ip6));
	json_array_foreach(list, i, entry) {
		static const char *const location[] = { "namespace_ip", "namespace_ip_v6",
							"host_ip", "host_port", "tunnel" };

		if (i >= b->table.ninstances)
			break;
		rc |= json_object_set_new(entry, "cluster_id", json_string(b->extra[i].cluster_id));
		if (!b->extra[i].located)
			for (size_t k = 0; k < sizeof(location) / sizeof(location[0]); k++)
				json_object_del(entry, location[k]);
	}
	return rc ? -1 : 0;
}

/* Answers a table query for @s, as its lookup @found it (404 "no service
 * @how @key" when there is none), and registers the caller's interest. */
static int answer(struct sn_root *root, const struct sn_http_request *req, int found,
		  const struct sn_root_service *s, const char *how, const char *key,
		  json_t **reply)
{
	struct sn_root_cluster c;
	struct table_build b = { 0 };
	int status = sn_root_api_found(found, reply, "no service %s %s", how, key);

	if (status == 0)
		status = sn_root_api_caller(root, req, NULL, false, &c, reply);
	if (status != 0)
		return status;
	if (c.id[0] && sn_root_store_interest_add(&root->db, c.id, s->job_name) < 0)
		return sn_root_api_store_error(reply);
	if (!c.id[0])
		sn_warn("table query for %s from %s: unknown cluster, no interest registered",
			s->job_name, req->peer);
	snprintf(b.table.app_name, sizeof(b.table.app_name), "%s", s->job_name);
	b.table.rr_ip = s->rr_ip;
	b.table.closest_ip = s->closest_ip;
	b.table.rr_ip6 = s->rr_ip6;
	b.table.closest_ip6 = s->closest_ip6;
	if (sn_root_store_each_instance(&root->db, s->job_id, add_instance, &b) < 0 || b.errors) {
		sn_oak_table_free(&b.table);
		free(b.extra);
		return sn_root_api_store_error(reply);
	}
	*reply = sn_oak_table_json(&b.table, NULL);
	if (*reply && add_job_document(*reply, s, &b) < 0) {
		json_decref(*reply);
		*reply = NULL;
	}
	sn_oak_table_free(&b.table);
	free(b.extra);
	return *reply ? 200 : 503;
}

int sn_root_api_query_name(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	char name[SN_OAK_JOB_NAME_MAX + 1];

	if (strlen(req->params[0]) > SN_OAK_JOB_NAME_MAX) {
		*reply = sn_json_error("service name too long (at most %d bytes)", SN_OAK_JOB_NAME_MAX);
		return 400;
	}
	snprintf(name, sizeof(name), "%s", req->params[0]);
	sn_underscores_to_dots(name);
	if (!sn_oak_job_name_valid(name)) {
		*reply = sn_json_error("'%s' is not a service name (app_appns_svc_svcns)",
				       req->params[0]);
		return 400;
	}
	return answer(root, req, sn_root_store_service_by_name(&root->db, name, &s), &s,
		      "named", name, reply);
}

/* GET /api/net/service/ip/<addr>/instances: an RR, Closest or InstanceIP,
 * v4 (dots or '_') or v6 (with its colons, as Oakestra's cluster sends it;
 * any spelling: it is compared as an address). */
int sn_root_api_query_ip(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	char text[SN_IPV6_STRLEN];
	uint32_t ip;
	struct in6_addr ip6;

	snprintf(text, sizeof(text), "%s", req->params[0]);
	sn_underscores_to_dots(text);
	if (strlen(req->params[0]) < sizeof(text) && sn_ipv6_parse(text, &ip6)) {
		sn_ipv6_format(&ip6, text);
		if (!sn_prefix6_contains(&root->cfg.service_range6, &ip6)) {
			*reply = sn_json_error("%s is outside the IPv6 service range", text);
			return 400;
		}
		return answer(root, req, sn_root_store_service_by_ip6(&root->db, &ip6, &s), &s,
			      "owns", text, reply);
	}
	if (strlen(req->params[0]) >= sizeof(text) || !sn_ipv4_parse(text, &ip)) {
		*reply = sn_json_error("'%.64s' is not an IP address (a_b_c_d, or IPv6)",
				       req->params[0]);
		return 400;
	}
	if (!sn_prefix_contains(&root->cfg.service_range, ip)) {
		*reply = sn_json_error("%s is outside the service range", text);
		return 400;
	}
	return answer(root, req, sn_root_store_service_by_ip(&root->db, ip, &s), &s,
		      "owns", text, reply);
}

int sn_root_api_interest_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_cluster c;
	char name[SN_OAK_JOB_NAME_MAX + 1];
	int status, removed;

	if ((status = sn_root_api_caller(root, req, NULL, true, &c, reply)) != 0)
		return status;
	if (strlen(req->params[0]) > SN_OAK_JOB_NAME_MAX) {
		*reply = sn_json_error("job name too long");
		return 400;
	}
	snprintf(name, sizeof(name), "%s", req->params[0]);
	sn_underscores_to_dots(name);
	if (!sn_oak_job_name_valid(name)) {
		*reply = sn_json_error("'%s' is not a job name", req->params[0]);
		return 400;
	}
	if ((removed = sn_root_store_interest_del(&root->db, c.id, name)) < 0)
		return sn_root_api_store_error(reply);
	*reply = json_pack("{s:s, s:s, s:b}", "cluster_id", c.id, "job_name", name, "removed",
			   removed);
	return 200;
}
