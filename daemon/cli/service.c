// SPDX-License-Identifier: GPL-2.0
/*
 * semnet service { add | change | del | show | flush }: ServiceIPs
 * (SEMNET_CMD_NEW_SERVICE / DEL_SERVICE / GET_SERVICE / FLUSH_SERVICES).
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli.h"

void sn_service_usage(FILE *out)
{
	fputs("Usage: semnet service add ADDR name NAME [policy POLICY]\n"
	      "       semnet service change ADDR [name NAME] [policy POLICY]\n"
	      "       semnet service del ADDR\n"
	      "       semnet service show [ADDR]\n"
	      "       semnet service flush\n"
	      "\n"
	      "  ADDR           the ServiceIP, IPv4 (e.g. 172.30.0.10) or IPv6 (e.g.\n"
	      "                 fdff:2000::1), in the node's services (services6) range;\n"
	      "                 it balances over the instances of its name and family\n"
	      "  name NAME      the service name (e.g. app.ns.svc.ns); services with the\n"
	      "                 same name share their instances\n"
	      "  policy POLICY  how an instance is chosen: rr (round robin, default), random,\n"
	      "                 mh (consistent hashing on the client: a client keeps its\n"
	      "                 instance; removing one of N moves about 1/N of the clients),\n"
	      "                 or closest (on the node of lowest cost, see semnet peer set;\n"
	      "                 local first, ties in turn, never a node that is down)\n"
	      "`service flush` removes every service; instances stay. -s shows counters.\n",
	      out);
}

static const struct sn_jfield service_json[] = {
	{ SN_JF("address", SN_J_INADDR, struct sn_service, addr),
	  SN_JF6(struct sn_service, addr6, SEMNET_A_SERVICE_ADDR6) },
	{ SN_JF("name", SN_J_STR, struct sn_service, name) },
	{ SN_JF("policy", SN_J_STR, struct sn_service, policy) },
	{ SN_JF("instances", SN_J_U32, struct sn_service, instances) },
	{ SN_JF("counters", SN_J_COUNTERS, struct sn_service, counters) },
};

json_t *sn_service_json(const void *service)
{
	return sn_json_object(service, service_json, ARRAY_SIZE(service_json));
}

void sn_service_text(struct sn_table *t, const char *indent, const void *service)
{
	const struct sn_service *s = service;
	char a[SN_INADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_fmt_inaddr(sn_service_family(s), s->addr, &s->addr6, a));
	sn_table_cell(t, "name %s", s->name[0] ? s->name : "-");
	sn_table_cell(t, "policy %s", s->policy[0] ? s->policy : "-");
	sn_table_cell(t, "instances %" PRIu32, s->instances);
	if (sn_opts.stats)
		sn_counters_line(t, "    ", &s->counters);
}

/* IPv4 first, then IPv6, each in address order. */
static int cmp_service(const void *a, const void *b)
{
	const struct sn_service *x = a, *y = b;

	return sn_cmp_inaddr(sn_service_family(x), x->addr, &x->addr6,
			     sn_service_family(y), y->addr, &y->addr6);
}

static void *service_items(void *list, size_t *n)
{
	struct sn_services *l = list;

	*n = l->n;
	return l->v;
}

const struct sn_list_ops sn_service_list = {
	.list_size = sizeof(struct sn_services),
	.item_size = sizeof(struct sn_service),
	.collect = sn_services_collect,
	.reset = sn_services_reset,
	.items = service_items,
	.cmp = cmp_service,
	.json = sn_service_json,
	.text = sn_service_text,
};

enum { SKW_NAME, SKW_POLICY };

static const struct sn_kw service_kw[] = {
	[SKW_NAME] = { SN_KW("name", SN_KW_NAME, SN_KW_REQUIRED, 0, NULL),
		       SN_KW_FIELD(struct sn_service, name, SEMNET_A_SERVICE_NAME) },
	[SKW_POLICY] = { SN_KW("policy", SN_KW_POLICY, 0, 0, NULL),
			 SN_KW_FIELD(struct sn_service, policy, SEMNET_A_SERVICE_POLICY) },
};

/* add without a policy: round robin, said explicitly. */
static void service_finish(void *obj, const struct sn_kwval *kv, bool add)
{
	struct sn_service *s = obj;

	if (add && !kv[SKW_POLICY].n) {
		sn_copy(s->policy, sizeof(s->policy), "rr");
		SN_SET(s, SEMNET_A_SERVICE_POLICY);
	}
}

const struct sn_object sn_service_object = {
	.name = "service",
	.usage = sn_service_usage,
	.size = sizeof(struct sn_service),
	.fill = sn_service_fill,
	SN_OBJECT_KEY(SN_KEY_ADDR, struct sn_service, addr, SEMNET_A_SERVICE_ADDR),
	SN_OBJECT_KEY6(struct sn_service, addr6, SEMNET_A_SERVICE_ADDR6),
	SN_OBJECT_KW(service_kw, "nothing to change (give name NAME and/or policy POLICY)"),
	.finish = service_finish,
	.cmd = { SEMNET_CMD_NEW_SERVICE, SEMNET_CMD_DEL_SERVICE, SEMNET_CMD_GET_SERVICE,
		 SEMNET_CMD_FLUSH_SERVICES },
	.show_key = true,
	.list = &sn_service_list,
};
