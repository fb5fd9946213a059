// SPDX-License-Identifier: GPL-2.0
/*
 * semnet instance { add | change | del | show | flush }: InstanceIPs
 * (SEMNET_CMD_NEW_INSTANCE / DEL_INSTANCE / GET_INSTANCE / FLUSH_INSTANCES).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sn_instance_usage(FILE *out)
{
	fputs("Usage: semnet instance add ADDR service NAME nsip ADDR [node ADDR] [dev IFNAME]\n"
	      "       semnet instance change ADDR [service NAME] [nsip ADDR] [node ADDR]\n"
	      "                              [dev IFNAME]\n"
	      "       semnet instance del ADDR\n"
	      "       semnet instance show [ADDR | service NAME]\n"
	      "       semnet instance flush [service NAME]\n"
	      "\n"
	      "  ADDR          the InstanceIP (e.g. 172.30.1.7): the instance's stable identity\n"
	      "  service NAME  the name of the service it belongs to\n"
	      "  nsip ADDR     its namespace IP on the node that hosts it (e.g. 172.16.0.2)\n"
	      "  node ADDR     the underlay address of that node; \"local\" (0.0.0.0, the\n"
	      "                default) for this node\n"
	      "  dev IFNAME    the bridge port (host-side veth) of a local instance: only it\n"
	      "                may send with the nsIP; \"none\" (the default): not enforced\n"
	      "-s shows counters.\n",
	      out);
}

json_t *sn_instance_json(const struct sn_instance *i)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "address", sn_json_addr(i->addr));
	json_object_set_new(o, "service", json_string(i->service));
	json_object_set_new(o, "nsip", SN_HAS(i, SEMNET_A_INSTANCE_NSIP) ?
			    sn_json_addr(i->nsip) : json_null());
	/* node: the hosting node's underlay address, null when it is this one. */
	json_object_set_new(o, "node", i->node ? sn_json_addr(i->node) : json_null());
	json_object_set_new(o, "local", json_boolean(i->local));
	if (i->ifindex) {
		char ifname[SN_IFNAME_STRLEN];

		json_object_set_new(o, "dev", json_string(sn_fmt_ifname(i->ifindex, ifname)));
		json_object_set_new(o, "ifindex", json_integer(i->ifindex));
	} else {
		json_object_set_new(o, "dev", json_null());
		json_object_set_new(o, "ifindex", json_integer(0));
	}
	/* Its node's cost and state, as the closest policy sees them. */
	if (SN_HAS(i, SEMNET_A_INSTANCE_COST))
		json_object_set_new(o, "cost", sn_json_cost(i->cost));
	if (SN_HAS(i, SEMNET_A_INSTANCE_DOWN))
		json_object_set_new(o, "down", json_boolean(i->down));
	json_object_set_new(o, "counters", sn_counters_json(&i->counters));
	return o;
}

void sn_instance_text(struct sn_table *t, const char *indent, const struct sn_instance *i)
{
	char a[SN_ADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_fmt_addr(i->addr, a));
	sn_table_cell(t, "service %s", i->service[0] ? i->service : "-");
	sn_table_cell(t, "nsip %s", SN_HAS(i, SEMNET_A_INSTANCE_NSIP) ?
		      sn_fmt_addr(i->nsip, a) : "-");
	sn_table_cell(t, "node %s", i->node ? sn_fmt_addr(i->node, a) : "local");
	/* Where the node and the module's LOCAL flag disagree, say so. */
	if (i->node && i->local)
		sn_table_cell(t, "(nsip in a local subnet)");
	else if (!i->node && !i->local && SN_HAS(i, SEMNET_A_INSTANCE_NSIP))
		sn_table_cell(t, "(nsip not in a local subnet)");
	if (i->ifindex) {
		char ifname[SN_IFNAME_STRLEN];

		sn_table_cell(t, "dev %s", sn_fmt_ifname(i->ifindex, ifname));
	}
	/* A remote node's cost (local ones cost 0: nothing to say). */
	if (SN_HAS(i, SEMNET_A_INSTANCE_COST) && !i->local)
		sn_cost_cell(t, i->cost);
	if (i->down)
		sn_table_cell(t, "down");
	if (sn_opts.stats)
		sn_counters_line(t, "    ", &i->counters);
}

