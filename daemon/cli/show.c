// SPDX-License-Identifier: GPL-2.0
/*
 * semnet show: everything at a glance. The node's configuration, services
 * grouped by name with their addresses and instances, and the counts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sn_show_usage(FILE *out)
{
	fputs("Usage: semnet [-j] [-s] show\n"
	      "\n"
	      "The node configuration and its tunnel peers, then each service name with\n"
	      "its addresses and its instances, then the counts of `semnet stats` (with\n"
	      "-s: every counter, and per peer, service and instance counters). In JSON:\n"
	      "an object with \"node\" (null when not configured), \"peers\",\n"
	      "\"services\", \"instances\" and \"stats\".\n",
	      out);
}

struct overview {
	bool has_node;
	struct sn_node node;
	struct sn_peers peers;
	struct sn_services services;
	struct sn_instances instances;
	struct sn_stats stats;
};

static int node_reply(struct nlattr **attrs, void *arg)
{
	struct overview *o = arg;
	int ret = sn_node_get(attrs, &o->node);

	if (!ret)
		o->has_node = true;
	return ret;
}

static int stats_reply(struct nlattr **attrs, void *arg)
{
	return sn_stats_get(attrs, arg);
}

/*
 * The four requests on one socket: 0, SN_EXIT_FAIL (reported), or -EIO
 * (not reported when quiet) for a dump interrupted by a change.
 */
static int fetch_once(struct overview *o, bool quiet)
{
	struct sn_genl own, *g;
	int err, ret;

	g = sn_acquire(&own);
	if (!g)
		return SN_EXIT_FAIL;
	ret = sn_genl_transact(g, sn_msg(g, SEMNET_CMD_GET_NODE, 0), node_reply, o);
	if (ret == -ENODATA)	/* not configured: still show the rest */
		ret = 0;
	if (!ret) {
		ret = sn_genl_transact(g, sn_msg(g, SEMNET_CMD_GET_PEER, NLM_F_DUMP),
				       sn_peers_collect, &o->peers);
		if (ret == -EOPNOTSUPP)	/* a module without tunnel peers */
			ret = 0;
	}
	if (!ret)
		ret = sn_genl_transact(g, sn_msg(g, SEMNET_CMD_GET_SERVICE, NLM_F_DUMP),
				       sn_services_collect, &o->services);
	if (!ret)
		ret = sn_genl_transact(g, sn_msg(g, SEMNET_CMD_GET_INSTANCE, NLM_F_DUMP),
				       sn_instances_collect, &o->instances);
	if (!ret)
		ret = sn_genl_transact(g, sn_msg(g, SEMNET_CMD_GET_STATS, 0),
				       stats_reply, &o->stats);
	err = ret;
	if (ret < 0 && !(ret == -EIO && quiet))
		ret = sn_report(g, "show", ret);
	sn_release(g, err);
	return ret;
}

static int fetch(struct overview *o)
{
	int tries, ret = 0;

	for (tries = 1; tries <= SN_DUMP_TRIES; tries++) {
		ret = fetch_once(o, tries < SN_DUMP_TRIES);
		if (ret != -EIO)
			break;
		o->has_node = false;
		sn_peers_reset(&o->peers);
		sn_services_reset(&o->services);
		sn_instances_reset(&o->instances);
	}
	return ret;
}

static int print_json(struct overview *o)
{
	json_t *root = json_object();

	if (!root)
		return SN_EXIT_FAIL;
	json_object_set_new(root, "node", o->has_node ? sn_node_json(&o->node) : json_null());
	json_object_set_new(root, "peers", sn_list_json(&sn_peer_list, &o->peers));
	json_object_set_new(root, "services", sn_list_json(&sn_service_list, &o->services));
	json_object_set_new(root, "instances", sn_list_json(&sn_instance_list, &o->instances));
	json_object_set_new(root, "stats", sn_stats_json(&o->stats));
	return sn_json_print(root, stdout) ? SN_EXIT_FAIL : 0;
}

