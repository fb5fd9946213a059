// SPDX-License-Identifier: GPL-2.0
/* What the cluster says about another node (peer_parse.h). */
#include "peer_parse.h"

#include <stdio.h>
#include <string.h>
#include <uapi/linux/semnet.h>

#include "sn_kernel.h"
#include "sn_oak.h"

int semnetd_encap_of(const char *tunnel, int host_port)
{
	const char *kind = sn_oak_tunnel(tunnel, host_port);

	if (!kind)
		return -1;
	return strcmp(kind, "ipudp") ? SEMNET_ENCAP_GRE_UDP : SEMNET_ENCAP_IPUDP;
}

const char *semnetd_encap_name(int encap)
{
	const char *name = encap >= 0 ? sn_encap_name((unsigned int)encap) : NULL;

	return name ? name : "unknown";
}

/*
 * host_port: a JSON integer, or a string of decimal digits (Oakestra's
 * NetManager sends "50103"), 1 to 65535. 1 with *port, 0 when it is
 * absent or null, -1 with @err (quoting what came) for anything else.
 */
static int read_port(json_t *v, int *port, struct sn_err *err)
{
	long long n = 0;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n >= 1 && n <= 65535) {
			*port = (int)n;
			return 1;
		}
		sn_err_set(err, "host_port %lld is no port (1 to 65535)", n);
		return -1;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v), i;

		for (i = 0; i < len && i < 6 && s[i] >= '0' && s[i] <= '9'; i++)
			n = n * 10 + (s[i] - '0');
		if (len > 0 && i == len && n >= 1 && n <= 65535) {
			*port = (int)n;
			return 1;
		}
		sn_err_set(err, "host_port \"%.32s\" is no port (1 to 65535)",
			   strlen(s) == len ? s : "(with a NUL byte)");
		return -1;
	}
	sn_err_set(err, "host_port must be a number or a string of one, not a JSON %s",
		   json_is_real(v) ? "real" : json_is_boolean(v) ? "boolean" :
		   json_is_array(v) ? "array" : "object");
	return -1;
}

enum semnetd_node_read semnetd_node_entry_read(json_t *entry, struct semnetd_node_entry *out,
					       struct sn_err *err)
{
	const char *subnet = json_string_value(json_object_get(entry, "subnet"));
	const char *subnet6 = json_string_value(json_object_get(entry, "subnet_v6"));
	json_t *host = json_object_get(entry, "host_ip");
	json_t *tunnel = json_object_get(entry, "tunnel");
	const char *tunnel_text = NULL;
	json_t *link;
	int got;

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	out->node_id = json_string_value(json_object_get(entry, "node_id"));
	/* No subnet or no underlay address yet (a node the cluster knows
	 * before its first report): not a peer yet, nothing wrong. */
	if (!subnet || !sn_prefix_parse(subnet, &out->subnet) || !host || json_is_null(host))
		return SEMNETD_NODE_PENDING;
	if (!json_is_string(host) || strlen(json_string_value(host)) != json_string_length(host) ||
	    !sn_ipaddr_parse(json_string_value(host), &out->addr)) {
		sn_err_set(err, "host_ip %s%.64s%s is no IPv4 or IPv6 address",
			   json_is_string(host) ? "'" : "",
			   json_is_string(host) ? json_string_value(host) : "(not a string)",
			   json_is_string(host) ? "'" : "");
		return SEMNETD_NODE_BAD;
	}
	got = read_port(json_object_get(entry, "host_port"), &out->port, err);
	if (got < 0)
		return SEMNETD_NODE_BAD;
	if (got == 0) {
		sn_err_set(err, "host_ip without host_port");
		return SEMNETD_NODE_BAD;
	}
	if (tunnel && !json_is_null(tunnel)) {
		if (!json_is_string(tunnel)) {
			sn_err_set(err, "tunnel must be a string");
			return SEMNETD_NODE_BAD;
		}
		/* "" is none, as Oakestra sends absent optional fields. */
		if (json_string_length(tunnel))
			tunnel_text = json_string_value(tunnel);
	}
	out->encap = semnetd_encap_of(tunnel_text, out->port);
	if (out->encap < 0) {
		sn_err_set(err, "tunnel '%.32s' is none semnet0 speaks (gre-udp, ipudp)",
			   tunnel_text);
		return SEMNETD_NODE_BAD;
	}
	out->has6 = subnet6 && sn_prefix6_parse(subnet6, &out->subnet6);
	link = json_object_get(entry, "link");
	if (link && !json_is_null(link)) {
		out->has_link = sn_link_info_read(link, &out->link, err) == 0;
		out->link_unreadable = !out->has_link;
		if (!out->has_link)
			memset(&out->link, 0, sizeof(out->link));
	}
	return SEMNETD_NODE_PEER;
}
