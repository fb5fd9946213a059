// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd's upstream: the cluster manager over MQTT (daemon/OAKESTRA.md,
 * section 2; tests/integration/managers-flow.sh replays them). The
 * connection, publishing and subscribing, the subnet request and its
 * answer, and the reports of deployed instances live here; every other
 * message goes to the part that owns it: table answers to answers.c, job
 * updates to interest.c, the node registry to peers.c (queries.c and
 * instances.c publish theirs through semnetd_upstream_publish).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "discover.h"
#include "interest.h"
#include "semnetd.h"
#include "sn_log.h"

#define TOPIC_MAX 256
#define SUBNET_RETRY_MS 2000

void semnetd_upstream_publish(struct semnetd *d, const char *suffix, json_t *msg)
{
	char topic[TOPIC_MAX];

	if (!d->mqtt || !sn_mqtt_is_connected(d->mqtt)) {
		sn_debug("not connected to the cluster: %s not sent", suffix);
		return;
	}
	snprintf(topic, sizeof(topic), "nodes/%s/net/%s", d->id.node_id, suffix);
	sn_mqtt_publish_json(d->mqtt, topic, msg, 1, false);
}

void semnetd_upstream_subscribe(struct semnetd *d, const char *topic)
{
	/* Not connected: the connect callback subscribes everything. */
	if (d->mqtt && sn_mqtt_is_connected(d->mqtt))
		sn_mqtt_subscribe(d->mqtt, topic, 1);
}

void semnetd_upstream_unsubscribe(struct semnetd *d, const char *topic)
{
	if (d->mqtt && sn_mqtt_is_connected(d->mqtt))
		sn_mqtt_unsubscribe(d->mqtt, topic);
}

/* The host_ip this node reports: its underlay address of either family
 * (an IPv6-only node's is IPv6, in canonical text, as Go's
 * net.IP.String() writes Oakestra's), 0.0.0.0 while it has none. */
static void host_ip(const struct semnetd *d, char out[SN_IPADDR_STRLEN])
{
	if (!sn_ipaddr_format(&d->underlay.addr, out)[0])
		snprintf(out, SN_IPADDR_STRLEN, "0.0.0.0");
}

void semnetd_upstream_report_deployed(struct semnetd *d, const struct semnetd_lease *l)
{
	char host[SN_IPADDR_STRLEN], nsip6[SN_JSON_IPV6_STRLEN] = "";
	json_t *msg;

	host_ip(d, host);
	/* "" when it has none, as Oakestra's NetManager never sends null. */
	if (sn_json_ipv6_set(&l->nsip6))
		sn_json_ipv6_format(&l->nsip6, nsip6);
	msg = json_pack("{s:s, s:s, s:i, s:o, s:s, s:s, s:i, s:s}", "appname", l->job_name,
			"status", "DEPLOYED", "instance_number", l->number, "nsip",
			sn_json_ipv4_string(l->nsip), "nsipv6", nsip6, "host_ip", host, "host_port",
			d->cfg.tunnel_port, "tunnel", "gre-udp");
	if (msg) {
		semnetd_upstream_publish(d, "service/deployed", msg);
		json_decref(msg);
	}
}

static void request_subnet(struct semnetd *d)
{
	char host[SN_IPADDR_STRLEN];
	json_t *msg;

	struct sn_link_info link = { .underlay_prefix = d->underlay.prefix };

	/* WireGuard's public key and first port when it is up here (issue
	 * 18: encrypted links), the next key during a rotation; none with
	 * --wg-port 0. */
	semnetd_wglinks_link(d, &link);
	/* --relay: its ports follow wg_port (relaylinks.h) */
	link.relay = link.has_wg_key && semnetd_relaylinks_offered(d);
	/* What endpoint discovery found (discover.h), none before a run. */
	semnetd_discover_link(d->discover, &link);
	host_ip(d, host);
	/* host_ip/host_port: the registry tells the other nodes where we are;
	 * link (issue 18): what this node can link by, its underlay's on-link
	 * prefix (none when its device is not here) and its WireGuard. */
	msg = json_pack("{s:s, s:s, s:i, s:s, s:o*}", "METHOD", "GET", "host_ip", host, "host_port",
			d->cfg.tunnel_port, "tunnel", "gre-udp", "link", sn_link_info_json(&link));
	if (msg) {
		semnetd_upstream_publish(d, "subnet", msg);
		json_decref(msg);
	}
}

void semnetd_upstream_send_link(struct semnetd *d)
{
	request_subnet(d);
}

static void on_subnet_timer(uv_timer_t *timer)
{
	struct semnetd *d = timer->data;

	if (d->state == SEMNETD_WAITING_SUBNET) {
		sn_info("asking the cluster for this node's subnet");
		request_subnet(d);
	} else {
		uv_timer_stop(timer);
	}
}

static void reports_after_reconnect(void *arg, const struct semnetd_lease *l)
{
	/* The cluster may have lost them (or our address changed). */
	semnetd_upstream_report_deployed(arg, l);
}

