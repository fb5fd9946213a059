// SPDX-License-Identifier: GPL-2.0
#include "sn_oak.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sn_oak_job_name_valid(const char *name)
{
	int parts = 0, len = 0;

	for (const char *p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			if (len == 0 || len > SN_OAK_NAME_PART_MAX)
				return false;
			parts++;
			len = 0;
			if (*p == '\0')
				break;
		} else if (isascii((unsigned char)*p) && isalnum((unsigned char)*p)) {
			len++;
		} else {
			return false;
		}
	}
	return parts == 4;
}

const char *sn_oak_tunnel(const char *given, int host_port)
{
	if (given)
		return strcmp(given, "gre-udp") == 0 ? "gre-udp" :
		       strcmp(given, "ipudp") == 0 ? "ipudp" : NULL;
	return host_port == SN_OAK_IPUDP_PORT ? "ipudp" : "gre-udp";
}

static json_t *service_ip(const char *type, uint32_t addr)
{
	return json_pack("{s:s, s:o, s:n}", "IpType", type, "Address", sn_json_ipv4_string(addr),
			 "Address_v6");
}

json_t *sn_oak_instance_json(const struct sn_oak_instance *inst, uint32_t rr_ip,
			     uint32_t closest_ip)
{
	json_t *ips = json_pack("[o, o, o]", service_ip("RR", rr_ip),
				service_ip("Closest", closest_ip),
				service_ip("instance_ip", inst->instance_ip));

	if (!ips)
		return NULL;
	return json_pack("{s:i, s:o, s:n, s:o, s:n, s:s, s:i, s:s, s:o}",
			 "instance_number", inst->number,
			 "instance_ip", sn_json_ipv4_string(inst->instance_ip),
			 "instance_ip_v6",
			 "namespace_ip", sn_json_ipv4_string(inst->ns_ip),
			 "namespace_ip_v6",
			 "host_ip", inst->host_ip,
			 "host_port", inst->host_port,
			 "tunnel", inst->tunnel,
			 "service_ip", ips);
}

json_t *sn_oak_table_json(const struct sn_oak_table *t, const char *query_key)
{
	json_t *list = json_array();
	json_t *out;

	if (!list)
		return NULL;
	for (size_t i = 0; i < t->ninstances; i++) {
		if (json_array_append_new(list, sn_oak_instance_json(&t->instances[i], t->rr_ip,
								     t->closest_ip)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	out = json_pack("{s:s, s:[o, o], s:o}", "app_name", t->app_name, "service_ip",
			service_ip("RR", t->rr_ip), service_ip("Closest", t->closest_ip),
			"instance_list", list);
	if (out && query_key && json_object_set_new(out, "query_key", json_string(query_key)) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int sn_oak_instance_parse(json_t *entry, struct sn_oak_instance *inst, struct sn_err *err)
{
	const char *host_ip, *tunnel, *kind;
	long long number, port;
	bool present;

	memset(inst, 0, sizeof(*inst));
	if (!json_is_object(entry)) {
		sn_err_set(err, "an instance entry must be an object");
		return -1;
	}
	if (sn_json_int(entry, "instance_number", true, false, 0, SN_OAK_INSTANCE_MAX, &number,
			err) < 0 ||
	    sn_json_ipv4(entry, "instance_ip", true, &inst->instance_ip, &present, err) < 0 ||
	    sn_json_ipv4(entry, "namespace_ip", true, &inst->ns_ip, &present, err) < 0 ||
	    sn_json_str(entry, "host_ip", true, sizeof(inst->host_ip) - 1, &host_ip, err) < 0 ||
	    sn_json_int(entry, "host_port", true, true, 1, 65535, &port, err) < 0 ||
	    sn_json_str(entry, "tunnel", false, 15, &tunnel, err) < 0)
		return -1;
	if (!(kind = sn_oak_tunnel(tunnel, (int)port))) {
		sn_err_set(err, "field 'tunnel' must be \"gre-udp\" or \"ipudp\"");
		return -1;
	}
	inst->number = (int)number;
	inst->host_port = (int)port;
	snprintf(inst->host_ip, sizeof(inst->host_ip), "%s", host_ip);
	snprintf(inst->tunnel, sizeof(inst->tunnel), "%s", kind);
	return 0;
}

/* Fills the RR and Closest addresses from a service_ip list; others ignored. */
static void read_service_ips(json_t *list, struct sn_oak_table *t)
{
	size_t i;
	json_t *ip;

	json_array_foreach(list, i, ip) {
		const char *type = json_string_value(json_object_get(ip, "IpType"));
		const char *addr = json_string_value(json_object_get(ip, "Address"));

		if (!type || !addr)
			continue;
		if (strcmp(type, "RR") == 0)
			sn_ipv4_parse(addr, &t->rr_ip);
		else if (strcmp(type, "Closest") == 0)
			sn_ipv4_parse(addr, &t->closest_ip);
	}
}

int sn_oak_table_parse(json_t *answer, struct sn_oak_table *t, struct sn_err *err)
{
	const char *name;
	json_t *list = json_object_get(answer, "instance_list");
	json_t *entry;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(answer)) {
		sn_err_set(err, "a table-query answer must be an object");
		return -1;
	}
	if (sn_json_str(answer, "app_name", true, SN_OAK_JOB_NAME_MAX, &name, err) < 0)
		return -1;
	if (!json_is_array(list)) {
		sn_err_set(err, "field 'instance_list' must be an array");
		return -1;
	}
	snprintf(t->app_name, sizeof(t->app_name), "%s", name);
	read_service_ips(json_object_get(answer, "service_ip"), t);
	if (json_array_size(list) > 0) {
		t->instances = calloc(json_array_size(list), sizeof(*t->instances));
		if (!t->instances) {
			sn_err_set(err, "out of memory");
			return -1;
		}
	}
	json_array_foreach(list, i, entry) {
		if (sn_oak_instance_parse(entry, &t->instances[i], err) < 0) {
			sn_oak_table_free(t);
			return -1;
		}
		t->ninstances++;
		if (!t->rr_ip || !t->closest_ip)
			read_service_ips(json_object_get(entry, "service_ip"), t);
	}
	if (!t->rr_ip) {
		sn_err_set(err, "the answer names no RR address");
		sn_oak_table_free(t);
		return -1;
	}
	return 0;
}

void sn_oak_table_free(struct sn_oak_table *t)
{
	free(t->instances);
	t->instances = NULL;
	t->ninstances = 0;
}