static int cmp_instance(const void *a, const void *b)
{
	uint32_t x = ntohl(((const struct sn_instance *)a)->addr);
	uint32_t y = ntohl(((const struct sn_instance *)b)->addr);

	return x < y ? -1 : x > y;
}

void sn_instances_sort(struct sn_instances *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_instance);
}

enum { IKW_SERVICE, IKW_NSIP, IKW_NODE, IKW_DEV, IKW_N };

static int instance_add_change(const char *what, int argc, char **argv, bool add)
{
	static const struct sn_kw add_kw[] = {
		[IKW_SERVICE] = { "service", SN_KW_NAME, SN_KW_REQUIRED, 0, NULL },
		[IKW_NSIP] = { "nsip", SN_KW_ADDR, SN_KW_REQUIRED, 0, NULL },
		[IKW_NODE] = { "node", SN_KW_NODE, 0, 0, NULL },
		[IKW_DEV] = { "dev", SN_KW_IFNAME, 0, 0, NULL },
	};
	static const struct sn_kw change_kw[] = {
		[IKW_SERVICE] = { "service", SN_KW_NAME, 0, 0, NULL },
		[IKW_NSIP] = { "nsip", SN_KW_ADDR, 0, 0, NULL },
		[IKW_NODE] = { "node", SN_KW_NODE, 0, 0, NULL },
		[IKW_DEV] = { "dev", SN_KW_IFNAME, 0, 0, NULL },
	};
	struct sn_kwval kv[IKW_N];
	struct sn_instance i;
	int ret;

	memset(&i, 0, sizeof(i));
	ret = sn_positional_addr(what, argc > 0 ? argv[0] : NULL, &i.addr);
	if (ret)
		return ret;
	SN_SET(&i, SEMNET_A_INSTANCE_ADDR);
	ret = sn_keywords(what, add ? add_kw : change_kw, IKW_N, argc - 1, argv + 1, kv);
	if (ret)
		return ret;
	if (!add && !kv[IKW_SERVICE].n && !kv[IKW_NSIP].n && !kv[IKW_NODE].n &&
	    !kv[IKW_DEV].n)
		return sn_usage_error(what, "nothing to change (give service, nsip, node or dev)");
	if (kv[IKW_SERVICE].n) {
		snprintf(i.service, sizeof(i.service), "%s", kv[IKW_SERVICE].v[0].str);
		SN_SET(&i, SEMNET_A_INSTANCE_SERVICE);
	}
	if (kv[IKW_NSIP].n) {
		i.nsip = kv[IKW_NSIP].v[0].addr;
		SN_SET(&i, SEMNET_A_INSTANCE_NSIP);
	}
	if (kv[IKW_NODE].n) {
		i.node = kv[IKW_NODE].v[0].addr;
		SN_SET(&i, SEMNET_A_INSTANCE_NODE);
	}
	if (kv[IKW_DEV].n) {
		const char *dev = kv[IKW_DEV].v[0].str;

		/* "none" lifts the check (0); a name must exist here and now. */
		if (strcmp(dev, "none")) {
			i.ifindex = if_nametoindex(dev);
			if (!i.ifindex)
				return sn_fail(what, "no such device \"%s\" (dev) in this network namespace",
					       dev);
		}
		SN_SET(&i, SEMNET_A_INSTANCE_IFINDEX);
	}
	return sn_request(what, SEMNET_CMD_NEW_INSTANCE,
			  add ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_REPLACE,
			  sn_instance_fill, &i, NULL, NULL);
}

static int instance_add(const char *what, int argc, char **argv)
{
	return instance_add_change(what, argc, argv, true);
}

static int instance_change(const char *what, int argc, char **argv)
{
	return instance_add_change(what, argc, argv, false);
}

