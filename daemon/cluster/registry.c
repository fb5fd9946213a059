// SPDX-License-Identifier: GPL-2.0
#include "registry.h"

#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "sn_json.h"
#include "sn_log.h"
#include "store.h"
#include "stun.h"

struct build {
	json_t *list;
	int errors;
};

static void add_node(void *arg, const struct sn_cluster_node *n)
{
	struct build *b = arg;
	char subnet[SN_CIDR_STRLEN], subnet6[SN_JSON_IPV6_STRLEN + 4];
	struct sn_prefix p = { .addr = n->subnet, .len = n->subnet_len };
	size_t len;

	if (!n->subnet)
		return;	/* no subnet yet: not a peer */
	sn_prefix_format(&p, subnet);
	sn_json_ipv6_format(&n->subnet6, subnet6);
	len = strlen(subnet6);
	snprintf(subnet6 + len, sizeof(subnet6) - len, "/%u", n->subnet6_len);
	/* Underlay fields are null until the node reports them; subnet_v6
	 * (last, a semnet addition) is null while the node has no v6 subnet. */
	json_t *entry = json_pack("{s:s, s:s, s:s?, s:o, s:s?, s:s?}", "node_id", n->id, "subnet",
				  subnet, "host_ip", n->host_ip[0] ? n->host_ip : NULL, "host_port",
				  n->host_port ? json_integer(n->host_port) : json_null(),
				  "tunnel", n->tunnel[0] ? n->tunnel : NULL, "subnet_v6",
				  sn_json_ipv6_set(&n->subnet6) ? subnet6 : NULL);

	/* link (issue 18) only for a node that sent one: Oakestra's nodes
	 * and older semnet see the entries they know, no larger. */
	if (!entry || (n->has_link && json_object_set_new(entry, "link",
							  sn_link_info_json(&n->link)) < 0)) {
		json_decref(entry);
		b->errors++;
		return;
	}
	if (json_array_append_new(b->list, entry) < 0)
		b->errors++;
}

json_t *sn_registry_json(struct sn_cluster *c, int64_t version)
{
	struct build b = { .list = json_array() };

	if (version < 0)
		version = sn_cluster_store_registry_version(&c->db);
	if (!b.list)
		return NULL;
	if (sn_cluster_store_each_node(&c->db, add_node, &b) < 0 || b.errors) {
		json_decref(b.list);
		return NULL;
	}
	/* links (issue 18): the policy each node applies to its pairs
	 * (sn_link_kind) and where endpoint discovery answers, before the
	 * long list of nodes. */
	return json_pack("{s:I, s:s, s:{s:s, s:o*}, s:o}", "version", (json_int_t)version,
			 "cluster_id", c->cfg.cluster_id, "links", "policy",
			 sn_links_policy_name(c->cfg.links_policy), "stun_port",
			 c->stun ? json_integer(sn_stun_port(c->stun)) : NULL, "nodes", b.list);
}

int64_t sn_registry_changed(struct sn_cluster *c)
{
	return sn_cluster_store_registry_bump(&c->db);
}

/*
 * Building and sending the registry costs O(nodes), and every node receives
 * it: one message per registration makes a burst of N registrations
 * O(N^2) (15,360 nodes: minutes of CPU, gigabytes through the broker). After
 * each message the next waits 10 times as long as this one took, so that
 * publishing takes at most a tenth of the loop and a burst is coalesced
 * into the latest state; a small registry (microseconds) goes out at once.
 */
#define REGISTRY_COST_FACTOR 10

static void publish_now(struct sn_cluster *c)
{
	uint64_t start = uv_hrtime();
	json_t *msg = sn_registry_json(c, -1);

	if (!msg) {
		sn_error("cannot build the node registry");
		return;
	}
	/* Not connected: the next connection publishes it (main.c). */
	if (sn_mqtt_is_connected(c->mqtt))
		sn_mqtt_publish_json(c->mqtt, SN_REGISTRY_TOPIC, msg, 1, true);
	json_decref(msg);
	uv_update_time(c->loop);
	c->registry_next_ms = uv_now(c->loop) +
			      (uv_hrtime() - start) * REGISTRY_COST_FACTOR / 1000000;
}

static void on_registry_timer(uv_timer_t *timer)
{
	publish_now(timer->data);
}

void sn_registry_init(struct sn_cluster *c)
{
	uv_timer_init(c->loop, &c->registry_timer);
	c->registry_timer.data = c;
}

void sn_registry_publish(struct sn_cluster *c, int64_t version)
{
	uint64_t now = uv_now(c->loop);

	/* The message always carries the store's current version: a
	 * coalesced one includes every change committed before it. */
	(void)version;
	if (uv_is_active((uv_handle_t *)&c->registry_timer))
		return;	/* the pending message will include this change */
	if (now >= c->registry_next_ms)
		publish_now(c);
	else
		uv_timer_start(&c->registry_timer, on_registry_timer, c->registry_next_ms - now, 0);
}
