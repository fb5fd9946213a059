// SPDX-License-Identifier: GPL-2.0
/*
 * semnet instance { add | change | del | show | flush }: InstanceIPs
 * (SEMNET_CMD_NEW_INSTANCE / DEL_INSTANCE / GET_INSTANCE / FLUSH_INSTANCES).
 */
#include <inttypes.h>
#include <stddef.h>

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
	      "  ADDR          the InstanceIP (e.g. 172.30.1.7 or fdff::7): the instance's\n"
	      "                stable identity\n"
	      "  service NAME  the name of the service it belongs to\n"
	      "  nsip ADDR     its namespace IP on the node that hosts it (e.g. 172.16.0.2,\n"
	      "                or fc00::102 for an IPv6 InstanceIP: of the same family)\n"
	      "  node ADDR     the underlay address of that node; \"local\" (0.0.0.0, the\n"
	      "                default) for this node\n"
	      "  dev IFNAME    the port (host-side veth, bridged or routed) of a local\n"
	      "                instance: only it may send with the nsIP; \"none\" (the\n"
	      "                default): not enforced, but on a routed node no port sends it\n"
	      "A dual-stack instance is two instances of one service name, one of each\n"
	      "family. -s shows counters.\n",
	      out);
}

#define INSTANCE_J(key, type, member) SN_JF(key, type, struct sn_instance, member)

static const struct sn_jfield instance_json[] = {
	{ INSTANCE_J("address", SN_J_INADDR, addr),
	  SN_JF6(struct sn_instance, addr6, SEMNET_A_INSTANCE_ADDR6) },
	{ INSTANCE_J("service", SN_J_STR, service) },
	{ INSTANCE_J("nsip", SN_J_INADDR, nsip), .attr = SEMNET_A_INSTANCE_NSIP, .or_null = true,
	  SN_JF6(struct sn_instance, nsip6, SEMNET_A_INSTANCE_NSIP6) },
	/* node: the hosting node's underlay address, null when it is this one. */
	{ INSTANCE_J("node", SN_J_NODE, node) },
	{ INSTANCE_J("local", SN_J_BOOL, local) },
};

/* Its node's cost and state, as the closest policy sees them; counters. */
static const struct sn_jfield instance_json_state[] = {
	{ INSTANCE_J("cost", SN_J_COST, cost), .attr = SEMNET_A_INSTANCE_COST },
	{ INSTANCE_J("down", SN_J_BOOL, down), .attr = SEMNET_A_INSTANCE_DOWN },
	{ INSTANCE_J("counters", SN_J_COUNTERS, counters) },
};

json_t *sn_instance_json(const void *instance)
{
	const struct sn_instance *i = instance;
	char ifname[SN_IFNAME_STRLEN];
	json_t *o = sn_json_object(i, instance_json, ARRAY_SIZE(instance_json));

	if (!o)
		return NULL;
	json_object_set_new(o, "dev", i->ifindex ?
			    json_string(sn_fmt_ifname(i->ifindex, ifname)) : json_null());
	json_object_set_new(o, "ifindex", json_integer(i->ifindex));
	sn_json_fields(o, i, instance_json_state, ARRAY_SIZE(instance_json_state));
	return o;
}

void sn_instance_text(struct sn_table *t, const char *indent, const void *instance)
{
	const struct sn_instance *i = instance;
	bool has_nsip = SN_HAS(i, SEMNET_A_INSTANCE_NSIP) || SN_HAS(i, SEMNET_A_INSTANCE_NSIP6);
	char a[SN_INADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_instance_addr_fmt(i, a));
	sn_table_cell(t, "service %s", i->service[0] ? i->service : "-");
	sn_table_cell(t, "nsip %s", has_nsip ? sn_instance_nsip_fmt(i, a) : "-");
	sn_table_cell(t, "node %s", i->node ? sn_fmt_addr(i->node, a) : "local");
	/* Where the node and the module's LOCAL flag disagree, say so. */
	if (i->node && i->local)
		sn_table_cell(t, "(nsip in a local subnet)");
	else if (!i->node && !i->local && has_nsip)
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

/* IPv4 first, then IPv6, each in address order. */
static int cmp_instance(const void *a, const void *b)
{
	const struct sn_instance *x = a, *y = b;

	return sn_cmp_inaddr(sn_instance_family(x), x->addr, &x->addr6,
			     sn_instance_family(y), y->addr, &y->addr6);
}

static void *instance_items(void *list, size_t *n)
{
	struct sn_instances *l = list;

	*n = l->n;
	return l->v;
}

/* show service NAME: the list keeps only its instances, for any module. */
static void instance_filter(void *list, const void *sel)
{
	const struct sn_instance *i = sel;

	if (SN_HAS(i, SEMNET_A_INSTANCE_SERVICE))
		((struct sn_instances *)list)->filter_service = i->service;
}

const struct sn_list_ops sn_instance_list = {
	.list_size = sizeof(struct sn_instances),
	.item_size = sizeof(struct sn_instance),
	.collect = sn_instances_collect,
	.reset = sn_instances_reset,
	.items = instance_items,
	.filter = instance_filter,
	.cmp = cmp_instance,
	.json = sn_instance_json,
	.text = sn_instance_text,
};

#define INSTANCE_KW(name, type, flags, member, attr) \
	{ SN_KW(name, type, flags, 0, NULL), SN_KW_FIELD(struct sn_instance, member, attr) }

static const struct sn_kw instance_kw[] = {
	INSTANCE_KW("service", SN_KW_NAME, SN_KW_REQUIRED, service, SEMNET_A_INSTANCE_SERVICE),
	/* Of the InstanceIP's family: the module says so when it is not. */
	{ SN_KW("nsip", SN_KW_ADDR_ANY, SN_KW_REQUIRED, 0, NULL),
	  SN_KW_FIELD(struct sn_instance, nsip, SEMNET_A_INSTANCE_NSIP),
	  SN_KW_FIELD6(struct sn_instance, nsip6, SEMNET_A_INSTANCE_NSIP6) },
	INSTANCE_KW("node", SN_KW_NODE, 0, node, SEMNET_A_INSTANCE_NODE),
	/* "none" lifts the check of the sender's port (ifindex 0). */
	INSTANCE_KW("dev", SN_KW_IFNAME, SN_KW_NONE, ifindex, SEMNET_A_INSTANCE_IFINDEX),
};

/* show [service NAME] and flush [service NAME]. */
static const struct sn_kw instance_filter_kw[] = {
	INSTANCE_KW("service", SN_KW_NAME, 0, service, SEMNET_A_INSTANCE_SERVICE),
};

/* show and flush also take [service NAME]. */
const struct sn_object sn_instance_object = {
	.name = "instance",
	.usage = sn_instance_usage,
	.size = sizeof(struct sn_instance),
	.fill = sn_instance_fill,
	SN_OBJECT_KEY(SN_KEY_ADDR, struct sn_instance, addr, SEMNET_A_INSTANCE_ADDR),
	SN_OBJECT_KEY6(struct sn_instance, addr6, SEMNET_A_INSTANCE_ADDR6),
	SN_OBJECT_KW(instance_kw, "nothing to change (give service, nsip, node or dev)"),
	.cmd = { SEMNET_CMD_NEW_INSTANCE, SEMNET_CMD_DEL_INSTANCE, SEMNET_CMD_GET_INSTANCE,
		 SEMNET_CMD_FLUSH_INSTANCES },
	.show_key = true,
	.filter_kw = instance_filter_kw,
	.nfilter_kw = ARRAY_SIZE(instance_filter_kw),
	.list = &sn_instance_list,
};
