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

/*
 * portMappings in the language of Oakestra's NetManager, which the
 * NodeEngine passes the SLA's free-form "port" string to unchanged:
 * node-net-manager/network/Nat.go, ManageContainerPorts() and
 * isValidPort(), oakestra/oakestra-net 1bdf5fa. Elements are separated by
 * ';' (so an empty element, as in "80;", is an error). An element that
 * contains "/udp" anywhere is UDP with every "/udp" taken out; any other
 * is TCP with every "/tcp" taken out. What is left is split at ':': the
 * first part is the host port, the second the container port (the host
 * port when there is none), any further part is ignored. A port is what
 * Go's strconv.Atoi reads (an optional sign, decimal digits) in 0..65535.
 *
 * Where Oakestra's iptables then reads the port otherwise, semnet refuses
 * it: "-0" (iptables refuses it) and a leading zero ("010": iptables reads
 * octal, 8; "0080" it refuses). Port 0 is accepted and maps nothing (no
 * packet is sent to port 0; Oakestra installs a rule that never matches).
 * A host port given twice for one protocol keeps its first mapping, the
 * one Oakestra's first iptables rule gives it.
 */
static int parse_port(const char *text, size_t len, uint16_t *port, const char **why)
{
	unsigned long v = 0;
	size_t i = 0;

	if (len && (text[0] == '+' || text[0] == '-'))
		i++;
	if (i == len) {
		*why = "a port must be a number";
		return -1;
	}
	for (size_t j = i; j < len; j++) {
		if (text[j] < '0' || text[j] > '9') {
			*why = "a port must be a number (0 to 65535)";
			return -1;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(text[j] - '0');
	}
	if (text[0] == '-' && v) {
		*why = "a port cannot be negative";
		return -1;
	}
	if (v > 65535) {
		*why = "a port must be at most 65535";
		return -1;
	}
	if (text[0] == '-' || (text[i] == '0' && len - i > 1)) {
		*why = "a port with a leading zero or minus sign is read otherwise by iptables";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Removes every @pat from @s (Go's strings.Replace(s, pat, "", -1));
 * whether there was one. */
static bool remove_all(char *s, const char *pat)
{
	size_t plen = strlen(pat);
	bool found = false;
	char *hit;

	while ((hit = strstr(s, pat))) {
		memmove(hit, hit + plen, strlen(hit + plen) + 1);
		found = true;
	}
	return found;
}

static int parse_element(const char *text, size_t len, struct semnetd_port_map *m,
			 struct sn_err *err)
{
	char elem[SEMNETD_PORTS_TEXT_MAX + 1], *colon, *second;
	const char *why;

	snprintf(elem, sizeof(elem), "%.*s", (int)len, text);
	m->proto = IPPROTO_TCP;
	if (remove_all(elem, "/udp"))
		m->proto = IPPROTO_UDP;
	else
		remove_all(elem, "/tcp");
	colon = strchr(elem, ':');
	second = colon ? colon + 1 : elem;
	if (parse_port(elem, colon ? (size_t)(colon - elem) : strlen(elem), &m->host_port,
		       &why) < 0 ||
	    parse_port(second, strcspn(second, ":"), &m->container_port, &why) < 0) {
		sn_err_set(err, "field 'portMappings': '%.*s' is not host[:container][/tcp|/udp]: %s",
			   (int)(len > 40 ? 40 : len), text, why);
		return -1;
	}
	return 0;
}

int semnetd_parse_ports(const char *text, struct semnetd_port_map *maps, size_t *nmaps,
			struct sn_err *err)
{
	const char *p = text;

	*nmaps = 0;
	if (!text || !*text)
		return 0;
	for (;;) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct semnetd_port_map m;
		bool dup = false;

		if (len == 0) {
			sn_err_set(err, "field 'portMappings': an empty mapping (';' at the start, the end, or twice)");
			return -1;
		}
		if (parse_element(p, len, &m, err) < 0)
			return -1;
		for (size_t i = 0; i < *nmaps; i++)
			dup |= maps[i].host_port == m.host_port && maps[i].proto == m.proto;
		if (!dup && m.host_port && m.container_port) {
			if (*nmaps == SEMNETD_PORTS_MAX) {
				sn_err_set(err, "field 'portMappings': at most %d mappings",
					   SEMNETD_PORTS_MAX);
				return -1;
			}
			maps[(*nmaps)++] = m;
		}
		if (!end)
			return 0;
		p = end + 1;
	}
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

int semnetd_parse_unikernel_deploy(const char *body, size_t len, struct semnetd_deploy_req *r,
				   struct sn_err *err)
{
	json_t *obj = sn_json_parse_object(body, len, err);
	const char *ports = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	/* The NodeEngine sends pid 0: semnetd makes the namespace itself. */
	if (parse_job(obj, r->job_name, &r->instance_number, err) < 0 ||
	    sn_json_str(obj, "portMappings", false, SEMNETD_PORTS_TEXT_MAX, &ports, err) < 0 ||
	    semnetd_parse_ports(ports, r->ports, &r->nports, err) < 0)
		goto out;
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
