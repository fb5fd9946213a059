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

/* {IpType, Address, Address_v6}: null for an address it lacks. */
static json_t *service_ip(const char *type, uint32_t addr, const struct in6_addr *addr6)
{
	return json_pack("{s:s, s:o, s:o}", "IpType", type, "Address",
			 addr ? sn_json_ipv4_string(addr) : json_null(), "Address_v6",
			 sn_json_ipv6_string(addr6));
}

/* The service's own entries: RR, and Closest when it has one. */
static json_t *service_ips(const struct sn_oak_table *t)
{
	json_t *list = json_array();

	if (!list || json_array_append_new(list, service_ip("RR", t->rr_ip, &t->rr_ip6)) < 0 ||
	    ((t->closest_ip || sn_json_ipv6_set(&t->closest_ip6)) &&
	     json_array_append_new(list, service_ip("Closest", t->closest_ip,
						    &t->closest_ip6)) < 0)) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *sn_oak_instance_json(const struct sn_oak_instance *inst, const struct sn_oak_table *t)
{
	json_t *ips = service_ips(t);

	/* Oakestra's cluster appends the instance's own addresses the same way. */
	if (!ips || json_array_append_new(ips, service_ip("instance_ip", inst->instance_ip,
							  &inst->instance_ip6)) < 0) {
		json_decref(ips);
		return NULL;
	}
	return json_pack("{s:i, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:o}",
			 "instance_number", inst->number,
			 "instance_ip", sn_json_ipv4_string(inst->instance_ip),
			 "instance_ip_v6", sn_json_ipv6_string(&inst->instance_ip6),
			 "namespace_ip", sn_json_ipv4_string(inst->ns_ip),
			 "namespace_ip_v6", sn_json_ipv6_string(&inst->ns_ip6),
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
		if (json_array_append_new(list, sn_oak_instance_json(&t->instances[i], t)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	out = json_pack("{s:s, s:o, s:o}", "app_name", t->app_name, "service_ip", service_ips(t),
			"instance_list", list);
	if (out && query_key && json_object_set_new(out, "query_key", json_string(query_key)) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* An optional v6 address value: one that is not IPv6 text is left out. */
static void optional_ipv6(json_t *v, struct in6_addr *out)
{
	const char *text = json_string_value(v);

	if (!text || strlen(text) != json_string_length(v) || sn_json_ipv6_text(text, out) < 0)
		memset(out, 0, sizeof(*out));
}

/* The v6 InstanceIP of an entry that names it only in its service_ip list. */
static void instance_ip6_from_list(json_t *list, struct in6_addr *out)
{
	size_t i;
	json_t *ip;

	json_array_foreach(list, i, ip) {
		const char *type = json_string_value(json_object_get(ip, "IpType"));

		if (type && strcmp(type, "instance_ip") == 0) {
			optional_ipv6(json_object_get(ip, "Address_v6"), out);
			return;
		}
	}
}

int sn_oak_instance_parse(json_t *entry, struct sn_oak_instance *inst, struct sn_err *err)
{
	const char *host_ip, *tunnel, *kind;
	long long number, port;
	struct sn_ipaddr host;
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
	    sn_json_ipv6(entry, "namespace_ip_v6", false, &inst->ns_ip6, &present, err) < 0 ||
	    sn_json_str(entry, "host_ip", true, sizeof(inst->host_ip) - 1, &host_ip, err) < 0 ||
	    sn_json_int(entry, "host_port", true, true, 1, 65535, &port, err) < 0 ||
	    sn_json_str(entry, "tunnel", false, 15, &tunnel, err) < 0)
		return -1;
	if (!(kind = sn_oak_tunnel(tunnel, (int)port))) {
		sn_err_set(err, "field 'tunnel' must be \"gre-udp\" or \"ipudp\"");
		return -1;
	}
	optional_ipv6(json_object_get(entry, "instance_ip_v6"), &inst->instance_ip6);
	if (!sn_json_ipv6_set(&inst->instance_ip6))
		instance_ip6_from_list(json_object_get(entry, "service_ip"), &inst->instance_ip6);
	inst->number = (int)number;
	inst->host_port = (int)port;
	/* An address of either family in its canonical text; anything else
	 * as it came (the node that reads it says it cannot use it). */
	if (sn_ipaddr_parse(host_ip, &host))
		sn_ipaddr_format(&host, inst->host_ip);
	else
		snprintf(inst->host_ip, sizeof(inst->host_ip), "%s", host_ip);
	snprintf(inst->tunnel, sizeof(inst->tunnel), "%s", kind);
	return 0;
}

/* Fills the RR and Closest addresses still unknown from a service_ip list;
 * other types are ignored. */
static void read_service_ips(json_t *list, struct sn_oak_table *t)
{
	size_t i;
	json_t *ip;

	json_array_foreach(list, i, ip) {
		const char *type = json_string_value(json_object_get(ip, "IpType"));
		const char *addr = json_string_value(json_object_get(ip, "Address"));
		uint32_t *v4, parsed;
		struct in6_addr *v6;

		if (!type)
			continue;
		if (strcmp(type, "RR") == 0)
			v4 = &t->rr_ip, v6 = &t->rr_ip6;
		else if (strcmp(type, "Closest") == 0)
			v4 = &t->closest_ip, v6 = &t->closest_ip6;
		else
			continue;
		if (!*v4 && addr && sn_ipv4_parse(addr, &parsed))
			*v4 = parsed;
		if (!sn_json_ipv6_set(v6))
			optional_ipv6(json_object_get(ip, "Address_v6"), v6);
	}
}

static bool service_ips_known(const struct sn_oak_table *t)
{
	return t->rr_ip && t->closest_ip && sn_json_ipv6_set(&t->rr_ip6) &&
	       sn_json_ipv6_set(&t->closest_ip6);
}

/* Does the entry name where its instance runs (Oakestra lists an instance
 * not deployed yet without these)? */
static bool located(json_t *entry)
{
	static const char *const keys[] = { "namespace_ip", "host_ip", "host_port" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(entry, keys[i]);

		if (!v || json_is_null(v))
			return false;
	}
	return true;
}

/* An entry left out that still names an instance and its InstanceIP. */
static void unlocated(json_t *entry, struct sn_oak_table *t)
{
	struct sn_oak_instance *u = &t->unlocated[t->nunlocated];
	struct sn_err why;
	long long number;
	bool present;

	memset(u, 0, sizeof(*u));
	if (sn_json_int(entry, "instance_number", true, false, 0, SN_OAK_INSTANCE_MAX, &number,
			&why) < 0 ||
	    sn_json_ipv4(entry, "instance_ip", true, &u->instance_ip, &present, &why) < 0)
		return;
	u->number = (int)number;
	optional_ipv6(json_object_get(entry, "instance_ip_v6"), &u->instance_ip6);
	t->nunlocated++;
}

int sn_oak_table_parse(json_t *answer, struct sn_oak_table *t, struct sn_err *err)
{
	const char *name;
	json_t *list = json_object_get(answer, "instance_list");
	json_t *entry;
	size_t i;

	memset(t, 0, sizeof(*t));
	err->msg[0] = '\0';
	if (!json_is_object(answer)) {
		sn_err_set(err, "a table-query answer must be an object");
		return -1;
	}
	/* Oakestra's root answers its job document, where job_name is the
	 * service and app_name only the application's part. */
	if (sn_json_str(answer, "job_name", false, SN_OAK_JOB_NAME_MAX, &name, err) < 0 ||
	    (!name && sn_json_str(answer, "app_name", true, SN_OAK_JOB_NAME_MAX, &name, err) < 0))
		return -1;
	/* The name keys caches and names MQTT topics: only a service's. */
	if (!sn_oak_job_name_valid(name)) {
		sn_err_set(err, "the answer's service name '%s' is not app.appns.svc.svcns", name);
		return -1;
	}
	if (!json_is_array(list)) {
		sn_err_set(err, "field 'instance_list' must be an array");
		return -1;
	}
	snprintf(t->app_name, sizeof(t->app_name), "%s", name);
	read_service_ips(json_object_get(answer, "service_ip"), t);
	/* An Oakestra root's job document has only service_ip_list. */
	read_service_ips(json_object_get(answer, "service_ip_list"), t);
	if (json_array_size(list) > 0) {
		t->instances = calloc(json_array_size(list), sizeof(*t->instances));
		t->unlocated = calloc(json_array_size(list), sizeof(*t->unlocated));
		if (!t->instances || !t->unlocated) {
			sn_oak_table_free(t);
			sn_err_set(err, "out of memory");
			return -1;
		}
	}
	json_array_foreach(list, i, entry) {
		struct sn_err why;

		if (sn_oak_instance_parse(entry, &t->instances[t->ninstances], &why) < 0) {
			if (t->dropped++ == 0)
				sn_err_set(err, "instance entry %zu left out: %s", i, why.msg);
			if (located(entry) && t->malformed++ == 0)
				sn_err_set(&t->malformed_why, "instance entry %zu: %s", i,
					   why.msg);
			unlocated(entry, t);
			continue;
		}
		t->ninstances++;
		if (!service_ips_known(t))
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
	free(t->unlocated);
	t->instances = NULL;
	t->unlocated = NULL;
	t->ninstances = 0;
	t->nunlocated = 0;
}