static void on_connected(void *arg)
{
	struct semnetd *d = arg;
	char topic[TOPIC_MAX];

	sn_info("connected to the cluster's broker");
	snprintf(topic, sizeof(topic), "nodes/%s/net/subnetwork/result", d->id.node_id);
	sn_mqtt_subscribe(d->mqtt, topic, 1);
	snprintf(topic, sizeof(topic), "nodes/%s/net/tablequery/result", d->id.node_id);
	sn_mqtt_subscribe(d->mqtt, topic, 1);
	sn_mqtt_subscribe(d->mqtt, "semnet/nodes", 1);
	semnetd_services_subscribe_all(d);
	/* Always ask: the answer is the same subnet, and it tells the registry
	 * this node's current underlay address. */
	request_subnet(d);
	if (d->state == SEMNETD_WAITING_SUBNET)
		uv_timer_start(&d->subnet_timer, on_subnet_timer, SUBNET_RETRY_MS, SUBNET_RETRY_MS);
	if (d->state == SEMNETD_READY) {
		semnetd_store_lease_each(&d->db, reports_after_reconnect, d);
		semnetd_queries_requery_all(d);
	}
}

static void on_subnet(struct semnetd *d, const char *payload, int len)
{
	struct sn_err err;
	json_t *msg = sn_json_parse_object(payload, len > 0 ? (size_t)len : 0, &err);
	const char *error;
	uint32_t addr;
	bool present, present6;
	long long plen = 26, plen6 = 120;
	struct sn_prefix subnet;
	struct sn_prefix6 subnet6 = { .len = 0 };
	struct sn_err err6;

	if (!msg) {
		sn_warn("subnet answer ignored: %s", err.msg);
		return;
	}
	if ((error = json_string_value(json_object_get(msg, "error")))) {
		sn_warn("the cluster gives no subnet: %s", error);
		snprintf(d->state_error, sizeof(d->state_error), "the cluster gives no subnet: %s",
			 error);
		goto out;
	}
	if (sn_json_ipv4(msg, "address", true, &addr, &present, &err) < 0 ||
	    sn_json_int(msg, "prefix_len", false, false, 8, 30, &plen, &err) < 0) {
		sn_warn("subnet answer ignored: %s", err.msg);
		goto out;
	}
	subnet.addr = addr;
	subnet.len = (unsigned int)plen;
	if (subnet.addr & ~sn_prefix_mask(subnet.len)) {
		sn_warn("subnet answer ignored: host bits set");
		goto out;
	}
	/* addressv6 ("" or absent: none) and its length (a semnet extension;
	 * Oakestra's /120 without it). A bad one costs only the IPv6 side. */
	if (sn_json_ipv6(msg, "addressv6", false, &subnet6.addr, &present6, &err6) < 0 ||
	    sn_json_int(msg, "prefix_len_v6", false, false, 96, 126, &plen6, &err6) < 0) {
		sn_warn("subnet answer: the IPv6 subnet is left out: %s", err6.msg);
	} else if (present6) {
		struct in6_addr net = subnet6.addr;

		sn_ipv6_mask(&net, (unsigned int)plen6);
		if (sn_ipv6_cmp(&net, &subnet6.addr))
			sn_warn("subnet answer: the IPv6 subnet is left out: host bits set for /%lld",
				plen6);
		else
			subnet6.len = (unsigned int)plen6;
	}
	semnetd_node_on_subnet(d, &subnet, &subnet6);
	if (d->state != SEMNETD_WAITING_SUBNET)
		uv_timer_stop(&d->subnet_timer);	/* answered */
out:
	json_decref(msg);
}

static void on_message(void *arg, const char *topic, const char *payload, int len)
{
	struct semnetd *d = arg;
	char prefix[TOPIC_MAX];
	size_t plen;

	if (!strcmp(topic, "semnet/nodes")) {
		/* One dump of the devices for the pass's encrypted peers. */
		semnetd_wglinks_pass_begin(d);
		semnetd_peers_on_registry(d, payload, len);
		semnetd_wglinks_pass_end(d);
		return;
	}
	if (!strncmp(topic, "jobs/", 5)) {
		char job[SN_OAK_JOB_NAME_MAX + 1];
		const char *slash = strchr(topic + 5, '/');

		if (!slash || strcmp(slash, "/updates_available") ||
		    (size_t)(slash - topic - 5) > SN_OAK_JOB_NAME_MAX)
			return;
		snprintf(job, sizeof(job), "%.*s", (int)(slash - topic - 5), topic + 5);
		semnetd_interest_on_update(d, job);
		return;
	}
	plen = (size_t)snprintf(prefix, sizeof(prefix), "nodes/%s/net/", d->id.node_id);
	if (strncmp(topic, prefix, plen))
		return;
	if (!strcmp(topic + plen, "subnetwork/result"))
		on_subnet(d, payload, len);
	else if (!strcmp(topic + plen, "tablequery/result"))
		semnetd_answers_on_result(d, payload, len);
}

int semnetd_upstream_start(struct semnetd *d)
{
	char client_id[96];
	const char *host = d->cfg.mqtt_host[0] ? d->cfg.mqtt_host : d->id.cluster_address;

	if (d->mqtt)
		return 0;
	snprintf(client_id, sizeof(client_id), "semnetd-%s", d->id.node_id);
	d->mqtt = sn_mqtt_new(d->loop, client_id, on_message, on_connected, d);
	if (!d->mqtt)
		return -1;
	if (!uv_is_active((uv_handle_t *)&d->subnet_timer) && d->state == SEMNETD_WAITING_SUBNET)
		uv_timer_start(&d->subnet_timer, on_subnet_timer, SUBNET_RETRY_MS, SUBNET_RETRY_MS);
	sn_info("cluster broker %s:%d%s, node id %s", host, d->cfg.mqtt_port,
		d->cfg.mqtt_security.tls ? " (TLS)" : "", d->id.node_id);
	if (sn_mqtt_secure(d->mqtt, &d->cfg.mqtt_security) < 0)
		return -1;
	return sn_mqtt_connect(d->mqtt, host, d->cfg.mqtt_port);
}
