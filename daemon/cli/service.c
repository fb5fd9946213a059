// SPDX-License-Identifier: GPL-2.0
/*
 * semnet service { add | change | del | show | flush }: ServiceIPs
 * (SEMNET_CMD_NEW_SERVICE / DEL_SERVICE / GET_SERVICE / FLUSH_SERVICES).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
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
	      "  ADDR           the ServiceIP (e.g. 172.30.0.10), in the node's services range\n"
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

json_t *sn_service_json(const struct sn_service *s)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "address", sn_json_addr(s->addr));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "policy", json_string(s->policy));
	json_object_set_new(o, "instances", json_integer(s->instances));
	json_object_set_new(o, "counters", sn_counters_json(&s->counters));
	return o;
}

void sn_service_text(struct sn_table *t, const char *indent, const struct sn_service *s)
{
	char a[SN_ADDR_STRLEN];

	sn_table_row(t);
	sn_table_cell(t, "%s%s", indent, sn_fmt_addr(s->addr, a));
	sn_table_cell(t, "name %s", s->name[0] ? s->name : "-");
	sn_table_cell(t, "policy %s", s->policy[0] ? s->policy : "-");
	sn_table_cell(t, "instances %" PRIu32, s->instances);
	if (sn_opts.stats)
		sn_counters_line(t, "    ", &s->counters);
}

static int cmp_service(const void *a, const void *b)
{
	uint32_t x = ntohl(((const struct sn_service *)a)->addr);
	uint32_t y = ntohl(((const struct sn_service *)b)->addr);

	return x < y ? -1 : x > y;
}

void sn_services_sort(struct sn_services *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_service);
}

enum { SKW_NAME, SKW_POLICY };

static int service_add_change(const char *what, int argc, char **argv, bool add)
{
	static const struct sn_kw add_kw[] = {
		[SKW_NAME] = { "name", SN_KW_NAME, SN_KW_REQUIRED, 0, NULL },
		[SKW_POLICY] = { "policy", SN_KW_POLICY, 0, 0, NULL },
	};
	static const struct sn_kw change_kw[] = {
		[SKW_NAME] = { "name", SN_KW_NAME, 0, 0, NULL },
		[SKW_POLICY] = { "policy", SN_KW_POLICY, 0, 0, NULL },
	};
	struct sn_kwval kv[2];
	struct sn_service s;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = sn_positional_addr(what, argc > 0 ? argv[0] : NULL, &s.addr);
	if (ret)
		return ret;
	SN_SET(&s, SEMNET_A_SERVICE_ADDR);
	ret = sn_keywords(what, add ? add_kw : change_kw, 2, argc - 1, argv + 1, kv);
	if (ret)
		return ret;
	if (!add && !kv[SKW_NAME].n && !kv[SKW_POLICY].n)
		return sn_usage_error(what, "nothing to change (give name NAME and/or policy POLICY)");
	if (kv[SKW_NAME].n) {
		snprintf(s.name, sizeof(s.name), "%s", kv[SKW_NAME].v[0].str);
		SN_SET(&s, SEMNET_A_SERVICE_NAME);
	}
	if (kv[SKW_POLICY].n || add) {
		snprintf(s.policy, sizeof(s.policy), "%s",
			 kv[SKW_POLICY].n ? kv[SKW_POLICY].v[0].str : "rr");
		SN_SET(&s, SEMNET_A_SERVICE_POLICY);
	}
	return sn_request(what, SEMNET_CMD_NEW_SERVICE,
			  add ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_REPLACE,
			  sn_service_fill, &s, NULL, NULL);
}

static int service_add(const char *what, int argc, char **argv)
{
	return service_add_change(what, argc, argv, true);
}

static int service_change(const char *what, int argc, char **argv)
{
	return service_add_change(what, argc, argv, false);
}

static int service_del(const char *what, int argc, char **argv)
{
	struct sn_service s;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = sn_positional_addr(what, argc > 0 ? argv[0] : NULL, &s.addr);
	if (ret)
		return ret;
	if (argc > 1)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[1]);
	SN_SET(&s, SEMNET_A_SERVICE_ADDR);
	return sn_request(what, SEMNET_CMD_DEL_SERVICE, 0, sn_service_fill, &s, NULL, NULL);
}

static int print_services(struct sn_services *list)
{
	struct sn_table *t;
	size_t i;

	sn_services_sort(list);
	if (sn_opts.json) {
		json_t *a = json_array();

		for (i = 0; a && i < list->n; i++)
			json_array_append_new(a, sn_service_json(&list->v[i]));
		return sn_json_print(a, stdout) ? SN_EXIT_FAIL : 0;
	}
	t = sn_table_new();
	for (i = 0; i < list->n; i++)
		sn_service_text(t, "", &list->v[i]);
	sn_table_print(t, stdout, "");
	sn_table_free(t);
	return 0;
}

static int service_show(const char *what, int argc, char **argv)
{
	struct sn_services list = { 0 };
	struct sn_service s;
	int ret;

	memset(&s, 0, sizeof(s));
	if (argc > 0) {
		ret = sn_positional_addr(what, argv[0], &s.addr);
		if (ret)
			return ret;
		if (argc > 1)
			return sn_usage_error(what, "unexpected argument \"%s\"", argv[1]);
		SN_SET(&s, SEMNET_A_SERVICE_ADDR);
		ret = sn_request(what, SEMNET_CMD_GET_SERVICE, 0, sn_service_fill, &s,
				 sn_services_collect, &list);
	} else {
		ret = sn_dump(what, SEMNET_CMD_GET_SERVICE, NULL, NULL,
			      sn_services_collect, &list, sn_services_reset);
	}
	/* Always a list (in JSON an array), as ip(8) does for one object too. */
	if (!ret)
		ret = print_services(&list);
	free(list.v);
	return ret;
}

static int service_flush(const char *what, int argc, char **argv)
{
	if (argc > 0)
		return sn_usage_error(what, "unexpected argument \"%s\"", argv[0]);
	return sn_request(what, SEMNET_CMD_FLUSH_SERVICES, 0, NULL, NULL, NULL, NULL);
}

static const struct sn_subcmd service_cmds[] = {
	{ "show", service_show },
	{ "add", service_add },
	{ "change", service_change },
	{ "del", service_del },
	{ "flush", service_flush },
};

int sn_cmd_service(int argc, char **argv)
{
	return sn_dispatch("service", service_cmds, ARRAY_SIZE(service_cmds),
			   sn_service_usage, argc, argv);
}
