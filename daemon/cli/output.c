// SPDX-License-Identifier: GPL-2.0
/* Output helpers for the semnet CLI; see output.h. */
#include "output.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void oom(void)
{
	fputs("semnet: out of memory\n", stderr);
	exit(1);
}

void *sn_xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *sn_xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *sn_grow(void *v, size_t n, size_t size)
{
	if (n == 0)
		return sn_xrealloc(v, 16 * size);
	if (n >= 16 && !(n & (n - 1))) {
		if (n > SIZE_MAX / 2 / size)
			oom();
		return sn_xrealloc(v, 2 * n * size);
	}
	return v;
}

char *sn_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

const char *sn_fmt_addr(uint32_t be, char buf[SN_ADDR_STRLEN])
{
	uint32_t h = ntohl(be);

	snprintf(buf, SN_ADDR_STRLEN, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff,
		 (h >> 8) & 0xff, h & 0xff);
	return buf;
}

const char *sn_fmt_ifname(uint32_t ifindex, char buf[SN_IFNAME_STRLEN])
{
	_Static_assert(SN_IFNAME_STRLEN >= IF_NAMESIZE, "too short for a name");
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, SN_IFNAME_STRLEN, "if%" PRIu32, ifindex);
	return buf;
}

const char *sn_fmt_addr6(const struct in6_addr *a, char buf[SN_INADDR_STRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, SN_INADDR_STRLEN))
		snprintf(buf, SN_INADDR_STRLEN, "?");
	return buf;
}

const char *sn_fmt_inaddr(int family, uint32_t v4, const struct in6_addr *v6,
			  char buf[SN_INADDR_STRLEN])
{
	return family == AF_INET6 ? sn_fmt_addr6(v6, buf) : sn_fmt_addr(v4, buf);
}

const char *sn_fmt_prefix(const struct sn_prefix *p, char buf[SN_PREFIX_STRLEN])
{
	char a[SN_INADDR_STRLEN];

	snprintf(buf, SN_PREFIX_STRLEN, "%s/%u",
		 sn_fmt_inaddr(p->family, p->addr, &p->addr6, a), p->len);
	return buf;
}

const char *sn_fmt_ms(uint32_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%us", ms / 1000, (ms % 1000) / 100);
	return buf;
}

