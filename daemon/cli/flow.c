// SPDX-License-Identifier: GPL-2.0
/*
 * semnet flow { show | flush }: translated connections, read-only
 * (SEMNET_CMD_GET_FLOW dump, SEMNET_CMD_FLUSH_FLOWS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sn_flow_usage(FILE *out)
{
	fputs("Usage: semnet flow show [service ADDR] [instance ADDR]\n"
	      "       semnet flow flush [service ADDR | instance ADDR]\n"
	      "\n"
	      "  service ADDR   flows to this ServiceIP (IPv4 or IPv6)\n"
	      "  instance ADDR  flows to this InstanceIP (chosen by a service or addressed directly)\n"
	      "A flow prints as: PROTO SRC -> DST => XSRC -> XDST instance ADDR STATE expires\n"
	      "SECONDS, where SRC -> DST is the connection as the client sent it and XSRC -> XDST\n"
	      "as translated; for ICMP the port is the echo id. IPv4 flows come first, then\n"
	      "IPv6 ones ([ADDR]:PORT). -s shows counters.\n",
	      out);
}

/*
 * A flow's text cells. Flows are printed without sn_table: a full table
 * (16M flows) would not fit as strings, so the cells are formatted twice,
 * once to find the column widths and once to print.
 */
#define FLOW_CELLS 11
/* "instance " and the longest IPv6 address, or "[ADDR]:65535". */
#define FLOW_CELL_MAX (SN_INADDR_STRLEN + 10)

struct flow_cells {
	char c[FLOW_CELLS][FLOW_CELL_MAX];
};

/* ADDR:PORT, or [ADDR]:PORT for IPv6, of @f's family. */
static void flow_endpoint(char *cell, const struct sn_flow *f, uint32_t addr,
			  const struct in6_addr *addr6, uint16_t port)
{
	char a[SN_INADDR_STRLEN];

	if (f->family == AF_INET6)
		snprintf(cell, FLOW_CELL_MAX, "[%s]:%u", sn_fmt_addr6(addr6, a), port);
	else
		snprintf(cell, FLOW_CELL_MAX, "%s:%u", sn_fmt_addr(addr, a), port);
}

static void flow_cells(const struct sn_flow *f, struct flow_cells *fc)
{
	const char *state = sn_flow_state_name(f->state);
	char a[SN_INADDR_STRLEN], b[8], ms[24];
	bool has_inst = SN_HAS(f, SEMNET_A_FLOW_INSTANCE) || SN_HAS(f, SEMNET_A_FLOW_INSTANCE6);

	snprintf(fc->c[0], FLOW_CELL_MAX, "%s", sn_fmt_proto(f->proto, b, sizeof(b)));
	flow_endpoint(fc->c[1], f, f->src, &f->src6, f->sport);
	snprintf(fc->c[2], FLOW_CELL_MAX, "->");
	flow_endpoint(fc->c[3], f, f->dst, &f->dst6, f->dport);
	snprintf(fc->c[4], FLOW_CELL_MAX, "=>");
	flow_endpoint(fc->c[5], f, f->xsrc, &f->xsrc6, f->xsport);
	snprintf(fc->c[6], FLOW_CELL_MAX, "->");
	flow_endpoint(fc->c[7], f, f->xdst, &f->xdst6, f->xdport);
	snprintf(fc->c[8], FLOW_CELL_MAX, "instance %s", has_inst ?
		 sn_fmt_inaddr(f->family, f->instance, &f->instance6, a) : "-");
	if (state)
		snprintf(fc->c[9], FLOW_CELL_MAX, "%s", state);
	else
		snprintf(fc->c[9], FLOW_CELL_MAX, "state-%u", f->state);
	snprintf(fc->c[10], FLOW_CELL_MAX, "expires %s", sn_fmt_ms(f->expires, ms, sizeof(ms)));
}

static void print_flows_text(const struct sn_flow *v, size_t n, FILE *out)
{
	size_t width[FLOW_CELLS] = { 0 }, i, c, len;
	struct flow_cells fc;

	for (i = 0; i < n; i++) {
		flow_cells(&v[i], &fc);
		for (c = 0; c + 1 < FLOW_CELLS; c++) {
			len = strlen(fc.c[c]);
			if (len > width[c])
				width[c] = len;
		}
	}
	for (i = 0; i < n; i++) {
		flow_cells(&v[i], &fc);
		for (c = 0; c + 1 < FLOW_CELLS; c++)
			fprintf(out, "%-*s  ", (int)width[c], fc.c[c]);
		fprintf(out, "%s\n", fc.c[FLOW_CELLS - 1]);
		if (sn_opts.stats)
			fprintf(out, "    packets %" PRIu64 "  bytes %" PRIu64 "\n",
				v[i].packets, v[i].bytes);
	}
}

static int cmp_port(uint16_t a, uint16_t b)
{
	return a < b ? -1 : a > b;
}

/* IPv4 flows first, then IPv6; within a family by protocol, source, destination. */
static int cmp_flow(const void *pa, const void *pb)
{
	const struct sn_flow *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family == AF_INET6 ? 1 : -1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	c = sn_cmp_inaddr(a->family, a->src, &a->src6, b->family, b->src, &b->src6);
	if (!c)
		c = cmp_port(a->sport, b->sport);
	if (!c)
		c = sn_cmp_inaddr(a->family, a->dst, &a->dst6, b->family, b->dst, &b->dst6);
	if (!c)
		c = cmp_port(a->dport, b->dport);
	return c;
}

