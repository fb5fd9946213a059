// SPDX-License-Identifier: GPL-2.0
/* The node-engine API's request bodies, parsed and checked (api_parse.h). */
#include "api_parse.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool semnetd_node_id_valid(const char *id)
{
	size_t len = strlen(id);

	return len > 0 && len <= SEMNETD_NODE_ID_MAX &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

int semnetd_parse_register(const char *body, size_t len, struct semnetd_register_req *r,
			   struct sn_err *err)
{
	json_t *obj = sn_json_parse_object(body, len, err);
	const char *id, *address;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	/* Oakestra's p2p fields (mode, gossip_key, seeds, ...) are ignored. */
	if (sn_json_str(obj, "client_id", true, SEMNETD_NODE_ID_MAX, &id, err) < 0 ||
	    sn_json_str(obj, "cluster_address", true, sizeof(r->cluster_address) - 1, &address,
			err) < 0)
		goto out;
	if (!semnetd_node_id_valid(id)) {
		sn_err_set(err, "field 'client_id': only letters, digits, '.', '_' and '-'");
		goto out;
	}
	if (strpbrk(address, " /\t\r\n")) {
		sn_err_set(err, "field 'cluster_address' must be a host name or address");
		goto out;
	}
	snprintf(r->client_id, sizeof(r->client_id), "%s", id);
	snprintf(r->cluster_address, sizeof(r->cluster_address), "%s", address);
	rc = 0;
out:
	json_decref(obj);
	return rc;
}

static int parse_port(const char *text, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int semnetd_parse_ports(const char *text, struct semnetd_port_map *maps, size_t *nmaps,
			struct sn_err *err)
{
	const char *p = text;

	*nmaps = 0;
	if (!text || !*text)
		return 0;
	while (*p) {
		const char *end = strchr(p, ';'), *colon, *slash;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct semnetd_port_map m = { .proto = IPPROTO_TCP };

		if (len == 0) {	/* "80:80;" and ";;" are tolerated */
			p += end ? 1 : 0;
			continue;
		}
		colon = memchr(p, ':', len);
		slash = memchr(p, '/', len);
		if (!colon || (slash && slash < colon) ||
		    parse_port(p, (size_t)(colon - p), &m.host_port) < 0 ||
		    parse_port(colon + 1, (size_t)((slash ? slash : p + len) - colon - 1),
			       &m.container_port) < 0) {
			sn_err_set(err, "field 'portMappings': '%.*s' is not host:container[/udp]",
				   (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		if (slash) {
			size_t plen = (size_t)(p + len - slash - 1);

			if (plen == 3 && !strncmp(slash + 1, "udp", 3))
				m.proto = IPPROTO_UDP;
			else if (!(plen == 3 && !strncmp(slash + 1, "tcp", 3))) {
				sn_err_set(err, "field 'portMappings': protocol must be tcp or udp");
				return -1;
			}
		}
		for (size_t i = 0; i < *nmaps; i++) {
			if (maps[i].host_port == m.host_port && maps[i].proto == m.proto) {
				sn_err_set(err, "field 'portMappings': host port %u/%s given twice",
					   m.host_port, m.proto == IPPROTO_UDP ? "udp" : "tcp");
				return -1;
			}
		}
		if (*nmaps == SEMNETD_PORTS_MAX) {
			sn_err_set(err, "field 'portMappings': at most %d mappings",
				   SEMNETD_PORTS_MAX);
			return -1;
		}
		maps[(*nmaps)++] = m;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

void semnetd_format_ports(const struct semnetd_port_map *maps, size_t nmaps, char *out,
			  size_t size)
{
	size_t used = 0;

	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < nmaps && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%u:%u%s", i ? ";" : "",
				 maps[i].host_port, maps[i].container_port,
				 maps[i].proto == IPPROTO_UDP ? "/udp" : "");

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int parse_job(json_t *obj, char out[SN_OAK_JOB_NAME_MAX + 1], int *number,
		     struct sn_err *err)
{
	const char *name;
	long long n;

	if (sn_json_str(obj, "serviceName", true, SN_OAK_JOB_NAME_MAX, &name, err) < 0 ||
	    sn_json_int(obj, "instanceNumber", true, false, 0, SN_OAK_INSTANCE_MAX, &n, err) < 0)
		return -1;
	if (!sn_oak_job_name_valid(name)) {
		sn_err_set(err, "field 'serviceName': '%s' is not app.appns.svc.svcns", name);
		return -1;
	}
	snprintf(out, SN_OAK_JOB_NAME_MAX + 1, "%s", name);
	*number = (int)n;
	return 0;
}

int semnetd_parse_deploy(const char *body, size_t len, struct semnetd_deploy_req *r,
			 struct sn_err *err)
{
	json_t *obj = sn_json_parse_object(body, len, err);
	const char *ports = NULL;
	long long pid;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	if (sn_json_int(obj, "pid", true, false, 1, 0x3fffffff, &pid, err) < 0 ||
	    parse_job(obj, r->job_name, &r->instance_number, err) < 0 ||
	    sn_json_str(obj, "portMappings", false, SEMNETD_PORTS_TEXT_MAX, &ports, err) < 0 ||
	    semnetd_parse_ports(ports, r->ports, &r->nports, err) < 0)
		goto out;
	r->pid = (int)pid;
	rc = 0;
out:
	json_decref(obj);
	return rc;
}

int semnetd_parse_undeploy(const char *body, size_t len, struct semnetd_undeploy_req *r,
			   struct sn_err *err)
{
	json_t *obj = sn_json_parse_object(body, len, err);
	int rc;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	/* Oakestra sends pid -1 and portMappings "" here: ignored. */
	rc = parse_job(obj, r->job_name, &r->instance_number, err);
	json_decref(obj);
	return rc;
}