/* Was this name printed before position k (of services, then instances)? */
static bool name_seen(const struct overview *o, const char *name, size_t ks, size_t ki)
{
	size_t i;

	for (i = 0; i < ks; i++)
		if (!strcmp(o->services.v[i].name, name))
			return true;
	for (i = 0; i < ki; i++)
		if (!strcmp(o->instances.v[i].service, name))
			return true;
	return false;
}

/* A member of a group: its row, "    address A" or "    instance A". */
static void member_row(struct sn_table *t, const char *what, const char *addr)
{
	sn_table_row(t);
	sn_table_cell(t, "    %s %s", what, addr);
}

/* With -s, a member's counters under its row. */
static void member_counters(struct sn_table *t, const struct sn_counters *c)
{
	if (sn_opts.stats)
		sn_counters_line(t, "        ", c);
}

static void print_group(struct sn_table *t, const struct overview *o, const char *name)
{
	const struct sn_service *s;
	const struct sn_instance *in;
	char a[SN_INADDR_STRLEN];

	/* Both families: the lists are sorted IPv4 first. */
	sn_table_line(t, "service %s", name[0] ? name : "-");
	for (s = o->services.v; s < o->services.v + o->services.n; s++) {
		if (strcmp(s->name, name))
			continue;
		member_row(t, "address", sn_service_addr_fmt(s, a));
		sn_table_cell(t, "policy %s", s->policy[0] ? s->policy : "-");
		sn_table_cell(t, "instances %" PRIu32, s->instances);
		member_counters(t, &s->counters);
	}
	for (in = o->instances.v; in < o->instances.v + o->instances.n; in++) {
		if (strcmp(in->service, name))
			continue;
		member_row(t, "instance", sn_instance_addr_fmt(in, a));
		sn_table_cell(t, "nsip %s", SN_HAS(in, SEMNET_A_INSTANCE_NSIP) ||
			      SN_HAS(in, SEMNET_A_INSTANCE_NSIP6) ? sn_instance_nsip_fmt(in, a) : "-");
		sn_table_cell(t, "node %s", in->node ? sn_fmt_addr(in->node, a) : "local");
		member_counters(t, &in->counters);
	}
}

static void print_text(struct overview *o)
{
	struct sn_table *t = sn_table_new();
	size_t i;

	if (o->has_node) {
		puts("node");
		sn_node_text(t, &o->node);
		sn_table_print(t, stdout, "    ");
	} else {
		puts("node not configured (see: semnet node set)");
	}
	sn_table_free(t);

	t = sn_table_new();
	sn_list_text(t, &sn_peer_list, "peer ", &o->peers);
	sn_table_print(t, stdout, "");
	sn_table_free(t);

	/* Services by name, in address order of their first appearance. */
	t = sn_table_new();
	for (i = 0; i < o->services.n; i++)
		if (!name_seen(o, o->services.v[i].name, i, 0))
			print_group(t, o, o->services.v[i].name);
	/* Instances of a name that has no service address (yet). */
	for (i = 0; i < o->instances.n; i++)
		if (!name_seen(o, o->instances.v[i].service, o->services.n, i))
			print_group(t, o, o->instances.v[i].service);
	sn_table_print(t, stdout, "");
	sn_table_free(t);

	if (sn_opts.stats) {
		puts("stats");
		t = sn_table_new();
		sn_stats_text(t, &o->stats, true);
		sn_table_print(t, stdout, "    ");
		sn_table_free(t);
	} else {
		printf("services %" PRIu32 "  instances %" PRIu32 "  flows %" PRIu32
		       "  packets %" PRIu64 "  drops %" PRIu64 "\n",
		       o->stats.services, o->stats.instances, o->stats.flows,
		       o->stats.packets, o->stats.drops_total);
	}
}

int sn_cmd_show(void)
{
	struct overview o;
	int ret;

	memset(&o, 0, sizeof(o));
	ret = fetch(&o);
	if (!ret) {
		sn_list_sort(&sn_peer_list, &o.peers);
		sn_list_sort(&sn_service_list, &o.services);
		sn_list_sort(&sn_instance_list, &o.instances);
		ret = sn_opts.json ? print_json(&o) : (print_text(&o), 0);
	}
	free(o.peers.v);
	free(o.services.v);
	free(o.instances.v);
	return ret;
}
