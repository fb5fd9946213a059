// SPDX-License-Identifier: GPL-2.0
#include "registry.h"

#include "cluster.h"
#include "sn_log.h"
#include "store.h"

struct build {
	json_t *list;
	int errors;
};

static void add_node(void *arg, const struct sn_cluster_node *n)
{
	struct build *b = arg;
	char subnet[SN_CIDR_STRLEN];
	struct sn_prefix p = { .addr = n->subnet, .len = n->subnet_len };

	if (!n->subnet)
		return;	/* no subnet yet: not a peer */
	sn_prefix_format(&p, subnet);
	/* Underlay fields are null until the node reports them. */
	json_t *entry = json_pack("{s:s, s:s, s:s?, s:o, s:s?}", "node_id", n->id, "subnet", subnet,
				  "host_ip", n->host_ip[0] ? n->host_ip : NULL, "host_port",
				  n->host_port ? json_integer(n->host_port) : json_null(),
				  "tunnel", n->tunnel[0] ? n->tunnel : NULL);

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
	return json_pack("{s:I, s:s, s:o}", "version", (json_int_t)version, "cluster_id",
			 c->cfg.cluster_id, "nodes", b.list);
}

int64_t sn_registry_changed(struct sn_cluster *c)
{
	return sn_cluster_store_registry_bump(&c->db);
}

void sn_registry_publish(struct sn_cluster *c, int64_t version)
{
	json_t *msg = sn_registry_json(c, version);

	if (!msg) {
		sn_error("cannot build the node registry");
		return;
	}
	/* Not connected: the next connection publishes it (main.c). */
	if (sn_mqtt_is_connected(c->mqtt))
		sn_mqtt_publish_json(c->mqtt, SN_REGISTRY_TOPIC, msg, 1, true);
	json_decref(msg);
}
