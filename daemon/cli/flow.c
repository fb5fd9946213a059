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
	      "  service ADDR   flows to this ServiceIP\n"
	      "  instance ADDR  flows to this InstanceIP (chosen by a service or addressed directly)\n"
	      "A flow prints as: PROTO SRC -> DST => XSRC -> XDST instance ADDR STATE expires\n"
	      "SECONDS, where SRC -> DST is the connection as the client sent it and XSRC -> XDST\n"
	      "as translated; for ICMP the port is the echo id. -s shows counters.\n",
	      out);
}

/*
 * A flow's text cells. Flows are printed without sn_table: a full table
 * (16M flows) would not fit as strings, so the cells are formatted twice,
 * once to find the column widths and once to print.
 */
#define FLOW_CELLS 11
#define FLOW_CELL_MAX 40

struct flow_cells {
	char c[FLOW_CELLS][FLOW_CELL_MAX];
};

static void flow_cells(const struct sn_flow *f, struct flow_cells *fc)
{
	const char *state = sn_flow_state_name(f->state);
	char a[SN_ADDR_STRLEN], b[8], ms[24];

	snprintf(fc->c[0], FLOW_CELL_MAX, "%s", sn_fmt_proto(f->proto, b, sizeof(b)));
	snprintf(fc->c[1], FLOW_CELL_MAX, "%s:%u", sn_fmt_addr(f->src, a), f->sport);
	snprintf(fc->c[2], FLOW_CELL_MAX, "->");
	snprintf(fc->c[3], FLOW_CELL_MAX, "%s:%u", sn_fmt_addr(f->dst, a), f->dport);
	snprintf(fc->c[4], FLOW_CELL_MAX, "=>");
	snprintf(fc->c[5], FLOW_CELL_MAX, "%s:%u", sn_fmt_addr(f->xsrc, a), f->xsport);
	snprintf(fc->c[6], FLOW_CELL_MAX, "->");
	snprintf(fc->c[7], FLOW_CELL_MAX, "%s:%u", sn_fmt_addr(f->xdst, a), f->xdport);
	snprintf(fc->c[8], FLOW_CELL_MAX, "instance %s", SN_HAS(f, SEMNET_A_FLOW_INSTANCE) ?
		 sn_fmt_addr(f->instance, a) : "-");
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

static int cmp_flow(const void *pa, const void *pb)
{
	const struct sn_flow *a = pa, *b = pb;
	uint64_t x, y;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	x = (uint64_t)ntohl(a->src) << 16 | a->sport;
	y = (uint64_t)ntohl(b->src) << 16 | b->sport;
	if (x != y)
		return x < y ? -1 : 1;
	x = (uint64_t)ntohl(a->dst) << 16 | a->dport;
	y = (uint64_t)ntohl(b->dst) << 16 | b->dport;
	return x < y ? -1 : x > y;
}

#define FLOW_J(key, type, member) SN_JF(key, type, struct sn_flow, member)

static const struct sn_jfield flow_json[] = {
	{ FLOW_J("proto", SN_J_PROTO, proto) },
	{ FLOW_J("src", SN_J_ADDR, src) },
	{ FLOW_J("sport", SN_J_U16, sport) },
	{ FLOW_J("dst", SN_J_ADDR, dst) },
	{ FLOW_J("dport", SN_J_U16, dport) },
	{ FLOW_J("xsrc", SN_J_ADDR, xsrc) },
	{ FLOW_J("xsport", SN_J_U16, xsport) },
	{ FLOW_J("xdst", SN_J_ADDR, xdst) },
	{ FLOW_J("xdport", SN_J_U16, xdport) },
	{ FLOW_J("service", SN_J_ADDR, service), .attr = SEMNET_A_FLOW_SERVICE, .or_null = true },
	{ FLOW_J("instance", SN_J_ADDR, instance), .attr = SEMNET_A_FLOW_INSTANCE,
	  .or_null = true },
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

static const struct sn_kw flow_kw[] = {
	[FKW_SERVICE] = { SN_KW("service", SN_KW_ADDR, 0, 0, NULL),
			  SN_KW_FIELD(struct sn_flow, service, SEMNET_A_FLOW_SERVICE) },
	[FKW_INSTANCE] = { SN_KW("instance", SN_KW_ADDR, 0, 0, NULL),
			   SN_KW_FIELD(struct sn_flow, instance, SEMNET_A_FLOW_INSTANCE) },
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
