// SPDX-License-Identifier: GPL-2.0
/*
 * semnet monitor: the kernel's events as they happen, one line each (with
 * -j, one JSON object per line). Today that is table misses: packets to a
 * ServiceIP or InstanceIP the node does not know, or to a node subnet
 * without a peer (SEMNET_CMD_MISS on the "misses" group).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>

#include "cli.h"

void sn_monitor_usage(FILE *out)
{
	fputs("Usage: semnet [-j] monitor [count N]\n"
	      "\n"
	      "Prints the kernel's events in this namespace until interrupted (or after\n"
	      "N events):\n"
	      "  miss ADDR from SRC PROTO [port PORT] held N [suppressed N]\n"
	      "      a packet to a ServiceIP or InstanceIP not in the tables; up to\n"
	      "      hold-packets such packets wait until ADDR is installed. One event\n"
	      "      per address every miss-interval; suppressed counts the misses since\n"
	      "      the last event.\n"
	      "  miss-peer ADDR from SRC PROTO\n"
	      "      semnet0 has no peer for ADDR's node subnet\n"
	      "ADDR and SRC are IPv4 or IPv6 addresses (an IPv6 miss: both IPv6).\n"
	      "With -j each event is a JSON object on a line of its own. Lines are\n"
	      "flushed as they are printed.\n",
	      out);
}

static const char *miss_kind_name(uint8_t kind)
{
	switch (kind) {
	case SEMNET_MISS_ADDRESS:
		return "address";
	case SEMNET_MISS_PEER:
		return "peer";
	}
	return "unknown";
}

/* An address of the miss's family: its IPv4 @v4, or @v6. */
static json_t *miss_json_addr(const struct sn_miss *m, uint32_t v4, const struct in6_addr *v6)
{
	return m->family == AF_INET6 ? sn_json_addr6(v6) : sn_json_addr(v4);
}

json_t *sn_miss_json(const struct sn_miss *m)
{
	char proto[16];

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:i, s:i, s:i}",
			 "event", "miss",
			 "kind", miss_kind_name(m->kind),
			 "family", sn_family_name(m->family == AF_INET6 ? AF_INET6 : AF_INET),
			 "addr", miss_json_addr(m, m->addr, &m->addr6),
			 "src", miss_json_addr(m, m->src, &m->src6),
			 "proto", sn_fmt_proto(m->proto, proto, sizeof(proto)),
			 "dport", (int)m->dport,
			 "held", (int)m->held,
			 "suppressed", (int)m->suppressed);
}

void sn_miss_print(FILE *out, const struct sn_miss *m)
{
	char addr[SN_INADDR_STRLEN], src[SN_INADDR_STRLEN], buf[16];
	const char *proto = sn_fmt_proto(m->proto, buf, sizeof(buf));

	sn_fmt_inaddr(m->family, m->addr, &m->addr6, addr);
	sn_fmt_inaddr(m->family, m->src, &m->src6, src);
	if (m->kind == SEMNET_MISS_PEER) {
		fprintf(out, "miss-peer %s from %s %s\n", addr, src, proto);
		return;
	}
	fprintf(out, "miss %s from %s %s", addr, src, proto);
	if (m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP)
		fprintf(out, " port %u", m->dport);
	fprintf(out, " held %" PRIu32, m->held);
	if (m->suppressed)
		fprintf(out, " suppressed %" PRIu32, m->suppressed);
	fputc('\n', out);
}

struct monitor {
	uint32_t count;		/* stop after this many (0: never) */
	uint32_t seen;
	int bad;		/* malformed events */
};

static int monitor_event(uint8_t cmd, struct nlattr **attrs, void *arg)
{
	struct monitor *mon = arg;
	struct sn_miss m;

	if (cmd != SEMNET_CMD_MISS)
		return 0;	/* a newer event this tool does not know */
	if (sn_miss_get(attrs, &m) < 0) {
		mon->bad++;
		return 0;
	}
	if (sn_opts.json) {
		json_t *o = sn_miss_json(&m);

		/* JSON lines: one compact object per event. */
		if (!o || json_dumpf(o, stdout, JSON_COMPACT) < 0 ||
		    fputc('\n', stdout) == EOF) {
			json_decref(o);
			return -EIO;
		}
		json_decref(o);
	} else {
		sn_miss_print(stdout, &m);
	}
	fflush(stdout);
	mon->seen++;
	if (mon->count && mon->seen >= mon->count)
		return -ECANCELED;	/* done: stops the read loop */
	return 0;
}

int sn_cmd_monitor(int argc, char **argv)
{
	static const struct sn_kw kw[] = {
		{ SN_KW("count", SN_KW_U32, 0, 1, NULL) },
	};
	struct sn_kwval kv[ARRAY_SIZE(kw)];
	struct monitor mon = { 0 };
	struct sn_genl g;
	int ret;

	ret = sn_keywords("monitor", kw, ARRAY_SIZE(kw), argc - 1, argv + 1, kv);
	if (ret)
		return ret;
	if (kv[0].n)
		mon.count = kv[0].v[0].u32;
	ret = sn_open(&g);
	if (ret)
		return ret;
	ret = sn_genl_subscribe(&g, SEMNET_MCGRP_MISSES);
	if (ret < 0) {
		sn_genl_close(&g);
		return sn_fail("monitor", ret == -ENOENT ?
			       "the loaded semnet module has no miss events (too old?)" :
			       "cannot join the events group: %s", strerror(-ret));
	}
	/* Until killed (Ctrl-C): every line is out already, flushed. */
	for (;;) {
		ret = sn_genl_recv_events(&g, monitor_event, &mon);
		if (ret == -ECANCELED) {
			ret = 0;
			break;
		}
		if (ret == -ENOBUFS) {
			sn_err_begin();
			fputs("monitor: events were lost (socket buffer full)\n", stderr);
			continue;
		}
		if (ret < 0) {
			sn_genl_close(&g);
			return sn_fail("monitor", "reading events: %s", strerror(-ret));
		}
	}
	sn_genl_close(&g);
	if (mon.bad) {
		sn_err_begin();
		fprintf(stderr, "monitor: %d malformed events skipped\n", mon.bad);
	}
	return 0;
}