const char *sn_fmt_proto(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

static const char *const flow_states[] = {
	[SEMNET_FLOW_ACTIVE] = "active",
	[SEMNET_FLOW_CLOSING] = "closing",
	[SEMNET_FLOW_UNREPLIED] = "unreplied",
};

const char *sn_flow_state_name(unsigned int state)
{
	return state < ARRAY_SIZE(flow_states) ? flow_states[state] : NULL;
}

/*
 * Sized by the UAPI: a reason added there without a name here prints as
 * "reason-N" (and fails test_cli_output), rather than breaking the build.
 */
static const char *const drop_reasons[__SEMNET_DROP_MAX] = {
	[SEMNET_DROP_UNSPEC] = "unspec",
	[SEMNET_DROP_NO_INSTANCE] = "no-instance",
	[SEMNET_DROP_FLOW_TABLE_FULL] = "flow-table-full",
	[SEMNET_DROP_NO_PORT] = "no-port",
	[SEMNET_DROP_SPOOFED_SOURCE] = "spoofed-source",
	[SEMNET_DROP_MALFORMED] = "malformed",
	[SEMNET_DROP_NOMEM] = "nomem",
	[SEMNET_DROP_UNKNOWN_ADDRESS] = "unknown-address",
	[SEMNET_DROP_UNKNOWN_PEER] = "unknown-peer",
	[SEMNET_DROP_PEER_SPOOFED] = "peer-spoofed",
	[SEMNET_DROP_NO_PEER] = "no-peer",
	[SEMNET_DROP_BAD_ENCAP] = "bad-encap",
	[SEMNET_DROP_TOO_BIG] = "too-big",
	[SEMNET_DROP_HOLD_FULL] = "hold-full",
	[SEMNET_DROP_HOLD_EXPIRED] = "hold-expired",
	[SEMNET_DROP_NOT_OURS] = "not-ours",
	[SEMNET_DROP_UNREPLIED_LIMIT] = "unreplied-limit",
	[SEMNET_DROP_TAGGED] = "tagged",
	[SEMNET_DROP_NOT_VIA_DEVICE] = "not-via-device",
};

const char *sn_drop_reason_name(unsigned int reason)
{
	return reason < ARRAY_SIZE(drop_reasons) ? drop_reasons[reason] : NULL;
}

const char *sn_snake(const char *s, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return buf;
	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = s[i] == '-' ? '_' : s[i];
	buf[i] = '\0';
	return buf;
}

json_t *sn_json_addr(uint32_t be)
{
	char a[SN_ADDR_STRLEN];

	return json_string(sn_fmt_addr(be, a));
}

json_t *sn_json_addr6(const struct in6_addr *a)
{
	char buf[SN_INADDR_STRLEN];

	return json_string(sn_fmt_addr6(a, buf));
}

const char *sn_family_name(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

json_t *sn_json_prefix(const struct sn_prefix *p)
{
	char a[SN_PREFIX_STRLEN];

	return json_string(sn_fmt_prefix(p, a));
}

json_t *sn_json_u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

int sn_json_print(json_t *o, FILE *out)
{
	int ret;

	if (!o)
		return -ENOMEM;
	ret = json_dumpf(o, out, JSON_INDENT(2));
	json_decref(o);
	if (ret < 0 || fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}

void sn_json_stream_begin(struct sn_json_stream *s, FILE *out)
{
	s->out = out;
	s->n = 0;
	s->error = 0;
}

void sn_json_stream_add(struct sn_json_stream *s, json_t *o)
{
	char *text, *line, *nl;

	if (!o) {
		s->error = -ENOMEM;
		return;
	}
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text) {
		s->error = -ENOMEM;
		return;
	}
	/*
	 * Inside the array, every line of the element is indented once more:
	 * written in runs, a million items print in seconds, not minutes.
	 */
	fputs(s->n++ ? ",\n  " : "[\n  ", s->out);
	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		fwrite(line, 1, (size_t)(nl + 1 - line), s->out);
		fputs("  ", s->out);
	}
	fputs(line, s->out);
	free(text);
}

int sn_json_stream_end(struct sn_json_stream *s)
{
	fputs(s->n ? "\n]\n" : "[]\n", s->out);
	if (ferror(s->out))
		return -EIO;
	return s->error;
}

struct sn_row {
	char **cells;
	size_t n;
	bool raw;		/* one cell, printed as is */
};

struct sn_table {
	struct sn_row *rows;
	size_t n;
	bool open;		/* the last row takes more cells */
};

struct sn_table *sn_table_new(void)
{
	return sn_xmalloc(sizeof(struct sn_table));
}

void sn_table_free(struct sn_table *t)
{
	size_t r, c;

	if (!t)
		return;
	for (r = 0; r < t->n; r++) {
		for (c = 0; c < t->rows[r].n; c++)
			free(t->rows[r].cells[c]);
		free(t->rows[r].cells);
	}
	free(t->rows);
	free(t);
}

static struct sn_row *add_row(struct sn_table *t, bool raw)
{
	struct sn_row *row;

	t->rows = sn_grow(t->rows, t->n, sizeof(*t->rows));
	row = &t->rows[t->n++];
	memset(row, 0, sizeof(*row));
	row->raw = raw;
	t->open = !raw;
	return row;
}

static void add_cell(struct sn_row *row, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void add_cell(struct sn_row *row, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	row->cells = sn_xrealloc(row->cells, (row->n + 1) * sizeof(*row->cells));
	row->cells[row->n++] = s;
}

void sn_table_row(struct sn_table *t)
{
	add_row(t, false);
}

void sn_table_cell(struct sn_table *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->open)
		add_row(t, false);
	va_start(ap, fmt);
	add_cell(&t->rows[t->n - 1], fmt, ap);
	va_end(ap);
}

void sn_table_line(struct sn_table *t, const char *fmt, ...)
{
	va_list ap;
	struct sn_row *row = add_row(t, true);

	va_start(ap, fmt);
	add_cell(row, fmt, ap);
	va_end(ap);
}

size_t sn_table_rows(const struct sn_table *t)
{
	return t->n;
}

void sn_table_print(const struct sn_table *t, FILE *out, const char *indent)
{
	size_t *width = NULL, ncols = 0, r, c, len;

	for (r = 0; r < t->n; r++) {
		const struct sn_row *row = &t->rows[r];

		if (row->raw)
			continue;
		if (row->n > ncols) {
			width = sn_xrealloc(width, row->n * sizeof(*width));
			memset(width + ncols, 0, (row->n - ncols) * sizeof(*width));
			ncols = row->n;
		}
		/* A row's last cell does not widen its column: nothing follows it. */
		for (c = 0; c + 1 < row->n; c++) {
			len = strlen(row->cells[c]);
			if (len > width[c])
				width[c] = len;
		}
	}
	for (r = 0; r < t->n; r++) {
		const struct sn_row *row = &t->rows[r];

		fputs(indent ? indent : "", out);
		if (row->raw) {
			fprintf(out, "%s\n", row->cells[0]);
			continue;
		}
		for (c = 0; c < row->n; c++) {
			if (c + 1 == row->n)
				fputs(row->cells[c], out);
			else
				fprintf(out, "%-*s  ", (int)width[c], row->cells[c]);
		}
		fputc('\n', out);
	}
	free(width);
}