static int instance_del(const char *what, int argc, char **argv)
{
	struct sn_instance i;
	int ret;

	memset(&i, 0, sizeof(i));
	ret = sn_positional_addr(what, argc > 0 ? argv[0] : NULL, &i.addr);
	if (ret)
		return ret;
	if (argc > 1)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[1]);
	SN_SET(&i, SEMNET_A_INSTANCE_ADDR);
	return sn_request(what, SEMNET_CMD_DEL_INSTANCE, 0, sn_instance_fill, &i, NULL, NULL);
}

static const struct sn_kw service_filter_kw[] = {
	{ "service", SN_KW_NAME, 0, 0, NULL },
};

/*
 * [ADDR | service NAME] of show, or [service NAME] of flush, into *i.
 * Returns 0 or SN_EXIT_USAGE.
 */
static int instance_selector(const char *what, int argc, char **argv, bool addr_ok,
			     struct sn_instance *i)
{
	struct sn_kwval kv[1];
	int ret;

	memset(i, 0, sizeof(*i));
	if (!argc)
		return 0;
	if (addr_ok && argv[0][0] >= '0' && argv[0][0] <= '9') {
		ret = sn_positional_addr(what, argv[0], &i->addr);
		if (ret)
			return ret;
		if (argc > 1)
			return sn_usage_error(what, "unexpected argument \"%s\"", argv[1]);
		SN_SET(i, SEMNET_A_INSTANCE_ADDR);
		return 0;
	}
	ret = sn_keywords(what, service_filter_kw, 1, argc, argv, kv);
	if (ret)
		return ret;
	snprintf(i->service, sizeof(i->service), "%s", kv[0].v[0].str);
	SN_SET(i, SEMNET_A_INSTANCE_SERVICE);
	return 0;
}

static int instance_show(const char *what, int argc, char **argv)
{
	struct sn_instances list = { 0 };
	struct sn_instance sel;
	struct sn_table *t;
	size_t k;
	int ret;

	ret = instance_selector(what, argc, argv, true, &sel);
	if (ret)
		return ret;
	if (SN_HAS(&sel, SEMNET_A_INSTANCE_ADDR)) {
		ret = sn_request(what, SEMNET_CMD_GET_INSTANCE, 0, sn_instance_fill, &sel,
				 sn_instances_collect, &list);
	} else {
		if (SN_HAS(&sel, SEMNET_A_INSTANCE_SERVICE))
			list.filter_service = sel.service;
		ret = sn_dump(what, SEMNET_CMD_GET_INSTANCE,
			      sel.present ? sn_instance_fill : NULL, &sel,
			      sn_instances_collect, &list, sn_instances_reset);
	}
	if (ret)
		goto out;
	sn_instances_sort(&list);
	if (sn_opts.json) {
		json_t *a = json_array();

		for (k = 0; a && k < list.n; k++)
			json_array_append_new(a, sn_instance_json(&list.v[k]));
		ret = sn_json_print(a, stdout) ? SN_EXIT_FAIL : 0;
		goto out;
	}
	t = sn_table_new();
	for (k = 0; k < list.n; k++)
		sn_instance_text(t, "", &list.v[k]);
	sn_table_print(t, stdout, "");
	sn_table_free(t);
out:
	free(list.v);
	return ret;
}

static int instance_flush(const char *what, int argc, char **argv)
{
	struct sn_instance sel;
	int ret;

	ret = instance_selector(what, argc, argv, false, &sel);
	if (ret)
		return ret;
	return sn_request(what, SEMNET_CMD_FLUSH_INSTANCES, 0,
			  sel.present ? sn_instance_fill : NULL, &sel, NULL, NULL);
}

static const struct sn_subcmd instance_cmds[] = {
	{ "show", instance_show },
	{ "add", instance_add },
	{ "change", instance_change },
	{ "del", instance_del },
	{ "flush", instance_flush },
};

int sn_cmd_instance(int argc, char **argv)
{
	return sn_dispatch("instance", instance_cmds, ARRAY_SIZE(instance_cmds),
			   sn_instance_usage, argc, argv);
}