#define FLOW_J(key, type, member) SN_JF(key, type, struct sn_flow, member)
#define FLOW_J6(member, attr6) SN_JF6(struct sn_flow, member, attr6)

/* Addresses of either family: an IPv6 flow has the _SRC6... twins. */
static const struct sn_jfield flow_json[] = {
	{ FLOW_J("proto", SN_J_PROTO, proto) },
	{ FLOW_J("src", SN_J_INADDR, src), FLOW_J6(src6, SEMNET_A_FLOW_SRC6) },
	{ FLOW_J("sport", SN_J_U16, sport) },
	{ FLOW_J("dst", SN_J_INADDR, dst), FLOW_J6(dst6, SEMNET_A_FLOW_DST6) },
	{ FLOW_J("dport", SN_J_U16, dport) },
	{ FLOW_J("xsrc", SN_J_INADDR, xsrc), FLOW_J6(xsrc6, SEMNET_A_FLOW_XSRC6) },
	{ FLOW_J("xsport", SN_J_U16, xsport) },
	{ FLOW_J("xdst", SN_J_INADDR, xdst), FLOW_J6(xdst6, SEMNET_A_FLOW_XDST6) },
	{ FLOW_J("xdport", SN_J_U16, xdport) },
	{ FLOW_J("service", SN_J_INADDR, service), .attr = SEMNET_A_FLOW_SERVICE, .or_null = true,
	  FLOW_J6(service6, SEMNET_A_FLOW_SERVICE6) },
	{ FLOW_J("instance", SN_J_INADDR, instance), .attr = SEMNET_A_FLOW_INSTANCE,
	  .or_null = true, FLOW_J6(instance6, SEMNET_A_FLOW_INSTANCE6) },
	{ FLOW_J("state", SN_J_NAMED, state), .name_of = sn_flow_state_name },
	{ FLOW_J("expires_ms", SN_J_U32, expires) },
	{ FLOW_J("packets", SN_J_U64, packets) },
	{ FLOW_J("bytes", SN_J_U64, bytes) },
};

json_t *sn_flow_json(const struct sn_flow *f)
{
	return sn_json_object(f, flow_json, ARRAY_SIZE(flow_json));
}

enum { FKW_SERVICE, FKW_INSTANCE };

/* Either family: an IPv6 address goes to the twin (SERVICE6, INSTANCE6). */
static const struct sn_kw flow_kw[] = {
	[FKW_SERVICE] = { SN_KW("service", SN_KW_ADDR_ANY, 0, 0, NULL),
			  SN_KW_FIELD(struct sn_flow, service, SEMNET_A_FLOW_SERVICE),
			  SN_KW_FIELD6(struct sn_flow, service6, SEMNET_A_FLOW_SERVICE6) },
	[FKW_INSTANCE] = { SN_KW("instance", SN_KW_ADDR_ANY, 0, 0, NULL),
			   SN_KW_FIELD(struct sn_flow, instance, SEMNET_A_FLOW_INSTANCE),
			   SN_KW_FIELD6(struct sn_flow, instance6, SEMNET_A_FLOW_INSTANCE6) },
};

static int flow_filter(const char *what, int argc, char **argv, bool exclusive,
		       struct sn_flow *f)
{
	struct sn_kwval kv[ARRAY_SIZE(flow_kw)];
	int ret;

	memset(f, 0, sizeof(*f));
	ret = sn_object_keywords(what, flow_kw, ARRAY_SIZE(flow_kw), false, argc, argv, kv, f);
	if (ret)
		return ret;
	if (exclusive && kv[FKW_SERVICE].n && kv[FKW_INSTANCE].n)
		return sn_usage_error(what, "give either \"service\" or \"instance\", not both");
	return 0;
}

static int flow_show(const char *what, int argc, char **argv)
{
	struct sn_flows list = { 0 };
	struct sn_flow filter;
	size_t k;
	int ret;

	ret = flow_filter(what, argc, argv, false, &filter);
	if (ret)
		return ret;
	/* The module filters the dump; the list does too, for any version. */
	list.filter = &filter;
	ret = sn_dump(what, SEMNET_CMD_GET_FLOW, filter.present ? sn_flow_fill : NULL, &filter,
		      sn_flows_collect, &list, sn_flows_reset);
	if (ret)
		goto out;
	if (list.n > 1)
		qsort(list.v, list.n, sizeof(*list.v), cmp_flow);
	if (sn_opts.json) {
		struct sn_json_stream js;

		sn_json_stream_begin(&js, stdout);
		for (k = 0; k < list.n; k++)
			sn_json_stream_add(&js, sn_flow_json(&list.v[k]));
		ret = sn_json_stream_end(&js) ? SN_EXIT_FAIL : 0;
	} else {
		print_flows_text(list.v, list.n, stdout);
	}
out:
	free(list.v);
	return ret;
}

static int flow_flush(const char *what, int argc, char **argv)
{
	struct sn_flow filter;
	int ret;

	ret = flow_filter(what, argc, argv, true, &filter);
	if (ret)
		return ret;
	return sn_request(what, SEMNET_CMD_FLUSH_FLOWS, 0,
			  filter.present ? sn_flow_fill : NULL, &filter, NULL, NULL);
}

static const struct sn_subcmd flow_cmds[] = {
	{ "show", flow_show, NULL },
	{ "flush", flow_flush, NULL },
};

/* Read-only: flows are the module's own; only show and flush. */
const struct sn_object sn_flow_object = {
	.name = "flow",
	.usage = sn_flow_usage,
	.cmds = flow_cmds,
	.ncmds = ARRAY_SIZE(flow_cmds),
};
